//! The writes of one command, committed atomically and durably.

use std::collections::BTreeSet;
use std::collections::HashSet;

use rocksdb::WriteBatch;
use rocksdb::WriteOptions;

use super::cf;
use super::layout;
use super::layout::ChainKey;
use super::layout::OrderKey;
use super::layout::ViewSlot;
use super::log::LogEntry;
use super::log::LogHead;
use super::member_pages;
use super::records::CheckpointRecord;
use super::records::EventMetaRecord;
use super::records::GroupStateRecord;
use super::records::HeadRecord;
use super::records::LogHeadRecord;
use super::records::PendingRecord;
use super::records::QuarantineRecord;
use super::records::SelfNameRecord;
use super::row_digests::RowDigests;
use super::view_rows;
use super::view_rows::KeyRowRecord;
use super::EventMeta;
use super::GroupState;
use super::Store;
use super::StoreError;
use crate::model::codec::Contract;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::ParentRef;
use crate::model::event::PublicKey;
use crate::model::hash;
use crate::model::signed::SignedEvent;
use crate::model::signed::SIGNATURE_BYTES;
use crate::rules::projection::Checkpoint;
use crate::rules::projection::Frontier;
use crate::rules::projection::InertRegion;
use crate::rules::projection::OrderedEvent;
use crate::rules::view::View;

/// What the store holds of a group's view rows, for
/// [`StoreBatch::put_group_state`].
pub enum StoredRows<'a> {
    /// Nothing, or nothing known: every row is written over a cleared range.
    Unknown,
    /// The rows of the state being written: only its record is written.
    Same,
    /// The rows of this frontier's view and base.
    Of(&'a StoredFrontier),
}

/// What a writer keeps of the frontier the store holds, once it changes it:
/// enough to write only the rows that differ.
pub struct StoredFrontier {
    pub view: StoredView,
    /// `None`: no base is stored apart (the view is the base).
    pub base: Option<StoredView>,
    /// The open region's events as `(Lamport number, id)`: their keys.
    pub region: Vec<(u64, EventId)>,
}

impl StoredFrontier {
    /// A region's keys, kept instead of its events.
    pub fn region_keys(region: &[OrderedEvent]) -> Vec<(u64, EventId)> {
        region.iter().map(|e| (e.lamport, e.id)).collect()
    }

    /// What a writer keeps of a frontier the store holds before changing
    /// it in place: the marks of its views, or the row digests of unmarked
    /// ones.
    pub fn of(frontier: &Frontier) -> StoredFrontier {
        StoredFrontier {
            view: StoredView::of(&frontier.view),
            base: frontier.base.as_ref().map(StoredView::of),
            region: StoredFrontier::region_keys(&frontier.region),
        }
    }

    /// A frontier the store holds, kept as row digests: rows are found by
    /// comparing.
    pub fn compared(frontier: &Frontier) -> StoredFrontier {
        StoredFrontier {
            region: StoredFrontier::region_keys(&frontier.region),
            view: StoredView::digests_of(&frontier.view),
            base: frontier.base.as_ref().map(StoredView::digests_of),
        }
    }
}

/// One view as the store holds its rows.
pub enum StoredView {
    /// Its rows' digests: the rows to write are found by comparing.
    Digests(Box<RowDigests>),
    /// The mark it had when read ([`View::mark_stored`]): a view computed
    /// from it by changes alone names the keys it changed, and no copy is
    /// kept. Anything else is written whole.
    Marked(u64),
}

impl StoredView {
    /// The stored view as kept for a later write: its mark when it has one,
    /// else its rows' digests. Either way the view may then be given up.
    pub fn of(view: &View) -> StoredView {
        match view.stored_mark() {
            Some(mark) => StoredView::Marked(mark),
            None => StoredView::digests_of(view),
        }
    }

    /// The stored view as its rows' digests, whatever its mark.
    pub fn digests_of(view: &View) -> StoredView {
        StoredView::Digests(Box::new(RowDigests::of(view)))
    }
}

