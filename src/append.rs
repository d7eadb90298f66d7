//! Signing and appending GMMs made by the store's own identity.
//!
//! An [`Appender`] is one transaction. Each op is checked against the view of
//! everything before it (SPEC §3 rule 2, and refused when it would change
//! nothing), then drafted: it cites the group's current heads (so it has the
//! whole view in its past), carries the view hash after it, and gets its id.
//! Nothing is signed or stored until [`Appender::commit`], which signs every
//! draft in parallel (ids do not depend on signatures) and writes them all in
//! one RocksDB write batch: all or nothing.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::error::Error;
use crate::error::Result;
use crate::event::Draft;
use crate::event::Event;
use crate::event::EventError;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::Op;
use crate::event::ParentRef;
use crate::event::SignedEvent;
use crate::event::EVENT_VERSION;
use crate::event::MAX_PARENTS;
use crate::keys::SecretKey;
use crate::store::Store;
use crate::transaction::Transaction;
use crate::view::View;

/// A group as the drafts so far leave it.
struct Tip {
    view: View,
    /// Heads with their Lamport numbers.
    heads: Vec<(ParentRef, u64)>,
    own_last: Option<(u64, EventId)>,
}

/// One transaction of locally authored events.
pub struct Appender<'a> {
    tx: Transaction<'a>,
    signer: &'a SecretKey,
    tips: BTreeMap<GroupId, Tip>,
    drafts: Vec<Draft>,
}

impl<'a> Appender<'a> {
    pub fn new(store: &'a Store, signer: &'a SecretKey) -> Result<Appender<'a>> {
        Ok(Appender {
            tx: Transaction::new(store)?,
            signer,
            tips: BTreeMap::new(),
            drafts: Vec::new(),
        })
    }

    fn tip(&mut self, group: &GroupId) -> Result<&mut Tip> {
        if !self.tips.contains_key(group) {
            let view = self.tx.view(group)?.clone();
            let heads = self.tx.heads(group)?;
            let own_last = self.tx.last_seq(group, &self.signer.public())?;
            self.tips.insert(
                *group,
                Tip {
                    view,
                    heads,
                    own_last,
                },
            );
        }
        // Cannot fail: inserted just above when absent.
        Ok(self.tips.get_mut(group).expect("tip loaded"))
    }

    /// The group's view as of the ops drafted so far in this transaction.
    pub fn view(&mut self, group: &GroupId) -> Result<&View> {
        Ok(&self.tip(group)?.view)
    }

    /// Drafts a `Create` and starts a new group; returns the group id.
    pub fn create_group(&mut self, title: &str, nonce: [u8; 16], time: u64) -> Result<EventId> {
        let op = Op::Create {
            title: title.to_string(),
            nonce,
        };
        let author = self.signer.public();
        let mut view = View::empty(GroupId::default());
        view.apply(EventId::default(), &author, &op);
        // The view hash covers the group id, which is the id of this very event;
        // a Create's `view` is therefore the hash with a zero group, by definition.
        let event = Event {
            version: EVENT_VERSION,
            group: GroupId::default(),
            author,
            seq: 1,
            prev: None,
            parents: Vec::new(),
            time,
            view: view.hash(),
            op,
        };
        let draft = draft(event)?;
        let group = draft.id;
        view.group = group;
        let head = (draft.as_parent(), 0);
        self.tips.insert(
            group,
            Tip {
                view,
                heads: vec![head],
                own_last: Some((1, group)),
            },
        );
        self.drafts.push(draft);
        Ok(group)
    }

    /// Checks `op` against the view so far and drafts it on the current heads.
    pub fn append(&mut self, group: &GroupId, op: Op, time: u64) -> Result<EventId> {
        let author = self.signer.public();
        let tip = self.tip(group)?;
        tip.view.authorize(&author, &op)?;
        check_meaningful(&tip.view, &op)?;
        let (seq, prev) = match tip.own_last {
            Some((seq, id)) => (seq + 1, Some(id)),
            None => (1, None),
        };
        let parents = choose_parents(&tip.heads, prev);
        let lamport = 1 + parents.iter().map(|(_, l)| *l).max().unwrap_or(0);
        // The view hash ignores event ids, so the view advances before the id
        // is known.
        tip.view.apply(EventId::default(), &author, &op);
        let event = Event {
            version: EVENT_VERSION,
            group: *group,
            author,
            seq,
            prev,
            parents: parents.iter().map(|(p, _)| *p).collect(),
            time,
            view: tip.view.hash(),
            op,
        };
        let draft = draft(event)?;
        tip.heads.retain(|h| !parents.contains(h));
        tip.heads.push((draft.as_parent(), lamport));
        tip.heads.sort();
        tip.own_last = Some((seq, draft.id));
        let id = draft.id;
        self.drafts.push(draft);
        Ok(id)
    }

    /// Signs every draft in parallel, then stores them, the new heads and
    /// projections in one batch.
    pub fn commit(mut self) -> Result<Vec<SignedEvent>> {
        let signer = self.signer;
        let signed: Vec<SignedEvent> = std::mem::take(&mut self.drafts)
            .into_par_iter()
            .map(|draft| draft.sign(signer))
            .collect();
        for event in signed {
            self.tx.accept(event)?;
        }
        self.tx.commit()
    }
}

/// Drafts an op made from local arguments: a title, name or member key that
/// breaks the event's shape rules is a usage error here, not malformed input
/// (that is what an import of someone else's bytes would be).
fn draft(event: Event) -> Result<Draft> {
    Draft::new(event).map_err(|e| match e {
        EventError::Malformed(why) => Error::Invalid(why),
        other => other.into(),
    })
}

/// Picks at most 64 parents from the heads. Normally every head is taken, so
/// the event has the whole view in its past. Past 64 heads, the highest
/// Lamport numbers are kept, and the author's own previous event is kept when
/// it is itself a head, so `prev` stays in the event's past (SPEC §2).
fn choose_parents(heads: &[(ParentRef, u64)], prev: Option<EventId>) -> Vec<(ParentRef, u64)> {
    let mut ranked = heads.to_vec();
    if ranked.len() > MAX_PARENTS {
        ranked.sort_by_key(|(p, lamport)| {
            let own = Some(p.id) == prev;
            (std::cmp::Reverse(own), std::cmp::Reverse(*lamport), p.id)
        });
        ranked.truncate(MAX_PARENTS);
    }
    ranked.sort();
    ranked
}

/// Refuses ops that would change nothing, with a message saying what to do.
fn check_meaningful(view: &View, op: &Op) -> Result<()> {
    let invalid = |m: String| Err(Error::Invalid(m));
    match op {
        Op::Add { member, .. } if view.members.contains_key(member) => invalid(format!(
            "{} is already a member; use `gmm role` to change a role",
            view.label(member)
        )),
        Op::Remove { member } | Op::SetRole { member, .. }
            if !view.members.contains_key(member) =>
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
