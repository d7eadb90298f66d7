//! Signing and appending GMMs made by the store's own identity.
//!
//! An [`Appender`] is one transaction. Each op is checked against the view of
//! everything before it (SPEC §3 rule 2, and refused when it would change
//! nothing), then drafted: it cites the group's current heads (so it has the
//! whole view in its past), carries the view hash after it, and gets its id.
//! Nothing is stored until [`Appender::commit`], which writes them all in one
//! RocksDB write batch: all or nothing. Ids do not depend on signatures, so
//! drafts are signed in parallel: a long transaction's on the thread pool
//! while it drafts more ([`crate::repo::sign_ahead`]), the rest at the
//! commit. A dry run signs nothing.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::error::Result;
use crate::model::event::Event;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::Op;
use crate::model::event::ViewHash;
use crate::model::event::EVENT_VERSION;
use crate::model::keys::SecretKey;
use crate::model::signed::SignedEvent;
use crate::repo::sign_ahead::SignAhead;
use crate::repo::transaction::Transaction;
use crate::rules::view::leaves_unmanageable;
use crate::rules::view::View;
use crate::store::Store;

/// One transaction of locally authored events. The group's heads, the
/// author's last seq and the view all come from the transaction, which applies
/// each draft as it is made: there is no second copy to keep in step.
pub struct Appender<'a> {
    tx: Transaction<'a>,
    signer: &'a SecretKey,
    /// Each group's view before this transaction's first op on it, kept
    /// for [`Appender::preview`] only (a dry run): a copy of the view is
    /// the biggest cost of one op on a large group.
    before: Option<BTreeMap<GroupId, View>>,
    /// The name the identity goes by locally, for messages.
    self_name: Option<String>,
    /// Signs drafts while more are drafted; none for a dry run.
    ahead: Option<SignAhead>,
}

impl<'a> Appender<'a> {
    /// A transaction of ops by `signer`; with `dry_run`, one to
    /// [preview](Appender::preview) rather than commit.
    pub fn new(store: &'a Store, signer: &'a SecretKey, dry_run: bool) -> Result<Appender<'a>> {
        Ok(Appender {
            tx: Transaction::new(store),
            signer,
            before: dry_run.then(BTreeMap::new),
            self_name: store.self_name()?,
            ahead: (!dry_run).then(|| SignAhead::new(signer)),
        })
    }

    /// The group's view as of the ops drafted so far in this transaction.
    pub fn view(&mut self, group: &GroupId) -> Result<&View> {
        self.tx.view(group)
    }

    /// Drafts a `Create` and starts a new group; returns the group id.
    pub fn create_group(&mut self, title: &str, nonce: [u8; 16], time: u64) -> Result<EventId> {
        let op = Op::Create {
            title: title.to_string(),
            nonce,
        };
        let event = Event {
            version: EVENT_VERSION,
            group: GroupId::default(),
            author: self.signer.public(),
            seq: 1,
            prev: None,
            parents: Vec::new(),
            time,
            view: ViewHash::default(),
            op,
        };
        self.accept_draft(event)
    }

    /// Hands a draft to the transaction, and its id to be signed ahead.
    fn accept_draft(&mut self, event: Event) -> Result<EventId> {
        let id = self.tx.accept_draft(event)?;
        if let Some(ahead) = &mut self.ahead {
            ahead.named(id);
        }
        Ok(id)
    }

    /// Checks `op` against the view so far (rule 2, and refused when it would
    /// change nothing or leave the group unmanageable) and drafts it on the
    /// current heads.
    pub fn append(&mut self, group: &GroupId, op: Op, time: u64) -> Result<EventId> {
        self.append_with(group, op, time, false)
    }

    /// [`Appender::append`]; with `force`, an op that leaves the group
    /// without its owner or without anyone able to manage it is drafted too.
    pub fn append_with(
        &mut self,
        group: &GroupId,
        op: Op,
        time: u64,
        force: bool,
    ) -> Result<EventId> {
        let author = self.signer.public();
        let view = self.tx.view(group)?;
        let check = |view: &View| -> Result<()> {
            view.authorize(&author, &op)?;
            check_meaningful(view, &op)?;
            match (force, leaves_unmanageable(view, &author, &op)) {
                (false, Some(why)) => Err(Error::Unmanageable(why)),
                _ => Ok(()),
            }
        };
        if check(view).is_err() {
            // Refused: word it with the identity's local name (names never
            // change a verdict, so the refusal stands; the copy is only made
            // on this path).
            let mut named = view.clone();
            if let Some(name) = &self.self_name {
                named.name_locally(&author, name);
            }
            check(&named)?;
        }
        if let Some(before) = &mut self.before {
            if !before.contains_key(group) {
                before.insert(*group, view.clone());
            }
        }
        let (seq, prev) = match self.tx.last_seq(group, &author)? {
            Some((seq, id)) => (seq + 1, Some(id)),
            None => (1, None),
        };
        let parents = self.tx.parents_for(group, prev)?;
        let event = Event {
            version: EVENT_VERSION,
            group: *group,
            author,
            seq,
            prev,
            parents,
            time,
            view: ViewHash::default(),
            op,
        };
        self.accept_draft(event)
    }

    /// Signs the drafts not signed ahead, in parallel, then stores them,
    /// the new heads and projections in one batch.
    pub fn commit(mut self) -> Result<Vec<SignedEvent>> {
        if let Some(ahead) = self.ahead.take() {
            self.tx.signed_ahead(ahead.finish());
        }
        self.tx.commit(Some(self.signer))
    }

    /// What [`Appender::commit`] would sign and how each group's view would
    /// change, without signing or storing anything (`--dry-run`). Only an
    /// appender made for a dry run keeps the views before.
    pub fn preview(mut self) -> Result<Preview> {
        let Some(mut before) = self.before.take() else {
            return Err(Error::Internal(
                "a preview of an appender not made for a dry run".into(),
            ));
        };
        let drafts: Vec<(EventId, Event)> = self
            .tx
            .drafts()
            .map(|(id, event)| (id, event.clone()))
            .collect();
        let mut groups = Vec::new();
        let touched: Vec<GroupId> = drafts.iter().map(|(id, e)| e.group_of(*id)).collect();
        for group in touched {
            if groups.iter().any(|(g, _, _)| *g == group) {
                continue;
            }
            let after = self.tx.view(&group)?.clone();
            groups.push((group, before.remove(&group), after));
        }
        Ok(Preview { drafts, groups })
    }
}

