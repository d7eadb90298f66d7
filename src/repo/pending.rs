//! Pending events (SPEC §4 `pending`): events whose parents or `prev` are not
//! stored yet. One owner, behind the transaction: events held by this
//! transaction, events held by earlier ones (in the store), and which of those
//! this transaction released. Nothing else reads or writes pending records.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::collections::HashSet;

use crate::error::Result;
use crate::model::event::EventId;
use crate::model::signed::SignedEvent;
use crate::store::Store;
use crate::store::StoreBatch;

/// The most pending events a store holds (SPEC §4 pending, bounded): past
/// it, an event whose parents are missing is not stored (`over-pending-limit`
/// in the import's counts) until its parents arrive or `gmm pending drop`
/// makes room. 100,000 pending events take about 50 MB.
pub const MAX_PENDING: u64 = 100_000;

/// An event waiting for parents, and where it waits.
#[derive(Clone, Debug)]
pub struct Waiting {
    pub event: SignedEvent,
    /// The ids it was held for when it was stored; `None` when it was held
    /// in this transaction (nothing stored to delete).
    stored_missing: Option<Vec<EventId>>,
}

/// The pending events one transaction sees.
#[derive(Default)]
pub struct Pending {
    /// Held in this transaction: id → (event, missing ids).
    held: HashMap<EventId, (SignedEvent, Vec<EventId>)>,
    /// Missing id → events of this transaction waiting for it.
    waiting: HashMap<EventId, Vec<EventId>>,
    /// Stored pending events this transaction released (accepted or refused).
    released: HashSet<EventId>,
    released_count: u64,
    /// Pending events in the store when first asked (counted once).
    stored: Option<u64>,
    /// Whether the store holds any pending event, read once: usually it
    /// holds none, and then neither the lookup per offered event (`holds`)
    /// nor the seek per accepted one (`waiting_for`) asks the store.
    stored_any: OnceCell<bool>,
}

impl Pending {
    /// Is the event held, here or in the store (and not released here)?
    pub fn holds(&self, store: &Store, event: &SignedEvent) -> Result<bool> {
        if self.held.contains_key(&event.id) {
            return Ok(true);
        }
        if !self.store_holds_any(store)? {
            return Ok(false);
        }
        let stored = store.is_pending(&event.group(), &event.id)?;
        Ok(stored && !self.released.contains(&event.id))
    }

    /// Does the store hold any pending event? Read once: this transaction's
    /// own writes reach the store only at its commit.
    fn store_holds_any(&self, store: &Store) -> Result<bool> {
        match self.stored_any.get() {
            Some(&any) => Ok(any),
            None => {
                let any = store.holds_pending()?;
                Ok(*self.stored_any.get_or_init(|| any))
            }
        }
    }

    /// Is there room to hold one more event under [`MAX_PENDING`]?
    pub fn has_room(&mut self, store: &Store) -> Result<bool> {
        let stored = match self.stored {
            Some(n) => n,
            None => {
                let n = store.pending_groups()?.iter().map(|(_, n)| n).sum();
                *self.stored.insert(n)
            }
        };
        let held = stored + self.held.len() as u64;
        Ok(held.saturating_sub(self.released.len() as u64) < MAX_PENDING)
    }

    /// Holds an event until `missing` arrive.
    pub fn hold(&mut self, event: SignedEvent, missing: Vec<EventId>) {
        for m in &missing {
            self.waiting.entry(*m).or_default().push(event.id);
        }
        self.held.insert(event.id, (event, missing));
    }

    /// The held events (here or stored) that wait for `arrived`. They stay
    /// held until [`Pending::release`].
    pub fn waiting_for(&mut self, store: &Store, arrived: &EventId) -> Result<Vec<Waiting>> {
        let mut out = Vec::new();
        for child in self.waiting.remove(arrived).unwrap_or_default() {
            if let Some((event, _)) = self.held.get(&child) {
                out.push(Waiting {
                    event: event.clone(),
                    stored_missing: None,
                });
            }
        }
        if !self.store_holds_any(store)? {
            return Ok(out);
        }
        for (group, child) in store.waiting_for(arrived)? {
            if self.released.contains(&child) {
                continue;
            }
            if let Some(p) = store.pending_event(&group, &child)? {
                out.push(Waiting {
                    event: p.event,
                    stored_missing: Some(p.missing),
                });
            }
        }
        Ok(out)
    }

    /// Stops holding an event: its parents are all here now.
    pub fn release(&mut self, waiting: &Waiting, batch: &mut StoreBatch) {
        let event = &waiting.event;
        match &waiting.stored_missing {
            Some(missing) => {
                self.released.insert(event.id);
                batch.delete_pending(&event.group(), &event.id, missing);
            }
            None => {
                self.held.remove(&event.id);
            }
        }
        self.released_count += 1;
    }

    /// How many held events this transaction released.
    pub fn released_count(&self) -> u64 {
        self.released_count
    }

    /// Writes the events still held here, for a later transaction.
    pub fn write(self, batch: &mut StoreBatch) {
        for (event, missing) in self.held.values() {
            batch.put_pending(&event.group(), event, missing);
        }
    }
}

/// Drops every pending event of `group` (`gmm pending drop`): events whose
/// parents never arrived, or of a group this store does not hold. Returns
/// how many were dropped. They are not evidence (nothing was wrong with their
/// bytes), so they are not quarantined; a peer can send them again.
pub fn drop_group(store: &Store, group: &crate::model::event::GroupId) -> Result<u64> {
    let pending = store.pending(group)?;
    let mut batch = store.batch();
    for p in &pending {
        batch.delete_pending(group, &p.event.id, &p.missing);
    }
    store.commit(batch)?;
    Ok(pending.len() as u64)
}
