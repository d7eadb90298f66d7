//! Scenario scripts run through the CLI: every peer a store, every sync a
//! bundle written by `gmm export` and read by `gmm import`.

use std::fs;

use serde_json::Value;

use crate::support::world::*;

pub struct CliScenario<'w> {
    w: &'w World,
    group: Option<String>,
    peers: Vec<String>,
    keys: std::collections::BTreeMap<String, String>,
    labels: std::collections::BTreeMap<String, String>,
    withheld: Vec<String>,
    bundles: u32,
}

impl<'w> CliScenario<'w> {
    /// A peer's key; peers mentioned in an op become stores, as in the
    /// library's scenarios (a `sync all` reaches them).
    pub fn key(&mut self, peer: &str) -> String {
        self.ensure_peer(peer);
        self.keys
            .entry(peer.to_string())
            .or_insert_with(|| crate::support::scenario::peer_key(peer).public().to_hex())
            .clone()
    }

    pub fn ensure_peer(&mut self, peer: &str) {
        if self.peers.iter().any(|p| p == peer) {
            return;
        }
        let key_path = self.w.path(&format!("{peer}.identity"));
        crate::support::scenario::peer_key(peer)
            .save(&key_path, true)
            .unwrap();
        self.w
            .ok(peer, &["init", "--identity", key_path.to_str().unwrap()]);
        self.peers.push(peer.to_string());
    }

    pub fn sync(&mut self, from: &str, to: &str) {
        if self.group.is_none() || from == to {
            return;
        }
        self.bundles += 1;
        let file = self.w.path(&format!("bundle-{}.gmm", self.bundles));
        let file = file.to_str().unwrap();
        let group = self.group.clone().unwrap();
        if self.w.run(from, &["status", &group]).status.code() != Some(0) {
            return; // `from` has not seen the group yet
        }
        self.w.ok(from, &["export", &group, "-o", file]);
        self.w.ok(to, &["import", file]);
    }

    pub fn line(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["sync", "all"] => {
                let peers = self.peers.clone();
                for a in &peers {
                    for b in &peers {
                        self.sync(a, b);
                    }
                }
            }
            ["sync", from, "->", to] => self.sync(from, to),
            ["fork", copy, "from", original] => {
                copy_dir(&self.w.path(original), &self.w.path(copy));
                self.peers.push(copy.to_string());
            }
            ["withhold", label] => self.withheld.push(self.labels[*label].clone()),
            ["expect", ..] => {}
            [label, "=", rest @ ..] => {
                let id = self.op(&rest.join(" "));
                self.labels.insert(label.to_string(), id);
            }
            _ => {
                self.op(line);
            }
        }
    }

    /// Runs `PEER: OP` as a gmm command; returns the new event's id.
    pub fn op(&mut self, line: &str) -> String {
        let (peer, op) = line.split_once(':').unwrap();
        let peer = peer.trim();
        self.ensure_peer(peer);
        let quoted: Vec<&str> = op.split('"').skip(1).step_by(2).collect();
        let words: Vec<&str> = op.split_whitespace().collect();
        let group = self.group.clone().unwrap_or_default();
        let args: Vec<String> = match words.as_slice() {
            ["create", ..] => vec!["group".into(), "create".into(), quoted[0].into()],
            ["add", member, rest @ ..] => {
                let key = self.key(member);
                let role = rest.first().copied().unwrap_or("member");
                ["add", &group, &key, "--role", role, "--name", member]
                    .map(String::from)
                    .to_vec()
            }
            ["remove", member] => vec!["remove".into(), group, self.key(member)],
            ["leave"] => vec!["leave".into(), group],
            ["role", member, role] => {
                vec!["role".into(), group, self.key(member), role.to_string()]
            }
            ["title", ..] => vec!["title".into(), group, quoted[0].into()],
            ["link", device] => {
                let key = self.key(device);
                ["device", "link", &key, "--name", device, "--group", &group]
                    .map(String::from)
                    .to_vec()
            }
            ["unlink", device] => {
                let key = self.key(device);
                ["device", "unlink", &key, "--group", &group]
                    .map(String::from)
                    .to_vec()
            }
            _ => panic!("unknown op {line}"),
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let id = self.w.ok(peer, &args);
        if self.group.is_none() {
            self.group = Some(id.clone());
        }
        id
    }
}

