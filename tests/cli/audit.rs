//! `gmm audit` and `verify-proof`: findings on tampered stores and bundles.

use std::fs;

use crate::support::world::*;

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
    // Its JSON is the contract's ProofJson.
    let json = w.ok(
        "never-seen",
        &["verify-proof", proof.to_str().unwrap(), "--json"],
    );
    let proven: gmm::json::ProofJson = serde_json::from_str(&json).unwrap();
    assert!(proven.valid);
    assert_eq!((proven.author.as_str(), proven.seq), (alice.as_str(), 2));
    assert_eq!(proven.events.len(), 2);
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
