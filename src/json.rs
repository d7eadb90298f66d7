//! The JSON values of gmm's contract (format version 1, `docs/json.md`): used
//! by the CLI's `--json` output and by JSON Lines bundles. Keys and ids are 64
//! lowercase hex characters; times are given both as ms since the Unix epoch
//! (`time_ms`) and as RFC 3339 (`time`). Fields may be added in a later
//! version; none is renamed or removed. Building values never prints.

use std::time::Duration;
use std::time::UNIX_EPOCH;

use crate::event::Op;
use crate::event::ParentRef;
use crate::event::SignedEvent;
use crate::projection::Verdict;
use crate::store::verdict_word;
use crate::store::EventMeta;
use crate::view::View;
use serde_json::json;
use serde_json::Value;

/// RFC 3339 with milliseconds, UTC.
pub fn rfc3339(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

pub fn parent(p: &ParentRef) -> Value {
    json!({ "author": p.author.to_hex(), "seq": p.seq, "id": p.id.to_hex() })
}

pub fn op(op: &Op) -> Value {
    match op {
        Op::Create { title, nonce } => {
            json!({ "type": "create", "title": title, "nonce": hex::encode(nonce) })
        }
        Op::Add { member, role, name } => {
            json!({ "type": "add", "member": member.to_hex(), "role": role.as_str(), "name": name })
        }
        Op::Remove { member } => json!({ "type": "remove", "member": member.to_hex() }),
        Op::Leave => json!({ "type": "leave" }),
        Op::SetRole { member, role } => {
            json!({ "type": "role", "member": member.to_hex(), "role": role.as_str() })
        }
        Op::SetTitle { title } => json!({ "type": "title", "title": title }),
    }
}

/// One event: every signed field, its id and signature, and what the store
/// computed about it (`status`, `lamport`, `log_index`) when known.
pub fn event(signed: &SignedEvent, meta: Option<&EventMeta>, view: &View) -> Value {
    let e = &signed.event;
    let mut value = json!({
        "id": signed.id.to_hex(),
        "group": signed.group().to_hex(),
        "author": e.author.to_hex(),
        "author_name": view.names.get(&e.author).cloned().unwrap_or_default(),
        "seq": e.seq,
        "prev": e.prev.map(|p| p.to_hex()),
        "parents": e.parents.iter().map(parent).collect::<Vec<_>>(),
        "time_ms": e.time,
        "time": rfc3339(e.time),
        "view": e.view.to_hex(),
        "op": op(&e.op),
        "signature": hex::encode(signed.signature),
    });
    if let Some(meta) = meta {
        value["status"] = json!(verdict_word(&meta.verdict));
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
