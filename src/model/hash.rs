//! Domain-separated blake3 hashing (SPEC §2): one hard-coded `derive_key`
//! context string per use, so a hash made for one purpose can never be taken
//! for another. The contexts are part of the format: changing one changes every
//! id, and `fixtures/golden-events.txt` would catch it.

/// Context for event ids: `id = derive_key(EVENT_ID, encoded event)`.
pub const EVENT_ID: &str = "gmm 2026-11-21 event id v1";
/// Context for the 32-byte message an author signs: `derive_key(SIGNING_MESSAGE, id)`.
pub const SIGNING_MESSAGE: &str = "gmm 2026-11-21 event signing message v1";
/// Context for view hashes (SPEC §3 rule 8): over group, title and the
/// member tree's root.
pub const VIEW_HASH: &str = "gmm 2026-11-21 view hash v2";
/// Context for the key of the member tree's bucket digests
/// (`rules::member_tree`): `keyed_hash(derive_key(VIEW_BUCKET, ""), bucket)`.
pub const VIEW_BUCKET: &str = "gmm 2026-11-21 view bucket v1";
/// Context for the key of the member tree's node digests:
/// `keyed_hash(derive_key(VIEW_NODE, ""), left ‖ right)`.
pub const VIEW_NODE: &str = "gmm 2026-11-21 view node v1";
/// Context for the entries of the store's local append log (SPEC §5).
pub const LOG_ENTRY: &str = "gmm 2026-11-21 local log entry v1";
/// Context for bundle trailers (SPEC §6).
pub const BUNDLE_DIGEST: &str = "gmm 2026-11-21 bundle digest v1";
/// Context for the message a sender signs in a bundle trailer:
/// `derive_key(BUNDLE_SIGNATURE, digest)`.
pub const BUNDLE_SIGNATURE: &str = "gmm 2026-11-21 bundle signature v1";
/// Context for the key a quarantined record is stored under:
/// `derive_key(QUARANTINE_KEY, raw bytes)`, so the same bytes are kept once.
pub const QUARANTINE_KEY: &str = "gmm 2026-11-21 quarantine key v1";
/// Context for the checksum closing a proof file's payload
/// (`docs/proof-format.md`): it catches damage, not forgery.
pub const PROOF_CHECKSUM: &str = "gmm 2026-11-21 proof checksum v2";

/// Every context above, for the distinct-contexts test and the docs.
pub const ALL_CONTEXTS: [&str; 10] = [
    EVENT_ID,
    SIGNING_MESSAGE,
    VIEW_HASH,
    VIEW_BUCKET,
    VIEW_NODE,
    LOG_ENTRY,
    BUNDLE_DIGEST,
    BUNDLE_SIGNATURE,
    QUARANTINE_KEY,
    PROOF_CHECKSUM,
];

/// The key of a quarantined record (`QUARANTINE_KEY` over its raw bytes).
pub fn quarantine_key(raw: &[u8]) -> [u8; 32] {
    derive(QUARANTINE_KEY, raw)
}

/// A 32-byte blake3 `derive_key` output of `data` under `context`.
pub fn derive(context: &str, data: &[u8]) -> [u8; 32] {
    blake3::derive_key(context, data)
}

/// Like [`derive`] over several slices, hashed as their concatenation, without
/// copying them into one buffer.
pub fn derive_parts(context: &str, parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_derive_key(context);
    for part in parts {
        hasher.update(part);
    }
    *hasher.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_are_distinct() {
        let all = ALL_CONTEXTS;
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
                assert_ne!(derive(a, b"x"), derive(b, b"x"));
            }
        }
    }

    #[test]
    fn parts_equal_concatenation() {
        assert_eq!(
            derive_parts(LOG_ENTRY, &[b"ab", b"", b"cd"]),
            derive(LOG_ENTRY, b"abcd")
        );
    }

    /// The official BLAKE3 vectors (fixtures/crypto/blake3): the first 32 bytes of
    /// each `derive_key` output must match what [`derive`] and [`derive_parts`] give.
    #[test]
    fn official_blake3_derive_key_vectors() {
        let path = crate::model::repo_file("fixtures/crypto/blake3/test_vectors.json");
        let text = std::fs::read_to_string(path).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let context = doc["context_string"].as_str().unwrap();
        let cases = doc["cases"].as_array().unwrap();
        assert!(cases.len() > 30);
        for case in cases {
            let len = case["input_len"].as_u64().unwrap() as usize;
            let input: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let expected = &case["derive_key"].as_str().unwrap()[..64];
            assert_eq!(hex::encode(derive(context, &input)), expected, "len {len}");
            let (a, b) = input.split_at(len / 2);
            assert_eq!(hex::encode(derive_parts(context, &[a, b])), expected);
            let plain = &case["hash"].as_str().unwrap()[..64];
            assert_eq!(blake3::hash(&input).to_hex().as_str(), plain);
        }
    }
}
