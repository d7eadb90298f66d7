//! `gmm replay`: rebuild a group's projection from its log and compare.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::ReplayJson;
use gmm::repo::replay;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::error::EXIT_DIFFERENCES;
use crate::cli::progress::Progress;
use crate::cli::ui::Ui;

/// Rebuild a group's projection from the log and compare it with the stored one
///
/// The stored projection is kept up to date incrementally on every append and
/// import; replay recomputes it from the group's events alone. Exits 0 when
/// both agree and 1 when they differ (listing how). With --repair, a differing
/// stored projection is replaced by the rebuilt one.
///
/// Example:
///   gmm replay "Book club" || gmm replay "Book club" --repair
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// Replace a differing stored projection with the rebuilt one
    #[arg(long)]
    repair: bool,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = if args.repair {
        ctx.write_store()?
    } else {
        ctx.read_store()?
    };
    let group = crate::cli::context::find_group(ui, &store, &args.group)?;
    let mut progress = Progress::new(ui.quiet, ui.json, None, "events");
    let report = replay::replay_with(&store, &group, &mut |n, total| {
        progress.set_total(total);
        progress.set(n)
    });
    progress.finish();
    let report = report?;
    let view = &report.rebuilt.frontier.view;
    let repaired = args.repair && !report.differences.is_empty();
    if repaired {
        replay::repair(&store, &group, &report)?;
    }
    if ui.json {
        ui.json_line(&ReplayJson {
            group: group.to_hex(),
            events: report.events,
            view_hash: view.hash().to_hex(),
            matches: report.differences.is_empty(),
            differences: report.differences.clone(),
            repaired,
        })?;
    } else if report.differences.is_empty() {
        ui.line(&format!(
            "projection matches: {} events replayed, view hash {}",
            report.events,
            view.hash()
        ))?;
    } else {
        for difference in &report.differences {
            ui.line(&format!("differs: {difference}"))?;
        }
        if repaired {
            ui.status("replaced the stored projection with the rebuilt one");
        }
    }
    Ok(if report.differences.is_empty() {
        0
    } else {
        EXIT_DIFFERENCES
    })
}
