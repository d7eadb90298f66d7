//! Fuzz target `bundle_jsonl`: the checks of `gmm::fuzz::bundle_jsonl` (src/fuzz.rs) on
//! arbitrary bytes. Run with `scripts/fuzz.sh [SECONDS] bundle_jsonl`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gmm::fuzz::bundle_jsonl(data));
