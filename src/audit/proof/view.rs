//! View proofs (SPEC §2 `view`, §3 rule 8): a signed event and the view its
//! `view` field commits to, so anyone can check "the author of this event,
//! when signing it, saw MEMBER as a member with role R" (or as not a member)
//! with nothing but the file. The view is carried whole, as a view listing
//! (contract 4); the check builds its member tree, hashes it and compares
//! with the signed field.
//!
//! Body (tag `VP`): `len u32 ‖ record ‖ len u32 ‖ view listing ‖ subject`,
//! where `subject` is `0x00`, or `0x01 ‖ key (32)`: the member asked about.
//!
//! It proves what the author committed to, not that the rules agree: a
//! `view-mismatch` history proof shows that they do not.

use super::frame::Reader;
use super::frame::Writer;
use super::Detail;
use super::ProofError;
use super::ProofKind;
use super::Verified;
use crate::model::codec;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::rules::member_tree;
use crate::rules::view::view_hash;
use crate::rules::view::View;

/// An event and the view it commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewProof {
    pub record: Vec<u8>,
    /// The view listing: `(group, title, members sorted with roles and
    /// devices)`.
    pub view_input: Vec<u8>,
    pub subject: Option<PublicKey>,
}

impl ViewProof {
    /// A proof that `event`'s author saw `view` (the view of its past and
    /// itself, which hashes to its `view` field), about `subject` if given.
    pub fn new(event: &SignedEvent, view: &View, subject: Option<PublicKey>) -> ViewProof {
        // A Create's view is hashed with the zero group id its field holds.
        let view_input =
            codec::view_listing(&event.event.group, &view.title, &view.hashed_members());
        ViewProof {
            record: event.record(),
            view_input,
            subject,
        }
    }

    pub(super) fn file_name(&self) -> String {
        let event = SignedEvent::decode_record(&self.record)
            .map_or_else(|_| "event".into(), |e| e.id.to_hex()[..16].to_string());
        match &self.subject {
            Some(s) => format!("view-{event}-{}.gmmproof", &s.to_hex()[..16]),
            None => format!("view-{event}.gmmproof"),
        }
    }

    pub(super) fn comment(&self) -> String {
        match SignedEvent::decode_record(&self.record) {
            Ok(e) => format!(
                "gmm view proof: what {} saw when signing event {}",
                e.event.author, e.id
            ),
            Err(_) => "gmm view proof".into(),
        }
    }

    pub(super) fn body(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.blob(&self.record);
        w.blob(&self.view_input);
        match &self.subject {
            None => w.u8(0),
            Some(key) => {
                w.u8(1);
                w.fixed(&key.0);
            }
        }
        w.bytes
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<ViewProof, ProofError> {
        let record = r.blob("the event record")?;
        let view_input = r.blob("the view")?;
        let subject = match r.u8("the subject")? {
            0 => None,
            1 => Some(PublicKey(r.fixed("the subject key")?)),
            other => {
                return Err(ProofError::Format(format!(
                    "subject flag {other} is neither 0 nor 1"
                )))
            }
        };
        Ok(ViewProof {
            record,
            view_input,
            subject,
        })
    }

    pub(super) fn verify(&self) -> Result<Verified, ProofError> {
        let event = SignedEvent::from_record(&self.record)
            .map_err(|e| ProofError::Event(1, e.to_string()))?;
        let (group, title, members) = codec::decode_view_listing(&self.view_input)
            .map_err(|e| ProofError::Format(format!("the view does not decode: {e}")))?;
        let sorted_devices = members
            .iter()
            .all(|(_, _, devices)| devices.windows(2).all(|w| w[0] < w[1]));
        if !members.windows(2).all(|w| w[0].0 < w[1].0) || !sorted_devices {
            return Err(ProofError::DoesNotHold(
                "the view's members are not sorted by key, as rule 8 hashes them".into(),
            ));
        }
        let committed = view_hash(&group, &title, &member_tree::members_root(&members));
        if committed != event.event.view {
            return Err(ProofError::DoesNotHold(format!(
                "the view in the proof hashes to {}, but event {} commits to view {}",
                committed.short(),
                event.id.short(),
                event.event.view.short()
            )));
        }
        if group != event.event.group {
            return Err(ProofError::DoesNotHold(
                "the view is of another group than the event".into(),
            ));
        }
        let subject = self.subject.map(|s| {
            let role = members.iter().find(|(k, ..)| *k == s).map(|(_, r, _)| *r);
            (s, role)
        });
        Ok(Verified {
            kind: ProofKind::View,
            group: event.group(),
            author: Some(event.event.author),
            events: vec![event.id],
            records: 1,
            detail: Detail::View {
                event: Box::new(event),
                title,
                members,
                subject,
            },
        })
    }
}
