//! The writes of one command, committed atomically and durably.

use rocksdb::WriteBatch;
use rocksdb::WriteOptions;

use super::cf;
use super::log::LogEntry;
use super::log::LogHead;
use super::EventMeta;
use super::GroupState;
use super::Store;
use super::StoreError;
use super::META_LOG_HEAD;
use crate::codec;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::ParentRef;
use crate::event::SignedEvent;
use crate::projection::Checkpoint;

/// One write, kept as plain data until commit, where the column-family
/// handles (borrowed from the store) are at hand.
enum Write {
    Put(&'static str, Vec<u8>, Vec<u8>),
    Delete(&'static str, Vec<u8>),
    DeleteRange(&'static str, Vec<u8>, Vec<u8>),
}

/// The writes of one command, committed together by [`Store::commit`].
#[derive(Default)]
pub struct StoreBatch {
    writes: Vec<Write>,
}

fn key(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

impl StoreBatch {
    pub(super) fn put(&mut self, family: &'static str, key: &[u8], value: &[u8]) {
        self.writes
            .push(Write::Put(family, key.to_vec(), value.to_vec()));
    }

    fn delete(&mut self, family: &'static str, key: Vec<u8>) {
        self.writes.push(Write::Delete(family, key));
    }

    /// Stores an accepted event: its record, chain index and group order.
    /// Its meta (with the verdict) is written by [`StoreBatch::put_meta`]
    /// once the projection has judged it.
    pub fn insert_event(&mut self, event: &SignedEvent, meta: &EventMeta) {
        self.put(cf::EVENTS, &event.id.0, &event.record());
        let seq = event.event.seq.to_be_bytes();
        let chain = key(&[&meta.group.0, &event.event.author.0, &seq, &event.id.0]);
        self.put(cf::CHAINS, &chain, &[]);
        let order = key(&[&meta.group.0, &meta.lamport.to_be_bytes(), &event.id.0]);
        self.put(cf::BY_GROUP, &order, &[]);
    }

    /// Records (or updates) what the store knows about an event.
    pub fn put_meta(&mut self, id: &EventId, meta: &EventMeta) {
        self.put(cf::STATUS, &id.0, &codec::encode_unlimited(meta));
    }

    /// Appends an entry to the local log (the head is set once per commit).
    pub fn append_log(&mut self, entry: &LogEntry) {
        self.put(cf::LOG, &entry.key(), &entry.value());
    }

    /// Records the local log's head.
    pub fn set_log_head(&mut self, head: &LogHead) {
        self.put(cf::META, META_LOG_HEAD, &codec::encode_unlimited(head));
    }

    /// Replaces heads `removed` of a group with `added`.
    pub fn replace_heads(&mut self, group: &GroupId, removed: &[ParentRef], added: &[ParentRef]) {
        for head in removed {
            self.delete(cf::HEADS, key(&[&group.0, &head.id.0]));
        }
        for head in added {
            self.put(
                cf::HEADS,
                &key(&[&group.0, &head.id.0]),
                &codec::encode_unlimited(head),
            );
        }
    }

    /// Records a group's projection.
    pub fn put_group_state(&mut self, group: &GroupId, state: &GroupState) {
        self.put(cf::PROJECTION, &group.0, &codec::encode_unlimited(state));
    }

    /// Stores a checkpoint: the view at a cut.
    pub fn put_checkpoint(&mut self, group: &GroupId, checkpoint: &Checkpoint) {
        let k = key(&[&group.0, &checkpoint.lamport.to_be_bytes()]);
        self.put(cf::CHECKPOINTS, &k, &codec::encode_unlimited(checkpoint));
    }

    /// Deletes a group's checkpoints above a Lamport number.
    pub fn drop_checkpoints_after(&mut self, group: &GroupId, lamport: u64) {
        let from = key(&[&group.0, &(lamport + 1).to_be_bytes()]);
        let to = key(&[&group.0, &[0xff; 9]]);
        self.writes
            .push(Write::DeleteRange(cf::CHECKPOINTS, from, to));
    }

    /// Stores an event that waits for `missing` parents.
    pub fn put_pending(&mut self, group: &GroupId, event: &SignedEvent, missing: &[EventId]) {
        let value = codec::encode_unlimited(&(event.record(), missing));
        self.put(cf::PENDING, &key(&[&group.0, &event.id.0]), &value);
        for parent in missing {
            self.put(cf::MISSING, &key(&[&parent.0, &event.id.0]), &group.0);
        }
    }

    /// Removes a pending event once it is accepted or refused.
    pub fn delete_pending(&mut self, group: &GroupId, id: &EventId, missing: &[EventId]) {
        self.delete(cf::PENDING, key(&[&group.0, &id.0]));
        for parent in missing {
            self.delete(cf::MISSING, key(&[&parent.0, &id.0]));
        }
    }

    /// Keeps refused bytes with the reason, keyed by their hash (so the same
    /// bytes are kept once).
    pub fn quarantine(&mut self, raw: &[u8], reason: &str) {
        let k = blake3::hash(raw);
        let value = codec::encode_unlimited(&(reason, raw));
        self.put(cf::QUARANTINE, k.as_bytes(), &value);
    }
}

impl Store {
    /// A new, empty batch of writes.
    pub fn batch(&self) -> StoreBatch {
        StoreBatch::default()
    }

    /// Writes a batch atomically and durably (fsync before returning).
    pub fn commit(&self, batch: StoreBatch) -> Result<(), StoreError> {
        let mut inner = WriteBatch::default();
        for write in &batch.writes {
            match write {
                Write::Put(family, k, v) => inner.put_cf(self.handle(family), k, v),
                Write::Delete(family, k) => inner.delete_cf(self.handle(family), k),
                Write::DeleteRange(family, from, to) => {
                    inner.delete_range_cf(self.handle(family), from, to)
                }
            }
        }
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        self.db.write_opt(inner, &opts).map_err(|e| self.io(e))
    }
}
