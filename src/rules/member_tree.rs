//! Rule 8's member tree (SPEC §3 rule 8, `docs/projection.md`): the view hash
//! commits to the members through a binary Merkle tree of fixed depth 16 over
//! 65,536 buckets, a member's bucket being the first two bytes of its key.
//!
//! The tree depends on the member set alone (every peer builds the same one),
//! and one change to a member rehashes its bucket and the 16 nodes above it:
//! hashing the view after an event on a group of 100,000 members costs what
//! it costs on a group of ten, where the flat member list cost every event
//! O(members). A
//! bucket's members and the 16 digests beside its path prove a key's
//! membership, or its absence, against the view hash.
//!
//! Empty subtrees are the zero digest, so only non-empty nodes are kept.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::hash::Hasher;
use std::ops::RangeInclusive;
use std::sync::LazyLock;

use crate::model::codec;
use crate::model::codec::HashedMember;
use crate::model::event::PublicKey;
use crate::model::hash;

/// Levels between the root and the buckets.
pub const DEPTH: u32 = 16;

/// A node or bucket digest.
pub type Digest = [u8; 32];

/// The digest of an empty bucket or subtree.
pub const EMPTY: Digest = [0; 32];

/// The blake3 key for bucket digests: `derive_key(VIEW_BUCKET, "")`.
static BUCKET_KEY: LazyLock<Digest> = LazyLock::new(|| hash::derive(hash::VIEW_BUCKET, b""));
/// The blake3 key for node digests: `derive_key(VIEW_NODE, "")`.
static NODE_KEY: LazyLock<Digest> = LazyLock::new(|| hash::derive(hash::VIEW_NODE, b""));

/// The bucket a member's key falls in: its first two bytes, big-endian.
pub fn bucket_of(key: &PublicKey) -> u16 {
    u16::from_be_bytes([key.0[0], key.0[1]])
}

/// The keys that fall in `bucket`, for a range query over sorted members.
pub fn bucket_keys(bucket: u16) -> RangeInclusive<PublicKey> {
    let mut low = [0u8; 32];
    let mut high = [0xff; 32];
    low[..2].copy_from_slice(&bucket.to_be_bytes());
    high[..2].copy_from_slice(&bucket.to_be_bytes());
    PublicKey(low)..=PublicKey(high)
}

/// A bucket's digest: keyed blake3 over the encoding of its members (sorted
/// by key, each with role and sorted device keys); zero when it has none.
pub fn bucket_digest(members: &[HashedMember]) -> Digest {
    if members.is_empty() {
        return EMPTY;
    }
    *blake3::keyed_hash(&BUCKET_KEY, &codec::member_bucket(members)).as_bytes()
}

/// An inner node's digest: keyed blake3 over `left ‖ right`; zero when both
/// children are empty.
pub fn node_digest(left: &Digest, right: &Digest) -> Digest {
    if left == &EMPTY && right == &EMPTY {
        return EMPTY;
    }
    let mut both = [0u8; 64];
    both[..32].copy_from_slice(left);
    both[32..].copy_from_slice(right);
    *blake3::keyed_hash(&NODE_KEY, &both).as_bytes()
}

/// The tree's non-empty digests, by heap index: the root is 1, node `i` has
/// children `2i` and `2i + 1`, and bucket `b` is `2^16 + b`.
#[derive(Clone, Debug, Default)]
pub struct MemberTree {
    nodes: HashMap<u32, Digest, BuildHasherDefault<IndexHasher>>,
}

/// Hashes a node's heap index with one multiplication: the indices are
/// small distinct integers chosen by the tree, not by an adversary, so the
/// default SipHash (a fifth of building the tree of 100,000 members) buys
/// nothing here.
#[derive(Default)]
struct IndexHasher(u64);

impl Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u32(&mut self, index: u32) {
        self.0 = u64::from(index).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

fn bucket_index(bucket: u16) -> u32 {
    (1 << DEPTH) + u32::from(bucket)
}

impl MemberTree {
    /// Builds the tree from its non-empty buckets' digests, in ascending
    /// bucket order: one digest per non-empty node, level by level.
    pub fn build(buckets: impl IntoIterator<Item = (u16, Digest)>) -> MemberTree {
        let mut all: Vec<(u32, Digest)> = buckets
            .into_iter()
            .filter(|(_, d)| *d != EMPTY)
            .map(|(b, d)| (bucket_index(b), d))
            .collect();
        // Every level is computed first, so the table is made the size of
        // the whole tree once. A level can hold as many nodes as the one
        // below (when no two are siblings), and at most 2^(16 − l) at l
        // levels above the buckets: sized at twice the buckets, the table of
        // 100,000 members' tree (115,000 nodes) grew once more, rehashing
        // every node into a second table of 9.7 MB.
        let above: usize = (0..DEPTH).map(|l| all.len().min(1 << l)).sum();
        all.reserve_exact(above);
        let mut level = 0..all.len();
        for _ in 0..DEPTH {
            let start = all.len();
            let mut i = level.start;
            while i < level.end {
                let (index, digest) = all[i];
                let right_too = index & 1 == 0 && i + 1 < level.end && all[i + 1].0 == index + 1;
                let (left, right) = match (index & 1, right_too) {
                    (0, true) => (digest, all[i + 1].1),
                    (0, false) => (digest, EMPTY),
                    _ => (EMPTY, digest),
                };
                all.push((index >> 1, node_digest(&left, &right)));
                i += if right_too { 2 } else { 1 };
            }
            level = start..all.len();
        }
        let mut nodes = HashMap::with_capacity_and_hasher(all.len(), Default::default());
        nodes.extend(all);
        MemberTree { nodes }
    }

