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

/// A file of the checkout the unit tests run in (fixtures, docs), found by
/// Cargo's `CARGO_MANIFEST_DIR` at run time, else the one they were
/// compiled in: a test binary built in another clone that shares the cargo
/// target folder stays "fresh" here and names that clone
/// (`tests/cli/support/mod.rs`, `repo`).
#[cfg(test)]
pub(crate) fn repo_file(relative: &str) -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join(relative)
}
