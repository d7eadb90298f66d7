//! The store's local append log (SPEC §5): every event the store accepts, in
//! the order it accepted them, each entry hash-chained to the one before, so
//! the store has one head hash and any rewrite of its history is detectable.
//!
//! Entry `n` (from 1) is stored under key `n` (u64 big-endian, so keys are
//! sequential, which keeps compaction cheap) with value `prev_hash ‖ event_id`,
//! and its hash is `derive_key(LOG_ENTRY, n ‖ prev_hash ‖ event_id)` with `n`
//! as 8 big-endian bytes. The genesis `prev_hash` is 32 zero bytes.

use crate::model::event::EventId;
use crate::model::hash;

/// The head of the local log: how many entries, and the hash of the last.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LogHead {
    pub len: u64,
    pub hash: [u8; 32],
}

/// One stored entry of the local log.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LogEntry {
    pub index: u64,
    pub prev_hash: [u8; 32],
    pub event: EventId,
}

impl LogEntry {
    /// The hash that the next entry links to.
    pub fn hash(&self) -> [u8; 32] {
        hash::derive_parts(
            hash::LOG_ENTRY,
            &[&self.index.to_be_bytes(), &self.prev_hash, &self.event.0],
        )
    }

    pub fn key(&self) -> [u8; 8] {
        super::layout::log_key(self.index)
    }

    pub fn value(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.prev_hash);
        out[32..].copy_from_slice(&self.event.0);
        out
    }

    /// Parses a stored key and value; `None` when either has the wrong size.
    pub fn parse(key: &[u8], value: &[u8]) -> Option<LogEntry> {
        let index = super::layout::parse_log_key(key)?;
        if value.len() != 64 {
            return None;
        }
        let mut prev_hash = [0u8; 32];
        prev_hash.copy_from_slice(&value[..32]);
        let mut event = [0u8; 32];
        event.copy_from_slice(&value[32..]);
        Some(LogEntry {
            index,
            prev_hash,
            event: EventId(event),
        })
    }
}

impl LogHead {
    /// The entry that appends `event` after this head, and the new head.
    pub fn next(&self, event: EventId) -> (LogEntry, LogHead) {
        let entry = LogEntry {
            index: self.len + 1,
            prev_hash: self.hash,
            event,
        };
        let head = LogHead {
            len: entry.index,
            hash: entry.hash(),
        };
        (entry, head)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_commits_to_order_and_content() {
        let a = EventId([1; 32]);
        let b = EventId([2; 32]);
        let (e1, h1) = LogHead::default().next(a);
        let (e2, h2) = h1.next(b);
        assert_eq!(e2.prev_hash, h1.hash);
        assert_eq!(LogEntry::parse(&e2.key(), &e2.value()), Some(e2));
        let (_, swapped1) = LogHead::default().next(b);
        let (_, swapped2) = swapped1.next(a);
        assert_ne!(h2.hash, swapped2.hash);
        assert_eq!(e1.index, 1);
        assert_eq!(h2.len, 2);
    }
}
