//! What each fuzz target checks (`fuzz/`, `docs/fuzzing.md`), as plain
//! functions: the fuzz targets call them, and so do the property tests and the
//! regression test that replays every input a fuzzer ever found
//! (`fuzz/regressions/TARGET/`). Each takes bytes gmm did not write and must
//! return, not panic; what decodes must read back to the same value.
//!
//! Not part of gmm's interface: the binary never calls it.

use crate::audit::proof::Proof;
use crate::bundle::source::Item;
use crate::bundle::source::Source;
use crate::bundle::BundleReader;
use crate::model::codec;
use crate::model::keys;
use crate::model::keys::SecretKey;
use crate::model::signed::SignedEvent;

/// One target's check of one input.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name, as `scripts/fuzz.sh` and `fuzz/regressions/` name them.
pub const TARGETS: &[(&str, Check)] = &[
    ("event", event),
    ("bundle_binary", bundle_binary),
    ("bundle_jsonl", bundle_jsonl),
    ("key", key),
    ("proof", proof),
];

/// A signed record as a bundle or a damaged store hands it over. A record
/// that decodes re-encodes to exactly its bytes (the codec is canonical).
pub fn event(data: &[u8]) {
    if let Ok(signed) = SignedEvent::decode_record(data) {
        assert_eq!(
            signed.record(),
            data,
            "a decoded record re-encodes to its bytes"
        );
        let _ = signed.verify_signature();
    }
    // The store's unchecked read path: a damaged store hands it any bytes.
    let _ = SignedEvent::decode_stored(data);
    // The view-hash input a view proof carries.
    let _ = codec::decode_view_listing(data);
}

/// A binary bundle: header, records (each decoded as import would), trailer.
pub fn bundle_binary(data: &[u8]) {
    let Ok(mut reader) = BundleReader::open(data) else {
        return;
    };
    loop {
        match reader.next_record() {
            Ok(Some(record)) => {
                let _ = SignedEvent::from_record(&record);
            }
            Ok(None) => {
                let _ = reader.finish();
                return;
            }
            Err(_) => return,
        }
    }
}

/// Either bundle format through the reader import uses; JSON Lines mostly.
pub fn bundle_jsonl(data: &[u8]) {
    let Ok(mut source) = Source::open(data) else {
        return;
    };
    loop {
        match source.next_item() {
            Ok(Some(Item::Record(record))) => {
                let _ = SignedEvent::from_record(&record);
            }
            Ok(Some(Item::Bad { .. })) => {}
            Ok(None) => {
                let _ = source.finish();
                return;
            }
            Err(_) => return,
        }
    }
}

/// Secret and public key files. A key that decodes writes back the same key.
pub fn key(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(secret) = SecretKey::from_file_text(text) {
        let again = SecretKey::from_file_text(&secret.to_file_text());
        assert_eq!(
            again.map(|k| k.public()),
            Ok(secret.public()),
            "a written secret key reads back"
        );
    }
    if let Ok(public) = keys::public_from_file_text(text) {
        let again = keys::public_from_file_text(&keys::public_file_text(&public));
        assert_eq!(again, Ok(public), "a written public key reads back");
    }
}

/// A proof file, parsed and then checked as `gmm verify-proof` checks it.
pub fn proof(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(proof) = Proof::parse(text) {
        let _ = proof.verify(None);
    }
}
