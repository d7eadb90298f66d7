//! One write transaction on a store: the single owner of everything a command
//! writes. Accepted events, their log entries and indexes, pending events,
//! quarantine, the heads, and each touched group's projection are committed in
//! one RocksDB write batch (SPEC §5); callers never reach the store or the
//! batch around it.
//!
//! Both ways events enter a store go through here: the identity's own drafts
//! ([`crate::repo::append`]; ids do not depend on signatures, so drafts are
//! signed in parallel, ahead of the commit or at it) and imported events
//! ([`crate::repo::ingest`]).
//! Imported events are queued per group and projected with
//! [`projection::advance`] when the group's view is next needed, or at commit.
//! A local draft that cites every head is projected as it is accepted: it is
//! the only head, so rule 3 reduces to "the newest event decides", its op is
//! applied to the view in place and the frontier closes on it
//! ([`projection::close_on_sole_head`]). Authoring many ops never
//! re-projects; the projection never replays the log unless an import
//! reaches back behind the latest cut (SPEC §3).

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::collections::HashSet;

use rayon::prelude::*;

use crate::error::Error;
use crate::error::Result;
use crate::model::event::Event;
use crate::model::event::EventError;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::Op;
use crate::model::event::ParentRef;
use crate::model::event::PublicKey;
use crate::model::event::ViewHash;
use crate::model::keys::SecretKey;
use crate::model::signed::Draft;
use crate::model::signed::SignedEvent;
use crate::repo::heads::GroupHeads;
use crate::repo::pending::Pending;
use crate::repo::pending::Waiting;
use crate::repo::sign_ahead::Signature;
use crate::rules::links::Ancestry;
use crate::rules::projection;
use crate::rules::projection::Checkpoint;
use crate::rules::projection::Frontier;
use crate::rules::projection::History;
use crate::rules::projection::InertRegion;
use crate::rules::projection::NewEvent;
use crate::rules::projection::OrderedEvent;
use crate::rules::projection::Verdict;
use crate::rules::view::Unnamed;
use crate::rules::view::View;
use crate::store::log::LogHead;
use crate::store::row_digests::RowDigests;
use crate::store::EventMeta;
use crate::store::GroupState;
use crate::store::Store;
use crate::store::StoreBatch;
use crate::store::StoreError;
use crate::store::StoreHistory;
use crate::store::StoredFrontier;
use crate::store::StoredRows;
use crate::store::StoredView;

/// A group as this transaction sees it: the one copy of its heads, its
/// authors' last seqs and its view, for imports and local authoring alike.
struct GroupWork {
    state: GroupState,
    /// What the store holds of the group's view rows, so the commit writes
    /// only the rows that changed.
    stored: Stored,
    heads: GroupHeads,
    /// What projections in this transaction changed of the inert region
    /// events, and their authors (`History::inert_by`).
    inert: InertRegion,
    inert_authors: HashSet<PublicKey>,
    /// Accepted, not yet projected.
    queued: Vec<NewEvent>,
    /// Accepted and projected in this transaction (not yet in the store).
    projected: Vec<OrderedEvent>,
    /// Checkpoints written in this transaction, and the lowest drop point.
    checkpoints: BTreeMap<u64, Checkpoint>,
    dropped_after: Option<u64>,
    /// Latest `(seq, id)` per author accepted in this transaction.
    last_seq: HashMap<PublicKey, (u64, EventId)>,
    /// Each author's latest `(seq, id)` in the store, once asked.
    stored_last_seq: HashMap<PublicKey, Option<(u64, EventId)>>,
    /// The digests of the stored view's rows, handed on by the previous
    /// commit of this writer (`Stored::AsIs` only); after this
    /// transaction's commit, those of the rows it wrote.
    carried_digests: Option<Box<RowDigests>>,
}

impl GroupWork {
    fn new(group: GroupId, state: GroupState, stored: Stored) -> GroupWork {
        GroupWork {
            heads: GroupHeads::stored(group, state.head_count),
            state,
            stored,
            inert: InertRegion::default(),
            inert_authors: HashSet::new(),
            queued: Vec::new(),
            projected: Vec::new(),
            checkpoints: BTreeMap::new(),
            dropped_after: None,
            last_seq: HashMap::new(),
            stored_last_seq: HashMap::new(),
            carried_digests: None,
        }
    }

