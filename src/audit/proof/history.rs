//! History proofs: a causally closed set of signed events of one group (its
//! `Create` included, every parent and `prev` of every event in it), an event
//! of the set, and a claim the rules of SPEC §3 decide on exactly that set:
//! - `unauthorized`: rule 2 finds the author lacked the role in its past;
//! - `revoked`: rule 5 revokes it by the named concurrent removal or demotion;
//! - `view-mismatch`: the view of `past(E) ∪ {E}` (rule 8) differs from the
//!   event's signed `view` field.
//!
//! The check verifies every signature, that the set is closed and its links
//! hold (as an import would judge them), replays the projection over it and
//! compares. A verdict proof holds the event's past and, for every event of
//! it that was revoked, the revoking event's past too (`gmm prove` checks
//! that the set gives the store's verdict before writing it).
//!
//! Body (tag `HP`): `target id (32) ‖ claim u8 ‖ [revoker id (32)] ‖ count u32 ‖
//! records`, claim 1 = unauthorized, 2 = revoked (with the revoker), 3 =
//! view-mismatch; records strictly ascending by id.

use std::collections::HashMap;

use super::frame::Reader;
use super::frame::Writer;
use super::set::EventSet;
use super::Detail;
use super::ProofError;
use super::ProofKind;
use super::Verified;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::signed::SignedEvent;
use crate::rules::links;
use crate::rules::projection;
use crate::rules::projection::Verdict;

/// What a history proof claims about its target event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryClaim {
    Unauthorized,
    Revoked { by: EventId },
    ViewMismatch,
}

/// A claim about one event, and the events that decide it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryProof {
    pub target: EventId,
    pub claim: HistoryClaim,
    /// Exact signed records, ascending by id.
    pub records: Vec<Vec<u8>>,
}

impl HistoryClaim {
    /// The claim a verdict makes, if it is one a proof can carry.
    pub fn of_verdict(verdict: &Verdict) -> Option<HistoryClaim> {
        match verdict {
            Verdict::Effective => None,
            Verdict::Unauthorized(_) => Some(HistoryClaim::Unauthorized),
            Verdict::Revoked { by } => Some(HistoryClaim::Revoked { by: *by }),
        }
    }
}

impl HistoryProof {
    /// A proof of `claim` about `target` over `events` (any order).
    pub fn new(target: EventId, claim: HistoryClaim, events: &[SignedEvent]) -> HistoryProof {
        let mut sorted: Vec<&SignedEvent> = events.iter().collect();
        sorted.sort_by_key(|e| e.id);
        sorted.dedup_by_key(|e| e.id);
        HistoryProof {
            target,
            claim,
            records: sorted.iter().map(|e| e.record()).collect(),
        }
    }

