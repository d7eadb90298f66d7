//! Fuzz target `bundle_binary`: the checks of `gmm::fuzz::bundle_binary` (src/fuzz.rs) on
//! arbitrary bytes. Run with `scripts/fuzz.sh [SECONDS] bundle_binary`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gmm::fuzz::bundle_binary(data));
