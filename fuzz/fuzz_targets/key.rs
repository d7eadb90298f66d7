//! Fuzz target `key`: the checks of `gmm::fuzz::key` (src/fuzz.rs) on
//! arbitrary bytes. Run with `scripts/fuzz.sh [SECONDS] key`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gmm::fuzz::key(data));
