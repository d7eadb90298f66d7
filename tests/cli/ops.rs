//! Signing ops (`add`, `remove`, `leave`, `role`, `title`, `group create`): naming, authority, refusals.

use std::fs;

use serde_json::Value;

use crate::support::world::*;

/// The acceptance path of the foundation issue.
#[test]
fn book_club_end_to_end() {
    let w = World::new();
    let alice = w.ok("a", &["init"]);
    let bob = w.new_key("bob");
    let carol = w.new_key("carol");
    let dave = w.new_key("dave");
    // Dave is known to Alice's store from another group.
    w.ok(
        "a",
        &[
            "group",
            "create",
            "Work",
            "--member",
            &format!("{dave}::dave"),
        ],
    );
    let group = w.ok("a", &["group", "create", "Book club"]);
    assert_eq!(group.len(), 64);
    w.ok(
        "a",
        &["add", "Book club", &bob, "--name", "bob", "--role", "admin"],
    );
    w.ok("a", &["add", &group[..10], &carol, "--name", "carol"]);
    w.ok("a", &["add", "Book club", &dave[..12]]);
    w.ok("a", &["remove", "Book club", "carol"]);

    let view = w.json("a", &["members", "Book club"]);
    let mut expected = vec![
        (alice.clone(), "owner".into(), String::new()),
        (bob.clone(), "admin".into(), "bob".into()),
        (dave.clone(), "member".into(), "dave".into()),
    ];
    expected.sort();
    assert_eq!(members(&view), expected);
    assert_eq!(view["title"], "Book club");
    assert_eq!(view["group"], group.as_str());

    let log = w.ok("a", &["log", "Book club", "--json"]);
    // `log` is newest first; oldest first here to read like the story.
    let events: Vec<Value> = log
        .lines()
        .rev()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ops: Vec<&str> = events
        .iter()
        .map(|e| e["op"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["create", "add", "add", "add", "remove"]);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["author"], alice.as_str());
        assert_eq!(e["seq"], i as u64 + 1);
        assert_eq!(e["id"].as_str().unwrap().len(), 64);
        assert_eq!(e["status"], "effective");
        let parents = e["parents"].as_array().unwrap();
        if i == 0 {
            assert!(parents.is_empty());
        } else {
            assert_eq!(parents.len(), 1);
            assert_eq!(parents[0]["id"], events[i - 1]["id"]);
            assert_eq!(e["prev"], events[i - 1]["id"]);
        }
    }
    assert_eq!(events[0]["id"], group.as_str());
    // The last event's view field is the view hash the store shows.
    assert_eq!(events[4]["view"], view["view_hash"]);

    let status = w.json("a", &["status", "Book club"]);
    assert_eq!(status["view_hash"], view["view_hash"]);
    assert_eq!(status["heads"][0]["id"], events[4]["id"]);
    assert_eq!(status["heads"].as_array().unwrap().len(), 1);
    // Two groups: the Work group's 2 events and Book club's 5.
    assert_eq!(status["log_head"]["len"], 7);
    assert_eq!(status["log_head"]["hash"].as_str().unwrap().len(), 64);
    assert_eq!(status["counts"]["events"], 5);

    let list: Vec<Value> = w
        .ok("a", &["group", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(list.len(), 2);
}

#[test]
fn role_title_and_leave() {
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
            &format!("{bob}:member:bob"),
        ],
    );
    w.ok("a", &["role", "G", "bob", "admin"]);
    w.ok("a", &["title", "G", "New title"]);
    let view = w.json("a", &["members", "New title"]);
    assert_eq!(view["title"], "New title");
    assert!(members(&view).contains(&(bob.clone(), "admin".into(), "bob".into())));
    w.ok("a", &["leave", "New title", "--force"]);
    let view = w.json("a", &["members", "New title"]);
    assert_eq!(members(&view), vec![(bob, "admin".into(), "bob".into())]);
    // Having left, Alice may no longer act in the group.
    let err = w.fails("a", &["title", "New title", "x"], 77);
    assert!(err.contains("not a member"), "{err}");
}

