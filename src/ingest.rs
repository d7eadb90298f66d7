//! Importing events from other peers (SPEC §4): every incoming record is
//! classified, never silently dropped.
//!
//! - `malformed` and `bad-signature` records go to quarantine with the reason;
//! - `duplicate` events change nothing;
//! - `pending` events (a parent or `prev` is missing) are stored and applied as
//!   soon as the missing events arrive, in this import or a later one;
//! - `bad-link` events (parents or `prev` inconsistent with what they cite) go
//!   to quarantine;
//! - `accepted` events are stored, logged and projected.
//!
//! An [`Ingest`] is one transaction; [`Ingest::summary`] tells what it would
//! change (for `--dry-run`) and [`Ingest::commit`] writes it.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::collections::HashSet;

use crate::error::Result;
use crate::event::EventError;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::SignedEvent;
use crate::store::Store;
use crate::transaction::Transaction;
use crate::view::View;

/// What became of one incoming record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Duplicate,
    Pending { missing: Vec<EventId> },
    BadLink(String),
    Malformed(String),
    BadSignature,
}

impl Outcome {
    /// The state's name in SPEC §4.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Duplicate => "duplicate",
            Outcome::Pending { .. } => "pending",
            Outcome::BadLink(_) => "bad-link",
            Outcome::Malformed(_) => "malformed",
            Outcome::BadSignature => "bad-signature",
        }
    }
}

/// Counts per state, and how each touched group's view changed.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub counts: BTreeMap<&'static str, u64>,
    /// Pending events accepted because this import brought their parents.
    pub released: u64,
    /// Per group: the view before (None for a new group) and after.
    pub groups: BTreeMap<GroupId, (Option<View>, View)>,
}

/// One import transaction.
pub struct Ingest<'s> {
    tx: Transaction<'s>,
    /// Pending in this import: id → (event, missing ids).
    pending: HashMap<EventId, (SignedEvent, Vec<EventId>)>,
    /// Missing id → events of this import waiting for it.
    waiting: HashMap<EventId, Vec<EventId>>,
    /// Stored pending events this import accepted or refused.
    released: HashSet<EventId>,
    before: BTreeMap<GroupId, Option<View>>,
    counts: BTreeMap<&'static str, u64>,
    released_count: u64,
}

