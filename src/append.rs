//! Signing and appending GMMs made by the store's own identity.
//!
//! An [`Appender`] is one transaction: it reads each touched group's heads and
//! projection once, signs any number of events on top of them (each extending
//! the previous, so every event has the whole view in its past and the
//! projection advances with [`View::apply`], never a replay), and commits them
//! all in one RocksDB write batch. An op the identity may not make (SPEC §3
//! rule 2) is refused before anything is signed.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::error::Result;
use crate::event::Event;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::Op;
use crate::event::ParentRef;
use crate::event::SignedEvent;
use crate::event::EVENT_VERSION;
use crate::event::MAX_PARENTS;
use crate::keys::SecretKey;
use crate::store::log::LogHead;
use crate::store::EventMeta;
use crate::store::GroupState;
use crate::store::Status;
use crate::store::Store;
use crate::store::StoreBatch;
use crate::view::View;

/// A group as this transaction sees it.
struct Tip {
    state: GroupState,
    /// Current heads with their Lamport numbers.
    heads: Vec<(ParentRef, u64)>,
    /// The heads as stored, to be replaced at commit.
    stored_heads: Vec<ParentRef>,
    /// The identity's latest `(seq, id)` in this group.
    own_last: Option<(u64, EventId)>,
}

/// One transaction of locally authored events.
pub struct Appender<'a> {
    store: &'a Store,
    signer: &'a SecretKey,
    batch: StoreBatch,
    log: LogHead,
    tips: BTreeMap<GroupId, Tip>,
    appended: Vec<SignedEvent>,
}

