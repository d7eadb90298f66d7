//! What one side has that another lacks, found by walking back from both
//! sides' heads at once (like `git rev-list A...B`): the cost follows the
//! difference, not the log. Used by `export --since`, `diff` and `correct`.
//!
//! Events are visited from the highest Lamport number down, each marked with
//! the sides whose heads reach it. A descendant always has a higher Lamport
//! number than its ancestors, so when an event is visited every path from
//! either side's heads to it has been walked, and its marks are final. The
//! walk stops as soon as every event left to visit is reached by both sides:
//! everything below is common.
//!
//! Events come from a [`NodeSource`]: a store, a peer's store, a bundle's
//! events, or several of them ([`Union`]). An event is the same wherever it
//! is held (its id is its content), so any holder can answer for it.

use std::collections::BTreeSet;
use std::collections::BinaryHeap;
use std::collections::HashMap;

use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::ParentRef;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::store::Store;

/// What the walk needs to know of one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub lamport: u64,
    pub author: PublicKey,
    pub seq: u64,
    pub parents: Vec<ParentRef>,
}

/// Somewhere events of one group can be looked up.
pub trait NodeSource {
    fn node(&self, id: &EventId) -> Result<Option<Node>>;
}

/// A store's accepted events of one group.
pub struct StoreNodes<'s> {
    pub store: &'s Store,
    pub group: GroupId,
}

impl NodeSource for StoreNodes<'_> {
    fn node(&self, id: &EventId) -> Result<Option<Node>> {
        let Some((event, meta)) = self.store.event_with_meta(id)? else {
            return Ok(None);
        };
        if meta.group != self.group {
            return Ok(None);
        }
        Ok(Some(Node {
            lamport: meta.lamport,
            author: event.event.author,
            seq: event.event.seq,
            parents: event.event.parents,
        }))
    }
}

/// Events held in memory (a bundle's), with Lamport numbers computed from
/// their parents here or in a base source.
#[derive(Default)]
pub struct MemoryNodes {
    nodes: HashMap<EventId, Node>,
    pub events: HashMap<EventId, SignedEvent>,
}

impl MemoryNodes {
    /// Computes Lamport numbers for `events` (any order), looking parents up
    /// among them and in `base`; events whose parents are nowhere are left out.
    pub fn new(events: Vec<SignedEvent>, base: &dyn NodeSource) -> Result<MemoryNodes> {
        let mut outside: HashMap<EventId, u64> = HashMap::new();
        let inside: std::collections::HashSet<EventId> = events.iter().map(|e| e.id).collect();
        for e in &events {
            for parent in &e.event.parents {
                if !inside.contains(&parent.id) && !outside.contains_key(&parent.id) {
                    if let Some(node) = base.node(&parent.id)? {
                        outside.insert(parent.id, node.lamport);
                    }
                }
            }
        }
        let ordered = crate::rules::projection::order_with(&events, &|id| outside.get(id).copied());
        let mut out = MemoryNodes::default();
        let mut by_id: HashMap<EventId, SignedEvent> =
            events.into_iter().map(|e| (e.id, e)).collect();
        for o in ordered {
            if let Some(event) = by_id.remove(&o.id) {
                out.nodes.insert(
                    o.id,
                    Node {
                        lamport: o.lamport,
                        author: event.event.author,
                        seq: event.event.seq,
                        parents: event.event.parents.clone(),
                    },
                );
                out.events.insert(o.id, event);
            }
        }
        Ok(out)
    }
}

impl NodeSource for MemoryNodes {
    fn node(&self, id: &EventId) -> Result<Option<Node>> {
        Ok(self.nodes.get(id).cloned())
    }
}

/// The first source that knows an event answers.
pub struct Union<'a>(pub Vec<&'a dyn NodeSource>);

impl NodeSource for Union<'_> {
    fn node(&self, id: &EventId) -> Result<Option<Node>> {
        for source in &self.0 {
            if let Some(node) = source.node(id)? {
                return Ok(Some(node));
            }
        }
        Ok(None)
    }
}

const OURS: u8 = 1;
const THEIRS: u8 = 2;
const BOTH: u8 = OURS | THEIRS;

/// How two sides' event sets relate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Reached from our heads only, in topological order (parents first).
    pub ours_only: Vec<EventId>,
    /// Reached from their heads only, in topological order.
    pub theirs_only: Vec<EventId>,
    /// Common events with a one-sided child: where the sides diverged.
    pub frontier: Vec<EventId>,
    /// Heads the source does not hold, per side.
    pub unknown_ours: Vec<EventId>,
    pub unknown_theirs: Vec<EventId>,
    /// One-sided events sharing an author and seq: equivocations.
    pub forks: Vec<(EventId, EventId)>,
    /// How many events the walk visited (the work done).
    pub visited: u64,
}

