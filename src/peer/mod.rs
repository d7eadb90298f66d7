//! Peer reconciliation (`diff`, `correct`): how this store and a peer differ,
//! and the correction bundle that gives the peer exactly what it lacks.
//!
//! A peer is known as its store folder (opened read-only), as a bundle it
//! sent (its header's heads and view hash, plus the events it carries), or as
//! its heads alone. Event sets are compared by [`walk::compare`], whose cost
//! follows the difference; views come from the stored projections when the
//! peer is a store, and otherwise from a replay of what the peer must hold.

pub mod reconcile;

use std::collections::HashSet;
use std::io::BufRead;

use crate::bundle::BundleHeader;
use crate::bundle::BundleKind;
use crate::error::Error;
use crate::error::Result;
use crate::exchange;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::ViewHash;
use crate::model::signed::SignedEvent;
use crate::rules::projection;
use crate::rules::projection::Checkpoint;
use crate::rules::projection::History;
use crate::rules::projection::OrderedEvent;
use crate::rules::view::View;
use crate::store::Store;
use crate::walk;
use crate::walk::Comparison;
use crate::walk::MemoryNodes;
use crate::walk::NodeSource;
use crate::walk::StoreNodes;
use crate::walk::Union;

/// What we know of a peer.
pub enum Peer<'s> {
    /// The peer's own store, opened read-only.
    Store(Store),
    /// The peer's store as the caller holds it (`sync`, which writes to it:
    /// a second, read-only handle to a store this process writes could see
    /// RocksDB delete files under it).
    StoreRef(&'s Store),
    /// A bundle the peer wrote: its header and the events it carries.
    Bundle {
        header: Box<BundleHeader>,
        events: Vec<SignedEvent>,
    },
    /// The peer's heads, as its `gmm status --json` printed them.
    Heads(Vec<EventId>),
}

impl Peer<'_> {
    /// The peer's store, when the peer is one.
    fn store(&self) -> Option<&Store> {
        match self {
            Peer::Store(store) => Some(store),
            Peer::StoreRef(store) => Some(store),
            Peer::Bundle { .. } | Peer::Heads(_) => None,
        }
    }

    /// Reads a bundle (either format) as a peer. Only the events `store`
    /// does not hold are kept: the others are read from the store when
    /// needed, so a bundle of the store's own million events costs no
    /// memory for them (issue 15.3).
    pub fn from_bundle(input: impl BufRead, store: &Store) -> Result<Peer<'static>> {
        let mut error = None;
        let (header, events) =
            exchange::read_events_where(input, &mut |id| match store.event_meta(id) {
                Ok(meta) => meta.is_none(),
                Err(e) => {
                    error.get_or_insert(e);
                    true
                }
            })?;
        if let Some(e) = error {
            return Err(e.into());
        }
        Ok(Peer::Bundle {
            header: Box::new(header),
            events,
        })
    }
}

/// How the two sides relate, in one word.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    Equal,
    /// We lack events the peer has; the peer has nothing we lack.
    Behind,
    /// The peer lacks events we have; we lack nothing.
    Ahead,
    Diverged,
    /// The difference contains an equivocation (two events at one seq).
    Forked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Equal => "equal",
            Verdict::Behind => "behind",
            Verdict::Ahead => "ahead",
            Verdict::Diverged => "diverged",
            Verdict::Forked => "forked",
        }
    }
}

/// The difference between this store and a peer in one group.
pub struct Diff {
    pub verdict: Verdict,
    pub ours_heads: Vec<EventId>,
    pub theirs_heads: Vec<EventId>,
    pub ours_view: View,
    /// The peer's view, when it can be known.
    pub theirs_view: Option<View>,
    /// The peer's view hash as it states it (bundle header) or as computed.
    pub theirs_view_hash: Option<ViewHash>,
    pub comparison: Comparison,
}

impl Diff {
    /// True when views and event sets are the same.
    pub fn is_equal(&self) -> bool {
        self.verdict == Verdict::Equal
    }
}

fn group_heads(store: &Store, group: &GroupId) -> Result<Vec<EventId>> {
    Ok(store.heads(group)?.into_iter().map(|h| h.id).collect())
}

