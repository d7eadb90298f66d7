//! One segment of the projection: the events between two cuts, resolved from
//! the view at the first cut (see the module above for the terms).
//!
//! Within a segment, each event gets a verdict by rules 2 and 5, iterated to a
//! fixpoint because revocation (rule 5) looks sideways at concurrent events;
//! then the segment's view takes, per member, the maximal effective events
//! about that member (rules 3 and 4) and the title by rule 6.

use std::collections::BTreeSet;
use std::collections::HashMap;

use crate::model::event::EventId;
use crate::model::event::Op;
use crate::model::event::PublicKey;
use crate::model::event::Role;
use crate::model::prefix_runs::PrefixRuns;
use crate::rules::projection::OrderedEvent;
use crate::rules::view;
use crate::rules::view::CycleRemoval;
use crate::rules::view::Member;
use crate::rules::view::Roles;
use crate::rules::view::TitleConflict;
use crate::rules::view::View;

/// The outcome of the rules for one event.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Verdict {
    Effective,
    Unauthorized(String),
    /// Revoked by a concurrent effective removal or demotion of its author.
    Revoked {
        by: EventId,
    },
}

impl Verdict {
    /// The word for a verdict, as `gmm log` and JSON show it.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Effective => "effective",
            Verdict::Unauthorized(_) => "unauthorized",
            Verdict::Revoked { .. } => "revoked",
        }
    }

    pub fn is_effective(&self) -> bool {
        matches!(self, Verdict::Effective)
    }
}

/// Keyed 64-bit fingerprints of verdicts: what `audit` and `replay` keep of
/// each replayed verdict (8 bytes an event, whatever the verdict) to compare
/// with the stored one later. The key is random per instance, so no stored
/// record can be made to collide with a replayed verdict on purpose (a
/// chance collision is 2⁻⁶⁴ an event). Never 0, which a caller may keep for
/// "not judged".
pub struct VerdictFingerprints(std::hash::RandomState);

impl VerdictFingerprints {
    pub fn new() -> VerdictFingerprints {
        VerdictFingerprints(std::hash::RandomState::new())
    }

    /// The fingerprint of `verdict`; its low bit is set.
    pub fn of(&self, verdict: &Verdict) -> u64 {
        use std::hash::BuildHasher;
        self.0.hash_one(verdict) | 1
    }
}

impl Default for VerdictFingerprints {
    fn default() -> VerdictFingerprints {
        VerdictFingerprints::new()
    }
}

/// One event of a segment, as the rules see it: the ordered event (its id
/// and author through `Deref`, not copied: 56 bytes fewer an event, 5.6 MB
/// of the 100,000 concurrent leaves' resolution) with its parents as
/// segment indices.
#[derive(Clone, Debug)]
pub struct SegmentEvent<'a> {
    pub event: &'a OrderedEvent,
    /// `&event.op`, as the rules pass it.
    pub op: &'a Op,
    /// Indices (in the segment) of parents inside the segment. Parents before
    /// the segment are left out: they are all in the base.
    pub parents: Vec<usize>,
}

impl std::ops::Deref for SegmentEvent<'_> {
    type Target = OrderedEvent;

    fn deref(&self) -> &OrderedEvent {
        self.event
    }
}

/// A segment's events by the key they are about, as `(key, event)` pairs
/// sorted by key then event, with the first pair of each run of leading key
/// bits: one entry each and no allocation per key. A map of lists took about
/// 100 bytes and an allocation a key, and the 100,000 concurrent leaves are
/// 100,000 keys of one event each (`docs/benchmarks.md`). A lookup reads
/// its prefix's run, about one pair for random keys; keys crafted to share
/// a prefix cost a binary search of their run, never more.
struct EventsByKey {
    pairs: Vec<(PublicKey, usize)>,
    runs: PrefixRuns,
}

impl EventsByKey {
    fn new(mut pairs: Vec<(PublicKey, usize)>) -> EventsByKey {
        pairs.sort_unstable();
        let runs = PrefixRuns::new(pairs.iter().map(|(k, _)| &k.0));
        EventsByKey { pairs, runs }
    }

