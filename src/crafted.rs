//! Crafted log shapes (issue 15.3), built with the library's own signing path:
//! the hostile and extreme bundles that `cargo bench --bench scale` measures
//! and the CLI tests import. Each is a group created by [`owner`], with every
//! event's `view` field the hash of the view its past gives, so that audit
//! reports only what the shape is about.
//!
//! Not part of gmm's interface: the binary never calls it.

use std::io::Write;

use rayon::prelude::*;

use crate::bundle::BundleError;
use crate::bundle::BundleHeader;
use crate::bundle::BundleKind;
use crate::bundle::BundleWriter;
use crate::model::event::Event;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::Op;
use crate::model::event::ParentRef;
use crate::model::event::PublicKey;
use crate::model::event::Role;
use crate::model::event::ViewHash;
use crate::model::event::EVENT_VERSION;
use crate::model::keys::SecretKey;
use crate::model::signed::signing_message;
use crate::model::signed::Draft;
use crate::model::signed::SignedEvent;
use crate::rules::view::View;

/// The key that creates every crafted group (and can sign on top of it).
pub fn owner() -> SecretKey {
    key("crafted owner")
}

/// A fixed key per label, its ed25519 seed blake3(label): crafted bundles,
/// test keys and the golden vectors are the same on every run.
pub fn key(label: &str) -> SecretKey {
    SecretKey::from_seed(*blake3::hash(label.as_bytes()).as_bytes())
}

/// A crafted group: its events, unsigned, and who signs each.
pub struct Crafted {
    pub group: GroupId,
    signers: Vec<SecretKey>,
    /// Each draft with the index of its signer in `signers`.
    drafts: Vec<(Draft, usize)>,
    view: View,
}

/// Builds a crafted group one event at a time, tracking each signer's chain.
struct Builder {
    crafted: Crafted,
    /// Per signer: last seq and event.
    chains: Vec<(u64, Option<EventId>)>,
    time: u64,
    /// The group's `Create`, as its children cite it.
    create: ParentRef,
}

impl Builder {
    /// A group created by the owner, with `strangers` more signers, members
    /// only if the owner adds them ([`members_leaving`]).
    fn new(title: &str, strangers: usize) -> Builder {
        let mut signers = vec![owner()];
        signers.extend((0..strangers).map(|i| key(&format!("crafted stranger {i}"))));
        let chains = vec![(0, None); signers.len()];
        let mut builder = Builder {
            crafted: Crafted {
                group: GroupId::default(),
                signers,
                drafts: Vec::new(),
                view: View::empty(GroupId::default()),
            },
            chains,
            time: 1_700_000_000_000,
            create: ParentRef {
                author: owner().public(),
                seq: 1,
                id: EventId::default(),
            },
        };
        let create = Op::Create {
            title: title.to_string(),
            nonce: [7; 16],
        };
        builder.create = builder.push(0, &[], create);
        builder.crafted.group = builder.create.id;
        builder.crafted.view.group = builder.create.id;
        builder
    }

    /// Appends one event by signer `who` citing `parents`; the owner's ops
    /// change the view, a stranger's are refused by the rules and do not.
    fn push(&mut self, who: usize, parents: &[ParentRef], op: Op) -> ParentRef {
        if who == 0 {
            let owner = self.crafted.signers[0].public();
            self.crafted.view.apply(EventId::default(), &owner, &op);
        }
        let view = self.crafted.view.hash();
        self.push_seeing(who, parents, op, view)
    }

    /// Appends an event whose `view` field is `view` (the view after it).
    fn push_seeing(
        &mut self,
        who: usize,
        parents: &[ParentRef],
        op: Op,
        view: ViewHash,
    ) -> ParentRef {
        let author = self.crafted.signers[who].public();
        let (seq, prev) = self.chains[who];
        self.time += 1;
        let draft = Draft::new(Event {
            version: EVENT_VERSION,
            group: self.crafted.group,
            author,
            seq: seq + 1,
            prev,
            parents: parents.to_vec(),
            time: self.time,
            view,
            op,
        })
        // Proof: every shape below cites at most one parent of its own group
        // with its author's next seq, so the draft's shape is valid.
        .expect("a crafted event has a valid shape");
        let cited = ParentRef {
            author,
            seq: seq + 1,
            id: draft.id,
        };
        self.chains[who] = (seq + 1, Some(draft.id));
        self.crafted.drafts.push((draft, who));
        cited
    }
}

