//! A group's member listing on disk (schema 10, `docs/store.md`): the
//! current view's members, each with its role, name and linked devices, in
//! 16,384 pages by key, beside the view's rows.
//!
//! Why pages: `gmm members` needs of each member only its role, its name and
//! its devices. Read from the view's rows (about 180 bytes each, mostly
//! deciding events, a device's row apart from its member's), a listing of
//! 100,000 members stepped a RocksDB iterator 100,000 times over 24 MB and
//! had to hold every member until the last device was read: 4.2 times a
//! bare store open (`docs/benchmarks.md`). A page holds every member whose
//! key starts with the page's 14 bits, its devices with it: a listing steps
//! once per page over a fifth of the bytes, and prints each page as it
//! reads it. A write rewrites the pages of the keys it changed and of the
//! members whose devices changed, from the view in memory (never read
//! back): on a group of 100,000 members a page holds about six.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use serde::Deserialize;
use serde::Serialize;

use crate::model::codec::CodecError;
use crate::model::codec::Contract;
use crate::model::event::PublicKey;
use crate::model::event::Role;
use crate::rules::view::View;

/// How many leading bits of a key name its page.
pub const PAGE_BITS: u32 = 14;

/// The page a member is listed in: its key's first [`PAGE_BITS`] bits.
pub fn page_of(key: &PublicKey) -> u16 {
    u16::from_be_bytes([key.0[0], key.0[1]]) >> (16 - PAGE_BITS)
}

/// The keys listed in `page`.
fn page_keys(page: u16) -> RangeInclusive<PublicKey> {
    let low = page << (16 - PAGE_BITS);
    let high = low | ((1 << (16 - PAGE_BITS)) - 1);
    let mut first = [0u8; 32];
    let mut last = [0xff; 32];
    first[..2].copy_from_slice(&low.to_be_bytes());
    last[..2].copy_from_slice(&high.to_be_bytes());
    PublicKey(first)..=PublicKey(last)
}

/// `member_pages` value: the members of one page, by key.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MemberPageRecord {
    pub members: Vec<ListedMemberRecord>,
}

/// One member of a page: its key, role and name, and its linked devices
/// (key and name) by key.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ListedMemberRecord {
    pub key: PublicKey,
    pub role: Role,
    pub name: String,
    pub devices: Vec<(PublicKey, String)>,
}

impl Contract for MemberPageRecord {
    const NAME: &'static str = "member page record";
}

/// A page's bytes (as [`MemberPageRecord`], written by hand like
/// [`Reader`] reads them, straight from the view: a batch of 100,000 adds
/// or an import's last part writes 16,384 pages at once); `None` when it
/// lists nobody.
fn page_bytes(view: &View, page: u16) -> Option<Vec<u8>> {
    let members = view.members().range(page_keys(page));
    let count = members.clone().count();
    if count == 0 {
        return None;
    }
    let mut bytes = Vec::with_capacity(8 + count * 64);
    bytes.extend_from_slice(&(count as u64).to_le_bytes());
    for (key, member) in members {
        bytes.extend_from_slice(&key.0);
        bytes.extend_from_slice(&(member.role as u32).to_le_bytes());
        push_str(&mut bytes, &member.name);
        let devices = view.devices_of(key).count();
        bytes.extend_from_slice(&(devices as u64).to_le_bytes());
        for (device, d) in view.devices_of(key) {
            bytes.extend_from_slice(&device.0);
            push_str(&mut bytes, &d.name);
        }
    }
    Some(bytes)
}

fn push_str(bytes: &mut Vec<u8>, text: &str) {
    bytes.extend_from_slice(&(text.len() as u64).to_le_bytes());
    bytes.extend_from_slice(text.as_bytes());
}

/// What to write so the stored pages hold the members of `view`, when
/// only the members in `changed` (keys whose membership, role or name
/// changed, and members whose devices did) may differ from what they hold:
/// each of their pages, or `None` when a page now lists nobody.
pub fn changed_pages<'a>(
    view: &View,
    changed: impl IntoIterator<Item = &'a PublicKey>,
) -> Vec<(u16, Option<Vec<u8>>)> {
    let pages: BTreeSet<u16> = changed.into_iter().map(page_of).collect();
    pages
        .into_iter()
        .map(|page| (page, page_bytes(view, page)))
        .collect()
}

