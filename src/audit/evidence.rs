//! Proofs from a store (`docs/proof-format.md`): what `gmm prove` writes, and
//! the proof of each finding that can have one, for `gmm audit --evidence`.
//! Every proof built here is checked with the same code `verify-proof` runs
//! before it is handed out, so gmm never writes evidence that does not hold.

use std::collections::BTreeMap;

use super::proof::ForkProof;
use super::proof::HistoryClaim;
use super::proof::HistoryProof;
use super::proof::Proof;
use super::proof::ProofError;
use super::proof::QuarantineProof;
use super::proof::ViewProof;
use super::Check;
use super::Evidence;
use super::Report;
use crate::error::Error;
use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::rules::projection::Verdict;
use crate::store::Store;
use crate::store::StoreError;

/// Adds `starts` and their whole past to `into`, reading the store;
/// returns the ids it added.
fn add_past(
    store: &Store,
    starts: impl IntoIterator<Item = EventId>,
    into: &mut BTreeMap<EventId, SignedEvent>,
) -> Result<Vec<EventId>> {
    let mut stack: Vec<EventId> = starts.into_iter().collect();
    let mut added = Vec::new();
    while let Some(id) = stack.pop() {
        if into.contains_key(&id) {
            continue;
        }
        let event = store.event(&id)?.ok_or_else(|| StoreError::Corrupt {
            path: store.dir().to_owned(),
            what: format!("event {} is cited but not held", id.short()),
        })?;
        stack.extend(event.event.parents.iter().map(|p| p.id));
        into.insert(id, event);
        added.push(id);
    }
    Ok(added)
}

fn held_in(store: &Store, group: &GroupId, event: &EventId) -> Result<SignedEvent> {
    let signed = store.event(event)?.ok_or_else(|| Error::UnknownEvent {
        query: event.to_hex(),
    })?;
    if signed.group() != *group {
        return Err(Error::EventNotInGroup {
            event: event.short(),
        });
    }
    Ok(signed)
}

/// A proof of what `event`'s author saw when signing it (its `view` field),
/// about `subject` when given.
pub fn view_proof(
    store: &Store,
    group: &GroupId,
    event: &EventId,
    subject: Option<PublicKey>,
) -> Result<Proof> {
    let signed = held_in(store, group, event)?;
    let view = crate::repo::replay::view_at(store, group, event)?;
    let proof = Proof::View(ViewProof::new(&signed, &view, subject));
    match proof.verify(None) {
        Ok(_) => Ok(proof),
        Err(ProofError::DoesNotHold(_)) => Err(Error::ViewMismatch {
            event: event.short(),
            says: signed.event.view.short(),
            gives: view.hash().short(),
        }),
        Err(e) => Err(Error::Internal(format!(
            "a view proof built here fails: {e}"
        ))),
    }
}

/// The events that decide `event`'s verdict: its past, and for every event
/// of that set the store found revoked, the revoking event and its past.
fn deciding_events(store: &Store, event: &EventId) -> Result<Vec<SignedEvent>> {
    let mut set = BTreeMap::new();
    let mut fresh = add_past(store, [*event], &mut set)?;
    // Each round looks at the events the last one added (each event's
    // status is read once) and adds the pasts of their revokers.
    while !fresh.is_empty() {
        let mut revokers = Vec::new();
        for id in &fresh {
            if let Some(meta) = store.event_meta(id)? {
                if let Verdict::Revoked { by } = meta.verdict {
                    revokers.push(by);
                }
            }
        }
        fresh = add_past(store, revokers, &mut set)?;
    }
    Ok(set.into_values().collect())
}

/// A proof of the verdict the store holds for `event` (unauthorized or
/// revoked), over the events that decide it; over the whole group if those
/// alone do not give the same verdict.
pub fn verdict_proof(store: &Store, group: &GroupId, event: &EventId) -> Result<Proof> {
    held_in(store, group, event)?;
    let meta = store
        .event_meta(event)?
        .ok_or_else(|| Error::UnknownEvent {
            query: event.to_hex(),
        })?;
    let Some(claim) = HistoryClaim::of_verdict(&meta.verdict) else {
        return Err(Error::EffectiveEvent {
            event: event.short(),
        });
    };
    let proof = Proof::History(HistoryProof::new(
        *event,
        claim,
        &deciding_events(store, event)?,
    ));
    if proof.verify(None).is_ok() {
        return Ok(proof);
    }
    let mut whole = BTreeMap::new();
    add_past(store, store.group_event_ids(group)?, &mut whole)?;
    let events: Vec<SignedEvent> = whole.into_values().collect();
    let proof = Proof::History(HistoryProof::new(*event, claim, &events));
    match proof.verify(None) {
        Ok(_) => Ok(proof),
        Err(e) => Err(Error::Internal(format!(
            "the group's log does not give event {} the stored verdict ({e}); `gmm replay` compares",
            event.short()
        ))),
    }
}

/// A proof that `event`'s `view` field differs from the view its past gives.
pub fn view_mismatch_proof(store: &Store, group: &GroupId, event: &EventId) -> Result<Proof> {
    held_in(store, group, event)?;
    let mut set = BTreeMap::new();
    add_past(store, [*event], &mut set)?;
    let events: Vec<SignedEvent> = set.into_values().collect();
    Ok(Proof::History(HistoryProof::new(
        *event,
        HistoryClaim::ViewMismatch,
        &events,
    )))
}

/// A proof for quarantined bytes: for a bad link, with the cited events the
/// store holds and their past.
pub fn quarantine_proof(store: Option<&Store>, raw: &[u8], reason: &str) -> Result<Proof> {
    let mut cited = BTreeMap::new();
    if let (Some(store), Ok(event)) = (store, SignedEvent::decode_record(raw)) {
        if reason.starts_with("bad-link") {
            let mut ids: Vec<EventId> = event.event.parents.iter().map(|p| p.id).collect();
            ids.extend(event.event.prev);
            let mut held = Vec::new();
            for id in ids {
                if store.event(&id)?.is_some() {
                    held.push(id);
                }
            }
            add_past(store, held, &mut cited)?;
        }
    }
    let cited: Vec<SignedEvent> = cited.into_values().collect();
    Ok(Proof::Quarantine(QuarantineProof::new(raw, reason, &cited)))
}

/// One finding's proof.
pub struct FindingProof {
    /// The finding's position in the report.
    pub finding: usize,
    pub proof: Proof,
}

/// The proof of every finding that can have one: forks, verdicts
/// (unauthorized, revoked), view-hash mismatches and quarantined records.
/// Verdicts and mismatches need the store (a bundle audit gives `None`: only
/// forks and refused bytes are proven then). Findings about a damaged store
/// have none: nothing a third party could re-check shows them.
pub fn finding_proofs(store: Option<&Store>, report: &Report) -> Result<Vec<FindingProof>> {
    let mut out = Vec::new();
    for (i, f) in report.findings.iter().enumerate() {
        let proof = match (&f.evidence, f.check, store, f.group, f.events.first()) {
            (Some(Evidence::Fork(a, b)), ..) => Proof::Fork(ForkProof::new(a, b)),
            (Some(Evidence::Refused { raw, reason }), ..) => quarantine_proof(store, raw, reason)?,
            (None, Check::Unauthorized | Check::Revoked, Some(store), Some(group), Some(e)) => {
                verdict_proof(store, &group, e)?
            }
            (None, Check::ViewHashMismatch, Some(store), Some(group), Some(e)) => {
                view_mismatch_proof(store, &group, e)?
            }
            _ => continue,
        };
        out.push(FindingProof { finding: i, proof });
    }
    Ok(out)
}
