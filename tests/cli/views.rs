//! Reading a group: `members`, `log`, `status`, `why`, `replay`.

use serde_json::Value;

use crate::support::world::*;

#[test]
fn human_output_reads_well() {
    let w = World::new();
    w.ok("a", &["init"]);
    let bob = w.new_key("bob");
    w.ok(
        "a",
        &[
            "group",
            "create",
            "G",
            "--member",
            &format!("{bob}:admin:bob"),
        ],
    );
    let members = w.ok("a", &["members", "G"]);
    assert!(members.contains("admin") && members.contains("bob") && members.contains("owner"));
    let log = w.ok("a", &["log", "G"]);
    assert!(
        log.contains("create group \"G\"") && log.contains("add bob as admin"),
        "{log}"
    );
    assert!(log.contains("[effective]"));
    let status = w.ok("a", &["status", "G"]);
    assert!(status.contains("view hash:") && status.contains("log head:"));
}

#[test]
fn why_explains_a_ban_racing_a_power_change() {
    let w = World::new();
    let mut s = store_from_scenario(&w, "s08-matrix-ban-vs-power.txt");
    let b = s.key_of("B").to_hex();
    let why = w.ok("a", &["why", "S8", &b]);
    assert!(
        why.contains("B (") && why.contains("is not a member"),
        "{why}"
    );
    assert!(
        why.contains("the latest membership event removes them (rule 3)"),
        "{why}"
    );
    assert!(why.contains("remove B  [effective]"), "{why}");
    assert!(why.contains("set title \"B was here\""), "{why}");
    assert!(
        why.contains("revoked by") && why.contains("(remove B by A), concurrent with it (rule 5)"),
        "{why}"
    );
    let why_e = w.ok("a", &["why", "S8", "E"]);
    assert!(why_e.contains("is not a member"), "{why_e}");
    // Named by its key, E (added only by a revoked event) keeps its name.
    let e = s.key_of("E").to_hex();
    assert_eq!(w.ok("a", &["why", "S8", &e]), why_e);
    assert!(
        why_e.contains("add E as member") && why_e.contains("revoked by"),
        "{why_e}"
    );
    let json = w.json("a", &["why", "S8", "B"]);
    assert_eq!(json["is_member"], false);
    assert_eq!(json["ineffective"].as_array().unwrap().len(), 2);
}

#[test]
fn why_explains_a_mutual_removal() {
    let w = World::new();
    store_from_scenario(&w, "s10-mutual-removal.txt");
    let why = w.ok("a", &["why", "S10", "A"]);
    assert!(
        why.contains("removed in a removal cycle: every removal in a cycle takes effect (rule 5)"),
        "{why}"
    );
    assert!(why.contains("removal cycle (shown as a conflict)"), "{why}");
    let status = w.ok("a", &["status", "S10"]);
    assert!(
        status.contains("conflict:  removal cycle, all removed: A, B (rule 5)")
            || status.contains("all removed: B, A"),
        "{status}"
    );
    let json = w.json("a", &["status", "S10"]);
    assert_eq!(json["conflicts"][0]["type"], "removal-cycle");
}

#[test]
fn why_explains_a_concurrent_readd() {
    let w = World::new();
    store_from_scenario(&w, "s11-p2panda-concurrent-readd.txt");
    let why = w.ok("a", &["why", "S11", "B"]);
    assert!(
        why.contains("an add and a removal are concurrent: remove wins (rule 4)"),
        "{why}"
    );
    assert!(
        why.contains("add B as member  [effective]") && why.contains("remove B  [effective]"),
        "{why}"
    );
}

#[test]
fn title_conflict_and_forks_show_in_status_and_log() {
    let w = World::new();
    store_from_scenario(&w, "s07-tox-split-titles.txt");
    let status = w.ok("a", &["status", "Half A"]);
    assert!(
        status.contains("title \"Half B\" lost to \"Half A\" (rule 6)"),
        "{status}"
    );
    let w2 = World::new();
    store_from_scenario(&w2, "s04-simplex-equivocation.txt");
    let json = w2.json("a", &["status", "S4"]);
    assert_eq!(json["forks"].as_array().unwrap().len(), 1);
    let graph = w2.ok("a", &["log", "S4", "--graph"]);
    assert!(
        graph
            .lines()
            .any(|l| l.starts_with("| *") || l.starts_with("* |")),
        "{graph}"
    );
}

