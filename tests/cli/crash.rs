//! Crash safety (issue 15.1): `gmm import` of a large bundle and `gmm batch`
//! of a few thousand ops are killed with SIGKILL at random moments. After
//! every kill the store opens, `gmm audit` has no error finding (its checks
//! include the local log's hash chain), and re-running the command completes;
//! the final `status --json` equals a clean run's. 25 kills of each run in
//! every `cargo test`; `GMM_CRASH_KILLS=1000 cargo test --test cli crash --
//! --nocapture` runs 1,000 of each.

use std::fs;
use std::process::Stdio;
use std::time::Duration;
use std::time::Instant;

use serde_json::Value;

use crate::support::world::*;

fn kills() -> u64 {
    std::env::var("GMM_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25)
}

/// A random-looking moment in `0..limit`, fixed by `seed`.
fn moment(seed: u64, limit: Duration) -> Duration {
    let bytes = *blake3::hash(&seed.to_le_bytes()).as_bytes();
    let x = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    Duration::from_micros(x % (limit.as_micros() as u64).max(1))
}

/// Starts `gmm --dir STORE ARGS…` and kills it with SIGKILL after `after`;
/// returns whether it had already finished.
fn run_and_kill(w: &World, store: &str, args: &[&str], after: Duration) -> bool {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("gmm"))
        .env_clear()
        .env("HOME", w.path("home"))
        .env("NO_COLOR", "1")
        .current_dir(w.path(""))
        .arg("--dir")
        .arg(w.path(store))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
    finished
}

