//! JSON Lines bundles (SPEC §6 `--format jsonl`): a header line, then one
//! object per event with readable fields and the raw signed record in hex, so
//! they re-import losslessly. Only `record` is trusted on import; a readable
//! `id` that disagrees with it makes the line malformed.

use std::io::BufRead;
use std::io::Read;
use std::io::Write;

use serde_json::json;
use serde_json::Value;

use super::BundleError;
use super::BundleHeader;
use super::BundleKind;
use super::Item;
use super::MAX_RECORD_BYTES;
use crate::model::event::EventId;
use crate::model::event::Op;
use crate::model::event::ParentRef;
use crate::model::event::PublicKey;
use crate::model::event::ViewHash;
use crate::model::signed::SignedEvent;
use crate::model::signed::SIGNATURE_BYTES;
use crate::model::time::rfc3339;

/// The longest line read: a hex record plus readable fields.
const MAX_LINE_BYTES: u64 = 2 * MAX_RECORD_BYTES as u64 + 512 * 1024;

/// The header line's value.
pub fn header_value(header: &BundleHeader) -> Value {
    json!({
        "gmm_bundle": 1,
        "group": header.group.to_hex(),
        "kind": header.kind.as_str(),
        "heads": header.heads.iter().map(parent_value).collect::<Vec<_>>(),
        "view_hash": header.view_hash.to_hex(),
        "want": header.want.iter().map(|id| id.to_hex()).collect::<Vec<_>>(),
        "prerequisites": header.prerequisites.iter().map(parent_value).collect::<Vec<_>>(),
        "event_count": header.event_count,
        "created": header.created,
    })
}

/// One parent reference, readable.
pub fn parent_value(p: &ParentRef) -> Value {
    json!({ "author": p.author.to_hex(), "seq": p.seq, "id": p.id.to_hex() })
}

/// One op, readable: its `type` and its fields.
pub fn op_value(op: &Op) -> Value {
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

/// Every signed field of an event, readable, with its id and signature: the
/// part of an event's JSON that depends on the event alone.
pub fn readable_event(signed: &SignedEvent) -> Value {
    let e = &signed.event;
    json!({
        "id": signed.id.to_hex(),
        "group": signed.group().to_hex(),
        "author": e.author.to_hex(),
        "seq": e.seq,
        "prev": e.prev.map(|p| p.to_hex()),
        "parents": e.parents.iter().map(parent_value).collect::<Vec<_>>(),
        "time_ms": e.time,
        "time": rfc3339(e.time),
        "view": e.view.to_hex(),
        "op": op_value(&e.op),
        "signature": hex::encode(signed.signature),
    })
}

/// One event's line: readable fields and `record`, the signed bytes in hex.
pub fn event_value(event: &SignedEvent) -> Value {
    let mut value = readable_event(event);
    if let Some(object) = value.as_object_mut() {
        object.insert("record".into(), json!(hex::encode(event.record())));
    }
    value
}

/// Writes a JSON Lines bundle.
pub fn write_header(
    out: &mut (impl Write + ?Sized),
    header: &BundleHeader,
) -> Result<(), BundleError> {
    serde_json::to_writer(&mut *out, &header_value(header)).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

pub fn write_event(
    out: &mut (impl Write + ?Sized),
    event: &SignedEvent,
) -> Result<(), BundleError> {
    serde_json::to_writer(&mut *out, &event_value(event)).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn hex32(value: &Value, what: &str) -> Result<[u8; 32], String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("`{what}` is not a string"))?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out)
        .map_err(|_| format!("`{what}` is not 64 hex characters"))?;
    Ok(out)
}

fn parents(value: &Value, what: &str) -> Result<Vec<ParentRef>, String> {
    let list = value
        .as_array()
        .ok_or_else(|| format!("`{what}` is not a list"))?;
    list.iter()
        .map(|p| {
            Ok(ParentRef {
                author: PublicKey(hex32(&p["author"], "author")?),
                seq: p["seq"].as_u64().ok_or("`seq` is not a number")?,
                id: EventId(hex32(&p["id"], "id")?),
            })
        })
        .collect()
}

