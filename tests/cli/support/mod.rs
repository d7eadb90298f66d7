//! Test support: the scenario DSL (scripted groups of several identities,
//! in-memory groups) and labelled test keys. Dev-only: not part of the library.

#![allow(dead_code)]

pub mod scenario;

pub use scenario::label_key;
