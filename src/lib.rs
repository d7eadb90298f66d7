//! gmm: a signed, hash-linked, append-only log of group membership events.
//!
//! This crate is the domain; it never prints and never exits. The binary in
//! `src/main.rs` parses the command line, calls these functions and prints.
//! Modules are layered, lowest first (`docs/architecture.md`; a test fails
//! when a lower layer imports a higher one):
//!
//! 1. [`model`]: ids and keys, events and ops, signed records, the codec, hashes;
//! 2. [`rules`]: the view, authority, the projection and `why` (pure, SPEC §3);
//! 3. [`bundle`]: the binary and JSON Lines bundle formats (SPEC §6), no store;
//! 4. [`store`]: the only module that names RocksDB (SPEC §5);
//! 5. [`error`]: the library's error type;
//! 6. [`repo`]: the write path (one transaction), local authoring, import
//!    classification (SPEC §4), replay, name resolution;
//! 7. [`json`]: the JSON output contract;
//! 8. [`walk`]: what one side holds that another lacks, walking back from heads;
//! 9. [`exchange`]: exporting and importing bundles;
//! 10. [`peer`]: a peer as store, bundle or heads; diff and correction;
//! 11. [`audit`]: forensic findings and fork proofs.
#![forbid(unsafe_code)]

pub mod audit;
pub mod bundle;
pub mod crafted;
pub mod error;
pub mod exchange;
pub mod fuzz;
pub mod json;
pub mod model;
pub mod peer;
pub mod repo;
pub mod rules;
pub mod store;
pub mod walk;

pub use error::Error;
pub use error::Result;
