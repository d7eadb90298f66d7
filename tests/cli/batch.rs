//! `gmm batch`: many ops in one transaction, all or nothing.

use std::fs;

use serde_json::Value;

use crate::support::world::*;

/// 1,100 ops: past one chunk of drafts signed while more are drafted
/// (`repo::sign_ahead`), so some signatures are made ahead and the rest at
/// the commit; the audit checks every one.
#[test]
fn eleven_hundred_ops_in_one_batch() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "Big club"]);
    let before = w.json("a", &["status", "Big club"])["log_head"]["len"]
        .as_u64()
        .unwrap();
    let mut ops = String::from("# eleven hundred ops\n\n");
    for i in 0..550 {
        ops.push_str(&format!(
            "add \"Big club\" {} --name m{i}\n",
            key_hex(&format!("m{i}"))
        ));
    }
    for i in 0..275 {
        ops.push_str(&format!("role \"Big club\" m{i} admin   # promote\n"));
    }
    for i in 275..550 {
        ops.push_str(&format!("remove 'Big club' m{i}\n"));
    }
    let file = w.path("ops.txt");
    fs::write(&file, &ops).unwrap();
    let out = w.ok("a", &["batch", file.to_str().unwrap()]);
    assert_eq!(out.lines().count(), 1100);
    assert!(
        out.lines().nth(550).unwrap().ends_with("set m0 to admin"),
        "{out}"
    );
    let status = w.json("a", &["status", "Big club"]);
    assert_eq!(status["log_head"]["len"].as_u64().unwrap(), before + 1100);
    assert_eq!(status["counts"]["members"], 276);
    w.ok("a", &["replay", "Big club"]);
    let (code, checks) = audit_checks(&w, "a", &[]);
    assert_eq!((code, checks), (0, set(&[])));
    // --json: one object per line.
    let out = w.run_with_input(
        "a",
        &["batch", "-", "--json"],
        "title \"Big club\" \"Bigger club\"\n",
    );
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["op"]["type"], "title");
}

/// Store `a` with group "G" of 4,201 events (a creation and 4,200 adds),
/// exported whole: an import reads it in two parts (`exchange::CHUNK_RECORDS`
/// is 4,096).
fn two_part_bundle(w: &World) -> std::path::PathBuf {
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "G"]);
    let mut ops = String::new();
    for i in 0..4200 {
        let key = key_hex(&format!("part member {i}"));
        ops.push_str(&format!("add G {key} --name p{i}\n"));
    }
    let file = w.path("ops.txt");
    fs::write(&file, &ops).unwrap();
    w.ok("a", &["--quiet", "batch", file.to_str().unwrap()]);
    let bundle = w.path("parts.gmm");
    w.ok("a", &["export", "G", "-o", bundle.to_str().unwrap()]);
    bundle
}

/// An import of more than one part (4,096 records each) writes the member
/// pages once, with its last part (`docs/store.md`, schema 10): the
/// listing is the view's, and the audit finds nothing.
#[test]
fn an_import_in_parts_lists_its_members_at_its_end() {
    let w = World::new();
    let bundle = two_part_bundle(&w);
    w.ok("c", &["init"]);
    w.ok("c", &["import", bundle.to_str().unwrap()]);
    let (listed, keys) = (listed_keys(&w, "c", "G"), view_keys(&w, "c", "G"));
    assert_eq!((listed.len(), &listed), (4201, &keys));
    // Listed from the pages, not from the view.
    let store = gmm::store::Store::open_read_only(&w.path("c")).unwrap();
    let group = store.groups().unwrap()[0];
    assert!(store.group_record(&group).unwrap().unwrap().members_listed);
    drop(store);
    let (code, checks) = audit_checks(&w, "c", &[]);
    assert_eq!((code, checks), (0, set(&[])));
}