#[test]
fn pending_events_are_listed_with_what_they_miss() {
    let w = World::new();
    let s = store_from_scenario(&w, "s05-missing-parent.txt");
    let cited = s.labels["cited"].to_hex();
    let json = w.json("a", &["status", "S5"]);
    assert_eq!(json["counts"]["pending"], 1);
    assert_eq!(json["missing"][0], cited.as_str());
    let log = w.ok("a", &["log", "S5"]);
    assert!(
        log.contains(&format!("[pending: missing {}]", &cited[..16])),
        "{log}"
    );
    // In JSON, a pending event is an Event with `status` and `missing`.
    let log = w.ok("a", &["log", "S5", "--json"]);
    let pending: Vec<gmm::json::EventJson> = log
        .lines()
        .map(|l| serde_json::from_str::<gmm::json::EventJson>(l).unwrap())
        .filter(|e| e.status.as_deref() == Some("pending"))
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].missing.as_deref(), Some(&[cited.clone()][..]));
    assert_eq!(pending[0].lamport, None);
}

#[test]
fn log_shows_verdicts() {
    let w = World::new();
    store_from_scenario(&w, "x01-removal-cascade.txt");
    let log = w.ok("a", &["log", "X1"]);
    assert!(log.contains("[revoked by"), "{log}");
    assert!(log.contains("[unauthorized: "), "{log}");
    let events: Vec<Value> = w
        .ok("a", &["log", "X1", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let statuses: Vec<&str> = events
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"revoked") && statuses.contains(&"unauthorized"));
    assert!(events.iter().any(|e| e["revoked_by"].is_string()));
    assert!(events.iter().any(|e| e["reason"].is_string()));
}

