//! Fork proofs (SPEC §3 rule 7): two signed events by one author with the
//! same group and seq. Anyone can check one offline with nothing but the
//! author's public key: both signatures verify (`verify_strict`) and the two
//! events differ, so the key's holder signed two different histories.
//!
//! Body (tag `FP`): `len u32 ‖ record_a ‖ len u32 ‖ record_b`, ordered by id.

use super::frame::Reader;
use super::frame::Writer;
use super::Detail;
use super::ProofError;
use super::ProofKind;
use super::Verified;
use crate::model::signed::SignedEvent;

/// Two conflicting signed events by one author.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkProof {
    pub a: Vec<u8>,
    pub b: Vec<u8>,
}

impl ForkProof {
    /// A proof from two events (in any order).
    pub fn new(a: &SignedEvent, b: &SignedEvent) -> ForkProof {
        let (a, b) = if a.id <= b.id { (a, b) } else { (b, a) };
        ForkProof {
            a: a.record(),
            b: b.record(),
        }
    }

    fn events(&self) -> Result<(SignedEvent, SignedEvent), ProofError> {
        let decode = |n: usize, r: &[u8]| {
            SignedEvent::from_record(r).map_err(|e| ProofError::Event(n, e.to_string()))
        };
        Ok((decode(1, &self.a)?, decode(2, &self.b)?))
    }

    pub(super) fn file_name(&self) -> String {
        match SignedEvent::decode_record(&self.a) {
            Ok(a) => format!(
                "fork-{}-seq{}-{}.gmmproof",
                &a.event.author.to_hex()[..16],
                a.event.seq,
                &a.group().to_hex()[..8]
            ),
            Err(_) => "fork.gmmproof".into(),
        }
    }

    pub(super) fn comment(&self) -> String {
        match SignedEvent::decode_record(&self.a) {
            Ok(a) => format!(
                "gmm fork proof: {} signed two events at seq {} in group {}",
                a.event.author,
                a.event.seq,
                a.group()
            ),
            Err(_) => "gmm fork proof".into(),
        }
    }

    pub(super) fn body(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.blob(&self.a);
        w.blob(&self.b);
        w.bytes
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<ForkProof, ProofError> {
        Ok(ForkProof {
            a: r.blob("the first record")?,
            b: r.blob("the second record")?,
        })
    }

    pub(super) fn verify(&self) -> Result<Verified, ProofError> {
        let (a, b) = self.events()?;
        let no_fork = |why: &str| ProofError::DoesNotHold(format!("no fork: {why}"));
        if a.id == b.id {
            return Err(no_fork("it holds the same event twice"));
        }
        if a.id > b.id {
            return Err(no_fork("the events are not ordered by id"));
        }
        if a.event.author != b.event.author {
            return Err(no_fork("the events have different authors"));
        }
        if a.group() != b.group() || a.event.seq != b.event.seq {
            return Err(no_fork("the events are not at the same group and seq"));
        }
        Ok(Verified {
            kind: ProofKind::Fork,
            group: a.group(),
            author: Some(a.event.author),
            events: vec![a.id, b.id],
            records: 2,
            detail: Detail::Fork { seq: a.event.seq },
        })
    }
}
