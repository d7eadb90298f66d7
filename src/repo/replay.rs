//! `replay` (SPEC §3): rebuild a group's projection from its log alone and
//! compare it with the stored, incrementally maintained one; and the view as
//! of one event's past (`members --at`).

use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::rules::projection;
use crate::rules::projection::Advance;
use crate::rules::projection::OrderedEvent;
use crate::rules::projection::Verdict;
use crate::rules::view::View;
use crate::store::Store;
use crate::store::StoreError;

/// What a replay found.
pub struct ReplayReport {
    pub rebuilt: Advance,
    /// Each way the stored projection differs from the rebuilt one, in words.
    pub differences: Vec<String>,
}

/// Rebuilds a group's projection from its events and compares.
pub fn replay(store: &Store, group: &GroupId) -> Result<ReplayReport> {
    replay_with(store, group, &mut |_, _| {})
}

/// [`replay`], calling `progress(events read, events in the group)` as it
/// reads the log.
pub fn replay_with(
    store: &Store,
    group: &GroupId,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ReplayReport> {
    let total = store.group_state(group)?.map_or(0, |s| s.event_count);
    let events = store
        .history(*group)
        .events_after_with(None, &mut |n| progress(n, total))?;
    let rebuilt = projection::replay(*group, events);
    let stored = store
        .group_state(group)?
        .ok_or_else(|| crate::Error::UnknownGroup {
            query: group.to_hex(),
            suggestions: Vec::new(),
        })?;
    let mut differences = Vec::new();
    let (was, now) = (stored.view(), &rebuilt.frontier.view);
    if was.members != now.members {
        differences.push("members or roles differ".to_string());
    }
    if was.title != now.title || was.title_conflicts != now.title_conflicts {
        differences.push(format!(
            "title differs: stored `{}`, rebuilt `{}`",
            was.title, now.title
        ));
    }
    if was.removal_cycles != now.removal_cycles {
        differences.push("removal cycles differ".to_string());
    }
    if was.forked != now.forked {
        differences.push("flagged forks differ".to_string());
    }
    if was != now && differences.is_empty() {
        differences.push("deciding events or names differ".to_string());
    }
    for (id, verdict) in &rebuilt.verdicts {
        let stored_verdict = store.event_meta(id)?.map(|m| m.verdict);
        if stored_verdict.as_ref() != Some(verdict) {
            let was = stored_verdict.as_ref().map_or("missing", Verdict::word);
            differences.push(format!(
                "event {}: stored {was}, rebuilt {}",
                id.short(),
                verdict.word()
            ));
        }
    }
    Ok(ReplayReport {
        rebuilt,
        differences,
    })
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
    batch.put_group_state(group, &state);
    Ok(store.commit(batch)?)
}

/// The view of `past(event) ∪ {event}`: what its author saw after applying it.
pub fn view_at(store: &Store, group: &GroupId, event: &EventId) -> Result<View> {
    let corrupt = |what: String| StoreError::Corrupt {
        path: store.dir().to_owned(),
        what,
    };
    projection::view_of_past(*group, [*event], &mut |id| {
        let signed = store
            .event(id)?
            .ok_or_else(|| corrupt(format!("event {} is missing", id.short())))?;
        let meta = store
            .event_meta(id)?
            .ok_or_else(|| corrupt(format!("event {} has no status", id.short())))?;
        if meta.group != *group {
            return Err(crate::Error::EventNotInGroup { event: id.short() });
        }
        Ok(OrderedEvent::new(&signed, meta.lamport))
    })
}