/// A `Create` and `n - 1` titles by the owner, each citing the one before:
/// one linear chain of `n` events.
pub fn linear(n: usize) -> Crafted {
    let mut b = Builder::new("linear", 0);
    let mut last = b.create;
    for i in 1..n {
        last = b.push(
            0,
            &[last],
            Op::SetTitle {
                title: format!("t{i}"),
            },
        );
    }
    b.crafted
}

/// One linear chain of `n` events signed by `k` authors in turn (the owner
/// and `k - 1` strangers), so each event's `prev` lies `k` events back.
pub fn round_robin(n: usize, k: usize) -> Crafted {
    let k = k.max(1);
    let mut b = Builder::new("round robin", k - 1);
    let mut last = b.create;
    for i in 1..n {
        last = b.push(
            i % k,
            &[last],
            Op::SetTitle {
                title: format!("t{i}"),
            },
        );
    }
    b.crafted
}

/// A `Create`, a chain of `n` titles by the owner, and one `leave` by a
/// stranger citing only the `Create`: no cut follows it, so the whole chain
/// is one concurrent segment.
pub fn stranger_beside_chain(n: usize) -> Crafted {
    let mut b = Builder::new("stranger beside a chain", 1);
    let created = b.crafted.view.hash();
    let mut last = b.create;
    for i in 0..n {
        last = b.push(
            0,
            &[last],
            Op::SetTitle {
                title: format!("t{i}"),
            },
        );
    }
    let create = b.create;
    b.push_seeing(1, &[create], Op::Leave, created);
    b.crafted
}

/// A `Create` and `k` strangers' `leave` events all citing it: `k` mutually
/// concurrent events.
pub fn wide_fan(k: usize) -> Crafted {
    let mut b = Builder::new("wide fan", k);
    let create = b.create;
    for who in 1..=k {
        b.push(who, &[create], Op::Leave);
    }
    b.crafted
}

/// A `Create`, the owner's adds of `k` members one after another, then a
/// `leave` by each member citing the last add: `k` mutually concurrent
/// events that all take effect, an open region an import projects whole at
/// every part (unlike strangers' leaves, which are inert).
pub fn members_leaving(k: usize) -> Crafted {
    let mut b = Builder::new("members leaving", k);
    let mut last = b.create;
    for who in 1..=k {
        let add = Op::Add {
            member: b.crafted.signers[who].public(),
            role: Role::Member,
            name: format!("m{who}"),
        };
        last = b.push(0, &[last], add);
    }
    // Each leave's view is the adds' view without its author: taken out and
    // put back, as the scale benchmark's leaves do, not a copy per leave.
    let mut view = b.crafted.view.clone();
    for who in 1..=k {
        let author = b.crafted.signers[who].public();
        // Proof: the loop above added every signer from 1 to k, and each is
        // put back before the next is taken out.
        let member = view.remove_member(&author).expect("added above");
        let after = view.hash();
        view.insert_member(author, member);
        b.push_seeing(who, &[last], Op::Leave, after);
    }
    b.crafted
}

/// Signs `draft` with `signer`, which is its author except in
/// [`forged_author`].
fn sign_as(draft: &Draft, signer: &SecretKey) -> SignedEvent {
    SignedEvent {
        id: draft.id,
        event: draft.event.clone(),
        bytes: draft.bytes.clone(),
        signature: signer.sign(&signing_message(&draft.id)),
    }
}

