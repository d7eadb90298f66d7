//! The human output of the everyday commands, pinned as a user reads it:
//! stdout, stderr and the exit code of each run, in `tests/cli/snapshots/`.
//! Stores are built from the scenario fixtures, whose keys and times are
//! fixed, so ids are stable; only temporary paths and the random store
//! identity are redacted. A change of wording shows up here for review
//! (`INSTA_UPDATE=always cargo test --test cli snapshots` rewrites them).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use crate::support::scenario::Scenario;
use crate::support::world::*;

/// One run as a user sees it.
fn transcript(args: &[&str], out: &Output) -> String {
    format!(
        "$ gmm {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    )
}

/// Several runs against one store, one transcript after another.
fn session(w: &World, store: &str, runs: &[&[&str]]) -> String {
    runs.iter()
        .map(|args| transcript(args, &w.run(store, args)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Temporary folders and the store's random identity are not part of the output's meaning.
fn settings(w: &World) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let tmp = regex_escape(&w.tmp.path().display().to_string());
    settings.add_filter(&tmp, "[TMP]");
    for entry in fs::read_dir(w.tmp.path()).unwrap() {
        let store = entry.unwrap().path();
        let name = store.file_name().unwrap().to_string_lossy().to_string();
        if let Ok(id) = fs::read_to_string(store.join("identity.pub")) {
            if let Some(key) = id.lines().next().and_then(|l| l.rsplit(' ').next()) {
                let label = format!("[KEY OF STORE {name}]");
                settings.add_filter(key, label.as_str());
                settings.add_filter(&key[..16], label.as_str());
            }
        }
    }
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '.' | '/' | '\\' | '+' | '*' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '^' | '$'
            | '|' => format!("\\{c}"),
            c => c.to_string(),
        })
        .collect()
}

/// Store `name` holding the events of a scenario fixture, minus the last `leave_out`.
fn scenario_store(w: &World, name: &str, fixture: &str, leave_out: usize) -> Scenario {
    w.ok(name, &["init"]);
    let path = crate::support::repo()
        .join("fixtures/scenarios")
        .join(fixture);
    let scenario = Scenario::run(&fs::read_to_string(path).unwrap()).unwrap();
    let store = gmm::store::Store::open(&w.path(name)).unwrap();
    let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
    let events = scenario.delivered();
    for event in &events[..events.len() - leave_out] {
        ingest.offer_record(&event.record()).unwrap();
    }
    ingest.commit().unwrap();
    scenario
}

#[test]
fn members_log_status_and_why_of_a_ban_racing_a_power_change() {
    let w = World::new();
    scenario_store(&w, "a", "s08-matrix-ban-vs-power.txt", 0);
    let text = session(
        &w,
        "a",
        &[
            &["members", "S8"],
            &["log", "S8"],
            &["log", "S8", "--graph"],
            &["status", "S8"],
            &["why", "S8", "B"],
            &["why", "S8", "E"],
        ],
    );
    settings(&w).bind(|| insta::assert_snapshot!("s08_views", text));
}

#[test]
fn a_split_group_with_title_conflicts_and_a_fork() {
    let w = World::new();
    scenario_store(&w, "a", "s07-tox-split-titles.txt", 0);
    let s07 = session(
        &w,
        "a",
        &[
            &["members", "S7"],
            &["log", "S7", "--graph"],
            &["status", "S7"],
        ],
    );
    let w2 = World::new();
    scenario_store(&w2, "a", "s04-simplex-equivocation.txt", 0);
    let s04 = session(&w2, "a", &[&["status", "S4"], &["audit"]]);
    settings(&w).bind(|| insta::assert_snapshot!("s07_titles", s07));
    settings(&w2).bind(|| insta::assert_snapshot!("s04_fork", s04));
}

#[test]
fn diff_export_import_and_audit_between_two_peers() {
    let w = World::new();
    scenario_store(&w, "a", "s02-deltachat-concurrent-adds.txt", 0);
    scenario_store(&w, "b", "s02-deltachat-concurrent-adds.txt", 2);
    let bundle = w.path("s2.gmm");
    let bundle = bundle.to_str().unwrap();
    let mut text = session(
        &w,
        "a",
        &[
            &["diff", "S2", w.path("b").to_str().unwrap()],
            &["export", "S2", "-o", bundle],
        ],
    );
    text.push('\n');
    text.push_str(&session(
        &w,
        "b",
        &[
            &["import", "--dry-run", bundle],
            &["import", bundle],
            &["import", bundle],
            &["audit"],
        ],
    ));
    settings(&w).bind(|| insta::assert_snapshot!("s02_exchange", text));
}

/// One run of every error class a user meets, with its message, hints and code.
#[test]
fn every_error_class_reads_as_one_line_and_hints() {
    let w = World::new();
    scenario_store(&w, "a", "s02-deltachat-concurrent-adds.txt", 0);
    scenario_store(&w, "b", "s01-threema-leave-vs-add.txt", 0);
    fs::write(w.path("junk.gmm"), b"not a bundle").unwrap();
    let junk = w.path("junk.gmm");
    let junk = junk.to_str().unwrap();
    let mut text = session(
        &w,
        "a",
        &[
            &["members", "Nope"],
            &["why", "S2", "Zed"],
            &["members", "S2", "--at", "abc"],
            &["members", "S2", "--at", "0000000000000000"],
            &["add", "S2", "abab"],
            &["title", "S2", "S2"],
            &["import", junk],
            &["import", "missing.gmm"],
            &["frobnicate"],
        ],
    );
    text.push('\n');
    text.push_str(&session(&w, "nowhere", &[&["members", "S2"]]));
    // A permissive secret key: the store refuses to sign with it.
    let key = w.path("a/identity.key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    text.push('\n');
    text.push_str(&session(&w, "a", &[&["leave", "S2"]]));
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    // Not allowed: the store's identity is not a member of the imported group.
    text.push('\n');
    text.push_str(&session(&w, "b", &[&["title", "S1", "Mine"]]));
    // I/O: an output folder that does not exist.
    text.push('\n');
    let out = w.path("no/such/dir/x.gmm");
    text.push_str(&session(
        &w,
        "a",
        &[&["export", "S2", "-o", out.to_str().unwrap()]],
    ));
    // In use: another process holds the store for writing.
    let held = gmm::store::Store::open(&w.path("a")).unwrap();
    text.push('\n');
    text.push_str(&session(&w, "a", &[&["title", "S2", "Busy"]]));
    drop(held);
    settings(&w).bind(|| insta::assert_snapshot!("errors", text));
}
