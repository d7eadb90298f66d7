//! `gmm export`: write a group's events as a bundle.

use clap_complete::engine::ArgValueCompleter;
use gmm::bundle::BundleKind;
use gmm::exchange;
use gmm::exchange::ExportRequest;
use gmm::json::ExportJson;
use gmm::repo::resolve;

use crate::cli::context::now_ms;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::files::BundleOutputArgs;
use crate::cli::ui::Ui;

/// Write a group's events as a bundle for another peer
///
/// Writes every event of the group, parents before children, or with --heads
/// only those a peer with those heads lacks (not in their past; the heads as
/// the peer's `gmm status --json` prints them, as for `diff` and `correct`).
/// SPEC's spelling `--since` is accepted too. The bundle carries this store's heads and
/// view hash, and a `want` of events this store knows it lacks.
///
/// Examples:
///   gmm export "Book club" -o club.gmm
///   gmm export "Book club" --heads 9c1e2f3a4b5c6d7e,5cb0716ce0f45ba4 -o new.gmm
///   gmm export "Book club" --format jsonl | jq -r .op.type
///   gmm export "Book club" | ssh peer gmm import -
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// A peer's heads: leave out these events and their past (event ids or 8+
    /// hex prefixes, comma-separated)
    #[arg(
        long = "heads",
        alias = "since",
        value_name = "HEADS",
        value_delimiter = ','
    )]
    since: Vec<String>,
    #[command(flatten)]
    out: BundleOutputArgs,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let group = crate::cli::context::find_group(ui, &store, &args.group)?;
    let since = resolve::heads(&store, &group, &args.since)?;
    let signer = args.out.signer(&store)?;
    let request = ExportRequest {
        group,
        since,
        kind: BundleKind::Export,
        want: Vec::new(),
        format: args.out.format(),
        signer: signer.as_ref(),
        created: now_ms(),
    };
    let report = args.out.write(ui, None, |writer, progress| {
        Ok(exchange::export(&store, &request, writer, progress)?)
    })?;
    let to_stdout = args.out.to_stdout();
    let summary = format!(
        "exported {} event(s) of \"{}\"{}",
        report.header.event_count,
        store
            .group_record(&group)?
            .map(|r| r.view.title)
            .unwrap_or_default(),
        if report.unknown_since.is_empty() {
            String::new()
        } else {
            format!(
                " ({} --heads head(s) unknown here, ignored)",
                report.unknown_since.len()
            )
        }
    );
    if ui.json && !to_stdout {
        ui.json_line(&ExportJson {
            group: group.to_hex(),
            events: report.header.event_count,
            file: args
                .out
                .output
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            digest: report.trailer.map(|t| hex::encode(t.digest)),
            unknown_since: report.unknown_since.iter().map(|id| id.to_hex()).collect(),
        })?;
    } else {
        ui.status(&summary);
    }
    Ok(0)
}
