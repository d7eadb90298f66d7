//! One write transaction on a store: accepted events, their log entries and
//! indexes, the heads, and each touched group's projection, all committed in
//! one RocksDB write batch (SPEC §5).
//!
//! Both ways events enter a store go through here: the identity's own appends
//! ([`crate::append`]) and imports ([`crate::ingest`]). Accepted events are
//! queued per group and projected with [`projection::advance`] when the group's
//! view is next needed, or at commit; the projection never replays the log
//! unless an import reaches back behind the latest cut (SPEC §3).

use std::collections::BTreeMap;
use std::collections::HashMap;

use crate::error::Error;
use crate::error::Result;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::ParentRef;
use crate::event::PublicKey;
use crate::event::SignedEvent;
use crate::projection;
use crate::projection::Checkpoint;
use crate::projection::Frontier;
use crate::projection::History;
use crate::projection::NewEvent;
use crate::projection::OrderedEvent;
use crate::projection::Verdict;
use crate::store::log::LogHead;
use crate::store::EventMeta;
use crate::store::GroupState;
use crate::store::Store;
use crate::store::StoreBatch;
use crate::store::StoreError;
use crate::store::StoreHistory;
use crate::view::View;

/// A group as this transaction sees it.
struct GroupWork {
    state: GroupState,
    /// Heads as stored, to be replaced at commit.
    stored_heads: Vec<ParentRef>,
    /// Current heads with their Lamport numbers.
    heads: BTreeMap<EventId, (ParentRef, u64)>,
    /// Accepted, not yet projected.
    queued: Vec<NewEvent>,
    /// Accepted and projected in this transaction (not yet in the store).
    projected: Vec<OrderedEvent>,
    /// Checkpoints written in this transaction, and the lowest drop point.
    checkpoints: BTreeMap<u64, Checkpoint>,
    dropped_after: Option<u64>,
    /// Latest `(seq, id)` per author accepted in this transaction.
    last_seq: HashMap<PublicKey, (u64, EventId)>,
}

/// One transaction; nothing is written until [`Transaction::commit`].
pub struct Transaction<'s> {
    store: &'s Store,
    batch: StoreBatch,
    /// The local log's head, read at the first append (not when the
    /// transaction opens: another may commit in between, and this one must
    /// chain onto what that one wrote).
    log: Option<LogHead>,
    groups: BTreeMap<GroupId, GroupWork>,
    /// Metadata of events accepted or re-judged in this transaction.
    metas: HashMap<EventId, EventMeta>,
    accepted: Vec<SignedEvent>,
    /// Position in `accepted` by id.
    accepted_index: HashMap<EventId, usize>,
    /// Reach of the events queued for projection (see `NewEvent`).
    reach: HashMap<EventId, u64>,
}

impl<'s> Transaction<'s> {
    pub fn new(store: &'s Store) -> Result<Transaction<'s>> {
        Ok(Transaction {
            store,
            batch: store.batch(),
            log: None,
            groups: BTreeMap::new(),
            metas: HashMap::new(),
            accepted: Vec::new(),
            accepted_index: HashMap::new(),
            reach: HashMap::new(),
        })
    }

    pub fn store(&self) -> &'s Store {
        self.store
    }

    /// Direct access to the batch, for records outside the projection
    /// (pending events, quarantine).
    pub fn batch(&mut self) -> &mut StoreBatch {
        &mut self.batch
    }

    /// Events accepted so far, in order.
    pub fn accepted(&self) -> &[SignedEvent] {
        &self.accepted
    }

    /// What the store (or this transaction) knows about an accepted event.
    pub fn meta(&self, id: &EventId) -> Result<Option<EventMeta>> {
        match self.metas.get(id) {
            Some(meta) => Ok(Some(meta.clone())),
            None => Ok(self.store.event_meta(id)?),
        }
    }

    /// An accepted event, from this transaction or the store.
    pub fn event(&self, id: &EventId) -> Result<Option<SignedEvent>> {
        if let Some(&i) = self.accepted_index.get(id) {
            return Ok(Some(self.accepted[i].clone()));
        }
        Ok(self.store.event(id)?)
    }

