//! Crafted shapes (issue 15.3, 15.4) through the real binary: what each
//! imports as, and that every reading command completes on it. The sizes
//! are small enough for the debug build; `cargo bench --bench shapes`
//! measures time and memory at full size (docs/benchmarks.md). The sizes
//! still show the growth: before the ancestry index, the round-robin import
//! below took a step per event between each event and its `prev`.

use gmm::crafted;
use gmm::crafted::Crafted;
use serde_json::Value;

use crate::support::world::*;

/// A store whose identity is the crafted owner, holding `shape`; returns the
/// import's JSON report.
fn store_with(w: &World, name: &str, shape: &Crafted) -> Value {
    let key = w.path(&format!("{name}-owner.key"));
    crafted::owner().save(&key, false).unwrap();
    w.ok(name, &["init", "--identity", key.to_str().unwrap()]);
    let bundle = w.path(&format!("{name}.gmm"));
    shape
        .write_bundle(std::fs::File::create(&bundle).unwrap())
        .unwrap();
    w.json(name, &["import", bundle.to_str().unwrap()])
}

/// n events by k authors in turn, each `prev` k events back: all accepted,
/// none a bad link, and the strangers' titles unauthorized.
#[test]
fn a_round_robin_chain_imports_whole() {
    let w = World::new();
    let (n, k) = (6_000, 3_000);
    let report = store_with(&w, "rr", &crafted::round_robin(n, k));
    assert_eq!(report["counts"], serde_json::json!({ "accepted": n }));
    assert_eq!(event_count(&w, "rr", "round robin"), n as u64);
    let (code, checks) = audit_checks(&w, "rr", &[]);
    assert_eq!((code, checks), (0, set(&["unauthorized"])));
    let log = w.ok("rr", &["log", "round robin", "--json"]);
    assert_eq!(log.lines().count(), n);
}

/// k strangers' events all citing the `Create`, then an ordinary `add` on
/// top: the add is effective, its view field is its past's (audit finds only
/// the strangers' refused leaves), and the member list is owner and added.
/// Then an add of one of the strangers, whose refused leave is kept outside
/// the projection record: the region is resolved again, and the stored
/// projection (region, inert events, head count) is still a replay's.
#[test]
fn an_add_on_a_wide_fan_is_ordinary() {
    let w = World::new();
    let k = 5_000;
    let fan = crafted::wide_fan(k);
    let report = store_with(&w, "fan", &fan);
    assert_eq!(report["counts"], serde_json::json!({ "accepted": k + 1 }));
    let zed = w.new_key("zed");
    w.ok("fan", &["add", "wide fan", &zed, "--name", "zed"]);
    let view = w.json("fan", &["members", "wide fan"]);
    let names: Vec<String> = members(&view).into_iter().map(|(_, _, n)| n).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"zed".to_string()), "{names:?}");
    let (code, checks) = audit_checks(&w, "fan", &[]);
    assert_eq!((code, checks), (0, set(&["unauthorized"])));
    w.ok("fan", &["replay", "wide fan"]);
    let stranger = fan.last_signer().unwrap().to_string();
    w.ok("fan", &["add", "wide fan", &stranger, "--name", "stranger"]);
    let view = w.json("fan", &["members", "wide fan"]);
    assert_eq!(members(&view).len(), 3, "{view}");
    let (code, checks) = audit_checks(&w, "fan", &[]);
    assert_eq!((code, checks), (0, set(&["unauthorized"])));
    w.ok("fan", &["replay", "wide fan"]);
}

/// k members' leaves, all citing the owner's last add, more than one import
/// chunk (4,096 records) of them before the bundle's last chunk: the part
/// that leaves the open region wider than a chunk starts a memtable flush
/// (`exchange`, `WIDE_IMPORT_MEMTABLE_BYTES`). Every leave takes effect, the
/// owner alone stays, the audit is clean and a replay agrees.
#[test]
fn members_leaving_at_once_import_in_parts() {
    let w = World::new();
    let k = 8_200;
    let report = store_with(&w, "leaving", &crafted::members_leaving(k));
    assert_eq!(
        report["counts"],
        serde_json::json!({ "accepted": 2 * k + 1 })
    );
    let view = w.json("leaving", &["members", "members leaving"]);
    assert_eq!(members(&view).len(), 1, "{view}");
    let (code, checks) = audit_checks(&w, "leaving", &[]);
    assert_eq!((code, checks), (0, set(&[])));
    w.ok("leaving", &["replay", "members leaving"]);
}

/// A long linear chain through every reading command: nothing recurses per
/// event (`GMM_LONG_CHAIN=1000000` runs the million; the default
/// keeps the debug suite quick).
#[test]
fn a_long_chain_goes_through_every_command() {
    let n: usize = std::env::var("GMM_LONG_CHAIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000);
    let w = World::new();
    let report = store_with(&w, "long", &crafted::linear(n));
    assert_eq!(report["counts"], serde_json::json!({ "accepted": n }));
    let title = format!("t{}", n - 1);
    w.ok("long", &["replay", &title]);
    let (code, checks) = audit_checks(&w, "long", &[]);
    assert_eq!((code, checks), (0, set(&[])));
    let bundle = w.path("long.gmm");
    let diff = w.run("long", &["diff", &title, bundle.to_str().unwrap()]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr_of(&diff));
    copy_dir(&w.path("long"), &w.path("copy"));
    let copy = w.path("copy");
    let diff = w.run("long", &["diff", &title, copy.to_str().unwrap()]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr_of(&diff));
    let log = w.ok("long", &["log", &title]);
    assert!(log.lines().count() >= n, "{} lines", log.lines().count());
    let graph = w.ok("long", &["log", &title, "--graph"]);
    assert!(graph.lines().count() >= n);
    let events = w.ok("long", &["log", &title, "--json"]);
    let events: Vec<Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), n);
    let middle = events[n / 2]["id"].as_str().unwrap();
    let at = w.json("long", &["members", &title, "--at", middle]);
    // The log is newest first: the middle line is title t(n - 1 - n/2).
    assert_eq!(at["title"], format!("t{}", n - 1 - n / 2), "{at}");
    w.ok(
        "long",
        &["export", &title, "--format", "jsonl", "-o", "long.jsonl"],
    );
}
