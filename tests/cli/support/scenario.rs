//! Scenarios: scripted groups built by several real identities, for fixtures,
//! tests and benchmarks (SPEC §3's S1–S13 live in `fixtures/scenarios/`).
//!
//! Each *peer* has an ed25519 key (seeded from its name, so scenarios are
//! reproducible) and its own set of events it has seen. An event a peer
//! authors cites that set's heads as parents and carries the view hash of its
//! past plus itself, exactly as a real store would sign it. `sync` moves
//! events between peers; `fork R from A` copies A (key, events, seq counter)
//! like a device restored from a backup, so both can sign the same seq.
//!
//! ```text
//! # comments and blank lines are ignored
//! A: create "Book club"          # every op line: PEER: OP
//! A: add B admin                 # add MEMBER [member|admin]
//! A: link P                      # A links peer P's key as a device (unlink P)
//! x = B: title "Books"           # a label names the event for `expect`
//! sync A -> C                    # C receives everything A has
//! sync all                       # everyone receives everything
//! fork A2 from A                 # A2: same key and state as A
//! withhold x                     # leave x out of the delivered set
//! expect members A:owner B:admin # the exact member list with roles
//! expect title "Books"
//! expect title-conflicts "Other" # the losing titles (rule 6)
//! expect cycle A B               # one removal cycle, by the removed members
//! expect forked A2
//! expect devices A:P             # the exact linked devices, MEMBER:DEVICE
//! expect x revoked               # effective | unauthorized | revoked | pending
//! ```

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::collections::HashSet;

use gmm::model::event::Event;
use gmm::model::event::EventId;
use gmm::model::event::GroupId;
use gmm::model::event::Op;
use gmm::model::event::ParentRef;
use gmm::model::event::PublicKey;
use gmm::model::event::Role;
use gmm::model::event::EVENT_VERSION;
use gmm::model::keys::SecretKey;
use gmm::model::signed::SignedEvent;
use gmm::rules::projection;
use gmm::rules::projection::Checkpoint;
use gmm::rules::projection::Frontier;
use gmm::rules::projection::History;
use gmm::rules::projection::NewEvent;
use gmm::rules::projection::OrderedEvent;
use gmm::rules::projection::Verdict;

/// The key a scenario peer name stands for.
/// A fixed test key for a label: its ed25519 seed is blake3(label).
pub fn label_key(label: &str) -> SecretKey {
    gmm::crafted::key(label)
}

pub fn peer_key(name: &str) -> SecretKey {
    label_key(&format!("gmm scenario peer {name}"))
}

struct Peer {
    key_name: String,
    seen: Vec<SignedEvent>,
    own_last: Option<(u64, EventId)>,
}

/// What a scenario says the outcome must be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    pub members: Option<BTreeMap<String, Role>>,
    pub title: Option<String>,
    pub title_conflicts: Option<BTreeSet<String>>,
    pub cycles: Vec<BTreeSet<String>>,
    pub forked: BTreeSet<String>,
    pub statuses: Vec<(String, String)>,
    /// `MEMBER:DEVICE` pairs: the exact linked devices, when given.
    pub devices: Option<BTreeSet<(String, String)>>,
}

/// A scenario after its script ran.
pub struct Scenario {
    peers: BTreeMap<String, Peer>,
    /// Every event any peer signed, in signing order.
    pub events: Vec<SignedEvent>,
    pub labels: BTreeMap<String, EventId>,
    pub withheld: BTreeSet<EventId>,
    pub expected: Expected,
    group: Option<GroupId>,
}

impl Scenario {
    /// Runs a scenario script; the error names the line.
    pub fn run(script: &str) -> Result<Scenario, String> {
        let mut scenario = Scenario {
            peers: BTreeMap::new(),
            events: Vec::new(),
            labels: BTreeMap::new(),
            withheld: BTreeSet::new(),
            expected: Expected::default(),
            group: None,
        };
        for (n, raw) in script.lines().enumerate() {
            let line = raw.split(" #").next().unwrap_or_default().trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            scenario
                .line(line)
                .map_err(|e| format!("line {}: {e}: {raw}", n + 1))?;
        }
        Ok(scenario)
    }

    /// The events delivered to a receiver: all but the withheld ones.
    pub fn delivered(&self) -> Vec<SignedEvent> {
        let withheld = &self.withheld;
        self.events
            .iter()
            .filter(|e| !withheld.contains(&e.id))
            .cloned()
            .collect()
    }

    pub fn group(&self) -> Option<GroupId> {
        self.group
    }

