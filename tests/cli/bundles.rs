//! Bundles: export, import, formats, damage, `bundle verify` and `bundle inspect`.

use std::fs;

use serde_json::Value;

use crate::support::world::*;

#[test]
fn export_import_round_trip_is_identical_and_idempotent() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let out = import_bytes(&w, "g.gmm", &bytes);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("accepted 3") && stdout.contains("+ bob (admin)"),
        "{stdout}"
    );
    assert_eq!(
        w.json("a", &["members", "G"]),
        w.json("b", &["members", "G"])
    );
    let head = w.log_head("b", "G");
    let again = w.run(
        "b",
        &["import", w.path("g.gmm").to_str().unwrap(), "--json"],
    );
    let report: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["counts"], serde_json::json!({ "duplicate": 3 }));
    assert_eq!(w.log_head("b", "G"), head);
    // JSON Lines re-imports losslessly into a third store.
    let jsonl = w.ok("a", &["export", &group, "--format", "jsonl"]);
    w.ok("c", &["init"]);
    let file = w.path("g.jsonl");
    fs::write(&file, &jsonl).unwrap();
    w.ok("c", &["import", file.to_str().unwrap()]);
    assert_eq!(
        w.json("c", &["status", "G"])["view_hash"],
        w.json("a", &["status", "G"])["view_hash"]
    );
    // Standard input works too.
    w.ok("d", &["init"]);
    let out = w.run_with_input("d", &["import", "-"], bytes);
    assert!(out.status.success());
    assert_eq!(event_count(&w, "d", &group), 3);
}

#[test]
fn dry_run_changes_nothing() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    w.ok("b", &["init"]);
    fs::write(w.path("g2.gmm"), &bytes).unwrap();
    let out = w.ok(
        "b",
        &["import", "--dry-run", w.path("g2.gmm").to_str().unwrap()],
    );
    assert!(
        out.contains("events would be: accepted 3") && out.contains("+ carol (member)"),
        "{out}"
    );
    assert_eq!(event_count(&w, "b", &group), 0);
}

#[test]
fn wrong_magic_and_unknown_version() {
    let w = World::new();
    let (_, bytes) = exported(&w);
    let mut bad = bytes.clone();
    bad[0] = b'X';
    let out = import_bytes(&w, "magic.gmm", &bad);
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr_of(&out).contains("not a gmm bundle"));
    let mut bad = bytes.clone();
    bad[8] = 2;
    let out = import_bytes(&w, "version.gmm", &bad);
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr_of(&out).contains("version 2 is not supported"));
}

#[test]
fn truncated_bundles_keep_what_verified() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let (body, frames) = frames(&bytes);
    let mut cuts = vec![(body, 0), (body / 2, 0)];
    for (k, (start, len)) in frames.iter().enumerate() {
        cuts.push((start + 2, k)); // inside a length field
        cuts.push((start + 4 + len / 2, k)); // inside a record
        cuts.push((start + 4 + len, k + 1)); // at the next frame boundary
    }
    cuts.push((bytes.len() - 10, 3)); // inside the trailer
    for (i, (cut, complete)) in cuts.into_iter().enumerate() {
        let store = format!("t{i}");
        w.ok(&store, &["init"]);
        let file = w.path(&format!("cut{i}.gmm"));
        fs::write(&file, &bytes[..cut]).unwrap();
        let out = w.run(&store, &["import", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(65), "cut at {cut}");
        assert!(
            stderr_of(&out).contains("truncated"),
            "cut at {cut}: {}",
            stderr_of(&out)
        );
        assert_eq!(
            event_count(&w, &store, &group),
            complete as u64,
            "cut at {cut}"
        );
    }
}

#[test]
fn flipped_bytes_are_caught() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let (_, frames) = frames(&bytes);
    let (second, len) = frames[1];
    let cases = [
        ("body", second + 4 + 64 + len / 3, "refused: "),
        ("signature", second + 4 + 10, "bad-signature"),
        ("header", 20, ""),
        ("trailer", bytes.len() - 5, "digest"),
    ];
    for (what, at, finding) in cases {
        let store = format!("f-{what}");
        w.ok(&store, &["init"]);
        let mut bad = bytes.clone();
        bad[at] ^= 0x40;
        let file = w.path(&format!("flip-{what}.gmm"));
        fs::write(&file, &bad).unwrap();
        let out = w.run(&store, &["import", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(65), "{what}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr_of(&out)
        );
        assert!(text.contains(finding), "{what}: {text}");
        assert!(!text.contains("panicked"));
        if what == "trailer" {
            assert_eq!(
                event_count(&w, &store, &group),
                3,
                "every event verified on its own"
            );
        }
        if what == "signature" || what == "body" {
            // The damaged event is quarantined; its child waits for it.
            let status = w.json(&store, &["status", &group]);
            assert_eq!(status["counts"]["events"], 1, "{what}");
            assert_eq!(status["counts"]["pending"], 1, "{what}");
        }
    }
}

