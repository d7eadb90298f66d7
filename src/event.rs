//! Events: the signed record of one group membership modification (SPEC §2).
//!
//! An event is encoded by [`crate::codec`]; its id is a domain-separated blake3
//! hash of those exact bytes; the author signs a domain-separated message made
//! from the id. A *signed record* is what the store keeps and peers exchange:
//! the 64-byte signature followed by the encoded event, never re-encoded.

use std::fmt;

use serde::Deserialize;
use serde::Serialize;

use crate::codec;
use crate::hash;
use crate::keys;

/// Format version written in every event.
pub const EVENT_VERSION: u8 = 1;
/// SPEC §2: at most 64 parents.
pub const MAX_PARENTS: usize = 64;
/// Longest group title, in bytes of UTF-8.
pub const MAX_TITLE_BYTES: usize = 256;
/// Longest member name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 64;
/// Length of the signature that opens a signed record.
pub const SIGNATURE_BYTES: usize = 64;

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

/// Roles, lowest first: the derived order is the authority order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum Role {
    Member,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One head an author had seen: sorted by `(author, seq, id)`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct ParentRef {
    pub author: PublicKey,
    pub seq: u64,
    pub id: EventId,
}

/// The modification an event makes.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Op {
    Create {
        title: String,
        nonce: [u8; 16],
    },
    Add {
        member: PublicKey,
        role: Role,
        name: String,
    },
    Remove {
        member: PublicKey,
    },
    Leave,
    SetRole {
        member: PublicKey,
        role: Role,
    },
    SetTitle {
        title: String,
    },
}

impl Op {
    /// The word used for this op in output and JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Create { .. } => "create",
            Op::Add { .. } => "add",
            Op::Remove { .. } => "remove",
            Op::Leave => "leave",
            Op::SetRole { .. } => "role",
            Op::SetTitle { .. } => "title",
        }
    }

    /// The member whose membership or role this op is about, if any.
    pub fn target(&self, author: PublicKey) -> Option<PublicKey> {
        match self {
            Op::Create { .. } | Op::Leave => Some(author),
            Op::Add { member, .. } | Op::Remove { member } | Op::SetRole { member, .. } => {
                Some(*member)
            }
            Op::SetTitle { .. } => None,
        }
    }
}

/// The unsigned content of an event, exactly the fields of SPEC §2.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Event {
    pub version: u8,
    pub group: GroupId,
    pub author: PublicKey,
    pub seq: u64,
    pub prev: Option<EventId>,
    pub parents: Vec<ParentRef>,
    /// Author's clock, ms since the Unix epoch; informational only.
    pub time: u64,
    pub view: ViewHash,
    pub op: Op,
}

/// Why a record or an event was refused (SPEC §4 `malformed` and `bad-signature`).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum EventError {
    #[error("malformed event: {0}")]
    Malformed(String),
    #[error("bad signature: the signature does not verify for the author's key")]
    BadSignature,
}

impl Event {
    /// The group this event belongs to: its own id for a `Create`.
    pub fn group_of(&self, id: EventId) -> GroupId {
        if matches!(self.op, Op::Create { .. }) {
            id
        } else {
            self.group
        }
    }

    /// Checks the rules that depend on this event alone (SPEC §2); anything that
    /// fails here is `malformed`, whatever store receives it.
    pub fn check_shape(&self) -> Result<(), EventError> {
        let bad = |why: &str| Err(EventError::Malformed(why.to_string()));
        if self.version != EVENT_VERSION {
            return bad(&format!("unknown event version {}", self.version));
        }
        if self.seq == 0 {
            return bad("seq starts at 1");
        }
        if (self.seq == 1) != self.prev.is_none() {
            return bad("prev must be absent exactly when seq is 1");
        }
        if self.parents.len() > MAX_PARENTS {
            return bad("more than 64 parents");
        }
        if self.parents.windows(2).any(|w| w[0] >= w[1]) {
            return bad("parents are not sorted without duplicates");
        }
        let is_create = matches!(self.op, Op::Create { .. });
        if is_create != self.parents.is_empty() {
            return bad("parents are empty exactly for Create");
        }
        if is_create && (self.group != EventId::default() || self.seq != 1) {
            return bad("Create has a zero group and seq 1");
        }
        if !is_create && self.group == EventId::default() {
            return bad("only Create has a zero group");
        }
        match &self.op {
            Op::Create { title, .. } | Op::SetTitle { title } => check_title(title)?,
            Op::Add { member, role, name } => {
                if *role == Role::Owner {
                    return bad("Add cannot grant owner");
                }
                check_name(name)?;
                check_member_key(member)?;
            }
            Op::SetRole { role, .. } if *role == Role::Owner => {
                return bad("SetRole cannot grant owner");
            }
            _ => {}
        }
        Ok(())
    }
}