    /// The public key behind a peer name (peers are created on first mention).
    pub fn key_of(&mut self, name: &str) -> PublicKey {
        let key_name = self.peer(name).key_name.clone();
        peer_key(&key_name).public()
    }

    /// A peer name for a key, for messages and comparisons.
    pub fn name_of(&self, key: &PublicKey) -> String {
        self.peers
            .values()
            .find(|p| peer_key(&p.key_name).public() == *key)
            .map_or_else(|| key.short(), |p| p.key_name.clone())
    }

    fn peer(&mut self, name: &str) -> &mut Peer {
        self.peers.entry(name.to_string()).or_insert_with(|| Peer {
            key_name: name.to_string(),
            seen: Vec::new(),
            own_last: None,
        })
    }

    fn line(&mut self, line: &str) -> Result<(), String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["sync", "all"] => {
                let all = self.events.clone();
                for peer in self.peers.values_mut() {
                    receive(peer, &all);
                }
                Ok(())
            }
            ["sync", from, "->", to] => {
                let events = self.peer(from).seen.clone();
                receive(self.peer(to), &events);
                Ok(())
            }
            ["fork", copy, "from", original] => {
                let original = self.peer(original);
                let copy_peer = Peer {
                    key_name: original.key_name.clone(),
                    seen: original.seen.clone(),
                    own_last: original.own_last,
                };
                self.peers.insert(copy.to_string(), copy_peer);
                Ok(())
            }
            ["withhold", label] => {
                let id = self.label(label)?;
                self.withheld.insert(id);
                Ok(())
            }
            ["expect", rest @ ..] => self.expect(rest, line),
            [label, "=", rest @ ..] => {
                let id = self.op_line(&rest.join(" "))?;
                self.labels.insert(label.to_string(), id);
                Ok(())
            }
            _ => self.op_line(line).map(|_| ()),
        }
    }

    fn label(&self, label: &str) -> Result<EventId, String> {
        self.labels
            .get(label)
            .copied()
            .ok_or_else(|| format!("no event labelled `{label}`"))
    }

    fn expect(&mut self, words: &[&str], line: &str) -> Result<(), String> {
        let quoted = quoted_strings(line);
        match words {
            ["members", specs @ ..] => {
                let mut members = BTreeMap::new();
                for spec in specs {
                    let (name, role) = spec.split_once(':').ok_or("want NAME:ROLE")?;
                    members.insert(name.to_string(), parse_role(role)?);
                }
                self.expected.members = Some(members);
            }
            ["title", ..] => self.expected.title = quoted.into_iter().next(),
            ["title-conflicts", ..] => {
                self.expected.title_conflicts = Some(quoted.into_iter().collect());
            }
            ["cycle", names @ ..] => {
                let names = names.iter().map(|s| s.to_string()).collect();
                self.expected.cycles.push(names);
            }
            ["devices", pairs @ ..] => {
                let mut devices = BTreeSet::new();
                for pair in pairs {
                    let (member, device) = pair.split_once(':').ok_or("want MEMBER:DEVICE")?;
                    devices.insert((member.to_string(), device.to_string()));
                }
                self.expected.devices = Some(devices);
            }
            ["forked", names @ ..] => {
                self.expected
                    .forked
                    .extend(names.iter().map(|s| s.to_string()));
            }
            [label, status] => {
                self.label(label)?;
                let status = status.to_string();
                self.expected.statuses.push((label.to_string(), status));
            }
            _ => return Err("unknown expectation".into()),
        }
        Ok(())
    }

    /// `PEER: OP …`: signs one event as that peer.
    fn op_line(&mut self, line: &str) -> Result<EventId, String> {
        let (peer, op_text) = line.split_once(':').ok_or("want PEER: OP")?;
        let words: Vec<&str> = op_text.split_whitespace().collect();
        let quoted = quoted_strings(op_text);
        let op = match words.as_slice() {
            ["create", ..] => Op::Create {
                title: quoted.first().cloned().ok_or("create needs a \"title\"")?,
                nonce: [0; 16],
            },
            ["add", member, rest @ ..] => Op::Add {
                member: self.key_of(member),
                role: rest.first().map_or(Ok(Role::Member), |r| parse_role(r))?,
                name: member.to_string(),
            },
            ["remove", member] => Op::Remove {
                member: self.key_of(member),
            },
            ["leave"] => Op::Leave,
            ["role", member, role] => Op::SetRole {
                member: self.key_of(member),
                role: parse_role(role)?,
            },
            ["title", ..] => Op::SetTitle {
                title: quoted.first().cloned().ok_or("title needs a \"title\"")?,
            },
            ["link", device] => Op::LinkDevice {
                device: self.key_of(device),
                name: device.to_string(),
            },
            ["unlink", device] => Op::UnlinkDevice {
                device: self.key_of(device),
            },
            _ => return Err("unknown op".into()),
        };
        self.sign(peer.trim(), op)
    }

    fn sign(&mut self, peer_name: &str, op: Op) -> Result<EventId, String> {
        let is_create = matches!(op, Op::Create { .. });
        let group = match (self.group, is_create) {
            (None, true) => GroupId::default(),
            (Some(group), false) => group,
            (None, false) => return Err("the first op must be create".into()),
            (Some(_), true) => return Err("one group per scenario".into()),
        };
        // A fixed date in the past (2023-11-14), so audits see no clock skew.
        let time = 1_700_000_000_000 + self.events.len() as u64;
        let peer = self.peer(peer_name);
        let key = peer_key(&peer.key_name);
        let (seq, prev) = match peer.own_last {
            Some((seq, id)) => (seq + 1, Some(id)),
            None => (1, None),
        };
        if !is_create && peer.seen.is_empty() {
            return Err(format!(
                "{peer_name} has not seen the group yet (sync it first)"
            ));
        }
        let parents = heads(&peer.seen);
        let mut event = Event {
            version: EVENT_VERSION,
            group,
            author: key.public(),
            seq,
            prev,
            parents,
            time,
            view: Default::default(),
            op,
        };
        // The view field: the projection of the author's events plus this one.
        // Its id is unknown before signing, and the view hash ignores ids.
        let mut past: Vec<OrderedEvent> = ordered(&peer.seen);
        let placeholder = EventId([0xff; 32]);
        let lamport = lamport_of(
            &past,
            &event.parents.iter().map(|p| p.id).collect::<Vec<_>>(),
        );
        past.push(OrderedEvent {
            id: placeholder,
            lamport,
            author: event.author,
            seq,
            op: event.op.clone(),
            parents: event.parents.iter().map(|p| p.id).collect(),
        });
        past.sort_by_key(|e| (e.lamport, e.id));
        let view_group = if is_create { GroupId::default() } else { group };
        event.view = projection::replay(view_group, past).frontier.view.hash();
        let signed = SignedEvent::sign(event, &key).map_err(|e| e.to_string())?;
        if is_create {
            self.group = Some(signed.id);
        }
        let peer = self.peer(peer_name);
        peer.own_last = Some((seq, signed.id));
        peer.seen.push(signed.clone());
        let id = signed.id;
        self.events.push(signed);
        Ok(id)
    }
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("`{text}` is not a role"))
}

