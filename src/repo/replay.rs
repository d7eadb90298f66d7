//! `replay` (SPEC §3): rebuild a group's projection from its log alone and
//! compare it with the stored, incrementally maintained one; and the view as
//! of one event's past (`members --at`).

use std::collections::HashSet;

use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::rules::projection;
use crate::rules::projection::Advance;
use crate::rules::projection::History;
use crate::rules::projection::OrderedEvent;
use crate::rules::projection::Replay;
use crate::rules::projection::Verdict;
use crate::rules::projection::VerdictFingerprints;
use crate::rules::view::View;
use crate::store::GroupState;
use crate::store::Store;
use crate::store::StoreError;
use crate::store::StoredRows;

/// What a replay found.
pub struct ReplayReport {
    /// The rebuilt projection. Its verdicts are only those the store
    /// records otherwise: the ones `--repair` writes.
    pub rebuilt: Advance,
    /// How many events were replayed.
    pub events: u64,
    /// Each way the stored projection differs from the rebuilt one, in words.
    pub differences: Vec<String>,
}

/// Rebuilds a group's projection from its events and compares.
pub fn replay(store: &Store, group: &GroupId) -> Result<ReplayReport> {
    replay_with(store, group, &mut |_, _| {})
}

/// [`replay`], calling `progress(events read, events in the group)` as it
/// reads the log. The events stream through the projection, holding only
/// the open segment; each final verdict is kept as its id and a keyed
/// 64-bit fingerprint (40 bytes an event, issue 11.5), and all are compared
/// with the stored ones in id order at the end ([`compare_verdicts`]).
pub fn replay_with(
    store: &Store,
    group: &GroupId,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ReplayReport> {
    let stored = store
        .group_state(group)?
        .ok_or_else(|| crate::Error::UnknownGroup {
            query: group.to_hex(),
            suggestions: Vec::new(),
        })?;
    let total = stored.event_count;
    let key = VerdictFingerprints::new();
    let mut judged: Vec<(EventId, u64)> = Vec::new();
    let (mut rebuilt, events) = replay_verdicts(store, group, total, progress, &mut |verdicts| {
        fingerprint_verdicts(&key, verdicts, &mut judged);
        Ok(())
    })?;
    let differ = compare_verdicts(store, &key, judged)?;
    let (differing, differences) = name_differing_verdicts(store, group, &differ)?;
    rebuilt.verdicts = differing;
    let (was, now) = (stored.view(), &rebuilt.frontier.view);
    let mut about_view = Vec::new();
    if was.members() != now.members() {
        about_view.push("members or roles differ".to_string());
    }
    if was.title != now.title || was.title_conflicts != now.title_conflicts {
        about_view.push(format!(
            "title differs: stored `{}`, rebuilt `{}`",
            was.title, now.title
        ));
    }
    if was.removal_cycles != now.removal_cycles {
        about_view.push("removal cycles differ".to_string());
    }
    if was.forked != now.forked {
        about_view.push("flagged forks differ".to_string());
    }
    if was != now && about_view.is_empty() {
        about_view.push("deciding events or names differ".to_string());
    }
    about_view.extend(differences);
    about_view.extend(region_differences(store, group, &stored, &rebuilt)?);
    Ok(ReplayReport {
        rebuilt,
        events,
        differences: about_view,
    })
}

/// How the stored open region differs from a rebuilt one: its non-inert
/// events (listed in the `region` family), its inert events (in their own
/// family), and the head count the incremental cut test relies on.
pub fn region_differences(
    store: &Store,
    group: &GroupId,
    stored: &GroupState,
    rebuilt: &Advance,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let ids = |events: &[OrderedEvent]| events.iter().map(|e| e.id).collect::<Vec<_>>();
    if ids(&stored.frontier.region) != ids(&rebuilt.frontier.region) {
        out.push("the stored open region differs from the rebuilt one".to_string());
    }
    let mut inert = rebuilt.inert.added.clone();
    inert.sort();
    if store.inert_of(group)? != inert {
        out.push("the stored inert events differ from the rebuilt ones".to_string());
    }
    let heads = store.newest_heads(group).count() as u64;
    if stored.head_count != heads {
        out.push(format!(
            "the projection counts {} heads, the store holds {heads}",
            stored.head_count
        ));
    }
    Ok(out)
}

/// Replays a group from its stored events, handing `each` the verdicts as
/// they become final, and `progress(events read, total)` as it reads; the
/// rebuilt projection and how many events were replayed.
fn replay_verdicts(
    store: &Store,
    group: &GroupId,
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
    each: &mut dyn FnMut(Vec<(EventId, Verdict)>) -> Result<()>,
) -> Result<(Advance, u64)> {
    let mut replay = Replay::new(*group);
    let mut events = 0u64;
    for item in store.history(*group).events_from(None) {
        let (event, lamport) = item?;
        replay.push(OrderedEvent::new(&event, lamport));
        events += 1;
        if events % 1024 == 0 {
            progress(events, total);
        }
        each(replay.take_verdicts())?;
    }
    progress(events, total);
    let rebuilt = replay.finish(store.forked_authors(group)?);
    each(replay.take_verdicts())?;
    Ok((rebuilt, events))
}

/// Keeps each verdict as its event's id and a keyed fingerprint.
fn fingerprint_verdicts(
    key: &VerdictFingerprints,
    verdicts: Vec<(EventId, Verdict)>,
    judged: &mut Vec<(EventId, u64)>,
) {
    judged.extend(verdicts.iter().map(|(id, v)| (*id, key.of(v))));
}

/// The events whose stored verdict is not the rebuilt one (by their
/// fingerprints). The rebuilt verdicts are sorted by id, the order of the
/// `status` family, and read with one iterator
/// ([`Store::event_metas_in_order`]): looked up as they became final, a
/// batch at a time, each batch read a table block per id, about the whole
/// table again for every batch (`docs/decisions.md`, "`gmm replay` compares
/// verdicts in id order").
fn compare_verdicts(
    store: &Store,
    key: &VerdictFingerprints,
    mut judged: Vec<(EventId, u64)>,
) -> Result<HashSet<EventId>> {
    judged.sort_unstable_by_key(|(id, _)| *id);
    let mut differ = HashSet::new();
    compare_stored_verdicts(
        store,
        key,
        judged.iter().map(|(id, _)| *id),
        &|i| judged[i].1,
        &mut |i| {
            differ.insert(judged[i].0);
        },
    )?;
    Ok(differ)
}

/// Compares rebuilt verdicts, kept as fingerprints by `key`, with the
/// stored ones: `ids` ascending, the order of the `status` family, which is
/// read with one iterator ([`Store::event_metas_in_order`]); `rebuilt(i)` is
/// the `i`th event's fingerprint, and `differ(i)` is called for each event
/// whose stored verdict is another or missing. `gmm replay` and `gmm audit`
/// compare this way.
pub fn compare_stored_verdicts(
    store: &Store,
    key: &VerdictFingerprints,
    ids: impl Iterator<Item = EventId>,
    rebuilt: &dyn Fn(usize) -> u64,
    differ: &mut dyn FnMut(usize),
) -> Result<()> {
    store.event_metas_in_order(ids, &mut |i, meta| {
        if meta.map(|m| key.of(&m.verdict)) != Some(rebuilt(i)) {
            differ(i);
        }
    })?;
    Ok(())
}

/// Verdicts the store records otherwise, each with its sentence.
type DifferingVerdicts = (Vec<(EventId, Verdict)>, Vec<String>);

/// The rebuilt verdicts of the events in `differ` (for `--repair`) and a
/// sentence for each, in the order the replay judges them: the group is
/// replayed a second time, only when some verdict differs.
fn name_differing_verdicts(
    store: &Store,
    group: &GroupId,
    differ: &HashSet<EventId>,
) -> Result<DifferingVerdicts> {
    let (mut differing, mut differences) = (Vec::new(), Vec::new());
    if differ.is_empty() {
        return Ok((differing, differences));
    }
    let mut name = |verdicts: Vec<(EventId, Verdict)>| -> Result<()> {
        for (id, verdict) in verdicts.into_iter().filter(|(id, _)| differ.contains(id)) {
            let stored = store.event_meta(&id)?.map(|m| m.verdict);
            let was = stored.as_ref().map_or("missing", Verdict::word);
            differences.push(format!(
                "event {}: stored {was}, rebuilt {}",
                id.short(),
                verdict.word()
            ));
            differing.push((id, verdict));
        }
        Ok(())
    };
    replay_verdicts(store, group, 0, &mut |_, _| {}, &mut name)?;
    Ok((differing, differences))
}

/// Writes a rebuilt projection over the stored one (`gmm replay --repair`).
pub fn repair(store: &Store, group: &GroupId, report: &ReplayReport) -> Result<()> {
    let mut state = store
        .group_state(group)?
        .ok_or_else(|| crate::Error::UnknownGroup {
            query: group.to_hex(),
            suggestions: Vec::new(),
        })?;
    let mut batch = store.batch();
    for (id, verdict) in &report.rebuilt.verdicts {
        if let Some(mut meta) = store.event_meta(id)? {
            meta.verdict = verdict.clone();
            batch.put_meta(id, &meta);
        }
    }
    batch.drop_checkpoints_after(group, 0);
    for checkpoint in &report.rebuilt.checkpoints {
        batch.put_checkpoint(group, checkpoint);
    }
    state.frontier = report.rebuilt.frontier.clone();
    batch.update_inert(group, &report.rebuilt.inert);
    state.head_count = store.newest_heads(group).count() as u64;
    // Written whole over cleared ranges, not compared with what is stored:
    // what is stored is what the audit found damaged, rows, region keys
    // and member pages alike.
    state.members_listed = true;
    batch.put_group_state(group, &state, StoredRows::Unknown, false);
    Ok(store.commit(batch)?)
}

/// The view of `past(event) ∪ {event}`: what its author saw after applying
/// it. The walk back stops at the latest checkpoint at or below the event's
/// Lamport number: a stored checkpoint is a cut of everything the store
/// holds, so of the event's past too. O(events since that checkpoint), not
/// O(log) (issue 11.5).
pub fn view_at(store: &Store, group: &GroupId, event: &EventId) -> Result<View> {
    let corrupt = |what: String| StoreError::Corrupt {
        path: store.dir().to_owned(),
        what,
    };
    let mut lookup = |id: &EventId| -> Result<OrderedEvent> {
        let (signed, meta) = store
            .event_with_meta(id)?
            .ok_or_else(|| corrupt(format!("event {} is missing", id.short())))?;
        if meta.group != *group {
            return Err(crate::Error::EventNotInGroup { event: id.short() });
        }
        Ok(OrderedEvent::new(&signed, meta.lamport))
    };
    let lamport = lookup(event)?.lamport;
    let from = store.history(*group).checkpoint_at_or_before(lamport)?;
    projection::view_of_past_from(*group, [*event], from, &mut lookup)
}
