//! Import classification (SPEC §4) through real stores: scenarios in several
//! delivery orders, duplicates, quarantine, bad links, deep chains.

mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use crate::support::scenario::MemoryGroup;
    use crate::support::scenario::Scenario;
    use gmm::model::event::EventId;
    use gmm::model::event::PublicKey;
    use gmm::model::signed::SignedEvent;
    use gmm::repo::identity;
    use gmm::repo::ingest::*;
    use gmm::repo::replay;
    use gmm::store::Store;

    fn new_store(dir: &Path) -> Store {
        identity::init(dir, Some(crate::support::label_key("receiver")), None).unwrap();
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
        audits_agree(store);
    }

    /// The streaming audit finds what the exhaustive one finds.
    fn audits_agree(store: &Store) {
        let shown = |report: gmm::audit::Report| -> Vec<String> {
            let mut report = report;
            report.finish(&Default::default());
            report
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {:?} {:?} {}",
                        f.check.id(),
                        f.severity,
                        f.events,
                        f.message
                    )
                })
                .collect()
        };
        let now = 1 << 50;
        let streamed = gmm::audit::store::audit_store(store, None, now).unwrap();
        let exhaustive = gmm::audit::store::audit_store_exhaustive(store, None, now).unwrap();
        assert_eq!(streamed.events_checked, exhaustive.events_checked);
        assert_eq!(shown(streamed), shown(exhaustive));
    }

    #[test]
    fn scenarios_through_real_stores() {
        let dir = crate::support::repo().join("fixtures/scenarios");
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
        let alice = crate::support::scenario::peer_key("A");
        let scenario = Scenario::run("A: create \"L\"\nA: add B").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let store = new_store(tmp.path());
        import(&store, &scenario.events, &[0, 1], 1);
        // Alice signs an event citing her own Create with the wrong seq.
        let create = &scenario.events[0];
        let mut event = scenario.events[1].event.clone();
        event.seq = 3;
        event.prev = Some(scenario.events[1].id);
        event.parents = vec![gmm::model::event::ParentRef {
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

mod deep_tests {
    use gmm::model::event::Op;
    use gmm::repo::append::Appender;
    use gmm::repo::identity;
    use gmm::repo::ingest::*;
    use gmm::store::Store;

    /// A long chain delivered children first: every event waits, then the
    /// root releases them all. The release must not recurse per event (a
    /// stack overflow is a crash on valid input).
    #[test]
    fn a_long_chain_in_reverse_is_released_without_recursion() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("source");
        let key = crate::support::label_key("chain");
        identity::init(&source, Some(crate::support::label_key("chain")), None).unwrap();
        let store = Store::open(&source).unwrap();
        let mut appender = Appender::new(&store, &key, false).unwrap();
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
                    let (summary, _) = ingest.commit().unwrap();
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