fn parse_header(value: &Value) -> Result<BundleHeader, String> {
    if value["gmm_bundle"] != json!(1) {
        return Err("the first line is not a gmm bundle header (`gmm_bundle`: 1)".into());
    }
    let kind = match value["kind"].as_str() {
        Some("export") => BundleKind::Export,
        Some("correction") => BundleKind::Correction,
        _ => return Err("`kind` is not export or correction".into()),
    };
    let want = value["want"].as_array().ok_or("`want` is not a list")?;
    Ok(BundleHeader {
        group: EventId(hex32(&value["group"], "group")?),
        kind,
        heads: parents(&value["heads"], "heads")?,
        view_hash: ViewHash(hex32(&value["view_hash"], "view_hash")?),
        want: want
            .iter()
            .map(|w| hex32(w, "want").map(EventId))
            .collect::<Result<_, _>>()?,
        prerequisites: parents(&value["prerequisites"], "prerequisites")?,
        event_count: value["event_count"]
            .as_u64()
            .ok_or("`event_count` is not a number")?,
        created: value["created"].as_u64().unwrap_or(0),
    })
}

/// Reads a JSON Lines bundle line by line.
pub struct JsonlReader<R: BufRead> {
    input: R,
    header: BundleHeader,
    line: u64,
    read: u64,
}

/// Reads one line of at most [`MAX_LINE_BYTES`]; `None` at the end.
fn read_line(input: &mut impl BufRead, line: u64) -> Result<Option<Vec<u8>>, BundleError> {
    let mut buf = Vec::new();
    let n = input
        .by_ref()
        .take(MAX_LINE_BYTES + 1)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if n as u64 > MAX_LINE_BYTES {
        return Err(BundleError::Jsonl {
            line,
            reason: format!("the line is longer than {MAX_LINE_BYTES} bytes"),
        });
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(buf))
}

impl<R: BufRead> JsonlReader<R> {
    pub fn open(mut input: R) -> Result<JsonlReader<R>, BundleError> {
        let bad = |reason: String| BundleError::Jsonl { line: 1, reason };
        let first = read_line(&mut input, 1)?.ok_or(BundleError::Empty)?;
        let value: Value = serde_json::from_slice(&first)
            .map_err(|e| bad(format!("the header is not JSON: {e}")))?;
        let header = parse_header(&value).map_err(bad)?;
        Ok(JsonlReader {
            input,
            header,
            line: 1,
            read: 0,
        })
    }

    pub fn header(&self) -> &BundleHeader {
        &self.header
    }

    /// The next event line as a record, a bad line as a finding, or `None`.
    pub fn next_item(&mut self) -> Result<Option<Item>, BundleError> {
        loop {
            self.line += 1;
            let Some(line) = read_line(&mut self.input, self.line)? else {
                return Ok(None);
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.read += 1;
            return Ok(Some(self.parse_event(line)));
        }
    }

    fn parse_event(&self, line: Vec<u8>) -> Item {
        let bad = |reason: String| Item::Bad {
            reason: format!("line {}: {reason}", self.line),
            raw: line.clone(),
        };
        let value: Value = match serde_json::from_slice(&line) {
            Ok(value) => value,
            Err(e) => return bad(format!("not JSON: {e}")),
        };
        let Some(record_hex) = value["record"].as_str() else {
            return bad("no `record` field with the signed bytes".into());
        };
        let Ok(record) = hex::decode(record_hex) else {
            return bad("`record` is not hex".into());
        };
        if record.len() < SIGNATURE_BYTES {
            return bad("`record` is too short to be a signed record".into());
        }
        if let Some(id) = value.get("id") {
            let actual = crate::model::signed::event_id(&record[SIGNATURE_BYTES..]).to_hex();
            if id.as_str() != Some(actual.as_str()) {
                return bad(format!(
                    "`id` does not match the record (the record's id is {actual})"
                ));
            }
        }
        Item::Record(record)
    }

    /// Checks the count of event lines against the header.
    pub fn finish(self) -> Result<(), BundleError> {
        if self.read < self.header.event_count {
            return Err(BundleError::Truncated {
                what: "the event lines",
                events: self.read,
                expected: self.header.event_count,
            });
        }
        if self.read > self.header.event_count {
            return Err(BundleError::Jsonl {
                line: self.line,
                reason: format!(
                    "{} event lines, but the header says {}",
                    self.read, self.header.event_count
                ),
            });
        }
        Ok(())
    }
}
