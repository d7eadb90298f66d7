//! The CLI test binary: every test runs the real `gmm` binary against real
//! temporary RocksDB stores, in a hermetic environment (cleared variables, a
//! temporary HOME, NO_COLOR=1).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

mod laws;
mod support;

/// A scratch world: a temporary HOME and any number of named stores in it.
struct World {
    tmp: TempDir,
}

impl World {
    fn new() -> World {
        World {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `gmm` with `--dir` set to the named store.
    fn gmm(&self, store: &str) -> Command {
        let mut cmd = Command::cargo_bin("gmm").unwrap();
        cmd.env_clear()
            .env("HOME", self.path("home"))
            .env("NO_COLOR", "1")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(self.tmp.path())
            .arg("--dir")
            .arg(self.path(store));
        cmd
    }

    fn run(&self, store: &str, args: &[&str]) -> Output {
        self.gmm(store).args(args).output().unwrap()
    }

    /// Runs a command that must succeed; returns its stdout, trimmed.
    fn ok(&self, store: &str, args: &[&str]) -> String {
        let out = self.run(store, args);
        assert!(
            out.status.success(),
            "gmm {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end()
            .to_string()
    }

    fn json(&self, store: &str, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_str(&self.ok(store, &args)).unwrap()
    }

    /// Runs a command that must fail with `code`; checks the error is one
    /// `error:` line plus `hint:` lines, and returns stderr.
    fn fails(&self, store: &str, args: &[&str], code: i32) -> String {
        let out = self.run(store, args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "gmm {args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "no output on failure: {args:?}");
        let mut lines = stderr.lines();
        assert!(lines.next().unwrap().starts_with("error: "), "{stderr}");
        assert!(lines.all(|l| l.starts_with("hint: ")), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }

    /// The store's local log head hash, read through `gmm status`.
    fn log_head(&self, store: &str, group: &str) -> String {
        let status = self.json(store, &["status", group]);
        status["log_head"]["hash"].as_str().unwrap().to_string()
    }

    /// The public key of an existing key pair, or a new one.
    fn new_key_or(&self, name: &str) -> String {
        match gmm::model::keys::load_public(&self.path(&format!("{name}.pub"))) {
            Ok(key) => key.to_hex(),
            Err(_) => self.new_key(name),
        }
    }

    /// A new key pair in the world's folder; returns the public key hex.
    fn new_key(&self, name: &str) -> String {
        let path = self.path(&format!("{name}.key"));
        self.ok("unused", &["key", "generate", "-o", path.to_str().unwrap()])
    }
}

fn members(view: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["key"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
                m["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_creates_store_and_private_identity() {
    let w = World::new();
    let key = w.ok("a", &["init"]);
    assert_eq!(key.len(), 64);
    assert_eq!(mode(&w.path("a/identity.key")), 0o600);
    assert_eq!(mode(&w.path("a")), 0o700);
    assert_eq!(w.ok("a", &["id"]), key);
    assert_eq!(w.json("a", &["id"])["key"], key.as_str());
    // A second init changes nothing and says so.
    assert_eq!(w.ok("a", &["init"]), key);
    assert_eq!(w.json("a", &["init"])["created"], false);
}

#[test]
fn init_uses_gmm_dir_then_xdg_default() {
    let w = World::new();
    let mut cmd = Command::cargo_bin("gmm").unwrap();
    let out = cmd
        .env_clear()
        .env("HOME", w.path("home"))
        .env("GMM_DIR", w.path("from-env"))
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(w.path("from-env/identity.key").exists());
    let mut cmd = Command::cargo_bin("gmm").unwrap();
    let out = cmd
        .env_clear()
        .env("HOME", w.path("home"))
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(w.path("home/.local/share/gmm/identity.key").exists());
}

#[test]
fn init_with_imported_identity() {
    let w = World::new();
    let key = w.new_key("alice");
    let path = w.path("alice.key");
    assert_eq!(
        w.ok("a", &["init", "--identity", path.to_str().unwrap()]),
        key
    );
    assert_eq!(
        w.ok("b", &["init", "--identity", path.to_str().unwrap()]),
        key
    );
}

#[test]
fn key_generate_writes_pair_and_refuses_overwrite() {
    let w = World::new();
    let key = w.new_key("bob");
    assert_eq!(mode(&w.path("bob.key")), 0o600);
    let public = fs::read_to_string(w.path("bob.pub")).unwrap();
    assert!(public.starts_with("untrusted comment: gmm public key "));
    assert!(public.contains(&key));
    let path = w.path("bob.key");
    let err = w.fails("x", &["key", "generate", "-o", path.to_str().unwrap()], 2);
    assert!(err.contains("--force"), "{err}");
    let again = w.ok(
        "x",
        &["key", "generate", "-o", path.to_str().unwrap(), "--force"],
    );
    assert_ne!(again, key);
    let stdout = w.ok("x", &["key", "generate", "-o", "-"]);
    assert!(stdout.starts_with("untrusted comment: gmm secret key"));
}

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
    let events: Vec<Value> = log
        .lines()
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
    w.ok("a", &["leave", "New title"]);
    let view = w.json("a", &["members", "New title"]);
    assert_eq!(members(&view), vec![(bob, "admin".into(), "bob".into())]);
    // Having left, Alice may no longer act in the group.
    let err = w.fails("a", &["title", "New title", "x"], 77);
    assert!(err.contains("not a member"), "{err}");
}

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

// ---- Bad input: each gives one error line, its exit code, and changes nothing.

/// A store with one group "G" (Alice owner, Bob admin) and its log head.
fn store_with_group(w: &World) -> String {
    w.ok("a", &["init"]);
    w.new_key("fresh");
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
    w.log_head("a", "G")
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
    // The owner demotes herself to member, then tries an admin's op.
    w.ok("a", &["role", "G", &alice, "member"]);
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

#[test]
fn permissive_key_file_is_refused() {
    let w = World::new();
    let head = store_with_group(&w);
    let key = w.path("a/identity.key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let err = w.fails("a", &["add", "G", &w.new_key_or("fresh")], 77);
    assert!(
        err.contains(&format!("chmod 600 {}", key.display())),
        "{err}"
    );
    // Reading does not need the secret key.
    w.ok("a", &["members", "G"]);
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(w.log_head("a", "G"), head);
}

#[test]
fn second_process_gets_store_in_use() {
    let w = World::new();
    let head = store_with_group(&w);
    let held = gmm::store::Store::open(&w.path("a")).unwrap();
    let err = w.fails("a", &["add", "G", &w.new_key_or("fresh")], 75);
    assert!(err.contains("in use"), "{err}");
    w.fails("a", &["group", "create", "H"], 75);
    // Readers still work while the store is held.
    w.ok("a", &["members", "G"]);
    drop(held);
    assert_eq!(w.log_head("a", "G"), head);
    w.ok("a", &["add", "G", &w.new_key_or("fresh")]);
}

#[test]
fn newer_schema_is_refused() {
    let w = World::new();
    store_with_group(&w);
    let db_path = w.path("a/db");
    let raw_head = |value: Option<u32>| {
        let names = gmm::store::cf::ALL;
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &db_path, names).unwrap();
        let meta = db.cf_handle(gmm::store::cf::META).unwrap();
        if let Some(v) = value {
            db.put_cf(meta, b"schema_version", v.to_be_bytes()).unwrap();
        }
        db.get_cf(meta, b"log_head").unwrap()
    };
    let newer = gmm::store::SCHEMA_VERSION + 1;
    let before = raw_head(Some(newer));
    let err = w.fails("a", &["members", "G"], 65);
    assert!(err.contains(&format!("schema version {newer}")), "{err}");
    w.fails("a", &["add", "G", &w.new_key_or("fresh")], 65);
    assert_eq!(raw_head(None), before);
    // An older schema (1: stored values were in-memory structs) is refused
    // too, naming the version and how to move the groups over.
    raw_head(Some(1));
    let err = w.fails("a", &["members", "G"], 65);
    assert!(err.contains("schema version 1, older than 2"), "{err}");
    assert!(
        err.contains("gmm export") && err.contains("gmm import"),
        "{err}"
    );
    w.fails("a", &["add", "G", &w.new_key_or("fresh")], 65);
    assert_eq!(raw_head(None), before);
}

#[test]
fn missing_store() {
    let w = World::new();
    for args in [
        &["members", "G"][..],
        &["add", "G", "x"],
        &["id"],
        &["group", "list"],
    ] {
        let err = w.fails("nowhere", args, 66);
        assert!(err.contains("gmm init"), "{err}");
    }
    assert!(
        !w.path("nowhere").exists(),
        "a failed command creates nothing"
    );
}

#[test]
fn usage_errors_exit_2() {
    let w = World::new();
    let out = w.run("a", &["add"]);
    assert_eq!(out.status.code(), Some(2));
    let out = w.run("a", &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---- Generated files stay true to the clap definition.

fn compare_trees(expected: &Path, actual: &Path, problems: &mut Vec<String>) {
    for entry in fs::read_dir(actual).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        let committed = expected.join(name);
        match fs::read(&committed) {
            Ok(bytes) if bytes == fs::read(&path).unwrap() => {}
            Ok(_) => problems.push(format!("{} differs", committed.display())),
            Err(_) => problems.push(format!("{} is missing", committed.display())),
        }
    }
    for entry in fs::read_dir(expected).unwrap() {
        let name = entry.unwrap().file_name();
        if !actual.join(&name).exists() {
            problems.push(format!("{} is stale", expected.join(name).display()));
        }
    }
}

#[test]
fn man_pages_and_completions_are_up_to_date() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let w = World::new();
    let out = w.path("generated");
    w.ok("x", &["generate", out.to_str().unwrap()]);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        for dir in ["man", "completions"] {
            let _ = fs::remove_dir_all(repo.join(dir));
            fs::create_dir_all(repo.join(dir)).unwrap();
            for entry in fs::read_dir(out.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                fs::copy(&path, repo.join(dir).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let mut problems = Vec::new();
    for dir in ["man", "completions"] {
        compare_trees(&repo.join(dir), &out.join(dir), &mut problems);
    }
    assert!(
        problems.is_empty(),
        "generated files drifted (run `UPDATE_GENERATED=1 cargo test --test cli man_pages`):\n{}",
        problems.join("\n")
    );
    let gmm_page = fs::read_to_string(repo.join("man/gmm.1")).unwrap();
    assert!(gmm_page.contains("store in use"));
    assert!(repo.join("man/gmm-group-create.1").exists());
}

// ---- The projection through the binary (events moved with the library).

/// Creates store `a` and imports a scenario's delivered events into it.
fn store_from_scenario(w: &World, fixture: &str) -> crate::support::scenario::Scenario {
    w.ok("a", &["init"]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(fixture);
    let scenario =
        crate::support::scenario::Scenario::run(&fs::read_to_string(path).unwrap()).unwrap();
    let store = gmm::store::Store::open(&w.path("a")).unwrap();
    let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
    for event in scenario.delivered() {
        ingest.offer_record(&event.record()).unwrap();
    }
    ingest.commit().unwrap();
    scenario
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
        state.frontier.view.members.clear();
        let mut batch = store.batch();
        batch.put_group_state(&group, &state);
        store.commit(batch).unwrap();
    }
    let out = w.run("a", &["replay", "S8"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("differs: members or roles differ"));
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
    w.fails("a", &["members", "S8", "--at", "abc"], 2);
    w.fails("a", &["members", "S8", "--at", "0000000000"], 66);
}

// ---- Scenarios end to end through the binary: every peer a store, every op
// a gmm command, every sync an exported and imported bundle.

struct CliScenario<'w> {
    w: &'w World,
    group: Option<String>,
    peers: Vec<String>,
    keys: std::collections::BTreeMap<String, String>,
    labels: std::collections::BTreeMap<String, String>,
    withheld: Vec<String>,
    bundles: u32,
}

impl<'w> CliScenario<'w> {
    /// A peer's key; peers mentioned in an op become stores, as in the
    /// library's scenarios (a `sync all` reaches them).
    fn key(&mut self, peer: &str) -> String {
        self.ensure_peer(peer);
        self.keys
            .entry(peer.to_string())
            .or_insert_with(|| crate::support::scenario::peer_key(peer).public().to_hex())
            .clone()
    }

    fn ensure_peer(&mut self, peer: &str) {
        if self.peers.iter().any(|p| p == peer) {
            return;
        }
        let key_path = self.w.path(&format!("{peer}.identity"));
        crate::support::scenario::peer_key(peer)
            .save(&key_path, true)
            .unwrap();
        self.w
            .ok(peer, &["init", "--identity", key_path.to_str().unwrap()]);
        self.peers.push(peer.to_string());
    }

    fn sync(&mut self, from: &str, to: &str) {
        if self.group.is_none() || from == to {
            return;
        }
        self.bundles += 1;
        let file = self.w.path(&format!("bundle-{}.gmm", self.bundles));
        let file = file.to_str().unwrap();
        let group = self.group.clone().unwrap();
        if self.w.run(from, &["status", &group]).status.code() != Some(0) {
            return; // `from` has not seen the group yet
        }
        self.w.ok(from, &["export", &group, "-o", file]);
        self.w.ok(to, &["import", file]);
    }

    fn line(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["sync", "all"] => {
                let peers = self.peers.clone();
                for a in &peers {
                    for b in &peers {
                        self.sync(a, b);
                    }
                }
            }
            ["sync", from, "->", to] => self.sync(from, to),
            ["fork", copy, "from", original] => {
                copy_dir(&self.w.path(original), &self.w.path(copy));
                self.peers.push(copy.to_string());
            }
            ["withhold", label] => self.withheld.push(self.labels[*label].clone()),
            ["expect", ..] => {}
            [label, "=", rest @ ..] => {
                let id = self.op(&rest.join(" "));
                self.labels.insert(label.to_string(), id);
            }
            _ => {
                self.op(line);
            }
        }
    }

    /// Runs `PEER: OP` as a gmm command; returns the new event's id.
    fn op(&mut self, line: &str) -> String {
        let (peer, op) = line.split_once(':').unwrap();
        let peer = peer.trim();
        self.ensure_peer(peer);
        let quoted: Vec<&str> = op.split('"').skip(1).step_by(2).collect();
        let words: Vec<&str> = op.split_whitespace().collect();
        let group = self.group.clone().unwrap_or_default();
        let args: Vec<String> = match words.as_slice() {
            ["create", ..] => vec!["group".into(), "create".into(), quoted[0].into()],
            ["add", member, rest @ ..] => {
                let key = self.key(member);
                let role = rest.first().copied().unwrap_or("member");
                ["add", &group, &key, "--role", role, "--name", member]
                    .map(String::from)
                    .to_vec()
            }
            ["remove", member] => vec!["remove".into(), group, self.key(member)],
            ["leave"] => vec!["leave".into(), group],
            ["role", member, role] => {
                vec!["role".into(), group, self.key(member), role.to_string()]
            }
            ["title", ..] => vec!["title".into(), group, quoted[0].into()],
            _ => panic!("unknown op {line}"),
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let id = self.w.ok(peer, &args);
        if self.group.is_none() {
            self.group = Some(id.clone());
        }
        id
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs a scenario through the binary, then gives a fresh receiver every
/// peer's events (but the withheld ones) and checks it against the scenario's
/// expectations, and every peer that saw everything against the receiver.
fn run_cli_scenario(fixture: &str) {
    let w = World::new();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(fixture);
    let script = fs::read_to_string(&path).unwrap();
    let mut s = CliScenario {
        w: &w,
        group: None,
        peers: Vec::new(),
        keys: Default::default(),
        labels: Default::default(),
        withheld: Vec::new(),
        bundles: 0,
    };
    for raw in script.lines() {
        let line = raw.split(" #").next().unwrap().trim();
        if !line.is_empty() && !line.starts_with('#') {
            s.line(line);
        }
    }
    let group = s.group.clone().unwrap();
    // The receiver gets each peer's events as JSON Lines, minus the withheld.
    w.ok("receiver", &["init"]);
    let mut files = Vec::new();
    for peer in s.peers.clone() {
        if w.run(&peer, &["status", &group]).status.code() != Some(0) {
            continue; // this peer never saw the group
        }
        let text = w.ok(&peer, &["export", &group, "--format", "jsonl"]);
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        let kept: Vec<&str> = lines
            .into_iter()
            .filter(|l| {
                let event: Value = serde_json::from_str(l).unwrap();
                !s.withheld.iter().any(|id| event["id"] == id.as_str())
            })
            .collect();
        let mut header: Value = serde_json::from_str(header).unwrap();
        header["event_count"] = kept.len().into();
        let file = w.path(&format!("{peer}.jsonl"));
        let body = std::iter::once(header.to_string()).chain(kept.iter().map(|l| l.to_string()));
        fs::write(&file, body.collect::<Vec<_>>().join("\n")).unwrap();
        files.push(file.to_str().unwrap().to_string());
    }
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    w.ok("receiver", &args);
    // Compare with the library's run of the same script.
    let expected = crate::support::scenario::Scenario::run(&script)
        .unwrap()
        .expected;
    let name_of = |key: &str| {
        s.keys
            .iter()
            .find(|(_, k)| k.as_str() == key)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| {
                (!s.peers.is_empty())
                    .then(|| {
                        s.peers
                            .iter()
                            .find(|p| {
                                crate::support::scenario::peer_key(p).public().to_hex() == key
                            })
                            .cloned()
                    })
                    .flatten()
                    .unwrap_or_default()
            })
    };
    let view = w.json("receiver", &["members", &group]);
    if let Some(members) = &expected.members {
        let got: std::collections::BTreeMap<String, gmm::model::event::Role> = view["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    name_of(m["key"].as_str().unwrap()),
                    gmm::model::event::Role::parse(m["role"].as_str().unwrap()).unwrap(),
                )
            })
            .collect();
        assert_eq!(&got, members, "{fixture}: members");
    }
    if let Some(title) = &expected.title {
        assert_eq!(view["title"], title.as_str(), "{fixture}: title");
    }
    let status = w.json("receiver", &["status", &group]);
    assert_eq!(
        status["forks"].as_array().unwrap().len(),
        expected.forked.len(),
        "{fixture}: forks"
    );
    if let Some(conflicts) = &expected.title_conflicts {
        let got: std::collections::BTreeSet<String> = status["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "title")
            .map(|c| c["title"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(&got, conflicts, "{fixture}: title conflicts");
    }
    let log: Vec<Value> = w
        .ok("receiver", &["log", &group, "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (label, want) in &expected.statuses {
        let id = &s.labels[label];
        let got = log
            .iter()
            .find(|e| e["id"] == id.as_str())
            .map(|e| e["status"].as_str().unwrap().to_string());
        assert_eq!(
            got.as_deref(),
            Some(want.as_str()),
            "{fixture}: status of {label}"
        );
    }
    w.ok("receiver", &["replay", &group]);
    // Peers that hold every event agree with the receiver on the view hash.
    let total = log.len();
    for peer in s.peers.clone() {
        if w.run(&peer, &["status", &group]).status.code() != Some(0) {
            continue;
        }
        let st = w.json(&peer, &["status", &group]);
        if st["counts"]["events"] == total as u64 && s.withheld.is_empty() {
            assert_eq!(
                st["view_hash"], status["view_hash"],
                "{fixture}: {peer} converged"
            );
        }
    }
}

#[test]
fn seed_scenarios_run_end_to_end_through_bundles() {
    for fixture in [
        "s01-threema-leave-vs-add.txt",
        "s02-deltachat-concurrent-adds.txt",
        "s03-deltachat-correction.txt",
        "s04-simplex-equivocation.txt",
        "s05-missing-parent.txt",
        "s06-matrix-outdated-list.txt",
        "s07-tox-split-titles.txt",
    ] {
        run_cli_scenario(fixture);
    }
}

#[test]
fn race_scenarios_run_end_to_end_through_bundles() {
    for fixture in [
        "s08-matrix-ban-vs-power.txt",
        "s09-p2panda-demote-vs-add.txt",
        "s10-mutual-removal.txt",
        "s11-p2panda-concurrent-readd.txt",
        "s12-deltachat-stale-backup.txt",
        "s13-chatmail-offline-add.txt",
        "x01-removal-cascade.txt",
        "x02-three-way-cycle.txt",
        "x03-removal-chain.txt",
    ] {
        run_cli_scenario(fixture);
    }
}

// ---- Bundles: round trip, idempotence, and every bad input of the issue.

/// Store `a` with group "G" (Alice, Bob admin, Carol) and its full bundle.
fn exported(w: &World) -> (String, Vec<u8>) {
    w.ok("a", &["init"]);
    let bob = w.new_key("bob");
    let carol = w.new_key("carol");
    let group = w.ok(
        "a",
        &[
            "group",
            "create",
            "G",
            "--member",
            &format!("{bob}:admin:bob"),
        ],
    );
    w.ok("a", &["add", "G", &carol, "--name", "carol"]);
    let file = w.path("g.gmm");
    w.ok("a", &["export", "G", "-o", file.to_str().unwrap()]);
    (group, fs::read(file).unwrap())
}

/// Imports bytes into a fresh store `b` (created if needed); returns the output.
fn import_bytes(w: &World, name: &str, bytes: &[u8]) -> Output {
    if !w.path("b").exists() {
        w.ok("b", &["init"]);
    }
    let file = w.path(name);
    fs::write(&file, bytes).unwrap();
    w.run("b", &["import", file.to_str().unwrap()])
}

fn event_count(w: &World, store: &str, group: &str) -> u64 {
    match w.run(store, &["status", group, "--json"]) {
        out if out.status.success() => {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            v["counts"]["events"].as_u64().unwrap()
        }
        _ => 0,
    }
}

/// Frame boundaries of a binary bundle: (start of each record's length field).
fn frames(bytes: &[u8]) -> (usize, Vec<(usize, usize)>) {
    let header_len = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    let mut at = 14 + header_len;
    let body = at;
    let mut out = Vec::new();
    let count = 3; // the fixture group has three events
    for _ in 0..count {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push((at, len));
        at += 4 + len;
    }
    (body, out)
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn export_import_round_trip_is_identical_and_idempotent() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let out = import_bytes(&w, "g.gmm", &bytes);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("accepted 3") && stdout.contains("+ bob (admin)"),
        "{stdout}"
    );
    assert_eq!(
        w.json("a", &["members", "G"]),
        w.json("b", &["members", "G"])
    );
    let head = w.log_head("b", "G");
    let again = w.run(
        "b",
        &["import", w.path("g.gmm").to_str().unwrap(), "--json"],
    );
    let report: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["counts"], serde_json::json!({ "duplicate": 3 }));
    assert_eq!(w.log_head("b", "G"), head);
    // JSON Lines re-imports losslessly into a third store.
    let jsonl = w.ok("a", &["export", &group, "--format", "jsonl"]);
    w.ok("c", &["init"]);
    let file = w.path("g.jsonl");
    fs::write(&file, &jsonl).unwrap();
    w.ok("c", &["import", file.to_str().unwrap()]);
    assert_eq!(
        w.json("c", &["status", "G"])["view_hash"],
        w.json("a", &["status", "G"])["view_hash"]
    );
    // Standard input works too.
    w.ok("d", &["init"]);
    let out = w
        .gmm("d")
        .args(["import", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(event_count(&w, "d", &group), 3);
}

#[test]
fn dry_run_changes_nothing() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    w.ok("b", &["init"]);
    fs::write(w.path("g2.gmm"), &bytes).unwrap();
    let out = w.ok(
        "b",
        &["import", "--dry-run", w.path("g2.gmm").to_str().unwrap()],
    );
    assert!(
        out.contains("events would be: accepted 3") && out.contains("+ carol (member)"),
        "{out}"
    );
    assert_eq!(event_count(&w, "b", &group), 0);
}

#[test]
fn wrong_magic_and_unknown_version() {
    let w = World::new();
    let (_, bytes) = exported(&w);
    let mut bad = bytes.clone();
    bad[0] = b'X';
    let out = import_bytes(&w, "magic.gmm", &bad);
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr_of(&out).contains("not a gmm bundle"));
    let mut bad = bytes.clone();
    bad[8] = 2;
    let out = import_bytes(&w, "version.gmm", &bad);
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr_of(&out).contains("version 2 is not supported"));
}

#[test]
fn truncated_bundles_keep_what_verified() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let (body, frames) = frames(&bytes);
    let mut cuts = vec![(body, 0), (body / 2, 0)];
    for (k, (start, len)) in frames.iter().enumerate() {
        cuts.push((start + 2, k)); // inside a length field
        cuts.push((start + 4 + len / 2, k)); // inside a record
        cuts.push((start + 4 + len, k + 1)); // at the next frame boundary
    }
    cuts.push((bytes.len() - 10, 3)); // inside the trailer
    for (i, (cut, complete)) in cuts.into_iter().enumerate() {
        let store = format!("t{i}");
        w.ok(&store, &["init"]);
        let file = w.path(&format!("cut{i}.gmm"));
        fs::write(&file, &bytes[..cut]).unwrap();
        let out = w.run(&store, &["import", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(65), "cut at {cut}");
        assert!(
            stderr_of(&out).contains("truncated"),
            "cut at {cut}: {}",
            stderr_of(&out)
        );
        assert_eq!(
            event_count(&w, &store, &group),
            complete as u64,
            "cut at {cut}"
        );
    }
}

#[test]
fn flipped_bytes_are_caught() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let (_, frames) = frames(&bytes);
    let (second, len) = frames[1];
    let cases = [
        ("body", second + 4 + 64 + len / 3, "refused: "),
        ("signature", second + 4 + 10, "bad-signature"),
        ("header", 20, ""),
        ("trailer", bytes.len() - 5, "digest"),
    ];
    for (what, at, finding) in cases {
        let store = format!("f-{what}");
        w.ok(&store, &["init"]);
        let mut bad = bytes.clone();
        bad[at] ^= 0x40;
        let file = w.path(&format!("flip-{what}.gmm"));
        fs::write(&file, &bad).unwrap();
        let out = w.run(&store, &["import", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(65), "{what}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr_of(&out)
        );
        assert!(text.contains(finding), "{what}: {text}");
        assert!(!text.contains("panicked"));
        if what == "trailer" {
            assert_eq!(
                event_count(&w, &store, &group),
                3,
                "every event verified on its own"
            );
        }
        if what == "signature" || what == "body" {
            // The damaged event is quarantined; its child waits for it.
            let status = w.json(&store, &["status", &group]);
            assert_eq!(status["counts"]["events"], 1, "{what}");
            assert_eq!(status["counts"]["pending"], 1, "{what}");
        }
    }
}

#[test]
fn a_huge_length_field_allocates_nothing() {
    let w = World::new();
    let (_, bytes) = exported(&w);
    let (_, frames) = frames(&bytes);
    let mut bad = bytes.clone();
    bad[frames[0].0..frames[0].0 + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let out = import_bytes(&w, "huge.gmm", &bad);
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr_of(&out).contains("over the"), "{}", stderr_of(&out));
    let mut bad = bytes.clone();
    bad[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
    let out = import_bytes(&w, "huge-header.gmm", &bad);
    assert_eq!(out.status.code(), Some(65));
}

/// Builds a bundle with the library's writer: `group`'s header, any records.
fn handmade(group: &str, records: &[Vec<u8>]) -> Vec<u8> {
    let header = gmm::bundle::BundleHeader {
        group: gmm::model::event::EventId::from_hex(group).unwrap(),
        kind: gmm::bundle::BundleKind::Export,
        heads: Vec::new(),
        view_hash: Default::default(),
        want: Vec::new(),
        prerequisites: Vec::new(),
        event_count: records.len() as u64,
        created: 0,
    };
    let mut writer = gmm::bundle::BundleWriter::new(Vec::new(), &header).unwrap();
    for r in records {
        writer.record(r).unwrap();
    }
    writer.finish(None).unwrap().0
}

fn records_of(w: &World, store: &str, group: &str) -> Vec<Vec<u8>> {
    let text = w.ok(store, &["export", group, "--format", "jsonl"]);
    text.lines()
        .skip(1)
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            hex::decode(v["record"].as_str().unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn handmade_bundles_reordered_duplicated_foreign_and_empty() {
    let w = World::new();
    let (group, _) = exported(&w);
    let records = records_of(&w, "a", &group);
    // Children before parents: pending, then resolved in the same import.
    let reversed: Vec<Vec<u8>> = records.iter().rev().cloned().collect();
    let out = import_bytes(&w, "rev.gmm", &handmade(&group, &reversed));
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 pending event(s) could be applied"));
    assert_eq!(event_count(&w, "b", &group), 3);
    assert_eq!(w.json("b", &["status", "G"])["counts"]["pending"], 0);
    // Duplicates inside one bundle.
    w.ok("c", &["init"]);
    fs::write(
        w.path("dup.gmm"),
        handmade(&group, &[records[0].clone(), records[0].clone()]),
    )
    .unwrap();
    let report: Value = serde_json::from_str(&w.ok(
        "c",
        &["import", w.path("dup.gmm").to_str().unwrap(), "--json"],
    ))
    .unwrap();
    assert_eq!(
        report["counts"],
        serde_json::json!({ "accepted": 1, "duplicate": 1 })
    );
    // Events of another group.
    w.ok("a", &["group", "create", "Other"]);
    let other_group = w.json("a", &["status", "Other"])["group"]
        .as_str()
        .unwrap()
        .to_string();
    let other = records_of(&w, "a", &other_group);
    let mixed = handmade(&group, &[records[0].clone(), other[0].clone()]);
    w.ok("e", &["init"]);
    fs::write(w.path("mixed.gmm"), mixed).unwrap();
    let out = w.run("e", &["import", w.path("mixed.gmm").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not to the bundle's group"));
    assert_eq!(event_count(&w, "e", &group), 1);
    // An empty bundle is fine and changes nothing.
    w.ok("f", &["init"]);
    fs::write(w.path("empty.gmm"), handmade(&group, &[])).unwrap();
    let out = w.ok("f", &["import", w.path("empty.gmm").to_str().unwrap()]);
    assert!(out.contains("no events"), "{out}");
}

#[test]
fn nothing_on_stdin_and_missing_files() {
    let w = World::new();
    w.ok("a", &["init"]);
    let out = w
        .gmm("a")
        .args(["import", "-"])
        .write_stdin(Vec::new())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(66));
    assert!(stderr_of(&out).contains("the input is empty"));
    let out = w.run("a", &["import", "no-such-file.gmm"]);
    assert_eq!(out.status.code(), Some(66));
    let out = w.run("a", &["bundle", "inspect", "no-such-file.gmm"]);
    assert_eq!(out.status.code(), Some(66));
}

#[test]
fn bad_jsonl_lines_are_findings() {
    let w = World::new();
    let (group, _) = exported(&w);
    let text = w.ok("a", &["export", &group, "--format", "jsonl"]);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Line 3 (the second event) is not JSON; line 4's id lies.
    lines[2] = "this is not json".into();
    let mut fourth: Value = serde_json::from_str(&lines[3]).unwrap();
    fourth["id"] = "00".repeat(32).into();
    lines[3] = fourth.to_string();
    let out = import_bytes(&w, "bad.jsonl", lines.join("\n").as_bytes());
    assert_eq!(out.status.code(), Some(65));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("line 3: not JSON"), "{stdout}");
    assert!(
        stdout.contains("line 4: `id` does not match the record"),
        "{stdout}"
    );
    assert_eq!(event_count(&w, "b", &group), 1);
}

#[test]
fn bundle_verify_and_inspect() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let full = w.path("full.gmm");
    fs::write(&full, &bytes).unwrap();
    let inspect = w.json("nostore", &["bundle", "inspect", full.to_str().unwrap()]);
    assert_eq!(inspect["event_count"], 3);
    assert_eq!(inspect["ops"], serde_json::json!({ "add": 2, "create": 1 }));
    assert!(inspect["digest"].is_string());
    // A bundle of only the newest event needs its parents here.
    let status = w.json("a", &["status", "G"]);
    let head = status["heads"][0]["id"].as_str().unwrap().to_string();
    let records = records_of(&w, "a", &group);
    let tail = w.path("tail.gmm");
    fs::write(&tail, handmade(&group, &records[2..])).unwrap();
    w.ok("b", &["init"]);
    let out = w.run("b", &["bundle", "verify", tail.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("missing prerequisite"));
    w.ok("b", &["bundle", "verify", full.to_str().unwrap()]);
    w.ok("b", &["import", full.to_str().unwrap()]);
    w.ok("b", &["bundle", "verify", tail.to_str().unwrap()]);
    // --since: only what is not in the past of the given heads.
    w.ok("a", &["title", "G", "Newer"]);
    let since = w.path("since.gmm");
    w.ok(
        "a",
        &[
            "export",
            "Newer",
            "--since",
            &head[..12],
            "-o",
            since.to_str().unwrap(),
        ],
    );
    let inspect = w.json("x", &["bundle", "inspect", since.to_str().unwrap()]);
    assert_eq!(inspect["event_count"], 1);
    assert_eq!(inspect["prerequisites"][0]["id"], head.as_str());
    w.ok("b", &["import", since.to_str().unwrap()]);
    assert_eq!(w.json("b", &["members", "Newer"])["title"], "Newer");
}

// ---- diff and correct.

/// Two stores sharing group "G": `a` (Alice, owner) and `b` (Bob, admin).
fn two_peers(w: &World) -> String {
    w.ok("a", &["init"]);
    let bob = w.ok("b", &["init"]);
    let group = w.ok(
        "a",
        &[
            "group",
            "create",
            "G",
            "--member",
            &format!("{bob}:admin:bob"),
        ],
    );
    let file = w.path("start.gmm");
    w.ok("a", &["export", "G", "-o", file.to_str().unwrap()]);
    w.ok("b", &["import", file.to_str().unwrap()]);
    group
}

fn heal(w: &World, one: &str, other: &str, group: &str) {
    let to_other = w.path(&format!("to-{other}.gmm"));
    let to_one = w.path(&format!("to-{one}.gmm"));
    w.ok(
        one,
        &[
            "correct",
            group,
            w.path(other).to_str().unwrap(),
            "-o",
            to_other.to_str().unwrap(),
        ],
    );
    w.ok(
        other,
        &[
            "correct",
            group,
            w.path(one).to_str().unwrap(),
            "-o",
            to_one.to_str().unwrap(),
        ],
    );
    w.ok(other, &["import", to_other.to_str().unwrap()]);
    w.ok(one, &["import", to_one.to_str().unwrap()]);
}

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

// ---- audit: tampered stores and bundles, each with its exact finding ids.

fn audit_checks(
    w: &World,
    store: &str,
    args: &[&str],
) -> (i32, std::collections::BTreeSet<String>) {
    let mut all = vec!["audit", "--json"];
    all.extend_from_slice(args);
    let out = w.run(store, &all);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("audit JSON: {}", stderr_of(&out)));
    let checks = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap().to_string())
        .collect();
    (out.status.code().unwrap(), checks)
}

fn set(ids: &[&str]) -> std::collections::BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Opens a store's RocksDB directly, as an attacker with disk access would.
fn tamper(w: &World, store: &str, edit: impl FnOnce(&rocksdb::DB)) {
    let db = rocksdb::DB::open_cf(
        &rocksdb::Options::default(),
        w.path(store).join("db"),
        gmm::store::cf::ALL,
    )
    .unwrap();
    edit(&db);
}

/// A store whose group "G" has a chain of four events by Alice (create, add
/// bob, add carol, set title); returns the event ids in order.
fn chain_store(w: &World) -> Vec<String> {
    w.ok("a", &["init"]);
    let bob = w.new_key("bob");
    let carol = w.new_key("carol");
    let create = w.ok("a", &["group", "create", "G"]);
    let e2 = w.ok("a", &["add", "G", &bob, "--name", "bob"]);
    let e3 = w.ok("a", &["add", "G", &carol, "--name", "carol"]);
    let e4 = w.ok("a", &["title", "G", "Retitled"]);
    vec![create, e2, e3, e4]
}

#[test]
fn audit_finds_nothing_in_clean_stores_and_bundles() {
    let w = World::new();
    let group = two_peers(&w);
    let carol = w.new_key("carol");
    w.ok("a", &["add", "G", &carol, "--name", "carol"]);
    w.ok("b", &["title", "G", "Concurrent"]);
    heal(&w, "a", "b", &group);
    for store in ["a", "b"] {
        let out = w.ok(store, &["audit"]);
        assert!(out.starts_with("audit: no findings"), "{out}");
        assert_eq!(audit_checks(&w, store, &[]), (0, set(&[])));
    }
    let bundle = w.path("clean.gmm");
    w.ok(
        "a",
        &["export", "Concurrent", "-o", bundle.to_str().unwrap()],
    );
    assert_eq!(
        audit_checks(&w, "nostore", &[bundle.to_str().unwrap()]),
        (0, set(&[]))
    );
}

#[test]
fn audit_catches_a_flipped_byte_in_a_stored_event() {
    let w = World::new();
    let ids = chain_store(&w);
    let id = hex::decode(&ids[3]).unwrap();
    tamper(&w, "a", |db| {
        let events = db.cf_handle(gmm::store::cf::EVENTS).unwrap();
        let mut value = db.get_cf(events, &id).unwrap().unwrap();
        let last = value.len() - 1; // the last letter of the title
        value[last] ^= 1;
        db.put_cf(events, &id, value).unwrap();
    });
    assert_eq!(audit_checks(&w, "a", &[]), (1, set(&["bad-id"])));
    let w = World::new();
    let ids = chain_store(&w);
    let id = hex::decode(&ids[2]).unwrap();
    tamper(&w, "a", |db| {
        let events = db.cf_handle(gmm::store::cf::EVENTS).unwrap();
        let mut value = db.get_cf(events, &id).unwrap().unwrap();
        value[5] ^= 1; // inside the signature
        db.put_cf(events, &id, value).unwrap();
    });
    assert_eq!(audit_checks(&w, "a", &[]), (1, set(&["bad-signature"])));
}

#[test]
fn audit_catches_a_rewritten_log_entry() {
    let w = World::new();
    let ids = chain_store(&w);
    tamper(&w, "a", |db| {
        let log = db.cf_handle(gmm::store::cf::LOG).unwrap();
        let key = 2u64.to_be_bytes();
        let mut value = db.get_cf(log, key).unwrap().unwrap();
        value[32..].copy_from_slice(&hex::decode(&ids[3]).unwrap());
        db.put_cf(log, key, value).unwrap();
    });
    assert_eq!(audit_checks(&w, "a", &[]), (1, set(&["log-chain-broken"])));
}

#[test]
fn audit_catches_an_event_deleted_from_a_chain() {
    let w = World::new();
    let ids = chain_store(&w);
    tamper(&w, "a", |db| {
        let events = db.cf_handle(gmm::store::cf::EVENTS).unwrap();
        db.delete_cf(events, hex::decode(&ids[1]).unwrap()).unwrap();
    });
    assert_eq!(
        audit_checks(&w, "a", &[]),
        (1, set(&["seq-gap", "missing-parent", "log-chain-broken"]))
    );
}

#[test]
fn audit_catches_a_real_fork_and_its_proof_verifies_anywhere() {
    let w = World::new();
    let alice = w.new_key("alice");
    let key = w.path("alice.key");
    w.ok("a", &["init", "--identity", key.to_str().unwrap()]);
    w.ok("laptop", &["init", "--identity", key.to_str().unwrap()]);
    w.ok("a", &["group", "create", "G"]);
    let start = w.path("start.gmm");
    w.ok("a", &["export", "G", "-o", start.to_str().unwrap()]);
    w.ok("laptop", &["import", start.to_str().unwrap()]);
    // The same identity appends different events at seq 2 on two devices.
    w.ok("a", &["add", "G", &w.new_key("bob"), "--name", "bob"]);
    w.ok(
        "laptop",
        &["add", "G", &w.new_key("carol"), "--name", "carol"],
    );
    let other = w.path("laptop.gmm");
    w.ok("laptop", &["export", "G", "-o", other.to_str().unwrap()]);
    w.ok("a", &["import", other.to_str().unwrap()]);
    let proofs = w.path("proofs");
    let (code, checks) = audit_checks(&w, "a", &["--proofs", proofs.to_str().unwrap()]);
    assert_eq!((code, checks), (1, set(&["equivocation"])));
    let proof = fs::read_dir(&proofs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // Checked where the group was never seen: no store at all.
    let out = w.ok(
        "never-seen",
        &[
            "verify-proof",
            proof.to_str().unwrap(),
            "--key",
            w.path("alice.pub").to_str().unwrap(),
        ],
    );
    assert!(
        out.starts_with(&format!(
            "valid fork proof: key {alice} signed two different events at seq 2"
        )),
        "{out}"
    );
    let err = w.fails(
        "never-seen",
        &[
            "verify-proof",
            proof.to_str().unwrap(),
            "--key",
            &w.new_key("mallory"),
        ],
        1,
    );
    assert!(err.contains("not by the key given"), "{err}");
    fs::write(w.path("junk.gmmproof"), "hello\n").unwrap();
    w.fails(
        "never-seen",
        &["verify-proof", w.path("junk.gmmproof").to_str().unwrap()],
        65,
    );
    // A severity override turns the verdict.
    let (code, _) = audit_checks(&w, "a", &["--severity", "equivocation=warn"]);
    assert_eq!(code, 0);
    let (code, checks) = audit_checks(&w, "a", &["--severity", "equivocation=ignore"]);
    assert_eq!((code, checks), (0, set(&[])));
    let out = w.run("a", &["audit", "--severity", "nonsense=warn"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn audit_catches_a_lying_view_field() {
    let w = World::new();
    let ids = chain_store(&w);
    let group = gmm::model::event::EventId::from_hex(&ids[0]).unwrap();
    let store = gmm::store::Store::open(&w.path("a")).unwrap();
    let signer = gmm::repo::identity::load_signer(&store).unwrap();
    let last = store
        .event(&gmm::model::event::EventId::from_hex(&ids[3]).unwrap())
        .unwrap()
        .unwrap();
    let event = gmm::model::event::Event {
        version: 1,
        group,
        author: signer.public(),
        seq: 5,
        prev: Some(last.id),
        parents: vec![last.as_parent()],
        time: last.event.time + 1,
        view: gmm::model::event::ViewHash([7; 32]),
        op: gmm::model::event::Op::SetTitle {
            title: "Liar".into(),
        },
    };
    let signed = gmm::model::signed::SignedEvent::sign(event, &signer).unwrap();
    let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
    assert_eq!(
        ingest.offer(signed).unwrap(),
        gmm::repo::ingest::Outcome::Accepted
    );
    ingest.commit().unwrap();
    drop(store);
    assert_eq!(
        audit_checks(&w, "a", &[]),
        (0, set(&["view-hash-mismatch"]))
    );
    let out = w.ok("a", &["audit"]);
    assert!(out.starts_with("warn   view-hash-mismatch"), "{out}");
}

#[test]
fn audit_catches_a_bundle_whose_trailer_lies() {
    let w = World::new();
    chain_store(&w);
    let file = w.path("g.gmm");
    w.ok("a", &["export", "Retitled", "-o", file.to_str().unwrap()]);
    let mut bytes = fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 0x10; // inside the digest
    let liar = w.path("liar.gmm");
    fs::write(&liar, bytes).unwrap();
    assert_eq!(
        audit_checks(&w, "x", &[liar.to_str().unwrap()]),
        (1, set(&["bundle-digest"]))
    );
    // Audit by group name of the store works too, and a missing file is clear.
    assert_eq!(audit_checks(&w, "a", &["Retitled"]), (0, set(&[])));
    w.fails("a", &["audit", "./no-such.gmm"], 66);
}

// ---- batch, JSON everywhere, exit codes, conventions.

fn key_hex(label: &str) -> String {
    crate::support::label_key(label).public().to_hex()
}

#[test]
fn a_thousand_ops_in_one_batch() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "Big club"]);
    let before = w.json("a", &["status", "Big club"])["log_head"]["len"]
        .as_u64()
        .unwrap();
    let mut ops = String::from("# a thousand ops\n\n");
    for i in 0..500 {
        ops.push_str(&format!(
            "add \"Big club\" {} --name m{i}\n",
            key_hex(&format!("m{i}"))
        ));
    }
    for i in 0..250 {
        ops.push_str(&format!("role \"Big club\" m{i} admin   # promote\n"));
    }
    for i in 250..500 {
        ops.push_str(&format!("remove 'Big club' m{i}\n"));
    }
    let file = w.path("ops.txt");
    fs::write(&file, &ops).unwrap();
    let out = w.ok("a", &["batch", file.to_str().unwrap()]);
    assert_eq!(out.lines().count(), 1000);
    assert!(
        out.lines().nth(500).unwrap().ends_with("set m0 to admin"),
        "{out}"
    );
    let status = w.json("a", &["status", "Big club"]);
    assert_eq!(status["log_head"]["len"].as_u64().unwrap(), before + 1000);
    assert_eq!(status["counts"]["members"], 251);
    w.ok("a", &["replay", "Big club"]);
    let (code, checks) = audit_checks(&w, "a", &[]);
    assert_eq!((code, checks), (0, set(&[])));
    // --json: one object per line.
    let out = w
        .gmm("a")
        .args(["batch", "-", "--json"])
        .write_stdin("title \"Big club\" \"Bigger club\"\n")
        .output()
        .unwrap();
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["op"]["type"], "title");
}

#[test]
fn a_batch_with_one_bad_line_applies_nothing() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "G"]);
    let head = w.log_head("a", "G");
    let mut ops = String::new();
    for i in 0..999 {
        ops.push_str(&format!(
            "add G {} --name m{i}\n",
            key_hex(&format!("m{i}"))
        ));
    }
    let bad = [
        "remove G nobody",
        "add G m5",
        "frobnicate G",
        "title G \"unclosed",
        "role G m1 owner",
    ];
    let codes = [66, 2, 2, 2, 2];
    for (bad, code) in bad.iter().zip(codes) {
        let mut with_bad = ops.clone();
        with_bad.insert_str(
            with_bad.match_indices('\n').nth(699).unwrap().0 + 1,
            &format!("{bad}\n"),
        );
        let err = w
            .gmm("a")
            .args(["batch", "-"])
            .write_stdin(with_bad)
            .output()
            .unwrap();
        assert_eq!(err.status.code(), Some(code), "{bad}: {}", stderr_of(&err));
        let text = stderr_of(&err);
        assert!(text.starts_with("error: line 701: "), "{bad}: {text}");
        assert!(err.stdout.is_empty());
        assert_eq!(w.log_head("a", "G"), head, "{bad}: nothing applied");
    }
    // A line that a line before it makes wrong is caught too (checked in order).
    let ops = format!("add G {} --name x\nremove G x\nremove G x\n", key_hex("x"));
    let err = w
        .gmm("a")
        .args(["batch", "-"])
        .write_stdin(ops)
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));
    assert!(
        stderr_of(&err).starts_with("error: line 3: x is not a member"),
        "{}",
        stderr_of(&err)
    );
    assert_eq!(w.log_head("a", "G"), head);
}

#[test]
fn every_command_speaks_json() {
    let w = World::new();
    let group = two_peers(&w);
    let carol = w.new_key("carol");
    let file = w.path("g.gmm");
    let proofs = w.path("p");
    let runs: Vec<Vec<String>> = vec![
        vec!["init".into()],
        vec!["id".into()],
        vec![
            "key".into(),
            "generate".into(),
            "-o".into(),
            w.path("j.key").to_str().unwrap().into(),
        ],
        vec!["group".into(), "create".into(), "J".into()],
        vec!["group".into(), "list".into()],
        vec![
            "add".into(),
            "G".into(),
            carol.clone(),
            "--name".into(),
            "carol".into(),
        ],
        vec!["role".into(), "G".into(), "carol".into(), "admin".into()],
        vec!["title".into(), "G".into(), "T".into()],
        vec!["remove".into(), "T".into(), "carol".into()],
        vec!["members".into(), "T".into()],
        vec!["log".into(), "T".into()],
        vec!["status".into(), "T".into()],
        vec!["why".into(), "T".into(), "carol".into()],
        vec![
            "export".into(),
            "T".into(),
            "-o".into(),
            file.to_str().unwrap().into(),
        ],
        vec!["import".into(), file.to_str().unwrap().into()],
        vec![
            "bundle".into(),
            "inspect".into(),
            file.to_str().unwrap().into(),
        ],
        vec![
            "bundle".into(),
            "verify".into(),
            file.to_str().unwrap().into(),
        ],
        vec![
            "diff".into(),
            "T".into(),
            w.path("b").to_str().unwrap().into(),
        ],
        vec![
            "correct".into(),
            "T".into(),
            w.path("b").to_str().unwrap().into(),
            "-o".into(),
            w.path("c.gmm").to_str().unwrap().into(),
        ],
        vec![
            "audit".into(),
            "--proofs".into(),
            proofs.to_str().unwrap().into(),
        ],
        vec!["replay".into(), group.clone()],
    ];
    for args in runs {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.push("--json");
        let out = w.run("a", &args);
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "{args:?}: {}",
            stderr_of(&out)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.is_empty(), "{args:?} printed no JSON");
        for line in text.lines() {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{args:?}: {e}: {line}"));
            assert!(value.is_object(), "{args:?}");
        }
    }
}

#[test]
fn every_exit_code_of_the_spec() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "G"]);
    // 0 and 1: a clean diff against itself, then a difference.
    w.ok("a", &["diff", "G", w.path("a").to_str().unwrap()]);
    let head = w.json("a", &["status", "G"])["heads"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.ok("a", &["title", "G", "H"]);
    assert_eq!(
        w.run("a", &["diff", "H", "--heads", &head]).status.code(),
        Some(1)
    );
    // 2: usage.
    assert_eq!(w.run("a", &["members"]).status.code(), Some(2));
    // 65: malformed input.
    fs::write(w.path("junk.gmm"), b"not a bundle").unwrap();
    w.fails("a", &["import", w.path("junk.gmm").to_str().unwrap()], 65);
    // 66: missing input.
    w.fails("a", &["import", w.path("none.gmm").to_str().unwrap()], 66);
    // 74: I/O (a key file in a folder that does not exist).
    w.fails(
        "a",
        &[
            "key",
            "generate",
            "-o",
            w.path("no/such/dir/k.key").to_str().unwrap(),
        ],
        74,
    );
    // 75: store in use.
    let held = gmm::store::Store::open(&w.path("a")).unwrap();
    w.fails("a", &["title", "H", "I"], 75);
    drop(held);
    // 77: permission.
    fs::set_permissions(w.path("a/identity.key"), fs::Permissions::from_mode(0o644)).unwrap();
    w.fails("a", &["title", "H", "I"], 77);
}

#[test]
fn output_has_no_color_and_help_has_examples() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "G"]);
    let mut cmd = Command::cargo_bin("gmm").unwrap();
    let out = cmd
        .env_clear()
        .env("HOME", w.path("home"))
        .args(["--dir", w.path("a").to_str().unwrap(), "status", "G"])
        .output()
        .unwrap();
    assert!(
        !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
        "no escape codes"
    );
    for command in [
        "add", "remove", "batch", "export", "import", "diff", "correct", "audit", "why",
    ] {
        let help = w.ok("a", &[command, "--help"]);
        assert!(help.contains("Example"), "{command} --help has examples");
        let help2 = w.ok("a", &["help", command]);
        assert_eq!(help, help2);
    }
    // --quiet silences status lines, never results.
    let out = w.run("a", &["--quiet", "add", "G", &key_hex("q")]);
    assert!(out.status.success() && out.stderr.is_empty() && !out.stdout.is_empty());
}

/// An import of several chunks (over 4,096 records) keeps the local log's
/// hash chain whole: each chunk's transaction must read the log head its
/// predecessor wrote.
#[test]
fn a_multi_chunk_import_audits_clean() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "Big"]);
    let mut ops = String::new();
    for i in 0..5_000 {
        ops.push_str(&format!(
            "add Big {} --name m{i}\n",
            key_hex(&format!("chunk {i}"))
        ));
    }
    fs::write(w.path("ops.txt"), ops).unwrap();
    w.ok(
        "a",
        &["--quiet", "batch", w.path("ops.txt").to_str().unwrap()],
    );
    let file = w.path("big.gmm");
    w.ok("a", &["export", "Big", "-o", file.to_str().unwrap()]);
    w.ok("b", &["init"]);
    w.ok("b", &["import", file.to_str().unwrap()]);
    assert_eq!(w.json("b", &["status", "Big"])["log_head"]["len"], 5_001);
    assert_eq!(audit_checks(&w, "b", &[]), (0, set(&[])));
    assert_eq!(
        w.json("a", &["status", "Big"])["view_hash"],
        w.json("b", &["status", "Big"])["view_hash"]
    );
}
