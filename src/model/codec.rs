//! The one place gmm touches bincode (SPEC §2).
//!
//! bincode is pinned to `=2.0.1` and its maintainers stopped development in 2025
//! (RUSTSEC-2025-0141). Every type gmm encodes derives serde's traits, and this
//! module is the only caller of bincode's serde bridge, so a successor format
//! (postcard is the likely one) can replace it here without touching the domain.
//!
//! The configuration is fixed and documented in `docs/event-format.md`:
//! little-endian, fixed-width integers (u8/u16/u32/u64 as 1/2/4/8 bytes, enum
//! variants as u32, lengths as u64), and a 64 KiB limit on what one decode may
//! allocate. Decoding is canonical: bytes are accepted only when re-encoding the
//! decoded value gives exactly the same bytes, so every value has one encoding
//! and an id (a hash of the bytes) names one value.

use bincode::config::Configuration;
use bincode::config::Fixint;
use bincode::config::Limit;
use bincode::config::LittleEndian;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::event::Event;
use crate::model::event::Role;
use crate::model::ids::GroupId;
use crate::model::ids::PublicKey;

/// The largest encoded event gmm accepts (SPEC §2: an event is at most 64 KiB).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// The single bincode configuration gmm uses for everything it hashes or signs.
type Config = Configuration<LittleEndian, Fixint, Limit<MAX_EVENT_BYTES>>;

fn config() -> Config {
    bincode::config::standard()
        .with_little_endian()
        .with_fixed_int_encoding()
        .with_limit::<MAX_EVENT_BYTES>()
}

/// Why bytes were refused by the codec.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CodecError {
    #[error("{len} bytes is over the {MAX_EVENT_BYTES}-byte limit")]
    TooLarge { len: usize },
    #[error("does not decode: {0}")]
    Decode(String),
    #[error("{0} trailing bytes after the value")]
    TrailingBytes(usize),
    #[error("not in canonical form (re-encoding gives different bytes)")]
    NotCanonical,
    #[error("cannot encode: {0}")]
    Encode(String),
}

/// Encodes a value with gmm's fixed configuration and the event size limit.
fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let bytes = bincode::serde::encode_to_vec(value, config())
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(CodecError::TooLarge { len: bytes.len() });
    }
    Ok(bytes)
}

/// Decodes exactly one value from `bytes`, refusing trailing bytes and any
/// encoding that is not the canonical one.
fn decode_canonical<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(CodecError::TooLarge { len: bytes.len() });
    }
    let (value, used): (T, usize) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| CodecError::Decode(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::TrailingBytes(bytes.len() - used));
    }
    if encode(&value)? != bytes {
        return Err(CodecError::NotCanonical);
    }
    Ok(value)
}

/// Contract 1, the event bytes (SPEC §2, `docs/event-format.md`): what an
/// event id hashes and an author signs.
pub fn encode_event(event: &Event) -> Result<Vec<u8>, CodecError> {
    encode(event)
}

/// Decodes received event bytes canonically: bytes are accepted only when
/// re-encoding gives exactly them, so an id names one value.
pub fn decode_event(bytes: &[u8]) -> Result<Event, CodecError> {
    decode_canonical(bytes)
}

/// Decodes event bytes this store checked when it accepted them (no
/// canonical re-encoding on every read; `audit` re-checks from scratch).
pub fn decode_accepted_event(bytes: &[u8]) -> Result<Event, CodecError> {
    let (value, used): (Event, usize) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| CodecError::Decode(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::TrailingBytes(bytes.len() - used));
    }
    Ok(value)
}

/// One member as the view hash covers it: key, role, and the keys of its
/// linked devices, ascending.
pub type HashedMember = (PublicKey, Role, Vec<PublicKey>);

/// Contract 2, the view-hash input (SPEC §3 rule 8, `docs/event-format.md`):
/// `(group, title, member-tree root)`.
pub fn view_hash_input(group: &GroupId, title: &str, members_root: &[u8; 32]) -> Vec<u8> {
    encode_large(&(group, title, members_root))
}

/// Contract 3, a bucket of the member tree (`rules::member_tree`): its
/// members sorted by key, each with role and sorted device keys.
pub fn member_bucket(members: &[HashedMember]) -> Vec<u8> {
    encode_large(members)
}

/// Contract 4, a view listing: `(group, title, members sorted by key with
/// their roles and devices)`, the whole view a view proof carries
/// (`docs/proof-format.md`).
pub fn view_listing(group: &GroupId, title: &str, members: &[HashedMember]) -> Vec<u8> {
    encode_large(&(group, title, members))
}

/// Contract 4 decoded: group, title, members sorted by key with their roles
/// and devices.
pub type ViewListing = (GroupId, String, Vec<HashedMember>);

