//! Library laws exercised through the public API and real stores: the
//! projection in every delivery order, import classification, bundle format
//! laws, fork proofs.

mod bundle;
mod decoders;
mod event_format;
mod ingest;
mod layering;
mod projection;
mod proof;
