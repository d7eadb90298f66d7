//! Link checks (SPEC §2, §4 `bad-link`): an event's parents must be the events
//! they are cited as (same group, author and seq), and its `prev` must be its
//! author's event at `seq - 1` in the same group, in the event's causal past.
//! Pure: the caller says how to look events up, so imports (over the store)
//! and quarantine proofs (over the events a proof file holds) judge alike.

use std::collections::HashSet;

use crate::model::event::Event;
use crate::model::event::EventId;
use crate::model::signed::SignedEvent;

/// Where [`check_links`] finds the events an event cites.
pub trait Cited {
    /// The event stored under `id`, or an error saying why it cannot be read.
    fn cited(&self, id: &EventId) -> Result<Event, String>;
    /// The Lamport number of a held event.
    fn lamport(&self, id: &EventId) -> Result<u64, String>;
}

/// Is `target` in the past of `event`? A walk back from its parents that
/// stops below the target's Lamport number (nothing there can reach it).
pub fn in_past(cited: &dyn Cited, target: &EventId, event: &SignedEvent) -> Result<bool, String> {
    let floor = cited.lamport(target)?;
    let mut stack: Vec<EventId> = event.event.parents.iter().map(|p| p.id).collect();
    let mut seen: HashSet<EventId> = HashSet::new();
    while let Some(id) = stack.pop() {
        if id == *target {
            return Ok(true);
        }
        if !seen.insert(id) || cited.lamport(&id)? <= floor {
            continue;
        }
        stack.extend(cited.cited(&id)?.parents.iter().map(|p| p.id));
    }
    Ok(false)
}

/// The first way `event`'s links are inconsistent with what they cite, in
/// words (the `bad-link` reason), or `Ok` when they all hold.
pub fn check_links(event: &SignedEvent, cited: &dyn Cited) -> Result<(), String> {
    let group = event.group();
    for parent in &event.event.parents {
        let actual = cited.cited(&parent.id)?;
        if actual.group_of(parent.id) != group {
            return Err(format!("parent {} is in another group", parent.id.short()));
        }
        if actual.author != parent.author || actual.seq != parent.seq {
            return Err(format!(
                "parent {} is cited as {}#{} but is {}#{}",
                parent.id.short(),
                parent.author.short(),
                parent.seq,
                actual.author.short(),
                actual.seq
            ));
        }
    }
    if let Some(prev) = event.event.prev {
        let actual = cited.cited(&prev)?;
        let e = &event.event;
        if actual.group_of(prev) != group || actual.author != e.author || actual.seq + 1 != e.seq {
            return Err(format!(
                "prev {} is not the author's event at seq {} in this group",
                prev.short(),
                e.seq - 1
            ));
        }
        if !in_past(cited, &prev, event)? {
            return Err(format!(
                "prev {} is not in the event's causal past",
                prev.short()
            ));
        }
    }
    Ok(())
}
