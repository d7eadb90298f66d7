//! A view on disk as one small head and one row per key (schema 6,
//! `docs/store.md`), so a command writes only the rows its events changed.
//!
//! Why rows: a group's view holds, for every key ever added, its membership,
//! name and deciding events. Stored as one value (schema 5), a group of
//! 100,000 members had a 25 MB projection record that every `gmm add`
//! decoded, re-encoded and wrote back, and that every import chunk wrote
//! again. Here the head (title, title events, conflicts, cycles, forks) is
//! one value and each key is one row. A view computed from the one the
//! store holds by recorded changes ([`View::changed_since`]) yields the rows
//! of the keys it changed ([`changed_rows`]); any other is compared with
//! the stored one's row digests (`store::row_digests`, by [`merge_rows`]).
//! Either way only the rows that differ are written.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::iter::Peekable;

use serde::Deserialize;
use serde::Serialize;

use crate::model::codec::Contract;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::event::Role;
use crate::rules::view::CycleRemoval;
use crate::rules::view::Decided;
use crate::rules::view::Device;
use crate::rules::view::Member;
use crate::rules::view::TitleConflict;
use crate::rules::view::View;

/// What a view holds besides its keys' rows: small, whatever the group's size.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ViewHeadRecord {
    pub group: GroupId,
    pub title: String,
    pub title_by: Vec<EventId>,
    pub title_conflicts: Vec<(EventId, String)>,
    /// Each cycle as `(removal event, target)` pairs.
    pub removal_cycles: Vec<Vec<(EventId, PublicKey)>>,
    pub forked: Vec<PublicKey>,
}

/// `view_rows` value: everything a view holds about one key. A row exists
/// while any part is set.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct KeyRowRecord {
    /// Its role and name while it is a member.
    pub member: Option<(Role, String)>,
    /// The member it is a linked device of, and the device's name.
    pub device: Option<(PublicKey, String)>,
    /// The last name it was added with.
    pub name: Option<String>,
    /// `(membership deciders, role deciders)` once an effective event was
    /// about it.
    pub decided: Option<(Vec<EventId>, Vec<EventId>)>,
}

impl Contract for KeyRowRecord {
    const NAME: &'static str = "view row record";
}

/// One key's row, borrowed from a view: compared without copying.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct KeyRow<'a> {
    pub member: Option<&'a Member>,
    pub device: Option<&'a Device>,
    pub name: Option<&'a String>,
    pub decided: Option<&'a Decided>,
}

impl From<KeyRow<'_>> for KeyRowRecord {
    fn from(row: KeyRow<'_>) -> Self {
        KeyRowRecord {
            member: row.member.map(|m| (m.role, m.name.clone())),
            device: row.device.map(|d| (d.member, d.name.clone())),
            name: row.name.cloned(),
            decided: row.decided.map(|d| (d.membership.clone(), d.role.clone())),
        }
    }
}

/// A view's head and its rows (sorted by key): what a checkpoint stores
/// whole, and what the projection record stores split.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ViewRecord {
    pub head: ViewHeadRecord,
    pub rows: Vec<(PublicKey, KeyRowRecord)>,
}

impl From<&View> for ViewRecord {
    fn from(view: &View) -> Self {
        ViewRecord {
            head: head_of(view),
            rows: rows_of(view).map(|(k, row)| (k, row.into())).collect(),
        }
    }
}

impl From<ViewRecord> for View {
    fn from(record: ViewRecord) -> Self {
        view_from(record.head, record.rows)
    }
}

/// The head of a view.
pub fn head_of(view: &View) -> ViewHeadRecord {
    // Exhaustive on purpose: a new public View field must be decided here
    // or in `rows_of`. The private ones are members and devices (rows) and
    // what is derived from them.
    let View {
        group,
        title,
        names: _,
        decided: _,
        title_by,
        title_conflicts,
        removal_cycles,
        forked,
        ..
    } = view;
    ViewHeadRecord {
        group: *group,
        title: title.clone(),
        title_by: title_by.clone(),
        title_conflicts: title_conflicts
            .iter()
            .map(|TitleConflict { event, title }| (*event, title.clone()))
            .collect(),
        removal_cycles: removal_cycles
            .iter()
            .map(|c| {
                c.iter()
                    .map(|CycleRemoval { event, target }| (*event, *target))
                    .collect()
            })
            .collect(),
        forked: forked.iter().copied().collect(),
    }
}

/// A view from its head and its rows in key order.
pub fn view_from(
    head: ViewHeadRecord,
    rows: impl IntoIterator<Item = (PublicKey, KeyRowRecord)>,
) -> View {
    let mut parts = ViewParts::default();
    for (key, row) in rows {
        parts.push(key, row);
    }
    parts.into_view(head)
}