/// A title is at most 256 bytes with no control characters.
pub fn check_title(title: &str) -> Result<(), EventError> {
    if title.len() > MAX_TITLE_BYTES {
        return Err(EventError::Malformed(format!(
            "title is over {MAX_TITLE_BYTES} bytes"
        )));
    }
    if title.chars().any(char::is_control) {
        return Err(EventError::Malformed("title has control characters".into()));
    }
    Ok(())
}

/// A name is at most 64 bytes, without control characters or surrounding spaces.
pub fn check_name(name: &str) -> Result<(), EventError> {
    if name.len() > MAX_NAME_BYTES {
        return Err(EventError::Malformed(format!(
            "name is over {MAX_NAME_BYTES} bytes"
        )));
    }
    if name.chars().any(char::is_control) || name.trim() != name {
        return Err(EventError::Malformed(
            "name has control characters or surrounding spaces".into(),
        ));
    }
    Ok(())
}

/// SPEC §2: weak (small-order) or undecodable keys are refused when a member is added.
pub fn check_member_key(key: &PublicKey) -> Result<(), EventError> {
    if keys::is_usable_public_key(&key.0) {
        Ok(())
    } else {
        Err(EventError::Malformed(format!(
            "member key {} is not a usable ed25519 key (weak or not a curve point)",
            key.short()
        )))
    }
}

/// An encoded, named event not yet signed. Ids do not depend on signatures,
/// so many drafts can be made in order and signed in parallel afterwards.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Draft {
    pub id: EventId,
    pub event: Event,
    pub bytes: Vec<u8>,
}

impl Draft {
    /// Checks the shape, encodes and names an event.
    pub fn new(event: Event) -> Result<Draft, EventError> {
        event.check_shape()?;
        let bytes = codec::encode(&event).map_err(|e| EventError::Malformed(e.to_string()))?;
        Ok(Draft {
            id: event_id(&bytes),
            event,
            bytes,
        })
    }

    /// Signs the draft. The signer must be the event's author.
    pub fn sign(self, signer: &keys::SecretKey) -> SignedEvent {
        debug_assert_eq!(signer.public(), self.event.author);
        let signature = signer.sign(&signing_message(&self.id));
        SignedEvent {
            id: self.id,
            event: self.event,
            bytes: self.bytes,
            signature,
        }
    }

    pub fn as_parent(&self) -> ParentRef {
        ParentRef {
            author: self.event.author,
            seq: self.event.seq,
            id: self.id,
        }
    }
}

/// An event with its exact signed bytes: what the store keeps and bundles carry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedEvent {
    pub id: EventId,
    pub event: Event,
    /// The encoded event, exactly as signed.
    pub bytes: Vec<u8>,
    pub signature: [u8; SIGNATURE_BYTES],
}

/// `derive_key(EVENT_ID, bytes)`.
pub fn event_id(bytes: &[u8]) -> EventId {
    EventId(hash::derive(hash::EVENT_ID, bytes))
}

/// The 32-byte message an author signs for an event id.
pub fn signing_message(id: &EventId) -> [u8; 32] {
    hash::derive(hash::SIGNING_MESSAGE, &id.0)
}

impl SignedEvent {
    /// Encodes, names and signs an event. The signer must be the event's author.
    pub fn sign(event: Event, signer: &keys::SecretKey) -> Result<SignedEvent, EventError> {
        Ok(Draft::new(event)?.sign(signer))
    }

