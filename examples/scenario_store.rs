//! Builds a store from a scenario script, for looking at gmm's output by hand:
//! `cargo run --example scenario_store -- DIR fixtures/scenarios/s08-matrix-ban-vs-power.txt`
//! then `gmm --dir DIR log S8`, `gmm --dir DIR why S8 B`.

#[allow(dead_code)]
#[path = "../tests/cli/support/scenario.rs"]
mod scenario;

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(fixture)) = (args.next(), args.next()) else {
        return Err("usage: scenario_store DIR SCENARIO-FILE".into());
    };
    let dir = PathBuf::from(dir);
    gmm::repo::identity::init(&dir, None, None)?;
    let scenario = scenario::Scenario::run(&std::fs::read_to_string(fixture)?)?;
    let store = gmm::store::Store::open(&dir)?;
    let mut ingest = gmm::repo::ingest::Ingest::new(&store)?;
    for event in scenario.delivered() {
        ingest.offer_record(&event.record())?;
    }
    let (summary, _) = ingest.commit()?;
    eprintln!("imported: {:?}", summary.counts);
    Ok(())
}
