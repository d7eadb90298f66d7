//! Importing events from other peers (SPEC §4): every incoming record is
//! classified, never silently dropped.
//!
//! - `malformed` and `bad-signature` records go to quarantine with the reason;
//! - `duplicate` events change nothing;
//! - `pending` events (a parent or `prev` is missing) are stored and applied as
//!   soon as the missing events arrive, in this import or a later one;
//! - `bad-link` events (parents or `prev` inconsistent with what they cite) go
//!   to quarantine;
//! - `accepted` events are stored, logged and projected.
//!
//! An [`Ingest`] is one transaction; [`Ingest::summary`] tells what it would
//! change (for `--dry-run`) and [`Ingest::commit`] writes it, handing the
//! groups' states to the next chunk's `Ingest`.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::event::Event;
use crate::model::event::EventError;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::signed::SignedEvent;
use crate::repo::transaction::Transaction;
use crate::repo::transaction::WrittenState;
use crate::rules::links::Ancestry;
use crate::rules::view::TitleAndMembers;
use crate::rules::view::View;
use crate::store::EventMeta;
use crate::store::GroupState;
use crate::store::Store;

/// What became of one incoming record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Duplicate,
    Pending {
        missing: Vec<EventId>,
    },
    /// Its parents are missing and the store holds the most pending events
    /// it may (`repo::pending::MAX_PENDING`): not stored, not quarantined.
    OverPendingLimit,
    BadLink(String),
    Malformed(String),
    BadSignature,
}

impl Outcome {
    /// The state's name in SPEC §4.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Duplicate => "duplicate",
            Outcome::Pending { .. } => "pending",
            Outcome::OverPendingLimit => "over-pending-limit",
            Outcome::BadLink(_) => "bad-link",
            Outcome::Malformed(_) => "malformed",
            Outcome::BadSignature => "bad-signature",
        }
    }
}

/// Counts per state, and how each touched group's view changed.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub counts: BTreeMap<&'static str, u64>,
    /// Pending events accepted because this import brought their parents.
    pub released: u64,
    /// Per group: its title and members before (None for a new group) and
    /// the view after.
    pub groups: BTreeMap<GroupId, (Option<TitleAndMembers>, View)>,
}

/// One import transaction: classifies each record and hands it to the
/// transaction, which owns pending, quarantine and the projection.
pub struct Ingest<'s> {
    tx: Transaction<'s>,
    before: BTreeMap<GroupId, Option<TitleAndMembers>>,
    counts: BTreeMap<&'static str, u64>,
}