    /// The events about `key`, ascending.
    fn get(&self, key: &PublicKey) -> impl Iterator<Item = usize> + '_ {
        let run = &self.pairs[self.runs.run(&key.0, self.pairs.len())];
        let start = run.partition_point(|(k, _)| k < key);
        let end = start + run[start..].partition_point(|(k, _)| k == key);
        run[start..end].iter().map(|&(_, j)| j)
    }

    /// Each key once, ascending.
    fn keys(&self) -> impl Iterator<Item = &PublicKey> + '_ {
        let mut last = None;
        self.pairs.iter().filter_map(move |(k, _)| {
            let new = last != Some(k);
            last = Some(k);
            new.then_some(k)
        })
    }
}

/// Reachability inside a segment, sparse: the events are cut into chains
/// (each event continues the chain of one of its parents when that parent
/// ends its chain), and an event's past is, per chain it reaches, the highest
/// position reached. A linear history is one chain (one entry per event), a
/// wide fan of k concurrent events is k chains with empty pasts (nothing per
/// event): memory follows the DAG's merges, not k² (dense bit sets took
/// 1.25 GB for k = 100,000).
struct Reach {
    chain: Vec<u32>,
    pos: Vec<u32>,
    /// Per event: `(chain, highest position)` in its past, sorted by chain.
    past: Vec<Vec<(u32, u32)>>,
}

impl Reach {
    fn new(events: &[SegmentEvent<'_>]) -> Reach {
        let n = events.len();
        let mut chain = Vec::with_capacity(n);
        let mut pos = Vec::with_capacity(n);
        let mut tails: Vec<usize> = Vec::new();
        let mut past: Vec<Vec<(u32, u32)>> = Vec::with_capacity(n);
        for (i, e) in events.iter().enumerate() {
            let extends = e
                .parents
                .iter()
                .copied()
                .find(|&p| tails[chain[p] as usize] == p);
            let (c, q) = match extends {
                Some(p) => (chain[p], pos[p] + 1),
                None => {
                    tails.push(i);
                    ((tails.len() - 1) as u32, 0)
                }
            };
            tails[c as usize] = i;
            chain.push(c);
            pos.push(q);
            let mut merged: Vec<(u32, u32)> = Vec::new();
            for &p in &e.parents {
                merged.extend_from_slice(&past[p]);
                merged.push((chain[p], pos[p]));
            }
            merged.sort_unstable();
            // Keep the highest position per chain (the last of each run).
            let mut own: Vec<(u32, u32)> = Vec::with_capacity(merged.len());
            for (c, q) in merged {
                match own.last_mut() {
                    Some(last) if last.0 == c => last.1 = q,
                    _ => own.push((c, q)),
                }
            }
            past.push(own);
        }
        Reach { chain, pos, past }
    }

    /// Is event `j` in the past of event `i`?
    fn has(&self, i: usize, j: usize) -> bool {
        let c = self.chain[j];
        match self.past[i].binary_search_by_key(&c, |&(c, _)| c) {
            Ok(k) => self.past[i][k].1 >= self.pos[j],
            Err(_) => false,
        }
    }
}

/// Does `op` (by an event acting for `acting`) set `key`'s membership
/// (create, add, remove, leave)?
fn sets_membership(acting: &PublicKey, op: &Op, key: &PublicKey) -> bool {
    match op {
        Op::Create { .. } | Op::Leave => acting == key,
        Op::Add { member, .. } | Op::Remove { member } => member == key,
        Op::SetRole { .. }
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => false,
    }
}

/// The role `op` sets for the member it is about, if it sets one.
fn role_set(op: &Op) -> Option<Role> {
    match op {
        Op::Create { .. } => Some(Role::Owner),
        Op::Add { role, .. } | Op::SetRole { role, .. } => Some(*role),
        Op::Remove { .. }
        | Op::Leave
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => None,
    }
}

/// Does `op` make a member of whom it names (create, add)?
fn adds_member(op: &Op) -> bool {
    match op {
        Op::Create { .. } | Op::Add { .. } => true,
        Op::Remove { .. }
        | Op::Leave
        | Op::SetRole { .. }
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => false,
    }
}

/// Is `op` an Add (the only op that names a member)?
fn is_add(op: &Op) -> bool {
    match op {
        Op::Add { .. } => true,
        Op::Create { .. } | Op::Remove { .. } | Op::Leave | Op::SetRole { .. } => false,
        Op::SetTitle { .. } | Op::LinkDevice { .. } | Op::UnlinkDevice { .. } => false,
    }
}

/// Can `op` take part in a removal cycle (rule 5): a removal or role change?
fn is_removal_or_role_change(op: &Op) -> bool {
    match op {
        Op::Remove { .. } | Op::SetRole { .. } => true,
        Op::Create { .. }
        | Op::Add { .. }
        | Op::Leave
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => false,
    }
}

/// The title `op` sets, if it sets one (rule 6: create and set title).
fn title_set(op: &Op) -> Option<&str> {
    match op {
        Op::Create { title, .. } | Op::SetTitle { title } => Some(title),
        Op::Add { .. }
        | Op::Remove { .. }
        | Op::Leave
        | Op::SetRole { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => None,
    }
}

/// The key an op removes, demotes or unlinks: whom it could attack (rule 5).
fn attacked_key(op: &Op) -> Option<PublicKey> {
    match op {
        Op::Remove { member } | Op::SetRole { member, .. } => Some(*member),
        Op::UnlinkDevice { device } => Some(*device),
        Op::Create { .. }
        | Op::Add { .. }
        | Op::Leave
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. } => None,
    }
}

/// Does `op` take away the standing an event by `author`, acting for
/// `acting`, needs (`need`)? Removing or demoting the member below it, or
/// unlinking the device that signed it (rule 5's attacks, with devices).
fn attacks(op: &Op, author: &PublicKey, acting: &PublicKey, need: Role) -> bool {
    match op {
        Op::Remove { member } => member == acting,
        Op::SetRole { member, role } => member == acting && *role < need,
        Op::UnlinkDevice { device } => device == author && author != acting,
        Op::Create { .. }
        | Op::Add { .. }
        | Op::Leave
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. } => false,
    }
}