#[test]
fn unknown_group_and_member() {
    let w = World::new();
    let head = store_with_group(&w);
    let err = w.fails("a", &["add", "Nope", &"ab".repeat(32)], 66);
    assert!(
        err.contains("no group matches `Nope`") && err.contains("group list"),
        "{err}"
    );
    w.fails("a", &["members", "Nope"], 66);
    let err = w.fails("a", &["remove", "G", "zed"], 66);
    assert!(err.contains("zed"), "{err}");
    w.fails("a", &["add", "G", "zed"], 66);
    assert_eq!(w.log_head("a", "G"), head);
}

#[test]
fn ambiguous_prefix_lists_matches() {
    let w = World::new();
    w.ok("a", &["init"]);
    // Two keys sharing an 8-character prefix would take ~2^32 tries to make;
    // names are the practical ambiguity, and a group title shared by two groups.
    let k1 = w.new_key("k1");
    let k2 = w.new_key("k2");
    w.ok(
        "a",
        &[
            "group",
            "create",
            "G",
            "--member",
            &format!("{k1}::sam"),
            "--member",
            &format!("{k2}::sam"),
        ],
    );
    let head = w.log_head("a", "G");
    let err = w.fails("a", &["remove", "G", "sam"], 2);
    assert_eq!(w.log_head("a", "G"), head);
    assert!(err.contains(&k1[..16]) && err.contains(&k2[..16]), "{err}");
    w.ok("a", &["group", "create", "G"]);
    let err = w.fails("a", &["members", "G"], 2);
    assert!(err.contains("matches 2 groups"), "{err}");
}

#[test]
fn short_prefix_is_refused() {
    let w = World::new();
    let head = store_with_group(&w);
    let err = w.fails("a", &["remove", "G", "abc"], 2);
    assert!(err.contains("needs at least 8 hex characters"), "{err}");
    assert_eq!(w.log_head("a", "G"), head);
}

#[test]
fn unauthorized_op_is_refused_before_signing() {
    let w = World::new();
    let alice = w.ok("a", &["init"]);
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
    // The owner demotes herself to member (forced: the group loses its owner),
    // then tries an admin's op.
    w.ok("a", &["role", "G", &alice, "member", "--force"]);
    let head = w.log_head("a", "G");
    let err = w.fails("a", &["remove", "G", "bob"], 77);
    assert!(
        err.contains("only an admin or owner may remove members"),
        "{err}"
    );
    w.fails("a", &["title", "G", "T"], 77);
    w.fails("a", &["add", "G", &w.new_key_or("fresh")], 77);
    assert_eq!(w.log_head("a", "G"), head);
}

#[test]
fn owner_is_never_granted() {
    let w = World::new();
    let head = store_with_group(&w);
    // These are refused by the argument parser (clap's own error layout).
    for args in [
        &["role", "G", "bob", "owner"][..],
        &["add", "G", "bob", "--role", "owner"],
    ] {
        let out = w.run("a", args);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("error: ") && stderr.contains("owner is never granted"));
    }
    assert_eq!(w.log_head("a", "G"), head);
}

#[test]
fn meaningless_ops_are_refused() {
    let w = World::new();
    let head = store_with_group(&w);
    let err = w.fails("a", &["add", "G", "bob"], 2);
    assert!(err.contains("already a member"), "{err}");
    w.fails("a", &["role", "G", "bob", "admin"], 2);
    w.fails("a", &["title", "G", "G"], 2);
    w.fails("a", &["group", "create", "bad\u{7}title"], 2);
    w.fails(
        "a",
        &["add", "G", &w.new_key_or("fresh"), "--name", " spaced "],
        2,
    );
    // A weak (small-order) key is not a usable member key.
    let weak = format!("01{}", "00".repeat(31));
    w.fails("a", &["add", "G", &weak], 2);
    assert_eq!(w.log_head("a", "G"), head);
}

/// Issue 12.1: an empty or blank group or member argument (an unset shell
/// variable) is a usage error, never a match for a member without a name
/// (the owner), and signs nothing.
#[test]
fn blank_arguments_are_usage_errors_and_sign_nothing() {
    let w = World::new();
    let head = store_with_group(&w);
    for args in [
        &["remove", "G", ""][..],
        &["remove", "G", "  "],
        &["role", "G", "", "member"],
        &["add", "", &"ab".repeat(32)],
        &["leave", " "],
        &["members", ""],
        &["why", "G", ""],
        &["members", "G", "--at", ""],
    ] {
        let err = w.fails("a", args, 2);
        assert!(err.contains("argument is empty"), "{args:?}: {err}");
        assert!(err.contains("unset shell variable"), "{args:?}: {err}");
    }
    assert_eq!(w.log_head("a", "G"), head);
}

