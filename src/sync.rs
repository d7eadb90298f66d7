//! What one side has that another lacks, found by walking back from heads
//! (like `git rev-list OURS ^THEIRS`): the cost follows the difference, not
//! the log. Used by `export --since`, `diff` and `correct`.
//!
//! Events are visited from the highest Lamport number down. Each carries a
//! side: reached from our heads only, or from theirs. A descendant always has
//! a higher Lamport number than its ancestors, so by the time an event is
//! visited every path from their heads to it has been walked, and its side is
//! final. The walk stops as soon as no event reached only from our side is
//! left to visit: everything below is in both pasts.

use std::collections::BTreeSet;
use std::collections::BinaryHeap;
use std::collections::HashMap;

use crate::error::Result;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::ParentRef;
use crate::store::Store;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Ours,
    Theirs,
}

/// Our events that are neither their heads nor in their heads' past.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Difference {
    /// In topological order (parents first).
    pub ours_only: Vec<EventId>,
    /// Their heads we do not hold (or that are not in this group).
    pub unknown: Vec<EventId>,
    /// Events `ours_only` cite without containing: the other side has them.
    pub prerequisites: Vec<ParentRef>,
    /// How many events the walk visited (the work done).
    pub visited: u64,
}

/// Walks back from `ours` (our heads) and `theirs` in one group.
pub fn difference(
    store: &Store,
    group: &GroupId,
    ours: &[EventId],
    theirs: &[EventId],
) -> Result<Difference> {
    let mut sides: HashMap<EventId, Side> = HashMap::new();
    let mut heap: BinaryHeap<(u64, EventId)> = BinaryHeap::new();
    let mut ours_waiting = 0usize;
    let mut result = Difference::default();
    for id in theirs {
        match store.event_meta(id)? {
            Some(meta) if meta.group == *group => {
                if sides.insert(*id, Side::Theirs).is_none() {
                    heap.push((meta.lamport, *id));
                }
            }
            _ => result.unknown.push(*id),
        }
    }
    for id in ours {
        if sides.contains_key(id) {
            continue;
        }
        if let Some(meta) = store.event_meta(id)? {
            sides.insert(*id, Side::Ours);
            heap.push((meta.lamport, *id));
            ours_waiting += 1;
        }
    }
    let mut ours_only: Vec<(u64, EventId)> = Vec::new();
    while ours_waiting > 0 {
        let Some((lamport, id)) = heap.pop() else {
            break;
        };
        result.visited += 1;
        let side = sides[&id];
        if side == Side::Ours {
            ours_waiting -= 1;
            ours_only.push((lamport, id));
        }
        let Some(event) = store.event(&id)? else {
            continue;
        };
        for parent in &event.event.parents {
            match sides.get(&parent.id).copied() {
                None => {
                    let Some(meta) = store.event_meta(&parent.id)? else {
                        continue;
                    };
                    sides.insert(parent.id, side);
                    heap.push((meta.lamport, parent.id));
                    if side == Side::Ours {
                        ours_waiting += 1;
                    }
                }
                Some(Side::Ours) if side == Side::Theirs => {
                    // Not visited yet (a parent has a lower Lamport number):
                    // it is in their past after all.
                    sides.insert(parent.id, Side::Theirs);
                    ours_waiting -= 1;
                }
                _ => {}
            }
        }
    }
    ours_only.sort();
    let included: BTreeSet<EventId> = ours_only.iter().map(|(_, id)| *id).collect();
    let mut prerequisites = BTreeSet::new();
    for (_, id) in &ours_only {
        if let Some(event) = store.event(id)? {
            for parent in &event.event.parents {
                if !included.contains(&parent.id) {
                    prerequisites.insert(*parent);
                }
            }
        }
    }
    result.ours_only = ours_only.into_iter().map(|(_, id)| id).collect();
    result.prerequisites = prerequisites.into_iter().collect();
    Ok(result)
}
