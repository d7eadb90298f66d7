//! Conventions every command keeps: usage errors, JSON, exit codes, help, generated man pages and completions.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::support::world::*;

#[test]
fn usage_errors_exit_2() {
    let w = World::new();
    let out = w.run("a", &["add"]);
    assert_eq!(out.status.code(), Some(2));
    let out = w.run("a", &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
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
