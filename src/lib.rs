//! gmm: a signed, hash-linked, append-only log of group membership events.
//!
//! This crate is the domain; it never prints and never exits. The binary in
//! `src/main.rs` parses the command line, calls these functions and prints.
//!
//! - [`audit`]: forensic integrity findings and fork proofs;
//! - [`bundle`]: the binary and JSON Lines bundle formats (SPEC §6);
//! - [`codec`]: the one fixed bincode configuration (SPEC §2);
//! - [`hash`]: domain-separated blake3;
//! - [`event`]: events, ids, signed records;
//! - [`exchange`]: exporting and importing bundles;
//! - [`explain`]: why a member stands where it does (`why`);
//! - [`json`]: the JSON values of the output contract;
//! - [`keys`]: identities, key files, `verify_strict`;
//! - [`view`]: the member view and the authority rule (SPEC §3);
//! - [`peer`]: diff and correction against a peer;
//! - [`projection`]: the convergent projection of concurrent events (SPEC §3);
//! - [`store`]: the RocksDB store and its hash-chained local log (SPEC §5);
//! - [`identity`]: the store's own key pair;
//! - [`sync`]: what one side has that another lacks;
//! - [`transaction`]: one write batch of accepted events and projections;
//! - [`append`]: signing and appending the store identity's own events;
//! - [`scenario`]: scripted groups of several identities, for fixtures and tests;
//! - [`ingest`]: importing other peers' events (SPEC §4);
//! - [`replay`]: rebuilding a projection from the log, and views of the past;
//! - [`resolve`]: naming groups and members on the command line;
//! - [`paths`]: where the store lives.
#![forbid(unsafe_code)]

pub mod append;
pub mod audit;
pub mod bundle;
pub mod codec;
pub mod error;
pub mod event;
pub mod exchange;
pub mod explain;
pub mod hash;
pub mod identity;
pub mod ingest;
pub mod json;
pub mod keys;
pub mod paths;
pub mod peer;
pub mod projection;
pub mod replay;
pub mod resolve;
pub mod scenario;
pub mod store;
pub mod sync;
pub mod transaction;
pub mod view;

pub use error::Error;
pub use error::Result;