/// Resolves one segment from the view at the previous cut.
pub struct Segment<'s, 'a> {
    base: &'s View,
    events: &'s [SegmentEvent<'a>],
    /// Which segment events are in the past of which.
    reach: Reach,
    /// The member each event acts for: its author, or the member that
    /// linked the author as a device (in the base or in this segment).
    acting: Vec<PublicKey>,
    /// Events about each key: setting its membership, setting its role,
    /// linking or unlinking it as a device.
    membership_events: EventsByKey,
    role_events: EventsByKey,
    device_events: EventsByKey,
    /// Events that can attack (rule 5), by the key they remove, demote or
    /// unlink: judging an event looks only at those aimed at its author or
    /// member, not at every event of the segment.
    attackers_of: EventsByKey,
    /// Removal-cycle component of each event (None when in no cycle).
    cycle: Vec<Option<usize>>,
    verdicts: Vec<Verdict>,
    /// The author's role when the event was judged (for rule 6).
    author_role: Vec<Option<Role>>,
}

#[cfg(test)]
thread_local! {
    /// Set when a segment's verdicts stop at the pass bound without
    /// settling (a contrived odd cycle through authority,
    /// `docs/projection.md`): the laws that compare two resolutions hold
    /// only for segments that settle.
    pub(crate) static UNSETTLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl<'s, 'a> Segment<'s, 'a> {
    /// Resolves the events (in topological order) over `base`; returns each
    /// event's verdict and the view after the segment.
    pub fn resolve(base: &View, events: &[SegmentEvent<'a>]) -> (Vec<Verdict>, View) {
        if let [only] = events {
            return resolve_single(base, only);
        }
        let mut segment = Segment::new(base, events);
        segment.fixpoint();
        let view = segment.final_view();
        (segment.verdicts, view)
    }

    fn new(base: &'s View, events: &'s [SegmentEvent<'a>]) -> Segment<'s, 'a> {
        let n = events.len();
        let reach = Reach::new(events);
        let acting = acting_members(base, events);
        let (mut membership_events, mut role_events) = (Vec::new(), Vec::new());
        let (mut device_events, mut attackers_of) = (Vec::new(), Vec::new());
        for (i, e) in events.iter().enumerate() {
            if let Some(target) = e.op.target(acting[i]) {
                if sets_membership(&acting[i], e.op, &target) {
                    membership_events.push((target, i));
                }
                if role_set(e.op).is_some() {
                    role_events.push((target, i));
                }
            }
            if let Some(device) = e.op.device() {
                device_events.push((device, i));
            }
            if let Some(key) = attacked_key(e.op) {
                attackers_of.push((key, i));
            }
        }
        let mut segment = Segment {
            base,
            events,
            reach,
            acting,
            membership_events: EventsByKey::new(membership_events),
            role_events: EventsByKey::new(role_events),
            device_events: EventsByKey::new(device_events),
            attackers_of: EventsByKey::new(attackers_of),
            cycle: vec![None; n],
            verdicts: vec![Verdict::Effective; n],
            author_role: vec![None; n],
        };
        segment.cycle = segment.removal_cycles();
        segment
    }

    fn concurrent(&self, i: usize, j: usize) -> bool {
        i != j && !self.reach.has(i, j) && !self.reach.has(j, i)
    }

    /// Does event `j` attack event `i` (rule 5), ignoring verdicts?
    fn attack(&self, j: usize, i: usize) -> bool {
        let victim = &self.events[i];
        attacks(
            self.events[j].op,
            &victim.author,
            &self.acting[i],
            view::needed_role(victim.op),
        ) && self.concurrent(i, j)
    }

    /// Strongly connected components of the attack graph with two or more
    /// events: removal cycles (Tarjan's algorithm, iterative).
    fn removal_cycles(&self) -> Vec<Option<usize>> {
        let n = self.events.len();
        // Removals and role changes, by the keys whose loss would attack them.
        let mut by_key: HashMap<PublicKey, Vec<usize>> = HashMap::new();
        for i in (0..n).filter(|&i| is_removal_or_role_change(self.events[i].op)) {
            by_key.entry(self.acting[i]).or_default().push(i);
            if self.events[i].author != self.acting[i] {
                by_key.entry(self.events[i].author).or_default().push(i);
            }
        }
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (j, edges) in edges.iter_mut().enumerate() {
            if !is_removal_or_role_change(self.events[j].op) {
                continue;
            }
            let Some(victims) = attacked_key(self.events[j].op).and_then(|k| by_key.get(&k)) else {
                continue;
            };
            edges.extend(victims.iter().copied().filter(|&i| self.attack(j, i)));
            edges.sort_unstable();
            edges.dedup();
        }
        tarjan_cycles(&edges)
    }

    /// The events that could attack event `i` (rule 5), ascending: those
    /// aimed at its member, and an unlink of the device that signed it.
    fn candidate_attackers(&self, i: usize) -> Vec<usize> {
        let (acting, author) = (self.acting[i], self.events[i].author);
        let mut out: Vec<usize> = self.attackers_of.get(&acting).collect();
        if author != acting {
            out.extend(self.attackers_of.get(&author));
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    /// Re-judges every event until no verdict changes (bounded: a contrived
    /// odd cycle of authority could flip forever; the bound keeps the result
    /// a deterministic function of the set either way).
    fn fixpoint(&mut self) {
        for _ in 0..self.events.len() + 2 {
            let mut changed = false;
            for i in 0..self.events.len() {
                let (verdict, author_role) = self.judge(i);
                self.author_role[i] = author_role;
                if verdict != self.verdicts[i] {
                    self.verdicts[i] = verdict;
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
        #[cfg(test)]
        UNSETTLED.with(|unsettled| unsettled.set(true));
    }

    /// One event's verdict under the current verdicts of the others, and its
    /// author's role in its past.
    fn judge(&self, i: usize) -> (Verdict, Option<Role>) {
        let event = &self.events[i];
        let in_past = |j: usize| self.reach.has(i, j);
        let lookup = Lookup {
            segment: self,
            within: &in_past,
        };
        let author_role = lookup.role_of(&view::acting(&lookup, &event.author));
        if let Err(denied) = view::authorize(&lookup, &event.author, event.op) {
            return (Verdict::Unauthorized(denied.0), author_role);
        }
        let by = self.candidate_attackers(i).into_iter().find(|&j| {
            self.verdicts[j].is_effective()
                && self.attack(j, i)
                && (self.cycle[i].is_none() || self.cycle[i] != self.cycle[j])
        });
        let verdict = match by {
            Some(j) => Verdict::Revoked {
                by: self.events[j].id,
            },
            None => Verdict::Effective,
        };
        (verdict, author_role)
    }

    /// The maximal elements of `set` (none in the past of another).
    fn maximal(&self, set: &[usize]) -> Vec<usize> {
        set.iter()
            .copied()
            .filter(|&j| !set.iter().any(|&l| self.reach.has(l, j)))
            .collect()
    }

    /// The effective events about `key` within a set, for one kind of event.
    fn effective_in(
        &self,
        table: &EventsByKey,
        key: &PublicKey,
        within: &dyn Fn(usize) -> bool,
    ) -> Vec<usize> {
        table
            .get(key)
            .filter(|&j| self.verdicts[j].is_effective() && within(j))
            .collect()
    }

    /// Rules 3 and 4 for one key over the base and a set of segment events:
    /// its role if it is a member.
    fn role_within(&self, key: &PublicKey, within: &dyn Fn(usize) -> bool) -> Option<Role> {
        let membership = self.effective_in(&self.membership_events, key, within);
        let member = if membership.is_empty() {
            self.base.members().contains_key(key)
        } else {
            self.maximal(&membership).iter().all(|&j| self.is_add(j))
        };
        if !member {
            return None;
        }
        let roles = self.effective_in(&self.role_events, key, within);
        let maximal = self.maximal(&roles);
        let lowest = maximal
            .iter()
            .filter_map(|&j| role_set(self.events[j].op))
            .min();
        Some(
            lowest
                .or_else(|| self.base.role_of(key))
                .unwrap_or(Role::Member),
        )
    }

    fn is_add(&self, j: usize) -> bool {
        adds_member(self.events[j].op)
    }

    /// The member `device` is linked to over the base and a set of segment
    /// events, if any: the maximal effective link and unlink events about it
    /// must all be links by one member (an unlink, or two members linking it
    /// at once, leaves it unlinked), that member must be a member, and no
    /// effective removal or leave of the member may follow the link (a
    /// member's devices go with the member and do not come back).
    fn device_within(
        &self,
        device: &PublicKey,
        within: &dyn Fn(usize) -> bool,
    ) -> Option<PublicKey> {
        let events = self.effective_in(&self.device_events, device, within);
        let (member, links) = if events.is_empty() {
            (self.base.devices().get(device)?.member, Vec::new())
        } else {
            let maximal = self.maximal(&events);
            let first = maximal[0];
            let member = self.acting[first];
            let all_links_by_one = maximal.iter().all(|&j| {
                matches!(self.events[j].op, Op::LinkDevice { .. }) && self.acting[j] == member
            });
            if !all_links_by_one {
                return None;
            }
            (member, maximal)
        };
        self.role_within(&member, within)?;
        let ended = self
            .effective_in(&self.membership_events, &member, within)
            .into_iter()
            .filter(|&j| !self.is_add(j))
            .any(|j| links.is_empty() || links.iter().any(|&l| self.reach.has(j, l)));
        (!ended).then_some(member)
    }

    /// The view after the whole segment.
    fn final_view(&self) -> View {
        let mut view = self.base.clone();
        let all = |_: usize| true;
        let touched: BTreeSet<PublicKey> = self
            .membership_events
            .keys()
            .chain(self.role_events.keys())
            .copied()
            .collect();
        for key in &touched {
            self.settle_member(&mut view, key, &all);
        }
        self.settle_devices(&mut view, &touched, &all);
        self.settle_title(&mut view);
        self.record_cycles(&mut view);
        view.prune_cycles();
        view
    }

    /// Sets one key's membership, role, name and deciding events in `view`.
    fn settle_member(&self, view: &mut View, key: &PublicKey, all: &dyn Fn(usize) -> bool) {
        let membership = self.effective_in(&self.membership_events, key, all);
        let roles = self.effective_in(&self.role_events, key, all);
        if membership.is_empty() && roles.is_empty() {
            return;
        }
        let ids = |set: Vec<usize>| set.iter().map(|&j| self.events[j].id).collect::<Vec<_>>();
        let decided = view.decided_mut(*key);
        if !membership.is_empty() {
            decided.membership = ids(self.maximal(&membership));
        }
        if !roles.is_empty() {
            decided.role = ids(self.maximal(&roles));
        }
        // The name comes from the latest effective Add, in topological order.
        if let Some(Op::Add { name, .. }) = membership.iter().rev().find_map(|&j| {
            let op = self.events[j].op;
            is_add(op).then_some(op)
        }) {
            view.names.insert(*key, name.clone());
        }
        match self.role_within(key, all) {
            Some(role) => {
                let name = view.names.get(key).cloned().unwrap_or_default();
                view.insert_member(*key, Member { role, name });
            }
            None => {
                view.remove_member(key);
            }
        }
    }

    /// Sets the devices this segment touched: those linked or unlinked in it,
    /// and those of members whose membership it touched.
    fn settle_devices(
        &self,
        view: &mut View,
        touched_members: &BTreeSet<PublicKey>,
        all: &dyn Fn(usize) -> bool,
    ) {
        let touched: BTreeSet<PublicKey> = self
            .device_events
            .keys()
            .copied()
            .chain(
                self.base
                    .devices()
                    .iter()
                    .filter(|(_, d)| touched_members.contains(&d.member))
                    .map(|(k, _)| *k),
            )
            .collect();
        for device in touched {
            let events = self.effective_in(&self.device_events, &device, all);
            if !events.is_empty() {
                let ids = self
                    .maximal(&events)
                    .iter()
                    .map(|&j| self.events[j].id)
                    .collect();
                view.decided_mut(device).membership = ids;
            }
            match self.device_within(&device, all) {
                Some(member) => {
                    // The name comes from the latest effective link.
                    let name = events
                        .iter()
                        .rev()
                        .find_map(|&j| match self.events[j].op {
                            Op::LinkDevice { name, .. } => Some(name.clone()),
                            _ => None,
                        })
                        .or_else(|| self.base.devices().get(&device).map(|d| d.name.clone()))
                        .unwrap_or_default();
                    view.link_device(device, view::Device { member, name });
                }
                None => {
                    view.unlink_device(&device);
                }
            }
        }
    }

    /// Rule 6: among the maximal effective title events, the author with the
    /// higher role wins, then the lowest id; the others stay as conflicts.
    fn settle_title(&self, view: &mut View) {
        let titles: Vec<usize> = (0..self.events.len())
            .filter(|&j| self.verdicts[j].is_effective())
            .filter(|&j| title_set(self.events[j].op).is_some())
            .collect();
        if titles.is_empty() {
            return;
        }
        let mut maximal = self.maximal(&titles);
        maximal.sort_by_key(|&j| (std::cmp::Reverse(self.author_role[j]), self.events[j].id));
        let title_of = |j: usize| title_set(self.events[j].op).unwrap_or_default().to_string();
        view.title = title_of(maximal[0]);
        view.title_by = maximal.iter().map(|&j| self.events[j].id).collect();
        view.title_conflicts = maximal[1..]
            .iter()
            .map(|&j| TitleConflict {
                event: self.events[j].id,
                title: title_of(j),
            })
            .collect();
    }

    /// Removal cycles whose removals all took effect become visible conflicts.
    fn record_cycles(&self, view: &mut View) {
        let mut components: HashMap<usize, Vec<CycleRemoval>> = HashMap::new();
        for (j, component) in self.cycle.iter().enumerate() {
            let Some(c) = component else { continue };
            let target = match self.events[j].op {
                Op::Remove { member } | Op::SetRole { member, .. } => *member,
                Op::Create { .. }
                | Op::Add { .. }
                | Op::Leave
                | Op::SetTitle { .. }
                | Op::LinkDevice { .. }
                | Op::UnlinkDevice { .. } => continue,
            };
            components.entry(*c).or_default().push(CycleRemoval {
                event: self.events[j].id,
                target,
            });
        }
        let mut cycles: Vec<Vec<CycleRemoval>> = components
            .into_values()
            .filter(|cycle| {
                cycle.iter().all(|r| {
                    let j = self.events.iter().position(|e| e.id == r.event);
                    j.is_some_and(|j| self.verdicts[j].is_effective())
                })
            })
            .collect();
        for cycle in &mut cycles {
            cycle.sort_by_key(|r| r.event);
        }
        cycles.sort_by_key(|cycle| cycle[0].event);
        view.removal_cycles.extend(cycles);
    }
}

/// Roles as seen from inside a segment: the base, overridden by the effective
/// segment events in some set (an event's past).
struct Lookup<'l, 's, 'a> {
    segment: &'l Segment<'s, 'a>,
    within: &'l dyn Fn(usize) -> bool,
}

impl Roles for Lookup<'_, '_, '_> {
    fn role_of(&self, key: &PublicKey) -> Option<Role> {
        self.segment.role_within(key, self.within)
    }

    fn device_member(&self, key: &PublicKey) -> Option<PublicKey> {
        self.segment.device_within(key, self.within)
    }

    fn label(&self, key: &PublicKey) -> String {
        self.segment.base.label(key)
    }

    fn is_fresh(&self) -> bool {
        self.segment.base.is_fresh()
    }
}

/// The member each event acts for, fixed for the segment: the author when
/// it is or becomes a member, else the member that linked it as a device
/// (in the base, or by a link event of the segment), else the author. Whether
/// the link holds in an event's past is judged by rule 2; this only names
/// whom a removal or a leave would concern.
///
/// Only adds and links by an author who may hold a role in the event's past
/// count: a member or device of the base, a `Create`'s author, or a key that
/// such an author added or linked earlier in topological order (an event's
/// past comes before it). Rule 2 refuses any other whatever the verdicts.
/// Counting a stranger's refused link made the device act for the stranger,
/// and a refused add of a device's key made its leave its own rather than
/// its member's (`docs/projection.md`).
fn acting_members(base: &View, events: &[SegmentEvent<'_>]) -> Vec<PublicKey> {
    let mut linked: HashMap<PublicKey, PublicKey> =
        base.devices().iter().map(|(k, d)| (*k, d.member)).collect();
    let mut members: std::collections::HashSet<PublicKey> =
        base.members().keys().copied().collect();
    let mut possible: std::collections::HashSet<PublicKey> =
        members.iter().chain(linked.keys()).copied().collect();
    for e in events {
        if let Op::Create { .. } = e.op {
            possible.insert(e.author);
        }
        if !possible.contains(&e.author) {
            continue;
        }
        match e.op {
            Op::LinkDevice { device, .. } => {
                linked.entry(*device).or_insert(e.author);
                possible.insert(*device);
            }
            Op::Add { member, .. } => {
                members.insert(*member);
                possible.insert(*member);
            }
            Op::Create { .. } => {
                members.insert(e.author);
            }
            _ => {}
        }
    }
    events
        .iter()
        .map(|e| match linked.get(&e.author) {
            Some(member)
                if !members.contains(&e.author) && !base.members().contains_key(&e.author) =>
            {
                *member
            }
            _ => e.author,
        })
        .collect()
}

/// A one-event segment: nothing is concurrent with it.
fn resolve_single(base: &View, event: &SegmentEvent<'_>) -> (Vec<Verdict>, View) {
    match base.authorize(&event.author, event.op) {
        Ok(()) => {
            let mut view = base.clone();
            view.apply(event.id, &event.author, event.op);
            (vec![Verdict::Effective], view)
        }
        Err(denied) => (vec![Verdict::Unauthorized(denied.0)], base.clone()),
    }
}

/// Tarjan's strongly connected components; returns, for each node, the
/// component number if the node is in a component of two or more nodes.
fn tarjan_cycles(edges: &[Vec<usize>]) -> Vec<Option<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut result = vec![None; n];
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if index[root] != usize::MAX || edges[root].is_empty() {
            continue;
        }
        // (node, position in its edge list)
        let mut work = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*pos) {
                *pos += 1;
                if index[w] == usize::MAX {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut members = Vec::new();
                loop {
                    // Cannot fail: v itself is on the stack above this point.
                    let w = stack.pop().expect("v is on the stack");
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                if members.len() > 1 {
                    for w in members {
                        result[w] = Some(next_component);
                    }
                    next_component += 1;
                }
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// Keys from a few bytes: few distinct first bytes, so runs of a shared
    /// prefix are long, as crafted keys would make them.
    fn key(first: u8, second: u8, last: u8) -> PublicKey {
        let mut bytes = [0u8; 32];
        (bytes[0], bytes[1], bytes[31]) = (first, second, last);
        PublicKey(bytes)
    }

    proptest! {
        /// `EventsByKey` finds exactly the events a map of lists finds, in
        /// ascending order, and lists each key once, ascending.
        #[test]
        fn events_by_key_match_a_map_of_lists(
            pairs in prop::collection::vec((0u8..3, any::<u8>(), 0u8..4), 0..300),
            probes in prop::collection::vec((0u8..3, any::<u8>(), 0u8..4), 0..50),
        ) {
            let pairs: Vec<(PublicKey, usize)> =
                pairs.iter().enumerate().map(|(j, &(a, b, c))| (key(a, b, c), j)).collect();
            let mut map: BTreeMap<PublicKey, Vec<usize>> = BTreeMap::new();
            for &(k, j) in &pairs {
                map.entry(k).or_default().push(j);
            }
            let index = EventsByKey::new(pairs.clone());
            for &(k, _) in &pairs {
                prop_assert_eq!(index.get(&k).collect::<Vec<_>>(), map[&k].clone());
            }
            for &(a, b, c) in &probes {
                let k = key(a, b, c);
                let expected = map.get(&k).cloned().unwrap_or_default();
                prop_assert_eq!(index.get(&k).collect::<Vec<_>>(), expected);
            }
            prop_assert!(index.keys().copied().eq(map.keys().copied()));
        }
    }

    /// Equal verdicts give one fingerprint, different ones differ (at this
    /// size, a collision would be a 2⁻⁶⁴ accident), and none is 0.
    #[test]
    fn verdict_fingerprints_tell_verdicts_apart_and_are_never_zero() {
        let key = VerdictFingerprints::new();
        let verdicts = [
            Verdict::Effective,
            Verdict::Unauthorized("a".into()),
            Verdict::Unauthorized("b".into()),
            Verdict::Revoked {
                by: EventId([1; 32]),
            },
            Verdict::Revoked {
                by: EventId([2; 32]),
            },
        ];
        let prints: Vec<u64> = verdicts.iter().map(|v| key.of(v)).collect();
        for (i, print) in prints.iter().enumerate() {
            assert_ne!(*print, 0);
            assert_eq!(*print, key.of(&verdicts[i].clone()));
            assert!(prints[..i].iter().all(|other| other != print));
        }
    }
}
