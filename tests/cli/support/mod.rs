//! Test support: the scenario DSL (scripted groups of several identities,
//! in-memory groups) and labelled test keys. Dev-only: not part of the library.

#![allow(dead_code)]

pub mod cli_scenario;
pub mod scenario;
pub mod world;

pub use scenario::label_key;

/// The checkout these tests run in: Cargo's `CARGO_MANIFEST_DIR` when it
/// runs them, else the one they were compiled in. A test binary built in
/// another clone that shares the cargo target folder (as `.ci/run` does) is
/// still "fresh" to Cargo in this one when no file here is newer, and the
/// path compiled into it names that other clone: the drift check of man
/// pages once compared that clone's files, and passed with this one's stale.
pub fn repo() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
