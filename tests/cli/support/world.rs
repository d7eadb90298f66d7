//! The hermetic harness every CLI test uses: a scratch world with a temporary
//! HOME and named stores, and helpers that run the real `gmm` binary.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A scratch world: a temporary HOME and any number of named stores in it.
pub struct World {
    pub tmp: TempDir,
}

impl World {
    pub fn new() -> World {
        World {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `gmm` with `--dir` set to the named store.
    pub fn gmm(&self, store: &str) -> Command {
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

    pub fn run(&self, store: &str, args: &[&str]) -> Output {
        self.gmm(store).args(args).output().unwrap()
    }

    /// Runs a command with `input` on its standard input.
    pub fn run_with_input(&self, store: &str, args: &[&str], input: impl Into<Vec<u8>>) -> Output {
        self.gmm(store)
            .args(args)
            .write_stdin(input)
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed; returns its stdout, trimmed.
    pub fn ok(&self, store: &str, args: &[&str]) -> String {
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

    pub fn json(&self, store: &str, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_str(&self.ok(store, &args)).unwrap()
    }

    /// Runs a command that must fail with `code`; checks the error is one
    /// `error:` line plus `Caused by:` and `hint:` lines, and returns stderr.
    pub fn fails(&self, store: &str, args: &[&str], code: i32) -> String {
        let out = self.run(store, args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "gmm {args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "no output on failure: {args:?}");
        let mut lines = stderr.lines();
        assert!(lines.next().unwrap().starts_with("error: "), "{stderr}");
        assert!(
            lines.all(|l| l.starts_with("hint: ") || l.starts_with("Caused by: ")),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }

    /// The store's local log head hash, read through `gmm status`.
    pub fn log_head(&self, store: &str, group: &str) -> String {
        let status = self.json(store, &["status", group]);
        status["log_head"]["hash"].as_str().unwrap().to_string()
    }

    /// The public key of an existing key pair, or a new one.
    pub fn new_key_or(&self, name: &str) -> String {
        match gmm::model::keys::load_public(&self.path(&format!("{name}.pub"))) {
            Ok(key) => key.to_hex(),
            Err(_) => self.new_key(name),
        }
    }

    /// A new key pair in the world's folder; returns the public key hex.
    pub fn new_key(&self, name: &str) -> String {
        let path = self.path(&format!("{name}.key"));
        self.ok("unused", &["key", "generate", "-o", path.to_str().unwrap()])
    }
}

pub fn members(view: &Value) -> Vec<(String, String, String)> {
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

/// The keys `gmm -v members` prints, in order: each member, then its
/// devices indented below it (`true` for a device).
pub fn listed_keys(w: &World, store: &str, group: &str) -> Vec<(bool, String)> {
    w.ok(store, &["-v", "members", group])
        .lines()
        .map(|line| match line.strip_prefix("          device ") {
            Some(rest) => (true, rest[..64].to_owned()),
            None => (false, line[8..72].to_owned()),
        })
        .collect()
}

/// The same from the view (`members --json`), which is computed, not
/// listed.
pub fn view_keys(w: &World, store: &str, group: &str) -> Vec<(bool, String)> {
    let view = w.json(store, &["members", group]);
    let mut keys = Vec::new();
    for member in view["members"].as_array().unwrap() {
        keys.push((false, member["key"].as_str().unwrap().to_owned()));
        for device in member["devices"].as_array().into_iter().flatten() {
            keys.push((true, device["key"].as_str().unwrap().to_owned()));
        }
    }
    keys
}

pub fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A store with one group "G" (Alice owner, Bob admin) and its log head.
pub fn store_with_group(w: &World) -> String {
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

/// Creates store `a` and imports a scenario's delivered events into it.
pub fn store_from_scenario(w: &World, fixture: &str) -> crate::support::scenario::Scenario {
    w.ok("a", &["init"]);
    let path = crate::support::repo()
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

pub fn copy_dir(from: &Path, to: &Path) {
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

/// Store `a` with group "G" (Alice, Bob admin, Carol) and its full bundle.
pub fn exported(w: &World) -> (String, Vec<u8>) {
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
pub fn import_bytes(w: &World, name: &str, bytes: &[u8]) -> Output {
    if !w.path("b").exists() {
        w.ok("b", &["init"]);
    }
    let file = w.path(name);
    fs::write(&file, bytes).unwrap();
    w.run("b", &["import", file.to_str().unwrap()])
}

pub fn event_count(w: &World, store: &str, group: &str) -> u64 {
    match w.run(store, &["status", group, "--json"]) {
        out if out.status.success() => {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            v["counts"]["events"].as_u64().unwrap()
        }
        _ => 0,
    }
}

/// Frame boundaries of a binary bundle: (start of each record's length field).
pub fn frames(bytes: &[u8]) -> (usize, Vec<(usize, usize)>) {
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

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

pub fn key_hex(label: &str) -> String {
    crate::support::label_key(label).public().to_hex()
}

/// Adds `n` members named `m0`, `m1`, … to `group` in `store` with one
/// `gmm batch`, their keys labelled `"{label} {i}"`.
pub fn add_many(w: &World, store: &str, group: &str, n: usize, label: &str) {
    let mut ops = String::new();
    for i in 0..n {
        ops.push_str(&format!(
            "add {group} {} --name m{i}\n",
            key_hex(&format!("{label} {i}"))
        ));
    }
    let file = w.path(&format!("{label} ops.txt"));
    std::fs::write(&file, ops).unwrap();
    w.ok(store, &["--quiet", "batch", file.to_str().unwrap()]);
}

/// Two stores sharing group "G": `a` (Alice, owner) and `b` (Bob, admin).
pub fn two_peers(w: &World) -> String {
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

/// `gmm export GROUP` from one store and `gmm import` into another, through
/// the file `name`; returns the import's report.
pub fn pass(w: &World, from: &str, to: &str, group: &str, name: &str) -> String {
    let file = w.path(name);
    w.ok(from, &["export", group, "-o", file.to_str().unwrap()]);
    w.ok(to, &["import", file.to_str().unwrap()])
}

pub fn heal(w: &World, one: &str, other: &str, group: &str) {
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

pub fn audit_checks(
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

pub fn set(ids: &[&str]) -> std::collections::BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Builds a bundle with the library's writer: `group`'s header, any records.
pub fn handmade(group: &str, records: &[Vec<u8>]) -> Vec<u8> {
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