/// Decodes contract 4 canonically: only the bytes [`view_listing`] would
/// produce are accepted. serde preallocates cautiously, so a crafted length
/// cannot allocate more than the bytes given.
pub fn decode_view_listing(bytes: &[u8]) -> Result<ViewListing, CodecError> {
    let (value, used): (ViewListing, usize) =
        bincode::serde::decode_from_slice(bytes, snapshot_config())
            .map_err(|e| CodecError::Decode(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::TrailingBytes(bytes.len() - used));
    }
    if view_listing(&value.0, &value.1, &value.2) != bytes {
        return Err(CodecError::NotCanonical);
    }
    Ok(value)
}

/// Stored records and bundle headers are not events and may be larger than
/// 64 KiB; they use the same layout with a 1 GiB bound on what a decode allocates.
const SNAPSHOT_LIMIT: usize = 1 << 30;
type SnapshotConfig = Configuration<LittleEndian, Fixint, Limit<SNAPSHOT_LIMIT>>;

fn snapshot_config() -> SnapshotConfig {
    bincode::config::standard()
        .with_little_endian()
        .with_fixed_int_encoding()
        .with_limit::<SNAPSHOT_LIMIT>()
}

fn encode_large<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Cannot fail: contracts are plain derived structs, enums, strings, maps
    // and fixed arrays, whose serializers never error, and nothing here checks
    // a size limit on encode.
    bincode::serde::encode_to_vec(value, snapshot_config()).expect("derived types always encode")
}

/// A byte contract whose type lives above the model: the bundle header
/// (`docs/bundle-format.md`) and each stored record (`docs/store.md`). Each
/// such type is declared once for what it is on disk, never an in-memory
/// struct reused, so changing a domain type cannot change these bytes
/// unnoticed; each has golden vectors in `fixtures/`.
pub trait Contract: Serialize + DeserializeOwned {
    /// The contract's name, as the docs and errors give it.
    const NAME: &'static str;

    /// The contract's bytes.
    fn to_bytes(&self) -> Vec<u8> {
        encode_large(self)
    }

    /// Decodes exactly one value, refusing trailing bytes.
    fn from_bytes(bytes: &[u8]) -> Result<Self, CodecError> {
        let (value, used): (Self, usize) =
            bincode::serde::decode_from_slice(bytes, snapshot_config())
                .map_err(|e| CodecError::Decode(format!("{}: {e}", Self::NAME)))?;
        if used != bytes.len() {
            return Err(CodecError::TrailingBytes(bytes.len() - used));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::EventId;
    use crate::model::ids::PublicKey;

    proptest::proptest! {
        /// A 32-byte name is coded as four words (`model/ids.rs`): the same
        /// bytes, in the same order, as the plain byte array, both ways, in
        /// both configurations.
        #[test]
        fn names_code_as_their_32_bytes(bytes in proptest::prelude::any::<[u8; 32]>()) {
            let as_array = encode(&bytes).unwrap();
            proptest::prop_assert_eq!(&as_array[..], &bytes[..]);
            proptest::prop_assert_eq!(&encode(&PublicKey(bytes)).unwrap(), &as_array);
            proptest::prop_assert_eq!(&encode_large(&EventId(bytes)), &as_array);
            let key: PublicKey = decode_canonical(&as_array).unwrap();
            proptest::prop_assert_eq!(key, PublicKey(bytes));
            let (id, _): (EventId, usize) =
                bincode::serde::decode_from_slice(&as_array, snapshot_config()).unwrap();
            proptest::prop_assert_eq!(id, EventId(bytes));
        }
    }

    #[test]
    fn round_trip_and_layout() {
        let value = (7u64, String::from("ab"), Some([1u8; 2]));
        let bytes = encode(&value).unwrap();
        // u64 fixed (8) + len u64 (8) + "ab" (2) + Some tag (1) + 2 bytes.
        assert_eq!(bytes.len(), 8 + 8 + 2 + 1 + 2);
        assert_eq!(&bytes[..8], &7u64.to_le_bytes());
        let back: (u64, String, Option<[u8; 2]>) = decode_canonical(&bytes).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn refuses_trailing_and_non_canonical() {
        let mut bytes = encode(&(1u8, true)).unwrap();
        bytes.push(0);
        assert_eq!(
            decode_canonical::<(u8, bool)>(&bytes),
            Err(CodecError::TrailingBytes(1))
        );
        // A bool must be 0 or 1; bincode already refuses 2, and either way it is not accepted.
        assert!(decode_canonical::<(u8, bool)>(&[1, 2]).is_err());
    }

    #[test]
    fn huge_length_prefix_does_not_allocate() {
        // A Vec<u8> claiming u64::MAX elements must fail on the limit, not allocate.
        let bytes = u64::MAX.to_le_bytes();
        assert!(decode_canonical::<Vec<u8>>(&bytes).is_err());
    }
}
