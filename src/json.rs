//! The JSON values of gmm's contract (format version 1, `docs/json.md`): used
//! by the CLI's `--json` output and by JSON Lines bundles. Keys and ids are 64
//! lowercase hex characters; times are given both as ms since the Unix epoch
//! (`time_ms`) and as RFC 3339 (`time`). Fields may be added in a later
//! version; none is renamed or removed. Building values never prints.

use crate::bundle::jsonl;
pub use crate::bundle::jsonl::op_value as op;
pub use crate::bundle::jsonl::parent_value as parent;
use crate::model::signed::SignedEvent;
pub use crate::model::time::rfc3339;
use crate::rules::projection::Verdict;
use crate::rules::view::View;
use crate::store::EventMeta;
use serde_json::json;
use serde_json::Value;

/// One event: every signed field, its id and signature, and what the store
/// computed about it (`status`, `lamport`, `log_index`) when known.
pub fn event(signed: &SignedEvent, meta: Option<&EventMeta>, view: &View) -> Value {
    let e = &signed.event;
    let mut value = jsonl::readable_event(signed);
    value["author_name"] = json!(view.names.get(&e.author).cloned().unwrap_or_default());
    if let Some(meta) = meta {
        value["status"] = json!(meta.verdict.word());
        match &meta.verdict {
            Verdict::Unauthorized(reason) => value["reason"] = json!(reason),
            Verdict::Revoked { by } => value["revoked_by"] = json!(by.to_hex()),
            Verdict::Effective => {}
        }
        value["lamport"] = json!(meta.lamport);
        value["log_index"] = json!(meta.log_index);
    }
    value
}

/// The view: group, title, view hash and members sorted by key.
pub fn members(view: &View) -> Value {
    let members: Vec<Value> = view
        .members
        .iter()
        .map(|(key, m)| json!({ "key": key.to_hex(), "role": m.role.as_str(), "name": m.name }))
        .collect();
    json!({
        "group": view.group.to_hex(),
        "title": view.title,
        "view_hash": view.hash().to_hex(),
        "members": members,
    })
}
