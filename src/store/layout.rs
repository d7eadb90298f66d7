//! The key layout of every column family (`docs/store.md`), in one place, with
//! checked parsing: a short or damaged key read from disk is
//! [`StoreError::Corrupt`], never a panic on a slice.
//!
//! Numbers in keys are big-endian, so RocksDB's byte order is numeric order:
//! the log is keyed by sequence (sequential keys keep compaction cheap, SPEC
//! §5) and a group's events are keyed by Lamport number.

use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;

/// Schema version 2 key names in the `meta` family.
pub const META_SCHEMA: &[u8] = b"schema_version";
pub const META_IDENTITY: &[u8] = b"identity";
pub const META_LOG_HEAD: &[u8] = b"log_head";
/// The name this store's identity goes by locally (`gmm init --name`).
pub const META_SELF_NAME: &[u8] = b"self_name";

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Reads fixed-size fields off the front of a key; `None` when it is short.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn id(&mut self) -> Option<[u8; 32]> {
        let (head, rest) = self.0.split_first_chunk::<32>()?;
        self.0 = rest;
        Some(*head)
    }

    fn number(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_be_bytes(*head))
    }

    /// True when every byte was read.
    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

/// `chains`: `group ‖ author ‖ seq ‖ id` (104 bytes), value empty. One key per
/// event, so two events at one `(author, seq)` (a fork) both have a key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ChainKey {
    pub group: GroupId,
    pub author: PublicKey,
    pub seq: u64,
    pub id: EventId,
}

impl ChainKey {
    pub fn to_bytes(&self) -> Vec<u8> {
        let seq = self.seq.to_be_bytes();
        concat(&[&self.group.0, &self.author.0, &seq, &self.id.0])
    }

    /// The prefix of every key of one author in one group.
    pub fn author_prefix(group: &GroupId, author: &PublicKey) -> Vec<u8> {
        concat(&[&group.0, &author.0])
    }

    /// The prefix of every key of one author's `seq` in one group.
    pub fn seq_prefix(group: &GroupId, author: &PublicKey, seq: u64) -> Vec<u8> {
        concat(&[&group.0, &author.0, &seq.to_be_bytes()])
    }

    pub fn parse(key: &[u8]) -> Option<ChainKey> {
        let mut f = Fields(key);
        let parsed = ChainKey {
            group: EventId(f.id()?),
            author: PublicKey(f.id()?),
            seq: f.number()?,
            id: EventId(f.id()?),
        };
        f.done().then_some(parsed)
    }
}

/// `events`: `group ‖ lamport ‖ id` (72 bytes), the value the event's signed
/// record: a group's events in topological order (Lamport number, then id),
/// so a replay or an audit reads them in the order the keys are stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OrderKey {
    pub group: GroupId,
    pub lamport: u64,
    pub id: EventId,
}

impl OrderKey {
    pub fn to_bytes(&self) -> Vec<u8> {
        concat(&[&self.group.0, &self.lamport.to_be_bytes(), &self.id.0])
    }

    /// Where a group's events with Lamport number `lamport` or more start.
    pub fn from_lamport(group: &GroupId, lamport: u64) -> Vec<u8> {
        concat(&[&group.0, &lamport.to_be_bytes()])
    }

    pub fn parse(key: &[u8]) -> Option<OrderKey> {
        let mut f = Fields(key);
        let parsed = OrderKey {
            group: EventId(f.id()?),
            lamport: f.number()?,
            id: EventId(f.id()?),
        };
        f.done().then_some(parsed)
    }
}

/// `checkpoints`: `group ‖ lamport` (40 bytes).
pub fn checkpoint_key(group: &GroupId, lamport: u64) -> Vec<u8> {
    concat(&[&group.0, &lamport.to_be_bytes()])
}

/// Past every checkpoint key of a group (for range deletes and reverse seeks).
pub fn checkpoint_end(group: &GroupId) -> Vec<u8> {
    concat(&[&group.0, &[0xff; 9]])
}

/// `heads`: `group ‖ !lamport ‖ id` (72 bytes; the Lamport number's bits
/// inverted), so a group's heads sort newest first and an event that cites
/// 64 of 100,000 heads reads only those (`docs/decisions.md`).
pub fn head_key(group: &GroupId, lamport: u64, id: &EventId) -> Vec<u8> {
    concat(&[&group.0, &(!lamport).to_be_bytes(), &id.0])
}

/// `inert`: `group ‖ author ‖ id` (96 bytes), value empty: an inert event of
/// the group's open region (`docs/projection.md`), kept out of the
/// projection record and found by author.
pub fn inert_key(group: &GroupId, author: &PublicKey, id: &EventId) -> Vec<u8> {
    concat(&[&group.0, &author.0, &id.0])
}

/// Parses an `inert` key into `(group, author, id)`.
pub fn parse_inert_key(key: &[u8]) -> Option<(GroupId, PublicKey, EventId)> {
    let mut f = Fields(key);
    let parsed = (EventId(f.id()?), PublicKey(f.id()?), EventId(f.id()?));
    f.done().then_some(parsed)
}

/// Which view of a group a `view_rows` key belongs to: the view after
/// everything, or the base (the view right after the cut).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ViewSlot {
    View = 0,
    Base = 1,
}

/// `view_rows`: `group ‖ slot ‖ key` (65 bytes): one key's row of a group's
/// view or base (`store::view_rows`).
pub fn view_row_key(group: &GroupId, slot: ViewSlot, key: &PublicKey) -> Vec<u8> {
    concat(&[&group.0, &[slot as u8], &key.0])
}

