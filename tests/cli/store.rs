//! The store itself: permissions, locking, schema versions, damage.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::support::world::*;

#[test]
fn permissive_key_file_is_refused() {
    let w = World::new();
    let head = store_with_group(&w);
    let key = w.path("a/identity.key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let err = w.fails("a", &["add", "G", &w.new_key_or("fresh")], 77);
    assert!(
        err.contains(&format!("chmod 600 {}", key.display())),
        "{err}"
    );
    // Reading does not need the secret key.
    w.ok("a", &["members", "G"]);
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(w.log_head("a", "G"), head);
}

/// Every writer used to leave RocksDB's 184 KB options dump as a new
/// `LOG.old.*` file, up to a thousand of them: a scripted store grew by
/// RocksDB's diagnostics alone. Writers now keep two.
#[test]
fn writers_do_not_pile_up_rocksdb_logs() {
    let w = World::new();
    store_with_group(&w);
    for i in 0..6 {
        w.ok("a", &["title", "G", &format!("title {i}")]);
    }
    let logs: Vec<String> = fs::read_dir(w.path("a/db"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("LOG"))
        .collect();
    assert!(logs.len() <= 3, "{logs:?}");
}

#[test]
fn second_process_gets_store_in_use() {
    let w = World::new();
    let head = store_with_group(&w);
    let held = gmm::store::Store::open(&w.path("a")).unwrap();
    let err = w.fails("a", &["add", "G", &w.new_key_or("fresh")], 75);
    assert!(err.contains("in use"), "{err}");
    w.fails("a", &["group", "create", "H"], 75);
    // Readers still work while the store is held.
    w.ok("a", &["members", "G"]);
    drop(held);
    assert_eq!(w.log_head("a", "G"), head);
    w.ok("a", &["add", "G", &w.new_key_or("fresh")]);
}

#[test]
fn newer_schema_is_refused() {
    let w = World::new();
    store_with_group(&w);
    let db_path = w.path("a/db");
    let raw_head = |value: Option<u32>| {
        let names = gmm::store::cf::ALL;
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &db_path, names).unwrap();
        let meta = db.cf_handle(gmm::store::cf::META).unwrap();
        if let Some(v) = value {
            db.put_cf(meta, b"schema_version", v.to_be_bytes()).unwrap();
        }
        db.get_cf(meta, b"log_head").unwrap()
    };
    let newer = gmm::store::SCHEMA_VERSION + 1;
    let before = raw_head(Some(newer));
    let err = w.fails("a", &["members", "G"], 65);
    assert!(err.contains(&format!("schema version {newer}")), "{err}");
    w.fails("a", &["add", "G", &w.new_key_or("fresh")], 65);
    assert_eq!(raw_head(None), before);
    // An older schema (1: stored values were in-memory structs; 2: views
    // without devices) is refused too, naming the version and how to move
    // the groups over.
    raw_head(Some(1));
    let err = w.fails("a", &["members", "G"], 65);
    let supported = gmm::store::SCHEMA_VERSION;
    assert!(
        err.contains(&format!("schema version 1, older than {supported}")),
        "{err}"
    );
    assert!(
        err.contains("gmm export") && err.contains("gmm import"),
        "{err}"
    );
    w.fails("a", &["add", "G", &w.new_key_or("fresh")], 65);
    assert_eq!(raw_head(None), before);
    // A schema-6 store still holds the `by_group` family schema 7 dropped:
    // it is refused by its version too, by readers and writers alike.
    raw_head(Some(6));
    {
        let names = gmm::store::cf::ALL;
        let mut db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &db_path, names).unwrap();
        db.create_cf("by_group", &rocksdb::Options::default())
            .unwrap();
    }
    for args in [&["members", "G"][..], &["add", "G", &w.new_key_or("fresh")]] {
        let err = w.fails("a", args, 65);
        assert!(
            err.contains(&format!("schema version 6, older than {supported}")),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn missing_store() {
    let w = World::new();
    for args in [
        &["members", "G"][..],
        &["add", "G", "x"],
        &["id"],
        &["group", "list"],
    ] {
        let err = w.fails("nowhere", args, 66);
        assert!(err.contains("gmm init"), "{err}");
    }
    assert!(
        !w.path("nowhere").exists(),
        "a failed command creates nothing"
    );
}

/// A damaged store (keys of the wrong length in the indexes a group is read
/// through) gives a clean "store is damaged" error or audit findings, never a
/// panic (SPEC §5; the redesign's checked key parsing).
#[test]
fn damaged_keys_are_clean_errors_not_panics() {
    let w = World::new();
    store_with_group(&w);
    let group = w.json("a", &["status", "G"])["group"]
        .as_str()
        .unwrap()
        .to_string();
    let group = hex::decode(group).unwrap();
    {
        let db_path = w.path("a/db");
        let names = gmm::store::cf::ALL;
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &db_path, names).unwrap();
        let put = |family: &str, key: &[u8]| {
            let cf = db.cf_handle(family).unwrap();
            db.put_cf(cf, key, b"").unwrap();
        };
        // An event key with the group's prefix but no id, a chain key cut
        // short, a head key too long, a projection key of 3 bytes, bad view rows.
        put(gmm::store::cf::EVENTS, &[&group[..], &[0, 0, 0]].concat());
        // A region key cut short, and a whole one naming no stored event.
        put(gmm::store::cf::REGION, &[&group[..], &[0, 0]].concat());
        put(
            gmm::store::cf::REGION,
            &[&group[..], &[0; 8], &[7; 32]].concat(),
        );
        put(gmm::store::cf::CHAINS, &[&group[..], &[7; 40]].concat());
        put(gmm::store::cf::HEADS, &[&group[..], &[9; 40]].concat());
        put(gmm::store::cf::PROJECTION, b"bad");
        // A view row cut short, and a whole one whose value is empty.
        let rows = gmm::store::cf::VIEW_ROWS;
        put(rows, &[&group[..], &[0], &[5; 10]].concat());
        put(rows, &[&group[..], &[0], &[6; 32]].concat());
    }
    for args in [
        &["log", "G"][..],
        &["members", "G"],
        &["status", "G"],
        &["group", "list"],
        &["why", "G", "bob"],
        &["replay", "G"],
        &["export", "G", "-o", "-"],
        &["audit"],
        &["add", "G", &"cd".repeat(32)],
    ] {
        let out = w.run("a", args);
        let code = out.status.code().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!([0, 1, 65].contains(&code), "{args:?} exit {code}: {err}");
        if code == 65 {
            assert!(err.contains("damaged"), "{args:?}: {err}");
            assert!(err.lines().count() <= 3, "{args:?}: {err}");
        }
    }
    let err = w.fails("a", &["log", "G"], 65);
    assert!(err.contains("is damaged: bad "), "{err}");
    assert!(err.contains("gmm audit"), "{err}");
}

/// Damaged stores (issue 15.7): with any file of the database truncated or a
/// byte flipped, reading commands and `audit` give a clean error (one line,
/// a documented exit code) or findings; they never panic.
#[test]
fn damaged_store_files_give_clean_errors_never_panics() {
    let w = World::new();
    store_with_group(&w);
    for i in 0..20 {
        w.ok(
            "a",
            &[
                "add",
                "G",
                &w.new_key(&format!("m{i}")),
                "--name",
                &format!("m{i}"),
            ],
        );
    }
    // Flush memtables into SST files, as a long-lived store would have them.
    drop(gmm::store::Store::open(&w.path("a")).unwrap());
    let pristine = w.path("pristine");
    copy_dir(&w.path("a"), &pristine);
    let files: Vec<std::path::PathBuf> = fs::read_dir(pristine.join("db"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && fs::metadata(p).unwrap().len() > 0)
        // RocksDB's own info logs (LOG, LOG.old.*) hold no data.
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("LOG"))
        .collect();
    assert!(files.len() >= 3, "{files:?}");
    // A bounded sample: the table files (the first, last and middle ones)
    // and every other file (manifest, WAL, CURRENT, OPTIONS, IDENTITY).
    let tables: Vec<&std::path::PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .collect();
    let sampled: Vec<&std::path::PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_none_or(|e| e != "sst"))
        .chain(tables.first().copied())
        .chain(tables.get(tables.len() / 2).copied())
        .chain(tables.last().copied())
        .collect();
    let mut outcomes = std::collections::BTreeMap::new();
    for file in sampled {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for damage in ["truncated", "flipped"] {
            let store = format!("d-{name}-{damage}");
            copy_dir(&pristine, &w.path(&store));
            let target = w.path(&store).join("db").join(&name);
            let mut bytes = fs::read(&target).unwrap();
            match damage {
                "truncated" => bytes.truncate(bytes.len() / 2),
                _ => {
                    let at = bytes.len() / 2;
                    bytes[at] ^= 0x5a;
                }
            }
            fs::write(&target, bytes).unwrap();
            for args in [
                vec!["members", "G"],
                vec!["status", "G"],
                vec!["log", "G"],
                vec!["audit"],
            ] {
                let out = w.run(&store, &args);
                let err = stderr_of(&out);
                let code = out.status.code();
                assert!(
                    matches!(code, Some(0) | Some(1) | Some(65) | Some(66)),
                    "{name} {damage} {args:?}: {code:?} {err}"
                );
                assert!(!err.contains("panicked"), "{name} {damage} {args:?}: {err}");
                if code != Some(0) && code != Some(1) {
                    assert!(
                        err.starts_with("error: "),
                        "{name} {damage} {args:?}: {err}"
                    );
                }
                *outcomes.entry(code).or_insert(0) += 1;
            }
        }
    }
    eprintln!("outcomes by exit code: {outcomes:?}");
}

/// A store this user may not read is "permission denied" (77), not "no gmm
/// store" (66) (issue 15.4). As root, the command runs as `nobody` through
/// setpriv (root reads anything); otherwise the store's folder is shut.
#[test]
fn an_unreadable_store_is_permission_denied() {
    use std::os::unix::fs::PermissionsExt as _;
    let w = World::new();
    store_with_group(&w);
    let uid = std::process::Command::new("id").arg("-u").output().unwrap();
    let root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let out = if root {
        // util-linux's setpriv is on every Debian machine.
        assert!(
            std::process::Command::new("setpriv")
                .arg("--version")
                .output()
                .is_ok(),
            "running as root: this test needs setpriv to drop to nobody"
        );
        // A copy of the binary that `nobody` may run.
        let dir = tempfile::Builder::new()
            .prefix("gmm-perm")
            .tempdir_in("/tmp")
            .unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let bin = dir.path().join("gmm");
        fs::copy(assert_cmd::cargo::cargo_bin("gmm"), &bin).unwrap();
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .arg("--dir")
            .arg(w.path("a"))
            .args(["members", "G"])
            .env_clear()
            .output()
            .unwrap()
    } else {
        fs::set_permissions(w.path("a"), fs::Permissions::from_mode(0o000)).unwrap();
        let out = w.run("a", &["members", "G"]);
        fs::set_permissions(w.path("a"), fs::Permissions::from_mode(0o700)).unwrap();
        out
    };
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(77), "{err}");
    assert!(
        err.starts_with("error: permission denied: cannot read the store"),
        "{err}"
    );
}

