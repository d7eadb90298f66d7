//! The 32-byte names gmm uses: public keys, event ids (a group is named by its
//! `Create` event's id) and view hashes. Plain values with hex forms; they sit
//! below everything else so keys and events can both name them.

use std::fmt;

use serde::de;
use serde::ser::SerializeTuple;
use serde::Deserialize;
use serde::Deserializer;
use serde::Serialize;
use serde::Serializer;

macro_rules! hex_bytes32 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub [u8; 32]);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_words(&self.0, serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_words(deserializer).map($name)
            }
        }

        impl $name {
            /// Lowercase hex, 64 characters.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
            /// The first `n` hex characters, for human output.
            pub fn short(&self) -> String {
                let mut s = self.to_hex();
                s.truncate(16);
                s
            }
            /// Parses exactly 64 hex characters.
            pub fn from_hex(text: &str) -> Option<Self> {
                let mut out = [0u8; 32];
                if text.len() != 64 {
                    return None;
                }
                hex::decode_to_slice(text, &mut out).ok()?;
                Some(Self(out))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.short())
            }
        }
    };
}

/// The 32 bytes as four little-endian `u64` words. Under the codec's one
/// configuration (fixed-width little-endian integers, `model::codec`) these
/// are the same 32 bytes in the same order as an array of bytes, so no
/// encoding changes (the golden vectors pin it); but bincode reads and
/// writes four words, not 32 separate bytes. Decoding the 32-byte names one
/// byte at a time was about a third of a replay's time (`docs/decisions.md`).
fn serialize_words<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
    let mut words = serializer.serialize_tuple(4)?;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        words.serialize_element(&u64::from_le_bytes(word))?;
    }
    words.end()
}

/// Reads what [`serialize_words`] writes.
fn deserialize_words<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
    struct Words;
    impl<'de> de::Visitor<'de> for Words {
        type Value = [u8; 32];
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("32 bytes as four little-endian u64 words")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<[u8; 32], A::Error> {
            let mut bytes = [0u8; 32];
            for (i, chunk) in bytes.chunks_exact_mut(8).enumerate() {
                let word: u64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(i, &self))?;
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            Ok(bytes)
        }
    }
    deserializer.deserialize_tuple(4, Words)
}

hex_bytes32!(
    /// An ed25519 public key: an author or a member.
    PublicKey
);
hex_bytes32!(
    /// The id of an event: `derive_key(EVENT_ID, encoded event)`.
    EventId
);
hex_bytes32!(
    /// A view hash (SPEC §3 rule 8).
    ViewHash
);

/// A group is named by the id of its `Create` event.
pub type GroupId = EventId;