#[test]
fn a_huge_length_field_allocates_nothing() {
    let w = World::new();
    let (_, bytes) = exported(&w);
    let (_, frames) = frames(&bytes);
    let mut bad = bytes.clone();
    bad[frames[0].0..frames[0].0 + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let out = import_bytes(&w, "huge.gmm", &bad);
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr_of(&out).contains("over the"), "{}", stderr_of(&out));
    let mut bad = bytes.clone();
    bad[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
    let out = import_bytes(&w, "huge-header.gmm", &bad);
    assert_eq!(out.status.code(), Some(65));
}

fn records_of(w: &World, store: &str, group: &str) -> Vec<Vec<u8>> {
    let text = w.ok(store, &["export", group, "--format", "jsonl"]);
    text.lines()
        .skip(1)
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            hex::decode(v["record"].as_str().unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn handmade_bundles_reordered_duplicated_foreign_and_empty() {
    let w = World::new();
    let (group, _) = exported(&w);
    let records = records_of(&w, "a", &group);
    // Children before parents: pending, then resolved in the same import.
    let reversed: Vec<Vec<u8>> = records.iter().rev().cloned().collect();
    let out = import_bytes(&w, "rev.gmm", &handmade(&group, &reversed));
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 pending event(s) could be applied"));
    assert_eq!(event_count(&w, "b", &group), 3);
    assert_eq!(w.json("b", &["status", "G"])["counts"]["pending"], 0);
    // Duplicates inside one bundle.
    w.ok("c", &["init"]);
    fs::write(
        w.path("dup.gmm"),
        handmade(&group, &[records[0].clone(), records[0].clone()]),
    )
    .unwrap();
    let report: Value = serde_json::from_str(&w.ok(
        "c",
        &["import", w.path("dup.gmm").to_str().unwrap(), "--json"],
    ))
    .unwrap();
    assert_eq!(
        report["counts"],
        serde_json::json!({ "accepted": 1, "duplicate": 1 })
    );
    // Events of another group.
    w.ok("a", &["group", "create", "Other"]);
    let other_group = w.json("a", &["status", "Other"])["group"]
        .as_str()
        .unwrap()
        .to_string();
    let other = records_of(&w, "a", &other_group);
    let mixed = handmade(&group, &[records[0].clone(), other[0].clone()]);
    w.ok("e", &["init"]);
    fs::write(w.path("mixed.gmm"), mixed).unwrap();
    let out = w.run("e", &["import", w.path("mixed.gmm").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65));
    // A failed import reports on stderr (issue 12.10).
    assert!(out.stdout.is_empty());
    assert!(stderr_of(&out).contains("but the header names group"));
    assert_eq!(
        event_count(&w, "e", &group),
        1,
        "the event before it was kept"
    );
    // An empty bundle is fine and changes nothing.
    w.ok("f", &["init"]);
    fs::write(w.path("empty.gmm"), handmade(&group, &[])).unwrap();
    let out = w.ok("f", &["import", w.path("empty.gmm").to_str().unwrap()]);
    assert!(out.contains("no events"), "{out}");
}

#[test]
fn nothing_on_stdin_and_missing_files() {
    let w = World::new();
    w.ok("a", &["init"]);
    let out = w.run_with_input("a", &["import", "-"], Vec::new());
    assert_eq!(out.status.code(), Some(66));
    assert!(stderr_of(&out).contains("the input is empty"));
    let out = w.run("a", &["import", "no-such-file.gmm"]);
    assert_eq!(out.status.code(), Some(66));
    let out = w.run("a", &["bundle", "inspect", "no-such-file.gmm"]);
    assert_eq!(out.status.code(), Some(66));
}

#[test]
fn bad_jsonl_lines_are_findings() {
    let w = World::new();
    let (group, _) = exported(&w);
    let text = w.ok("a", &["export", &group, "--format", "jsonl"]);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Line 3 (the second event) is not JSON; line 4's id lies.
    lines[2] = "this is not json".into();
    let mut fourth: Value = serde_json::from_str(&lines[3]).unwrap();
    fourth["id"] = "00".repeat(32).into();
    lines[3] = fourth.to_string();
    let out = import_bytes(&w, "bad.jsonl", lines.join("\n").as_bytes());
    assert_eq!(out.status.code(), Some(65));
    assert!(out.stdout.is_empty());
    let stdout = stderr_of(&out);
    assert!(stdout.contains("line 3: not JSON"), "{stdout}");
    assert!(
        stdout.contains("line 4: `id` does not match the record"),
        "{stdout}"
    );
    assert_eq!(event_count(&w, "b", &group), 1);
}

#[test]
fn bundle_verify_and_inspect() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let full = w.path("full.gmm");
    fs::write(&full, &bytes).unwrap();
    let inspect = w.json("nostore", &["bundle", "inspect", full.to_str().unwrap()]);
    assert_eq!(inspect["event_count"], 3);
    assert_eq!(inspect["ops"], serde_json::json!({ "add": 2, "create": 1 }));
    assert!(inspect["digest"].is_string());
    // A bundle of only the newest event needs its parents here.
    let status = w.json("a", &["status", "G"]);
    let head = status["heads"][0]["id"].as_str().unwrap().to_string();
    let records = records_of(&w, "a", &group);
    let tail = w.path("tail.gmm");
    fs::write(&tail, handmade(&group, &records[2..])).unwrap();
    w.ok("b", &["init"]);
    let out = w.run("b", &["bundle", "verify", tail.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("missing prerequisite"));
    w.ok("b", &["bundle", "verify", full.to_str().unwrap()]);
    w.ok("b", &["import", full.to_str().unwrap()]);
    w.ok("b", &["bundle", "verify", tail.to_str().unwrap()]);
    // --since: only what is not in the past of the given heads.
    w.ok("a", &["title", "G", "Newer"]);
    let since = w.path("since.gmm");
    w.ok(
        "a",
        &[
            "export",
            "Newer",
            "--since",
            &head[..12],
            "-o",
            since.to_str().unwrap(),
        ],
    );
    let inspect = w.json("x", &["bundle", "inspect", since.to_str().unwrap()]);
    assert_eq!(inspect["event_count"], 1);
    assert_eq!(inspect["prerequisites"][0]["id"], head.as_str());
    w.ok("b", &["import", since.to_str().unwrap()]);
    assert_eq!(w.json("b", &["members", "Newer"])["title"], "Newer");
}

/// An import of several chunks (over 4,096 records) keeps the local log's
/// hash chain whole: each chunk's transaction must read the log head its
/// predecessor wrote.
#[test]
fn a_multi_chunk_import_audits_clean() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "Big"]);
    add_many(&w, "a", "Big", 5_000, "chunk");
    let file = w.path("big.gmm");
    w.ok("a", &["export", "Big", "-o", file.to_str().unwrap()]);
    w.ok("b", &["init"]);
    w.ok("b", &["import", file.to_str().unwrap()]);
    assert_eq!(w.json("b", &["status", "Big"])["log_head"]["len"], 5_001);
    assert_eq!(audit_checks(&w, "b", &[]), (0, set(&[])));
    assert_eq!(
        w.json("a", &["status", "Big"])["view_hash"],
        w.json("b", &["status", "Big"])["view_hash"]
    );
}