/// Pending events (issue 15.4): 10,000 events of a group whose Create never
/// arrives are held, listed (`pending list`, `group list`, `audit`), never
/// applied, and dropped with `gmm pending drop`; the store never holds more
/// than `MAX_PENDING`: past it, events are counted as `over-pending-limit`,
/// neither stored nor quarantined.
#[test]
fn pending_events_of_an_unknown_group_are_listed_bounded_and_droppable() {
    use gmm::model::event::{Event, EventId, Op, ParentRef, ViewHash, EVENT_VERSION};
    use gmm::repo::pending::MAX_PENDING;
    use rayon::prelude::*;
    let w = World::new();
    store_with_group(&w);
    let ghost = EventId([0x47; 32]);
    let key = crate::support::label_key("ghost author");
    let sign = |seq: u64| {
        let event = Event {
            version: EVENT_VERSION,
            group: ghost,
            author: crate::support::label_key(&format!("ghost {seq}")).public(),
            seq: 1,
            prev: None,
            parents: vec![ParentRef {
                author: key.public(),
                seq: 1,
                id: ghost,
            }],
            time: 1,
            view: ViewHash::default(),
            op: Op::Leave,
        };
        let signer = crate::support::label_key(&format!("ghost {seq}"));
        gmm::model::signed::SignedEvent::sign(event, &signer)
            .unwrap()
            .record()
    };
    let offer = |records: &[Vec<u8>]| {
        let store = gmm::store::Store::open(&w.path("a")).unwrap();
        let mut ingest = gmm::repo::ingest::Ingest::new(&store).unwrap();
        for r in records {
            ingest.offer_record(r).unwrap();
        }
        ingest.commit().unwrap().0
    };
    let records: Vec<Vec<u8>> = (0..10_000u64).into_par_iter().map(sign).collect();
    let summary = offer(&records);
    assert_eq!(summary.counts.get("pending"), Some(&10_000));
    let list = w.ok("a", &["pending", "list"]);
    assert!(
        list.contains("10000 pending  (a group this store does not hold)"),
        "{list}"
    );
    let groups = w.ok("a", &["group", "list"]);
    assert!(
        groups.contains("not held: 10000 pending event(s)"),
        "{groups}"
    );
    let audit = w.ok("a", &["audit"]);
    assert!(
        audit.contains("10000 pending event(s) of group 47474747"),
        "{audit}"
    );
    // The bound: fill up to MAX_PENDING, then one more is not held.
    let more: Vec<Vec<u8>> = (10_000..MAX_PENDING + 1)
        .into_par_iter()
        .map(sign)
        .collect();
    let summary = offer(&more);
    assert_eq!(summary.counts.get("pending"), Some(&(MAX_PENDING - 10_000)));
    assert_eq!(summary.counts.get("over-pending-limit"), Some(&1));
    let listed = w.json("a", &["pending", "list"]);
    assert_eq!(listed["pending"], MAX_PENDING);
    let dropped = w.json("a", &["pending", "drop", "47474747"]);
    assert_eq!(dropped["pending"], MAX_PENDING);
    assert_eq!(w.ok("a", &["pending", "list"]), "");
    let audit = w.ok("a", &["audit"]);
    assert!(audit.starts_with("audit: no findings"), "{audit}");
}