    fn work(&mut self, group: &GroupId) -> Result<&mut GroupWork> {
        if !self.groups.contains_key(group) {
            let state = self
                .store
                .group_state(group)?
                .ok_or_else(|| Error::UnknownGroup {
                    query: group.to_hex(),
                })?;
            let stored_heads = self.store.heads(group)?;
            let mut heads = BTreeMap::new();
            for head in &stored_heads {
                let lamport = self.store.event_meta(&head.id)?.map_or(0, |m| m.lamport);
                heads.insert(head.id, (*head, lamport));
            }
            self.groups
                .insert(*group, new_work(state, stored_heads, heads));
        }
        // Cannot fail: inserted just above when absent.
        Ok(self.groups.get_mut(group).expect("group loaded"))
    }

    /// The group's view with everything accepted so far.
    pub fn view(&mut self, group: &GroupId) -> Result<&View> {
        self.project(group)?;
        Ok(self.work(group)?.state.view())
    }

    /// The group's current heads with their Lamport numbers, sorted.
    pub fn heads(&mut self, group: &GroupId) -> Result<Vec<(ParentRef, u64)>> {
        let mut heads: Vec<_> = self.work(group)?.heads.values().copied().collect();
        heads.sort();
        Ok(heads)
    }

    /// The author's latest `(seq, id)` in a group.
    pub fn last_seq(
        &mut self,
        group: &GroupId,
        author: &PublicKey,
    ) -> Result<Option<(u64, EventId)>> {
        let stored = self.store.last_seq(group, author)?;
        let ours = self.work(group)?.last_seq.get(author).copied();
        Ok(stored.max(ours))
    }

    /// Accepts an event whose parents are all present and whose links were
    /// checked: stores it, logs it, and queues it for its group's projection.
    pub fn accept(&mut self, event: SignedEvent) -> Result<()> {
        let group = event.group();
        if event.event.parents.is_empty() {
            let state = GroupState {
                frontier: Frontier::empty(group),
                event_count: 0,
            };
            self.groups
                .insert(group, new_work(state, Vec::new(), BTreeMap::new()));
        }
        let mut lamport = 0;
        let mut reach = 0;
        for parent in &event.event.parents {
            let parent_lamport = self
                .meta(&parent.id)?
                .ok_or_else(|| StoreError::Corrupt {
                    path: self.store.dir().to_owned(),
                    what: format!(
                        "parent {} of an accepted event is missing",
                        parent.id.short()
                    ),
                })?
                .lamport;
            lamport = lamport.max(parent_lamport + 1);
            // A parent still queued for projection passes on its own reach.
            let queued = self.reach.get(&parent.id).copied();
            reach = reach.max(queued.unwrap_or(parent_lamport));
        }
        let log = match self.log {
            Some(log) => log,
            None => self.store.log_head()?,
        };
        let (entry, head) = log.next(event.id);
        let meta = EventMeta {
            group,
            lamport,
            log_index: entry.index,
            verdict: Verdict::Effective,
        };
        self.batch.insert_event(&event, &meta);
        self.batch.append_log(&entry);
        self.log = Some(head);
        self.metas.insert(event.id, meta);
        let work = self.work(&group)?;
        for parent in &event.event.parents {
            work.heads.remove(&parent.id);
        }
        work.heads.insert(event.id, (event.as_parent(), lamport));
        work.state.event_count += 1;
        let own = work
            .last_seq
            .entry(event.event.author)
            .or_insert((0, event.id));
        if event.event.seq >= own.0 {
            *own = (event.event.seq, event.id);
        }
        work.queued.push(NewEvent {
            event: OrderedEvent::new(&event, lamport),
            reach,
        });
        self.reach.insert(event.id, reach);
        self.accepted_index.insert(event.id, self.accepted.len());
        self.accepted.push(event);
        Ok(())
    }

    /// Projects the group's queued events (SPEC §3, incrementally).
    fn project(&mut self, group: &GroupId) -> Result<()> {
        self.work(group)?;
        // Taken out of the map while the batch and metadata are updated.
        let Some(mut work) = self.groups.remove(group) else {
            return Ok(());
        };
        let result = self.project_work(group, &mut work);
        self.groups.insert(*group, work);
        result
    }

