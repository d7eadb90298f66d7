//! Rule 7's seats (SPEC §3): which event holds each `(author, seq)` of a
//! group, so that a second event at a taken seat flags its author as forked.
//!
//! A replay takes a whole log in topological order, and a valid event's
//! `prev` (its author's event at `seq - 1`) is in its past, so each author's
//! seats fill in order, 1, 2, 3, …: they are kept as one vector per author,
//! indexed by seq. Before, one hash map over every `(author, seq)` of the log
//! held 1,000,000 entries for a 1,000,000-event log, about 150 MB grown by
//! doubling past the caches, and made a replay cost 1.3 to 1.5 times as
//! much per event as at 100,000 events (`docs/benchmarks.md`). A seat out of
//! that order (a gap, which only a damaged or crafted log has) waits in a
//! small map until the seats before it are taken.

use std::collections::HashMap;

use crate::model::event::EventId;
use crate::model::event::PublicKey;

/// The events holding each author's seats, as far as they were offered.
#[derive(Default)]
pub struct Seats {
    by_author: HashMap<PublicKey, AuthorSeats>,
}

/// One author's seats: `in_order[i]` holds seq `i + 1`; `ahead` holds seqs
/// past a gap (and seq 0, which no valid event has).
#[derive(Default)]
struct AuthorSeats {
    in_order: Vec<EventId>,
    ahead: HashMap<u64, EventId>,
}

impl Seats {
    /// Offers `id` the seat `(author, seq)`: true when another event already
    /// holds it (a fork). The first event offered keeps the seat.
    pub fn is_taken_by_another(&mut self, author: PublicKey, seq: u64, id: EventId) -> bool {
        let seats = self.by_author.entry(author).or_default();
        let Some(index) = seq.checked_sub(1).and_then(|i| usize::try_from(i).ok()) else {
            return seats.ahead_is_taken(seq, id);
        };
        match seats.in_order.get(index) {
            Some(holder) => *holder != id,
            None if index == seats.in_order.len() => {
                seats.in_order.push(id);
                seats.take_ahead_in_order();
                false
            }
            None => seats.ahead_is_taken(seq, id),
        }
    }
}

impl AuthorSeats {
    fn ahead_is_taken(&mut self, seq: u64, id: EventId) -> bool {
        *self.ahead.entry(seq).or_insert(id) != id
    }

    /// Moves the seats that now follow `in_order` without a gap into it.
    fn take_ahead_in_order(&mut self) {
        while !self.ahead.is_empty() {
            let next = self.in_order.len() as u64 + 1;
            match self.ahead.remove(&next) {
                Some(id) => self.in_order.push(id),
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    fn key(n: u8) -> PublicKey {
        PublicKey([n; 32])
    }

    fn id(n: u8) -> EventId {
        EventId([n; 32])
    }

    proptest! {
        /// In any order, with gaps and seq 0, a seat is taken by another
        /// exactly when a different event was offered it before: what one
        /// map over every `(author, seq)` answers.
        #[test]
        fn seats_answer_what_one_map_answers(
            offers in proptest::collection::vec((0u8..3, 0u64..12, 0u8..4), 0..80)
        ) {
            let mut seats = Seats::default();
            let mut map: HashMap<(PublicKey, u64), EventId> = HashMap::new();
            for (author, seq, event) in offers {
                let expected = *map.entry((key(author), seq)).or_insert(id(event)) != id(event);
                prop_assert_eq!(seats.is_taken_by_another(key(author), seq, id(event)), expected);
            }
        }
    }

    #[test]
    fn a_chain_fills_seats_in_order_and_a_twin_is_a_fork() {
        let mut seats = Seats::default();
        let mut ids = HashSet::new();
        for seq in 1..=1000u64 {
            let event = EventId(blake3::hash(&seq.to_be_bytes()).into());
            ids.insert(event);
            assert!(!seats.is_taken_by_another(key(1), seq, event));
        }
        assert_eq!(seats.by_author[&key(1)].in_order.len(), 1000);
        assert!(seats.by_author[&key(1)].ahead.is_empty());
        assert!(seats.is_taken_by_another(key(1), 500, id(7)));
        assert!(!seats.is_taken_by_another(key(2), 500, id(7)));
    }
}