/// Walks back from both sides' heads.
pub fn compare(
    source: &dyn NodeSource,
    ours: &[EventId],
    theirs: &[EventId],
) -> Result<Comparison> {
    let mut marks: HashMap<EventId, u8> = HashMap::new();
    let mut nodes: HashMap<EventId, Node> = HashMap::new();
    let mut heap: BinaryHeap<(u64, EventId)> = BinaryHeap::new();
    let mut one_sided = 0usize;
    let mut result = Comparison::default();
    for (heads, side) in [(ours, OURS), (theirs, THEIRS)] {
        for id in heads {
            let Some(node) = source.node(id)? else {
                match side {
                    OURS => result.unknown_ours.push(*id),
                    _ => result.unknown_theirs.push(*id),
                }
                continue;
            };
            let mark = marks.entry(*id).or_insert(0);
            let was = *mark;
            *mark |= side;
            if was == 0 {
                heap.push((node.lamport, *id));
                nodes.insert(*id, node);
                one_sided += 1;
            } else if was != BOTH && *mark == BOTH {
                one_sided -= 1;
            }
        }
    }
    let mut ours_only = Vec::new();
    let mut theirs_only = Vec::new();
    let mut frontier = BTreeSet::new();
    while one_sided > 0 {
        let Some((lamport, id)) = heap.pop() else {
            break;
        };
        result.visited += 1;
        let mark = marks[&id];
        let Some(node) = nodes.remove(&id) else {
            continue;
        };
        match mark {
            OURS => ours_only.push((lamport, id, node.author, node.seq)),
            THEIRS => theirs_only.push((lamport, id, node.author, node.seq)),
            _ => {}
        }
        if mark != BOTH {
            one_sided -= 1;
        }
        for parent in &node.parents {
            let old = marks.get(&parent.id).copied().unwrap_or(0);
            let new = old | mark;
            if old == 0 {
                let Some(parent_node) = source.node(&parent.id)? else {
                    continue;
                };
                heap.push((parent_node.lamport, parent.id));
                nodes.insert(parent.id, parent_node);
                if new != BOTH {
                    one_sided += 1;
                }
            } else if old != BOTH && new == BOTH {
                one_sided -= 1;
            }
            marks.insert(parent.id, new);
            if mark != BOTH && new == BOTH {
                frontier.insert(parent.id);
            }
        }
    }
    // Equivocations: the same author and seq on the two sides.
    let seats: HashMap<(PublicKey, u64), EventId> = ours_only
        .iter()
        .map(|(_, id, a, s)| ((*a, *s), *id))
        .collect();
    for (_, id, author, seq) in &theirs_only {
        if let Some(ours) = seats.get(&(*author, *seq)) {
            result.forks.push((*ours, *id));
        }
    }
    ours_only.sort();
    theirs_only.sort();
    result.ours_only = ours_only.into_iter().map(|(_, id, _, _)| id).collect();
    result.theirs_only = theirs_only.into_iter().map(|(_, id, _, _)| id).collect();
    result.frontier = frontier
        .into_iter()
        .filter(|id| marks.get(id) == Some(&BOTH))
        .collect();
    Ok(result)
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

/// What a store has beyond `theirs` (heads it may or may not hold).
pub fn difference(
    store: &Store,
    group: &GroupId,
    ours: &[EventId],
    theirs: &[EventId],
) -> Result<Difference> {
    let source = StoreNodes {
        store,
        group: *group,
    };
    let comparison = compare(&source, ours, theirs)?;
    let prerequisites = prerequisites(&source, &comparison.ours_only)?;
    Ok(Difference {
        ours_only: comparison.ours_only,
        unknown: comparison.unknown_theirs,
        prerequisites,
        visited: comparison.visited,
    })
}

/// The parents `events` cite that are not among them.
pub fn prerequisites(source: &dyn NodeSource, events: &[EventId]) -> Result<Vec<ParentRef>> {
    let included: BTreeSet<EventId> = events.iter().copied().collect();
    let mut out = BTreeSet::new();
    for id in events {
        if let Some(node) = source.node(id)? {
            out.extend(
                node.parents
                    .into_iter()
                    .filter(|p| !included.contains(&p.id)),
            );
        }
    }
    Ok(out.into_iter().collect())
}