#[test]
fn replay_agrees_then_catches_a_tampered_projection() {
    let w = World::new();
    let s = store_from_scenario(&w, "s08-matrix-ban-vs-power.txt");
    let out = w.ok("a", &["replay", "S8"]);
    assert!(out.starts_with("projection matches"), "{out}");
    let group = s.group().unwrap();
    {
        let store = gmm::store::Store::open(&w.path("a")).unwrap();
        let mut state = store.group_state(&group).unwrap().unwrap();
        state
            .frontier
            .view
            .set_members(Default::default(), Default::default());
        let mut batch = store.batch();
        batch.put_group_state(&group, &state, gmm::store::StoredRows::Unknown, true);
        store.commit(batch).unwrap();
    }
    let out = w.run("a", &["replay", "S8"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("differs: members or roles differ"));
    // The member listing (its pages) was emptied with the view: the audit
    // says so, and the repair lists the members again.
    assert_eq!(w.ok("a", &["members", "S8"]), "");
    let audit = w.run("a", &["audit"]);
    assert!(
        String::from_utf8_lossy(&audit.stdout).contains("member listing differs"),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
    let out = w.run("a", &["replay", "S8", "--repair"]);
    assert_eq!(out.status.code(), Some(1));
    w.ok("a", &["replay", "S8"]);
    let listed = w.ok("a", &["members", "S8"]).lines().count();
    let members = w.json("a", &["members", "S8"])["members"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        listed >= members && members > 0,
        "{listed} lines, {members} members"
    );
    // A stored verdict changed: the replay names the event, and repairs it.
    let be = {
        let store = gmm::store::Store::open(&w.path("a")).unwrap();
        let effective = |id: &&gmm::model::event::EventId| {
            let meta = store.event_meta(id).unwrap().unwrap();
            meta.verdict.is_effective()
        };
        *s.labels.values().find(effective).unwrap()
    };
    {
        let store = gmm::store::Store::open(&w.path("a")).unwrap();
        let mut meta = store.event_meta(&be).unwrap().unwrap();
        meta.verdict = gmm::rules::projection::Verdict::Unauthorized("tampered".into());
        let mut batch = store.batch();
        batch.put_meta(&be, &meta);
        store.commit(batch).unwrap();
    }
    // Exits 1 and says `sentence`.
    let finds = |args: &[&str], sentence: String| {
        let out = w.run("a", args);
        assert_eq!(out.status.code(), Some(1));
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(said.contains(&sentence), "{said}");
    };
    let be_short = be.short();
    finds(
        &["replay", "S8"],
        format!("event {be_short}: stored unauthorized, rebuilt effective"),
    );
    // The audit compares every stored verdict with its own replay's.
    finds(
        &["audit"],
        format!("event {be_short}'s stored status differs from the replay"),
    );
    let out = w.run("a", &["replay", "S8", "--repair"]);
    assert_eq!(out.status.code(), Some(1));
    w.ok("a", &["replay", "S8"]);
    assert_eq!(
        w.json("a", &["members", "S8"])["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn members_at_an_event_shows_its_authors_view() {
    let w = World::new();
    let s = store_from_scenario(&w, "s08-matrix-ban-vs-power.txt");
    let be = s.labels["be"].to_hex();
    // B's view after adding E: B still an admin, E a member.
    let view = w.json("a", &["members", "S8", "--at", &be[..12]]);
    assert_eq!(view["members"].as_array().unwrap().len(), 4);
    assert_eq!(view["matches_signed_view"], true);
    // Odd-length prefixes and full ids resolve alike; an event of another
    // group is not this group's.
    for id in [&be[..9], &be[..], &be[..13].to_uppercase()] {
        let again = w.json("a", &["members", "S8", "--at", id]);
        assert_eq!(again, view, "--at {id}");
    }
    w.fails("a", &["members", "S8", "--at", "abc"], 2);
    w.fails("a", &["members", "S8", "--at", "0000000000"], 66);
}

/// Issue 12.9: `log` is newest first with and without --graph, takes -n,
/// --author and --member, and its graph shows forks (`|/`) and merges (`|\`).
#[test]
fn log_is_newest_first_filters_and_draws_forks_and_merges() {
    let w = World::new();
    w.ok("a", &["init"]);
    let script = "A: create \"L\"\nA: add B admin\nsync all\nx = A: add Carol\ny = B: add Doris\nsync all\nz = A: title \"merged\"\n";
    let scenario = crate::support::scenario::Scenario::run(script).unwrap();
    let store = gmm::store::Store::open(&w.path("a")).unwrap();
    let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
    for event in scenario.delivered() {
        ingest.offer_record(&event.record()).unwrap();
    }
    ingest.commit().unwrap();
    drop(store);
    let short = |label: &str| scenario.labels[label].to_hex()[..16].to_string();
    let log = w.ok("a", &["log", "merged"]);
    let first_ids: Vec<&str> = log.lines().map(|l| &l[..16]).collect();
    assert_eq!(first_ids[0], short("z"), "{log}");
    assert!(
        log.lines().last().unwrap().contains("create group"),
        "{log}"
    );
    let graph = w.ok("a", &["log", "merged", "--graph"]);
    let ids_in_graph: Vec<String> = graph
        .lines()
        .filter(|l| l.contains("  2023"))
        .map(|l| {
            l.trim_start_matches(['*', '|', ' '])
                .chars()
                .take(16)
                .collect()
        })
        .collect();
    assert_eq!(ids_in_graph, first_ids, "same order with --graph:\n{graph}");
    assert!(
        graph.contains("|\\"),
        "the title merges two branches:\n{graph}"
    );
    assert!(
        graph.contains("|/"),
        "the branches fork from the add of B:\n{graph}"
    );
    // JSON in the same order.
    let json = w.ok("a", &["log", "merged", "--json"]);
    let first: Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"].as_str().unwrap()[..16], short("z"));
    // -n, --author, --member.
    let newest_two: Vec<String> = log.lines().take(2).map(String::from).collect();
    let two: Vec<String> = w
        .ok("a", &["log", "merged", "-n", "2"])
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(two, newest_two);
    let by_b = w.ok("a", &["log", "merged", "--author", "B"]);
    assert_eq!(by_b.lines().count(), 1, "{by_b}");
    assert!(by_b.contains("add Doris"), "{by_b}");
    let about_carol = w.ok("a", &["log", "merged", "--member", "Carol"]);
    assert_eq!(about_carol.lines().count(), 1, "{about_carol}");
    assert!(about_carol.starts_with(&short("x")), "{about_carol}");
    let err = w.fails("a", &["log", "merged", "--author", "Nobody"], 66);
    assert!(err.contains("Nobody"), "{err}");
}

/// Hidden characters (issue 15.4): a title with a right-to-left override and
/// a name with a zero-width space are escaped in human output, so two
/// different things never look the same; JSON keeps the exact text.
#[test]
fn invisible_and_direction_changing_characters_are_shown_escaped() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "Tom\u{202E}gnp.exe"]);
    let one = w.new_key("one");
    let two = w.new_key("two");
    w.ok("a", &["add", "Tom\u{202E}gnp.exe", &one, "--name", "admin"]);
    w.ok(
        "a",
        &["add", "Tom\u{202E}gnp.exe", &two, "--name", "admin\u{200B}"],
    );
    let list = w.ok("a", &["group", "list"]);
    assert!(list.contains("Tom\\u{202E}gnp.exe"), "{list}");
    assert!(!list.contains('\u{202E}'), "{list}");
    let members = w.ok("a", &["members", "Tom\u{202E}gnp.exe"]);
    assert!(members.contains("admin\\u{200B}"), "{members}");
    assert!(!members.contains('\u{200B}'), "{members}");
    let log = w.ok("a", &["log", "Tom\u{202E}gnp.exe"]);
    assert!(
        !log.contains('\u{202E}') && !log.contains('\u{200B}'),
        "{log}"
    );
    let json = w.json("a", &["members", "Tom\u{202E}gnp.exe"]);
    assert_eq!(json["title"], "Tom\u{202E}gnp.exe");
    let names: Vec<&str> = json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"admin\u{200B}"), "{names:?}");
    let err = w.fails("a", &["members", "Tom\u{202E}gnp.ex"], 66);
    assert!(!err.contains('\u{202E}'), "{err}");
}
