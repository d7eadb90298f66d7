//! A proof's events as the link checks see them: looked up by id, with
//! Lamport numbers computed from the set itself, so "is `prev` in the past"
//! walks only the proof's events.

use std::collections::HashMap;
use std::collections::HashSet;

use crate::model::event::Event;
use crate::model::event::EventId;
use crate::model::signed::SignedEvent;
use crate::rules::links::Cited;
use crate::rules::projection;
use crate::rules::projection::OrderedEvent;

pub struct EventSet<'a> {
    pub by_id: HashMap<EventId, &'a SignedEvent>,
    lamport: HashMap<EventId, u64>,
    /// The events whose parents are all in the set, in topological order.
    pub ordered: Vec<OrderedEvent>,
}

impl<'a> EventSet<'a> {
    pub fn new(events: &'a [SignedEvent]) -> EventSet<'a> {
        let ordered = projection::order(events);
        EventSet {
            by_id: events.iter().map(|e| (e.id, e)).collect(),
            lamport: ordered.iter().map(|e| (e.id, e.lamport)).collect(),
            ordered,
        }
    }
}

impl Cited for EventSet<'_> {
    fn cited(&self, id: &EventId) -> Result<Event, String> {
        self.by_id
            .get(id)
            .map(|e| e.event.clone())
            .ok_or_else(|| format!("cited event {} is not in the proof", id.short()))
    }

    /// A walk back from the event's parents that stops below the target's
    /// Lamport number (as an import's check does).
    fn in_past(&self, target: &EventId, event: &SignedEvent) -> Result<bool, String> {
        let floor = self.lamport.get(target).copied().unwrap_or(0);
        let mut stack: Vec<EventId> = event.event.parents.iter().map(|p| p.id).collect();
        let mut seen: HashSet<EventId> = HashSet::new();
        while let Some(id) = stack.pop() {
            if id == *target {
                return Ok(true);
            }
            if !seen.insert(id) || self.lamport.get(&id).is_none_or(|l| *l <= floor) {
                continue;
            }
            if let Some(e) = self.by_id.get(&id) {
                stack.extend(e.event.parents.iter().map(|p| p.id));
            }
        }
        Ok(false)
    }
}