fn quoted_strings(text: &str) -> Vec<String> {
    text.split('"')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

fn receive(peer: &mut Peer, events: &[SignedEvent]) {
    let known: HashSet<EventId> = peer.seen.iter().map(|e| e.id).collect();
    peer.seen
        .extend(events.iter().filter(|e| !known.contains(&e.id)).cloned());
}

/// The heads of a set of events, as parent references.
fn heads(events: &[SignedEvent]) -> Vec<ParentRef> {
    let cited: HashSet<EventId> = events
        .iter()
        .flat_map(|e| e.event.parents.iter().map(|p| p.id))
        .collect();
    let mut heads: Vec<ParentRef> = events
        .iter()
        .filter(|e| !cited.contains(&e.id))
        .map(SignedEvent::as_parent)
        .collect();
    heads.sort();
    heads
}

fn lamport_of(known: &[OrderedEvent], parents: &[EventId]) -> u64 {
    parents
        .iter()
        .filter_map(|p| known.iter().find(|e| e.id == *p).map(|e| e.lamport + 1))
        .max()
        .unwrap_or(0)
}

/// A closed set of events in topological order with Lamport numbers.
pub fn ordered(events: &[SignedEvent]) -> Vec<OrderedEvent> {
    projection::order(events)
}

/// An in-memory group that receives events one delivery at a time, holds
/// events with missing parents as pending, and keeps its projection with the
/// same incremental path a store uses ([`projection::advance`]).
pub struct MemoryGroup {
    pub frontier: Frontier,
    events: BTreeMap<(u64, EventId), OrderedEvent>,
    lamports: HashMap<EventId, u64>,
    pub verdicts: HashMap<EventId, Verdict>,
    checkpoints: BTreeMap<u64, Checkpoint>,
    pending: Vec<SignedEvent>,
    interval: u64,
    /// Every held event some held event cites.
    cited: HashSet<EventId>,
    /// The open region's inert events, kept outside the frontier.
    inert: Vec<(PublicKey, EventId)>,
}

impl History for MemoryGroup {
    type Error = std::convert::Infallible;

    fn events_after(&self, lamport: Option<u64>) -> Result<Vec<OrderedEvent>, Self::Error> {
        Ok(self
            .events
            .values()
            .filter(|e| lamport.is_none_or(|l| e.lamport > l))
            .cloned()
            .collect())
    }

    fn checkpoint_at_or_before(&self, lamport: u64) -> Result<Option<Checkpoint>, Self::Error> {
        Ok(self
            .checkpoints
            .range(..=lamport)
            .next_back()
            .map(|(_, c)| c.clone()))
    }

    fn other_at(&self, author: &PublicKey, seq: u64, id: &EventId) -> Result<bool, Self::Error> {
        Ok(self
            .events
            .values()
            .any(|e| e.author == *author && e.seq == seq && e.id != *id))
    }

    fn last_seq(&self, author: &PublicKey) -> Result<Option<u64>, Self::Error> {
        Ok(self
            .events
            .values()
            .filter(|e| e.author == *author)
            .map(|e| e.seq)
            .max())
    }

    fn head_count(&self) -> Result<usize, Self::Error> {
        Ok(self.events.len() - self.cited.len())
    }

    fn is_head(&self, id: &EventId) -> Result<bool, Self::Error> {
        Ok(self.lamports.contains_key(id) && !self.cited.contains(id))
    }

    fn inert_by(&self, author: &PublicKey) -> Result<bool, Self::Error> {
        Ok(self.inert.iter().any(|(a, _)| a == author))
    }
}

impl MemoryGroup {
    /// `interval`: checkpoint interval (small values exercise the fallback path).
    pub fn new(group: GroupId, interval: u64) -> MemoryGroup {
        MemoryGroup {
            frontier: Frontier::empty(group),
            events: BTreeMap::new(),
            lamports: HashMap::new(),
            verdicts: HashMap::new(),
            checkpoints: BTreeMap::new(),
            pending: Vec::new(),
            interval,
            cited: HashSet::new(),
            inert: Vec::new(),
        }
    }

    /// Ids of the events waiting for parents.
    pub fn pending(&self) -> Vec<EventId> {
        self.pending.iter().map(|e| e.id).collect()
    }

    /// Delivers a batch: accepts what has its parents (also pending events
    /// that the batch completes), then projects all accepted ones at once.
    pub fn deliver(&mut self, batch: &[SignedEvent]) {
        let mut queue: Vec<SignedEvent> = std::mem::take(&mut self.pending);
        queue.extend(batch.iter().cloned());
        let mut accepted: Vec<NewEvent> = Vec::new();
        let mut reach: HashMap<EventId, u64> = HashMap::new();
        loop {
            let before = queue.len();
            queue.retain(|e| {
                if self.lamports.contains_key(&e.id) {
                    return false; // duplicate
                }
                let parents = &e.event.parents;
                if !parents.iter().all(|p| self.lamports.contains_key(&p.id)) {
                    return true;
                }
                let lamport = parents
                    .iter()
                    .map(|p| self.lamports[&p.id] + 1)
                    .max()
                    .unwrap_or(0);
                let r = parents
                    .iter()
                    .map(|p| reach.get(&p.id).copied().unwrap_or(self.lamports[&p.id]))
                    .max()
                    .unwrap_or(0);
                self.lamports.insert(e.id, lamport);
                reach.insert(e.id, r);
                accepted.push(NewEvent {
                    event: OrderedEvent::new(e, lamport),
                    reach: r,
                });
                false
            });
            if queue.len() == before {
                break;
            }
        }
        self.pending = queue;
        if accepted.is_empty() {
            return;
        }
        let result =
            projection::advance_with(self.frontier.clone(), &accepted, self, self.interval)
                .unwrap_or_else(|never| match never {});
        for n in accepted {
            self.cited.extend(n.event.parents.iter().copied());
            self.events.insert((n.event.lamport, n.event.id), n.event);
        }
        if result.inert.reset {
            self.inert.clear();
        }
        self.inert.extend(result.inert.added);
        if let Some(after) = result.drop_checkpoints_after {
            self.checkpoints.retain(|l, _| *l <= after);
        }
        for c in result.checkpoints {
            self.checkpoints.insert(c.lamport, c);
        }
        self.verdicts.extend(result.verdicts);
        self.frontier = result.frontier;
    }

    /// Projects every accepted event from scratch.
    pub fn replay(&self) -> projection::Advance {
        projection::replay(self.frontier.view.group, self.events.values().cloned())
    }
}
