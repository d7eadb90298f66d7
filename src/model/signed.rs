//! Signed records (SPEC §2): an event is encoded by [`crate::model::codec`];
//! its id is a domain-separated blake3 hash of those exact bytes; the author
//! signs a domain-separated message made from the id. A *signed record* is
//! what the store keeps and peers exchange: the 64-byte signature followed by
//! the encoded event, never re-encoded.

use crate::model::codec;
use crate::model::event::Event;
use crate::model::event::EventError;
use crate::model::event::ParentRef;
use crate::model::hash;
use crate::model::ids::EventId;
use crate::model::ids::GroupId;
use crate::model::keys;
use crate::model::verify;

/// Length of the signature that opens a signed record.
pub const SIGNATURE_BYTES: usize = 64;

/// An encoded, named event not yet signed. Ids do not depend on signatures,
/// so many drafts can be made in order and signed in parallel afterwards.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Draft {
    pub id: EventId,
    pub event: Event,
    pub bytes: Vec<u8>,
}

impl Draft {
    /// Checks the shape, encodes and names an event.
    pub fn new(event: Event) -> Result<Draft, EventError> {
        event.check_shape()?;
        Draft::of_checked(event)
    }

    /// Encodes and names an event whose shape the caller has checked
    /// ([`Event::check_shape`]; its `view` field may be set afterwards, since
    /// no shape rule reads it). The check decompresses an added member's key,
    /// so authoring does it once per op, before applying it.
    pub fn of_checked(event: Event) -> Result<Draft, EventError> {
        let mut bytes =
            codec::encode_event(&event).map_err(|e| EventError::Malformed(e.to_string()))?;
        // Encoding grows the buffer by doubling: a batch holds 100,000
        // drafts until it commits, at twice their size otherwise.
        bytes.shrink_to_fit();
        Ok(Draft {
            id: event_id(&bytes),
            event,
            bytes,
        })
    }

    /// The draft with a signature made for it ahead of time
    /// ([`crate::repo::sign_ahead`]): the author's signature of
    /// [`signing_message`] of this draft's id, which the caller vouches for.
    pub fn with_signature(self, signature: [u8; SIGNATURE_BYTES]) -> SignedEvent {
        SignedEvent {
            id: self.id,
            event: self.event,
            bytes: self.bytes,
            signature,
        }
    }

    /// Signs the draft. The signer must be the event's author.
    pub fn sign(self, signer: &keys::SecretKey) -> SignedEvent {
        debug_assert_eq!(signer.public(), self.event.author);
        let signature = signer.sign(&signing_message(&self.id));
        SignedEvent {
            id: self.id,
            event: self.event,
            bytes: self.bytes,
            signature,
        }
    }

    pub fn as_parent(&self) -> ParentRef {
        ParentRef {
            author: self.event.author,
            seq: self.event.seq,
            id: self.id,
        }
    }
}

/// An event with its exact signed bytes: what the store keeps and bundles carry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedEvent {
    pub id: EventId,
    pub event: Event,
    /// The encoded event, exactly as signed.
    pub bytes: Vec<u8>,
    pub signature: [u8; SIGNATURE_BYTES],
}

/// `derive_key(EVENT_ID, bytes)`.
pub fn event_id(bytes: &[u8]) -> EventId {
    EventId(hash::derive(hash::EVENT_ID, bytes))
}

/// The 32-byte message an author signs for an event id.
pub fn signing_message(id: &EventId) -> [u8; 32] {
    hash::derive(hash::SIGNING_MESSAGE, &id.0)
}

impl SignedEvent {
    /// Encodes, names and signs an event. The signer must be the event's author.
    pub fn sign(event: Event, signer: &keys::SecretKey) -> Result<SignedEvent, EventError> {
        Ok(Draft::new(event)?.sign(signer))
    }