    /// Takes the frontier out for a projection, which starts from its base
    /// and changes it in place. The first time, what the commit needs of
    /// the stored frontier is kept: its region's keys, and of each view its
    /// mark ([`View::mark_stored`]), or its rows' digests (a view beside a
    /// base is given up: the projection starts from the base).
    fn take_frontier(&mut self) -> Frontier {
        let group = self.state.frontier.view.group;
        let mut frontier = std::mem::replace(&mut self.state.frontier, Frontier::empty(group));
        if let Stored::AsIs = self.stored {
            let view = match frontier.base {
                // The projection starts from the base and does not read the
                // view beside it: its rows' digests are kept for the
                // commit's comparison, and the view is given up now, before
                // the projection builds the next one.
                Some(_) => {
                    let digests = match self.carried_digests.take() {
                        Some(carried) => StoredView::Digests(carried),
                        None => StoredView::digests_of(&frontier.view),
                    };
                    frontier.view = View::empty(group);
                    digests
                }
                None => StoredView::of(&frontier.view),
            };
            self.stored = Stored::Was(Box::new(StoredFrontier {
                view,
                base: frontier.base.as_ref().map(StoredView::of),
                region: StoredFrontier::region_keys(&frontier.region),
            }));
        }
        frontier
    }

    /// Puts a projected frontier in place of the one taken.
    fn replace_frontier(&mut self, frontier: Frontier) {
        self.state.frontier = frontier;
    }

    /// The frontier, to change in place: what the commit needs of the
    /// stored one is kept the first time (marks, or row digests of unmarked
    /// views).
    fn frontier_to_change(&mut self) -> &mut Frontier {
        if let Stored::AsIs = self.stored {
            // Marks say what changes; a carried comparison is not needed.
            self.carried_digests = None;
            self.stored = Stored::Was(Box::new(StoredFrontier::of(&self.state.frontier)));
        }
        &mut self.state.frontier
    }

    /// Projects a local draft whose op [`View::apply_unnamed`] applied to
    /// the frontier's view, now that its id is known: names it there, and
    /// closes the frontier on it ([`projection::close_on_sole_head`]).
    /// Returns the checkpoint due at it, if any, to store.
    fn close_on_draft(&mut self, unnamed: Unnamed, event: OrderedEvent) -> Option<Checkpoint> {
        let frontier = self.frontier_to_change();
        frontier.view.name_applied(unnamed, event.id);
        let checkpoint = projection::close_on_sole_head(frontier, event.id, event.lamport);
        // As after any cut `advance` reports: nothing inert is left open.
        self.inert.reset = true;
        self.inert.added.clear();
        self.inert_authors.clear();
        self.heads.projected();
        self.projected.push(event);
        checkpoint
    }
}

/// A group's state as a commit wrote it, for the same writer's next
/// transaction ([`Transaction::adopt`]).
pub struct WrittenState {
    pub group: GroupId,
    pub state: GroupState,
    /// The digests of its view's rows as written, when the commit compared
    /// them by digests: the next part of an import, which compares with
    /// them, need not hash the view again.
    pub row_digests: Option<Box<RowDigests>>,
}

impl WrittenState {
    /// A group's state as its commit writes it; the rest of its work (the
    /// events projected in the transaction, their checkpoints and seqs) is
    /// left behind.
    fn of((group, work): (GroupId, GroupWork)) -> WrittenState {
        let mut state = work.state;
        // Its rows are written: the next writer's changes count from here.
        state.frontier.view.mark_stored();
        if let Some(base) = &mut state.frontier.base {
            base.mark_stored();
        }
        WrittenState {
            group,
            state,
            row_digests: work.carried_digests,
        }
    }
}