    /// The root digest (zero for a group without members).
    pub fn root(&self) -> Digest {
        self.digest(1)
    }

    fn digest(&self, index: u32) -> Digest {
        self.nodes.get(&index).copied().unwrap_or(EMPTY)
    }

    fn put(&mut self, index: u32, digest: Digest) {
        if digest == EMPTY {
            self.nodes.remove(&index);
        } else {
            self.nodes.insert(index, digest);
        }
    }

    /// Sets one bucket's digest and rehashes the 16 nodes above it.
    pub fn set_bucket(&mut self, bucket: u16, digest: Digest) {
        let mut index = bucket_index(bucket);
        self.put(index, digest);
        while index > 1 {
            let (left, right) = (self.digest(index & !1), self.digest(index | 1));
            index >>= 1;
            self.put(index, node_digest(&left, &right));
        }
    }

    /// The 16 digests beside a bucket's path, the bucket's sibling first:
    /// with the bucket's digest they give the root ([`root_from_path`]).
    pub fn siblings(&self, bucket: u16) -> Vec<Digest> {
        let mut index = bucket_index(bucket);
        let mut out = Vec::with_capacity(DEPTH as usize);
        while index > 1 {
            out.push(self.digest(index ^ 1));
            index >>= 1;
        }
        out
    }
}

/// The root a bucket's digest and its path's siblings give (a membership
/// proof's check).
pub fn root_from_path(bucket: u16, digest: Digest, siblings: &[Digest]) -> Digest {
    let mut index = bucket_index(bucket);
    let mut here = digest;
    for sibling in siblings {
        here = match index & 1 {
            0 => node_digest(&here, sibling),
            _ => node_digest(sibling, &here),
        };
        index >>= 1;
    }
    here
}

/// The buckets of a member list sorted by key, with their digests.
pub fn bucket_digests(members: &[HashedMember]) -> impl Iterator<Item = (u16, Digest)> + '_ {
    bucket_digests_of(members.iter().cloned())
}

/// The buckets of members given in key order, with their digests, one
/// bucket at a time: a view hashes its members without listing them all
/// (6.4 MB for 100,000 members).
pub fn bucket_digests_of(
    members: impl Iterator<Item = HashedMember>,
) -> impl Iterator<Item = (u16, Digest)> {
    let mut members = members.peekable();
    let mut in_bucket = Vec::new();
    std::iter::from_fn(move || {
        let first = members.next()?;
        let bucket = bucket_of(&first.0);
        in_bucket.clear();
        in_bucket.push(first);
        while let Some(next) = members.next_if(|m| bucket_of(&m.0) == bucket) {
            in_bucket.push(next);
        }
        Some((bucket, bucket_digest(&in_bucket)))
    })
}

/// The root over a whole member list sorted by key (what a view proof
/// carries is checked with it).
pub fn members_root(members: &[HashedMember]) -> Digest {
    MemberTree::build(bucket_digests(members)).root()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::Role;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn key(bytes: [u8; 3]) -> PublicKey {
        let mut k = [7u8; 32];
        k[..3].copy_from_slice(&bytes);
        PublicKey(k)
    }

    fn listed(members: &BTreeMap<PublicKey, Role>) -> Vec<HashedMember> {
        members.iter().map(|(k, r)| (*k, *r, Vec::new())).collect()
    }

    #[test]
    fn an_empty_group_has_the_zero_root_and_one_member_does_not() {
        assert_eq!(members_root(&[]), EMPTY);
        let one = [(key([1, 2, 3]), Role::Owner, Vec::new())];
        assert_ne!(members_root(&one), EMPTY);
        let tree = MemberTree::build(bucket_digests(&one));
        let path = tree.siblings(bucket_of(&one[0].0));
        assert_eq!(path.len(), DEPTH as usize);
        assert_eq!(
            root_from_path(0x0102, bucket_digest(&one), &path),
            tree.root()
        );
    }

    proptest! {
        /// Kept up to date bucket by bucket, the tree gives the root a build
        /// from scratch gives, whatever the order of changes; and every
        /// bucket's path proves it against that root.
        #[test]
        fn updating_buckets_is_building_from_scratch(
            changes in proptest::collection::vec((any::<[u8; 3]>(), 0u8..4), 1..120),
            few_buckets in any::<bool>(),
        ) {
            let mut members = BTreeMap::new();
            let mut tree = MemberTree::default();
            for (bytes, what) in changes {
                // Crowd a few buckets too, so buckets hold several members.
                let bytes = if few_buckets { [bytes[0] % 2, 0, bytes[2]] } else { bytes };
                let k = key(bytes);
                match what {
                    0 => { members.remove(&k); }
                    1 => { members.insert(k, Role::Member); }
                    2 => { members.insert(k, Role::Admin); }
                    _ => { members.insert(k, Role::Owner); }
                }
                let b = bucket_of(&k);
                let in_bucket: Vec<HashedMember> = members
                    .range(bucket_keys(b))
                    .map(|(k, r)| (*k, *r, Vec::new()))
                    .collect();
                tree.set_bucket(b, bucket_digest(&in_bucket));
                let all = listed(&members);
                prop_assert_eq!(tree.root(), members_root(&all));
                prop_assert_eq!(
                    root_from_path(b, bucket_digest(&in_bucket), &tree.siblings(b)),
                    tree.root()
                );
            }
        }
    }
}
