//! Test support: the scenario DSL (scripted groups of several identities,
//! in-memory groups) and labelled test keys. Dev-only: not part of the library.

#![allow(dead_code)]

pub mod cli_scenario;
pub mod scenario;
pub mod world;

pub use scenario::label_key;
