//! The large-group part of the scale benchmark (issue 11, items 3 and 4): a
//! group grown to M members by one admin, and k of its members leaving at
//! once, every leave citing the same parent (k mutually concurrent events
//! that are not inert).

use std::fs;
use std::io::BufWriter;
use std::path::Path;

use gmm::bundle::BundleHeader;
use gmm::bundle::BundleKind;
use gmm::bundle::BundleWriter;
use gmm::model::event::Event;
use gmm::model::event::EventId;
use gmm::model::event::GroupId;
use gmm::model::event::Op;
use gmm::model::event::ParentRef;
use gmm::model::event::Role;
use gmm::model::event::ViewHash;
use gmm::model::event::EVENT_VERSION;
use gmm::model::keys::SecretKey;
use gmm::model::signed::Draft;
use gmm::rules::view::View;
use rayon::prelude::*;

/// A large group as written: its id, the parent every later event cites,
/// and the members' keys in the order they were added.
pub struct LargeGroup {
    pub group: GroupId,
    pub last: ParentRef,
    pub members: Vec<SecretKey>,
    /// The view after the last add (for the leaves' view hashes).
    view: View,
}

fn member_key(i: usize) -> SecretKey {
    gmm::crafted::key(&format!("large member {i}"))
}

/// Writes the bundle of a group grown to `members` members: "bench owner"
/// creates it and makes "bench A" an admin, then the owner adds the members
/// one by one, each add citing the one before (M + 2 events).
pub fn generate(path: &Path, members: usize) -> LargeGroup {
    let owner = gmm::crafted::key("bench owner");
    let admin = gmm::crafted::key("bench A");
    let keys: Vec<SecretKey> = (0..members).into_par_iter().map(member_key).collect();
    let mut view = View::empty(GroupId::default());
    let create = Op::Create {
        title: "large".into(),
        nonce: [42; 16],
    };
    let mut ops = vec![
        create,
        Op::Add {
            member: admin.public(),
            role: Role::Admin,
            name: "admin".into(),
        },
    ];
    ops.extend(keys.iter().enumerate().map(|(i, k)| Op::Add {
        member: k.public(),
        role: Role::Member,
        name: format!("l{i}"),
    }));
    let mut drafts: Vec<Draft> = Vec::with_capacity(ops.len());
    let mut group = GroupId::default();
    for (i, op) in ops.into_iter().enumerate() {
        view.apply(EventId::default(), &owner.public(), &op);
        let prev = drafts.last();
        let draft = Draft::new(Event {
            version: EVENT_VERSION,
            group,
            author: owner.public(),
            seq: i as u64 + 1,
            prev: prev.map(|d| d.id),
            parents: prev.map(|d| vec![d.as_parent()]).unwrap_or_default(),
            time: 1_700_000_000_000 + i as u64,
            view: view.hash(),
            op,
        })
        .expect("draft");
        if i == 0 {
            group = draft.id;
            view.group = group;
        }
        drafts.push(draft);
    }
    let last = drafts.last().expect("events").as_parent();
    let signed: Vec<Vec<u8>> = drafts
        .par_iter()
        .map(|d| d.clone().sign(&owner).record())
        .collect();
    let count = signed.len();
    write_bundle(path, group, vec![last], Default::default(), count, signed);
    LargeGroup {
        group,
        last,
        members: keys,
        view,
    }
}

/// Writes a bundle of the first `k` members' leaves, each citing the last
/// add: k mutually concurrent events.
pub fn leaves(path: &Path, large: &mut LargeGroup, k: usize) {
    let mut drafts = Vec::with_capacity(k);
    for key in &large.members[..k] {
        // The view each leaver signs: the group without them. Taken out and
        // put back, so the member tree is rehashed in one bucket, not rebuilt.
        let me = key.public();
        let member = large.view.remove_member(&me).expect("a member");
        let view = large.view.hash();
        large.view.insert_member(me, member);
        drafts.push(
            Draft::new(Event {
                version: EVENT_VERSION,
                group: large.group,
                author: me,
                seq: 1,
                prev: None,
                parents: vec![large.last],
                time: 1_700_000_100_000,
                view,
                op: Op::Leave,
            })
            .expect("draft"),
        );
    }
    let signed: Vec<(ParentRef, Vec<u8>)> = drafts
        .par_iter()
        .zip(&large.members[..k])
        .map(|(d, key)| (d.as_parent(), d.clone().sign(key).record()))
        .collect();
    let mut heads: Vec<ParentRef> = signed.iter().map(|(p, _)| *p).collect();
    heads.sort();
    let records = signed.into_iter().map(|(_, r)| r);
    write_bundle(path, large.group, heads, Default::default(), k, records);
}

/// Writes an export bundle of `count` signed records, streamed as they come
/// (the benchmark's other generator signs them chunk by chunk).
pub fn write_bundle(
    path: &Path,
    group: GroupId,
    heads: Vec<ParentRef>,
    view_hash: ViewHash,
    count: usize,
    records: impl IntoIterator<Item = Vec<u8>>,
) {
    let header = BundleHeader {
        group,
        kind: BundleKind::Export,
        heads,
        view_hash,
        want: Vec::new(),
        prerequisites: Vec::new(),
        event_count: count as u64,
        created: 0,
    };
    let file = BufWriter::new(fs::File::create(path).expect("bundle file"));
    let mut writer = BundleWriter::new(file, &header).expect("header");
    for r in records {
        writer.record(&r).expect("record");
    }
    writer.finish(None).expect("trailer");
}
