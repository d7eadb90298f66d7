//! A proof's events as the link checks see them: looked up by id, with
//! Lamport numbers computed from the set itself, so "is `prev` in the past"
//! (`rules::links::in_past`) walks only the proof's events.

use std::collections::HashMap;

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

    fn lamport(&self, id: &EventId) -> Result<u64, String> {
        self.lamport
            .get(id)
            .copied()
            .ok_or_else(|| format!("cited event {} is not in the proof", id.short()))
    }
}
