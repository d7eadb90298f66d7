//! Link checks (SPEC §2, §4 `bad-link`): an event's parents must be the events
//! they are cited as (same group, author and seq), and its `prev` must be its
//! author's event at `seq - 1` in the same group, in the event's causal past.
//! Pure: the caller says how to look events up, so imports (over the store)
//! and quarantine proofs (over the events a proof file holds) judge alike.
//!
//! "Is `prev` in the past" is a walk back from the event's parents. A store
//! also keeps each event's [`Ancestry`], so the walk crosses a run of
//! single-parent events in O(log n) steps instead of one step per event: a
//! round-robin chain (k authors in turn, each `prev` k events back) costs
//! O(log n) per event, not O(k) (issue 15.3).

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
    /// A held event's ancestry, when the caller keeps one (a store does; a
    /// proof's small event set does not, and is walked event by event).
    fn ancestry(&self, _id: &EventId) -> Result<Option<Ancestry>, String> {
        Ok(None)
    }
    /// Both of the above, for a caller that reads them in one lookup.
    fn lamport_and_ancestry(&self, id: &EventId) -> Result<(u64, Option<Ancestry>), String> {
        Ok((self.lamport(id)?, self.ancestry(id)?))
    }
}

/// Where an event sits among single-parent runs, so that a walk back can
/// skip them. Every event with other than one parent (a `Create`, a merge) is
/// the `root` of the tree of its single-parent descendants; in that tree an
/// event's depth is its Lamport number minus the root's, since each step adds
/// exactly one. `jump` is Myers' skew-binary jump pointer (an ancestor in the
/// same tree, the root's own is itself), which finds the ancestor at any depth
/// in O(log depth) steps. Computed when an event is accepted, from its
/// parent's; never read from a peer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ancestry {
    pub root: EventId,
    pub jump: EventId,
    /// The one parent (the event itself for a root), so a step up the run
    /// reads no event.
    pub parent: EventId,
}

impl Ancestry {
    /// The ancestry of an event with other than one parent: its own tree.
    pub fn root(id: EventId) -> Ancestry {
        Ancestry {
            root: id,
            jump: id,
            parent: id,
        }
    }

    /// The ancestry of an event whose one parent is `parent`. `depths` gives
    /// the Lamport numbers of the parent, of its jump, and of its jump's jump.
    pub fn child_of(
        parent: EventId,
        of_parent: &Ancestry,
        jump_of_jump: EventId,
        depths: [u64; 3],
    ) -> Ancestry {
        let [parent_depth, jump_depth, jump_jump_depth] = depths;
        // Two equal spans below the parent merge into one twice as long.
        let jump = if parent_depth - jump_depth == jump_depth - jump_jump_depth {
            jump_of_jump
        } else {
            parent
        };
        Ancestry {
            root: of_parent.root,
            jump,
            parent,
        }
    }
}

/// The ancestor of `from` (Lamport number `depth`) at Lamport number `want`,
/// in the same single-parent tree (`want` is at least the root's). Follows a
/// jump whenever it does not overshoot, else the one parent.
fn ancestor_at(
    cited: &dyn Cited,
    from: (EventId, Ancestry),
    depth: u64,
    want: u64,
) -> Result<EventId, String> {
    let ((mut at, mut ancestry), mut depth) = (from, depth);
    while depth > want {
        let jump = ancestry.jump;
        let (jump_depth, of_jump) = cited.lamport_and_ancestry(&jump)?;
        if jump != at && jump_depth >= want {
            (at, depth) = (jump, jump_depth);
            ancestry = of_jump.ok_or_else(|| format!("event {} has no ancestry", jump.short()))?;
        } else {
            // Not the root (it is deeper than `want`), so it has one parent.
            if ancestry.parent == at {
                return Err(format!(
                    "event {} is a root above its tree's depth",
                    at.short()
                ));
            }
            (at, depth) = (ancestry.parent, depth - 1);
            ancestry = ancestry_of(cited, &at)?;
        }
    }
    Ok(at)
}

