//! Devices (issue 13): a second device in three commands, no false fork
//! alarms, stale senders named and corrected, and the device scenarios'
//! crafted events through real stores in several delivery orders.

use std::fs;

use serde_json::Value;

use crate::support::scenario::Scenario;
use crate::support::world::*;

/// Alice's laptop (`a`) and phone (`phone`, its own key) in group G with Bob.
fn laptop_and_phone(w: &World) -> (String, String) {
    w.ok("a", &["init", "--name", "alice"]);
    let phone = w.ok("phone", &["init"]);
    let bob = w.new_key("bob");
    let group = w.ok(
        "a",
        &[
            "group",
            "create",
            "G",
            "--member",
            &format!("{bob}:member:bob"),
        ],
    );
    w.ok("a", &["device", "link", &phone, "--name", "phone"]);
    let file = w.path("to-phone.gmm");
    w.ok("a", &["export", "G", "-o", file.to_str().unwrap()]);
    w.ok("phone", &["import", file.to_str().unwrap()]);
    (group, phone)
}

#[test]
fn a_second_device_acts_for_its_member_without_a_fork() {
    let w = World::new();
    let (group, phone) = laptop_and_phone(&w);
    // Both devices act at once (D1): no fork, both effective, audit clean.
    w.ok("a", &["add", "G", &w.new_key("xavier"), "--name", "xavier"]);
    w.ok(
        "phone",
        &["add", &group, &w.new_key("yara"), "--name", "yara"],
    );
    pass(&w, "phone", "a", &group, "from-phone.gmm");
    pass(&w, "a", "phone", &group, "from-laptop.gmm");
    for store in ["a", "phone"] {
        let out = w.ok(store, &["audit"]);
        assert!(out.starts_with("audit: no findings"), "{store}: {out}");
    }
    let view = w.json("a", &["members", "G"]);
    let names: Vec<&str> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"xavier") && names.contains(&"yara"),
        "{view}"
    );
    let alice = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "owner")
        .unwrap();
    assert_eq!(alice["devices"][0]["key"].as_str(), Some(phone.as_str()));
    assert_eq!(alice["devices"][0]["name"], "phone");
    let human = w.ok("a", &["members", "G"]);
    assert!(human.contains("device "), "{human}");
    // The log names the member behind the device.
    let log = w.ok("a", &["log", "G"]);
    assert!(log.contains("alice/phone#1  add yara as member"), "{log}");
    let list = w.ok("a", &["device", "list", "--json"]);
    let device: gmm::json::DeviceJson = serde_json::from_str(list.lines().next().unwrap()).unwrap();
    assert_eq!(
        (device.device.as_str(), device.name.as_str()),
        (phone.as_str(), "phone")
    );
    // why explains the link, and the phone's key is a device of alice.
    let why = w.ok("a", &["why", "G", "alice"]);
    assert!(why.contains("device phone ("), "{why}");
    assert!(why.contains("link device phone"), "{why}");
    let why = w.ok("a", &["why", "G", &phone]);
    assert!(why.contains("is a device of alice"), "{why}");
}

