//! Conventions every command keeps: usage errors, JSON, exit codes, help, generated man pages and completions.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use gmm::json;

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
    let repo = crate::support::repo();
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
    let file = file.to_str().unwrap();
    let b = w.path("b");
    let b = b.to_str().unwrap();
    let c = w.path("c.gmm");
    let c = c.to_str().unwrap();
    let j = w.path("j.key");
    let j = j.to_str().unwrap();
    let proofs = proofs.to_str().unwrap();
    let ops = w.path("ops.txt");
    fs::write(&ops, format!("title T T2\ntitle {group} T\n")).unwrap();
    let ops = ops.to_str().unwrap();
    // Each command's output must parse as its contract struct and serialize
    // back to the same JSON: no field the struct does not declare.
    let runs: Vec<(Vec<&str>, Parse)> = vec![
        (vec!["init"], parses_as::<json::InitJson>),
        (vec!["id"], parses_as::<json::IdJson>),
        (vec!["key", "generate", "-o", j], parses_as::<json::KeyJson>),
        (
            vec!["group", "create", "J"],
            parses_as::<json::GroupCreateJson>,
        ),
        (vec!["group", "list"], parses_as::<json::GroupListJson>),
        (
            vec!["add", "G", &carol, "--name", "carol"],
            parses_as::<json::EventJson>,
        ),
        (
            vec!["role", "G", "carol", "admin"],
            parses_as::<json::EventJson>,
        ),
        (vec!["title", "G", "T"], parses_as::<json::EventJson>),
        (vec!["batch", ops], parses_as::<json::EventJson>),
        (vec!["remove", "T", "carol"], parses_as::<json::EventJson>),
        (vec!["members", "T"], parses_as::<json::ViewJson>),
        (vec!["log", "T"], parses_as::<json::EventJson>),
        (vec!["status", "T"], parses_as::<json::StatusJson>),
        (vec!["why", "T", "carol"], parses_as::<json::WhyJson>),
        (
            vec!["export", "T", "-o", file],
            parses_as::<json::ExportJson>,
        ),
        (vec!["import", file], parses_as::<json::ImportJson>),
        (
            vec!["bundle", "inspect", file],
            parses_as::<json::BundleJson>,
        ),
        (
            vec!["bundle", "verify", file],
            parses_as::<json::BundleJson>,
        ),
        (vec!["diff", "T", b], parses_as::<json::DiffJson>),
        (
            vec!["correct", "T", b, "-o", c],
            parses_as::<json::CorrectJson>,
        ),
        (
            vec!["audit", "--proofs", proofs],
            parses_as::<json::AuditJson>,
        ),
        (vec!["replay", &group], parses_as::<json::ReplayJson>),
    ];
    for (mut args, parse) in runs {
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
            parse(line).unwrap_or_else(|e| panic!("{args:?}: {e}: {line}"));
        }
    }
    // The view as of an event.
    let log = w.ok("a", &["log", "T", "--json"]);
    let first: Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    let first = first["id"].as_str().unwrap().to_string();
    let at = w.ok("a", &["members", "T", "--at", &first, "--json"]);
    parses_as::<json::ViewAtJson>(&at).unwrap();
}

type Parse = fn(&str) -> Result<(), String>;

