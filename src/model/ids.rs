//! The 32-byte names gmm uses: public keys, event ids (a group is named by its
//! `Create` event's id) and view hashes. Plain values with hex forms; they sit
//! below everything else so keys and events can both name them.

use std::fmt;

use serde::Deserialize;
use serde::Serialize;

macro_rules! hex_bytes32 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        pub struct $name(pub [u8; 32]);

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