impl<'a> Appender<'a> {
    pub fn new(store: &'a Store, signer: &'a SecretKey) -> Result<Appender<'a>> {
        Ok(Appender {
            store,
            signer,
            batch: store.batch(),
            log: store.log_head()?,
            tips: BTreeMap::new(),
            appended: Vec::new(),
        })
    }

    fn tip(&mut self, group: &GroupId) -> Result<&mut Tip> {
        if !self.tips.contains_key(group) {
            let state = self
                .store
                .group_state(group)?
                .ok_or_else(|| Error::UnknownGroup {
                    query: group.to_hex(),
                })?;
            let stored_heads = self.store.heads(group)?;
            let mut heads = Vec::with_capacity(stored_heads.len());
            for head in &stored_heads {
                let lamport = self.store.event_meta(&head.id)?.map_or(0, |m| m.lamport);
                heads.push((*head, lamport));
            }
            let own_last = self.store.last_seq(group, &self.signer.public())?;
            let tip = Tip {
                state,
                heads,
                stored_heads,
                own_last,
            };
            self.tips.insert(*group, tip);
        }
        // Cannot fail: inserted just above when absent.
        Ok(self.tips.get_mut(group).expect("tip loaded"))
    }

    /// The group's view as of the events appended so far in this transaction.
    pub fn view(&mut self, group: &GroupId) -> Result<&View> {
        Ok(&self.tip(group)?.state.view)
    }

    /// Signs a `Create` and starts a new group; returns the event (its id is the group id).
    pub fn create_group(&mut self, title: &str, nonce: [u8; 16], time: u64) -> Result<SignedEvent> {
        let op = Op::Create {
            title: title.to_string(),
            nonce,
        };
        let author = self.signer.public();
        let mut view = View::empty(GroupId::default());
        // The view hash covers the group id, which is the id of this very event;
        // a Create's `view` is therefore the hash with a zero group, by definition.
        let view_hash = preview_hash(&view, &author, &op);
        let event = Event {
            version: EVENT_VERSION,
            group: GroupId::default(),
            author,
            seq: 1,
            prev: None,
            parents: Vec::new(),
            time,
            view: view_hash,
            op,
        };
        let signed = SignedEvent::sign(event, self.signer)?;
        let group = signed.id;
        view.group = group;
        view.apply(signed.id, &author, &signed.event.op);
        let head = signed.as_parent();
        self.tips.insert(
            group,
            Tip {
                state: GroupState {
                    view,
                    event_count: 1,
                },
                heads: vec![(head, 0)],
                stored_heads: Vec::new(),
                own_last: Some((1, signed.id)),
            },
        );
        self.record(group, &signed, 0);
        Ok(signed)
    }

    /// Signs `op` on top of the group's current heads and applies it.
    pub fn append(&mut self, group: &GroupId, op: Op, time: u64) -> Result<SignedEvent> {
        let signer = self.signer;
        let author = signer.public();
        let tip = self.tip(group)?;
        tip.state.view.authorize(&author, &op)?;
        check_meaningful(&tip.state.view, &op)?;
        let (seq, prev) = match tip.own_last {
            Some((seq, id)) => (seq + 1, Some(id)),
            None => (1, None),
        };
        let chosen = choose_parents(&tip.heads, prev);
        let lamport = 1 + chosen.iter().map(|(_, l)| *l).max().unwrap_or(0);
        let view_hash = preview_hash(&tip.state.view, &author, &op);
        let event = Event {
            version: EVENT_VERSION,
            group: *group,
            author,
            seq,
            prev,
            parents: chosen.iter().map(|(p, _)| *p).collect(),
            time,
            view: view_hash,
            op,
        };
        let signed = SignedEvent::sign(event, signer)?;
        tip.state.view.apply(signed.id, &author, &signed.event.op);
        let remaining: Vec<(ParentRef, u64)> = tip
            .heads
            .iter()
            .filter(|h| !chosen.contains(h))
            .copied()
            .collect();
        tip.heads = remaining;
        tip.heads.push((signed.as_parent(), lamport));
        tip.heads.sort();
        tip.state.event_count += 1;
        tip.own_last = Some((seq, signed.id));
        self.record(*group, &signed, lamport);
        Ok(signed)
    }

    fn record(&mut self, group: GroupId, signed: &SignedEvent, lamport: u64) {
        let (entry, head) = self.log.next(signed.id);
        let meta = EventMeta {
            group,
            lamport,
            status: Status::Effective,
            log_index: entry.index,
        };
        self.batch.insert_event(signed, &meta);
        self.batch.append_log(&entry, &head);
        self.log = head;
        self.appended.push(signed.clone());
    }

    /// Writes every appended event, the new heads and projections in one batch.
    pub fn commit(mut self) -> Result<Vec<SignedEvent>> {
        for (group, tip) in &self.tips {
            let heads: Vec<ParentRef> = tip.heads.iter().map(|(p, _)| *p).collect();
            self.batch.replace_heads(group, &tip.stored_heads, &heads);
            self.batch.put_group_state(group, &tip.state);
        }
        self.store.commit(self.batch)?;
        Ok(self.appended)
    }
}

/// The view hash after applying `op`: what goes in the event's `view` field.
/// The hash does not depend on event ids, so it is computed before signing.
fn preview_hash(view: &View, author: &crate::event::PublicKey, op: &Op) -> crate::event::ViewHash {
    let mut preview = view.clone();
    preview.apply(EventId::default(), author, op);
    preview.hash()
}

/// Picks at most 64 parents from the heads. Normally every head is taken, so
/// the event has the whole view in its past. Past 64 heads, the highest
/// Lamport numbers are kept, and the author's own previous event is kept when
/// it is itself a head, so `prev` stays in the event's past (SPEC §2).
fn choose_parents(heads: &[(ParentRef, u64)], prev: Option<EventId>) -> Vec<(ParentRef, u64)> {
    if heads.len() <= MAX_PARENTS {
        return heads.to_vec();
    }
    let mut ranked = heads.to_vec();
    ranked.sort_by_key(|(p, lamport)| {
        let own = Some(p.id) == prev;
        (std::cmp::Reverse(own), std::cmp::Reverse(*lamport), p.id)
    });
    ranked.truncate(MAX_PARENTS);
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
