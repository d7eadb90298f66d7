//! A group's stored events as the projection's [`History`]: what the
//! incremental path reads when it must go back to a checkpoint.

use rocksdb::Direction;
use rocksdb::IteratorMode;

use super::cf;
use super::Store;
use super::StoreError;
use crate::codec;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::PublicKey;
use crate::projection::Checkpoint;
use crate::projection::History;
use crate::projection::OrderedEvent;

/// One group of one store.
pub struct StoreHistory<'s> {
    pub store: &'s Store,
    pub group: GroupId,
}

impl History for StoreHistory<'_> {
    type Error = StoreError;

    fn events_after(&self, lamport: Option<u64>) -> Result<Vec<OrderedEvent>, StoreError> {
        let store = self.store;
        let from = match lamport {
            Some(l) => [&self.group.0[..], &(l + 1).to_be_bytes()].concat(),
            None => self.group.0.to_vec(),
        };
        let iter = store.db.iterator_cf(
            store.handle(cf::BY_GROUP),
            IteratorMode::From(&from, Direction::Forward),
        );
        let mut out = Vec::new();
        for item in iter {
            let (key, _) = item.map_err(|e| store.io(e))?;
            if !key.starts_with(&self.group.0) {
                break;
            }
            let id = <[u8; 32]>::try_from(&key[40..])
                .map(EventId)
                .map_err(|_| store.corrupt("bad group index key"))?;
            let lamport = u64::from_be_bytes(
                key[32..40]
                    .try_into()
                    .map_err(|_| store.corrupt("bad group index key"))?,
            );
            let event = store.event(&id)?.ok_or_else(|| {
                store.corrupt(&format!("indexed event {} is missing", id.short()))
            })?;
            out.push(OrderedEvent::new(&event, lamport));
        }
        Ok(out)
    }

    fn checkpoint_at_or_before(&self, lamport: u64) -> Result<Option<Checkpoint>, StoreError> {
        let store = self.store;
        let upper = [&self.group.0[..], &lamport.to_be_bytes()].concat();
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
                codec::decode_unlimited(&value)
                    .map(Some)
                    .map_err(|e| store.corrupt(&format!("checkpoint: {e}")))
            }
            None => Ok(None),
        }
    }

    fn other_at(&self, author: &PublicKey, seq: u64, id: &EventId) -> Result<bool, StoreError> {
        let prefix = [&self.group.0[..], &author.0, &seq.to_be_bytes()].concat();
        let others = self.store.scan_prefix(cf::CHAINS, &prefix)?;
        Ok(others.iter().any(|(k, _)| k[72..] != id.0))
    }

    fn last_seq(&self, author: &PublicKey) -> Result<Option<u64>, StoreError> {
        Ok(self
            .store
            .last_seq(&self.group, author)?
            .map(|(seq, _)| seq))
    }
}

impl Store {
    /// The group's stored events, for the projection.
    pub fn history(&self, group: GroupId) -> StoreHistory<'_> {
        StoreHistory { store: self, group }
    }
}
