//! Evidence a third party checks offline (`docs/proof-format.md`): small text
//! files holding exact signed event records and what is needed to re-run one
//! rule on them, so that someone with no store, who does not trust the
//! auditor, can check a claim with `gmm verify-proof`.
//!
//! Four kinds, one framing ([`frame`]):
//! - [`ForkProof`]: two events by one author at one seq (rule 7);
//! - [`ViewProof`]: an event and the view its `view` field commits to (rule 8):
//!   what its author saw when signing it;
//! - [`HistoryProof`]: a causally closed set of events on which the rules
//!   (2, 5, 8) give an event a verdict, or a view different from its field;
//! - [`QuarantineProof`]: refused bytes and why they are not an acceptable event.
//!
//! Decoding is bounded by the file's size (every count is checked against the
//! bytes left before anything is allocated) and never panics.

mod fork;
mod frame;
mod history;
mod quarantine;
mod set;
mod view;

pub use self::fork::ForkProof;
pub use self::history::HistoryClaim;
pub use self::history::HistoryProof;
pub use self::quarantine::QuarantineProof;
pub use self::view::ViewProof;

use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::event::Role;
use crate::model::event::ViewHash;
use crate::model::signed::SignedEvent;
use crate::rules::projection::Verdict;
use crate::rules::view::View;

/// The largest proof file `verify-proof` reads: a history proof of a whole
/// million-event log fits (about 200 bytes an event).
pub const MAX_PROOF_BYTES: u64 = 1 << 30;

/// Why a file does not prove what it claims.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// Not a proof file at all, or damaged framing.
    #[error("not a gmm proof: {0}")]
    Format(String),
    /// A record in the proof is not a valid signed event (1-based).
    #[error("event {0} in the proof does not verify: {1}")]
    Event(usize, String),
    /// The records are valid, but they do not show what the proof claims.
    #[error("{0}")]
    DoesNotHold(String),
    #[error("the proof is about {found}, not about the key given ({expected})")]
    WrongKey { found: String, expected: String },
}

/// The kinds of proof, by their two-letter tag in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProofKind {
    Fork,
    View,
    Verdict,
    ViewMismatch,
    Quarantine,
}

impl ProofKind {
    /// The kind's name in `index.json`, JSON output and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            ProofKind::Fork => "fork",
            ProofKind::View => "view",
            ProofKind::Verdict => "verdict",
            ProofKind::ViewMismatch => "view-mismatch",
            ProofKind::Quarantine => "quarantine",
        }
    }
}

/// Any proof file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    Fork(ForkProof),
    View(ViewProof),
    History(HistoryProof),
    Quarantine(QuarantineProof),
}

/// What a proof shows once checked: one line of claim and its parts.
#[derive(Clone, Debug)]
pub struct Verified {
    pub kind: ProofKind,
    pub group: GroupId,
    /// The key the claim is about (`--key` must name it); `None` for
    /// quarantined bytes that name no author.
    pub author: Option<PublicKey>,
    /// The events the claim is about, the judged one first.
    pub events: Vec<EventId>,
    /// How many signed records the proof holds.
    pub records: usize,
    pub detail: Detail,
}

/// The claim of each kind, with what the check recomputed.
#[derive(Clone, Debug)]
pub enum Detail {
    Fork {
        seq: u64,
    },
    View {
        event: Box<SignedEvent>,
        title: String,
        /// Key, role and linked device keys, as rule 8 hashes them.
        members: Vec<crate::model::codec::HashedMember>,
        /// The member asked about, and their role in that view (`None`: not
        /// a member).
        subject: Option<(PublicKey, Option<Role>)>,
    },
    /// The verdict the rules give the event on the proof's events, with the
    /// revoking event when revoked, and the view after all of them (for names).
    Verdict {
        event: Box<SignedEvent>,
        verdict: Verdict,
        by: Option<Box<SignedEvent>>,
        view: Box<View>,
    },
    ViewMismatch {
        event: Box<SignedEvent>,
        says: ViewHash,
        gives: ViewHash,
    },
    Quarantine {
        /// What gmm recorded when it refused the bytes.
        recorded: String,
        /// What re-checking the bytes found now.
        found: String,
    },
}

