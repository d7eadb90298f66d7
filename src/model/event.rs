//! Events: the signed record of one group membership modification (SPEC §2).
//!
//! The unsigned content of an event, its ops and roles, and the shape rules
//! that depend on the event alone. Encoding, ids and signatures are in
//! [`crate::model::signed`].

use std::fmt;

use serde::Deserialize;
use serde::Serialize;

pub use crate::model::ids::EventId;
pub use crate::model::ids::GroupId;
pub use crate::model::ids::PublicKey;
pub use crate::model::ids::ViewHash;
use crate::model::verify;

/// Format version written in every event.
pub const EVENT_VERSION: u8 = 3;
/// SPEC §2: at most 64 parents.
pub const MAX_PARENTS: usize = 64;
/// Longest group title, in bytes of UTF-8.
pub const MAX_TITLE_BYTES: usize = 256;
/// Longest member name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 64;

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
    /// A member (by their identity key) links a device key: events the device
    /// signs act for the member (`docs/projection.md`, devices).
    LinkDevice {
        device: PublicKey,
        name: String,
    },
    /// A member unlinks one of their devices.
    UnlinkDevice {
        device: PublicKey,
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
            Op::LinkDevice { .. } => "link",
            Op::UnlinkDevice { .. } => "unlink",
        }
    }

    /// The device key this op links or unlinks, if it is a device op.
    pub fn device(&self) -> Option<PublicKey> {
        match self {
            Op::LinkDevice { device, .. } | Op::UnlinkDevice { device } => Some(*device),
            Op::Create { .. }
            | Op::Add { .. }
            | Op::Remove { .. }
            | Op::Leave
            | Op::SetRole { .. }
            | Op::SetTitle { .. } => None,
        }
    }

    /// The member whose membership or role this op is about, if any;
    /// `acting` is the member the event acts for (its author, or the member
    /// behind the device that signed it).
    pub fn target(&self, acting: PublicKey) -> Option<PublicKey> {
        match self {
            Op::Create { .. } | Op::Leave => Some(acting),
            Op::Add { member, .. } | Op::Remove { member } | Op::SetRole { member, .. } => {
                Some(*member)
            }
            Op::SetTitle { .. } | Op::LinkDevice { .. } | Op::UnlinkDevice { .. } => None,
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
            Op::SetRole { role, .. } => {
                if *role == Role::Owner {
                    return bad("SetRole cannot grant owner");
                }
            }
            Op::LinkDevice { device, name } => {
                check_name(name)?;
                check_member_key(device)?;
                if *device == self.author {
                    return bad("a key cannot link itself as a device");
                }
            }
            Op::Remove { .. } | Op::Leave | Op::UnlinkDevice { .. } => {}
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
    if verify::is_usable_public_key(&key.0) {
        Ok(())
    } else {
        Err(EventError::Malformed(format!(
            "member key {} is not a usable ed25519 key (weak or not a curve point)",
            key.short()
        )))
    }
}