/// The import reads a bundle's next part beside the verification of one,
/// after committing the one before: a bundle cut inside its second part,
/// from a file or from standard input, keeps the first part and every whole
/// record of the second, and says it was truncated.
#[test]
fn a_bundle_cut_in_its_second_part_keeps_what_verified() {
    let w = World::new();
    let bytes = fs::read(two_part_bundle(&w)).unwrap();
    // Past the header, walk 4,150 records: the cut falls inside the next.
    let header_len = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    let mut at = 14 + header_len;
    for _ in 0..4150 {
        at += 4 + u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    }
    let cut = &bytes[..at + 20];
    let file = w.path("cut.gmm");
    fs::write(&file, cut).unwrap();
    w.ok("c", &["init"]);
    w.ok("d", &["init"]);
    let from_file = w.run("c", &["import", file.to_str().unwrap()]);
    let from_stdin = w.run_with_input("d", &["import", "-"], cut);
    for (store, out) in [("c", from_file), ("d", from_stdin)] {
        assert_eq!(out.status.code(), Some(65), "{store}");
        assert!(
            stderr_of(&out).contains("truncated"),
            "{store}: {}",
            stderr_of(&out)
        );
        assert_eq!(event_count(&w, store, "G"), 4150, "{store}");
        let (listed, keys) = (listed_keys(&w, store, "G"), view_keys(&w, store, "G"));
        assert_eq!((listed.len(), &listed), (4150, &keys), "{store}");
    }
}

#[test]
fn a_batch_with_one_bad_line_applies_nothing() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "G"]);
    let head = w.log_head("a", "G");
    let mut ops = String::new();
    for i in 0..999 {
        ops.push_str(&format!(
            "add G {} --name m{i}\n",
            key_hex(&format!("m{i}"))
        ));
    }
    let bad = [
        "remove G nobody",
        "add G m5",
        "frobnicate G",
        "title G \"unclosed",
        "role G m1 owner",
    ];
    let codes = [66, 2, 2, 2, 2];
    for (bad, code) in bad.iter().zip(codes) {
        let mut with_bad = ops.clone();
        with_bad.insert_str(
            with_bad.match_indices('\n').nth(699).unwrap().0 + 1,
            &format!("{bad}\n"),
        );
        let err = w.run_with_input("a", &["batch", "-"], with_bad);
        assert_eq!(err.status.code(), Some(code), "{bad}: {}", stderr_of(&err));
        let text = stderr_of(&err);
        assert!(text.starts_with("error: line 701: "), "{bad}: {text}");
        assert!(err.stdout.is_empty());
        assert_eq!(w.log_head("a", "G"), head, "{bad}: nothing applied");
    }
    // Lines are parsed on all cores, 1,024 at a time: of two unparsable
    // lines in different chunks (lines 1,000 and 2,000), the first is named.
    let two_bad = format!("{ops}frobnicate G\n{ops}title G \"unclosed\n");
    let err = w.run_with_input("a", &["batch", "-"], two_bad);
    let said = stderr_of(&err);
    assert!(said.starts_with("error: line 1000: "), "{said}");
    // A line that a line before it makes wrong is caught too (checked in order).
    let ops = format!("add G {} --name x\nremove G x\nremove G x\n", key_hex("x"));
    let err = w.run_with_input("a", &["batch", "-"], ops);
    assert_eq!(err.status.code(), Some(2));
    assert!(
        stderr_of(&err).starts_with("error: line 3: x is not a member"),
        "{}",
        stderr_of(&err)
    );
    assert_eq!(w.log_head("a", "G"), head);
}

/// A batch of adds without names names each key as the store knows it
/// from another group: the first 64 looked up key by key, the rest from
/// every name read once (`Contacts::name_of`).
#[test]
fn a_batch_of_unnamed_adds_takes_known_names() {
    let w = World::new();
    w.ok("a", &["init"]);
    w.ok("a", &["group", "create", "Known"]);
    w.ok("a", &["group", "create", "New"]);
    add_many(&w, "a", "Known", 70, "known");
    let mut ops = String::new();
    for i in 0..70 {
        ops.push_str(&format!("add New {}\n", key_hex(&format!("known {i}"))));
    }
    let file = w.path("unnamed.txt");
    fs::write(&file, ops).unwrap();
    w.ok("a", &["--quiet", "batch", file.to_str().unwrap()]);
    let listed = members(&w.json("a", &["members", "New"]));
    for i in 0..70 {
        let key = key_hex(&format!("known {i}"));
        assert!(
            listed.contains(&(key, "member".into(), format!("m{i}"))),
            "m{i} in {listed:?}"
        );
    }
}
