//! `gmm bundle`: look at a bundle without importing it; one file per
//! subcommand, and the reading they share.

mod inspect;
mod verify;

use gmm::json::BundleJson;
use gmm::json::ParentJson;
use std::path::Path;

use gmm::exchange;
use gmm::exchange::Scan;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::files::open_input;
use crate::cli::ui::Ui;

#[derive(clap::Subcommand, Debug)]
pub enum BundleCommand {
    Verify(verify::Args),
    Inspect(inspect::Args),
}

pub fn run(ctx: &Context, ui: &mut Ui, command: BundleCommand) -> Result<u8, CommandError> {
    match command {
        BundleCommand::Verify(args) => verify::run(ctx, ui, args),
        BundleCommand::Inspect(args) => inspect::run(ui, args),
    }
}

/// Reads the whole bundle; a damaged one is an error (exit 65).
pub(super) fn read(path: &Path) -> Result<Scan, CommandError> {
    let input = open_input(path)?;
    exchange::scan(input).map_err(|e| {
        let mut e = CommandError::from(e);
        e.message = format!("{}: {}", path.display(), e.message);
        e
    })
}

pub(super) fn scan_json(scan: &Scan) -> BundleJson {
    let h = &scan.header;
    BundleJson {
        group: h.group.to_hex(),
        kind: h.kind.as_str().into(),
        heads: h.heads.iter().map(ParentJson::from).collect(),
        view_hash: h.view_hash.to_hex(),
        want: h.want.iter().map(|w| w.to_hex()).collect(),
        prerequisites: h.prerequisites.iter().map(ParentJson::from).collect(),
        event_count: h.event_count,
        created_ms: h.created,
        ops: scan.ops.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        authors: scan.authors.iter().map(|(k, n)| (k.to_hex(), *n)).collect(),
        digest: scan.trailer.as_ref().map(|t| hex::encode(t.digest)),
        signed_by: scan
            .trailer
            .as_ref()
            .and_then(|t| t.signer)
            .map(|k| k.to_hex()),
        problems: scan.problems.clone(),
        applies_cleanly: None,
        missing: None,
    }
}
