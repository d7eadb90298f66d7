//! The library's error type: every failure a command can meet, typed, so the
//! binary can map each to one message, hints and an exit code in one place.

use crate::bundle::BundleError;
use crate::event::EventError;
use crate::keys::KeyError;
use crate::store::StoreError;
use crate::view::Unauthorized;

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
    UnknownGroup { query: String },
    #[error("`{query}` matches {} groups", matches.len())]
    AmbiguousGroup {
        query: String,
        matches: Vec<Candidate>,
    },
    #[error("no member of {group} matches `{query}`")]
    UnknownMember { query: String, group: String },
    #[error("`{query}` matches {} keys", matches.len())]
    AmbiguousMember {
        query: String,
        matches: Vec<Candidate>,
    },
    #[error("not allowed: {0}")]
    Unauthorized(#[from] Unauthorized),
    /// The request is well-formed but makes no sense here (adding a current
    /// member, removing a non-member, a too-short prefix…).
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
