//! JSON Lines bundles (SPEC §6 `--format jsonl`): a header line, then one
//! object per event with readable fields and the raw signed record in hex, so
//! they re-import losslessly. Only `record` is trusted on import; a readable
//! `id` that disagrees with it makes the line malformed.

use std::io::BufRead;
use std::io::Read;
use std::io::Write;

use serde::Deserialize;
use serde::Serialize;
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

/// The JSON Lines bundle format version, in the header's `gmm_bundle`.
/// Version 2 spells the header's time `created_ms`, as `bundle inspect` does.
pub const JSONL_VERSION: u32 = 2;

/// A parent reference, readable (also the output contract's `<Parent>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentJson {
    pub author: String,
    pub seq: u64,
    pub id: String,
}

impl From<&ParentRef> for ParentJson {
    fn from(p: &ParentRef) -> Self {
        ParentJson {
            author: p.author.to_hex(),
            seq: p.seq,
            id: p.id.to_hex(),
        }
    }
}

/// An op, readable: its `type` and its fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum OpJson {
    Create {
        title: String,
        nonce: String,
    },
    Add {
        member: String,
        role: String,
        name: String,
    },
    Remove {
        member: String,
    },
    Leave,
    Role {
        member: String,
        role: String,
    },
    Title {
        title: String,
    },
    Link {
        device: String,
        name: String,
    },
    Unlink {
        device: String,
    },
}

impl From<&Op> for OpJson {
    fn from(op: &Op) -> Self {
        match op {
            Op::Create { title, nonce } => OpJson::Create {
                title: title.clone(),
                nonce: hex::encode(nonce),
            },
            Op::Add { member, role, name } => OpJson::Add {
                member: member.to_hex(),
                role: role.as_str().into(),
                name: name.clone(),
            },
            Op::Remove { member } => OpJson::Remove {
                member: member.to_hex(),
            },
            Op::Leave => OpJson::Leave,
            Op::SetRole { member, role } => OpJson::Role {
                member: member.to_hex(),
                role: role.as_str().into(),
            },
            Op::SetTitle { title } => OpJson::Title {
                title: title.clone(),
            },
            Op::LinkDevice { device, name } => OpJson::Link {
                device: device.to_hex(),
                name: name.clone(),
            },
            Op::UnlinkDevice { device } => OpJson::Unlink {
                device: device.to_hex(),
            },
        }
    }
}

/// Every signed field of an event, readable, with its id and signature: the
/// part of an event's JSON that depends on the event alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadableEvent {
    pub id: String,
    pub group: String,
    pub author: String,
    pub seq: u64,
    pub prev: Option<String>,
    pub parents: Vec<ParentJson>,
    pub time_ms: u64,
    pub time: String,
    pub view: String,
    pub op: OpJson,
    pub signature: String,
}

impl From<&SignedEvent> for ReadableEvent {
    fn from(signed: &SignedEvent) -> Self {
        let e = &signed.event;
        ReadableEvent {
            id: signed.id.to_hex(),
            group: signed.group().to_hex(),
            author: e.author.to_hex(),
            seq: e.seq,
            prev: e.prev.map(|p| p.to_hex()),
            parents: e.parents.iter().map(ParentJson::from).collect(),
            time_ms: e.time,
            time: rfc3339(e.time),
            view: e.view.to_hex(),
            op: (&e.op).into(),
            signature: hex::encode(signed.signature),
        }
    }
}

/// One event line: readable fields and `record`, the signed bytes in hex
/// (what is imported; the readable fields must agree with it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLine {
    #[serde(flatten)]
    pub event: ReadableEvent,
    pub record: String,
}

/// The header line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderLine {
    pub gmm_bundle: u32,
    pub group: String,
    pub kind: String,
    pub heads: Vec<ParentJson>,
    pub view_hash: String,
    pub want: Vec<String>,
    pub prerequisites: Vec<ParentJson>,
    pub event_count: u64,
    pub created_ms: u64,
}