impl<'s> Ingest<'s> {
    pub fn new(store: &'s Store) -> Result<Ingest<'s>> {
        Ok(Ingest {
            tx: Transaction::new(store),
            before: BTreeMap::new(),
            counts: BTreeMap::new(),
        })
    }

    fn count(&mut self, outcome: &Outcome) {
        *self.counts.entry(outcome.word()).or_default() += 1;
    }

    /// Decodes, verifies and offers one signed record.
    pub fn offer_record(&mut self, record: &[u8]) -> Result<(Option<EventId>, Outcome)> {
        self.offer_checked(record, SignedEvent::from_record(record))
    }

    /// Offers a record already decoded and verified (imports verify whole
    /// chunks in parallel first): a refused one goes to quarantine.
    pub fn offer_checked(
        &mut self,
        record: &[u8],
        checked: std::result::Result<SignedEvent, EventError>,
    ) -> Result<(Option<EventId>, Outcome)> {
        match checked {
            Ok(event) => {
                let id = event.id;
                Ok((Some(id), self.offer(event)?))
            }
            Err(EventError::Malformed(reason)) => {
                let outcome = Outcome::Malformed(reason);
                self.refuse(record, outcome.clone());
                Ok((None, outcome))
            }
            Err(EventError::BadSignature) => {
                self.refuse(record, Outcome::BadSignature);
                Ok((None, Outcome::BadSignature))
            }
        }
    }

    /// Quarantines bytes that are not an acceptable event, with the reason.
    pub fn refuse(&mut self, raw: &[u8], outcome: Outcome) {
        let reason = match &outcome {
            Outcome::Malformed(reason) => format!("malformed: {reason}"),
            Outcome::BadLink(reason) => format!("bad-link: {reason}"),
            _ => "bad-signature: the id or signature does not verify".to_string(),
        };
        self.tx.quarantine(raw, &reason);
        self.count(&outcome);
    }

    /// The parents (and `prev`) of an event that are not accepted yet.
    fn missing(&self, event: &SignedEvent) -> Result<Vec<EventId>> {
        let cited = event.event.parents.iter().map(|p| p.id);
        let mut missing = Vec::new();
        for id in cited.chain(event.event.prev) {
            if self.tx.meta(&id)?.is_none() && !missing.contains(&id) {
                missing.push(id);
            }
        }
        Ok(missing)
    }

    /// Offers one verified event.
    pub fn offer(&mut self, event: SignedEvent) -> Result<Outcome> {
        let outcome = if self.tx.is_known(&event)? {
            Outcome::Duplicate
        } else {
            let missing = self.missing(&event)?;
            if missing.is_empty() {
                self.admit(event)?
            } else if !self.tx.pending_has_room()? {
                Outcome::OverPendingLimit
            } else {
                self.tx.hold_pending(event, missing.clone());
                Outcome::Pending { missing }
            }
        };
        self.count(&outcome);
        Ok(outcome)
    }

    /// Checks links and accepts (or quarantines) an event whose parents are
    /// all present, then releases what was waiting for it.
    fn admit(&mut self, event: SignedEvent) -> Result<Outcome> {
        let id = event.id;
        let outcome = self.admit_one(event)?;
        if outcome == Outcome::Accepted {
            self.release(id)?;
        }
        Ok(outcome)
    }

    /// Checks links and accepts (or quarantines) one event.
    fn admit_one(&mut self, event: SignedEvent) -> Result<Outcome> {
        if let Err(reason) = self.check_links(&event) {
            let why = format!("bad-link: {reason}");
            self.tx.quarantine(&event.record(), &why);
            return Ok(Outcome::BadLink(reason));
        }
        let group = event.group();
        if !self.before.contains_key(&group) {
            let before = match event.event.parents.is_empty() {
                true => None,
                false => Some(self.tx.view(&group)?.title_and_members()),
            };
            self.before.insert(group, before);
        }
        self.tx.accept(event)?;
        Ok(Outcome::Accepted)
    }

    /// Accepts the pending events (of this import or stored) that `arrived`
    /// completes, and those they complete in turn. A worklist, not recursion:
    /// a long chain delivered children first must not exhaust the stack.
    fn release(&mut self, arrived: EventId) -> Result<()> {
        let mut work = vec![arrived];
        while let Some(arrived) = work.pop() {
            for waiting in self.tx.waiting_for(&arrived)? {
                let child = &waiting.event;
                if !self.missing(child)?.is_empty() || self.tx.meta(&child.id)?.is_some() {
                    continue;
                }
                self.tx.release_pending(&waiting);
                let id = child.id;
                if self.admit_one(waiting.event)? == Outcome::Accepted {
                    work.push(id);
                }
            }
        }
        Ok(())
    }

    /// SPEC §4 `bad-link`: each parent is the event it cites (author and seq)
    /// in the same group; `prev` is the author's event at `seq - 1` and lies
    /// in the event's causal past.
    fn check_links(&self, event: &SignedEvent) -> Result<(), String> {
        crate::rules::links::check_links(event, self)
    }

    /// What this import does: counts, and each touched group's title and
    /// members before and view after. Nothing is written.
    pub fn summary(&mut self) -> Result<Summary> {
        let mut groups = BTreeMap::new();
        let before = self.before.clone();
        for (group, before) in before {
            let after = self.tx.view(&group)?.clone();
            groups.insert(group, (before, after));
        }
        Ok(Summary {
            counts: self.counts.clone(),
            released: self.tx.released_count(),
            groups,
        })
    }

    /// Writes the import (accepted events, projections, pending and
    /// quarantine) and hands what it knows to the next part of a longer one
    /// ([`Ingest::carry_on`]): the groups' states as written and their views
    /// before the import. The summary's groups are left empty;
    /// [`Carry::into_groups`] makes them once the last part is written, so a
    /// large group's view is not copied at every part.
    pub fn commit(self) -> Result<(Summary, Carry)> {
        let released = self.tx.released_count();
        let (_, states) = self.tx.commit_keeping_states(None)?;
        let summary = Summary {
            counts: self.counts,
            released,
            groups: BTreeMap::new(),
        };
        let carry = Carry {
            states,
            before: self.before,
        };
        Ok((summary, carry))
    }

    /// [`Ingest::commit`] of a part of an import that more parts follow:
    /// the groups' member pages are left for the last part to write once
    /// ([`Transaction::leave_members_unlisted`]). An import of a group of
    /// 100,000 members otherwise rewrote every touched page in each of its
    /// 25 parts.
    pub fn commit_part(mut self) -> Result<(Summary, Carry)> {
        self.tx.leave_members_unlisted();
        self.commit()
    }

    /// Continues an import where the previous part's commit left it.
    pub fn carry_on(&mut self, carry: Carry) {
        for written in carry.states {
            self.tx.adopt(written);
        }
        for (group, before) in carry.before {
            self.before.entry(group).or_insert(before);
        }
    }
}

/// What one part of an import hands to the next: each group's state as
/// written, and its title and members before the import (`None` for a group
/// it created).
pub struct Carry {
    states: Vec<WrittenState>,
    before: BTreeMap<GroupId, Option<TitleAndMembers>>,
}

impl Carry {
    /// The most events in an open region of the groups this part wrote.
    pub fn widest_region(&self) -> usize {
        self.states
            .iter()
            .map(|w| w.state.frontier.region.len())
            .max()
            .unwrap_or(0)
    }

