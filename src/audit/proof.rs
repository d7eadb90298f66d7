//! Fork proofs (SPEC §3 rule 7): a small standalone file holding two signed
//! events by one author with the same group and seq. Anyone can check it
//! offline with nothing but the author's public key: both signatures verify
//! (`verify_strict`) and the two events differ, so the key's holder signed
//! two different histories.
//!
//! ```text
//! untrusted comment: gmm fork proof: <author> signed two events at seq <n> in group <group>
//! base64("gmm" 0x01 "FP" ‖ len_a u32 LE ‖ record_a ‖ len_b u32 LE ‖ record_b)
//! ```
//!
//! The records are the exact signed bytes, ordered by id.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;

const MAGIC: &[u8; 6] = b"gmm\x01FP";

/// Why a file is not a valid fork proof.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    #[error("not a gmm fork proof: {0}")]
    Format(String),
    #[error("event {0} in the proof does not verify: {1}")]
    Event(usize, String),
    #[error("the proof does not show a fork: {0}")]
    NoFork(String),
    #[error("the events are signed by {found}, not by the key given ({expected})")]
    WrongKey { found: String, expected: String },
}

/// Two conflicting signed events by one author.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkProof {
    pub a: SignedEvent,
    pub b: SignedEvent,
}

/// What a valid proof shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proven {
    pub author: PublicKey,
    pub group: GroupId,
    pub seq: u64,
    pub events: (EventId, EventId),
}

impl ForkProof {
    /// A proof from two events (in any order).
    pub fn new(a: SignedEvent, b: SignedEvent) -> ForkProof {
        if a.id <= b.id {
            ForkProof { a, b }
        } else {
            ForkProof { a: b, b: a }
        }
    }

    /// A file name that says what it holds.
    pub fn file_name(&self) -> String {
        format!(
            "fork-{}-seq{}-{}.gmmproof",
            &self.a.event.author.to_hex()[..16],
            self.a.event.seq,
            &self.a.group().to_hex()[..8]
        )
    }

    pub fn to_file_text(&self) -> String {
        let mut payload = MAGIC.to_vec();
        for e in [&self.a, &self.b] {
            let record = e.record();
            payload.extend_from_slice(&(record.len() as u32).to_le_bytes());
            payload.extend_from_slice(&record);
        }
        format!(
            "untrusted comment: gmm fork proof: {} signed two events at seq {} in group {}\n{}\n",
            self.a.event.author,
            self.a.event.seq,
            self.a.group(),
            BASE64.encode(payload)
        )
    }

    /// Parses a proof file and checks it; `key`, when given, must be the author.
    pub fn verify_text(text: &str, key: Option<&PublicKey>) -> Result<Proven, ProofError> {
        let bad = |why: &str| ProofError::Format(why.to_string());
        let body = text
            .lines()
            .find(|l| !l.starts_with("untrusted comment:") && !l.trim().is_empty())
            .ok_or_else(|| bad("no base64 line"))?;
        let payload = BASE64
            .decode(body.trim())
            .map_err(|_| bad("the second line is not base64"))?;
        if payload.len() < MAGIC.len() || &payload[..MAGIC.len()] != MAGIC {
            return Err(bad("no fork proof header"));
        }
        let mut rest = &payload[MAGIC.len()..];
        let mut events = Vec::new();
        for n in 1..=2 {
            if rest.len() < 4 {
                return Err(bad("truncated"));
            }
            let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let record = rest.get(4..4 + len).ok_or_else(|| bad("truncated"))?;
            let event = SignedEvent::from_record(record)
                .map_err(|e| ProofError::Event(n, e.to_string()))?;
            events.push(event);
            rest = &rest[4 + len..];
        }
        if !rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let (a, b) = (&events[0], &events[1]);
        let proven = Proven {
            author: a.event.author,
            group: a.group(),
            seq: a.event.seq,
            events: (a.id, b.id),
        };
        if a.id == b.id {
            return Err(ProofError::NoFork("it holds the same event twice".into()));
        }
        if a.event.author != b.event.author {
            return Err(ProofError::NoFork(
                "the events have different authors".into(),
            ));
        }
        if a.group() != b.group() || a.event.seq != b.event.seq {
            return Err(ProofError::NoFork(
                "the events are not at the same group and seq".into(),
            ));
        }
        if let Some(key) = key {
            if *key != proven.author {
                return Err(ProofError::WrongKey {
                    found: proven.author.to_hex(),
                    expected: key.to_hex(),
                });
            }
        }
        Ok(proven)
    }
}
