//! `gmm sync`: reconcile a group with a peer's store folder, both ways.

use clap_complete::engine::ArgValueCompleter;
use std::path::PathBuf;

use gmm::json::SyncJson;
use gmm::json::SyncSideJson;
use gmm::peer::reconcile;
use gmm::peer::reconcile::Moved;
use gmm::store::Store;

use crate::cli::context::find_group;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::error::EXIT_DIFFERENCES;
use crate::cli::ui::Ui;

/// Reconcile a group with a peer's store, both ways, in one step
///
/// For two stores reachable as folders (a second device's store on a shared
/// disk, say): computes what each lacks, sends each exactly that as a
/// correction bundle (every event verified on import), and compares again.
/// The peer's store is opened for writing, so no other gmm may be using it.
/// A group the peer does not hold yet is copied whole. Prints what moved and
/// the final verdict; exits 0 when both sides end equal, 1 otherwise.
///
/// Examples:
///   gmm sync "Book club" /mnt/phone/gmm
///   gmm sync "Book club" ../bob --dry-run
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// The peer's store folder
    #[arg(value_name = "PEER")]
    peer: PathBuf,
    /// Show what would move, move nothing
    #[arg(long)]
    dry_run: bool,
}

fn side(moved: &Moved) -> SyncSideJson {
    SyncSideJson {
        events: moved.events.len() as u64,
        counts: moved
            .summary
            .as_ref()
            .map(|s| s.counts.iter().map(|(k, n)| (k.to_string(), *n)).collect()),
    }
}

fn sentence(verb: &str, way: &str, moved: &Moved, dry_run: bool) -> String {
    let n = moved.events.len();
    let counts = moved.summary.as_ref().map(|s| {
        let counts: Vec<String> = s.counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        format!(" ({})", counts.join(", "))
    });
    match (n, dry_run) {
        (0, _) => format!("nothing to {verb} {way} the peer"),
        (_, true) => format!("would {verb} {n} event(s) {way} the peer"),
        (_, false) => format!(
            "{verb} {n} event(s) {way} the peer{}",
            counts.unwrap_or_default()
        ),
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let ours = ctx.write_store()?;
    if !Store::exists(&args.peer) {
        return Err(CommandError::missing(format!(
            "{} is not a gmm store",
            args.peer.display()
        ))
        .hint("sync needs the peer's store folder; for a bundle, use `gmm import` and `gmm correct`"));
    }
    let theirs = Store::open(&args.peer)?;
    let group = find_group(ui, &ours, &args.group)?;
    let report = reconcile::sync(&ours, &theirs, &group, args.dry_run)?;
    if ui.json {
        ui.json_line(&SyncJson {
            group: group.to_hex(),
            dry_run: args.dry_run,
            sent: side(&report.sent),
            received: side(&report.received),
            verdict: report.verdict.as_str().into(),
        })?;
    } else {
        ui.line(&sentence("send", "to", &report.sent, args.dry_run))?;
        ui.line(&sentence("receive", "from", &report.received, args.dry_run))?;
        ui.line(&format!("verdict: {}", report.verdict.as_str()))?;
    }
    let equal = report.verdict == gmm::peer::Verdict::Equal;
    Ok(if equal { 0 } else { EXIT_DIFFERENCES })
}
