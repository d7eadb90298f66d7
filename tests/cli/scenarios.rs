//! The race scenarios (SPEC §3 S1–S13 and more) end to end: every peer a store, every sync a bundle.

use crate::support::cli_scenario::*;

#[test]
fn seed_scenarios_run_end_to_end_through_bundles() {
    for fixture in [
        "s01-threema-leave-vs-add.txt",
        "s02-deltachat-concurrent-adds.txt",
        "s03-deltachat-correction.txt",
        "s04-simplex-equivocation.txt",
        "s05-missing-parent.txt",
        "s06-matrix-outdated-list.txt",
        "s07-tox-split-titles.txt",
    ] {
        run_cli_scenario(fixture);
    }
}

#[test]
fn race_scenarios_run_end_to_end_through_bundles() {
    for fixture in [
        "s08-matrix-ban-vs-power.txt",
        "s09-p2panda-demote-vs-add.txt",
        "s10-mutual-removal.txt",
        "s11-p2panda-concurrent-readd.txt",
        "s12-deltachat-stale-backup.txt",
        "s13-chatmail-offline-add.txt",
        "x01-removal-cascade.txt",
        "x02-three-way-cycle.txt",
        "x03-removal-chain.txt",
    ] {
        run_cli_scenario(fixture);
    }
}

/// The device scenarios through real stores and bundles, each device its own
/// store: D1-D5 as users run them (D6's events are ones gmm refuses to sign,
/// so it is delivered as crafted bundles in `devices.rs`).
#[test]
fn device_scenarios_run_end_to_end_through_bundles() {
    for fixture in [
        "d01-two-devices-add-concurrently.txt",
        "d02-unlink-vs-phone-add.txt",
        "d03-removal-vs-phone-add.txt",
        "d04-stale-sender-device-link.txt",
        "d05-device-equivocation.txt",
    ] {
        run_cli_scenario(fixture);
    }
}
