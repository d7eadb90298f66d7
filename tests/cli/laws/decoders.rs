//! No decoder panics on bytes gmm did not write (issue 15.2). The checks are
//! the fuzz targets' own (`gmm::fuzz`), run here on random bytes, on real
//! encodings with random damage, and on every input in `fuzz/regressions/`:
//! each crash a fuzzer ever found, plus hand-made hostile framings.

use gmm::bundle::jsonl;
use gmm::bundle::BundleHeader;
use gmm::bundle::BundleKind;
use gmm::bundle::BundleWriter;
use gmm::model::event::ViewHash;
use gmm::model::keys;
use proptest::prelude::*;

use crate::support::scenario::Scenario;

/// Real encodings to damage, by fuzz target: records, both bundle formats,
/// key files, proof files.
fn real_inputs(target: &str) -> Vec<Vec<u8>> {
    let scenario = Scenario::run(
        "A: create \"B\"\nA: add B admin\nsync all\nB: title \"x\"\nA: remove B\nB: leave",
    )
    .unwrap();
    let header = BundleHeader {
        group: scenario.group().unwrap(),
        kind: BundleKind::Export,
        heads: vec![scenario.events[2].as_parent()],
        view_hash: ViewHash([9; 32]),
        want: Vec::new(),
        prerequisites: Vec::new(),
        event_count: scenario.events.len() as u64,
        created: 7,
    };
    match target {
        "event" => scenario.events.iter().map(|e| e.record()).collect(),
        "bundle_binary" => {
            let mut writer = BundleWriter::new(Vec::new(), &header).unwrap();
            for e in &scenario.events {
                writer.record(&e.record()).unwrap();
            }
            let signer = crate::support::label_key("sender");
            vec![writer.finish(Some(&signer)).unwrap().0]
        }
        "bundle_jsonl" => {
            let mut out = Vec::new();
            jsonl::write_header(&mut out, &header).unwrap();
            for e in &scenario.events {
                jsonl::write_event(&mut out, e).unwrap();
            }
            vec![out]
        }
        "key" => {
            let key = crate::support::label_key("fuzz");
            vec![
                key.to_file_text().into_bytes(),
                keys::public_file_text(&key.public()).into_bytes(),
            ]
        }
        "proof" => {
            let dir = crate::support::repo().join("fixtures/proofs");
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            files.iter().map(|p| std::fs::read(p).unwrap()).collect()
        }
        other => panic!("no fuzz target {other}"),
    }
}

fn check(target: &str) -> fn(&[u8]) {
    gmm::fuzz::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap()
        .1
}

#[test]
fn every_fuzz_target_has_seeds_and_a_regression_folder() {
    let root = crate::support::repo().join("fuzz");
    for (name, _) in gmm::fuzz::TARGETS {
        assert!(
            root.join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "{name}"
        );
        assert!(
            root.join("regressions").join(name).is_dir(),
            "fuzz/regressions/{name}"
        );
        assert!(!real_inputs(name).is_empty(), "{name}");
    }
}

/// Every input a fuzzer found (and every hand-made hostile framing) still
/// decodes without a panic.
#[test]
fn every_regression_input_is_handled() {
    let root = crate::support::repo().join("fuzz/regressions");
    let mut count = 0;
    for (name, run) in gmm::fuzz::TARGETS {
        for entry in std::fs::read_dir(root.join(name)).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == "README.md") {
                continue;
            }
            run(&std::fs::read(&path).unwrap());
            count += 1;
        }
    }
    assert!(count > 0, "fuzz/regressions holds no input");
}

/// Real inputs, undamaged, pass the round-trip checks.
#[test]
fn real_inputs_pass_their_checks() {
    for (name, run) in gmm::fuzz::TARGETS {
        for input in real_inputs(name) {
            run(&input);
        }
    }
}

fn damaged() -> impl Strategy<Value = (usize, usize, Vec<(usize, u8)>, usize)> {
    (
        0usize..5,
        0usize..16,
        proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        any::<usize>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Random bytes never panic a decoder.
    #[test]
    fn random_bytes_never_panic(target in 0usize..5, bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        (gmm::fuzz::TARGETS[target].1)(&bytes);
    }

    /// A real encoding with bytes overwritten and a random cut never panics a
    /// decoder: the inputs a fuzzer starts from, damaged as disks and
    /// attackers damage them.
    #[test]
    fn damaged_real_inputs_never_panic((target, pick, writes, cut) in damaged()) {
        let (name, _) = gmm::fuzz::TARGETS[target];
        let inputs = real_inputs(name);
        let mut bytes = inputs[pick % inputs.len()].clone();
        for (at, value) in writes {
            let len = bytes.len();
            bytes[at % len] = value;
        }
        let len = bytes.len();
        bytes.truncate(len - cut % (len / 8 + 1));
        check(name)(&bytes);
    }
}