fn ancestry_of(cited: &dyn Cited, id: &EventId) -> Result<Ancestry, String> {
    cited
        .ancestry(id)?
        .ok_or_else(|| format!("event {} has no ancestry", id.short()))
}

/// Is `target` in the past of `event`? A walk back from its parents that
/// stops below the target's Lamport number (nothing there can reach it).
///
/// With ancestries, an event in the target's tree answers at once (the
/// target is its ancestor exactly when it is the one at the target's depth),
/// and an event in another tree stands for its whole run: the events between
/// it and its root have one parent each and none is the target, so the walk
/// goes on from the root's parents.
pub fn in_past(cited: &dyn Cited, target: &EventId, event: &SignedEvent) -> Result<bool, String> {
    let (floor, target_ancestry) = cited.lamport_and_ancestry(target)?;
    let target_root = target_ancestry.map(|a| a.root);
    let mut stack: Vec<EventId> = event.event.parents.iter().map(|p| p.id).collect();
    let mut seen: HashSet<EventId> = HashSet::new();
    while let Some(id) = stack.pop() {
        if id == *target {
            return Ok(true);
        }
        if !seen.insert(id) {
            continue;
        }
        let (depth, ancestry) = cited.lamport_and_ancestry(&id)?;
        if depth <= floor {
            continue;
        }
        let mut from = id;
        if let (Some(target_root), Some(ancestry)) = (target_root, ancestry) {
            if ancestry.root == target_root {
                if ancestor_at(cited, (id, ancestry), depth, floor)? == *target {
                    return Ok(true);
                }
                // The target's tree hangs below its root: nothing above it
                // leads there.
                continue;
            }
            from = ancestry.root;
            if from != id && (!seen.insert(from) || cited.lamport(&from)? <= floor) {
                continue;
            }
        }
        stack.extend(cited.cited(&from)?.parents.iter().map(|p| p.id));
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::model::event::Op;
    use crate::model::event::ParentRef;
    use crate::model::event::PublicKey;
    use crate::model::event::ViewHash;
    use crate::model::event::EVENT_VERSION;

    /// Events in memory, with Lamport numbers and (optionally) ancestries
    /// computed as the store computes them on accept.
    struct Dag {
        events: Vec<SignedEvent>,
        lamport: HashMap<EventId, u64>,
        ancestry: HashMap<EventId, Ancestry>,
        with_ancestry: bool,
    }

    impl Cited for Dag {
        fn cited(&self, id: &EventId) -> Result<Event, String> {
            let i = self.index(id)?;
            Ok(self.events[i].event.clone())
        }
        fn lamport(&self, id: &EventId) -> Result<u64, String> {
            self.lamport
                .get(id)
                .copied()
                .ok_or_else(|| "unknown".into())
        }
        fn ancestry(&self, id: &EventId) -> Result<Option<Ancestry>, String> {
            Ok(self.with_ancestry.then(|| self.ancestry[id]))
        }
    }

    impl Dag {
        fn index(&self, id: &EventId) -> Result<usize, String> {
            Ok(u32::from_le_bytes(id.0[..4].try_into().unwrap()) as usize)
        }

        /// Event `i` cites the events `parents` (all below `i`).
        fn build(shape: &[Vec<usize>]) -> Dag {
            let id = |i: usize| {
                let mut b = [0u8; 32];
                b[..4].copy_from_slice(&(i as u32).to_le_bytes());
                b[31] = 1;
                EventId(b)
            };
            let mut dag = Dag {
                events: Vec::new(),
                lamport: HashMap::new(),
                ancestry: HashMap::new(),
                with_ancestry: true,
            };
            for (i, parents) in shape.iter().enumerate() {
                let parents: Vec<ParentRef> = parents
                    .iter()
                    .map(|&p| ParentRef {
                        author: PublicKey([0; 32]),
                        seq: 1,
                        id: id(p),
                    })
                    .collect();
                let lamport = parents
                    .iter()
                    .map(|p| dag.lamport[&p.id] + 1)
                    .max()
                    .unwrap_or(0);
                let ancestry = match parents.as_slice() {
                    [p] => {
                        let of_parent = dag.ancestry[&p.id];
                        let jump_jump = dag.ancestry[&of_parent.jump].jump;
                        let depths = [
                            dag.lamport[&p.id],
                            dag.lamport[&of_parent.jump],
                            dag.lamport[&jump_jump],
                        ];
                        Ancestry::child_of(p.id, &of_parent, jump_jump, depths)
                    }
                    _ => Ancestry::root(id(i)),
                };
                dag.lamport.insert(id(i), lamport);
                dag.ancestry.insert(id(i), ancestry);
                dag.events.push(SignedEvent {
                    id: id(i),
                    event: Event {
                        version: EVENT_VERSION,
                        group: EventId::default(),
                        author: PublicKey([0; 32]),
                        seq: 1,
                        prev: None,
                        parents,
                        time: 0,
                        view: ViewHash([0; 32]),
                        op: Op::Leave,
                    },
                    bytes: Vec::new(),
                    signature: [0; 64],
                });
            }
            dag
        }
    }

    /// A random DAG: mostly single-parent runs (branching off any earlier
    /// event), with merges of two or three.
    fn shapes() -> impl Strategy<Value = Vec<Vec<usize>>> {
        proptest::collection::vec((any::<u32>(), 0u8..10, any::<u32>(), any::<u32>()), 1..80)
            .prop_map(|picks| {
                let mut shape = vec![Vec::new()];
                for (i, (a, kind, b, c)) in picks.into_iter().enumerate() {
                    let n = i + 1;
                    let near = |x: u32| n - 1 - (x as usize % n.min(4));
                    let any = |x: u32| x as usize % n;
                    let mut parents = match kind {
                        0 => vec![any(a), any(b), any(c)],
                        1 => vec![any(a), near(b)],
                        2 | 3 => vec![any(a)],
                        _ => vec![near(a)],
                    };
                    parents.sort_unstable();
                    parents.dedup();
                    shape.push(parents);
                }
                shape
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]

        /// The law: with ancestries, `in_past` gives the plain walk's answer
        /// for every pair of events.
        #[test]
        fn ancestry_skips_never_change_the_answer(shape in shapes()) {
            let mut dag = Dag::build(&shape);
            let ids: Vec<EventId> = dag.events.iter().map(|e| e.id).collect();
            let events = dag.events.clone();
            for event in &events {
                for target in &ids {
                    dag.with_ancestry = true;
                    let fast = in_past(&dag, target, event);
                    dag.with_ancestry = false;
                    let plain = in_past(&dag, target, event);
                    prop_assert_eq!(fast, plain);
                }
            }
        }
    }

    /// A round-robin chain: the answer for `prev` (k events back) comes in
    /// O(log n) ancestry steps, not k.
    #[test]
    fn a_long_chain_is_crossed_by_jumps() {
        struct Counting<'a>(&'a Dag, std::cell::Cell<usize>);
        impl Cited for Counting<'_> {
            fn cited(&self, id: &EventId) -> Result<Event, String> {
                self.1.set(self.1.get() + 1);
                self.0.cited(id)
            }
            fn lamport(&self, id: &EventId) -> Result<u64, String> {
                self.0.lamport(id)
            }
            fn ancestry(&self, id: &EventId) -> Result<Option<Ancestry>, String> {
                self.1.set(self.1.get() + 1);
                self.0.ancestry(id)
            }
        }
        let n = 100_000;
        let shape: Vec<Vec<usize>> = (0..n)
            .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
            .collect();
        let dag = Dag::build(&shape);
        let counting = Counting(&dag, std::cell::Cell::new(0));
        let last = &dag.events[n - 1];
        for back in [2, 1000, 50_000, n - 1] {
            counting.1.set(0);
            assert_eq!(
                in_past(&counting, &dag.events[n - 1 - back].id, last),
                Ok(true)
            );
            assert!(
                counting.1.get() < 200,
                "{back} back: {} steps",
                counting.1.get()
            );
        }
    }
}