/// Runs a scenario through the binary, then gives a fresh receiver every
/// peer's events (but the withheld ones) and checks it against the scenario's
/// expectations, and every peer that saw everything against the receiver.
pub fn run_cli_scenario(fixture: &str) {
    let w = World::new();
    let path = crate::support::repo()
        .join("fixtures/scenarios")
        .join(fixture);
    let script = fs::read_to_string(&path).unwrap();
    let mut s = CliScenario {
        w: &w,
        group: None,
        peers: Vec::new(),
        keys: Default::default(),
        labels: Default::default(),
        withheld: Vec::new(),
        bundles: 0,
    };
    for raw in script.lines() {
        let line = raw.split(" #").next().unwrap().trim();
        if !line.is_empty() && !line.starts_with('#') {
            s.line(line);
        }
    }
    let group = s.group.clone().unwrap();
    // The receiver gets each peer's events as JSON Lines, minus the withheld.
    w.ok("receiver", &["init"]);
    let mut files = Vec::new();
    for peer in s.peers.clone() {
        if w.run(&peer, &["status", &group]).status.code() != Some(0) {
            continue; // this peer never saw the group
        }
        let text = w.ok(&peer, &["export", &group, "--format", "jsonl"]);
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        let kept: Vec<&str> = lines
            .into_iter()
            .filter(|l| {
                let event: Value = serde_json::from_str(l).unwrap();
                !s.withheld.iter().any(|id| event["id"] == id.as_str())
            })
            .collect();
        let mut header: Value = serde_json::from_str(header).unwrap();
        header["event_count"] = kept.len().into();
        let file = w.path(&format!("{peer}.jsonl"));
        let body = std::iter::once(header.to_string()).chain(kept.iter().map(|l| l.to_string()));
        fs::write(&file, body.collect::<Vec<_>>().join("\n")).unwrap();
        files.push(file.to_str().unwrap().to_string());
    }
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    w.ok("receiver", &args);
    // Compare with the library's run of the same script.
    let expected = crate::support::scenario::Scenario::run(&script)
        .unwrap()
        .expected;
    let name_of = |key: &str| {
        s.keys
            .iter()
            .find(|(_, k)| k.as_str() == key)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| {
                (!s.peers.is_empty())
                    .then(|| {
                        s.peers
                            .iter()
                            .find(|p| {
                                crate::support::scenario::peer_key(p).public().to_hex() == key
                            })
                            .cloned()
                    })
                    .flatten()
                    .unwrap_or_default()
            })
    };
    let view = w.json("receiver", &["members", &group]);
    if let Some(members) = &expected.members {
        let got: std::collections::BTreeMap<String, gmm::model::event::Role> = view["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    name_of(m["key"].as_str().unwrap()),
                    gmm::model::event::Role::parse(m["role"].as_str().unwrap()).unwrap(),
                )
            })
            .collect();
        assert_eq!(&got, members, "{fixture}: members");
    }
    if let Some(title) = &expected.title {
        assert_eq!(view["title"], title.as_str(), "{fixture}: title");
    }
    if let Some(devices) = &expected.devices {
        let mut got = std::collections::BTreeSet::new();
        for m in view["members"].as_array().unwrap() {
            let member = name_of(m["key"].as_str().unwrap());
            for d in m["devices"].as_array().into_iter().flatten() {
                got.insert((member.clone(), name_of(d["key"].as_str().unwrap())));
            }
        }
        assert_eq!(&got, devices, "{fixture}: devices");
    }
    let status = w.json("receiver", &["status", &group]);
    assert_eq!(
        status["forks"].as_array().unwrap().len(),
        expected.forked.len(),
        "{fixture}: forks"
    );
    if let Some(conflicts) = &expected.title_conflicts {
        let got: std::collections::BTreeSet<String> = status["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "title")
            .map(|c| c["title"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(&got, conflicts, "{fixture}: title conflicts");
    }
    let log: Vec<Value> = w
        .ok("receiver", &["log", &group, "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (label, want) in &expected.statuses {
        let id = &s.labels[label];
        let got = log
            .iter()
            .find(|e| e["id"] == id.as_str())
            .map(|e| e["status"].as_str().unwrap().to_string());
        assert_eq!(
            got.as_deref(),
            Some(want.as_str()),
            "{fixture}: status of {label}"
        );
    }
    w.ok("receiver", &["replay", &group]);
    // Peers that hold every event agree with the receiver on the view hash.
    let total = log.len();
    for peer in s.peers.clone() {
        if w.run(&peer, &["status", &group]).status.code() != Some(0) {
            continue;
        }
        let st = w.json(&peer, &["status", &group]);
        if st["counts"]["events"] == total as u64 && s.withheld.is_empty() {
            assert_eq!(
                st["view_hash"], status["view_hash"],
                "{fixture}: {peer} converged"
            );
        }
    }
}