    fn word(&self) -> &'static str {
        match self.claim {
            HistoryClaim::Unauthorized => "unauthorized",
            HistoryClaim::Revoked { .. } => "revoked",
            HistoryClaim::ViewMismatch => "view-mismatch",
        }
    }

    pub(super) fn file_name(&self) -> String {
        format!("{}-{}.gmmproof", self.word(), &self.target.to_hex()[..16])
    }

    pub(super) fn comment(&self) -> String {
        let what = match self.claim {
            HistoryClaim::Unauthorized => "is unauthorized (rule 2)".to_string(),
            HistoryClaim::Revoked { by } => format!("is revoked by {by} (rule 5)"),
            HistoryClaim::ViewMismatch => "has a view field its past does not give".into(),
        };
        format!(
            "gmm history proof: event {} {what}, decided by {} events",
            self.target,
            self.records.len()
        )
    }

    pub(super) fn body(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.fixed(&self.target.0);
        match self.claim {
            HistoryClaim::Unauthorized => w.u8(1),
            HistoryClaim::Revoked { by } => {
                w.u8(2);
                w.fixed(&by.0);
            }
            HistoryClaim::ViewMismatch => w.u8(3),
        }
        w.records(&self.records);
        w.bytes
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<HistoryProof, ProofError> {
        let target = EventId(r.fixed("the event id")?);
        let claim = match r.u8("the claim")? {
            1 => HistoryClaim::Unauthorized,
            2 => HistoryClaim::Revoked {
                by: EventId(r.fixed("the revoking event id")?),
            },
            3 => HistoryClaim::ViewMismatch,
            other => {
                return Err(ProofError::Format(format!(
                    "claim {other} is not 1, 2 or 3"
                )))
            }
        };
        let records = r.records("the events")?;
        Ok(HistoryProof {
            target,
            claim,
            records,
        })
    }

    pub(super) fn verify(&self) -> Result<Verified, ProofError> {
        let events = super::signed_events(&self.records)?;
        if !events.windows(2).all(|w| w[0].id < w[1].id) {
            return Err(ProofError::Format(
                "the events are not in ascending id order, once each".into(),
            ));
        }
        let by_id: HashMap<EventId, &SignedEvent> = events.iter().map(|e| (e.id, e)).collect();
        let target = *by_id.get(&self.target).ok_or_else(|| {
            ProofError::DoesNotHold(format!(
                "the event {} is not among the proof's events",
                self.target.short()
            ))
        })?;
        let group = target.group();
        let ordered = closed_history(group, &events)?;
        let verified = |detail: Detail, events_named: Vec<EventId>| Verified {
            kind: match self.claim {
                HistoryClaim::ViewMismatch => ProofKind::ViewMismatch,
                _ => ProofKind::Verdict,
            },
            group,
            author: Some(target.event.author),
            events: events_named,
            records: events.len(),
            detail,
        };
        if self.claim == HistoryClaim::ViewMismatch {
            let views = projection::event_views(group, ordered.clone());
            let gives = views
                .iter()
                .find(|(id, _)| *id == self.target)
                .map(|(_, v)| *v)
                .ok_or_else(|| {
                    ProofError::DoesNotHold("the event's view was not computed".into())
                })?;
            if gives == target.event.view {
                return Err(ProofError::DoesNotHold(format!(
                    "event {}'s view field is what its past gives ({}): no mismatch",
                    target.id.short(),
                    gives.short()
                )));
            }
            return Ok(verified(
                Detail::ViewMismatch {
                    event: Box::new(target.clone()),
                    says: target.event.view,
                    gives,
                },
                vec![target.id],
            ));
        }
        let replay = projection::replay(group, ordered);
        let verdict = replay
            .verdicts
            .iter()
            .find(|(id, _)| *id == self.target)
            .map(|(_, v)| v.clone())
            .unwrap_or(Verdict::Effective);
        let holds = match (&self.claim, &verdict) {
            (HistoryClaim::Unauthorized, Verdict::Unauthorized(_)) => true,
            (HistoryClaim::Revoked { by }, Verdict::Revoked { by: found }) => by == found,
            _ => false,
        };
        if !holds {
            let found = match &verdict {
                Verdict::Revoked { by } => format!("revoked by {}", by.short()),
                other => other.word().to_string(),
            };
            return Err(ProofError::DoesNotHold(format!(
                "the rules give event {} `{found}` on these events, not `{}`",
                target.id.short(),
                self.word()
            )));
        }
        let by = match verdict {
            Verdict::Revoked { by } => by_id.get(&by).map(|e| Box::new((*e).clone())),
            _ => None,
        };
        let named = [vec![target.id], by.iter().map(|b| b.id).collect()].concat();
        Ok(verified(
            Detail::Verdict {
                event: Box::new(target.clone()),
                verdict,
                by,
                view: Box::new(replay.frontier.view),
            },
            named,
        ))
    }
}

/// Checks that `events` are one group's closed history, as an import would
/// accept them; returns them in topological order.
fn closed_history(
    group: GroupId,
    events: &[SignedEvent],
) -> Result<Vec<projection::OrderedEvent>, ProofError> {
    let not_whole =
        |why: String| ProofError::DoesNotHold(format!("the events are not a whole history: {why}"));
    let set = EventSet::new(events);
    if !set.by_id.contains_key(&group) {
        return Err(not_whole(format!(
            "the group's Create ({}) is missing",
            group.short()
        )));
    }
    if let Some(other) = events.iter().find(|e| e.group() != group) {
        return Err(not_whole(format!(
            "event {} belongs to another group",
            other.id.short()
        )));
    }
    for e in events {
        links::check_links(e, &set)
            .map_err(|why| not_whole(format!("event {}: {why}", e.id.short())))?;
    }
    if set.ordered.len() != events.len() {
        return Err(not_whole("the events' parents form a cycle".into()));
    }
    Ok(set.ordered)
}