/// A `Create` and `n` strangers' leaves, each citing an event that never
/// arrives: `n` pending events (issue 15.4).
pub fn pending(n: usize) -> Crafted {
    let mut b = Builder::new("pending", n);
    let view = b.crafted.view.hash();
    for who in 1..=n {
        let missing = ParentRef {
            author: b.crafted.signers[who].public(),
            seq: 1,
            id: EventId(*blake3::hash(format!("missing {who}").as_bytes()).as_bytes()),
        };
        b.push_seeing(who, &[missing], Op::Leave, view);
    }
    b.crafted
}

/// A `Create` and one title by the owner signed at `time = u64::MAX`.
pub fn far_future() -> Crafted {
    let mut b = Builder::new("far future", 0);
    b.time = u64::MAX - 1;
    let create = b.create;
    b.push(
        0,
        &[create],
        Op::SetTitle {
            title: "later".into(),
        },
    );
    b.crafted
}

/// A `Create` and a title whose author field names the owner but that a
/// stranger signed.
pub fn forged_author() -> Crafted {
    let mut b = Builder::new("forged author", 1);
    let create = b.create;
    b.push(
        0,
        &[create],
        Op::SetTitle {
            title: "forged".into(),
        },
    );
    if let Some(last) = b.crafted.drafts.last_mut() {
        last.1 = 1;
    }
    b.crafted
}

/// A `Create` and a title citing 65 parents (the format allows 64): the
/// `Create` and 64 strangers' leaves.
pub fn too_many_parents() -> Crafted {
    let mut b = Builder::new("too many parents", 64);
    let create = b.create;
    let mut parents = vec![create];
    for who in 1..=64 {
        parents.push(b.push(who, &[create], Op::Leave));
    }
    let view = b.crafted.view.hash();
    b.time += 1;
    let event = Event {
        version: EVENT_VERSION,
        group: b.crafted.group,
        author: owner().public(),
        seq: 2,
        prev: Some(create.id),
        parents,
        time: b.time,
        view,
        op: Op::SetTitle {
            title: "wide".into(),
        },
    };
    // Proof: encoding never fails on an event built here; the shape check
    // it skips is what the receiver must catch.
    let draft = Draft::of_checked(event).expect("the event encodes");
    b.crafted.drafts.push((draft, 0));
    b.crafted
}

impl Crafted {
    pub fn event_count(&self) -> usize {
        self.drafts.len()
    }

    /// The id of the last event built (a linear chain's head).
    pub fn last_id(&self) -> Option<EventId> {
        self.drafts.last().map(|(d, _)| d.id)
    }

    /// The key that signed the last event built (in a wide fan, a stranger).
    pub fn last_signer(&self) -> Option<PublicKey> {
        self.drafts.last().map(|(d, _)| d.event.author)
    }

    /// Writes the group as a binary export bundle, signing in parallel.
    pub fn write_bundle<W: Write>(&self, out: W) -> Result<W, BundleError> {
        let mut heads: Vec<ParentRef> = Vec::new();
        let mut cited = std::collections::HashSet::new();
        for (d, _) in &self.drafts {
            cited.extend(d.event.parents.iter().map(|p| p.id));
        }
        for (d, _) in &self.drafts {
            if !cited.contains(&d.id) {
                heads.push(ParentRef {
                    author: d.event.author,
                    seq: d.event.seq,
                    id: d.id,
                });
            }
        }
        let header = BundleHeader {
            group: self.group,
            kind: BundleKind::Export,
            heads,
            view_hash: self.view.hash(),
            want: Vec::new(),
            prerequisites: Vec::new(),
            event_count: self.drafts.len() as u64,
            created: 0,
        };
        let mut writer = BundleWriter::new(out, &header)?;
        for chunk in self.drafts.chunks(16_384) {
            let records: Vec<Vec<u8>> = chunk
                .par_iter()
                .map(|(d, who)| sign_as(d, &self.signers[*who]).record())
                .collect();
            for r in records {
                writer.record(&r)?;
            }
        }
        Ok(writer.finish(None)?.0)
    }
}
