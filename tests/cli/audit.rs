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

/// The `events` key of the stored event `id` (hex): `group ‖ lamport ‖ id`,
/// found by its last 32 bytes.
fn event_key(db: &rocksdb::DB, id: &str) -> Vec<u8> {
    let id = hex::decode(id).unwrap();
    let events = db.cf_handle(gmm::store::cf::EVENTS).unwrap();
    db.iterator_cf(events, rocksdb::IteratorMode::Start)
        .map(|item| item.unwrap().0.to_vec())
        .find(|key| key.ends_with(&id))
        .expect("the event is stored")
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

/// Store "a" with one group "G", opened through the library, for tests
/// that sign events by hand: the group's id as printed and parsed, the
/// store, and the group's Create.
fn one_group(
    w: &World,
) -> (
    String,
    gmm::model::event::EventId,
    gmm::store::Store,
    gmm::model::signed::SignedEvent,
) {
    w.ok("a", &["init"]);
    let group = w.ok("a", &["group", "create", "G"]);
    let gid = gmm::model::event::EventId::from_hex(&group).unwrap();
    let store = gmm::store::Store::open(&w.path("a")).unwrap();
    let create = store.event(&gid).unwrap().unwrap();
    (group, gid, store, create)
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
    tamper(&w, "a", |db| {
        let id = event_key(db, &ids[3]);
        let events = db.cf_handle(gmm::store::cf::EVENTS).unwrap();
        let mut value = db.get_cf(events, &id).unwrap().unwrap();
        let last = value.len() - 1; // the last letter of the title
        value[last] ^= 1;
        db.put_cf(events, &id, value).unwrap();
    });
    assert_eq!(audit_checks(&w, "a", &[]), (1, set(&["bad-id"])));
    let w = World::new();
    let ids = chain_store(&w);
    tamper(&w, "a", |db| {
        let id = event_key(db, &ids[2]);
        let events = db.cf_handle(gmm::store::cf::EVENTS).unwrap();
        let mut value = db.get_cf(events, &id).unwrap().unwrap();
        value[5] ^= 1; // inside the signature
        db.put_cf(events, &id, value).unwrap();
    });
    assert_eq!(audit_checks(&w, "a", &[]), (1, set(&["bad-signature"])));
    // An intact record filed under another group's key (schema 7 keys
    // events by group, Lamport number and id): the key was changed.
    let w = World::new();
    let ids = chain_store(&w);
    tamper(&w, "a", |db| {
        let key = event_key(db, &ids[3]);
        let events = db.cf_handle(gmm::store::cf::EVENTS).unwrap();
        let value = db.get_cf(events, &key).unwrap().unwrap();
        let mut moved = key.clone();
        moved[..32].copy_from_slice(&[0xee; 32]);
        db.delete_cf(events, &key).unwrap();
        db.put_cf(events, &moved, value).unwrap();
    });
    let out = w.run("a", &["audit"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("is filed under group eeeeeeee"), "{text}");
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
        db.delete_cf(events, event_key(db, &ids[1])).unwrap();
    });
    assert_eq!(
        audit_checks(&w, "a", &[]),
        (1, set(&["seq-gap", "missing-parent", "log-chain-broken"]))
    );
}