/// Every page of `view` that lists someone: for a view written whole.
pub fn all_pages(view: &View) -> Vec<(u16, Vec<u8>)> {
    let pages: BTreeSet<u16> = view.members().keys().map(page_of).collect();
    pages
        .into_iter()
        .filter_map(|page| Some((page, page_bytes(view, page)?)))
        .collect()
}

/// One member as a page lists it, borrowed from the page's bytes.
#[derive(Clone, Copy, Debug)]
pub struct ListedMember<'a> {
    pub key: PublicKey,
    pub role: Role,
    pub name: &'a str,
    /// The devices' part of the page, checked ([`ListedMember::devices`]).
    devices: (u64, &'a [u8]),
}

impl<'a> ListedMember<'a> {
    /// Its linked devices, by key: key and name.
    pub fn devices(&self) -> impl Iterator<Item = (PublicKey, &'a str)> {
        let mut reader = Reader(self.devices.1);
        // Checked when the page was read (`members_of`): none fails here.
        (0..self.devices.0).map_while(move |_| reader.device().ok())
    }
}

/// The members a page's bytes list, in key order, after checking the
/// whole page: a damaged page is an error before anything of it is used.
pub fn members_of(bytes: &[u8]) -> Result<Vec<ListedMember<'_>>, CodecError> {
    let mut reader = Reader(bytes);
    let count = reader.u64()?;
    let mut members = Vec::new();
    for _ in 0..count {
        members.push(reader.member()?);
    }
    if !reader.0.is_empty() {
        return Err(CodecError::TrailingBytes(reader.0.len()));
    }
    Ok(members)
}

/// Reads a page's fixed little-endian layout (`model::codec`: a `u64` count
/// or string length, a `u32` enum variant) by hand: a listing of 100,000
/// members spent more time in the generic decoder's calls than in reading
/// them. A test holds it to the codec's bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or_else(short)?;
        self.0 = rest;
        Ok(*head)
    }

    fn u64(&mut self) -> Result<u64, CodecError> {
        self.take::<8>().map(u64::from_le_bytes)
    }

    fn key(&mut self) -> Result<PublicKey, CodecError> {
        self.take::<32>().map(PublicKey)
    }

    fn role(&mut self) -> Result<Role, CodecError> {
        match u32::from_le_bytes(self.take::<4>()?) {
            0 => Ok(Role::Member),
            1 => Ok(Role::Admin),
            2 => Ok(Role::Owner),
            n => Err(CodecError::Decode(format!("role {n}"))),
        }
    }

    fn str(&mut self) -> Result<&'a str, CodecError> {
        let len = usize::try_from(self.u64()?).map_err(|_| short())?;
        if len > self.0.len() {
            return Err(short());
        }
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(text).map_err(|e| CodecError::Decode(e.to_string()))
    }

    fn device(&mut self) -> Result<(PublicKey, &'a str), CodecError> {
        Ok((self.key()?, self.str()?))
    }

    fn member(&mut self) -> Result<ListedMember<'a>, CodecError> {
        let key = self.key()?;
        let role = self.role()?;
        let name = self.str()?;
        let count = self.u64()?;
        let start = self.0;
        for _ in 0..count {
            self.device()?;
        }
        let devices = (count, &start[..start.len() - self.0.len()]);
        Ok(ListedMember {
            key,
            role,
            name,
            devices,
        })
    }
}

fn short() -> CodecError {
    CodecError::Decode("a member page ends inside an entry".into())
}

/// The members `view` lists, as the pages hold them: what a store read
/// must give back (for tests).
#[cfg(test)]
pub(crate) fn listing_of(view: &View) -> Vec<ListedMemberRecord> {
    view.members()
        .iter()
        .map(|(key, m)| ListedMemberRecord {
            key: *key,
            role: m.role,
            name: m.name.clone(),
            devices: view
                .devices_of(key)
                .map(|(k, d)| (*k, d.name.clone()))
                .collect(),
        })
        .collect()
}

