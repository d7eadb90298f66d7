//! Fuzz target `event`: the checks of `gmm::fuzz::event` (src/fuzz.rs) on
//! arbitrary bytes. Run with `scripts/fuzz.sh [SECONDS] event`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gmm::fuzz::event(data));
