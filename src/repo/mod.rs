//! The write path and the store-backed queries above it. One [`transaction`]
//! owns accepting, pending, quarantine, projection and commit; [`append`]
//! authors the store identity's own events and [`ingest`] classifies imported
//! ones (SPEC §4), both through it. [`replay`], [`resolve`] and [`identity`]
//! read and set up a store.

pub mod append;
pub mod heads;
pub mod identity;
pub mod ingest;
pub mod pending;
pub mod replay;
pub mod resolve;
pub mod sign_ahead;
pub mod stale;
pub mod transaction;
pub mod why;
