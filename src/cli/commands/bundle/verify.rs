//! `gmm bundle verify`: would a bundle apply cleanly here?

use std::path::PathBuf;

use gmm::exchange;

use super::read;
use super::scan_json;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::error::EXIT_DIFFERENCES;
use crate::cli::ui::Ui;

/// Check that a bundle would apply cleanly to this store
///
/// Verifies every record, the trailer's digest and signature, and that every
/// event the bundle cites is in the bundle or in this store (its
/// prerequisites). Lists what is missing. Writes nothing. Exits 0 when the
/// bundle applies cleanly, 1 when prerequisites are missing or records would
/// be refused, 65 when the bundle itself is damaged.
///
/// Example:
///   gmm bundle verify club.gmm && gmm import club.gmm
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The bundle (`-` for standard input)
    file: PathBuf,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let scan = read(&args.file)?;
    let missing = exchange::missing_here(&store, &scan)?;
    let clean = missing.is_empty() && scan.problems.is_empty();
    if ui.json {
        let mut value = scan_json(&scan);
        value.applies_cleanly = Some(clean);
        value.missing = Some(missing.iter().map(|m| m.to_hex()).collect());
        ui.json_line(&value)?;
    } else {
        for problem in &scan.problems {
            ui.line(&format!("would refuse: {problem}"))?;
        }
        for id in &missing {
            ui.line(&format!("missing prerequisite: {id}"))?;
        }
        if clean {
            ui.line(&format!(
                "{}: {} event(s), applies cleanly to this store",
                args.file.display(),
                scan.events
            ))?;
        } else {
            ui.line(&format!(
                "{}: does not apply cleanly ({} missing prerequisite(s), {} record(s) refused)",
                args.file.display(),
                missing.len(),
                scan.problems.len()
            ))?;
        }
    }
    Ok(if clean { 0 } else { EXIT_DIFFERENCES })
}
