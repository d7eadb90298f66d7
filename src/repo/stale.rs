//! Stale senders (SPEC S6, Matrix seed 003): an author whose latest event
//! had not seen changes to the group's members or devices that this store
//! holds, concurrent with it (Bob adds Carol without having seen Alice's new
//! device link). Nobody notices such a race unless it is named, so imports
//! and `status` name the author and what it lacked, and
//! `gmm correct GROUP --for AUTHOR` writes exactly that.
//!
//! Only the open region (the events after the latest cut) can hold events
//! concurrent with an author's latest event, so the cost is O(r) per author,
//! r being the region's size.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::collections::HashMap;

use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::Op;
use crate::model::event::PublicKey;
use crate::rules::projection::OrderedEvent;
use crate::store::Store;

/// At most this many stale authors are named per group.
pub const MAX_AUTHORS: usize = 64;
/// At most this many lacked events are named per author (`lacked_more` counts the rest).
pub const MAX_LACKED: usize = 64;

/// An author whose latest event lacked changes this store holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    pub author: PublicKey,
    /// The author's latest event.
    pub latest: EventId,
    /// Effective changes to members or devices concurrent with it, in
    /// topological order (the first [`MAX_LACKED`]).
    pub lacked: Vec<EventId>,
    /// How many more there are beyond `lacked`.
    pub lacked_more: usize,
}

/// Does `op` change who is in the group, with which role, or with which devices?
fn concerns_members(op: &Op) -> bool {
    match op {
        Op::Add { .. }
        | Op::Remove { .. }
        | Op::Leave
        | Op::SetRole { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => true,
        Op::Create { .. } | Op::SetTitle { .. } => false,
    }
}

/// Every author with an event in the group's open region whose latest event
/// lacked effective changes to members or devices (`only`: just these authors).
///
/// The open region is read from the `region` family (`Store::open_region`):
/// its non-inert events only, so a fan of strangers' leaves costs nothing.
pub fn stale_authors(
    store: &Store,
    group: &GroupId,
    only: Option<&BTreeSet<PublicKey>>,
) -> Result<Vec<Stale>> {
    let region: Vec<OrderedEvent> = store.open_region(group)?;
    let region = &region;
    let index: HashMap<EventId, usize> =
        region.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); region.len()];
    for (i, e) in region.iter().enumerate() {
        for p in &e.parents {
            if let Some(&j) = index.get(p) {
                children[j].push(i);
            }
        }
    }
    let mut latest: BTreeMap<PublicKey, usize> = BTreeMap::new();
    for (i, e) in region.iter().enumerate() {
        if only.is_some_and(|authors| !authors.contains(&e.author)) {
            continue;
        }
        let entry = latest.entry(e.author).or_insert(i);
        if region[*entry].seq < e.seq {
            *entry = i;
        }
    }
    let mut effective_change = vec![false; region.len()];
    for (i, e) in region.iter().enumerate() {
        if concerns_members(&e.op) {
            effective_change[i] = store
                .event_meta(&e.id)?
                .is_some_and(|m| m.verdict.is_effective());
        }
    }
    // The authors whose latest events are newest first, a bounded number.
    let mut latest: Vec<(PublicKey, usize)> = latest.into_iter().collect();
    latest.sort_by_key(|&(author, i)| (std::cmp::Reverse(region[i].lamport), author));
    let mut out = Vec::new();
    for (author, i) in latest {
        if out.len() == MAX_AUTHORS {
            break;
        }
        let related = reachable(region, &index, &children, i);
        // Counted in full, kept up to MAX_LACKED: a region of 100,000
        // leaves would otherwise copy 100,000 ids per author.
        let mut lacked = Vec::new();
        let mut lacked_more = 0;
        let missed = region
            .iter()
            .enumerate()
            .filter(|(j, e)| effective_change[*j] && !related[*j] && e.author != author);
        for (_, e) in missed {
            match lacked.len() < MAX_LACKED {
                true => lacked.push(e.id),
                false => lacked_more += 1,
            }
        }
        if !lacked.is_empty() {
            out.push(Stale {
                author,
                latest: region[i].id,
                lacked,
                lacked_more,
            });
        }
    }
    out.sort_by_key(|s| s.author);
    Ok(out)
}

/// The region events in the past or the future of event `i`, and `i`.
fn reachable(
    region: &[OrderedEvent],
    index: &HashMap<EventId, usize>,
    children: &[Vec<usize>],
    i: usize,
) -> Vec<bool> {
    let mut seen = vec![false; region.len()];
    seen[i] = true;
    let mut stack: Vec<usize> = region[i]
        .parents
        .iter()
        .filter_map(|p| index.get(p).copied())
        .collect();
    while let Some(j) = stack.pop() {
        if !std::mem::replace(&mut seen[j], true) {
            stack.extend(
                region[j]
                    .parents
                    .iter()
                    .filter_map(|p| index.get(p).copied()),
            );
        }
    }
    let mut stack: Vec<usize> = children[i].clone();
    while let Some(j) = stack.pop() {
        if !std::mem::replace(&mut seen[j], true) {
            stack.extend(children[j].iter().copied());
        }
    }
    seen
}