/// The prefix of every row of one slot of a group, and the end (exclusive)
/// of its range.
pub fn view_rows_range(group: &GroupId, slot: ViewSlot) -> (Vec<u8>, Vec<u8>) {
    let slot = slot as u8;
    (
        concat(&[&group.0, &[slot]]),
        concat(&[&group.0, &[slot + 1]]),
    )
}

/// Parses a `view_rows` key into its key (the part after `group ‖ slot`).
pub fn parse_view_row_key(key: &[u8]) -> Option<PublicKey> {
    let (_, rest) = key.split_first_chunk::<33>()?;
    let mut f = Fields(rest);
    let parsed = PublicKey(f.id()?);
    f.done().then_some(parsed)
}

/// `member_pages`: `group ‖ page` (u16 BE, 34 bytes): one page of a group's
/// member listing (`store::member_pages`).
pub fn member_page_key(group: &GroupId, page: u16) -> Vec<u8> {
    concat(&[&group.0, &page.to_be_bytes()])
}

/// The first and the end (exclusive) of a group's member page keys.
pub fn member_pages_range(group: &GroupId) -> (Vec<u8>, Vec<u8>) {
    (group.0.to_vec(), group_end(group))
}

/// The end (exclusive) of every key of a group in a family whose keys are
/// `group ‖` 64 bytes or fewer.
pub fn group_end(group: &GroupId) -> Vec<u8> {
    concat(&[&group.0, &[0xff; 65]])
}

/// `pending`: `group ‖ id` (64 bytes).
pub fn pending_key(group: &GroupId, id: &EventId) -> Vec<u8> {
    concat(&[&group.0, &id.0])
}

/// Parses a `group ‖ id` key.
pub fn parse_pending_key(key: &[u8]) -> Option<(GroupId, EventId)> {
    let mut f = Fields(key);
    let parsed = (EventId(f.id()?), EventId(f.id()?));
    f.done().then_some(parsed)
}

/// `missing`: `parent ‖ child` (64 bytes), value the child's group (32 bytes):
/// which pending events wait for a parent.
pub fn missing_key(parent: &EventId, child: &EventId) -> Vec<u8> {
    concat(&[&parent.0, &child.0])
}

/// Parses a `missing` record into `(group, child)`.
pub fn parse_missing(key: &[u8], value: &[u8]) -> Option<(GroupId, EventId)> {
    let mut k = Fields(key);
    let (_parent, child) = (k.id()?, k.id()?);
    let mut v = Fields(value);
    let group = v.id()?;
    (k.done() && v.done()).then_some((EventId(group), EventId(child)))
}

/// `status`, `projection`: a 32-byte id or group id.
pub fn parse_id(key: &[u8]) -> Option<EventId> {
    let mut f = Fields(key);
    let id = f.id()?;
    f.done().then_some(EventId(id))
}

/// `log`: the entry's index (8 bytes, from 1).
pub fn log_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

/// Parses a `log` key.
pub fn parse_log_key(key: &[u8]) -> Option<u64> {
    let mut f = Fields(key);
    let index = f.number()?;
    f.done().then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let chain = ChainKey {
            group: EventId([1; 32]),
            author: PublicKey([2; 32]),
            seq: 7,
            id: EventId([3; 32]),
        };
        assert_eq!(ChainKey::parse(&chain.to_bytes()), Some(chain));
        let order = OrderKey {
            group: EventId([1; 32]),
            lamport: 9,
            id: EventId([4; 32]),
        };
        assert_eq!(OrderKey::parse(&order.to_bytes()), Some(order));
        // The `events` key: group, Lamport number big-endian, id (schema 7),
        // so a group's events sort in topological order.
        let expected = [vec![1; 32], 9u64.to_be_bytes().to_vec(), vec![4; 32]].concat();
        assert_eq!(order.to_bytes(), expected);
        let (g, c) = (EventId([5; 32]), EventId([6; 32]));
        assert_eq!(parse_pending_key(&pending_key(&g, &c)), Some((g, c)));
        assert_eq!(
            parse_missing(&missing_key(&EventId([7; 32]), &c), &g.0),
            Some((g, c))
        );
        assert_eq!(parse_log_key(&log_key(12)), Some(12));
        let row = view_row_key(&g, ViewSlot::Base, &PublicKey([8; 32]));
        assert_eq!(parse_view_row_key(&row), Some(PublicKey([8; 32])));
        let (from, to) = view_rows_range(&g, ViewSlot::Base);
        assert!(from <= row && row < to);
    }

    /// A damaged store may hold keys of any length: every parser says `None`,
    /// none panics.
    #[test]
    fn short_and_long_keys_are_refused() {
        for len in 0..120 {
            let key = vec![0xa5u8; len];
            assert_eq!(ChainKey::parse(&key).is_some(), len == 104);
            assert_eq!(OrderKey::parse(&key).is_some(), len == 72);
            assert_eq!(parse_pending_key(&key).is_some(), len == 64);
            assert_eq!(parse_inert_key(&key).is_some(), len == 96);
            assert_eq!(parse_id(&key).is_some(), len == 32);
            assert_eq!(parse_log_key(&key).is_some(), len == 8);
            assert_eq!(parse_view_row_key(&key).is_some(), len == 65);
            assert!(
                parse_missing(&key, &key).is_none(),
                "a 64-byte value is not a group"
            );
        }
    }
}
