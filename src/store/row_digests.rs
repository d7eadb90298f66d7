//! A stored view kept as one digest per row: what a writer needs of a view
//! the store holds, once it has given the view up, to write only the rows
//! that differ (issue 11.4).
//!
//! An import chunk that extends an open region projects the region again
//! from its base, so the view the store holds cannot say which keys the
//! new one changed ([`View::changed_since`]): the rows are found by
//! comparing. Kept whole for that, the old view was a third copy of a
//! 100,000-key view beside the base and the new view, at the import's peak.
//! A row costs 64 bytes here, its key and its digest, whatever it holds;
//! the devices' owners are kept beside, because a changed device rewrites
//! its old owner's member page. The price is time: each chunk hashes every
//! row of the view it writes, and the digests go on to the next chunk of
//! the import (`docs/decisions.md`).

use std::collections::BTreeMap;

use crate::model::event::EventId;
use crate::model::event::PublicKey;
use crate::rules::view::View;
use crate::store::view_rows;
use crate::store::view_rows::KeyRow;

/// A row's digest: blake3 over its parts (see [`row_digest`]).
type RowDigest = [u8; 32];

/// The rows of a view as digests, and its devices' owners.
#[derive(Debug)]
pub struct RowDigests {
    /// Each row's key and digest, in key order.
    rows: Vec<(PublicKey, RowDigest)>,
    /// Each linked device and the member it acts for.
    owners: BTreeMap<PublicKey, PublicKey>,
}

impl RowDigests {
    /// The digests of `view`'s rows.
    pub fn of(view: &View) -> RowDigests {
        let mut bytes = Vec::new();
        RowDigests {
            rows: view_rows::rows_of(view)
                .map(|(key, row)| (key, row_digest(&row, &mut bytes)))
                .collect(),
            owners: owners_of(view),
        }
    }

    /// The member `key` was a linked device of.
    pub fn owner(&self, key: &PublicKey) -> Option<PublicKey> {
        self.owners.get(key).copied()
    }

    /// What to write so the rows these digests describe become `new`'s:
    /// the rows that are new or whose digest differs, and the keys whose
    /// row is gone; and `new`'s own digests, which describe the rows once
    /// written (the next part of an import compares with them). Cost: one
    /// pass over both, and a digest of each new row.
    pub fn changes<'a>(
        &self,
        new: &'a View,
    ) -> (Vec<(PublicKey, KeyRow<'a>)>, Vec<PublicKey>, RowDigests) {
        // One pass over `new`'s rows: each is hashed once, for the
        // comparison and for the digests handed on.
        let mut rows = Vec::with_capacity(self.rows.len());
        let mut bytes = Vec::new();
        let new_rows = view_rows::rows_of(new).map(|(key, row)| {
            let digest = row_digest(&row, &mut bytes);
            rows.push((key, digest));
            (key, (row, digest))
        });
        let (put, gone) = view_rows::merge_rows(new_rows, self.rows.iter().copied(), |new, old| {
            new.1 == *old
        });
        let put = put.into_iter().map(|(key, (row, _))| (key, row)).collect();
        let digests = RowDigests {
            rows,
            owners: owners_of(new),
        };
        (put, gone, digests)
    }
}

/// Each linked device of `view` and the member it acts for.
fn owners_of(view: &View) -> BTreeMap<PublicKey, PublicKey> {
    view.devices()
        .iter()
        .map(|(device, d)| (*device, d.member))
        .collect()
}

/// blake3 over a row's four parts in order, each tagged present or absent,
/// every string and list prefixed with its length: two different rows
/// never hash the same bytes, so equal digests mean equal rows (a
/// collision in blake3 aside). The bytes are laid out in `bytes`, reused
/// from row to row, and hashed at once.
fn row_digest(row: &KeyRow<'_>, bytes: &mut Vec<u8>) -> RowDigest {
    bytes.clear();
    if let Some(member) = tagged(bytes, row.member) {
        bytes.push(member.role as u8);
        put_str(bytes, &member.name);
    }
    if let Some(device) = tagged(bytes, row.device) {
        bytes.extend_from_slice(&device.member.0);
        put_str(bytes, &device.name);
    }
    if let Some(name) = tagged(bytes, row.name) {
        put_str(bytes, name);
    }
    if let Some(decided) = tagged(bytes, row.decided) {
        put_ids(bytes, &decided.membership);
        put_ids(bytes, &decided.role);
    }
    *blake3::hash(bytes).as_bytes()
}

/// Lays out whether a part is present, and hands it back.
fn tagged<T>(bytes: &mut Vec<u8>, part: Option<T>) -> Option<T> {
    bytes.push(u8::from(part.is_some()));
    part
}

fn put_str(bytes: &mut Vec<u8>, s: &str) {
    bytes.extend_from_slice(&(s.len() as u64).to_le_bytes());
    bytes.extend_from_slice(s.as_bytes());
}

fn put_ids(bytes: &mut Vec<u8>, ids: &[EventId]) {
    bytes.extend_from_slice(&(ids.len() as u64).to_le_bytes());
    for id in ids {
        bytes.extend_from_slice(&id.0);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::store::view_rows::tests::view_after;

    proptest! {
        /// Comparing with digests finds exactly the writes comparing with
        /// the old view finds.
        #[test]
        fn digests_find_the_changes_the_view_finds(
            before in prop::collection::vec((0u8..5, 0u8..12, 0u8..12), 0..30),
            after in prop::collection::vec((0u8..5, 0u8..12, 0u8..12), 0..30),
            unrelated in any::<bool>(),
        ) {
            let old = view_after(&before);
            // A view grown from the old one shares most rows; an unrelated
            // one shares few.
            let new = match unrelated {
                true => view_after(&after),
                false => view_after(&[before.clone(), after].concat()),
            };
            let digests = RowDigests::of(&old);
            let (put, gone, after) = digests.changes(&new);
            prop_assert_eq!((put, gone), view_rows::row_changes(&new, &old));
            // The digests handed on are the new view's own.
            prop_assert_eq!(after.rows, RowDigests::of(&new).rows);
        }
    }

    #[test]
    fn a_changed_name_changes_the_digest_and_an_equal_view_changes_nothing() {
        let view = view_after(&[(1, 2, 0), (1, 3, 1)]);
        let digests = RowDigests::of(&view);
        let (put, gone, _) = digests.changes(&view);
        assert!(put.is_empty() && gone.is_empty());
        let rows: Vec<_> = view_rows::rows_of(&view).collect();
        let (key, row) = rows[0];
        let renamed = String::from("another name");
        let other = KeyRow {
            name: Some(&renamed),
            ..row
        };
        let mut bytes = Vec::new();
        let digest = row_digest(&row, &mut bytes);
        assert_ne!(digest, row_digest(&other, &mut bytes), "{key:?}");
    }
}
