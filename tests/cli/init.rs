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