/// The peer's view: the stored one for a store peer, else a replay of every
/// event in the past of its heads that `source` holds (None when some of its
/// past is unknown here). The replay starts from our latest checkpoint that
/// is a cut of that past ([`floor_checkpoint`]), so a peer close to us
/// costs the events since, not the log.
fn peer_view(
    store: &Store,
    group: &GroupId,
    peer: &Peer<'_>,
    heads: &[EventId],
    source: &dyn NodeSource,
    lookup: &dyn Fn(&EventId) -> Result<Option<SignedEvent>>,
    theirs_only: Option<&MemoryNodes>,
) -> Result<Option<View>> {
    if let Some(store) = peer.store() {
        return Ok(store.group_view(group)?);
    }
    let from = floor_checkpoint(store, group, heads, theirs_only)?;
    // `Err(None)`: an event of the past that is unknown here.
    let view = projection::view_of_past_from(*group, heads.iter().copied(), from, &mut |id| {
        let node = source.node(id).map_err(Some)?;
        match (node, lookup(id).map_err(Some)?) {
            (Some(node), Some(event)) => Ok(OrderedEvent::new(&event, node.lamport)),
            _ => Err(None),
        }
    });
    match view {
        Ok(view) => Ok(Some(view)),
        Err(None) => Ok(None),
        Err(Some(e)) => Err(e),
    }
}

/// Our latest checkpoint whose cut is a cut of the peer's past: at or below
/// the Lamport number of every head we hold, and of every event we hold that
/// an event only the peer has (`theirs_only`) cites. Our checkpoint's cut is
/// comparable with everything we hold; an event only the peer has then has
/// it in its past, since the events it cites do. None when such an event
/// cites nothing we hold and nothing at all (a second `Create`).
fn floor_checkpoint(
    store: &Store,
    group: &GroupId,
    heads: &[EventId],
    theirs_only: Option<&MemoryNodes>,
) -> Result<Option<Checkpoint>> {
    let ours = StoreNodes {
        store,
        group: *group,
    };
    let mut floor = u64::MAX;
    for head in heads {
        if let Some(node) = ours.node(head)? {
            floor = floor.min(node.lamport);
        }
    }
    for event in theirs_only.into_iter().flat_map(|m| m.events.values()) {
        if event.event.parents.is_empty() {
            return Ok(None);
        }
        for parent in &event.event.parents {
            if let Some(node) = ours.node(&parent.id)? {
                floor = floor.min(node.lamport);
            }
        }
    }
    if floor == u64::MAX {
        return Ok(None);
    }
    Ok(store.history(*group).checkpoint_at_or_before(floor)?)
}

/// Compares this store with a peer in one group.
pub fn diff(store: &Store, group: &GroupId, peer: &Peer<'_>) -> Result<Diff> {
    let ours_view = store
        .group_view(group)?
        .ok_or_else(|| Error::UnknownGroup {
            query: group.to_hex(),
            suggestions: Vec::new(),
        })?;
    let ours_heads = group_heads(store, group)?;
    let ours = StoreNodes {
        store,
        group: *group,
    };
    let (comparison, theirs_heads, theirs_view, stated_hash) = match peer {
        Peer::Store(_) | Peer::StoreRef(_) => {
            let Some(theirs_store) = peer.store() else {
                return Err(Error::Internal("a store peer without a store".into()));
            };
            if theirs_store.group_record(group)?.is_none() {
                return Err(Error::PeerLacksGroup {
                    group: group.short(),
                });
            }
            let theirs_heads = group_heads(theirs_store, group)?;
            let theirs = StoreNodes {
                store: theirs_store,
                group: *group,
            };
            let source = Union(vec![&ours, &theirs]);
            let mut comparison = walk::compare(&source, &ours_heads, &theirs_heads)?;
            // An event the peer holds as pending is held, not lacking: it
            // waits there for its parents, and sending it again would only
            // import as a duplicate (issue 12.13).
            let mut held = HashSet::new();
            for id in &comparison.ours_only {
                if theirs_store.is_pending(group, id)? {
                    held.insert(*id);
                }
            }
            comparison.ours_only.retain(|id| !held.contains(id));
            let lookup = |id: &EventId| Ok(theirs_store.event(id)?);
            let view = peer_view(store, group, peer, &theirs_heads, &source, &lookup, None)?;
            (comparison, theirs_heads, view, None)
        }
        Peer::Bundle { header, events } => {
            check_group(group, header)?;
            let memory = MemoryNodes::new(events.clone(), &ours)?;
            let source = Union(vec![&ours, &memory]);
            let theirs_heads: Vec<EventId> = header.heads.iter().map(|h| h.id).collect();
            let comparison = walk::compare(&source, &ours_heads, &theirs_heads)?;
            let lookup = |id: &EventId| match memory.events.get(id) {
                Some(e) => Ok(Some(e.clone())),
                None => Ok(store.event(id)?),
            };
            let view = peer_view(
                store,
                group,
                peer,
                &theirs_heads,
                &source,
                &lookup,
                Some(&memory),
            )?;
            (comparison, theirs_heads, view, Some(header.view_hash))
        }
        Peer::Heads(heads) => {
            let comparison = walk::compare(&ours, &ours_heads, heads)?;
            let lookup = |id: &EventId| Ok(store.event(id)?);
            let view = peer_view(store, group, peer, heads, &ours, &lookup, None)?;
            (comparison, heads.clone(), view, None)
        }
    };
    let theirs_view_hash = stated_hash.or_else(|| theirs_view.as_ref().map(View::hash));
    let lacking_theirs =
        !comparison.theirs_only.is_empty() || !comparison.unknown_theirs.is_empty();
    let lacking_ours = !comparison.ours_only.is_empty();
    let verdict = match (lacking_ours, lacking_theirs) {
        _ if !comparison.forks.is_empty() => Verdict::Forked,
        (false, false) if theirs_view_hash.is_none_or(|h| h == ours_view.hash()) => Verdict::Equal,
        (false, false) => Verdict::Diverged,
        (false, true) => Verdict::Behind,
        (true, false) => Verdict::Ahead,
        (true, true) => Verdict::Diverged,
    };
    Ok(Diff {
        verdict,
        ours_heads,
        theirs_heads,
        ours_view,
        theirs_view,
        theirs_view_hash,
        comparison,
    })
}

