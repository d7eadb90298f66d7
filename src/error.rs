//! The library's error type: every failure a command can meet, typed, so the
//! binary maps each to one message, hints and an exit code in one place
//! (`src/cli/error.rs`). Variants say what went wrong in the spec's words;
//! none carries a pre-chosen exit code.

use std::path::PathBuf;

use crate::bundle::BundleError;
use crate::model::event::EventError;
use crate::model::keys::KeyError;
use crate::rules::view::Unauthorized;
use crate::store::StoreError;

/// A candidate shown when a name or prefix matches more than one thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub label: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("no group matches `{query}`")]
    UnknownGroup {
        query: String,
        /// The closest titles, for a "did you mean".
        suggestions: Vec<String>,
    },
    #[error("`{query}` matches {} groups", matches.len())]
    AmbiguousGroup {
        query: String,
        matches: Vec<Candidate>,
    },
    #[error("no member of {group} matches `{query}`")]
    UnknownMember {
        query: String,
        group: String,
        /// The closest names, for a "did you mean".
        suggestions: Vec<String>,
    },
    #[error("`{query}` matches {} keys", matches.len())]
    AmbiguousMember {
        query: String,
        matches: Vec<Candidate>,
    },
    #[error("no event of this group matches `{query}`")]
    UnknownEvent { query: String },
    #[error("`{query}` matches {} events", matches.len())]
    AmbiguousEvent {
        query: String,
        matches: Vec<Candidate>,
    },
    /// A key or id was expected, and `query` is neither a full one nor a
    /// long enough hex prefix (nor, for members, a name).
    #[error("`{query}` is not {what}")]
    NotAnIdOrPrefix { query: String, what: &'static str },
    #[error("event {event} is not in this group")]
    EventNotInGroup { event: String },
    #[error("not allowed: {0}")]
    Unauthorized(#[from] Unauthorized),
    /// A local op that would change nothing (adding a current member,
    /// removing a non-member, setting the title it has…).
    #[error("{0}")]
    NoChange(String),
    /// A local op's arguments break the event's shape rules (a title or name
    /// too long, a weak member key): a usage error, not malformed input.
    #[error("{0}")]
    BadArgument(String),
    /// An empty or blank name where a group, member or event was expected
    /// (often an unset shell variable): never matched against anything.
    #[error("the {what} argument is empty")]
    BlankArgument { what: &'static str },
    /// A local op that would leave a group unmanageable (no owner, or no one
    /// able to add or remove): refused unless forced.
    #[error("{0}")]
    Unmanageable(String),
    /// `import --from KEY`: the bundle is not signed by the pinned key.
    #[error("{file} is not signed by {expected} ({found})")]
    NotSignedBy {
        file: String,
        expected: String,
        /// Who did sign it, in words ("unsigned" when nobody did).
        found: String,
    },
    #[error("a store already exists at {path} with another identity ({existing})")]
    OtherIdentity { path: PathBuf, existing: String },
    #[error("{path} holds key {found}, but the store's identity is {expected}")]
    IdentityMismatch {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("the peer's store does not hold group {group}")]
    PeerLacksGroup { group: String },
    #[error("the bundle is for group {found}, not {expected}")]
    BundleForOtherGroup { found: String, expected: String },
    /// `prove --verdict` on an event the rules found effective: there is no
    /// verdict to prove.
    #[error("event {event} is effective: there is no verdict to prove")]
    EffectiveEvent { event: String },
    /// `prove --at` on an event whose `view` field is not the view its past
    /// gives: what its author committed to cannot be shown.
    #[error("event {event} commits to view {says}, but its past gives {gives}: its author's view cannot be shown")]
    ViewMismatch {
        event: String,
        says: String,
        gives: String,
    },
    /// A broken invariant inside gmm: a bug, reported instead of a panic.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