    fn project_work(&mut self, group: &GroupId, work: &mut GroupWork) -> Result<()> {
        if work.queued.is_empty() {
            return Ok(());
        }
        let queued = std::mem::take(&mut work.queued);
        for n in &queued {
            self.reach.remove(&n.event.id);
        }
        let history = TxHistory {
            inner: self.store.history(*group),
            work,
        };
        let result = projection::advance(&work.state.frontier, &queued, &history)?;
        work.projected.extend(queued.into_iter().map(|n| n.event));
        if let Some(after) = result.drop_checkpoints_after {
            self.batch.drop_checkpoints_after(group, after);
            work.checkpoints.retain(|l, _| *l <= after);
            work.dropped_after = Some(work.dropped_after.map_or(after, |d| d.min(after)));
        }
        for checkpoint in result.checkpoints {
            self.batch.put_checkpoint(group, &checkpoint);
            work.checkpoints.insert(checkpoint.lamport, checkpoint);
        }
        work.state.frontier = result.frontier;
        for (id, verdict) in result.verdicts {
            let Some(mut meta) = self.meta(&id)? else {
                continue;
            };
            if meta.verdict != verdict || self.metas.contains_key(&id) {
                meta.verdict = verdict;
                self.batch.put_meta(&id, &meta);
                self.metas.insert(id, meta);
            }
        }
        Ok(())
    }

    /// Projects every group and writes everything in one batch.
    pub fn commit(mut self) -> Result<Vec<SignedEvent>> {
        let groups: Vec<GroupId> = self.groups.keys().copied().collect();
        for group in &groups {
            self.project(group)?;
        }
        if let Some(head) = &self.log {
            self.batch.set_log_head(head);
        }
        for (group, work) in &self.groups {
            let heads: Vec<ParentRef> = work.heads.values().map(|(p, _)| *p).collect();
            self.batch.replace_heads(group, &work.stored_heads, &heads);
            self.batch.put_group_state(group, &work.state);
        }
        self.store.commit(self.batch)?;
        Ok(self.accepted)
    }
}

fn new_work(
    state: GroupState,
    stored_heads: Vec<ParentRef>,
    heads: BTreeMap<EventId, (ParentRef, u64)>,
) -> GroupWork {
    GroupWork {
        state,
        stored_heads,
        heads,
        queued: Vec::new(),
        projected: Vec::new(),
        checkpoints: BTreeMap::new(),
        dropped_after: None,
        last_seq: HashMap::new(),
    }
}

/// The store's history of a group plus what this transaction already
/// projected, so going back to a checkpoint sees uncommitted work too.
struct TxHistory<'a> {
    inner: StoreHistory<'a>,
    work: &'a GroupWork,
}

impl History for TxHistory<'_> {
    type Error = StoreError;

    fn events_after(&self, lamport: Option<u64>) -> Result<Vec<OrderedEvent>, StoreError> {
        let mut events = self.inner.events_after(lamport)?;
        let ours = self.work.projected.iter();
        events.extend(
            ours.filter(|e| lamport.is_none_or(|l| e.lamport > l))
                .cloned(),
        );
        events.sort_by_key(|e| (e.lamport, e.id));
        Ok(events)
    }

    fn checkpoint_at_or_before(&self, lamport: u64) -> Result<Option<Checkpoint>, StoreError> {
        let ours = self
            .work
            .checkpoints
            .range(..=lamport)
            .next_back()
            .map(|(_, c)| c);
        let stored = match self.work.dropped_after {
            Some(d) => self.inner.checkpoint_at_or_before(lamport.min(d))?,
            None => self.inner.checkpoint_at_or_before(lamport)?,
        };
        Ok(match (ours, stored) {
            (Some(a), Some(b)) if b.lamport > a.lamport => Some(b),
            (Some(a), _) => Some(a.clone()),
            (None, b) => b,
        })
    }

    fn other_at(&self, author: &PublicKey, seq: u64, id: &EventId) -> Result<bool, StoreError> {
        let ours = self.work.projected.iter();
        let here = ours
            .clone()
            .any(|e| e.author == *author && e.seq == seq && e.id != *id);
        Ok(here || self.inner.other_at(author, seq, id)?)
    }

    fn last_seq(&self, author: &PublicKey) -> Result<Option<u64>, StoreError> {
        let ours = self.work.projected.iter().filter(|e| e.author == *author);
        let ours = ours.map(|e| e.seq).max();
        Ok(self.inner.last_seq(author)?.max(ours))
    }
}
