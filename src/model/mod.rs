//! The model: what gmm's bytes mean, with no store and no I/O beyond key files.
//! Ids and keys as types, events and ops, signed records, the one codec and
//! every hash context. Everything above builds on these contracts; nothing
//! here imports anything above it.

pub mod codec;
pub mod event;
pub mod hash;
pub mod ids;
pub mod keys;
pub mod prefix_runs;
pub mod signed;
pub mod time;
pub mod verify;
