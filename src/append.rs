//! Signing and appending GMMs made by the store's own identity.
//!
//! An [`Appender`] is one transaction: each event it signs cites the group's
//! current heads (so it has the whole view in its past) and is refused before
//! signing when the identity may not make it (SPEC §3 rule 2) or when it would
//! change nothing. All its events are committed in one RocksDB write batch.

use crate::error::Error;
use crate::error::Result;
use crate::event::Event;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::Op;
use crate::event::ParentRef;
use crate::event::PublicKey;
use crate::event::SignedEvent;
use crate::event::ViewHash;
use crate::event::EVENT_VERSION;
use crate::event::MAX_PARENTS;
use crate::keys::SecretKey;
use crate::store::Store;
use crate::transaction::Transaction;
use crate::view::View;

/// One transaction of locally authored events.
pub struct Appender<'a> {
    tx: Transaction<'a>,
    signer: &'a SecretKey,
}

impl<'a> Appender<'a> {
    pub fn new(store: &'a Store, signer: &'a SecretKey) -> Result<Appender<'a>> {
        Ok(Appender {
            tx: Transaction::new(store)?,
            signer,
        })
    }

    /// The group's view as of the events appended so far in this transaction.
    pub fn view(&mut self, group: &GroupId) -> Result<&View> {
        self.tx.view(group)
    }

    /// Signs a `Create` and starts a new group; returns the event (its id is the group id).
    pub fn create_group(&mut self, title: &str, nonce: [u8; 16], time: u64) -> Result<SignedEvent> {
        let op = Op::Create {
            title: title.to_string(),
            nonce,
        };
        let author = self.signer.public();
        // The view hash covers the group id, which is the id of this very event;
        // a Create's `view` is therefore the hash with a zero group, by definition.
        let view = preview_hash(&View::empty(GroupId::default()), &author, &op);
        let event = Event {
            version: EVENT_VERSION,
            group: GroupId::default(),
            author,
            seq: 1,
            prev: None,
            parents: Vec::new(),
            time,
            view,
            op,
        };
        let signed = SignedEvent::sign(event, self.signer)?;
        self.tx.accept(signed.clone())?;
        Ok(signed)
    }

    /// Signs `op` on top of the group's current heads and accepts it.
    pub fn append(&mut self, group: &GroupId, op: Op, time: u64) -> Result<SignedEvent> {
        let author = self.signer.public();
        let view = self.tx.view(group)?;
        view.authorize(&author, &op)?;
        check_meaningful(view, &op)?;
        let view = preview_hash(view, &author, &op);
        let (seq, prev) = match self.tx.last_seq(group, &author)? {
            Some((seq, id)) => (seq + 1, Some(id)),
            None => (1, None),
        };
        let heads = self.tx.heads(group)?;
        let event = Event {
            version: EVENT_VERSION,
            group: *group,
            author,
            seq,
            prev,
            parents: choose_parents(&heads, prev),
            time,
            view,
            op,
        };
        let signed = SignedEvent::sign(event, self.signer)?;
        self.tx.accept(signed.clone())?;
        Ok(signed)
    }

    /// Writes every appended event, the new heads and projections in one batch.
    pub fn commit(self) -> Result<Vec<SignedEvent>> {
        self.tx.commit()
    }
}

/// The view hash after applying `op`: what goes in the event's `view` field.
/// The hash does not depend on event ids, so it is computed before signing.
fn preview_hash(view: &View, author: &PublicKey, op: &Op) -> ViewHash {
    let mut preview = view.clone();
    preview.apply(EventId::default(), author, op);
    preview.hash()
}

/// Picks at most 64 parents from the heads. Normally every head is taken, so
/// the event has the whole view in its past. Past 64 heads, the highest
/// Lamport numbers are kept, and the author's own previous event is kept when
/// it is itself a head, so `prev` stays in the event's past (SPEC §2).
fn choose_parents(heads: &[(ParentRef, u64)], prev: Option<EventId>) -> Vec<ParentRef> {
    let mut ranked = heads.to_vec();
    if ranked.len() > MAX_PARENTS {
        ranked.sort_by_key(|(p, lamport)| {
            let own = Some(p.id) == prev;
            (std::cmp::Reverse(own), std::cmp::Reverse(*lamport), p.id)
        });
        ranked.truncate(MAX_PARENTS);
    }
    let mut parents: Vec<ParentRef> = ranked.into_iter().map(|(p, _)| p).collect();
    parents.sort();
    parents
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