/// What a transaction of local ops would do.
pub struct Preview {
    /// The events that would be signed, in order, with their ids.
    pub drafts: Vec<(EventId, Event)>,
    /// Per group: the view before (none for a new group) and after.
    pub groups: Vec<(GroupId, Option<View>, View)>,
}

/// Refuses ops that would change nothing, with a message saying what to do.
fn check_meaningful(view: &View, op: &Op) -> Result<()> {
    let invalid = |m: String| Err(Error::NoChange(m));
    match op {
        Op::Add { member, .. } if view.members().contains_key(member) => invalid(format!(
            "{} is already a member; use `gmm role` to change a role",
            view.label(member)
        )),
        Op::Remove { member } | Op::SetRole { member, .. }
            if !view.members().contains_key(member) =>
        {
            invalid(format!(
                "{} is not a member of the group",
                view.label(member)
            ))
        }
        Op::SetRole { member, role } if view.role_of(member) == Some(*role) => {
            invalid(format!("{} is already a {role}", view.label(member)))
        }
        Op::SetTitle { title } if *title == view.title => {
            invalid(format!("the title is already `{title}`"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::Role;
    use crate::repo::identity;
    use crate::repo::ingest::Ingest;
    use crate::repo::replay;
    use crate::rules::projection::History;

    /// The key labelled `label` (as `crate::crafted` makes them; the
    /// layering keeps `repo` from using it).
    fn key(label: &str) -> SecretKey {
        SecretKey::from_seed(*blake3::hash(label.as_bytes()).as_bytes())
    }

    /// A store whose identity is the key labelled `label`.
    fn store_of(dir: &std::path::Path, label: &str) -> (Store, SecretKey) {
        identity::init(dir, Some(key(label)), None).unwrap();
        (Store::open(dir).unwrap(), key(label))
    }

    /// Imports every event of `group` that `from` holds into `to`.
    fn exchange(from: &Store, to: &Store, group: &GroupId) {
        let mut ingest = Ingest::new(to).unwrap();
        for item in from.history(*group).events_from(None) {
            ingest.offer_record(&item.unwrap().0.record()).unwrap();
        }
        ingest.commit().unwrap();
    }

    /// The `i`th op of a transaction by the group's owner: adds, re-roles,
    /// links, retitles and removes, so every kind of row and the title
    /// change.
    fn op(i: usize) -> Op {
        let member = key(&format!("append test member {}", i / 5)).public();
        match i % 5 {
            0 => Op::Add {
                member,
                role: Role::Member,
                name: format!("m{i}"),
            },
            1 => Op::SetRole {
                member,
                role: Role::Admin,
            },
            2 => Op::LinkDevice {
                device: key(&format!("append test device {i}")).public(),
                name: format!("d{i}"),
            },
            3 => Op::SetTitle {
                title: format!("title {i}"),
            },
            _ => Op::Remove { member },
        }
    }

    /// A transaction of `n` ops projects each in place (the first one after
    /// two heads is queued and projected with them): every event carries
    /// the view hash of its past plus itself, and the stored projection
    /// (view, cut, base, checkpoints) is what a replay of the log rebuilds,
    /// on a chain and on a group whose frontier has a base apart from its
    /// view (two heads). 4,200 ops pass the first checkpoint, and are
    /// mostly signed ahead: every signature verifies.
    #[test]
    fn drafts_projected_in_place_leave_the_projection_a_replay_rebuilds() {
        for n in [1, 5, 150, 4_200] {
            for concurrent in [false, true] {
                let tmp = tempfile::tempdir().unwrap();
                let (owner_store, owner) = store_of(&tmp.path().join("a"), "append test owner");
                let mut appender = Appender::new(&owner_store, &owner, false).unwrap();
                let group = appender.create_group("drafts", [0; 16], 0).unwrap();
                let admin = key("append test admin");
                let op_admin = Op::Add {
                    member: admin.public(),
                    role: Role::Admin,
                    name: "admin".into(),
                };
                appender.append(&group, op_admin, 1).unwrap();
                appender.commit().unwrap();
                if concurrent {
                    let (admin_store, admin) = store_of(&tmp.path().join("b"), "append test admin");
                    exchange(&owner_store, &admin_store, &group);
                    let mut theirs = Appender::new(&admin_store, &admin, false).unwrap();
                    let add = Op::Add {
                        member: key("append test theirs").public(),
                        role: Role::Member,
                        name: "theirs".into(),
                    };
                    theirs.append(&group, add, 2).unwrap();
                    theirs.commit().unwrap();
                    let mut ours = Appender::new(&owner_store, &owner, false).unwrap();
                    ours.append(&group, op(50_000), 2).unwrap();
                    ours.commit().unwrap();
                    exchange(&admin_store, &owner_store, &group);
                    let heads = owner_store.heads(&group).unwrap();
                    assert_eq!(heads.len(), 2, "two concurrent heads");
                }
                let mut appender = Appender::new(&owner_store, &owner, false).unwrap();
                let drafted: Vec<EventId> = (0..n)
                    .map(|i| appender.append(&group, op(i), 10 + i as u64).unwrap())
                    .collect();
                appender.commit().unwrap();
                let report = replay::replay(&owner_store, &group).unwrap();
                assert!(
                    report.differences.is_empty(),
                    "{n} drafts, concurrent {concurrent}: {:?}",
                    report.differences
                );
                let stored = owner_store.group_state(&group).unwrap().unwrap().frontier;
                let rebuilt = &report.rebuilt.frontier;
                assert_eq!(stored.cut, rebuilt.cut, "{n} drafts");
                assert_eq!(stored.base, rebuilt.base, "{n} drafts");
                assert_eq!(stored.last_checkpoint, rebuilt.last_checkpoint);
                assert_eq!(report.rebuilt.checkpoints.is_empty(), n < 4_000);
                for checkpoint in &report.rebuilt.checkpoints {
                    let history = owner_store.history(group);
                    let held = history.checkpoint_at_or_before(checkpoint.lamport);
                    assert_eq!(held.unwrap().as_ref(), Some(checkpoint), "{n} drafts");
                }
                // Drafts past the first chunk were signed ahead, the rest at the commit.
                for id in &drafted {
                    let signed = owner_store.event(id).unwrap().unwrap();
                    assert!(signed.verify_signature().is_ok(), "{n} drafts");
                }
                // Each past is replayed: a sample of the long run's.
                for id in drafted.iter().step_by(1 + n / 50).chain(drafted.last()) {
                    let signed = owner_store.event(id).unwrap().unwrap().event.view;
                    let past = replay::view_at(&owner_store, &group, id).unwrap();
                    assert_eq!(signed, past.hash(), "{n} drafts, concurrent {concurrent}");
                }
            }
        }
    }
}
