//! `gmm import`: verify and apply bundles.

use gmm::json::GroupChangeJson;
use gmm::json::ImportJson;
use std::path::PathBuf;

use gmm::bundle::BundleHeader;
use gmm::exchange;
use gmm::exchange::ImportOutcome;
use gmm::rules::view::Changes;
use gmm::rules::view::View;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::files::open_input;
use crate::cli::progress::Progress;
use crate::cli::ui::Ui;

/// Verify and apply bundles
///
/// Every event is checked on its own (id, signature, links) and classified:
/// accepted, duplicate, pending (a parent is missing: applied when it
/// arrives), or refused as malformed, bad-signature or bad-link (kept in
/// quarantine as evidence; `gmm audit` shows it). A truncated or damaged
/// bundle keeps every event that verified, then fails. Reads binary and JSON
/// Lines bundles; `-` reads standard input.
///
/// Examples:
///   gmm import club.gmm
///   gmm import --dry-run club.gmm
///   gmm --dir ./bob export "Book club" | gmm import -
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Bundle files (`-` for standard input)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Show what would change without writing anything
    #[arg(long)]
    dry_run: bool,
}

/// Human lines for how one group's view changed.
pub fn changes_lines(before: Option<&View>, after: &View) -> Vec<String> {
    let empty = View::empty(after.group);
    let changes = Changes::between(before.unwrap_or(&empty), after);
    let mut lines = Vec::new();
    if before.is_none() {
        lines.push(format!(
            "  new group \"{}\" ({})",
            after.title,
            after.group.short()
        ));
    }
    for (key, m) in &changes.added {
        lines.push(format!("  + {} ({})", after.label(key), m.role));
    }
    for (key, _) in &changes.removed {
        lines.push(format!("  - {}", after.label(key)));
    }
    for (key, from, to) in &changes.roles {
        lines.push(format!("  ~ {}: {from} -> {to}", after.label(key)));
    }
    if let (Some((from, to)), Some(_)) = (&changes.title, before) {
        lines.push(format!("  title: \"{from}\" -> \"{to}\""));
    }
    lines
}

fn header_line(name: &str, header: &BundleHeader) -> String {
    format!(
        "{name}: {} bundle of group {} with {} event(s), {} head(s)",
        header.kind.as_str(),
        header.group.short(),
        header.event_count,
        header.heads.len()
    )
}

fn report_json(file: &str, dry_run: bool, outcome: &ImportOutcome) -> ImportJson {
    let report = &outcome.report;
    let header = report.header.as_ref();
    ImportJson {
        file: file.to_string(),
        dry_run,
        group: header.map(|h| h.group.to_hex()),
        kind: header.map(|h| h.kind.as_str().to_string()),
        records: report.records,
        counts: report
            .summary
            .counts
            .iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect(),
        released: report.summary.released,
        findings: report.findings.clone(),
        want: header.map(|h| h.want.iter().map(|w| w.to_hex()).collect()),
        signed_by: report
            .trailer
            .as_ref()
            .and_then(|t| t.signer)
            .map(|k| k.to_hex()),
        groups: report
            .summary
            .groups
            .values()
            .map(|(before, after)| GroupChangeJson::new(before.as_ref(), after))
            .collect(),
        error: outcome.error.as_ref().map(|e| e.to_string()),
    }
}

/// The human report of one file's import, as lines.
fn human_report(name: &str, dry_run: bool, outcome: &ImportOutcome) -> Vec<String> {
    let mut out = Vec::new();
    let report = &outcome.report;
    // Not a bundle at all: the error says so, there is nothing to report.
    let Some(header) = &report.header else {
        return out;
    };
    out.push(header_line(name, header));
    let counts: Vec<String> = report
        .summary
        .counts
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let verb = if dry_run { "would be" } else { "were" };
    if counts.is_empty() {
        out.push("  no events".to_string());
    } else {
        out.push(format!("  events {verb}: {}", counts.join(", ")));
    }
    if report.summary.released > 0 {
        out.push(format!(
            "  {} pending event(s) could be applied",
            report.summary.released
        ));
    }
    for (before, after) in report.summary.groups.values() {
        out.extend(changes_lines(before.as_ref(), after));
    }
    for finding in &report.findings {
        out.push(format!("  refused: {finding}"));
    }
    if let Some(signer) = report.trailer.as_ref().and_then(|t| t.signer) {
        out.push(format!("  signed by {}", signer.short()));
    }
    if let Some(header) = &report.header {
        if !header.want.is_empty() {
            out.push(format!(
                "  the sender lacks {} event(s); answer with `gmm correct`",
                header.want.len()
            ));
        }
    }
    out
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = if args.dry_run {
        ctx.read_store()?
    } else {
        ctx.write_store()?
    };
    let mut first_error: Option<CommandError> = None;
    for path in &args.files {
        let name = path.display().to_string();
        let input = match open_input(path) {
            Ok(input) => input,
            Err(e) => {
                e.print(ui.error_stream());
                first_error.get_or_insert(e);
                continue;
            }
        };
        let mut progress = Progress::new(ui.quiet, ui.json, None, "events");
        let outcome = exchange::import(&store, input, args.dry_run, &mut |n| progress.set(n));
        progress.finish();
        let refused = !outcome.report.findings.is_empty();
        if ui.json {
            ui.json_line(&report_json(&name, args.dry_run, &outcome))?;
        } else {
            // A failed import's report goes with its error, on stderr.
            let failed = refused || outcome.error.is_some();
            for line in human_report(&name, args.dry_run, &outcome) {
                match failed {
                    true => writeln!(ui.error_stream(), "{line}")?,
                    false => ui.line(&line)?,
                }
            }
        }
        let error = match outcome.error {
            Some(e) => Some(CommandError::from(e)),
            None if refused => Some(
                CommandError::malformed(format!("{name}: some records were refused"))
                    .hint("they are kept in quarantine as evidence; `gmm audit` lists them"),
            ),
            None => None,
        };
        if let Some(mut e) = error {
            if !e.message.starts_with(&name) {
                e.message = format!("{name}: {}", e.message);
            }
            e.print(ui.error_stream());
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        // Already printed above, file by file.
        Some(e) => Err(CommandError::reported(e.code)),
        None => Ok(0),
    }
}
