//! Quarantine proofs (SPEC §4): bytes gmm refused, the reason it recorded,
//! and, for a `bad-link` refusal, the events the record cites with their past,
//! so anyone can re-run the check and see the bytes are not an acceptable
//! event. `malformed` and `bad-signature` need the bytes alone.
//!
//! Body (tag `QR`): `len u32 ‖ raw bytes ‖ len u32 ‖ recorded reason (UTF-8) ‖
//! count u32 ‖ records` (the cited events, ascending by id; none unless the
//! refusal was a bad link).

use super::frame::Reader;
use super::frame::Writer;
use super::set::EventSet;
use super::Detail;
use super::ProofError;
use super::ProofKind;
use super::Verified;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::hash;
use crate::model::signed::SignedEvent;
use crate::rules::links;

/// Refused bytes and what they cite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuarantineProof {
    pub raw: Vec<u8>,
    pub reason: String,
    pub cited: Vec<Vec<u8>>,
}

impl QuarantineProof {
    /// A proof for refused `raw` bytes; `cited` are the events a bad link
    /// refers to, with their past.
    pub fn new(raw: &[u8], reason: &str, cited: &[SignedEvent]) -> QuarantineProof {
        let mut sorted: Vec<&SignedEvent> = cited.iter().collect();
        sorted.sort_by_key(|e| e.id);
        sorted.dedup_by_key(|e| e.id);
        QuarantineProof {
            raw: raw.to_vec(),
            reason: reason.to_string(),
            cited: sorted.iter().map(|e| e.record()).collect(),
        }
    }

    /// The quarantine key of the bytes (as `audit` names them).
    pub fn key(&self) -> String {
        hex::encode(hash::quarantine_key(&self.raw))
    }

    pub(super) fn file_name(&self) -> String {
        format!("quarantine-{}.gmmproof", &self.key()[..16])
    }

    pub(super) fn comment(&self) -> String {
        format!(
            "gmm quarantine proof: {} refused bytes ({}…): {}",
            self.raw.len(),
            &self.key()[..16],
            self.reason
        )
    }

    pub(super) fn body(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.blob(&self.raw);
        w.blob(self.reason.as_bytes());
        w.records(&self.cited);
        w.bytes
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<QuarantineProof, ProofError> {
        let raw = r.blob("the refused bytes")?;
        let reason = String::from_utf8(r.blob("the reason")?)
            .map_err(|_| ProofError::Format("the reason is not UTF-8".into()))?;
        let cited = r.records("the cited events")?;
        Ok(QuarantineProof { raw, reason, cited })
    }

    pub(super) fn verify(&self) -> Result<Verified, ProofError> {
        let named = SignedEvent::decode_record(&self.raw).ok();
        let author = named.as_ref().map(|e| e.event.author);
        let group = named.as_ref().map_or(GroupId::default(), |e| e.group());
        let found = match SignedEvent::from_record(&self.raw) {
            Err(e) => format!("not an acceptable event: {e}"),
            Ok(event) => self.link_failure(&event)?,
        };
        Ok(Verified {
            kind: ProofKind::Quarantine,
            group,
            author,
            events: named.iter().map(|e| e.id).collect(),
            records: self.cited.len(),
            detail: Detail::Quarantine {
                recorded: self.reason.clone(),
                found,
            },
        })
    }

    /// For a validly signed record: why its links fail against the cited
    /// events, or that the proof does not hold.
    fn link_failure(&self, event: &SignedEvent) -> Result<String, ProofError> {
        let cited = super::signed_events(&self.cited)?;
        let set = EventSet::new(&cited);
        // A link to an event the proof does not hold proves nothing: the
        // event may exist elsewhere.
        let mut all_cited: Vec<EventId> = event.event.parents.iter().map(|p| p.id).collect();
        all_cited.extend(event.event.prev);
        if let Some(missing) = all_cited.iter().find(|id| !set.by_id.contains_key(id)) {
            return Err(ProofError::DoesNotHold(format!(
                "the record is a validly signed event, and the proof lacks the event {} it cites, so its refusal (`{}`) cannot be re-checked",
                missing.short(),
                self.reason
            )));
        }
        match links::check_links(event, &set) {
            Err(why) => Ok(format!("bad-link: {why}")),
            Ok(()) => Err(ProofError::DoesNotHold(format!(
                "the record is a validly signed event whose links hold; the recorded reason (`{}`) is not shown by these bytes",
                self.reason
            ))),
        }
    }
}
