//! Fuzz target `proof`: the checks of `gmm::fuzz::proof` (src/fuzz.rs) on
//! arbitrary bytes. Run with `scripts/fuzz.sh [SECONDS] proof`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gmm::fuzz::proof(data));
