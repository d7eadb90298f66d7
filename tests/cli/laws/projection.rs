//! Convergence tests (SPEC §3 rule 1): every scenario of `fixtures/scenarios/`
//! delivered in every order (all permutations, or 2,000 seeded random ones),
//! one event or a few at a time, through the incremental path with small and
//! normal checkpoint intervals, must reach the same view and verdicts, equal
//! to a replay from scratch and to what the scenario expects.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;

use crate::support::scenario::MemoryGroup;
use crate::support::scenario::Scenario;
use gmm::model::event::Role;
use gmm::model::signed::SignedEvent;
use gmm::rules::projection;
use gmm::rules::projection::Verdict;

/// splitmix64: a tiny seeded generator for reproducible delivery orders.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Every permutation of 0..n when there are at most `limit`, else `limit`
/// random ones from a fixed seed.
fn orders(n: usize, limit: usize, seed: u64) -> Vec<Vec<usize>> {
    let factorial = (1..=n).try_fold(1usize, |acc, k| acc.checked_mul(k));
    if factorial.is_some_and(|f| f <= limit) {
        let mut all = Vec::new();
        permute(&mut (0..n).collect(), 0, &mut all);
        return all;
    }
    let mut rng = Rng(seed);
    (0..limit)
        .map(|_| {
            let mut order: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut order);
            order
        })
        .collect()
}

fn permute(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
    if k == items.len() {
        out.push(items.clone());
        return;
    }
    for i in k..items.len() {
        items.swap(k, i);
        permute(items, k + 1, out);
        items.swap(k, i);
    }
}

fn status_word(group: &MemoryGroup, id: &gmm::model::event::EventId) -> &'static str {
    if group.pending().contains(id) {
        return "pending";
    }
    match group.verdicts.get(id) {
        Some(Verdict::Effective) => "effective",
        Some(Verdict::Unauthorized(_)) => "unauthorized",
        Some(Verdict::Revoked { .. }) => "revoked",
        None => "unknown",
    }
}

/// Delivers `events` in `order`, `chunk` at a time.
fn deliver(
    scenario: &Scenario,
    events: &[SignedEvent],
    order: &[usize],
    chunk: usize,
    interval: u64,
) -> MemoryGroup {
    let mut group = MemoryGroup::new(scenario.group().unwrap(), interval);
    let ordered: Vec<SignedEvent> = order.iter().map(|&i| events[i].clone()).collect();
    for batch in ordered.chunks(chunk) {
        group.deliver(batch);
    }
    group
}

/// Replay from scratch must give what the incremental path gave.
fn assert_matches_replay(group: &MemoryGroup) {
    let replayed = group.replay();
    assert_eq!(
        replayed.frontier.view, group.frontier.view,
        "replay differs"
    );
    assert_eq!(replayed.frontier.cut, group.frontier.cut);
    let verdicts: BTreeMap<_, _> = replayed.verdicts.into_iter().collect();
    for (id, verdict) in &verdicts {
        assert_eq!(
            group.verdicts.get(id),
            Some(verdict),
            "verdict of {}",
            id.short()
        );
    }
}

fn check_expectations(scenario: &Scenario, group: &MemoryGroup, name: &str) {
    let view = &group.frontier.view;
    let expected = &scenario.expected;
    if let Some(members) = &expected.members {
        let got: BTreeMap<String, Role> = view
            .members()
            .iter()
            .map(|(k, m)| (scenario.name_of(k), m.role))
            .collect();
        assert_eq!(&got, members, "{name}: members");
    }
    if let Some(title) = &expected.title {
        assert_eq!(&view.title, title, "{name}: title");
    }
    if let Some(conflicts) = &expected.title_conflicts {
        let got: BTreeSet<String> = view
            .title_conflicts
            .iter()
            .map(|c| c.title.clone())
            .collect();
        assert_eq!(&got, conflicts, "{name}: title conflicts");
    }
    let cycles: Vec<BTreeSet<String>> = view
        .removal_cycles
        .iter()
        .map(|c| c.iter().map(|r| scenario.name_of(&r.target)).collect())
        .collect();
    assert_eq!(cycles, expected.cycles, "{name}: removal cycles");
    let forked: BTreeSet<String> = view.forked.iter().map(|k| scenario.name_of(k)).collect();
    assert_eq!(forked, expected.forked, "{name}: forked");
    if let Some(devices) = &expected.devices {
        let got: BTreeSet<(String, String)> = view
            .devices()
            .iter()
            .map(|(k, d)| (scenario.name_of(&d.member), scenario.name_of(k)))
            .collect();
        assert_eq!(&got, devices, "{name}: devices");
    }
    for (label, status) in &expected.statuses {
        let id = scenario.labels[label];
        assert_eq!(status_word(group, &id), status, "{name}: status of {label}");
    }
}

