//! A group's stored events as the projection's [`History`]: what the
//! incremental path reads when it must go back to a checkpoint.

use std::cell::OnceCell;

use rocksdb::Direction;
use rocksdb::IteratorMode;

use super::cf;
use super::layout;
use super::layout::ChainKey;
use super::records::CheckpointRecord;
use super::Store;
use super::StoreError;
use crate::model::codec::Contract;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::rules::projection::Checkpoint;
use crate::rules::projection::History;
use crate::rules::projection::OrderedEvent;

/// One group of one store.
pub struct StoreHistory<'s> {
    pub store: &'s Store,
    pub group: GroupId,
    /// Whether the group has any inert open-region event stored, read once:
    /// most groups have none, and an import asks about every key each new
    /// event names, each ask a prefix seek of its own.
    holds_inert: OnceCell<bool>,
}

impl History for StoreHistory<'_> {
    type Error = StoreError;

    fn events_after(&self, lamport: Option<u64>) -> Result<Vec<OrderedEvent>, StoreError> {
        self.events_from(lamport.map(|l| l.saturating_add(1)))
            .map(|item| item.map(|(event, lamport)| OrderedEvent::new(&event, lamport)))
            .collect()
    }

    fn checkpoint_at_or_before(&self, lamport: u64) -> Result<Option<Checkpoint>, StoreError> {
        let store = self.store;
        let upper = layout::checkpoint_key(&self.group, lamport);
        let mut iter = store.db.iterator_cf(
            store.handle(cf::CHECKPOINTS),
            IteratorMode::From(&upper, Direction::Reverse),
        );
        match iter.next() {
            Some(item) => {
                let (key, value) = item.map_err(|e| store.io(e))?;
                if !key.starts_with(&self.group.0) {
                    return Ok(None);
                }
                CheckpointRecord::from_bytes(&value)
                    .map(|r| Some(r.into()))
                    .map_err(|e| store.corrupt(&format!("checkpoint: {e}")))
            }
            None => Ok(None),
        }
    }

    fn other_at(&self, author: &PublicKey, seq: u64, id: &EventId) -> Result<bool, StoreError> {
        let prefix = ChainKey::seq_prefix(&self.group, author, seq);
        let others = self.store.scan_prefix(cf::CHAINS, &prefix)?;
        for (key, _) in &others {
            let chain = ChainKey::parse(key).ok_or_else(|| self.store.corrupt("bad chain key"))?;
            if chain.id != *id {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn last_seq(&self, author: &PublicKey) -> Result<Option<u64>, StoreError> {
        Ok(self
            .store
            .last_seq(&self.group, author)?
            .map(|(seq, _)| seq))
    }

    fn head_count(&self) -> Result<usize, StoreError> {
        let record = self.store.group_record(&self.group)?;
        let count = record.map_or(0, |r| r.head_count);
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    fn is_head(&self, id: &EventId) -> Result<bool, StoreError> {
        match self.store.event_meta(id)? {
            Some(meta) => self.store.is_head(&self.group, meta.lamport, id),
            None => Ok(false),
        }
    }

    fn inert_by(&self, author: &PublicKey) -> Result<bool, StoreError> {
        let holds_inert = match self.holds_inert.get() {
            Some(&holds) => holds,
            None => {
                let holds = self.store.holds_inert(&self.group)?;
                *self.holds_inert.get_or_init(|| holds)
            }
        };
        Ok(holds_inert && self.store.inert_by(&self.group, author)?)
    }
}

impl<'s> StoreHistory<'s> {
    /// The group's events with their Lamport numbers, from Lamport number
    /// `from` on (all when `None`), in topological order, each read as the
    /// caller goes: a replay or audit of any length holds one at a time.
    pub fn events_from(
        &self,
        from: Option<u64>,
    ) -> impl Iterator<Item = Result<(SignedEvent, u64), StoreError>> + '_ {
        self.store
            .group_events(&self.group, from)
            .map(|item| item.map(|(order, event)| (event, order.lamport)))
    }
}

impl Store {
    /// The group's stored events, for the projection.
    pub fn history(&self, group: GroupId) -> StoreHistory<'_> {
        StoreHistory {
            store: self,
            group,
            holds_inert: OnceCell::new(),
        }
    }
}