/// Issue 12.14: a JSON Lines event whose readable fields disagree with its
/// signed record is malformed on import and a finding in `audit FILE`.
#[test]
fn jsonl_lines_that_lie_are_caught() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "G"]);
    w.ok("a", &["title", "G", "Honest"]);
    let text = w.ok("a", &["export", "Honest", "--format", "jsonl"]);
    let lied: Vec<String> = text
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            if value["op"]["type"] == "title" {
                value["op"]["title"] = "Forged".into();
            }
            value.to_string()
        })
        .collect();
    let file = w.path("lie.jsonl");
    fs::write(&file, lied.join("\n") + "\n").unwrap();
    let out = w.run("a", &["audit", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("readable field `op`"), "{report}");
    w.ok("b", &["init"]);
    let out = w.run("b", &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65));
    let err = stderr_of(&out);
    assert!(
        err.contains("readable field `op`") && err.contains("Forged"),
        "{err}"
    );
    // The create imported; the lying line did not, and its title is nowhere.
    let view = w.json("b", &["members", "G"]);
    assert_eq!(view["title"], "G");
    let audit = w.run("b", &["audit"]);
    assert!(String::from_utf8_lossy(&audit.stdout).contains("quarantine"));
}

/// Issue 12.12: `import --from KEY` (or `--from FILE.pub`) imports only a
/// bundle signed by that key, like `minisign -P`; anything else imports nothing.
#[test]
fn import_from_pins_the_sender() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "G"]);
    let alice = w.ok("a", &["id"]);
    let mallory = w.new_key("mallory");
    let signed = w.path("signed.gmm");
    let unsigned = w.path("unsigned.gmm");
    let jsonl = w.path("g.jsonl");
    w.ok(
        "a",
        &["export", "G", "--sign", "-o", signed.to_str().unwrap()],
    );
    w.ok("a", &["export", "G", "-o", unsigned.to_str().unwrap()]);
    w.ok(
        "a",
        &[
            "export",
            "G",
            "--format",
            "jsonl",
            "-o",
            jsonl.to_str().unwrap(),
        ],
    );
    w.ok("b", &["init"]);
    for (file, key, says) in [
        (&signed, mallory.as_str(), "it is signed by"),
        (&unsigned, alice.as_str(), "it is not signed"),
        (&jsonl, alice.as_str(), "it is not signed"),
    ] {
        let err = w.fails("b", &["import", "--from", key, file.to_str().unwrap()], 65);
        assert!(
            err.contains("is not signed by") && err.contains(says),
            "{err}"
        );
        assert!(err.contains("nothing from it was imported"), "{err}");
        w.fails("b", &["members", "G"], 66);
    }
    // The right key, as hex or as the store's .pub file, and through stdin.
    let report = w.json(
        "b",
        &[
            "import",
            "--dry-run",
            "--from",
            &alice,
            signed.to_str().unwrap(),
        ],
    );
    assert_eq!(report["counts"]["accepted"], 1);
    let out = w.run_with_input(
        "b",
        &[
            "import",
            "--from",
            w.path("a/identity.pub").to_str().unwrap(),
            "-",
        ],
        fs::read(&signed).unwrap(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    w.ok("b", &["members", "G"]);
    let err = w.fails(
        "b",
        &["import", "--from", "nonsense", signed.to_str().unwrap()],
        66,
    );
    assert!(err.contains("nonsense"), "{err}");
}

/// Hostile framing (issue 15.4): each crafted bundle gets a clear error with
/// the offset, exit 65, bounded memory (the reader allocates at most one
/// record), and nothing already stored is lost; valid events of another
/// group than the header names are not quarantined as if they were bad.
#[test]
fn hostile_bundle_framing_is_refused_with_offsets_and_loses_nothing() {
    let w = World::new();
    let (group, bytes) = exported(&w);
    let header_len = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    let count_at = 14 + header_len - 16;
    let first_record = 14 + header_len;
    let with = |at: usize, patch: &[u8]| {
        let mut b = bytes.clone();
        b[at..at + patch.len()].copy_from_slice(patch);
        b
    };
    let cases: Vec<(&str, Vec<u8>, &str, u64)> = vec![
        (
            "1e9 events claimed",
            with(count_at, &1_000_000_000u64.to_le_bytes()),
            "claims",
            3,
        ),
        (
            "header length 0",
            with(10, &0u32.to_le_bytes()),
            "header does not decode",
            0,
        ),
        (
            "header length 0xFFFFFFFF",
            with(10, &u32::MAX.to_le_bytes()),
            "over the 16777216-byte limit",
            0,
        ),
        (
            "record length 0",
            with(first_record, &0u32.to_le_bytes()),
            &format!("record 0 at byte {first_record} has length 0"),
            0,
        ),
        (
            "record length 64",
            with(first_record, &64u32.to_le_bytes()),
            &format!("record 0 at byte {first_record} has length 64"),
            0,
        ),
        (
            "record length 0xFFFFFFFF",
            with(first_record, &u32::MAX.to_le_bytes()),
            &format!("record 0 at byte {first_record} claims 4294967295 bytes"),
            0,
        ),
        (
            "a flipped bit in the header's group",
            {
                let mut b = bytes.clone();
                b[14] ^= 1;
                b
            },
            "but the header names group",
            0,
        ),
    ]
    .into_iter()
    .map(|(what, b, needle, kept)| {
        (
            what,
            b,
            Box::leak(needle.to_string().into_boxed_str()) as &str,
            kept,
        )
    })
    .collect();
    for (i, (what, bad, needle, kept)) in cases.iter().enumerate() {
        // A store that already holds a group of its own.
        let store = format!("h{i}");
        w.ok(&store, &["init"]);
        w.ok(&store, &["group", "create", "Mine"]);
        // The group's own status (the log head is the store's, all groups).
        let mine = |w: &World| {
            let mut status = w.json(&store, &["status", "Mine"]);
            status.as_object_mut().unwrap().remove("log_head");
            status
        };
        let mine_before = mine(&w);
        let file = w.path(&format!("hostile{i}.gmm"));
        fs::write(&file, bad).unwrap();
        let out = w.run(&store, &["import", file.to_str().unwrap()]);
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(65), "{what}: {err}");
        assert!(err.contains(needle), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert_eq!(event_count(&w, &store, &group), *kept, "{what}");
        assert_eq!(mine(&w), mine_before, "{what}");
        let audit = w.json(&store, &["audit"]);
        assert_eq!(audit["counts"]["error"], 0, "{what}: {audit}");
        let quarantined = audit["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "quarantined");
        assert!(
            !quarantined,
            "{what}: valid events or framing bytes went to quarantine: {audit}"
        );
    }
}

/// Hostile events (issue 15.4): an event naming key X but signed by key Y,
/// and one with 65 parents, are quarantined with their reason; the events
/// around them are kept.
#[test]
fn an_event_signed_by_another_key_or_with_65_parents_is_quarantined() {
    use gmm::model::event::{Event, EventId, Op, ParentRef, ViewHash, EVENT_VERSION};
    use gmm::model::signed::SignedEvent;
    let w = World::new();
    w.ok("a", &["init"]);
    let group = w.ok("a", &["group", "create", "G"]);
    let store = gmm::store::Store::open(&w.path("a")).unwrap();
    let gid = EventId::from_hex(&group).unwrap();
    let create = store.event(&gid).unwrap().unwrap();
    let x = crate::support::label_key("x");
    let y = crate::support::label_key("y");
    let leave = |author: gmm::model::event::PublicKey, parents: Vec<ParentRef>| Event {
        version: EVENT_VERSION,
        group: gid,
        author,
        seq: 1,
        prev: None,
        parents,
        time: 1,
        view: ViewHash::default(),
        op: Op::Leave,
    };
    // Signed by Y over an event naming X: the id and encoding are fine, the
    // signature is not X's.
    let honest = SignedEvent::sign(leave(y.public(), vec![create.as_parent()]), &y).unwrap();
    let mut forged = leave(x.public(), vec![create.as_parent()]);
    forged.view = honest.event.view;
    let bytes = gmm::model::codec::encode_event(&forged).unwrap();
    let id = gmm::model::signed::event_id(&bytes);
    let signature = y.sign(&gmm::model::signed::signing_message(&id));
    let mut forged_record = signature.to_vec();
    forged_record.extend_from_slice(&bytes);
    // 65 parents (sorted, distinct): a shape rule, refused on the bytes alone.
    let many: Vec<ParentRef> = (0..65u8)
        .map(|i| ParentRef {
            author: x.public(),
            seq: 1 + i as u64,
            id: EventId([i; 32]),
        })
        .collect();
    let wide = SignedEvent::sign(leave(y.public(), many.clone()), &y);
    assert!(wide.is_err(), "gmm never signs it");
    let wide_bytes = gmm::model::codec::encode_event(&leave(y.public(), many)).unwrap();
    let wide_id = gmm::model::signed::event_id(&wide_bytes);
    let mut wide_record = y
        .sign(&gmm::model::signed::signing_message(&wide_id))
        .to_vec();
    wide_record.extend_from_slice(&wide_bytes);
    drop(store);
    for (what, record, reason) in [
        ("signed by another key", forged_record, "bad-signature"),
        ("65 parents", wide_record, "more than 64 parents"),
    ] {
        let store = gmm::store::Store::open(&w.path("a")).unwrap();
        let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
        let (_, outcome) = ingest.offer_record(&record).unwrap();
        assert!(
            !matches!(outcome, gmm::repo::ingest::Outcome::Accepted),
            "{what}: {outcome:?}"
        );
        ingest.commit().unwrap();
        drop(store);
        let audit = w.json("a", &["audit"]);
        let message = audit["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == "quarantined")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("; ");
        assert!(message.contains(reason), "{what}: {message}");
        assert_eq!(
            event_count(&w, "a", &group),
            1,
            "{what}: the group is intact"
        );
    }
}