fn check_scenario(path: &Path) {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let script = std::fs::read_to_string(path).unwrap();
    let scenario = Scenario::run(&script).unwrap_or_else(|e| panic!("{name}: {e}"));
    let events = scenario.delivered();
    let seed = blake3::hash(name.as_bytes()).as_bytes()[0] as u64;
    let all_orders = orders(events.len(), 2000, seed);
    let reference = deliver(&scenario, &events, &all_orders[0], 1, 256);
    check_expectations(&scenario, &reference, &name);
    assert_matches_replay(&reference);
    for (k, order) in all_orders.iter().enumerate() {
        let chunk = [1, 1, 2, 3][k % 4];
        let interval = [1, 2, 256][k % 3];
        let group = deliver(&scenario, &events, order, chunk, interval);
        let view = &group.frontier.view;
        assert_eq!(view, &reference.frontier.view, "{name}: order {order:?}");
        assert_eq!(view.hash(), reference.frontier.view.hash());
        assert_eq!(
            group.verdicts, reference.verdicts,
            "{name}: verdicts, order {order:?}"
        );
        assert_eq!(group.pending().len(), reference.pending().len());
        if k % 50 == 0 {
            assert_matches_replay(&group);
        }
    }
}

#[test]
fn scenarios_converge_in_every_delivery_order() {
    let dir = crate::support::repo().join("fixtures/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 13, "S1–S13 are all there");
    for path in paths {
        check_scenario(&path);
    }
}

/// Each signed event's `view` field is the hash its author computed; in a
/// scenario where the author had seen everything, it equals the final hash.
#[test]
fn view_field_matches_authors_projection() {
    let script = "A: create \"T\"\nA: add B admin\nB: title \"U\"\n";
    let scenario = Scenario::run(&script.replace("B: title", "sync all\nB: title")).unwrap();
    let group = deliver(&scenario, &scenario.delivered(), &[0, 1, 2], 1, 256);
    let last = scenario.events.last().unwrap();
    assert_eq!(last.event.view, group.frontier.view.hash());
}

// ---- Random groups: 3–10 identities, random ops, partitions and merges.

/// One step of a random history.
#[derive(Clone, Debug)]
enum Step {
    /// Peer `a` does op number `op` about peer `b`.
    Act { a: usize, b: usize, op: u8 },
    /// Peer `to` receives everything peer `from` has.
    Sync { from: usize, to: usize },
    /// Everyone receives everything.
    SyncAll,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0usize..10, 0usize..10, 0u8..7).prop_map(|(a, b, op)| Step::Act { a, b, op }),
        3 => (0usize..10, 0usize..10).prop_map(|(from, to)| Step::Sync { from, to }),
        1 => Just(Step::SyncAll),
    ]
}