/// Parses `line` as `T` and checks it serializes back to the same JSON.
fn parses_as<T: serde::de::DeserializeOwned + serde::Serialize>(line: &str) -> Result<(), String> {
    let typed: T = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let original: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    if back != original {
        return Err(format!("does not round-trip; as the struct: {back}"));
    }
    Ok(())
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

/// Issue 12.10: each convention found off when tried, pinned.
#[test]
fn exact_exit_codes_for_odd_inputs() {
    let w = World::new();
    let group = two_peers(&w);
    // An empty batch, an empty fork proof on stdin: missing input.
    let empty = w.path("empty.txt");
    fs::write(&empty, "# nothing but a comment\n\n").unwrap();
    let err = w.fails("a", &["batch", empty.to_str().unwrap()], 66);
    assert!(err.contains("holds no ops"), "{err}");
    let out = w.run_with_input("a", &["verify-proof", "-"], "");
    assert_eq!(out.status.code(), Some(66), "{}", stderr_of(&out));
    // A folder given as a bundle.
    fs::create_dir(w.path("folder")).unwrap();
    let err = w.fails("a", &["import", w.path("folder").to_str().unwrap()], 66);
    assert!(err.contains("is a folder, not a bundle file"), "{err}");
    // Blank heads are no heads.
    let err = w.fails("a", &["diff", "G", "--heads", ""], 2);
    assert!(err.contains("heads argument is empty"), "{err}");
    w.fails("a", &["export", "G", "--heads", " ", "-o", "-"], 2);
    // A peer store without the group.
    w.ok("c", &["init"]);
    let err = w.fails("a", &["diff", "G", w.path("c").to_str().unwrap()], 66);
    assert!(err.contains("does not hold group"), "{err}");
    // The old spelling of --heads on export still works.
    w.ok(
        "a",
        &[
            "export",
            "G",
            "--since",
            &group,
            "-o",
            w.path("x.gmm").to_str().unwrap(),
        ],
    );
    // A failed import prints its report on stderr, and nothing on stdout.
    let bundle = w.path("g.gmm");
    w.ok("a", &["export", "G", "-o", bundle.to_str().unwrap()]);
    let mut bytes = fs::read(&bundle).unwrap();
    bytes.truncate(bytes.len() - 40);
    fs::write(&bundle, &bytes).unwrap();
    let out = w.run("c", &["import", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = stderr_of(&out);
    assert!(
        err.contains("bundle of group") && err.contains("error:"),
        "{err}"
    );
}

/// A reader that closes the pipe early (`gmm export G | head -c 10`) ends the
/// export quietly with 0, whatever the bundle's size.
#[test]
fn a_closed_pipe_ends_quietly() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "G"]);
    let ops = w.path("ops.txt");
    // Titles change the group's title, so lines name it by id.
    let id = w.json("a", &["status", "G"])["group"]
        .as_str()
        .unwrap()
        .to_string();
    let lines: String = (0..3000).map(|i| format!("title {id} t{i}\n")).collect();
    fs::write(&ops, lines).unwrap();
    w.ok("a", &["batch", ops.to_str().unwrap()]);
    for format in ["bin", "jsonl"] {
        let script = format!(
            "{} --dir {} export {id} --format {format} -o - | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}",
            assert_cmd::cargo::cargo_bin("gmm").display(),
            w.path("a").display()
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .output()
            .unwrap();
        let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(
            code,
            "0",
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `-q` silences every command's status lines (results and errors stay).
#[test]
fn quiet_silences_status_everywhere() {
    let w = World::new();
    let _ = two_peers(&w);
    let carol = w.new_key("carol");
    let file = w.path("q.gmm");
    let file = file.to_str().unwrap();
    let b = w.path("b");
    let b = b.to_str().unwrap();
    for args in [
        &["init"][..],
        &["id"],
        &["group", "create", "Q"],
        &["group", "list"],
        &["add", "Q", &carol, "--name", "carol"],
        &["role", "Q", "carol", "admin"],
        &["title", "Q", "Q2"],
        &["members", "Q2"],
        &["log", "Q2"],
        &["status", "Q2"],
        &["why", "Q2", "carol"],
        &["export", "G", "-o", file],
        &["import", file],
        &["bundle", "inspect", file],
        &["bundle", "verify", file],
        &["diff", "G", b],
        &["correct", "G", b, "-o", w.path("c.gmm").to_str().unwrap()],
        &["audit"],
        &["replay", "G"],
        &["remove", "Q2", "carol"],
    ] {
        let mut args = args.to_vec();
        args.push("-q");
        let out = w.run("a", &args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?} printed: {}",
            stderr_of(&out)
        );
    }
}

/// Issue 12.7: examples keep their line breaks, every command (groups
/// included) has a description in `gmm --help`, every man page has an EXIT
/// STATUS section, and `gmm completions SHELL` prints the checked-in script.
#[test]
fn help_man_pages_and_completions_read_well() {
    let w = World::new();
    let help = w.ok("x", &["add", "--help"]);
    assert!(
        help.contains("Examples:\n  gmm add \"Book club\" 3f2a9c1b…e7 --name bob\n  gmm add"),
        "{help}"
    );
    let top = w.ok("x", &["--help"]);
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(commands.len() > 20, "{top}");
    for line in commands {
        let mut words = line.split_whitespace();
        let name = words.next().unwrap();
        assert!(
            words.next().is_some(),
            "`{name}` has no description in gmm --help"
        );
    }
    let man = crate::support::repo().join("man");
    let mut pages = 0;
    for entry in fs::read_dir(&man).unwrap() {
        let page = fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(
            page.contains(".SH \"EXIT STATUS\""),
            "a man page lacks EXIT STATUS"
        );
        assert!(page.contains("\\fB66\\fR"));
        pages += 1;
    }
    assert!(pages > 20);
    for (shell, file) in [("bash", "gmm.bash"), ("zsh", "_gmm"), ("fish", "gmm.fish")] {
        let printed = w.ok("x", &["completions", shell]);
        let checked_in =
            fs::read_to_string(crate::support::repo().join("completions").join(file)).unwrap();
        assert_eq!(printed.trim(), checked_in.trim(), "{shell}");
    }
    assert_eq!(w.run("x", &["completions", "tcsh"]).status.code(), Some(2));
}

/// Runs gmm under a pseudo-terminal (`script`, from util-linux), as a user
/// at a terminal would, with NO_COLOR set; returns what the terminal showed.
fn in_a_terminal(w: &World, store: &str, args: &str) -> String {
    let command = format!(
        "{} --dir {} {args}",
        assert_cmd::cargo::cargo_bin("gmm").display(),
        w.path(store).display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).replace('\r', "\n")
}

/// Issue 12.8: long commands show a bar with the total, a whole-number rate
/// and the time left on a terminal, NO_COLOR notwithstanding; never
/// otherwise (every other test reads gmm's stderr through a pipe, and the
/// `-q` test checks it stays empty).
#[test]
fn progress_bars_on_a_terminal() {
    let w = World::new();
    w.ok("a", &["init"]);
    let id = w.ok("a", &["group", "create", "G"]);
    let n = 30_000;
    let lines: String = (0..n).map(|i| format!("title {id} t{i}\n")).collect();
    fs::write(w.path("ops.txt"), lines).unwrap();
    let ops = w.path("ops.txt");
    let shown = in_a_terminal(&w, "a", &format!("batch {}", ops.display()));
    assert!(shown.contains(&format!("/{n} ops (")), "{shown}");
    let bundle = w.path("g.gmm");
    w.ok("a", &["export", "G", "-o", bundle.to_str().unwrap()]);
    w.ok("b", &["init"]);
    let shown = in_a_terminal(&w, "b", &format!("import {}", bundle.display()));
    let bar = shown
        .lines()
        .find(|l| l.contains(&format!("/{} events (", n + 1)))
        .unwrap_or_else(|| panic!("no import bar:\n{shown}"));
    let rate = bar.split('(').nth(1).unwrap().split("/s").next().unwrap();
    assert!(
        rate.chars().all(|c| c.is_ascii_digit()),
        "rate not whole: {bar}"
    );
    assert!(bar.contains(", ETA "), "{bar}");
    let shown = in_a_terminal(&w, "b", "audit");
    assert!(shown.contains(&format!("/{} events (", n + 1)), "{shown}");
}

/// Issue 12.7: dynamic completion (`source <(COMPLETE=bash gmm)`) offers the
/// store's group titles and member names.
#[test]
fn completion_offers_group_titles_and_member_names() {
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
    w.ok("a", &["group", "create", "Hikers"]);
    let complete = |words: &[&str]| {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("gmm"))
            .env_clear()
            .env("HOME", w.path("home"))
            .env("GMM_DIR", w.path("a"))
            .env("COMPLETE", "fish")
            .arg("--")
            .args(words)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert_eq!(complete(&["gmm", "members", "B"]).trim(), "Book club");
    let all = complete(&["gmm", "log", ""]);
    assert!(all.contains("Book club") && all.contains("Hikers"), "{all}");
    assert_eq!(complete(&["gmm", "why", "Book club", "b"]).trim(), "bob");
    // The registration script for bash.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("gmm"))
        .env_clear()
        .env("COMPLETE", "bash")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("complete"));
}

/// `-o` never replaces what the user did not mean to replace (issue 15.5):
/// a FIFO or device is written into, a symlink's target is replaced and the
/// link kept, a dangling link is refused, and a full disk is exit 74 with the
/// store untouched.
#[test]
fn outputs_write_into_special_files_and_through_symlinks() {
    use std::os::unix::fs::FileTypeExt;
    let w = World::new();
    store_with_group(&w);
    let plain = w.path("plain.gmm");
    w.ok("a", &["export", "G", "-o", plain.to_str().unwrap()]);
    // Bundles differ only in their creation time: compare sizes and magic.
    let expected = fs::read(&plain).unwrap();
    let same = |got: &[u8]| got.len() == expected.len() && got[..8] == expected[..8];

    let fifo = w.path("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    w.ok("a", &["export", "G", "-o", fifo.to_str().unwrap()]);
    assert!(same(&reader.join().unwrap()), "the reader got the bundle");
    assert!(
        fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
        "still a FIFO"
    );

    let target = w.path("target.gmm");
    fs::write(&target, b"old").unwrap();
    let link = w.path("link.gmm");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    w.ok("a", &["export", "G", "-o", link.to_str().unwrap()]);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "still a link"
    );
    assert!(same(&fs::read(&target).unwrap()), "its target replaced");

    let dangling = w.path("dangling.gmm");
    std::os::unix::fs::symlink(w.path("nowhere/x.gmm"), &dangling).unwrap();
    let err = w.fails("a", &["export", "G", "-o", dangling.to_str().unwrap()], 74);
    assert!(err.contains("is a symlink that leads nowhere"), "{err}");
    assert!(fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());

    w.ok("a", &["export", "G", "-o", "/dev/null"]);
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    if Path::new("/dev/full").exists() {
        let err = w.fails("a", &["export", "G", "-o", "/dev/full"], 74);
        assert!(err.starts_with("error: cannot write /dev/full: "), "{err}");
        assert!(fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device());
        let audit = w.ok("a", &["audit"]);
        assert!(audit.starts_with("audit: no findings"), "{audit}");
    }
}
