//! Issue 12.6: every command block of README.md runs as written, in order,
//! in an empty folder with a fresh store (`GMM_DIR`) and the built `gmm` on
//! `PATH`, the way sq runs its examples. A comment `# (exit N)` on a line
//! says the command is meant to exit with N; any other failure fails the test.

use std::fs;

use crate::support::world::*;

/// The README's ```sh blocks, in order.
fn blocks(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                out.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

/// `CMD  # (exit N) words` becomes a check that CMD exits with N.
fn with_expected_exits(block: &str) -> String {
    block
        .lines()
        .map(|line| {
            let Some(at) = line.find("# (exit ") else {
                return line.to_string();
            };
            let code: String = line[at + 8..].chars().take_while(char::is_ascii_digit).collect();
            let command = line[..at].trim_end();
            format!(
                "if {command}; then got=0; else got=$?; fi; \
                 [ \"$got\" = {code} ] || {{ echo \"README: expected exit {code}, got $got: {}\" >&2; exit 1; }}",
                command.replace('"', "\\\"")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_readme_block_runs_as_written() {
    let jq = std::process::Command::new("jq").arg("--version").output();
    assert!(
        jq.is_ok_and(|o| o.status.success()),
        "the README's examples use jq: scripts/setup.sh installs it (apt-get install jq)"
    );
    let root = crate::support::repo();
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = blocks(&readme);
    assert!(
        blocks.len() >= 5,
        "README.md has {} sh blocks",
        blocks.len()
    );
    let w = World::new();
    let work = w.path("work");
    fs::create_dir_all(&work).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("gmm");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script: String = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            format!(
                "echo '--- README block {}' >&2\n{}\n",
                i + 1,
                with_expected_exits(b)
            )
        })
        .collect();
    let out = std::process::Command::new("bash")
        .args(["-c", &format!("set -euo pipefail\n{script}")])
        .current_dir(&work)
        .env_clear()
        .env("PATH", path)
        .env("HOME", w.path("home"))
        .env("GMM_DIR", w.path("store"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "README blocks failed:\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The "who removed whom" line names the remover.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("alice removed "), "{stdout}");
}