impl Proof {
    pub fn kind(&self) -> ProofKind {
        match self {
            Proof::Fork(_) => ProofKind::Fork,
            Proof::View(_) => ProofKind::View,
            Proof::History(h) => match h.claim {
                HistoryClaim::ViewMismatch => ProofKind::ViewMismatch,
                HistoryClaim::Unauthorized | HistoryClaim::Revoked { .. } => ProofKind::Verdict,
            },
            Proof::Quarantine(_) => ProofKind::Quarantine,
        }
    }

    /// The proof file: an untrusted comment line, then the base64 payload.
    pub fn to_file_text(&self) -> String {
        let (tag, body) = match self {
            Proof::Fork(p) => (frame::FORK, p.body()),
            Proof::View(p) => (frame::VIEW, p.body()),
            Proof::History(p) => (frame::HISTORY, p.body()),
            Proof::Quarantine(p) => (frame::QUARANTINE, p.body()),
        };
        frame::to_text(&self.comment(), tag, &body)
    }

    /// What the untrusted comment says (not covered by anything: the check
    /// recomputes the claim from the payload).
    fn comment(&self) -> String {
        match self {
            Proof::Fork(p) => p.comment(),
            Proof::View(p) => p.comment(),
            Proof::History(p) => p.comment(),
            Proof::Quarantine(p) => p.comment(),
        }
    }

    /// A file name that says what the proof holds.
    pub fn file_name(&self) -> String {
        match self {
            Proof::Fork(p) => p.file_name(),
            Proof::View(p) => p.file_name(),
            Proof::History(p) => p.file_name(),
            Proof::Quarantine(p) => p.file_name(),
        }
    }

    /// Parses a proof file's framing (nothing is verified yet).
    pub fn parse(text: &str) -> Result<Proof, ProofError> {
        let (tag, body) = frame::from_text(text)?;
        let mut reader = frame::Reader::new(&body);
        let proof = match tag {
            frame::FORK => Proof::Fork(ForkProof::read(&mut reader)?),
            frame::VIEW => Proof::View(ViewProof::read(&mut reader)?),
            frame::HISTORY => Proof::History(HistoryProof::read(&mut reader)?),
            frame::QUARANTINE => Proof::Quarantine(QuarantineProof::read(&mut reader)?),
            _ => return Err(ProofError::Format("unknown proof kind".into())),
        };
        reader.finish()?;
        Ok(proof)
    }

    /// Checks the proof; `key`, when given, must be the key it is about.
    pub fn verify(&self, key: Option<&PublicKey>) -> Result<Verified, ProofError> {
        let verified = match self {
            Proof::Fork(p) => p.verify()?,
            Proof::View(p) => p.verify()?,
            Proof::History(p) => p.verify()?,
            Proof::Quarantine(p) => p.verify()?,
        };
        if let Some(key) = key {
            if verified.author.as_ref() != Some(key) {
                return Err(ProofError::WrongKey {
                    found: verified
                        .author
                        .map_or_else(|| "no readable author".into(), |a| a.to_hex()),
                    expected: key.to_hex(),
                });
            }
        }
        Ok(verified)
    }
}

/// Parses and checks a proof file.
pub fn verify_text(text: &str, key: Option<&PublicKey>) -> Result<Verified, ProofError> {
    Proof::parse(text)?.verify(key)
}

/// Decodes records into verified signed events (1-based positions in errors).
fn signed_events(records: &[Vec<u8>]) -> Result<Vec<SignedEvent>, ProofError> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            SignedEvent::from_record(r).map_err(|e| ProofError::Event(i + 1, e.to_string()))
        })
        .collect()
}