/// A view's rows taken apart as they are read, into one sorted list per
/// map: a store read hands each row over as it decodes it, so a view of
/// 100,000 keys is never also held as a list of rows (about 18 MB, grown
/// by doubling, for one `gmm add` on such a group).
#[derive(Default)]
pub struct ViewParts {
    members: Vec<(PublicKey, Member)>,
    devices: Vec<(PublicKey, Device)>,
    names: Vec<(PublicKey, String)>,
    decided: Vec<(PublicKey, Decided)>,
}

impl ViewParts {
    /// Room for about `rows` rows, each a member with a name and deciding
    /// events (devices are few).
    pub fn with_capacity(rows: usize) -> ViewParts {
        ViewParts {
            members: Vec::with_capacity(rows),
            devices: Vec::new(),
            names: Vec::with_capacity(rows),
            decided: Vec::with_capacity(rows),
        }
    }

    /// Takes one row; rows come in key order.
    pub fn push(&mut self, key: PublicKey, row: KeyRowRecord) {
        if let Some((role, name)) = row.member {
            self.members.push((key, Member { role, name }));
        }
        if let Some((member, name)) = row.device {
            self.devices.push((key, Device { member, name }));
        }
        if let Some(name) = row.name {
            self.names.push((key, name));
        }
        if let Some((membership, role)) = row.decided {
            self.decided.push((key, Decided { membership, role }));
        }
    }

    /// The view these rows and `head` make.
    pub fn into_view(self, head: ViewHeadRecord) -> View {
        let mut view = View::empty(head.group);
        view.title = head.title;
        view.set_members(
            self.members.into_iter().collect(),
            self.devices.into_iter().collect(),
        );
        view.names = self.names.into_iter().collect();
        view.decided = self.decided.into_iter().collect();
        view.title_by = head.title_by;
        view.title_conflicts = head
            .title_conflicts
            .into_iter()
            .map(|(event, title)| TitleConflict { event, title })
            .collect();
        view.removal_cycles = head
            .removal_cycles
            .into_iter()
            .map(|c| {
                c.into_iter()
                    .map(|(event, target)| CycleRemoval { event, target })
                    .collect()
            })
            .collect();
        view.forked = head.forked.into_iter().collect();
        view
    }
}

/// A view's rows in key order: one per key that is a member, a device, was
/// named or was decided about (a merge of the four sorted maps).
pub fn rows_of(view: &View) -> impl Iterator<Item = (PublicKey, KeyRow<'_>)> {
    let mut members = view.members().iter().peekable();
    let mut devices = view.devices().iter().peekable();
    let mut names = view.names.iter().peekable();
    let mut decided = view.decided.iter().peekable();
    std::iter::from_fn(move || {
        let key = [
            members.peek().map(|(k, _)| **k),
            devices.peek().map(|(k, _)| **k),
            names.peek().map(|(k, _)| **k),
            decided.peek().map(|(k, _)| **k),
        ]
        .into_iter()
        .flatten()
        .min()?;
        let row = KeyRow {
            member: next_if_key(&mut members, &key),
            device: next_if_key(&mut devices, &key),
            name: next_if_key(&mut names, &key),
            decided: next_if_key(&mut decided, &key),
        };
        Some((key, row))
    })
}

fn next_if_key<'a, V>(
    entries: &mut Peekable<impl Iterator<Item = (&'a PublicKey, &'a V)>>,
    key: &PublicKey,
) -> Option<&'a V> {
    entries.next_if(|(k, _)| *k == key).map(|(_, v)| v)
}

/// One key's row of `view` (all parts `None` when the view holds nothing
/// about it: then the row is gone).
pub fn row_of<'a>(view: &'a View, key: &PublicKey) -> KeyRow<'a> {
    KeyRow {
        member: view.members().get(key),
        device: view.devices().get(key),
        name: view.names.get(key),
        decided: view.decided.get(key),
    }
}