/// What the store holds of a group's view rows while a transaction works on it.
enum Stored {
    /// Nothing: the group is new in this transaction.
    Nothing,
    /// The rows of the group's state as it is: nothing changed them yet.
    AsIs,
    /// What the commit needs of the state's frontier before its first
    /// change: the marks of its views, or row digests of unmarked ones.
    Was(Box<StoredFrontier>),
}

/// An accepted event: signed (imported), or a local draft signed at commit.
enum Accepted {
    Signed(SignedEvent),
    Draft(Draft),
}

impl Accepted {
    fn event(&self) -> &Event {
        match self {
            Accepted::Signed(s) => &s.event,
            Accepted::Draft(d) => &d.event,
        }
    }
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
    accepted: Vec<Accepted>,
    /// Position in `accepted` by id.
    accepted_index: HashMap<EventId, usize>,
    /// Reach of the events queued for projection (see `NewEvent`).
    reach: HashMap<EventId, u64>,
    pending: Pending,
    /// A projection failed: the group it worked on lost its frontier (the
    /// projection takes it), so this transaction must never be written.
    broken: bool,
    /// Drafts' signatures made ahead of the commit, by id.
    signed_ahead: HashMap<EventId, Signature>,
    /// Whether the commit writes the groups' member pages
    /// ([`Transaction::leave_members_unlisted`]).
    list_members: bool,
}