fn check_group(group: &GroupId, header: &BundleHeader) -> Result<()> {
    if header.group != *group {
        return Err(Error::BundleForOtherGroup {
            found: header.group.short(),
            expected: group.short(),
        });
    }
    Ok(())
}

/// The correction bundle's content: exactly the events the peer lacks,
/// parents first, and the header that goes with them.
pub fn correction(
    store: &Store,
    group: &GroupId,
    peer: &Peer<'_>,
    created: u64,
) -> Result<(BundleHeader, Vec<EventId>)> {
    let diff = diff(store, group, peer)?;
    let ours = StoreNodes {
        store,
        group: *group,
    };
    let prerequisites = walk::prerequisites(&ours, &diff.comparison.ours_only)?;
    // What we lack: the peer's heads we do not hold (their past follows from
    // them), and what our pending events wait for.
    let mut want: Vec<EventId> = diff
        .theirs_heads
        .iter()
        .copied()
        .filter(|h| {
            diff.comparison.theirs_only.contains(h) || diff.comparison.unknown_theirs.contains(h)
        })
        .collect();
    want.extend(exchange::lacking(store, group)?);
    want.sort();
    want.dedup();
    let header = BundleHeader {
        group: *group,
        kind: BundleKind::Correction,
        heads: store.heads(group)?,
        view_hash: diff.ours_view.hash(),
        want,
        prerequisites,
        event_count: diff.comparison.ours_only.len() as u64,
        created,
    };
    Ok((header, diff.comparison.ours_only))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use proptest::prelude::*;

    use super::*;
    use crate::exchange::Format;
    use crate::model::event::Op;
    use crate::model::event::Role;
    use crate::model::keys::SecretKey;
    use crate::repo::append::Appender;
    use crate::repo::identity;

    struct Sim {
        _tmp: tempfile::TempDir,
        dirs: Vec<PathBuf>,
        stores: Vec<Store>,
        keys: Vec<SecretKey>,
        group: GroupId,
    }

    /// Sends `from`'s correction for `to` (computed against `to`'s store) and,
    /// unless the bundle is lost, imports it. Returns the events it held.
    /// A fixed key for a label: seed = blake3(label).
    fn labelled_key(label: &str) -> SecretKey {
        SecretKey::from_seed(*blake3::hash(label.as_bytes()).as_bytes())
    }

    fn send(sim: &Sim, from: usize, to: usize, lost: bool) -> Vec<EventId> {
        let peer = Peer::Store(Store::open_read_only(&sim.dirs[to]).unwrap());
        let (header, ids) = correction(&sim.stores[from], &sim.group, &peer, 0).unwrap();
        let mut bytes = Vec::new();
        exchange::write_bundle(
            &sim.stores[from],
            &header,
            &ids,
            Format::Binary,
            None,
            &mut bytes,
            &mut |_, _| {},
        )
        .unwrap();
        if !lost {
            let outcome = exchange::import(&sim.stores[to], &bytes[..], false, &mut |_, _| {});
            assert!(outcome.error.is_none(), "{:?}", outcome.error);
            assert!(
                outcome.report.findings.is_empty(),
                "{:?}",
                outcome.report.findings
            );
        }
        ids
    }

    fn setup(n: usize) -> Sim {
        let tmp = tempfile::tempdir().unwrap();
        let mut dirs = Vec::new();
        let mut stores = Vec::new();
        let mut keys = Vec::new();
        for i in 0..n {
            let dir = tmp.path().join(format!("p{i}"));
            let key = labelled_key(&format!("sim peer {i}"));
            identity::init(&dir, Some(labelled_key(&format!("sim peer {i}"))), None).unwrap();
            stores.push(Store::open(&dir).unwrap());
            dirs.push(dir);
            keys.push(key);
        }
        let group = {
            let mut appender = Appender::new(&stores[0], &keys[0], false).unwrap();
            let group = appender.create_group("sim", [0; 16], 0).unwrap();
            for (i, key) in keys.iter().enumerate().skip(1) {
                let role = if i <= n / 2 {
                    Role::Admin
                } else {
                    Role::Member
                };
                let op = Op::Add {
                    member: key.public(),
                    role,
                    name: format!("p{i}"),
                };
                appender.append(&group, op, 0).unwrap();
            }
            appender.commit().unwrap();
            group
        };
        let mut sim = Sim {
            _tmp: tmp,
            dirs,
            stores,
            keys,
            group,
        };
        let everything = {
            let mut bytes = Vec::new();
            let request = exchange::ExportRequest {
                group,
                since: Vec::new(),
                kind: BundleKind::Export,
                want: Vec::new(),
                format: Format::Binary,
                signer: None,
                created: 0,
            };
            exchange::export(&sim.stores[0], &request, &mut bytes, &mut |_, _| {}).unwrap();
            bytes
        };
        for store in &sim.stores[1..] {
            assert!(
                exchange::import(store, &everything[..], false, &mut |_, _| {})
                    .error
                    .is_none()
            );
        }
        sim.group = group;
        sim
    }

    /// One op by peer `a` about peer `b`; refusals (not allowed, changes
    /// nothing) are part of the game and simply skipped.
    fn act(sim: &Sim, a: usize, b: usize, op: u8, step: usize) {
        let member = sim.keys[b].public();
        let op = match op % 5 {
            0 => Op::Add {
                member,
                role: Role::Member,
                name: format!("p{b}"),
            },
            1 => Op::Remove { member },
            2 => Op::SetRole {
                member,
                role: Role::Admin,
            },
            3 => Op::SetRole {
                member,
                role: Role::Member,
            },
            _ => Op::SetTitle {
                title: format!("t{step}"),
            },
        };
        let mut appender = Appender::new(&sim.stores[a], &sim.keys[a], false).unwrap();
        if appender.append(&sim.group, op, step as u64).is_ok() {
            appender.commit().unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

        /// 5–8 stores, random concurrent ops, partial syncs and lost bundles;
        /// then every peer sends one correction to every other. All views
        /// converge, and no correction held an event its receiver had.
        #[test]
        fn one_round_of_corrections_converges(
            n in 5usize..=8,
            steps in proptest::collection::vec((any::<u8>(), any::<u8>(), 0u8..8), 10..40),
        ) {
            let sim = setup(n);
            for (k, &(a, b, what)) in steps.iter().enumerate() {
                let (a, b) = (a as usize % n, b as usize % n);
                match what {
                    0..=4 => act(&sim, a, b, what, k),
                    5 | 6 if a != b => { send(&sim, a, b, what == 6); }
                    _ => {}
                }
            }
            for to in 0..n {
                for from in 0..n {
                    if from == to {
                        continue;
                    }
                    let held = send(&sim, from, to, true);
                    for id in &held {
                        prop_assert!(sim.stores[to].event_meta(id).unwrap().is_none(), "correction held an event the receiver had");
                    }
                    send(&sim, from, to, false);
                }
            }
            let first = sim.stores[0].group_state(&sim.group).unwrap().unwrap();
            for (i, store) in sim.stores.iter().enumerate().skip(1) {
                let state = store.group_state(&sim.group).unwrap().unwrap();
                prop_assert_eq!(state.view().hash(), first.view().hash(), "peer {}", i);
                prop_assert_eq!(state.event_count, first.event_count);
                let peer = Peer::Store(Store::open_read_only(&sim.dirs[0]).unwrap());
                prop_assert!(diff(store, &sim.group, &peer).unwrap().is_equal());
            }
        }
    }
}