#[test]
fn devices_cannot_link_and_an_unlinked_device_has_no_authority() {
    let w = World::new();
    let (group, _) = laptop_and_phone(&w);
    let err = w.fails("phone", &["device", "link", &w.new_key("tablet")], 77);
    assert!(
        err.contains("only a member's own key may link or unlink devices"),
        "{err}"
    );
    w.ok("a", &["device", "unlink", "phone"]);
    pass(&w, "a", "phone", &group, "unlinked.gmm");
    let err = w.fails("phone", &["add", &group, &w.new_key("zed")], 77);
    assert!(
        err.contains("is not a member of the group, nor a device linked to one"),
        "{err}"
    );
    let view = w.json("a", &["members", "G"]);
    assert!(view["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m.get("devices").is_none()));
    let err = w.fails("a", &["device", "unlink", "phone"], 66);
    assert!(err.contains("no device of yours matches `phone`"), "{err}");
    // A key shared by two stores is the fork it always was: say so.
    let key = w.path("a").join("identity.key");
    let out = w.run("twin", &["init", "--identity", key.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(
        stderr_of(&out).contains("warning: a key used by two stores"),
        "{}",
        stderr_of(&out)
    );
}

/// D4 through the CLI: Bob adds Carol without having seen Alice's device
/// link; Alice's import names Bob and the link; `correct --for bob` writes
/// exactly that; after Bob imports it, his view lists the device.
#[test]
fn a_stale_sender_is_named_and_corrected() {
    let w = World::new();
    w.ok("a", &["init", "--name", "alice"]);
    let bob = w.ok("b", &["init", "--name", "bob"]);
    let phone = w.ok("phone", &["init"]);
    let group = w.ok(
        "a",
        &[
            "group",
            "create",
            "G",
            "--member",
            &format!("{bob}:admin:bob"),
        ],
    );
    pass(&w, "a", "b", &group, "start.gmm");
    let link = w.ok("a", &["device", "link", &phone, "--name", "phone"]);
    w.ok("b", &["add", "G", &w.new_key("carol"), "--name", "carol"]);
    let out = pass(&w, "b", "a", &group, "from-bob.gmm");
    assert!(
        out.contains("stale: bob acted at") && out.contains(&link[..16]),
        "{out}"
    );
    assert!(out.contains("link device phone by alice"), "{out}");
    let status = w.json("a", &["status", "G"]);
    let stale: Vec<gmm::json::StaleJson> = serde_json::from_value(status["stale"].clone()).unwrap();
    let bob_stale = stale.iter().find(|s| s.author == bob).unwrap();
    assert_eq!(bob_stale.lacked, vec![link.clone()]);
    let fix = w.path("for-bob.gmm");
    let out = w.json(
        "a",
        &["correct", "G", "--for", "bob", "-o", fix.to_str().unwrap()],
    );
    assert_eq!(out["events"], 1, "exactly the link: {out}");
    w.ok("b", &["import", fix.to_str().unwrap()]);
    let view = w.json("b", &["members", "G"]);
    let devices: Vec<&str> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["devices"].as_array().into_iter().flatten())
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(devices, vec![phone.as_str()]);
    let err = w.fails("a", &["correct", "G", "--for", "nobody-here"], 66);
    assert!(err.contains("nobody-here"), "{err}");
}

/// Every event of a library scenario as its own JSON Lines bundle, in order.
fn one_bundle_per_event(w: &World, fixture: &str) -> (Scenario, String, Vec<String>) {
    let scenario = store_from_scenario(w, fixture);
    let group = scenario.group().unwrap().to_hex();
    let text = w.ok("a", &["export", &group, "--format", "jsonl"]);
    let mut lines = text.lines();
    let mut header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    header["event_count"] = 1.into();
    let files = lines
        .enumerate()
        .map(|(i, line)| {
            let file = w.path(&format!("{fixture}-{i}.jsonl"));
            fs::write(&file, format!("{header}\n{line}\n")).unwrap();
            file.to_str().unwrap().to_string()
        })
        .collect();
    fs::remove_dir_all(w.path("a")).unwrap();
    (scenario, group, files)
}

/// A fixed pseudo-random order of `0..n`.
fn shuffled(n: usize, seed: u8) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| *blake3::hash(&[*i as u8, seed]).as_bytes());
    order
}

/// The device scenarios' events, including the ones gmm refuses to sign
/// (D6), reach real stores one bundle at a time in five delivery orders;
/// each store ends with the scenario's members, devices and verdicts.
#[test]
fn device_scenarios_converge_through_real_stores_in_several_orders() {
    for fixture in [
        "d01-two-devices-add-concurrently.txt",
        "d02-unlink-vs-phone-add.txt",
        "d03-removal-vs-phone-add.txt",
        "d05-device-equivocation.txt",
        "d06-unlinked-and-linking-devices.txt",
    ] {
        let w = World::new();
        let (scenario, group, files) = one_bundle_per_event(&w, fixture);
        let n = files.len();
        let orders: Vec<Vec<usize>> = vec![
            (0..n).collect(),
            (0..n).rev().collect(),
            shuffled(n, 1),
            shuffled(n, 2),
            (0..n)
                .map(|i| if i % 2 == 0 { i / 2 } else { n - 1 - i / 2 })
                .collect(),
        ];
        let mut reference: Option<Value> = None;
        for (k, order) in orders.iter().enumerate() {
            let store = format!("order{k}");
            w.ok(&store, &["init"]);
            for &i in order {
                let out = w.run(&store, &["import", &files[i]]);
                assert!(out.status.success(), "{fixture}: {}", stderr_of(&out));
            }
            let view = w.json(&store, &["members", &group]);
            match &reference {
                None => reference = Some(view.clone()),
                Some(r) => assert_eq!(&view, r, "{fixture}: order {order:?}"),
            }
            let log: Vec<Value> = w
                .ok(&store, &["log", &group, "--json"])
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            for (label, want) in &scenario.expected.statuses {
                let id = scenario.labels[label].to_hex();
                let got = log.iter().find(|e| e["id"] == id.as_str()).unwrap();
                assert_eq!(
                    got["status"],
                    want.as_str(),
                    "{fixture}: {label}, order {order:?}"
                );
            }
            let count = scenario.expected.devices.as_ref().map_or(0, |d| d.len());
            let devices: usize = view["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["devices"].as_array().map_or(0, |d| d.len()))
                .sum();
            assert_eq!(devices, count, "{fixture}: devices");
        }
    }
}

/// D2 through the CLI, read with `why`: the phone's add, concurrent with its
/// unlink, is among the events by alice that had no effect.
#[test]
fn why_counts_a_revoked_device_event_as_its_member_s() {
    let w = World::new();
    let (group, _) = laptop_and_phone(&w);
    w.ok("a", &["device", "unlink", "phone"]);
    let add = w.ok(
        "phone",
        &["add", &group, &w.new_key("mallory"), "--name", "mallory"],
    );
    pass(&w, "phone", "a", &group, "late.gmm");
    let why = w.json("a", &["why", "G", "alice"]);
    let ineffective = why["ineffective"].as_array().unwrap();
    assert!(
        ineffective
            .iter()
            .any(|e| e["id"] == add.as_str() && e["status"] == "revoked"),
        "{why}"
    );
    let human = w.ok("a", &["why", "G", "mallory"]);
    assert!(human.contains("revoked by"), "{human}");
}

/// D5 through the CLI: a phone restored from a backup signs a second event at
/// its seq. That is still an equivocation by the device key, with a fork
/// proof that names the device key.
#[test]
fn a_device_key_that_signs_twice_at_one_seq_is_a_fork_with_a_proof() {
    let w = World::new();
    let (group, phone) = laptop_and_phone(&w);
    copy_dir(&w.path("phone"), &w.path("restored"));
    w.ok(
        "phone",
        &["add", &group, &w.new_key("xena"), "--name", "xena"],
    );
    w.ok(
        "restored",
        &["add", &group, &w.new_key("yuri"), "--name", "yuri"],
    );
    pass(&w, "phone", "a", &group, "one.gmm");
    pass(&w, "restored", "a", &group, "two.gmm");
    let evidence = w.path("evidence");
    let out = w.run("a", &["audit", "--evidence", evidence.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an equivocation is an error finding"
    );
    let index: gmm::json::EvidenceIndexJson =
        serde_json::from_str(&fs::read_to_string(evidence.join("index.json")).unwrap()).unwrap();
    let fork = index.items.iter().find(|i| i.kind == "fork").unwrap();
    let proof = evidence.join(&fork.file);
    let out = w.ok(
        "x",
        &["verify-proof", proof.to_str().unwrap(), "--key", &phone],
    );
    assert!(
        out.starts_with(&format!("valid fork proof: key {phone}")),
        "{out}"
    );
}

/// The listing (read from the store's member pages, schema 10) follows the
/// view as devices are linked and unlinked and their member is removed.
#[test]
fn the_member_listing_follows_device_links_and_removals() {
    let w = World::new();
    laptop_and_phone(&w);
    let bob = w.ok("b", &["init", "--name", "bob"]);
    w.ok("a", &["add", "G", &bob, "--name", "bob2"]);
    let file = w.path("to-b.gmm");
    w.ok("a", &["export", "G", "-o", file.to_str().unwrap()]);
    w.ok("b", &["import", file.to_str().unwrap()]);
    let tablet = w.new_key("tablet");
    w.ok("a", &["device", "link", &tablet, "--name", "tablet"]);
    let laptop = w.new_key("bob-laptop");
    w.ok("b", &["device", "link", &laptop, "--name", "laptop"]);
    let file = w.path("from-b.gmm");
    w.ok("b", &["export", "G", "-o", file.to_str().unwrap()]);
    w.ok("a", &["import", file.to_str().unwrap()]);
    let listed = listed_keys(&w, "a", "G");
    assert_eq!(listed.iter().filter(|(device, _)| *device).count(), 3);
    assert_eq!(listed, view_keys(&w, "a", "G"));
    w.ok("a", &["device", "unlink", "tablet"]);
    assert_eq!(listed_keys(&w, "a", "G"), view_keys(&w, "a", "G"));
    w.ok("a", &["remove", "G", &bob]);
    let listed = listed_keys(&w, "a", "G");
    assert_eq!(listed.iter().filter(|(device, _)| *device).count(), 1);
    assert_eq!(listed, view_keys(&w, "a", "G"));
}