/// What to write so the rows stored for a view become those of `new`, when
/// `new` was computed from that view by changes to `changed` alone
/// ([`View::changed_since`]): each changed key's row, or its removal.
/// Cost: the changed keys, whatever the group's size.
pub fn changed_rows<'a>(
    new: &'a View,
    changed: &BTreeSet<PublicKey>,
) -> (Vec<(PublicKey, KeyRow<'a>)>, Vec<PublicKey>) {
    let mut put = Vec::new();
    let mut gone = Vec::new();
    for key in changed {
        let row = row_of(new, key);
        if row == KeyRow::default() {
            gone.push(*key);
        } else {
            put.push((*key, row));
        }
    }
    (put, gone)
}

/// What to write so the rows stored for `old` become those of `new`: the
/// rows that are new or differ, and the keys whose row is gone. Cost: one
/// pass over both views' rows, and an encoding only for what changed.
pub fn row_changes<'a>(
    new: &'a View,
    old: &View,
) -> (Vec<(PublicKey, KeyRow<'a>)>, Vec<PublicKey>) {
    merge_rows(rows_of(new), rows_of(old), |new_row, old_row| {
        new_row == old_row
    })
}

/// What to write so stored rows, listed in key order as `old`, become the
/// rows `new` lists in key order: those absent from `old` or not the
/// `same` as its, and the keys only `old` lists. The rows on either side
/// are whatever `same` compares (rows, or their digests).
pub fn merge_rows<N, O>(
    new: impl Iterator<Item = (PublicKey, N)>,
    old: impl Iterator<Item = (PublicKey, O)>,
    mut same: impl FnMut(&N, &O) -> bool,
) -> (Vec<(PublicKey, N)>, Vec<PublicKey>) {
    let mut put = Vec::new();
    let mut gone = Vec::new();
    let mut new_rows = new.peekable();
    let mut old_rows = old.peekable();
    loop {
        let order = match (new_rows.peek(), old_rows.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((n, _)), Some((o, _))) => n.cmp(o),
        };
        match order {
            Ordering::Less => put.extend(new_rows.next()),
            Ordering::Greater => gone.extend(old_rows.next().map(|(k, _)| k)),
            Ordering::Equal => {
                if let (Some(n), Some(o)) = (new_rows.next(), old_rows.next()) {
                    if !same(&n.1, &o.1) {
                        put.push(n);
                    }
                }
            }
        }
    }
    (put, gone)
}

/// A view right after its `Create` by `owner` (for tests that build views).
#[cfg(test)]
pub(crate) fn created_view(group: GroupId, owner: &PublicKey) -> View {
    let mut view = View::empty(group);
    let create = crate::model::event::Op::Create {
        title: "t".into(),
        nonce: [0; 16],
    };
    view.apply(EventId([2; 32]), owner, &create);
    view
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::event::Op;
    use proptest::prelude::*;

    fn key(n: u8) -> PublicKey {
        PublicKey([n; 32])
    }

    /// The rows of a view as records, in key order.
    fn row_records(view: &View) -> BTreeMap<PublicKey, KeyRowRecord> {
        rows_of(view).map(|(k, row)| (k, row.into())).collect()
    }

    /// A view changed by a random run of ops (authorized or not: the rows
    /// only have to follow whatever the view holds).
    pub(crate) fn view_after(ops: &[(u8, u8, u8)]) -> View {
        let owner = key(0);
        let mut view = created_view(EventId([1; 32]), &owner);
        for (i, (what, a, b)) in ops.iter().enumerate() {
            let id = EventId([i as u8 ^ 0x55; 32]);
            let (a, b) = (key(a % 12 + 1), key(b % 12 + 1));
            let op = match what % 5 {
                0 => Op::Add {
                    member: a,
                    role: Role::Member,
                    name: format!("n{i}"),
                },
                1 => Op::Remove { member: a },
                2 => Op::SetRole {
                    member: a,
                    role: Role::Admin,
                },
                3 => Op::LinkDevice {
                    device: b,
                    name: format!("d{i}"),
                },
                _ => Op::UnlinkDevice { device: b },
            };
            let author = if what % 5 >= 3 { a } else { owner };
            view.apply(id, &author, &op);
        }
        view
    }

    proptest! {
        /// Writing the changed rows over the old view's rows gives the new
        /// view's rows, and a view read back from its rows is the view.
        #[test]
        fn changed_rows_turn_old_rows_into_new(
            before in prop::collection::vec((0u8..5, 0u8..12, 0u8..12), 0..30),
            after in prop::collection::vec((0u8..5, 0u8..12, 0u8..12), 0..30),
        ) {
            let old = view_after(&before);
            let new = view_after(&[before.clone(), after].concat());
            let mut stored = row_records(&old);
            let (put, gone) = row_changes(&new, &old);
            for (k, row) in put {
                stored.insert(k, row.into());
            }
            for k in gone {
                stored.remove(&k);
            }
            prop_assert_eq!(&stored, &row_records(&new));
            let back = view_from(head_of(&new), stored);
            prop_assert_eq!(&back, &new);
            prop_assert_eq!(back.hash(), new.hash());
        }
    }

    #[test]
    fn an_unchanged_view_changes_no_row() {
        let view = view_after(&[(0, 1, 2), (3, 1, 5), (2, 1, 1)]);
        let (put, gone) = row_changes(&view, &view.clone());
        assert!(put.is_empty() && gone.is_empty());
    }
}