impl<'s> Ingest<'s> {
    pub fn new(store: &'s Store) -> Result<Ingest<'s>> {
        Ok(Ingest {
            tx: Transaction::new(store)?,
            pending: HashMap::new(),
            waiting: HashMap::new(),
            released: HashSet::new(),
            before: BTreeMap::new(),
            counts: BTreeMap::new(),
            released_count: 0,
        })
    }

    fn count(&mut self, outcome: &Outcome) {
        *self.counts.entry(outcome.word()).or_default() += 1;
    }

    /// Decodes, verifies and offers one signed record.
    pub fn offer_record(&mut self, record: &[u8]) -> Result<(Option<EventId>, Outcome)> {
        self.offer_checked(record, SignedEvent::from_record(record))
    }

    /// Offers a record already decoded and verified (imports verify whole
    /// chunks in parallel first): a refused one goes to quarantine.
    pub fn offer_checked(
        &mut self,
        record: &[u8],
        checked: std::result::Result<SignedEvent, EventError>,
    ) -> Result<(Option<EventId>, Outcome)> {
        match checked {
            Ok(event) => {
                let id = event.id;
                Ok((Some(id), self.offer(event)?))
            }
            Err(EventError::Malformed(reason)) => {
                let outcome = Outcome::Malformed(reason);
                self.refuse(record, outcome.clone());
                Ok((None, outcome))
            }
            Err(EventError::BadSignature) => {
                self.refuse(record, Outcome::BadSignature);
                Ok((None, Outcome::BadSignature))
            }
        }
    }

    /// Quarantines bytes that are not an acceptable event, with the reason.
    pub fn refuse(&mut self, raw: &[u8], outcome: Outcome) {
        let reason = match &outcome {
            Outcome::Malformed(reason) => format!("malformed: {reason}"),
            Outcome::BadLink(reason) => format!("bad-link: {reason}"),
            _ => "bad-signature: the id or signature does not verify".to_string(),
        };
        self.tx.batch().quarantine(raw, &reason);
        self.count(&outcome);
    }

    fn is_known(&self, event: &SignedEvent) -> Result<bool> {
        if self.tx.meta(&event.id)?.is_some() || self.pending.contains_key(&event.id) {
            return Ok(true);
        }
        let stored_pending = self.tx.store().is_pending(&event.group(), &event.id)?;
        Ok(stored_pending && !self.released.contains(&event.id))
    }

    /// The parents (and `prev`) of an event that are not accepted yet.
    fn missing(&self, event: &SignedEvent) -> Result<Vec<EventId>> {
        let cited = event.event.parents.iter().map(|p| p.id);
        let mut missing = Vec::new();
        for id in cited.chain(event.event.prev) {
            if self.tx.meta(&id)?.is_none() && !missing.contains(&id) {
                missing.push(id);
            }
        }
        Ok(missing)
    }

    /// Offers one verified event.
    pub fn offer(&mut self, event: SignedEvent) -> Result<Outcome> {
        let outcome = if self.is_known(&event)? {
            Outcome::Duplicate
        } else {
            let missing = self.missing(&event)?;
            if missing.is_empty() {
                self.admit(event)?
            } else {
                for m in &missing {
                    self.waiting.entry(*m).or_default().push(event.id);
                }
                self.pending.insert(event.id, (event, missing.clone()));
                Outcome::Pending { missing }
            }
        };
        self.count(&outcome);
        Ok(outcome)
    }

    /// Checks links and accepts (or quarantines) an event whose parents are
    /// all present, then releases what was waiting for it.
    fn admit(&mut self, event: SignedEvent) -> Result<Outcome> {
        let id = event.id;
        let outcome = self.admit_one(event)?;
        if outcome == Outcome::Accepted {
            self.release(id)?;
        }
        Ok(outcome)
    }

    /// Checks links and accepts (or quarantines) one event.
    fn admit_one(&mut self, event: SignedEvent) -> Result<Outcome> {
        if let Err(reason) = self.check_links(&event) {
            let why = format!("bad-link: {reason}");
            self.tx.batch().quarantine(&event.record(), &why);
            return Ok(Outcome::BadLink(reason));
        }
        let group = event.group();
        if !self.before.contains_key(&group) {
            let before = match event.event.parents.is_empty() {
                true => None,
                false => Some(self.tx.view(&group)?.clone()),
            };
            self.before.insert(group, before);
        }
        self.tx.accept(event)?;
        Ok(Outcome::Accepted)
    }

    /// Accepts the pending events (of this import or stored) that `arrived`
    /// completes, and those they complete in turn. A worklist, not recursion:
    /// a long chain delivered children first must not exhaust the stack.
    fn release(&mut self, arrived: EventId) -> Result<()> {
        let mut work = vec![arrived];
        while let Some(arrived) = work.pop() {
            let mut children: Vec<(SignedEvent, Option<Vec<EventId>>)> = Vec::new();
            for child in self.waiting.remove(&arrived).unwrap_or_default() {
                if let Some((event, _)) = self.pending.get(&child) {
                    children.push((event.clone(), None));
                }
            }
            for (group, child) in self.tx.store().waiting_for(&arrived)? {
                if self.released.contains(&child) {
                    continue;
                }
                if let Some(p) = self.tx.store().pending_event(&group, &child)? {
                    children.push((p.event, Some(p.missing)));
                }
            }
            for (child, stored_missing) in children {
                if !self.missing(&child)?.is_empty() || self.tx.meta(&child.id)?.is_some() {
                    continue;
                }
                match stored_missing {
                    Some(missing) => {
                        self.released.insert(child.id);
                        self.tx
                            .batch()
                            .delete_pending(&child.group(), &child.id, &missing);
                    }
                    None => {
                        self.pending.remove(&child.id);
                    }
                }
                self.released_count += 1;
                let id = child.id;
                if self.admit_one(child)? == Outcome::Accepted {
                    work.push(id);
                }
            }
        }
        Ok(())
    }

    /// SPEC §4 `bad-link`: each parent is the event it cites (author and seq)
    /// in the same group; `prev` is the author's event at `seq - 1` and lies
    /// in the event's causal past.
    fn check_links(&self, event: &SignedEvent) -> Result<(), String> {
        let group = event.group();
        let lookup = |id: &EventId| -> Result<SignedEvent, String> {
            match self.tx.event(id) {
                Ok(Some(e)) => Ok(e),
                Ok(None) => Err(format!("cited event {} is not stored", id.short())),
                Err(e) => Err(e.to_string()),
            }
        };
        for parent in &event.event.parents {
            let actual = lookup(&parent.id)?;
            if actual.group() != group {
                return Err(format!("parent {} is in another group", parent.id.short()));
            }
            if actual.event.author != parent.author || actual.event.seq != parent.seq {
                return Err(format!(
                    "parent {} is cited as {}#{} but is {}#{}",
                    parent.id.short(),
                    parent.author.short(),
                    parent.seq,
                    actual.event.author.short(),
                    actual.event.seq
                ));
            }
        }
        if let Some(prev) = event.event.prev {
            let actual = lookup(&prev)?;
            let e = &event.event;
            if actual.group() != group
                || actual.event.author != e.author
                || actual.event.seq + 1 != e.seq
            {
                return Err(format!(
                    "prev {} is not the author's event at seq {} in this group",
                    prev.short(),
                    e.seq - 1
                ));
            }
            if !self.in_past(&prev, event)? {
                return Err(format!(
                    "prev {} is not in the event's causal past",
                    prev.short()
                ));
            }
        }
        Ok(())
    }

    /// Is `target` in the past of `event`? A walk back from its parents that
    /// stops below the target's Lamport number.
    fn in_past(&self, target: &EventId, event: &SignedEvent) -> Result<bool, String> {
        let meta = |id: &EventId| match self.tx.meta(id) {
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(format!("cited event {} is not stored", id.short())),
            Err(e) => Err(e.to_string()),
        };
        let floor = meta(target)?.lamport;
        let mut stack: Vec<EventId> = event.event.parents.iter().map(|p| p.id).collect();
        let mut seen: HashSet<EventId> = HashSet::new();
        while let Some(id) = stack.pop() {
            if id == *target {
                return Ok(true);
            }
            if !seen.insert(id) || meta(&id)?.lamport <= floor {
                continue;
            }
            match self.tx.event(&id) {
                Ok(Some(e)) => stack.extend(e.event.parents.iter().map(|p| p.id)),
                Ok(None) => return Err(format!("cited event {} is not stored", id.short())),
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(false)
    }

    /// What this import does: counts, and each touched group's view before
    /// and after. Nothing is written.
    pub fn summary(&mut self) -> Result<Summary> {
        let mut groups = BTreeMap::new();
        let before = self.before.clone();
        for (group, before) in before {
            let after = self.tx.view(&group)?.clone();
            groups.insert(group, (before, after));
        }
        Ok(Summary {
            counts: self.counts.clone(),
            released: self.released_count,
            groups,
        })
    }

    /// Writes the import: accepted events, projections, pending and quarantine.
    pub fn commit(mut self) -> Result<Summary> {
        let summary = self.summary()?;
        let pending = std::mem::take(&mut self.pending);
        for (event, missing) in pending.values() {
            self.tx.batch().put_pending(&event.group(), event, missing);
        }
        self.tx.commit()?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;
    use crate::event::PublicKey;
    use crate::identity;
    use crate::keys::SecretKey;
    use crate::replay;
    use crate::scenario::MemoryGroup;
    use crate::scenario::Scenario;

    fn new_store(dir: &Path) -> Store {
        identity::init(dir, Some(SecretKey::from_label("receiver"))).unwrap();
        Store::open(dir).unwrap()
    }

    /// Delivers events to a real store in `order`, `chunk` per import.
    fn import(store: &Store, events: &[SignedEvent], order: &[usize], chunk: usize) {
        let ordered: Vec<&SignedEvent> = order.iter().map(|&i| &events[i]).collect();
        for batch in ordered.chunks(chunk) {
            let mut ingest = Ingest::new(store).unwrap();
            for e in batch {
                let (_, outcome) = ingest.offer_record(&e.record()).unwrap();
                assert!(
                    !matches!(outcome, Outcome::BadLink(_) | Outcome::Malformed(_)),
                    "{outcome:?}"
                );
            }
            ingest.commit().unwrap();
        }
    }

    fn check_store(store: &Store, scenario: &Scenario, reference: &MemoryGroup) {
        let group = scenario.group().unwrap();
        let state = store.group_state(&group).unwrap().unwrap();
        assert_eq!(state.view(), &reference.frontier.view);
        let report = replay::replay(store, &group).unwrap();
        assert!(report.differences.is_empty(), "{:?}", report.differences);
        let pending: Vec<EventId> = store
            .pending(&group)
            .unwrap()
            .iter()
            .map(|p| p.event.id)
            .collect();
        assert_eq!(pending.len(), reference.pending().len());
        for (id, verdict) in &reference.verdicts {
            assert_eq!(&store.event_meta(id).unwrap().unwrap().verdict, verdict);
        }
    }

    #[test]
    fn scenarios_through_real_stores() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let scenario = Scenario::run(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let events = scenario.delivered();
            let mut reference = MemoryGroup::new(scenario.group().unwrap(), 256);
            reference.deliver(&events);
            let n = events.len();
            let orders = [
                (0..n).collect::<Vec<_>>(),
                (0..n).rev().collect(),
                (0..n).map(|i| (i * 7 + 3) % n).collect(),
            ];
            for (k, order) in orders.iter().enumerate() {
                let mut sorted = order.clone();
                sorted.sort();
                sorted.dedup();
                if sorted.len() != n {
                    continue; // (i*7+3) % n is a permutation only when 7 and n are coprime
                }
                let tmp = tempfile::tempdir().unwrap();
                let store = new_store(tmp.path());
                import(&store, &events, order, [1, 3, n][k]);
                check_store(&store, &scenario, &reference);
            }
        }
    }

    #[test]
    fn duplicates_change_nothing() {
        let scenario =
            Scenario::run("A: create \"D\"\nA: add B admin\nsync all\nB: title \"x\"").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let store = new_store(tmp.path());
        let events = scenario.delivered();
        import(&store, &events, &[0, 1], 2);
        let head = store.log_head().unwrap();
        let mut ingest = Ingest::new(&store).unwrap();
        for e in &events[..2] {
            assert_eq!(
                ingest.offer_record(&e.record()).unwrap().1,
                Outcome::Duplicate
            );
        }
        ingest.commit().unwrap();
        assert_eq!(store.log_head().unwrap(), head);
    }

    #[test]
    fn corrupt_records_are_quarantined_with_a_reason() {
        let scenario = Scenario::run("A: create \"Q\"\nA: add B").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let store = new_store(tmp.path());
        let mut record = scenario.events[1].record();
        let mut ingest = Ingest::new(&store).unwrap();
        record[3] ^= 1; // in the signature
        assert_eq!(
            ingest.offer_record(&record).unwrap().1,
            Outcome::BadSignature
        );
        assert!(matches!(
            ingest.offer_record(&[1, 2, 3]).unwrap().1,
            Outcome::Malformed(_)
        ));
        ingest.commit().unwrap();
        let quarantine = store.quarantine().unwrap();
        assert_eq!(quarantine.len(), 2);
        assert!(quarantine
            .iter()
            .any(|(reason, raw)| reason.starts_with("bad-signature") && *raw == record));
    }

    #[test]
    fn a_lying_parent_reference_is_a_bad_link() {
        let alice = crate::scenario::peer_key("A");
        let scenario = Scenario::run("A: create \"L\"\nA: add B").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let store = new_store(tmp.path());
        import(&store, &scenario.events, &[0, 1], 1);
        // Alice signs an event citing her own Create with the wrong seq.
        let create = &scenario.events[0];
        let mut event = scenario.events[1].event.clone();
        event.seq = 3;
        event.prev = Some(scenario.events[1].id);
        event.parents = vec![crate::event::ParentRef {
            seq: 7,
            ..create.as_parent()
        }];
        let signed = SignedEvent::sign(event, &alice).unwrap();
        let mut ingest = Ingest::new(&store).unwrap();
        assert!(matches!(ingest.offer(signed).unwrap(), Outcome::BadLink(_)));
        ingest.commit().unwrap();
        assert_eq!(store.quarantine().unwrap().len(), 1);
        let _: PublicKey = alice.public();
    }

    fn script(steps: &[(u8, u8, u8)], peers: u8) -> String {
        let mut lines = vec!["P0: create \"R\"".to_string()];
        for i in 1..peers {
            lines.push(format!(
                "P0: add P{i} {}",
                if i <= peers / 2 { "admin" } else { "member" }
            ));
        }
        lines.push("sync all".into());
        for (k, &(a, b, op)) in steps.iter().enumerate() {
            let (a, b) = (a % peers, b % peers);
            lines.push(match op % 8 {
                0 => format!("P{a}: add P{b}"),
                1 => format!("P{a}: remove P{b}"),
                2 => format!("P{a}: role P{b} admin"),
                3 => format!("P{a}: role P{b} member"),
                4 => format!("P{a}: title \"t{k}\""),
                5 => format!("P{a}: leave"),
                6 => format!("sync P{a} -> P{b}"),
                _ => "sync all".into(),
            });
        }
        lines.join("\n")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// On real stores, with random histories and delivery orders: the
        /// incrementally kept projection equals a replay and the in-memory model.
        #[test]
        fn stores_agree_with_replay(
            peers in 3u8..=10,
            steps in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..30),
            seed: u64,
            chunk in 1usize..5,
        ) {
            let scenario = Scenario::run(&script(&steps, peers)).unwrap();
            let events = scenario.delivered();
            let mut order: Vec<usize> = (0..events.len()).collect();
            let mut s = seed | 1;
            for i in (1..order.len()).rev() {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                order.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let mut reference = MemoryGroup::new(scenario.group().unwrap(), 256);
            reference.deliver(&events);
            let tmp = tempfile::tempdir().unwrap();
            let store = new_store(tmp.path());
            import(&store, &events, &order, chunk);
            check_store(&store, &scenario, &reference);
        }
    }
}

#[cfg(test)]
mod deep_tests {
    use super::*;
    use crate::append::Appender;
    use crate::event::Op;
    use crate::identity;
    use crate::keys::SecretKey;

    /// A long chain delivered children first: every event waits, then the
    /// root releases them all. The release must not recurse per event (a
    /// stack overflow is a crash on valid input).
    #[test]
    fn a_long_chain_in_reverse_is_released_without_recursion() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("source");
        let key = SecretKey::from_label("chain");
        identity::init(&source, Some(SecretKey::from_label("chain"))).unwrap();
        let store = Store::open(&source).unwrap();
        let mut appender = Appender::new(&store, &key).unwrap();
        let group = appender.create_group("chain", [0; 16], 0).unwrap();
        let mut chain = Vec::new();
        for i in 0..20_000 {
            let op = Op::SetTitle {
                title: format!("t{i}"),
            };
            chain.push(appender.append(&group, op, i).unwrap());
        }
        appender.commit().unwrap();
        let mut records: Vec<Vec<u8>> = std::iter::once(group)
            .chain(chain)
            .map(|id| store.event(&id).unwrap().unwrap().record())
            .collect();
        records.reverse();
        let target = Store::create(&tmp.path().join("target"), key.public()).unwrap();
        // Run on a thread with a small stack, as a worst case for recursion.
        let outcome = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped_helper(&target, &records);
        assert_eq!(outcome, 20_001);
        let state = target.group_state(&group).unwrap().unwrap();
        assert_eq!(state.event_count, 20_001);
        assert!(target.pending(&group).unwrap().is_empty());
    }

    trait SpawnScoped {
        fn spawn_scoped_helper(self, target: &Store, records: &[Vec<u8>]) -> u64;
    }

    impl SpawnScoped for std::thread::Builder {
        fn spawn_scoped_helper(self, target: &Store, records: &[Vec<u8>]) -> u64 {
            std::thread::scope(|scope| {
                self.spawn_scoped(scope, || {
                    let mut ingest = Ingest::new(target).unwrap();
                    for r in records {
                        ingest.offer_record(r).unwrap();
                    }
                    let summary = ingest.commit().unwrap();
                    assert_eq!(summary.counts.get("pending").copied(), Some(20_000));
                    summary.counts.get("accepted").copied().unwrap_or(0) + summary.released
                })
                .unwrap()
                .join()
                .unwrap()
            })
        }
    }
}