/// One write, kept as plain data until commit, where the column-family
/// handles (borrowed from the store) are at hand.
enum Write {
    Put(&'static str, Vec<u8>, Vec<u8>),
    Delete(&'static str, Vec<u8>),
    DeleteRange(&'static str, Vec<u8>, Vec<u8>),
}

/// How [`StoreBatch::put_view_rows`] wrote a view's rows, as its member
/// pages need to know.
enum RowsWritten<'v> {
    /// All of them, over a cleared range.
    Whole,
    /// Those of `keys`, over the rows `old` describes (`None`: a view
    /// marked stored, which recorded the owners of the devices it linked or
    /// unlinked).
    Changed {
        keys: Vec<PublicKey>,
        old: Option<&'v RowDigests>,
    },
}

/// The writes of one command, committed together by [`Store::commit`].
#[derive(Default)]
pub struct StoreBatch {
    writes: Vec<Write>,
    /// At least what RocksDB's batch of these writes takes
    /// ([`WRITE_OVERHEAD`] each), so that it is allocated once.
    bytes: usize,
}

/// RocksDB's bytes around one write in a batch, at most: a tag, the
/// column family and two lengths, as varints.
const WRITE_OVERHEAD: usize = 16;

/// RocksDB's header of a batch (sequence number and count).
const BATCH_HEADER: usize = 12;

impl StoreBatch {
    pub(super) fn put(&mut self, family: &'static str, key: &[u8], value: &[u8]) {
        self.bytes += key.len() + value.len() + WRITE_OVERHEAD;
        self.writes
            .push(Write::Put(family, key.to_vec(), value.to_vec()));
    }

    /// [`StoreBatch::put`] of a key and value built for it: not copied.
    fn put_owned(&mut self, family: &'static str, key: Vec<u8>, value: Vec<u8>) {
        self.bytes += key.len() + value.len() + WRITE_OVERHEAD;
        self.writes.push(Write::Put(family, key, value));
    }

    fn delete(&mut self, family: &'static str, key: Vec<u8>) {
        self.bytes += key.len() + WRITE_OVERHEAD;
        self.writes.push(Write::Delete(family, key));
    }

    fn delete_range(&mut self, family: &'static str, from: Vec<u8>, to: Vec<u8>) {
        self.bytes += from.len() + to.len() + WRITE_OVERHEAD;
        self.writes.push(Write::DeleteRange(family, from, to));
    }

    /// Records (or updates) what the store knows about an event.
    pub fn put_meta(&mut self, id: &EventId, meta: &EventMeta) {
        self.put(cf::STATUS, &id.0, &EventMetaRecord::from(meta).to_bytes());
    }

    /// Appends an entry to the local log (the head is set once per commit).
    pub fn append_log(&mut self, entry: &LogEntry) {
        self.put(cf::LOG, &entry.key(), &entry.value());
    }

    /// Records the name this store's identity goes by locally.
    pub fn set_self_name(&mut self, name: &str) {
        let value = SelfNameRecord(name.to_string()).to_bytes();
        self.put(cf::META, layout::META_SELF_NAME, &value);
    }

    /// Records the local log's head.
    pub fn set_log_head(&mut self, head: &LogHead) {
        self.put(
            cf::META,
            layout::META_LOG_HEAD,
            &LogHeadRecord::from(head).to_bytes(),
        );
    }

    /// Deletes a group's `removed` heads and stores its `added` ones, each
    /// with its Lamport number.
    pub fn replace_heads(
        &mut self,
        group: &GroupId,
        removed: &[(EventId, u64)],
        added: &[(ParentRef, u64)],
    ) {
        // Only what changed: a group with 100,000 concurrent heads must not
        // rewrite them all for one new event.
        for (id, lamport) in removed {
            self.delete(cf::HEADS, layout::head_key(group, *lamport, id));
        }
        for (head, lamport) in added {
            let record = HeadRecord {
                head: *head,
                lamport: *lamport,
            };
            self.put(
                cf::HEADS,
                &layout::head_key(group, *lamport, &head.id),
                &record.to_bytes(),
            );
        }
    }

    /// Records what changed of a group's inert region events (kept outside
    /// its projection record, `Advance::inert`).
    pub fn update_inert(&mut self, group: &GroupId, inert: &InertRegion) {
        if inert.reset {
            let (from, to) = (group.0.to_vec(), layout::group_end(group));
            self.delete_range(cf::INERT, from, to);
        }
        for (author, id) in &inert.added {
            self.put(cf::INERT, &layout::inert_key(group, author, id), &[]);
        }
    }

    /// Records a group's projection: its record, the rows of its view and
    /// base that differ from what the store holds (`stored`), and, when
    /// `state.members_listed`, its member pages: those its changes touched,
    /// or all of them when the store's listing was not current
    /// (`was_listed` false: the parts of an import before its last).
    /// Returns the digests of the view's rows as written, when it compared
    /// them by digests (they describe what the store then holds).
    pub fn put_group_state(
        &mut self,
        group: &GroupId,
        state: &GroupState,
        stored: StoredRows<'_>,
        was_listed: bool,
    ) -> Option<Box<RowDigests>> {
        let record = GroupStateRecord::new(state);
        self.put(cf::PROJECTION, &group.0, &record.to_bytes());
        let frontier = &state.frontier;
        let listing = state.members_listed;
        let old = match stored {
            StoredRows::Same => {
                if listing && !was_listed {
                    self.put_member_pages(group, &frontier.view, RowsWritten::Whole);
                }
                return None;
            }
            StoredRows::Unknown => None,
            StoredRows::Of(old) => Some(old),
        };
        self.put_region_keys(group, &frontier.region, old.map(|o| o.region.as_slice()));
        let old_base = old.and_then(|o| o.base.as_ref());
        let (written, digests) =
            self.put_view_rows(group, ViewSlot::View, &frontier.view, old.map(|o| &o.view));
        match written {
            _ if !listing => {}
            // Pages the store does not hold cannot be changed: all of them.
            RowsWritten::Changed { .. } if !was_listed => {
                self.put_member_pages(group, &frontier.view, RowsWritten::Whole)
            }
            written => self.put_member_pages(group, &frontier.view, written),
        }
        match &frontier.base {
            Some(base) => {
                // A base's digests are not handed on: an import's next part
                // reads the base's mark, not a comparison (`take_frontier`).
                self.put_view_rows(group, ViewSlot::Base, base, old_base);
            }
            None if old_base.is_some() || old.is_none() => {
                self.delete_view_rows(group, ViewSlot::Base)
            }
            None => {}
        }
        digests.map(Box::new)
    }

    /// Lists the open region's events in `region` where they differ from
    /// `old`'s (all of them, over a cleared range, when `old` is unknown):
    /// an import chunk writes the events it added to the region, not the
    /// whole region again.
    fn put_region_keys(
        &mut self,
        group: &GroupId,
        region: &[OrderedEvent],
        old: Option<&[(u64, EventId)]>,
    ) {
        let key = |lamport: u64, id: EventId| {
            OrderKey {
                group: *group,
                lamport,
                id,
            }
            .to_bytes()
        };
        let Some(old) = old else {
            let (from, to) = (group.0.to_vec(), layout::group_end(group));
            self.delete_range(cf::REGION, from, to);
            for e in region {
                self.put(cf::REGION, &key(e.lamport, e.id), &[]);
            }
            return;
        };
        let was: HashSet<EventId> = old.iter().map(|(_, id)| *id).collect();
        let is: HashSet<EventId> = region.iter().map(|e| e.id).collect();
        for (lamport, id) in old.iter().filter(|(_, id)| !is.contains(id)) {
            self.delete(cf::REGION, key(*lamport, *id));
        }
        for e in region.iter().filter(|e| !was.contains(&e.id)) {
            self.put(cf::REGION, &key(e.lamport, e.id), &[]);
        }
    }

    /// Writes the rows of `view` into `slot` where they differ from `old`'s:
    /// the keys `view` changed since `old`'s mark, or those a comparison with
    /// its row digests finds; all of them, over a cleared slot, when neither
    /// is known. Hands back the new rows' digests when it compared digests.
    fn put_view_rows<'v>(
        &mut self,
        group: &GroupId,
        slot: ViewSlot,
        view: &View,
        old: Option<&'v StoredView>,
    ) -> (RowsWritten<'v>, Option<RowDigests>) {
        let changed = match old {
            Some(StoredView::Marked(mark)) => view.changed_since(*mark),
            _ => None,
        };
        // `compared`: the digests the rows were compared with, if any;
        // `None` when every row was written over a cleared slot.
        // `digests`: the new rows', when they were compared by digests.
        let (put, gone, compared, digests) = match (changed, old) {
            (Some(changed), _) => {
                let (put, gone) = view_rows::changed_rows(view, changed);
                (put, gone, Some(None), None)
            }
            (None, Some(StoredView::Digests(old))) => {
                let (put, gone, new) = old.changes(view);
                (put, gone, Some(Some(&**old)), Some(new))
            }
            (None, _) => {
                self.delete_view_rows(group, slot);
                let (put, gone) = view_rows::row_changes(view, &View::empty(view.group));
                (put, gone, None, None)
            }
        };
        let written = match compared {
            None => RowsWritten::Whole,
            Some(old) => RowsWritten::Changed {
                keys: put
                    .iter()
                    .map(|(k, _)| *k)
                    .chain(gone.iter().copied())
                    .collect(),
                old,
            },
        };
        for (key, row) in put {
            let value = KeyRowRecord::from(row).to_bytes();
            self.put(
                cf::VIEW_ROWS,
                &layout::view_row_key(group, slot, &key),
                &value,
            );
        }
        for key in gone {
            self.delete(cf::VIEW_ROWS, layout::view_row_key(group, slot, &key));
        }
        (written, digests)
    }

    /// Writes the member pages of a group's view (`member_pages`): all of
    /// them over a cleared range, or, for rows written as changes, the
    /// pages of the changed keys and of their devices' owners in the view
    /// and in the old one (a view marked stored recorded its owners among
    /// its changed keys itself).
    fn put_member_pages(&mut self, group: &GroupId, view: &View, written: RowsWritten<'_>) {
        let RowsWritten::Changed { keys, old } = written else {
            let (from, to) = layout::member_pages_range(group);
            self.delete_range(cf::MEMBER_PAGES, from, to);
            for (page, value) in member_pages::all_pages(view) {
                self.put_owned(
                    cf::MEMBER_PAGES,
                    layout::member_page_key(group, page),
                    value,
                );
            }
            return;
        };
        let mut listed = BTreeSet::new();
        for key in keys {
            listed.insert(key);
            listed.extend(view.devices().get(&key).map(|d| d.member));
            listed.extend(old.and_then(|old| old.owner(&key)));
        }
        for (page, value) in member_pages::changed_pages(view, &listed) {
            let key = layout::member_page_key(group, page);
            match value {
                Some(value) => self.put_owned(cf::MEMBER_PAGES, key, value),
                None => self.delete(cf::MEMBER_PAGES, key),
            }
        }
    }

    fn delete_view_rows(&mut self, group: &GroupId, slot: ViewSlot) {
        let (from, to) = layout::view_rows_range(group, slot);
        self.delete_range(cf::VIEW_ROWS, from, to);
    }

    /// Stores a checkpoint: the view at a cut.
    pub fn put_checkpoint(&mut self, group: &GroupId, checkpoint: &Checkpoint) {
        let k = layout::checkpoint_key(group, checkpoint.lamport);
        let value = CheckpointRecord::from(checkpoint).to_bytes();
        self.put(cf::CHECKPOINTS, &k, &value);
    }

    /// Deletes a group's checkpoints above a Lamport number.
    pub fn drop_checkpoints_after(&mut self, group: &GroupId, lamport: u64) {
        let from = layout::checkpoint_key(group, lamport.saturating_add(1));
        let to = layout::checkpoint_end(group);
        self.delete_range(cf::CHECKPOINTS, from, to);
    }

    /// Stores an event that waits for `missing` parents.
    pub fn put_pending(&mut self, group: &GroupId, event: &SignedEvent, missing: &[EventId]) {
        let value = PendingRecord::new(event, missing).to_bytes();
        self.put(cf::PENDING, &layout::pending_key(group, &event.id), &value);
        for parent in missing {
            let k = layout::missing_key(parent, &event.id);
            self.put(cf::MISSING, &k, &group.0);
        }
    }

    /// Removes a pending event once it is accepted or refused.
    pub fn delete_pending(&mut self, group: &GroupId, id: &EventId, missing: &[EventId]) {
        self.delete(cf::PENDING, layout::pending_key(group, id));
        for parent in missing {
            self.delete(cf::MISSING, layout::missing_key(parent, id));
        }
    }

    /// Keeps refused bytes with the reason, keyed by their hash (so the same
    /// bytes are kept once).
    pub fn quarantine(&mut self, raw: &[u8], reason: &str) {
        let k = hash::quarantine_key(raw);
        let value = QuarantineRecord {
            reason: reason.to_string(),
            raw: raw.to_vec(),
        }
        .to_bytes();
        self.put(cf::QUARANTINE, &k, &value);
    }
}

/// What one event's two writes take in RocksDB's batch, at most: its
/// record, its order key (group, Lamport number, id) and its chain key
/// (group, author, seq, id).
fn event_write_bytes(event: &SignedEvent) -> usize {
    let keys = (2 * 32 + 8) + (3 * 32 + 8);
    SIGNATURE_BYTES + event.bytes.len() + keys + 2 * WRITE_OVERHEAD
}

impl Store {
    /// A new, empty batch of writes.
    pub fn batch(&self) -> StoreBatch {
        StoreBatch::default()
    }