/// The walk stops at the first event out of order while the thread that
/// reads the group's events is batches ahead of it: the audit still ends,
/// and the exhaustive path finds what the four-event chain's audit finds.
#[test]
fn an_event_deleted_early_from_a_long_chain_ends_the_walk_at_once() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "Long"]);
    add_many(&w, "a", "Long", 2_000, "long");
    // Newest first: the second last line is the first add.
    let ids: Vec<String> = w
        .ok("a", &["log", "Long", "--json"])
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            event["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2_001);
    tamper(&w, "a", |db| {
        let events = db.cf_handle(gmm::store::cf::EVENTS).unwrap();
        db.delete_cf(events, event_key(db, &ids[ids.len() - 2]))
            .unwrap();
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
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "gmmproof"))
        .unwrap();
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
    assert_eq!(
        (proven.author.as_deref(), proven.seq),
        (Some(alice.as_str()), Some(2))
    );
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
    assert!(err.contains("not about the key given"), "{err}");
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
        version: gmm::model::event::EVENT_VERSION,
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
    // Its proof re-computes the view of the event's past, with no store.
    let evidence = w.path("evidence");
    w.ok("a", &["audit", "--evidence", evidence.to_str().unwrap()]);
    let checked = w.json("x", &["verify-proof", evidence.to_str().unwrap()]);
    let checked: gmm::json::EvidenceCheckJson = serde_json::from_value(checked).unwrap();
    assert_eq!((checked.held, checked.failed), (1, 0));
    let item = &checked.items[0];
    assert_eq!(item.kind.as_deref(), Some("view-mismatch"));
    assert_eq!(item.view_says.as_deref(), Some(&"07".repeat(32)[..]));
    assert_eq!(item.records, 5, "the event and its whole past");
    // `prove --at` cannot show what the liar saw: its field matches no past.
    let err = w.fails("a", &["prove", &ids[0], "--at", &item.events[0], "bob"], 1);
    assert!(err.contains("its author's view cannot be shown"), "{err}");
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

/// A bundle whose record's signature was altered: the record is reported
/// (and the digest over the bundle's bytes no longer matches).
#[test]
fn audit_of_a_bundle_finds_a_signature_that_does_not_verify() {
    let w = World::new();
    chain_store(&w);
    let file = w.path("g.gmm");
    w.ok("a", &["export", "Retitled", "-o", file.to_str().unwrap()]);
    let mut bytes = fs::read(&file).unwrap();
    let header_len = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    // Magic, version and length (14 bytes), the header, a record's length
    // (4 bytes), then its signature.
    bytes[14 + header_len + 4 + 2] ^= 1;
    let altered = w.path("altered.gmm");
    fs::write(&altered, bytes).unwrap();
    let (code, checks) = audit_checks(&w, "x", &[altered.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(checks.contains("bad-signature"), "{checks:?}");
    assert!(checks.contains("bundle-digest"), "{checks:?}");
}

/// A bundle whose event cites its parent by the right author and seq but
/// another id: `bad-parent-hash`, naming the event the bundle holds there.
#[test]
fn audit_of_a_bundle_names_the_event_held_where_a_parent_id_is_wrong() {
    use gmm::model::event::{Event, EventId, Op, EVENT_VERSION};
    let w = World::new();
    let (group, gid, store, create) = one_group(&w);
    let signer = gmm::repo::identity::load_signer(&store).unwrap();
    drop(store);
    let mut cited = create.as_parent();
    cited.id = EventId([7; 32]);
    let event = Event {
        version: EVENT_VERSION,
        group: gid,
        author: signer.public(),
        seq: 2,
        prev: Some(create.id),
        parents: vec![cited],
        time: create.event.time + 1,
        view: create.event.view,
        op: Op::SetTitle { title: "t".into() },
    };
    let wrong = gmm::model::signed::SignedEvent::sign(event, &signer).unwrap();
    let bundle = w.path("wrong.gmm");
    fs::write(
        &bundle,
        handmade(&group, &[create.record(), wrong.record()]),
    )
    .unwrap();
    let out = w.run("x", &["audit", "--json", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let checks: Vec<&str> = findings
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["bad-parent-hash"], "{report}");
    let named: Vec<&str> = findings[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    let cited = EventId([7; 32]).to_hex();
    assert_eq!(named, [wrong.id.to_hex(), cited, group.clone()], "{report}");
}

/// Issue 14's case, as a user runs it: Alice removes Carol while Carol adds
/// Mallory; Mallory's later add is refused. The evidence folder, moved where
/// no store exists, re-checks with the verdicts `why` gives.
#[test]
fn an_evidence_folder_is_checked_without_a_store_and_gives_why_s_verdicts() {
    let w = World::new();
    w.ok("ea", &["init"]);
    let carol = w.ok("ec", &["init"]);
    let mallory = w.ok("em", &["init"]);
    w.ok(
        "ea",
        &[
            "group",
            "create",
            "Club",
            "--member",
            &format!("{carol}:admin:carol"),
        ],
    );
    pass(&w, "ea", "ec", "Club", "start.gmm");
    w.ok("ea", &["remove", "Club", "carol"]);
    w.ok(
        "ec",
        &[
            "add", "Club", &mallory, "--name", "mallory", "--role", "admin",
        ],
    );
    pass(&w, "ec", "em", "Club", "carol.gmm");
    w.ok("em", &["add", "Club", &w.new_key("zed"), "--name", "zed"]);
    pass(&w, "em", "ea", "Club", "mallory.gmm");

    let why = w.json("ea", &["why", "Club", "mallory"]);
    let ineffective = why["ineffective"].as_array().unwrap();
    assert_eq!(ineffective.len(), 2, "{why}");
    let evidence = w.path("evidence");
    w.ok(
        "ea",
        &["audit", "Club", "--evidence", evidence.to_str().unwrap()],
    );
    // A fresh machine: the folder moved, and no store anywhere.
    let moved = w.path("handed-over");
    fs::rename(&evidence, &moved).unwrap();
    fs::remove_dir_all(w.path("ea")).unwrap();
    let checked = w.json("nowhere", &["verify-proof", moved.to_str().unwrap()]);
    let checked: gmm::json::EvidenceCheckJson = serde_json::from_value(checked).unwrap();
    assert_eq!((checked.held, checked.failed), (2, 0));
    for event in ineffective {
        let item = checked
            .items
            .iter()
            .find(|i| i.events.first() == Some(&event["id"].as_str().unwrap().to_string()))
            .unwrap_or_else(|| panic!("no proof for {event}"));
        assert_eq!(item.status.as_deref(), event["status"].as_str());
        assert_eq!(item.reason.as_deref(), event["reason"].as_str());
        assert_eq!(item.revoked_by.as_deref(), event["revoked_by"].as_str());
    }
    let human = w.ok("nowhere", &["verify-proof", moved.to_str().unwrap()]);
    assert!(
        human.contains("add mallory as admin  [revoked by"),
        "{human}"
    );
    assert!(human.contains("[unauthorized: "), "{human}");
    assert!(
        human.ends_with("evidence: 2 of 2 proof(s) hold; 0 do not (no store was used)"),
        "{human}"
    );

    // An edited proof fails and is named; the others still hold.
    let index: gmm::json::EvidenceIndexJson =
        serde_json::from_str(&fs::read_to_string(moved.join("index.json")).unwrap()).unwrap();
    let victim = moved.join(&index.items[0].file);
    let text = fs::read_to_string(&victim).unwrap();
    let (comment, body) = text.split_once('\n').unwrap();
    let flipped: String = body
        .char_indices()
        .map(|(i, c)| {
            if i == 40 {
                if c == 'A' {
                    'B'
                } else {
                    'A'
                }
            } else {
                c
            }
        })
        .collect();
    fs::write(&victim, format!("{comment}\n{flipped}")).unwrap();
    let out = w.run("nowhere", &["verify-proof", moved.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.contains("1 of 2 proof(s) hold; 1 do not"), "{out}");
    assert!(
        out.contains(&format!("FAILS  verdict        {}", index.items[0].file)),
        "{out}"
    );
    let err = w.fails(
        "nowhere",
        &["verify-proof", w.path("").to_str().unwrap()],
        66,
    );
    assert!(
        err.contains("no index.json: not an evidence folder"),
        "{err}"
    );
}

#[test]
fn prove_writes_view_and_verdict_proofs_that_verify_alone() {
    let w = World::new();
    let group = two_peers(&w);
    let carol = w.new_key("carol");
    // Bob (admin) adds Carol while Alice removes Bob: Bob's add is revoked.
    w.ok("a", &["remove", "G", "bob"]);
    let add = w.ok("b", &["add", "G", &carol, "--name", "carol"]);
    heal(&w, "a", "b", &group);
    let view = w.path("view.gmmproof");
    w.ok(
        "a",
        &[
            "prove",
            "G",
            "--at",
            &add[..12],
            "carol",
            "-o",
            view.to_str().unwrap(),
        ],
    );
    let bob_pub = w.path("b").join("identity.pub");
    let out = w.ok(
        "x",
        &[
            "verify-proof",
            view.to_str().unwrap(),
            "--key",
            bob_pub.to_str().unwrap(),
        ],
    );
    assert!(
        out.starts_with(&format!("valid view proof: when signing event {add}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("saw {carol} as a member with role member")),
        "{out}"
    );
    // The verdict proof to standard output, checked from a pipe.
    let proof = w.ok("a", &["prove", "G", "--verdict", &add]);
    let mut verify = w.gmm("x");
    verify
        .args(["verify-proof", "-", "--json"])
        .write_stdin(proof);
    let out = verify.output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let proven: gmm::json::ProofJson = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(proven.kind.as_deref(), Some("verdict"));
    assert_eq!(proven.status.as_deref(), Some("revoked"));
    let why = w.json("a", &["why", "G", &carol]);
    assert_eq!(
        why["ineffective"][0]["revoked_by"].as_str(),
        proven.revoked_by.as_deref()
    );
    // An effective event has no verdict to prove; --at needs an event.
    let err = w.fails("a", &["prove", "G", "--verdict", &group], 1);
    assert!(
        err.contains("is effective: there is no verdict to prove"),
        "{err}"
    );
    let usage = w.run("a", &["prove", "G", "carol"]);
    assert_eq!(usage.status.code(), Some(2));
    w.fails("a", &["prove", "G", "--verdict", "00000000"], 66);
}

#[test]
fn quarantined_bytes_get_a_proof_in_the_evidence_folder() {
    let w = World::new();
    let (_, bytes) = exported(&w);
    let (_, frames) = frames(&bytes);
    let (second, _) = frames[1];
    let mut bad = bytes.clone();
    bad[second + 4 + 10] ^= 0x40;
    import_bytes(&w, "bad.gmm", &bad);
    let evidence = w.path("evidence");
    w.ok("b", &["audit", "--evidence", evidence.to_str().unwrap()]);
    let index: gmm::json::EvidenceIndexJson =
        serde_json::from_str(&fs::read_to_string(evidence.join("index.json")).unwrap()).unwrap();
    let kinds: Vec<&str> = index.items.iter().map(|i| i.kind.as_str()).collect();
    assert!(kinds.contains(&"quarantine"), "{kinds:?}");
    let out = w.ok("x", &["verify-proof", evidence.to_str().unwrap()]);
    assert!(
        out.contains("the refused bytes are not an acceptable event"),
        "{out}"
    );
}

/// Past 64 heads an event cites only some of them (SPEC §2); the view field
/// gmm signs must be that of exactly the past it cites, or every receiver's
/// audit reports it as a `view-hash-mismatch` (issue 15.4).
#[test]
fn an_add_on_a_store_with_over_64_heads_signs_the_view_of_its_cited_past() {
    use gmm::model::event::{Event, EventId, Op, EVENT_VERSION};
    let w = World::new();
    w.ok("a", &["init"]);
    let group = w.ok("a", &["group", "create", "G"]);
    let group = EventId::from_hex(&group).unwrap();
    let members: Vec<_> = (0..80)
        .map(|i| crate::support::label_key(&format!("member {i}")))
        .collect();
    let ops: String = members
        .iter()
        .enumerate()
        .map(|(i, k)| format!("add G {} --name m{i}\n", k.public().to_hex()))
        .collect();
    fs::write(w.path("ops.txt"), ops).unwrap();
    w.ok("a", &["batch", w.path("ops.txt").to_str().unwrap()]);
    let store = gmm::store::Store::open(&w.path("a")).unwrap();
    let head = store.heads(&group).unwrap()[0];
    let before = gmm::repo::replay::view_at(&store, &group, &head.id).unwrap();
    let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
    for key in &members {
        // Every member leaves at once, each citing the last add: 80 heads,
        // each of which changes the view.
        let mut view = before.clone();
        view.apply(EventId::default(), &key.public(), &Op::Leave);
        let event = Event {
            version: EVENT_VERSION,
            group,
            author: key.public(),
            seq: 1,
            prev: None,
            parents: vec![head],
            time: 1,
            view: view.hash(),
            op: Op::Leave,
        };
        let signed = gmm::model::signed::SignedEvent::sign(event, key).unwrap();
        ingest.offer_record(&signed.record()).unwrap();
    }
    ingest.commit().unwrap();
    drop(store);
    assert_eq!(audit_checks(&w, "a", &[]), (0, set(&[])));
    let added = w.ok("a", &["add", "G", &w.new_key("bob"), "--name", "bob"]);
    assert_eq!(
        audit_checks(&w, "a", &[]),
        (0, set(&[])),
        "no view-hash-mismatch"
    );
    let log = w.ok("a", &["log", "G", "--json"]);
    let event: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(event["id"].as_str(), Some(added.as_str()));
    assert_eq!(event["parents"].as_array().unwrap().len(), 64);
}

/// 10,000 concurrent heads, then an ordinary `add` (issue 15.4): the add
/// cites 64 of them, its view field is that of the past it cites, and
/// `audit` reports nothing about it (only the strangers' own verdicts).
#[test]
fn an_add_on_top_of_10000_concurrent_heads_audits_clean() {
    use gmm::model::event::{Event, Op, EVENT_VERSION};
    use rayon::prelude::*;
    let w = World::new();
    let (_, gid, store, create) = one_group(&w);
    let view = gmm::repo::replay::view_at(&store, &gid, &gid)
        .unwrap()
        .hash();
    let records: Vec<Vec<u8>> = (0..10_000u32)
        .into_par_iter()
        .map(|i| {
            let key = crate::support::label_key(&format!("head {i}"));
            let event = Event {
                version: EVENT_VERSION,
                group: gid,
                author: key.public(),
                seq: 1,
                prev: None,
                parents: vec![create.as_parent()],
                time: create.event.time + 1,
                view,
                op: Op::Leave,
            };
            gmm::model::signed::SignedEvent::sign(event, &key)
                .unwrap()
                .record()
        })
        .collect();
    let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
    for r in &records {
        ingest.offer_record(r).unwrap();
    }
    ingest.commit().unwrap();
    drop(store);
    assert_eq!(
        w.json("a", &["status", "G"])["heads"]
            .as_array()
            .unwrap()
            .len(),
        10_000
    );
    let added = w.ok("a", &["add", "G", &w.new_key("bob"), "--name", "bob"]);
    let audit = w.json("a", &["audit"]);
    let about_add: Vec<&serde_json::Value> = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == added.as_str())
        })
        .collect();
    assert!(about_add.is_empty(), "{about_add:?}");
    assert_eq!(audit["counts"]["error"], 0);
}

/// One stranger's event beside a long chain (issue 15.3): a Create, a chain
/// of n titles by the owner, and one leave by a non-member citing only the
/// Create, so no cut follows it and the whole chain is one concurrent
/// segment. Audit and replay give the stranger's verdict and nothing else.
/// (`cargo bench --bench scale` measures the cost; this pins the outcome.)
#[test]
fn a_strangers_event_beside_a_long_chain_is_one_finding() {
    use gmm::model::event::{Event, EventId, Op, EVENT_VERSION};
    let n = 3000;
    let w = World::new();
    let (_, gid, store, create) = one_group(&w);
    let signer = gmm::repo::identity::load_signer(&store).unwrap();
    let mut view = gmm::repo::replay::view_at(&store, &gid, &gid).unwrap();
    let mut last = create.clone();
    let mut records = Vec::new();
    for i in 0..n {
        let op = Op::SetTitle {
            title: format!("t{i}"),
        };
        view.apply(EventId::default(), &signer.public(), &op);
        let event = Event {
            version: EVENT_VERSION,
            group: gid,
            author: signer.public(),
            seq: last.event.seq + 1,
            prev: Some(last.id),
            parents: vec![last.as_parent()],
            time: create.event.time + 1 + i as u64,
            view: view.hash(),
            op,
        };
        last = gmm::model::signed::SignedEvent::sign(event, &signer).unwrap();
        records.push(last.record());
    }
    let stranger = crate::support::label_key("stranger");
    let created = gmm::repo::replay::view_at(&store, &gid, &gid).unwrap();
    let leave = Event {
        version: EVENT_VERSION,
        group: gid,
        author: stranger.public(),
        seq: 1,
        prev: None,
        parents: vec![create.as_parent()],
        time: create.event.time + 1,
        view: created.hash(),
        op: Op::Leave,
    };
    records.push(
        gmm::model::signed::SignedEvent::sign(leave, &stranger)
            .unwrap()
            .record(),
    );
    let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
    for r in &records {
        ingest.offer_record(r).unwrap();
    }
    ingest.commit().unwrap();
    drop(store);
    let started = std::time::Instant::now();
    let (code, checks) = audit_checks(&w, "a", &[]);
    eprintln!(
        "audit of a {n}-event chain beside a stranger: {:?}",
        started.elapsed()
    );
    assert_eq!((code, checks), (0, set(&["unauthorized"])));
    let started = std::time::Instant::now();
    w.ok("a", &["replay", "G"]);
    eprintln!("replay: {:?}", started.elapsed());
}
