//! The bundle format's laws: what is written reads back identically, and any
//! byte flipped anywhere in a bundle is caught.

use crate::support::scenario::Scenario;
use gmm::bundle::*;
use gmm::exchange;
use gmm::model::event::EventId;
use gmm::model::event::ViewHash;

fn sample(signed: bool) -> (Vec<u8>, Vec<Vec<u8>>) {
    let scenario =
        Scenario::run("A: create \"B\"\nA: add B admin\nsync all\nB: title \"x\"").unwrap();
    let records: Vec<Vec<u8>> = scenario.events.iter().map(|e| e.record()).collect();
    let header = BundleHeader {
        group: scenario.group().unwrap(),
        kind: BundleKind::Export,
        heads: vec![scenario.events[2].as_parent()],
        view_hash: ViewHash([9; 32]),
        want: vec![EventId([1; 32])],
        prerequisites: Vec::new(),
        event_count: records.len() as u64,
        created: 7,
    };
    let mut writer = BundleWriter::new(Vec::new(), &header).unwrap();
    for r in &records {
        writer.record(r).unwrap();
    }
    let signer = crate::support::label_key("sender");
    let (bytes, _) = writer.finish(signed.then_some(&signer)).unwrap();
    (bytes, records)
}

#[test]
fn round_trip() {
    for signed in [false, true] {
        let (bytes, records) = sample(signed);
        let mut reader = BundleReader::open(&bytes[..]).unwrap();
        assert_eq!(reader.header().created, 7);
        let mut back = Vec::new();
        while let Some(r) = reader.next_record().unwrap() {
            back.push(r);
        }
        assert_eq!(back, records);
        let trailer = reader.finish().unwrap();
        assert_eq!(trailer.signer.is_some(), signed);
    }
}

/// Every single-bit flip at every position, in signed and unsigned bundles,
/// makes reading fail or a record refused: nothing passes unnoticed.
#[test]
fn every_flipped_byte_is_caught() {
    for signed in [false, true] {
        let (bytes, _) = sample(signed);
        for at in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = bytes.clone();
                bad[at] ^= bit;
                match exchange::scan(&bad[..]) {
                    Err(_) => {}
                    Ok(scan) => assert!(
                        !scan.problems.is_empty(),
                        "flip of bit {bit:#x} at byte {at} (signed: {signed}) went unnoticed"
                    ),
                }
            }
        }
    }
}

#[test]
fn truncation_anywhere_is_an_error() {
    let (bytes, _) = sample(true);
    for cut in 0..bytes.len() {
        assert!(exchange::scan(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        exchange::scan(&longer[..]),
        Err(gmm::Error::Bundle(BundleError::TrailingBytes(1)))
    ));
}
