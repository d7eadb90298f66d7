//! Peers: `diff` and `correct` between stores and bundles (Delta Chat and Matrix seeds).

use std::fs;

use serde_json::Value;

use crate::support::world::*;

#[test]
fn deltachat_concurrent_adds_diff_and_heal() {
    // S2: admins A and B add Carol and Doris concurrently.
    let w = World::new();
    let group = two_peers(&w);
    let carol = w.new_key("carol");
    let doris = w.new_key("doris");
    let carol_add = w.ok("a", &["add", "G", &carol, "--name", "carol"]);
    let doris_add = w.ok("b", &["add", "G", &doris, "--name", "doris"]);
    let out = w.run("a", &["diff", "G", w.path("b").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("diverged: 1 event(s) only here, 1 only there"),
        "{text}"
    );
    assert!(text.contains("member only here:  carol (member)"), "{text}");
    assert!(text.contains("member only there: doris (member)"), "{text}");
    assert!(
        text.contains(&carol_add[..16]) && text.contains(&doris_add[..16]),
        "{text}"
    );
    let json: Value = serde_json::from_slice(
        &w.run("a", &["diff", "G", w.path("b").to_str().unwrap(), "--json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(json["verdict"], "diverged");
    assert_eq!(json["events_only_here"]["first"][0], carol_add.as_str());
    assert_eq!(json["events_only_there"]["first"][0], doris_add.as_str());
    assert_eq!(json["members_only_there"][0]["name"], "doris");
    heal(&w, "a", "b", &group);
    let out = w.ok("a", &["diff", "G", w.path("b").to_str().unwrap()]);
    assert!(out.starts_with("equal"), "{out}");
    assert_eq!(
        w.json("a", &["status", "G"])["view_hash"],
        w.json("b", &["status", "G"])["view_hash"]
    );
    assert_eq!(
        w.json("a", &["members", "G"])["members"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn deltachat_correction_through_a_third_peer() {
    // S3: A's events reach C but not B; C sends B a correction.
    let w = World::new();
    two_peers(&w);
    let carol = w.ok("c", &["init"]);
    w.ok(
        "a",
        &["add", "G", &carol, "--role", "admin", "--name", "carol"],
    );
    let file = w.path("to-c.gmm");
    w.ok("a", &["export", "G", "-o", file.to_str().unwrap()]);
    w.ok("c", &["import", file.to_str().unwrap()]);
    w.ok("a", &["title", "G", "Moved"]);
    let sync = w.path("a-to-c.gmm");
    w.ok(
        "a",
        &[
            "correct",
            "Moved",
            w.path("c").to_str().unwrap(),
            "-o",
            sync.to_str().unwrap(),
        ],
    );
    w.ok("c", &["import", sync.to_str().unwrap()]);
    // B learns of nothing from A directly; C's correction brings it all.
    let out = w.run("b", &["diff", "G", w.path("c").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout)
        .starts_with("behind: 0 event(s) only here, 2 only there"));
    let fix = w.path("c-to-b.gmm");
    w.ok(
        "c",
        &[
            "correct",
            "Moved",
            w.path("b").to_str().unwrap(),
            "-o",
            fix.to_str().unwrap(),
        ],
    );
    // (B still knows the group by its old title.)
    let inspect = w.json("x", &["bundle", "inspect", fix.to_str().unwrap()]);
    assert_eq!(inspect["kind"], "correction");
    assert_eq!(inspect["event_count"], 2);
    w.ok("b", &["bundle", "verify", fix.to_str().unwrap()]);
    w.ok("b", &["import", fix.to_str().unwrap()]);
    w.ok("b", &["diff", "Moved", w.path("a").to_str().unwrap()]);
    assert_eq!(
        w.json("b", &["status", "Moved"])["view_hash"],
        w.json("a", &["status", "Moved"])["view_hash"]
    );
}

#[test]
fn matrix_outdated_member_list_is_visible_in_heads_and_diff() {
    // S6: B acts on an outdated member list.
    let w = World::new();
    let group = two_peers(&w);
    let carol = w.new_key("carol");
    let dave = w.new_key("dave");
    let add_carol = w.path("carol.gmm");
    w.ok("a", &["add", "G", &carol, "--name", "carol"]);
    w.ok("a", &["export", "G", "-o", add_carol.to_str().unwrap()]);
    w.ok("b", &["import", add_carol.to_str().unwrap()]);
    let removal = w.ok("a", &["remove", "G", "carol"]);
    let stale = w.ok("b", &["add", "G", &dave, "--name", "dave"]);
    // B's event cites the heads B had seen: not the removal.
    let log: Vec<Value> = w
        .ok("b", &["log", "G", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let stale_event = log.iter().find(|e| e["id"] == stale.as_str()).unwrap();
    assert!(!stale_event["parents"].to_string().contains(&removal));
    // diff from B's side names the removal as what B lacked.
    let json: Value = serde_json::from_slice(
        &w.run("b", &["diff", "G", w.path("a").to_str().unwrap(), "--json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(json["verdict"], "diverged");
    assert_eq!(json["events_only_there"]["first"][0], removal.as_str());
    heal(&w, "a", "b", &group);
    let view = w.json("b", &["members", "G"]);
    let names: Vec<&str> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"dave") && !names.contains(&"carol"),
        "{names:?}"
    );
}

#[test]
fn diff_bad_peers() {
    let w = World::new();
    let group = two_peers(&w);
    // Another group's bundle.
    w.ok("a", &["group", "create", "Other"]);
    let other = w.path("other.gmm");
    w.ok("a", &["export", "Other", "-o", other.to_str().unwrap()]);
    let err = w.fails("a", &["diff", "G", other.to_str().unwrap()], 2);
    assert!(err.contains("the bundle is for group"), "{err}");
    // A corrupt bundle.
    let good = w.path("good.gmm");
    w.ok("a", &["export", "G", "-o", good.to_str().unwrap()]);
    let mut bytes = fs::read(&good).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 1;
    let corrupt = w.path("corrupt.gmm");
    fs::write(&corrupt, bytes).unwrap();
    let err = w.fails("a", &["diff", "G", corrupt.to_str().unwrap()], 65);
    assert!(err.contains("digest"), "{err}");
    // A missing directory, and a folder that is not a store.
    w.fails("a", &["diff", "G", w.path("nowhere").to_str().unwrap()], 66);
    fs::create_dir_all(w.path("empty-dir")).unwrap();
    w.fails(
        "a",
        &["diff", "G", w.path("empty-dir").to_str().unwrap()],
        66,
    );
    // A peer store in use by another process can still be read.
    let held = gmm::store::Store::open(&w.path("b")).unwrap();
    let out = w.ok("a", &["diff", "G", w.path("b").to_str().unwrap()]);
    assert!(out.starts_with("equal"), "{out}");
    drop(held);
    // Heads this store has never seen.
    let unknown = "ab".repeat(32);
    let out = w.run("a", &["diff", "G", "--heads", &unknown]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 only there") && text.contains(&unknown[..16]),
        "{text}"
    );
    assert!(text.contains("1 of their heads are unknown here"), "{text}");
    let own = w.json("a", &["status", "G"])["heads"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.ok("a", &["diff", &group, "--heads", &own]);
    w.fails("a", &["diff", "G"], 2);
}

/// Issue 12.13: an event the peer holds as pending is not counted as lacking
/// nor re-sent; the correction carries exactly its missing parent.
#[test]
fn diff_and_correct_count_the_peers_pending_events_as_held() {
    let w = World::new();
    w.ok("a", &["init"]);
    let bob = w.new_key("bob");
    w.ok("a", &["group", "create", "G"]);
    w.ok("a", &["add", "G", &bob, "--name", "bob"]);
    w.ok("a", &["title", "G", "T"]);
    // b holds the Create, and the title as pending (its parent, the add, is missing).
    let text = w.ok("a", &["export", "T", "--format", "jsonl"]);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let pick = |kind: &str| {
        let line = lines.iter().find(|l| l["op"]["type"] == kind).unwrap();
        let mut header = lines[0].clone();
        header["event_count"] = 1.into();
        format!("{header}\n{line}\n")
    };
    w.ok("b", &["init"]);
    for (name, kind) in [("create.jsonl", "create"), ("title.jsonl", "title")] {
        fs::write(w.path(name), pick(kind)).unwrap();
        w.ok("b", &["import", w.path(name).to_str().unwrap()]);
    }
    assert_eq!(w.json("b", &["status", "G"])["counts"]["pending"], 1);
    let b = w.path("b");
    let out = w.run("a", &["diff", "T", b.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["events_only_here"]["count"], 1, "{diff}");
    let fix = w.path("fix.gmm");
    let json = w.json(
        "a",
        &[
            "correct",
            "T",
            b.to_str().unwrap(),
            "-o",
            fix.to_str().unwrap(),
        ],
    );
    assert_eq!(json["events"], 1);
    let report = w.json("b", &["import", fix.to_str().unwrap()]);
    assert_eq!(report["counts"]["accepted"], 1, "{report}");
    assert!(report["counts"].get("duplicate").is_none(), "{report}");
    assert_eq!(report["released"], 1);
    assert_eq!(w.json("b", &["status", "T"])["counts"]["pending"], 0);
    assert_eq!(
        w.run("a", &["diff", "T", b.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
}

/// Issue 12.11: `gmm sync GROUP PEER` diffs, corrects and imports both ways
/// in one command between two store folders, and says what moved.
#[test]
fn sync_reconciles_two_stores_both_ways() {
    let w = World::new();
    let group = two_peers(&w);
    let carol = w.new_key("carol");
    let doris = w.new_key("doris");
    w.ok("a", &["add", "G", &carol, "--name", "carol"]);
    w.ok("b", &["add", "G", &doris, "--name", "doris"]);
    let b = w.path("b");
    let b = b.to_str().unwrap();
    let before_a = w.log_head("a", "G");
    let dry = w.run("a", &["sync", "G", b, "--dry-run"]);
    assert_eq!(dry.status.code(), Some(1));
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(text.contains("would send 1 event(s) to the peer"), "{text}");
    assert!(
        text.contains("would receive 1 event(s) from the peer"),
        "{text}"
    );
    assert!(text.contains("verdict: diverged"), "{text}");
    assert_eq!(w.log_head("a", "G"), before_a);
    let out = w.ok("a", &["sync", "G", b]);
    assert!(
        out.contains("send 1 event(s) to the peer (accepted 1)"),
        "{out}"
    );
    assert!(
        out.contains("receive 1 event(s) from the peer (accepted 1)"),
        "{out}"
    );
    assert!(out.ends_with("verdict: equal"), "{out}");
    assert_eq!(
        w.json("a", &["members", "G"]),
        w.json("b", &["members", "G"])
    );
    assert_eq!(members(&w.json("a", &["members", "G"])).len(), 4);
    // Nothing left to move; the JSON document parses as its contract.
    let json = w.ok("a", &["sync", "G", b, "--json"]);
    let report: gmm::json::SyncJson = serde_json::from_str(&json).unwrap();
    assert_eq!((report.sent.events, report.received.events), (0, 0));
    assert_eq!(report.verdict, "equal");
    // A peer without the group gets all of it; a folder that is no store is refused.
    w.ok("c", &["init"]);
    let c = w.path("c");
    let out = w.ok("a", &["sync", &group, c.to_str().unwrap()]);
    assert!(out.contains("send 4 event(s)"), "{out}");
    assert_eq!(
        w.json("c", &["members", "G"])["view_hash"],
        w.json("a", &["members", "G"])["view_hash"]
    );
    fs::create_dir(w.path("empty")).unwrap();
    let err = w.fails("a", &["sync", "G", w.path("empty").to_str().unwrap()], 66);
    assert!(err.contains("is not a gmm store"), "{err}");
}