/// Issue 12.2: the owner leaving, or the last manager of an ownerless group
/// leaving or demoting themselves, is refused unless --force.
#[test]
fn ops_that_strand_a_group_need_force() {
    let w = World::new();
    w.ok("a", &["init"]);
    let bob = w.new_key("bob");
    w.ok(
        "b",
        &["init", "--identity", w.path("bob.key").to_str().unwrap()],
    );
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
    let head = w.log_head("a", "G");
    let err = w.fails("a", &["leave", "G"], 2);
    assert!(err.contains("without its owner"), "{err}");
    assert!(err.contains("--force"), "{err}");
    w.fails("a", &["leave", "G", "--dry-run"], 2);
    assert_eq!(w.log_head("a", "G"), head);
    // Demoting an admin while the owner stays is fine (dry run: nothing signed).
    w.ok("a", &["role", "G", "bob", "member", "--dry-run"]);
    assert_eq!(w.log_head("a", "G"), head);
    w.ok("a", &["leave", "G", "--force"]);
    // Bob, the last admin of an ownerless group, may not leave or demote himself.
    let bundle = w.path("g.gmm");
    w.ok("a", &["export", "G", "-o", bundle.to_str().unwrap()]);
    w.ok("b", &["import", bundle.to_str().unwrap()]);
    let head = w.log_head("b", "G");
    let err = w.fails("b", &["leave", "G"], 2);
    assert!(err.contains("no owner or admin"), "{err}");
    let err = w.fails("b", &["role", "G", "bob", "member"], 2);
    assert!(err.contains("no owner or admin"), "{err}");
    let err = w.fails("b", &["remove", "G", "bob"], 2);
    assert!(err.contains("no owner or admin"), "{err}");
    assert_eq!(w.log_head("b", "G"), head);
    // A batch line may force; without it the whole batch signs nothing.
    let ops = w.path("ops.txt");
    fs::write(&ops, "title G Gee\nleave G\n").unwrap();
    let err = w.fails("b", &["batch", ops.to_str().unwrap()], 2);
    assert!(
        err.contains("line 2") && err.contains("no owner or admin"),
        "{err}"
    );
    assert_eq!(w.log_head("b", "G"), head);
    fs::write(&ops, "leave G --force\n").unwrap();
    w.ok("b", &["batch", ops.to_str().unwrap()]);
    assert!(members(&w.json("b", &["members", "G"])).is_empty());
}

/// Issue 12.3: --dry-run on every signing command and on batch shows the
/// events and the view change, and signs and stores nothing.
#[test]
fn dry_run_signs_and_stores_nothing() {
    let w = World::new();
    let head = store_with_group(&w);
    let carol = w.new_key("carol");
    let out = w.ok("a", &["add", "G", &carol, "--name", "carol", "--dry-run"]);
    assert!(out.starts_with("would sign "), "{out}");
    assert!(
        out.contains("add carol as member") && out.contains("+ carol (member)"),
        "{out}"
    );
    let json = w.ok("a", &["add", "G", &carol, "--dry-run", "--json"]);
    let preview: gmm::json::DryRunJson = serde_json::from_str(&json).unwrap();
    assert!(preview.dry_run);
    assert_eq!(preview.events.len(), 1);
    assert_eq!(preview.groups[0].added[0].key, carol);
    for args in [
        &["remove", "G", "bob", "--dry-run"][..],
        &["role", "G", "bob", "member", "--dry-run"],
        &["title", "G", "Other", "--dry-run"],
        &["leave", "G", "--dry-run", "--force"],
    ] {
        let out = w.ok("a", args);
        assert!(out.starts_with("would sign "), "{args:?}: {out}");
    }
    let ops = w.path("ops.txt");
    fs::write(&ops, format!("add G {carol} --name carol\ntitle G Two\n")).unwrap();
    let out = w.ok("a", &["batch", ops.to_str().unwrap(), "--dry-run"]);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("would sign")).count(),
        2,
        "{out}"
    );
    assert!(out.contains("title: \"G\" -> \"Two\""), "{out}");
    fs::write(&ops, "title G Two --dry-run\n").unwrap();
    let err = w.fails("a", &["batch", ops.to_str().unwrap()], 2);
    assert!(err.contains("whole batch"), "{err}");
    assert_eq!(w.log_head("a", "G"), head);
    let out = w.ok("a", &["group", "create", "New", "--dry-run"]);
    assert!(
        out.contains("create group \"New\"") && out.contains("new group"),
        "{out}"
    );
    let groups = w.ok("a", &["group", "list"]);
    assert!(!groups.contains("New"), "{groups}");
    assert_eq!(w.log_head("a", "G"), head);
}