    /// The signed record: signature, then the encoded event.
    pub fn record(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SIGNATURE_BYTES + self.bytes.len());
        self.write_record(&mut out);
        out
    }

    /// Appends the signed record to `out` (a buffer reused for many).
    pub fn write_record(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.signature);
        out.extend_from_slice(&self.bytes);
    }

    /// Decodes a signed record canonically and checks its shape, without the signature.
    pub fn decode_record(record: &[u8]) -> Result<SignedEvent, EventError> {
        Self::split(record, |bytes| {
            let event: Event =
                codec::decode_event(bytes).map_err(|e| EventError::Malformed(e.to_string()))?;
            event.check_shape()?;
            Ok(event)
        })
    }

    /// Decodes a record this store accepted earlier. Its bytes were checked
    /// (canonical, shape, signature) when accepted, so they are not checked
    /// again on every read; `audit` re-verifies stored records from scratch.
    pub fn decode_stored(record: &[u8]) -> Result<SignedEvent, EventError> {
        Self::split(record, |bytes| {
            codec::decode_accepted_event(bytes).map_err(|e| EventError::Malformed(e.to_string()))
        })
    }

    /// Splits a record into signature and event bytes, decodes the event
    /// with `decode`, and names it.
    fn split(
        record: &[u8],
        decode: impl FnOnce(&[u8]) -> Result<Event, EventError>,
    ) -> Result<SignedEvent, EventError> {
        if record.len() < SIGNATURE_BYTES {
            return Err(EventError::Malformed(format!(
                "a signed record is at least {SIGNATURE_BYTES} bytes, got {}",
                record.len()
            )));
        }
        let (sig, bytes) = record.split_at(SIGNATURE_BYTES);
        let event = decode(bytes)?;
        let mut signature = [0u8; SIGNATURE_BYTES];
        signature.copy_from_slice(sig);
        Ok(SignedEvent {
            id: event_id(bytes),
            event,
            bytes: bytes.to_vec(),
            signature,
        })
    }

    /// `verify_strict` of the signature over the signing message (SPEC §2).
    pub fn verify_signature(&self) -> Result<(), EventError> {
        let message = signing_message(&self.id);
        if verify::verify_strict(&self.event.author.0, &message, &self.signature) {
            Ok(())
        } else {
            Err(EventError::BadSignature)
        }
    }

    /// Decodes and verifies a record: the whole check a receiver makes on bytes alone.
    pub fn from_record(record: &[u8]) -> Result<SignedEvent, EventError> {
        let signed = Self::decode_record(record)?;
        signed.verify_signature()?;
        Ok(signed)
    }

    /// [`SignedEvent::from_record`] of each record, in order, with the
    /// signatures checked together ([`SignedEvent::verify_signatures`]).
    pub fn from_records(records: &[&[u8]]) -> Vec<Result<SignedEvent, EventError>> {
        let decoded: Vec<Result<SignedEvent, EventError>> =
            records.iter().map(|r| Self::decode_record(r)).collect();
        let slots: Vec<Option<&SignedEvent>> = decoded.iter().map(|d| d.as_ref().ok()).collect();
        let verdicts = Self::verify_signatures(&slots);
        decoded
            .into_iter()
            .zip(verdicts)
            .map(|(decoded, verdict)| match (decoded, verdict) {
                (Ok(event), Some(true)) => Ok(event),
                (Ok(_), _) => Err(EventError::BadSignature),
                (Err(e), _) => Err(e),
            })
            .collect()
    }

    /// [`SignedEvent::verify_signature`] of each event present, in order,
    /// checked together ([`verify::verify_strict_all`]); `None` for a slot
    /// without one.
    pub fn verify_signatures(slots: &[Option<&SignedEvent>]) -> Vec<Option<bool>> {
        let events: Vec<&SignedEvent> = slots.iter().flatten().copied().collect();
        let messages: Vec<[u8; 32]> = events.iter().map(|e| signing_message(&e.id)).collect();
        let checks: Vec<verify::SignatureCheck<'_>> = events
            .iter()
            .zip(&messages)
            .map(|(e, message)| verify::SignatureCheck {
                public: &e.event.author.0,
                message,
                signature: &e.signature,
            })
            .collect();
        // One verdict per event present, in order.
        let mut verdicts = verify::verify_strict_all(&checks).into_iter();
        slots
            .iter()
            .map(|slot| slot.and_then(|_| verdicts.next()))
            .collect()
    }

    /// The group this event belongs to.
    pub fn group(&self) -> GroupId {
        self.event.group_of(self.id)
    }

    /// This event as a parent reference.
    pub fn as_parent(&self) -> ParentRef {
        ParentRef {
            author: self.event.author,
            seq: self.event.seq,
            id: self.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::Op;
    use crate::model::event::EVENT_VERSION;
    use crate::model::keys::SecretKey;

    /// A signed `Create` by the key of `seed`, titled `title`.
    fn create(seed: u8, title: &str) -> SignedEvent {
        let key = SecretKey::from_seed([seed; 32]);
        let event = Event {
            version: EVENT_VERSION,
            group: GroupId::default(),
            author: key.public(),
            seq: 1,
            prev: None,
            parents: Vec::new(),
            time: 0,
            view: Default::default(),
            op: Op::Create {
                title: title.into(),
                nonce: [seed; 16],
            },
        };
        SignedEvent::sign(event, &key).unwrap()
    }

    /// Checked together, records get the results they get one at a time:
    /// good ones, altered signatures, altered bytes and junk, mixed.
    #[test]
    fn records_checked_together_match_one_at_a_time() {
        let mut records: Vec<Vec<u8>> = Vec::new();
        for n in 0..70u8 {
            let mut record = create(n % 5, &format!("group {n}")).record();
            match n % 7 {
                1 => record[2] ^= 1,                   // in the signature
                3 => *record.last_mut().unwrap() ^= 1, // in the event
                5 => record.truncate(10),              // not even a signature
                _ => {}
            }
            records.push(record);
        }
        let slices: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let together = SignedEvent::from_records(&slices);
        let alone: Vec<_> = slices.iter().map(|r| SignedEvent::from_record(r)).collect();
        assert_eq!(together.len(), alone.len());
        for (n, (t, a)) in together.iter().zip(&alone).enumerate() {
            assert_eq!(
                t.as_ref().map(|e| e.id),
                a.as_ref().map(|e| e.id),
                "record {n}"
            );
            assert_eq!(t.as_ref().err(), a.as_ref().err(), "record {n}");
        }
        let good = together.iter().filter(|r| r.is_ok()).count();
        let bad_signatures = together
            .iter()
            .filter(|r| matches!(r, Err(EventError::BadSignature)))
            .count();
        assert!(
            good > 0 && bad_signatures > 0,
            "{good} good, {bad_signatures} bad signatures"
        );
    }
}