/// A store's listing of `group`, owned (for tests).
#[cfg(test)]
pub(crate) fn stored_listing(
    store: &super::Store,
    group: &crate::model::event::GroupId,
) -> Vec<ListedMemberRecord> {
    let mut listed = Vec::new();
    store
        .for_each_member(group, |m| {
            listed.push(ListedMemberRecord {
                key: m.key,
                role: m.role,
                name: m.name.to_owned(),
                devices: m.devices().map(|(k, n)| (k, n.to_owned())).collect(),
            });
            Ok::<(), super::StoreError>(())
        })
        .unwrap();
    listed
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn member_strategy() -> impl Strategy<Value = ListedMemberRecord> {
        let key = any::<[u8; 32]>().prop_map(PublicKey);
        let role = prop_oneof![Just(Role::Member), Just(Role::Admin), Just(Role::Owner)];
        (
            key.clone(),
            role,
            ".{0,8}",
            prop::collection::vec((key, ".{0,8}"), 0..3),
        )
            .prop_map(|(key, role, name, devices)| ListedMemberRecord {
                key,
                role,
                name,
                devices,
            })
    }

    proptest! {
        /// The hand-written reader reads exactly the codec's bytes.
        #[test]
        fn the_reader_reads_the_codec_bytes(
            members in prop::collection::vec(member_strategy(), 0..6)
        ) {
            let record = MemberPageRecord { members };
            let bytes = record.to_bytes();
            let read: Vec<ListedMemberRecord> = members_of(&bytes)
                .unwrap()
                .into_iter()
                .map(|m| ListedMemberRecord {
                    key: m.key,
                    role: m.role,
                    name: m.name.to_owned(),
                    devices: m.devices().map(|(k, n)| (k, n.to_owned())).collect(),
                })
                .collect();
            prop_assert_eq!(read, record.members);
        }

        /// Damaged bytes are an error, never a panic.
        #[test]
        fn damaged_pages_are_errors(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(members) = members_of(&bytes) {
                for m in members {
                    m.devices().for_each(drop);
                }
            }
        }
    }

    /// The pages written from a view are [`MemberPageRecord`]s listing its
    /// members with their devices.
    #[test]
    fn pages_written_are_member_page_records() {
        use crate::model::event::EventId;
        use crate::model::event::Op;
        let owner = PublicKey([0x40; 32]);
        let mut view = crate::store::view_rows::created_view(EventId([1; 32]), &owner);
        for n in [0x41, 0x42, 0x80] {
            let add = Op::Add {
                member: PublicKey([n; 32]),
                role: Role::Member,
                name: format!("m{n}"),
            };
            view.apply(EventId([n; 32]), &owner, &add);
        }
        let link = Op::LinkDevice {
            device: PublicKey([0x90; 32]),
            name: "phone".into(),
        };
        view.apply(EventId([9; 32]), &PublicKey([0x41; 32]), &link);
        let written: Vec<ListedMemberRecord> = all_pages(&view)
            .into_iter()
            .flat_map(|(_, page)| MemberPageRecord::from_bytes(&page).unwrap().members)
            .collect();
        assert_eq!(written, listing_of(&view));
        assert_eq!(written.len(), 4);
        assert_eq!(
            written[1].devices,
            vec![(PublicKey([0x90; 32]), "phone".into())]
        );
    }

    #[test]
    fn a_page_is_the_keys_first_fourteen_bits() {
        let mut key = [0u8; 32];
        key[..2].copy_from_slice(&[0xab, 0xcd]);
        let page = page_of(&PublicKey(key));
        assert_eq!(page, 0xabcd >> 2);
        assert!(page_keys(page).contains(&PublicKey(key)));
        let mut next = [0u8; 32];
        next[..2].copy_from_slice(&[0xab, 0xd0]);
        assert!(!page_keys(page).contains(&PublicKey(next)));
        assert_eq!(page_of(&PublicKey(next)), page + 1);
    }
}
