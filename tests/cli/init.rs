//! `gmm init` and `gmm key generate`: stores, identities, key files.

use std::fs;

use assert_cmd::Command;

use crate::support::world::*;

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

/// Issue 12.4: naming yourself. `init --name` (and again to rename) gives the
/// store's identity a local name shown in members, log, why and errors where
/// a group gave it none; `contacts` lists the keys the store knows.
#[test]
fn naming_yourself_and_contacts() {
    let w = World::new();
    w.ok("a", &["init", "--name", "alice"]);
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
    assert!(
        members
            .lines()
            .any(|l| l.starts_with("owner") && l.ends_with("alice")),
        "{members}"
    );
    let log = w.ok("a", &["log", "G"]);
    assert!(log.contains("alice#1  create group"), "{log}");
    w.ok("a", &["why", "G", "alice"]);
    let err = w.fails("a", &["leave", "G"], 2);
    assert!(err.contains("without its owner (alice)"), "{err}");
    // The name is local: not in any event, not in the view hash.
    let json = w.json("a", &["members", "G"]);
    let owner = json["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "owner")
        .unwrap()
        .clone();
    assert_eq!(owner["name"], "alice");
    let exported = w.ok("a", &["export", "G", "--format", "jsonl"]);
    assert!(!exported.contains("alice"), "{exported}");
    // Rename; a bad name is a usage error.
    w.ok("a", &["init", "--name", "Alice B."]);
    assert!(w.ok("a", &["log", "G"]).contains("Alice B.#1"));
    w.fails("a", &["init", "--name", " padded "], 2);
    let id: gmm::json::IdJson = serde_json::from_str(&w.ok("a", &["id", "--json"])).unwrap();
    assert_eq!(id.name.as_deref(), Some("Alice B."));
    // contacts: every key the store knows, with names and groups.
    let contacts = w.ok("a", &["contacts"]);
    assert!(
        contacts.contains("Alice B. (you)  in \"G\" (owner)"),
        "{contacts}"
    );
    assert!(contacts.contains("bob  in \"G\" (admin)"), "{contacts}");
    let lines: Vec<gmm::json::ContactJson> = w
        .ok("a", &["contacts", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().any(|c| c.is_self && c.name == "Alice B."));
    assert!(lines
        .iter()
        .any(|c| c.key == bob && c.groups[0].role.as_deref() == Some("admin")));
}