    /// Writes a batch atomically and durably (fsync before returning). A
    /// transaction's commit, which also writes events, prepares and writes
    /// in two steps ([`Store::prepare_write`]).
    pub fn commit(&self, batch: StoreBatch) -> Result<(), StoreError> {
        self.write_prepared(self.prepare_write(batch, &[]))
    }

    /// RocksDB's batch for a store batch and accepted events: each event's
    /// record at its place in the group's order, and its chain index (its
    /// meta, with the verdict, is in the store batch,
    /// [`StoreBatch::put_meta`]). The events go from the caller's memory
    /// straight into RocksDB's batch: kept in the store batch first, a
    /// `gmm batch` of 100,000 ops held a second copy of them (90 MB). The
    /// caller may free what it built them from before the write, whose
    /// memtables are a large commit's peak.
    pub fn prepare_write(
        &self,
        batch: StoreBatch,
        events: &[(&SignedEvent, GroupId, u64)],
    ) -> PreparedWrite {
        let event_bytes: usize = events.iter().map(|(e, _, _)| event_write_bytes(e)).sum();
        // Sized once: grown by doubling, RocksDB's batch of 100,000 ops
        // reached 116 MB with its 58 MB predecessor still beside it.
        let mut inner = WriteBatch::with_capacity_bytes(batch.bytes + event_bytes + BATCH_HEADER);
        let (event_family, chain_family) = (self.handle(cf::EVENTS), self.handle(cf::CHAINS));
        let mut record = Vec::new();
        for &(event, group, lamport) in events {
            let order = OrderKey {
                group,
                lamport,
                id: event.id,
            };
            record.clear();
            event.write_record(&mut record);
            inner.put_cf(event_family, order.to_bytes(), &record);
            let chain = ChainKey {
                group,
                author: event.event.author,
                seq: event.event.seq,
                id: event.id,
            };
            inner.put_cf(chain_family, chain.to_bytes(), []);
        }
        // Consumed as it is copied into RocksDB's batch, so the two copies of
        // a large import chunk are never both whole.
        for write in batch.writes {
            match write {
                Write::Put(family, k, v) => inner.put_cf(self.handle(family), k, v),
                Write::Delete(family, k) => inner.delete_cf(self.handle(family), k),
                Write::DeleteRange(family, from, to) => {
                    inner.delete_range_cf(self.handle(family), from, to)
                }
            }
        }
        PreparedWrite(inner)
    }

    /// Writes a prepared batch atomically and durably (fsync before
    /// returning): all of it or none.
    pub fn write_prepared(&self, prepared: PreparedWrite) -> Result<(), StoreError> {
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        self.db.write_opt(prepared.0, &opts).map_err(|e| self.io(e))
    }
}

/// One commit's writes in RocksDB's own batch, ready to be written
/// ([`Store::prepare_write`]).
pub struct PreparedWrite(WriteBatch);