/// Issue 12.5: resolution that helps: "did you mean" for groups, members and
/// subcommands; a former title resolves (saying so); titles and names match
/// in another case when unique; an ambiguous title lists id prefixes; and a
/// name that looks like another key's prefix is ambiguous, never a hijack.
#[test]
fn names_resolve_helpfully() {
    let w = World::new();
    w.ok("a", &["init"]);
    let bob = w.new_key("bob");
    w.ok(
        "a",
        &[
            "group",
            "create",
            "Book club",
            "--member",
            &format!("{bob}:admin:bob"),
        ],
    );
    let err = w.fails("a", &["members", "Bok club"], 66);
    assert!(err.contains("did you mean `Book club`?"), "{err}");
    let err = w.fails("a", &["why", "Book club", "bbo"], 66);
    assert!(err.contains("did you mean `bob`?"), "{err}");
    let out = w.run("a", &["memebrs", "Book club"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("'members'"));
    // Another case, when unique.
    w.ok("a", &["members", "book CLUB"]);
    w.ok("a", &["why", "Book club", "BOB"]);
    // A former title still names the group, with a note on stderr.
    w.ok("a", &["title", "Book club", "Books"]);
    let out = w.run("a", &["members", "Book club"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let note = stderr_of(&out);
    assert!(note.contains("former title of \"Books\""), "{note}");
    // Two groups with one title: ambiguous, listing id prefixes.
    w.ok("a", &["group", "create", "Same"]);
    w.ok("a", &["group", "create", "Same"]);
    let err = w.fails("a", &["members", "Same"], 2);
    assert!(
        err.contains("matches 2 groups") && err.contains("candidates:"),
        "{err}"
    );
    // A name that is another key's prefix: ambiguous, both listed.
    let carol = w.new_key("carol");
    let mallory = w.new_key("mallory");
    w.ok("a", &["add", "Books", &carol, "--name", "carol"]);
    w.ok("a", &["add", "Books", &mallory, "--name", &carol[..16]]);
    let err = w.fails("a", &["remove", "Books", &carol[..16]], 2);
    assert!(err.contains("matches 2 keys"), "{err}");
    assert!(
        err.contains(&carol[..16]) && err.contains(&mallory[..16]),
        "{err}"
    );
}

/// An added key without `--name` takes the name another group of the
/// store gives it (read from that key's rows, not every group's view),
/// and a key named by a file that is missing fails on the file.
#[test]
fn an_unnamed_add_takes_a_known_name_and_a_missing_key_file_fails() {
    let w = World::new();
    w.ok("a", &["init"]);
    let bob = w.new_key("bob");
    let carol = w.new_key("carol");
    w.ok(
        "a",
        &[
            "group",
            "create",
            "First",
            "--member",
            &format!("{bob}:member:bob"),
        ],
    );
    w.ok("a", &["group", "create", "Second"]);
    w.ok("a", &["add", "Second", &bob]);
    w.ok("a", &["add", "Second", &carol]);
    let second = members(&w.json("a", &["members", "Second"]));
    assert!(
        second.contains(&(bob.clone(), "member".into(), "bob".into())),
        "{second:?}"
    );
    assert!(
        second.contains(&(carol.clone(), "member".into(), String::new())),
        "{second:?}"
    );
    // Named by name, known from another group only.
    w.ok("a", &["group", "create", "Third"]);
    w.ok("a", &["add", "Third", "bob"]);
    let third = members(&w.json("a", &["members", "Third"]));
    assert!(
        third.contains(&(bob, "member".into(), "bob".into())),
        "{third:?}"
    );
    let missing = w.path("nobody.pub");
    let err = w.fails("a", &["add", "Third", missing.to_str().unwrap()], 66);
    assert!(err.contains("nobody.pub"), "{err}");
}