/// The store opens and audits without an error finding.
fn intact(w: &World, store: &str, what: &str) {
    let out = w.run(store, &["audit", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{what}: audit did not run: {}", stderr_of(&out)));
    assert_eq!(report["counts"]["error"], 0, "{what}: {report}");
    assert_eq!(out.status.code(), Some(0), "{what}: {report}");
}

/// `gmm members` lists what the view holds, whatever a kill left: the
/// member pages, or the view itself while an import left them unlisted.
fn listing_matches_view(w: &World, store: &str, group: &str, what: &str) {
    let listed = listed_keys(w, store, group);
    assert_eq!(listed, view_keys(w, store, group), "{what}");
}

/// `status --json` without the fields that name the local store rather than
/// the group (none today, but the comparison says what it compares).
fn status(w: &World, store: &str, group: &str) -> Value {
    w.json(store, &["status", group])
}

/// About 2,000 ops on the group titled `title`: adds, promotions, removals.
fn ops_for(title: &str) -> String {
    let mut ops = String::new();
    for i in 0..700 {
        let key = crate::support::label_key(&format!("crash member {i}"))
            .public()
            .to_hex();
        ops.push_str(&format!("add {title} {key} --name m{i}\n"));
        if i % 3 == 0 {
            ops.push_str(&format!("role {title} {key} admin\n"));
        }
        if i % 2 == 0 {
            ops.push_str(&format!("remove {title} {key}\n"));
        }
    }
    ops
}

/// A store `src` with a group of about 2,000 events (one batch), and its bundle.
fn source_bundle(w: &World) -> (String, String) {
    w.ok("src", &["init"]);
    let group = w.ok("src", &["group", "create", "Big"]);
    fs::write(w.path("ops.txt"), ops_for("Big")).unwrap();
    w.ok("src", &["batch", w.path("ops.txt").to_str().unwrap()]);
    let bundle = w.path("big.gmm");
    w.ok("src", &["export", "Big", "-o", bundle.to_str().unwrap()]);
    (group, bundle.to_str().unwrap().to_string())
}

#[test]
fn import_killed_at_random_moments_loses_nothing() {
    let w = World::new();
    let (group, bundle) = source_bundle(&w);
    w.ok("clean", &["init"]);
    let started = Instant::now();
    w.ok("clean", &["import", &bundle]);
    let full = started.elapsed();
    let expected = status(&w, "clean", &group);
    w.ok("victim", &["init"]);
    let mut interrupted = 0;
    for k in 0..kills() {
        let finished = run_and_kill(&w, "victim", &["import", &bundle], moment(k, full));
        interrupted += u64::from(!finished);
        intact(&w, "victim", &format!("after kill {k}"));
        // Once the group exists (a kill may land before its first part).
        if w.run("victim", &["status", &group]).status.success() {
            listing_matches_view(&w, "victim", &group, &format!("after kill {k}"));
        }
        if k % 5 == 4 {
            // Re-running completes, whatever the kills left.
            w.ok("victim", &["import", &bundle]);
            assert_eq!(status(&w, "victim", &group), expected, "after kill {k}");
            fs::remove_dir_all(w.path("victim")).unwrap();
            w.ok("victim", &["init"]);
        }
    }
    eprintln!("import: {} kills, {interrupted} while it ran", kills());
    assert!(interrupted > 0, "no kill landed while the import ran");
    w.ok("victim", &["import", &bundle]);
    assert_eq!(status(&w, "victim", &group), expected);
}

#[test]
fn batch_killed_at_random_moments_applies_all_or_nothing() {
    let w = World::new();
    w.ok("key", &["init"]);
    let identity = w.path("key").join("identity.key");
    let ops = w.path("fresh-ops.txt");
    fs::write(&ops, ops_for("Fresh")).unwrap();
    let ops = ops.to_str().unwrap();
    // A store with an empty group "Fresh" (group ids differ per store, so
    // member lists are compared, not view hashes).
    let fresh = |store: &str| {
        if w.path(store).exists() {
            fs::remove_dir_all(w.path(store)).unwrap();
        }
        w.ok(
            store,
            &["init", "--identity", identity.to_str().unwrap(), "--quiet"],
        );
        w.ok(store, &["group", "create", "Fresh"]);
    };
    let members = |store: &str| w.json(store, &["members", "Fresh"])["members"].clone();
    fresh("clean");
    let started = Instant::now();
    w.ok("clean", &["batch", ops]);
    let full = started.elapsed();
    let expected = members("clean");
    let mut interrupted = 0;
    for k in 0..kills() {
        fresh("victim");
        let before = members("victim");
        let finished = run_and_kill(&w, "victim", &["batch", ops], moment(1000 + k, full));
        interrupted += u64::from(!finished);
        intact(&w, "victim", &format!("after kill {k}"));
        let after = members("victim");
        if after == before {
            // Nothing was applied: re-running completes.
            w.ok("victim", &["batch", ops]);
        }
        assert_eq!(members("victim"), expected, "kill {k}: all or nothing");
    }
    eprintln!("batch: {} kills, {interrupted} while it ran", kills());
    assert!(interrupted > 0, "no kill landed while the batch ran");
}

/// Concurrent use (issue 15.6): while one process imports a large bundle, a
/// second writer gets exit 75 at once, and readers (`members`, `status`,
/// `log`, `diff`) keep working and never see the event count go backwards.
#[test]
fn readers_work_and_a_second_writer_is_refused_during_an_import() {
    let w = World::new();
    let (group, bundle) = source_bundle(&w);
    w.ok("busy", &["init"]);
    w.ok("busy", &["group", "create", "Other"]);
    let other = w.json("busy", &["status", "Other"]);
    // The bundle reaches the importer slowly through a pipe, so the import
    // (which holds the store from its start) lasts a few seconds.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("gmm"))
        .env_clear()
        .env("HOME", w.path("home"))
        .current_dir(w.path(""))
        .args(["--dir", w.path("busy").to_str().unwrap(), "import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = fs::read(&bundle).unwrap();
    let feeder = std::thread::spawn(move || {
        use std::io::Write as _;
        for piece in bytes.chunks(8 * 1024) {
            stdin.write_all(piece).unwrap();
            std::thread::sleep(Duration::from_millis(40));
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut last = 0u64;
    let mut refused = 0;
    let mut reads = 0;
    while child.try_wait().unwrap().is_none() {
        let started = Instant::now();
        let second = w.run("busy", &["import", &bundle]);
        if child.try_wait().unwrap().is_none() {
            assert_eq!(second.status.code(), Some(75), "{}", stderr_of(&second));
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "refused at once"
            );
            refused += 1;
        }
        for args in [
            vec!["members", group.as_str()],
            vec!["log", group.as_str(), "--json"],
            vec!["diff", group.as_str(), w.path("src").to_str().unwrap()],
        ] {
            let out = w.run("busy", &args);
            // Before the import's first commit the group is unknown (66);
            // after it, every read succeeds (diff: 0 or 1).
            assert!(
                matches!(out.status.code(), Some(0) | Some(1) | Some(66)),
                "{args:?}: {}",
                stderr_of(&out)
            );
            assert!(!stderr_of(&out).contains("panicked"));
        }
        // A group the import does not touch reads the same throughout.
        assert_eq!(
            w.json("busy", &["status", "Other"])["view_hash"],
            other["view_hash"]
        );
        let status = w.run("busy", &["status", &group, "--json"]);
        if status.status.success() {
            let v: Value = serde_json::from_slice(&status.stdout).unwrap();
            let events = v["counts"]["events"].as_u64().unwrap();
            assert!(
                events >= last,
                "counts went backwards: {last} then {events}"
            );
            last = events;
            reads += 1;
        }
    }
    feeder.join().unwrap();
    assert!(child.wait().unwrap().success());
    eprintln!(
        "during the import: {reads} reads of the imported group, {refused} second writers refused"
    );
    assert!(
        refused > 0,
        "a second writer ran while the first held the store"
    );
    assert_eq!(
        w.json("busy", &["status", &group])["counts"],
        w.json("src", &["status", "Big"])["counts"]
    );
}
