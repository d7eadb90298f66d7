//! `gmm bundle verify` and `gmm bundle inspect`: look at a bundle without
//! importing it.

use std::path::Path;
use std::path::PathBuf;

use gmm::exchange;
use gmm::exchange::Scan;
use serde_json::json;
use serde_json::Value;

use super::context::Context;
use super::error::CommandError;
use super::error::EXIT_DIFFERENCES;
use super::error::EXIT_MALFORMED;
use super::files::open_input;
use super::json;
use super::ui::Ui;

#[derive(clap::Subcommand, Debug)]
pub enum BundleCommand {
    Verify(VerifyArgs),
    Inspect(InspectArgs),
}

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
pub struct VerifyArgs {
    /// The bundle (`-` for standard input)
    file: PathBuf,
}

/// Show a bundle's header, heads, counts and authors
///
/// Needs no store. Exits 65 when the bundle is damaged.
///
/// Example:
///   gmm bundle inspect club.gmm --json | jq .authors
#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// The bundle (`-` for standard input)
    file: PathBuf,
}

pub fn run(ctx: &Context, ui: &mut Ui, command: BundleCommand) -> Result<u8, CommandError> {
    match command {
        BundleCommand::Verify(args) => verify(ctx, ui, args),
        BundleCommand::Inspect(args) => inspect(ui, args),
    }
}

/// Reads the whole bundle; a damaged one is an error (exit 65).
fn read(path: &Path) -> Result<Scan, CommandError> {
    let input = open_input(path)?;
    exchange::scan(input).map_err(|e| {
        let mut e = CommandError::from(e);
        e.message = format!("{}: {}", path.display(), e.message);
        e
    })
}

fn scan_json(scan: &Scan) -> Value {
    let h = &scan.header;
    json!({
        "group": h.group.to_hex(),
        "kind": h.kind.as_str(),
        "heads": h.heads.iter().map(json::parent).collect::<Vec<_>>(),
        "view_hash": h.view_hash.to_hex(),
        "want": h.want.iter().map(|w| w.to_hex()).collect::<Vec<_>>(),
        "prerequisites": h.prerequisites.iter().map(json::parent).collect::<Vec<_>>(),
        "event_count": h.event_count,
        "created_ms": h.created,
        "ops": scan.ops,
        "authors": scan.authors.iter().map(|(k, n)| (k.to_hex(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
        "digest": scan.trailer.as_ref().map(|t| hex::encode(t.digest)),
        "signed_by": scan.trailer.as_ref().and_then(|t| t.signer).map(|k| k.to_hex()),
        "problems": scan.problems,
    })
}

fn inspect(ui: &mut Ui, args: InspectArgs) -> Result<u8, CommandError> {
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

fn verify(ctx: &Context, ui: &mut Ui, args: VerifyArgs) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let scan = read(&args.file)?;
    let missing = exchange::missing_here(&store, &scan)?;
    let clean = missing.is_empty() && scan.problems.is_empty();
    if ui.json {
        let mut value = scan_json(&scan);
        value["applies_cleanly"] = json!(clean);
        value["missing"] = json!(missing.iter().map(|m| m.to_hex()).collect::<Vec<_>>());
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