    /// The signed record: signature, then the encoded event.
    pub fn record(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SIGNATURE_BYTES + self.bytes.len());
        out.extend_from_slice(&self.signature);
        out.extend_from_slice(&self.bytes);
        out
    }

    /// Decodes a signed record canonically and checks its shape, without the signature.
    pub fn decode_record(record: &[u8]) -> Result<SignedEvent, EventError> {
        Self::split(record, |bytes| {
            let event: Event =
                codec::decode_canonical(bytes).map_err(|e| EventError::Malformed(e.to_string()))?;
            event.check_shape()?;
            Ok(event)
        })
    }

    /// Decodes a record this store accepted earlier. Its bytes were checked
    /// (canonical, shape, signature) when accepted, so they are not checked
    /// again on every read; `audit` re-verifies stored records from scratch.
    pub fn decode_stored(record: &[u8]) -> Result<SignedEvent, EventError> {
        Self::split(record, |bytes| {
            codec::decode_trusted(bytes).map_err(|e| EventError::Malformed(e.to_string()))
        })
    }

    /// Splits a record into signature and event bytes, decodes the event
    /// with `decode`, and names it.
    fn split(
        record: &[u8],
        decode: impl FnOnce(&[u8]) -> Result<Event, EventError>,
    ) -> Result<SignedEvent, EventError> {
        if record.len() < SIGNATURE_BYTES {
            return Err(EventError::Malformed(format!(
                "a signed record is at least {SIGNATURE_BYTES} bytes, got {}",
                record.len()
            )));
        }
        let (sig, bytes) = record.split_at(SIGNATURE_BYTES);
        let event = decode(bytes)?;
        let mut signature = [0u8; SIGNATURE_BYTES];
        signature.copy_from_slice(sig);
        Ok(SignedEvent {
            id: event_id(bytes),
            event,
            bytes: bytes.to_vec(),
            signature,
        })
    }

    /// `verify_strict` of the signature over the signing message (SPEC §2).
    pub fn verify_signature(&self) -> Result<(), EventError> {
        let message = signing_message(&self.id);
        if keys::verify_strict(&self.event.author.0, &message, &self.signature) {
            Ok(())
        } else {
            Err(EventError::BadSignature)
        }
    }

    /// Decodes and verifies a record: the whole check a receiver makes on bytes alone.
    pub fn from_record(record: &[u8]) -> Result<SignedEvent, EventError> {
        let signed = Self::decode_record(record)?;
        signed.verify_signature()?;
        Ok(signed)
    }

    /// The group this event belongs to.
    pub fn group(&self) -> GroupId {
        self.event.group_of(self.id)
    }

    /// This event as a parent reference.
    pub fn as_parent(&self) -> ParentRef {
        ParentRef {
            author: self.event.author,
            seq: self.event.seq,
            id: self.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;
    use crate::view::View;

    /// A fixed chain built from fixed seeds: Alice creates a group, adds Bob as
    /// admin, Bob retitles it, Alice removes Bob.
    fn golden_chain() -> Vec<(&'static str, SignedEvent)> {
        let alice = SecretKey::from_label("alice");
        let bob = SecretKey::from_label("bob");
        let mut view = View::empty(GroupId::default());
        let mut out: Vec<(&'static str, SignedEvent)> = Vec::new();
        let steps: [(&str, &SecretKey, Op); 4] = [
            (
                "create",
                &alice,
                Op::Create {
                    title: "Book club".into(),
                    nonce: [7; 16],
                },
            ),
            (
                "add-bob",
                &alice,
                Op::Add {
                    member: bob.public(),
                    role: Role::Admin,
                    name: "bob".into(),
                },
            ),
            (
                "bob-title",
                &bob,
                Op::SetTitle {
                    title: "Books".into(),
                },
            ),
            (
                "remove-bob",
                &alice,
                Op::Remove {
                    member: bob.public(),
                },
            ),
        ];
        for (i, (name, key, op)) in steps.into_iter().enumerate() {
            view.authorize(&key.public(), &op).unwrap();
            view.apply(EventId::default(), &key.public(), &op);
            let group = out.first().map(|(_, e)| e.id).unwrap_or_default();
            let prev = out
                .iter()
                .rev()
                .find(|(_, e)| e.event.author == key.public());
            let event = Event {
                version: EVENT_VERSION,
                group,
                author: key.public(),
                seq: prev.map_or(1, |(_, e)| e.event.seq + 1),
                prev: prev.map(|(_, e)| e.id),
                parents: out
                    .last()
                    .map(|(_, e)| vec![e.as_parent()])
                    .unwrap_or_default(),
                time: 1_800_000_000_000 + i as u64,
                view: view.hash(),
                op,
            };
            let signed = SignedEvent::sign(event, key).unwrap();
            if i == 0 {
                view.group = signed.id;
            }
            out.push((name, signed));
        }
        out
    }

    fn render(chain: &[(&str, SignedEvent)]) -> String {
        let mut text = String::from(
            "# gmm golden events (format v1). Keys: seed = blake3(\"alice\"), blake3(\"bob\").\n\
             # One event per line: name, id, signed record (signature ‖ encoded event) in hex.\n\
             # Regenerate only for a deliberate format change: UPDATE_GENERATED=1 cargo test golden\n",
        );
        for (name, e) in chain {
            text.push_str(&format!("{name} {} {}\n", e.id, hex::encode(e.record())));
        }
        text
    }

    #[test]
    fn golden_vectors_do_not_change() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/golden-events.txt");
        let chain = golden_chain();
        let text = render(&chain);
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            committed, text,
            "the event encoding, ids or signatures changed"
        );
        for line in committed.lines().filter(|l| !l.starts_with('#')) {
            let mut parts = line.split(' ');
            let (_, id, record) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
            let back = SignedEvent::from_record(&hex::decode(record).unwrap()).unwrap();
            assert_eq!(back.id.to_hex(), id);
        }
    }

    #[test]
    fn every_flipped_bit_is_caught() {
        for (_, event) in golden_chain() {
            let record = event.record();
            for i in 0..record.len() {
                for bit in [0x01u8, 0x80] {
                    let mut bad = record.clone();
                    bad[i] ^= bit;
                    assert!(
                        SignedEvent::from_record(&bad).is_err(),
                        "byte {i} bit {bit:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn shape_rules() {
        let (_, e) = &golden_chain()[1];
        let mut bad = e.event.clone();
        bad.parents = vec![bad.parents[0], bad.parents[0]];
        assert!(bad.check_shape().is_err(), "duplicate parents");
        let mut bad = e.event.clone();
        bad.prev = None;
        bad.seq = 2;
        assert!(bad.check_shape().is_err(), "seq 2 without prev");
        let mut bad = e.event.clone();
        bad.parents.clear();
        assert!(bad.check_shape().is_err(), "only Create has no parents");
        let mut bad = e.event.clone();
        bad.version = 2;
        assert!(bad.check_shape().is_err());
    }

    proptest::proptest! {
        #[test]
        fn decode_of_encode_is_identity(
            title in ".{0,40}", name in "[a-z]{0,20}", seq in 1u64..1000, time: u64,
            nonce: [u8; 16], pick in 0usize..6,
        ) {
            let key = SecretKey::from_label("p");
            let member = SecretKey::from_label("q").public();
            let op = match pick {
                0 => Op::Create { title: title.clone(), nonce },
                1 => Op::Add { member, role: Role::Member, name },
                2 => Op::Remove { member },
                3 => Op::Leave,
                4 => Op::SetRole { member, role: Role::Admin },
                _ => Op::SetTitle { title: title.clone() },
            };
            let create = pick == 0;
            let event = Event {
                version: EVENT_VERSION,
                group: if create { EventId::default() } else { EventId([3; 32]) },
                author: key.public(),
                seq: if create { 1 } else { seq },
                prev: (!create && seq > 1).then_some(EventId([4; 32])),
                parents: if create { vec![] } else { vec![ParentRef { author: member, seq: 1, id: EventId([5; 32]) }] },
                time,
                view: ViewHash([6; 32]),
                op,
            };
            proptest::prop_assume!(event.check_shape().is_ok());
            let signed = SignedEvent::sign(event.clone(), &key).unwrap();
            let back = SignedEvent::from_record(&signed.record()).unwrap();
            proptest::prop_assert_eq!(back.event, event);
            proptest::prop_assert_eq!(back.id, signed.id);
        }
    }
}
