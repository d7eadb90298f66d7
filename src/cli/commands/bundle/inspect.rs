//! `gmm bundle inspect`: a bundle's header, heads, counts and authors.

use std::path::PathBuf;

use super::read;
use super::scan_json;
use crate::cli::error::CommandError;
use crate::cli::error::EXIT_MALFORMED;
use crate::cli::ui::Ui;

/// Show a bundle's header, heads, counts and authors
///
/// Needs no store. Exits 65 when the bundle is damaged.
///
/// Example:
///   gmm bundle inspect club.gmm --json | jq .authors
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The bundle (`-` for standard input)
    file: PathBuf,
}

pub fn run(ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let scan = read(&args.file)?;
    if ui.json {
        ui.json_line(&scan_json(&scan))?;
        return Ok(0);
    }
    let h = &scan.header;
    let ops: Vec<String> = scan.ops.iter().map(|(op, n)| format!("{op} {n}")).collect();
    let lines = [
        format!("kind:          {}", h.kind.as_str()),
        format!("group:         {}", h.group),
        format!("events:        {} ({})", h.event_count, ops.join(", ")),
        format!("sender view:   {}", h.view_hash),
        format!("heads:         {}", h.heads.len()),
    ];
    for line in lines {
        ui.line(&line)?;
    }
    for head in &h.heads {
        ui.line(&format!(
            "  {}  {}#{}",
            head.id,
            head.author.short(),
            head.seq
        ))?;
    }
    ui.line(&format!("prerequisites: {}", h.prerequisites.len()))?;
    for p in &h.prerequisites {
        ui.line(&format!("  {}  {}#{}", p.id, p.author.short(), p.seq))?;
    }
    ui.line(&format!("wants:         {}", h.want.len()))?;
    ui.line(&format!("authors:       {}", scan.authors.len()))?;
    for (author, n) in &scan.authors {
        ui.line(&format!("  {}  {n} event(s)", author.short()))?;
    }
    if let Some(trailer) = &scan.trailer {
        ui.line(&format!(
            "digest:        {} (verified)",
            hex::encode(trailer.digest)
        ))?;
        if let Some(signer) = trailer.signer {
            ui.line(&format!("signed by:     {signer} (verified)"))?;
        }
    }
    for problem in &scan.problems {
        ui.line(&format!("problem:       {problem}"))?;
    }
    Ok(if scan.problems.is_empty() {
        0
    } else {
        EXIT_MALFORMED
    })
}