    /// Each touched group's title and members before the import, and its
    /// view after it.
    pub fn into_groups(self) -> BTreeMap<GroupId, (Option<TitleAndMembers>, View)> {
        let mut states: BTreeMap<GroupId, GroupState> = self
            .states
            .into_iter()
            .map(|written| (written.group, written.state))
            .collect();
        self.before
            .into_iter()
            .filter_map(|(group, before)| {
                let after = states.remove(&group)?.frontier.view;
                Some((group, (before, after)))
            })
            .collect()
    }
}

/// Imports look cited events up in the transaction (this import's accepted
/// events and the store).
impl crate::rules::links::Cited for Ingest<'_> {
    fn cited(&self, id: &EventId) -> Result<Event, String> {
        match self.tx.event(id) {
            Ok(Some(e)) => Ok(e),
            Ok(None) => Err(format!("cited event {} is not stored", id.short())),
            Err(e) => Err(e.to_string()),
        }
    }

    fn lamport(&self, id: &EventId) -> Result<u64, String> {
        self.held(id).map(|m| m.lamport)
    }

    fn ancestry(&self, id: &EventId) -> Result<Option<Ancestry>, String> {
        self.held(id).map(|m| Some(m.ancestry))
    }

    fn lamport_and_ancestry(&self, id: &EventId) -> Result<(u64, Option<Ancestry>), String> {
        self.held(id).map(|m| (m.lamport, Some(m.ancestry)))
    }
}

impl Ingest<'_> {
    /// The metadata of a cited event, which the link checks need held.
    fn held(&self, id: &EventId) -> Result<EventMeta, String> {
        match self.tx.meta(id) {
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(format!("cited event {} is not stored", id.short())),
            Err(e) => Err(e.to_string()),
        }
    }
}