impl<'s> Transaction<'s> {
    pub fn new(store: &'s Store) -> Transaction<'s> {
        Transaction {
            store,
            batch: store.batch(),
            log: None,
            groups: BTreeMap::new(),
            metas: HashMap::new(),
            accepted: Vec::new(),
            accepted_index: HashMap::new(),
            reach: HashMap::new(),
            pending: Pending::default(),
            broken: false,
            signed_ahead: HashMap::new(),
            list_members: true,
        }
    }

    /// The commit leaves the groups' member pages as they are and records
    /// that they do not list the view (`GroupState::members_listed`): for
    /// the parts of an import before its last, which lists each group once
    /// (`docs/store.md`). A reader then lists from the view, and the next
    /// commit that lists writes all the pages.
    pub fn leave_members_unlisted(&mut self) {
        self.list_members = false;
    }

    /// The local drafts accepted so far, in order, with their ids.
    pub fn drafts(&self) -> impl Iterator<Item = (EventId, &Event)> {
        self.accepted.iter().filter_map(|a| match a {
            Accepted::Draft(d) => Some((d.id, &d.event)),
            Accepted::Signed(_) => None,
        })
    }

    /// What the store (or this transaction) knows about an accepted event.
    pub fn meta(&self, id: &EventId) -> Result<Option<EventMeta>> {
        match self.metas.get(id) {
            Some(meta) => Ok(Some(meta.clone())),
            None => Ok(self.store.event_meta(id)?),
        }
    }

    /// An accepted event's content, from this transaction or the store.
    pub fn event(&self, id: &EventId) -> Result<Option<Event>> {
        if let Some(&i) = self.accepted_index.get(id) {
            return Ok(Some(self.accepted[i].event().clone()));
        }
        Ok(self.store.event(id)?.map(|s| s.event))
    }

    fn work(&mut self, group: &GroupId) -> Result<&mut GroupWork> {
        if !self.groups.contains_key(group) {
            let state = self
                .store
                .group_state(group)?
                .ok_or_else(|| Error::UnknownGroup {
                    query: group.to_hex(),
                    suggestions: Vec::new(),
                })?;
            self.groups
                .insert(*group, GroupWork::new(*group, state, Stored::AsIs));
        }
        // Cannot fail: inserted just above when absent.
        Ok(self.groups.get_mut(group).expect("group loaded"))
    }

    /// The group's view with everything accepted so far.
    pub fn view(&mut self, group: &GroupId) -> Result<&View> {
        self.project(group)?;
        Ok(self.work(group)?.state.view())
    }

    /// The parents of a new event by an author whose previous event is
    /// `prev`: the group's heads, at most 64 ([`GroupHeads::parents_for`]).
    pub fn parents_for(
        &mut self,
        group: &GroupId,
        prev: Option<EventId>,
    ) -> Result<Vec<ParentRef>> {
        let prev = match prev {
            Some(id) => Some((id, self.held_meta(&id)?.lamport)),
            None => None,
        };
        let store = self.store;
        self.work(group)?.heads.parents_for(store, prev)
    }

    /// The author's latest `(seq, id)` in a group.
    pub fn last_seq(
        &mut self,
        group: &GroupId,
        author: &PublicKey,
    ) -> Result<Option<(u64, EventId)>> {
        let store = self.store;
        let work = self.work(group)?;
        // The store does not change while the transaction works: read once.
        let stored = match work.stored_last_seq.get(author) {
            Some(stored) => *stored,
            None => {
                let stored = store.last_seq(group, author)?;
                work.stored_last_seq.insert(*author, stored);
                stored
            }
        };
        Ok(stored.max(work.last_seq.get(author).copied()))
    }

    /// Accepts an imported event whose parents are all present and whose
    /// links were checked: logs it and queues it for its group's projection.
    pub fn accept(&mut self, event: SignedEvent) -> Result<()> {
        let (id, group) = (event.id, event.group());
        if event.event.parents.is_empty() {
            let state = GroupState {
                frontier: Frontier::empty(group),
                event_count: 0,
                head_count: 0,
                members_listed: false,
            };
            self.groups
                .insert(group, GroupWork::new(group, state, Stored::Nothing));
        }
        let new = self.admit(Accepted::Signed(event), id, group)?;
        self.queue(group, new);
        Ok(())
    }

    /// Accepts a local event, drafted on the group's current heads by the
    /// store's identity and checked by the caller (rule 2): fills in its
    /// `view` field (SPEC §2: the view after it), names it, and projects it.
    /// It is signed at [`Transaction::commit`].
    ///
    /// A draft that cites every head is the group's only head, with the
    /// whole view in its past. On a chain (no open region) projecting it is
    /// applying its op in place ([`GroupWork::close_on_draft`]). After an
    /// open region the projection resolves the region with it, which an op
    /// applied on top does not always match (a key both added and linked
    /// concurrently): its view hash is that resolution's
    /// ([`Transaction::view_hash_after_region`]), and it is queued. With more
    /// than 64 heads a draft cites only some (`docs/decisions.md`); its view
    /// is then that of the past it cites, and it is queued too.
    pub fn accept_draft(&mut self, mut event: Event) -> Result<EventId> {
        event.check_shape().map_err(local_shape_error)?;
        if let Op::Create { .. } = event.op {
            return self.accept_create(event);
        }
        let group = event.group;
        let author = event.author;
        self.project(&group)?;
        if !self.cites_every_head(&group, &event.parents)? {
            // Its view field (SPEC §2) and its authority (rule 2) are those
            // of exactly the past it cites, replayed.
            let mut past = self.view_of_past(&group, &event.parents)?;
            past.authorize(&author, &event.op)?;
            past.apply(EventId::default(), &author, &event.op);
            event.view = past.hash();
            return self.admit_queued(group, event);
        }
        if self.work(&group)?.state.frontier.base.is_some() {
            event.view = self.view_hash_after_region(&group, &event)?;
            return self.admit_queued(group, event);
        }
        let view = &mut self.work(&group)?.frontier_to_change().view;
        // Rule 2 as the projection would judge it (the caller checked it too).
        view.authorize(&author, &event.op)?;
        let unnamed = view.apply_unnamed(&author, &event.op);
        event.view = view.hash();
        // The view holds the op now: a failure from here on leaves the
        // transaction unwritable.
        let result = Draft::of_checked(event)
            .map_err(local_shape_error)
            .and_then(|draft| self.admit_projected(group, draft, unnamed));
        self.broken |= result.is_err();
        result
    }

    /// The view hash of a draft that cites every head after an open region:
    /// the region resolved with it ([`projection::sole_head_view_hash`], as
    /// the projection will when the draft is queued, and as the audit
    /// does), not its op applied on top, which can differ. Costs a copy of
    /// the base and region and their resolution, once per transaction (the
    /// drafts after it are on a chain).
    fn view_hash_after_region(&self, group: &GroupId, event: &Event) -> Result<ViewHash> {
        // Cannot fail: the caller loaded the group.
        let work = self.groups.get(group).expect("group loaded");
        // Rule 2 as the projection would judge it (the caller checked it too).
        work.state
            .frontier
            .view
            .authorize(&event.author, &event.op)?;
        let mut reach = 0;
        for parent in &event.parents {
            reach = reach.max(self.held_meta(&parent.id)?.lamport);
        }
        let unnamed = OrderedEvent::from_event(EventId::default(), event, reach + 1);
        let new = NewEvent {
            event: unnamed,
            reach,
        };
        let history = TxHistory {
            inner: self.store.history(*group),
            work,
        };
        Ok(projection::sole_head_view_hash(
            &work.state.frontier,
            &new,
            &history,
        )?)
    }

    /// Starts a new group with a local `Create`, projected at once.
    fn accept_create(&mut self, mut event: Event) -> Result<EventId> {
        // The view hash covers the group id, which is this very event's id;
        // a Create's `view` is therefore the hash with a zero group.
        let mut view = View::empty(GroupId::default());
        let unnamed = view.apply_unnamed(&event.author, &event.op);
        event.view = view.hash();
        let draft = Draft::of_checked(event).map_err(local_shape_error)?;
        let id = draft.id;
        view.group = id;
        let state = GroupState {
            frontier: Frontier {
                view,
                ..Frontier::empty(id)
            },
            event_count: 0,
            head_count: 0,
            members_listed: false,
        };
        self.groups
            .insert(id, GroupWork::new(id, state, Stored::Nothing));
        let result = self.admit_projected(id, draft, unnamed);
        self.broken |= result.is_err();
        result
    }

    /// Names and logs a local draft, and queues it for its group's next
    /// projection.
    fn admit_queued(&mut self, group: GroupId, event: Event) -> Result<EventId> {
        let draft = Draft::of_checked(event).map_err(local_shape_error)?;
        let id = draft.id;
        let new = self.admit(Accepted::Draft(draft), id, group)?;
        self.queue(group, new);
        Ok(id)
    }

    /// Names, logs and projects a local draft whose op is applied to its
    /// group's view: the frontier closes on it.
    fn admit_projected(
        &mut self,
        group: GroupId,
        draft: Draft,
        unnamed: Unnamed,
    ) -> Result<EventId> {
        let id = draft.id;
        let new = self.admit(Accepted::Draft(draft), id, group)?;
        // Cannot fail: `admit` loaded the group.
        let work = self.groups.get_mut(&group).expect("group loaded");
        if let Some(checkpoint) = work.close_on_draft(unnamed, new.event) {
            self.batch.put_checkpoint(&group, &checkpoint);
            work.checkpoints.insert(checkpoint.lamport, checkpoint);
        }
        Ok(id)
    }

    /// Does an event citing `parents` cite every head of the group?
    fn cites_every_head(&mut self, group: &GroupId, parents: &[ParentRef]) -> Result<bool> {
        if parents.len() != self.work(group)?.heads.count() {
            return Ok(false);
        }
        for parent in parents {
            let lamport = self.held_meta(&parent.id)?.lamport;
            let store = self.store;
            if !self
                .work(group)?
                .heads
                .contains(store, &parent.id, lamport)?
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The view of the past of `parents` (accepted events of this
    /// transaction or the store), by a replay of that past. O(past): only
    /// used when an event cannot cite every head.
    fn view_of_past(&self, group: &GroupId, parents: &[ParentRef]) -> Result<View> {
        let corrupt = |id: &EventId| StoreError::Corrupt {
            path: self.store.dir().to_owned(),
            what: format!("event {} in a cited past is missing", id.short()),
        };
        projection::view_of_past(*group, parents.iter().map(|p| p.id), &mut |id| {
            let event = self.event(id)?.ok_or_else(|| corrupt(id))?;
            let lamport = self.meta(id)?.ok_or_else(|| corrupt(id))?.lamport;
            Ok(OrderedEvent::from_event(*id, &event, lamport))
        })
    }

    /// The ancestry (`rules::links::Ancestry`) of an event being accepted
    /// whose one parent is `parent`, held with `parent_meta`.
    fn ancestry_of_child(&self, parent: EventId, parent_meta: &EventMeta) -> Result<Ancestry> {
        let jump = parent_meta.ancestry.jump;
        let jump_meta = self.held_meta(&jump)?;
        let jump_jump = jump_meta.ancestry.jump;
        let depths = [
            parent_meta.lamport,
            jump_meta.lamport,
            self.held_meta(&jump_jump)?.lamport,
        ];
        Ok(Ancestry::child_of(
            parent,
            &parent_meta.ancestry,
            jump_jump,
            depths,
        ))
    }

    /// The metadata of an event this store or transaction holds; its absence
    /// is damage (an accepted event's ancestors are all accepted).
    fn held_meta(&self, id: &EventId) -> Result<EventMeta> {
        self.meta(id)?.ok_or_else(|| {
            StoreError::Corrupt {
                path: self.store.dir().to_owned(),
                what: format!("ancestor {} of an accepted event is missing", id.short()),
            }
            .into()
        })
    }

    /// The common part of accepting: Lamport number, log entry, metadata,
    /// heads and last seq. Returns the event as the projection takes it.
    fn admit(&mut self, accepted: Accepted, id: EventId, group: GroupId) -> Result<NewEvent> {
        let event = accepted.event();
        let mut lamport = 0;
        let mut reach = 0;
        let mut ancestry = Ancestry::root(id);
        let mut parents: Vec<(EventId, u64)> = Vec::with_capacity(event.parents.len());
        for parent in &event.parents {
            let parent_meta = self.held_meta(&parent.id)?;
            parents.push((parent.id, parent_meta.lamport));
            lamport = lamport.max(parent_meta.lamport + 1);
            // A parent still queued for projection passes on its own reach.
            let queued = self.reach.get(&parent.id).copied();
            reach = reach.max(queued.unwrap_or(parent_meta.lamport));
            if event.parents.len() == 1 {
                ancestry = self.ancestry_of_child(parent.id, &parent_meta)?;
            }
        }
        let log = match self.log {
            Some(log) => log,
            None => self.store.log_head()?,
        };
        let (entry, head) = log.next(id);
        let meta = EventMeta {
            group,
            lamport,
            log_index: entry.index,
            verdict: Verdict::Effective,
            ancestry,
        };
        self.batch.append_log(&entry);
        self.log = Some(head);
        self.metas.insert(id, meta);
        let ordered = OrderedEvent::from_event(id, event, lamport);
        let as_parent = ParentRef {
            author: event.author,
            seq: event.seq,
            id,
        };
        self.work(&group)?;
        let store = self.store;
        let reach_of = &self.reach;
        // Cannot fail: `work` just loaded it.
        let work = self.groups.get_mut(&group).expect("group loaded");
        let queued = |p: &EventId| reach_of.contains_key(p);
        work.heads
            .cite(store, (as_parent, lamport), &parents, queued)?;
        work.state.event_count += 1;
        let own = work.last_seq.entry(as_parent.author).or_insert((0, id));
        if as_parent.seq >= own.0 {
            *own = (as_parent.seq, id);
        }
        self.accepted_index.insert(id, self.accepted.len());
        self.accepted.push(accepted);
        Ok(NewEvent {
            event: ordered,
            reach,
        })
    }

    /// Queues an accepted event for its group's next projection.
    fn queue(&mut self, group: GroupId, new: NewEvent) {
        self.reach.insert(new.event.id, new.reach);
        // Cannot fail: `admit` loaded the group.
        let work = self.groups.get_mut(&group).expect("group loaded");
        work.queued.push(new);
    }

    /// Is this event already accepted, or held as pending?
    pub fn is_known(&self, event: &SignedEvent) -> Result<bool> {
        Ok(self.meta(&event.id)?.is_some() || self.pending.holds(self.store, event)?)
    }

    /// Holds an event until its missing parents arrive (SPEC §4 `pending`).
    pub fn hold_pending(&mut self, event: SignedEvent, missing: Vec<EventId>) {
        self.pending.hold(event, missing);
    }

    /// May one more event be held as pending (the store's bound)?
    pub fn pending_has_room(&mut self) -> Result<bool> {
        self.pending.has_room(self.store)
    }

    /// The pending events, here or stored, that wait for `arrived`.
    pub fn waiting_for(&mut self, arrived: &EventId) -> Result<Vec<Waiting>> {
        self.pending.waiting_for(self.store, arrived)
    }

    /// Stops holding a pending event whose parents have all arrived.
    pub fn release_pending(&mut self, waiting: &Waiting) {
        self.pending.release(waiting, &mut self.batch);
    }

    /// How many pending events this transaction released.
    pub fn released_count(&self) -> u64 {
        self.pending.released_count()
    }

    /// Keeps refused bytes with the reason (SPEC §4 quarantine).
    pub fn quarantine(&mut self, raw: &[u8], reason: &str) {
        self.batch.quarantine(raw, reason);
    }

    /// Projects the group's queued events (SPEC §3, incrementally).
    fn project(&mut self, group: &GroupId) -> Result<()> {
        self.work(group)?;
        // Taken out of the map while the batch and metadata are updated.
        let Some(mut work) = self.groups.remove(group) else {
            return Ok(());
        };
        let result = self.project_work(group, &mut work);
        self.broken |= result.is_err();
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
        // An error leaves the group's work without its frontier: the
        // transaction fails and is dropped unwritten.
        let frontier = work.take_frontier();
        let history = TxHistory {
            inner: self.store.history(*group),
            work,
        };
        let result = projection::advance(frontier, &queued, &history)?;
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
        work.replace_frontier(result.frontier);
        work.heads.projected();
        if result.inert.reset {
            work.inert.reset = true;
            work.inert.added.clear();
            work.inert_authors.clear();
        }
        work.inert_authors
            .extend(result.inert.added.iter().map(|(author, _)| *author));
        work.inert.added.extend(result.inert.added);
        for (id, verdict) in result.verdicts {
            let Some(mut meta) = self.meta(&id)? else {
                continue;
            };
            if meta.verdict != verdict || self.metas.contains_key(&id) {
                meta.verdict = verdict;
                self.metas.insert(id, meta);
            }
        }
        Ok(())
    }

    /// Signatures of drafts made ahead of the commit by `signer`
    /// ([`crate::repo::sign_ahead`]); the commit signs the others.
    pub fn signed_ahead(&mut self, signatures: HashMap<EventId, Signature>) {
        self.signed_ahead.extend(signatures);
    }

    /// Signs the drafts (in parallel, with `signer`, which must be their
    /// author, unless signed ahead), projects every group and writes
    /// everything in one batch.
    /// Returns the accepted events in the order they were accepted.
    pub fn commit(self, signer: Option<&SecretKey>) -> Result<Vec<SignedEvent>> {
        Ok(self.commit_then(signer, false)?.0)
    }

    /// [`Transaction::commit`], handing back each group's state as written:
    /// the same writer's next transaction [adopts](Transaction::adopt) them
    /// instead of reading them again (an import, chunk after chunk).
    pub fn commit_keeping_states(
        self,
        signer: Option<&SecretKey>,
    ) -> Result<(Vec<SignedEvent>, Vec<WrittenState>)> {
        self.commit_then(signer, true)
    }

    /// Commits; with `keep_states`, hands back each group's state as
    /// written, else none.
    fn commit_then(
        mut self,
        signer: Option<&SecretKey>,
        keep_states: bool,
    ) -> Result<(Vec<SignedEvent>, Vec<WrittenState>)> {
        if self.broken {
            return Err(Error::Internal(
                "a projection failed earlier in this command; nothing was written".into(),
            ));
        }
        let groups: Vec<GroupId> = self.groups.keys().copied().collect();
        for group in &groups {
            self.project(group)?;
        }
        let signed_ahead = std::mem::take(&mut self.signed_ahead);
        let accepted = sign_all(std::mem::take(&mut self.accepted), signer, signed_ahead)?;
        for (id, meta) in &self.metas {
            self.batch.put_meta(id, meta);
        }
        if let Some(head) = &self.log {
            self.batch.set_log_head(head);
        }
        for (group, work) in &mut self.groups {
            let heads = work.heads.changes();
            self.batch
                .replace_heads(group, &heads.removed, &heads.added);
            self.batch.update_inert(group, &work.inert);
            work.state.head_count = work.heads.count() as u64;
            let stored = match &work.stored {
                Stored::Nothing => StoredRows::Unknown,
                Stored::AsIs => StoredRows::Same,
                Stored::Was(frontier) => StoredRows::Of(frontier),
            };
            let was_listed = work.state.members_listed;
            work.state.members_listed = self.list_members;
            work.carried_digests =
                self.batch
                    .put_group_state(group, &work.state, stored, was_listed);
        }
        self.pending.write(&mut self.batch);
        // Where each event goes in its group's order: all the write needs
        // of the metas, which are in the batch now.
        let placed: Vec<(&SignedEvent, GroupId, u64)> = accepted
            .iter()
            // Cannot be absent: every accepted event got its meta in `admit`.
            .map(|event| {
                let meta = &self.metas[&event.id];
                (event, meta.group, meta.lamport)
            })
            .collect();
        // Everything RocksDB's batch and its write do not need goes before
        // them: a `gmm batch` of 100,000 adds held it all through the write,
        // whose memtables were its peak (`docs/decisions.md`).
        drop(self.metas);
        drop(self.accepted_index);
        drop(self.reach);
        let states: Vec<WrittenState> = match keep_states {
            true => self.groups.into_iter().map(WrittenState::of).collect(),
            false => {
                drop(self.groups);
                Vec::new()
            }
        };
        let prepared = self.store.prepare_write(self.batch, &placed);
        drop(placed);
        self.store.write_prepared(prepared)?;
        Ok((accepted, states))
    }

    /// Takes a group's state as the store holds it, handed back by this
    /// writer's previous commit ([`Transaction::commit_keeping_states`]):
    /// nothing is read, and only what changes is written.
    pub fn adopt(&mut self, written: WrittenState) {
        let mut work = GroupWork::new(written.group, written.state, Stored::AsIs);
        work.carried_digests = written.row_digests;
        self.groups.insert(written.group, work);
    }
}

/// Signs every draft in parallel (ids do not depend on signatures), but
/// those signed ahead by the signer.
fn sign_all(
    accepted: Vec<Accepted>,
    signer: Option<&SecretKey>,
    signed_ahead: HashMap<EventId, Signature>,
) -> Result<Vec<SignedEvent>> {
    accepted
        .into_par_iter()
        .map(|a| match (a, signer) {
            (Accepted::Signed(s), _) => Ok(s),
            (Accepted::Draft(d), Some(key)) if key.public() == d.event.author => {
                Ok(match signed_ahead.get(&d.id) {
                    Some(signature) => d.with_signature(*signature),
                    None => d.sign(key),
                })
            }
            (Accepted::Draft(d), _) => Err(Error::Internal(format!(
                "draft {} has no signer for its author",
                d.id.short()
            ))),
        })
        .collect()
}

/// An op made from local arguments that breaks the event's shape rules (a
/// title, name or member key) is a usage error, not malformed input (which is
/// what an import of someone else's bytes would be).
fn local_shape_error(error: EventError) -> Error {
    match error {
        EventError::Malformed(why) => Error::BadArgument(why),
        other => other.into(),
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

    fn head_count(&self) -> Result<usize, StoreError> {
        Ok(self.work.heads.projected_count())
    }

    fn is_head(&self, id: &EventId) -> Result<bool, StoreError> {
        Ok(self.work.heads.cited_since_projection(id))
    }

    fn inert_by(&self, author: &PublicKey) -> Result<bool, StoreError> {
        if self.work.inert_authors.contains(author) {
            return Ok(true);
        }
        Ok(!self.work.inert.reset && self.inner.inert_by(author)?)
    }
}