impl From<&BundleHeader> for HeaderLine {
    fn from(header: &BundleHeader) -> Self {
        HeaderLine {
            gmm_bundle: JSONL_VERSION,
            group: header.group.to_hex(),
            kind: header.kind.as_str().into(),
            heads: header.heads.iter().map(ParentJson::from).collect(),
            view_hash: header.view_hash.to_hex(),
            want: header.want.iter().map(|id| id.to_hex()).collect(),
            prerequisites: header.prerequisites.iter().map(ParentJson::from).collect(),
            event_count: header.event_count,
            created_ms: header.created,
        }
    }
}

/// Writes a JSON Lines bundle.
pub fn write_header(
    out: &mut (impl Write + ?Sized),
    header: &BundleHeader,
) -> Result<(), BundleError> {
    serde_json::to_writer(&mut *out, &HeaderLine::from(header)).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

pub fn write_event(
    out: &mut (impl Write + ?Sized),
    event: &SignedEvent,
) -> Result<(), BundleError> {
    let line = EventLine {
        event: event.into(),
        record: hex::encode(event.record()),
    };
    serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn hex32(text: &str, what: &str) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out)
        .map_err(|_| format!("`{what}` is not 64 hex characters"))?;
    Ok(out)
}

fn parents(list: &[ParentJson]) -> Result<Vec<ParentRef>, String> {
    list.iter()
        .map(|p| {
            Ok(ParentRef {
                author: PublicKey(hex32(&p.author, "author")?),
                seq: p.seq,
                id: EventId(hex32(&p.id, "id")?),
            })
        })
        .collect()
}

fn parse_header(value: Value) -> Result<BundleHeader, String> {
    if value["gmm_bundle"] != json!(JSONL_VERSION) {
        return Err(format!(
            "the first line is not a gmm bundle header (`gmm_bundle`: {JSONL_VERSION})"
        ));
    }
    let line: HeaderLine =
        serde_json::from_value(value).map_err(|e| format!("bad header line: {e}"))?;
    let kind = match line.kind.as_str() {
        "export" => BundleKind::Export,
        "correction" => BundleKind::Correction,
        _ => return Err("`kind` is not export or correction".into()),
    };
    Ok(BundleHeader {
        group: EventId(hex32(&line.group, "group")?),
        kind,
        heads: parents(&line.heads)?,
        view_hash: ViewHash(hex32(&line.view_hash, "view_hash")?),
        want: line
            .want
            .iter()
            .map(|w| hex32(w, "want").map(EventId))
            .collect::<Result<_, _>>()?,
        prerequisites: parents(&line.prerequisites)?,
        event_count: line.event_count,
        created: line.created_ms,
    })
}

/// Where a line's readable fields disagree with its signed record, if they
/// do: each readable field present must say what the record says, so a title
/// edited in the readable part is caught, not imported as if it were signed.
/// A record that does not decode is left to the importer to refuse.
fn readable_lie(value: &Value, record: &[u8]) -> Option<String> {
    let signed = SignedEvent::decode_record(record).ok()?;
    let truth = serde_json::to_value(ReadableEvent::from(&signed)).ok()?;
    let (Value::Object(said), Value::Object(truth)) = (value, truth) else {
        return Some("the line is not a JSON object".into());
    };
    for (field, told) in said {
        match truth.get(field) {
            Some(signed_value) if signed_value != told => {
                return Some(format!(
                    "readable field `{field}` is {told}, but the signed record says {signed_value}"
                ));
            }
            _ => {}
        }
    }
    None
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
        let header = parse_header(value).map_err(bad)?;
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

    /// The header, moved out ([`BundleHeader::take`]).
    pub fn take_header(&mut self) -> BundleHeader {
        BundleHeader::take(&mut self.header)
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
        if let Some(lie) = readable_lie(&value, &record) {
            return bad(lie);
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