/// Builds a scenario script: peer 0 creates the group and adds everyone
/// (the first half as admins), then the random steps. Ops whose author lacks
/// authority are signed anyway: receivers must judge them.
fn script(peers: usize, steps: &[Step]) -> String {
    let mut lines = vec!["P0: create \"R\"".to_string()];
    for i in 1..peers {
        let role = if i <= peers / 2 { "admin" } else { "member" };
        lines.push(format!("P0: add P{i} {role}"));
    }
    lines.push("sync all".into());
    let mut titles = 0;
    for s in steps {
        match *s {
            Step::Act { a, b, op } => {
                let (a, b) = (a % peers, b % peers);
                let line = match op {
                    0 => format!("P{a}: add P{b}"),
                    1 => format!("P{a}: add P{b} admin"),
                    2 => format!("P{a}: remove P{b}"),
                    3 => format!("P{a}: leave"),
                    4 => format!("P{a}: role P{b} member"),
                    5 => format!("P{a}: role P{b} admin"),
                    _ => {
                        titles += 1;
                        format!("P{a}: title \"t{titles}\"")
                    }
                };
                lines.push(line);
            }
            Step::Sync { from, to } => {
                lines.push(format!("sync P{} -> P{}", from % peers, to % peers))
            }
            Step::SyncAll => lines.push("sync all".into()),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any two delivery orders of the same events reach the same view, hash
    /// and verdicts; incremental equals replay; nothing panics.
    #[test]
    fn random_groups_converge(
        peers in 3usize..=10,
        steps in proptest::collection::vec(step(), 1..40),
        seed: u64,
    ) {
        let scenario = Scenario::run(&script(peers, &steps)).unwrap();
        let events = scenario.delivered();
        // The audit's view of every past (one segment pass, shortcuts for
        // events extending one parent) equals each author's own replay.
        let views: BTreeMap<_, _> = projection::event_views(
            scenario.group().unwrap(),
            crate::support::scenario::ordered(&events),
        )
        .into_iter()
        .collect();
        for e in &events {
            prop_assert_eq!(views.get(&e.id), Some(&e.event.view));
        }
        // The audit's single pass gives the views of `event_views` and the
        // verdicts and view of `replay`.
        let group_id = scenario.group().unwrap();
        let ordered = crate::support::scenario::ordered(&events);
        let mut streamed = BTreeMap::new();
        let both = projection::replay_with_views(group_id, ordered.clone(), &mut |id, view| {
            streamed.insert(id, view);
        });
        prop_assert_eq!(&streamed, &views);
        let alone = projection::replay(group_id, ordered);
        prop_assert_eq!(&both.verdicts, &alone.verdicts);
        prop_assert_eq!(&both.frontier.view, &alone.frontier.view);
        let mut rng = Rng(seed);
        let mut first: Option<MemoryGroup> = None;
        for k in 0..4 {
            let mut order: Vec<usize> = (0..events.len()).collect();
            rng.shuffle(&mut order);
            let group = deliver(&scenario, &events, &order, 1 + k % 3, [1, 3, 256][k % 3]);
            prop_assert!(group.pending().is_empty());
            assert_matches_replay(&group);
            if let Some(first) = &first {
                prop_assert_eq!(&group.frontier.view, &first.frontier.view);
                prop_assert_eq!(&group.verdicts, &first.verdicts);
            } else {
                first = Some(group);
            }
        }
    }
}

/// Every scenario event's signed `view` field equals what the rules give for
/// its past plus itself: honest authors (the scenario signer) and the audit's
/// recomputation agree, including inside concurrent segments.
#[test]
fn signed_view_fields_match_event_views() {
    let dir = crate::support::repo().join("fixtures/scenarios");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let scenario = Scenario::run(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let events = crate::support::scenario::ordered(&scenario.delivered());
        let accepted = events.len();
        let views: BTreeMap<_, _> = projection::event_views(scenario.group().unwrap(), events)
            .into_iter()
            .collect();
        assert_eq!(views.len(), accepted, "{}", path.display());
        let mut checked = 0;
        for e in scenario.delivered() {
            if let Some(view) = views.get(&e.id) {
                assert_eq!(*view, e.event.view, "{}: {}", path.display(), e.id.short());
                checked += 1;
            }
        }
        assert_eq!(checked, accepted);
    }
}

/// Ordering is linear whatever the input order: a long chain, shuffled,
/// comes back whole and in chain order; events whose parent is nowhere are
/// left out, with their descendants.
#[test]
fn order_sorts_a_shuffled_chain_and_drops_orphans() {
    use gmm::model::event::Event;
    use gmm::model::event::EventId;
    use gmm::model::event::Op;
    use gmm::model::event::ParentRef;
    use gmm::model::event::PublicKey;
    use gmm::model::event::ViewHash;
    use gmm::model::signed::Draft;

    let author = PublicKey([1; 32]);
    let mut events: Vec<SignedEvent> = Vec::new();
    let mut parent: Option<ParentRef> = None;
    for seq in 1..=30_000u64 {
        let op = match parent {
            None => Op::Create {
                title: "c".into(),
                nonce: [0; 16],
            },
            Some(_) => Op::SetTitle {
                title: format!("t{seq}"),
            },
        };
        let draft = Draft::new(Event {
            version: gmm::model::event::EVENT_VERSION,
            group: if parent.is_some() {
                EventId([9; 32])
            } else {
                EventId::default()
            },
            author,
            seq,
            prev: parent.map(|p| p.id),
            parents: parent.into_iter().collect(),
            time: 0,
            view: ViewHash::default(),
            op,
        })
        .unwrap();
        parent = Some(draft.as_parent());
        events.push(SignedEvent {
            id: draft.id,
            event: draft.event,
            bytes: draft.bytes,
            signature: [0; 64],
        });
    }
    let chain: Vec<EventId> = events.iter().map(|e| e.id).collect();
    let mut shuffled = events.clone();
    Rng(42).shuffle(&mut shuffled);
    let ordered = projection::order(&shuffled);
    assert_eq!(ordered.iter().map(|e| e.id).collect::<Vec<_>>(), chain);
    assert!(ordered
        .iter()
        .enumerate()
        .all(|(i, e)| e.lamport == i as u64));
    // Without the event at position 100, it and everything after it go.
    shuffled.retain(|e| e.id != chain[100]);
    assert_eq!(projection::order(&shuffled).len(), 100);
}
