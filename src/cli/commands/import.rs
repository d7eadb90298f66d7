//! `gmm import`: verify and apply bundles.

use gmm::json::GroupChangeJson;
use gmm::json::ImportJson;
use gmm::model::event::PublicKey;
use gmm::model::keys;
use std::path::Path;
use std::path::PathBuf;

use gmm::exchange;
use gmm::exchange::HeaderSummary;
use gmm::exchange::ImportOutcome;
use gmm::rules::view::Changes;
use gmm::rules::view::TitleAndMembers;
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
/// With --from, a bundle is imported only if its trailer is signed by that key
/// (like `minisign -P`): it is read through once to check the signature, and
/// nothing from a bundle signed by anyone else, or by nobody, is imported.
///
/// Examples:
///   gmm import club.gmm
///   gmm import --dry-run club.gmm
///   gmm import --from alice.pub club.gmm
///   gmm --dir ./bob export "Book club" | gmm import -
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Bundle files (`-` for standard input)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Show what would change without writing anything
    #[arg(long)]
    dry_run: bool,
    /// Import only bundles signed by this key: 64 hex characters, or a .pub file
    #[arg(long, value_name = "KEY")]
    from: Option<String>,
}

/// `--from`: a full key, or a public key file.
fn pinned_key(text: &str) -> Result<PublicKey, CommandError> {
    if let Some(key) = PublicKey::from_hex(&text.trim().to_ascii_lowercase()) {
        return Ok(key);
    }
    Ok(keys::load_public(Path::new(text))?)
}

/// Checks that `path` is signed by `expected`; returns where to read it from
/// for the import (standard input is spooled to a temporary file first, so
/// it can be read twice in bounded memory).
fn check_signer(
    path: &Path,
    expected: &PublicKey,
) -> Result<(PathBuf, Option<tempfile::NamedTempFile>), CommandError> {
    let (path, spool) = if path == Path::new("-") {
        let mut spool = tempfile::NamedTempFile::new()
            .map_err(|e| CommandError::io(format!("cannot spool standard input: {e}")))?;
        std::io::copy(&mut std::io::stdin().lock(), &mut spool)
            .map_err(|e| CommandError::io(format!("cannot spool standard input: {e}")))?;
        (spool.path().to_owned(), Some(spool))
    } else {
        (path.to_owned(), None)
    };
    let signer = exchange::bundle_signer(open_input(&path)?)?;
    if signer != Some(*expected) {
        let found = match signer {
            Some(key) => format!("it is signed by {key}"),
            None => "it is not signed".to_string(),
        };
        let file = match spool {
            Some(_) => "standard input".to_string(),
            None => path.display().to_string(),
        };
        return Err(gmm::Error::NotSignedBy {
            file,
            expected: expected.to_hex(),
            found,
        }
        .into());
    }
    Ok((path, spool))
}

/// Human lines for how one group's view changed.
pub fn changes_lines(before: Option<&TitleAndMembers>, after: &View) -> Vec<String> {
    let changes = Changes::since_or_new(before, after);
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

fn header_line(name: &str, header: &HeaderSummary) -> String {
    format!(
        "{name}: {} bundle of group {} with {} event(s), {} head(s)",
        header.kind.as_str(),
        header.group.short(),
        header.event_count,
        header.head_count
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
        stale: Vec::new(),
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

/// The bundle's authors whose latest event lacked changes to members or
/// devices this store holds (Matrix seed 003), with the group and its view
/// (`None` for a dry run or a bundle that was not read).
type StaleSenders = Option<(
    gmm::model::event::GroupId,
    View,
    Vec<gmm::repo::stale::Stale>,
)>;

fn stale_senders(
    store: &gmm::store::Store,
    dry_run: bool,
    outcome: &ImportOutcome,
) -> Result<StaleSenders, CommandError> {
    let report = &outcome.report;
    let (Some(header), false) = (&report.header, dry_run) else {
        return Ok(None);
    };
    let Some(record) = store.group_record(&header.group)? else {
        return Ok(None);
    };
    let stale = gmm::repo::stale::stale_authors(store, &header.group, Some(&report.authors))?;
    // The view only names stale senders: with none, it is not read (a second
    // copy of a 100,000-member view beside the report's, at the import's end).
    if stale.is_empty() {
        return Ok(None);
    }
    let mut view = store.current_view(&header.group, &record)?;
    crate::cli::context::name_locally(store, &mut view)?;
    Ok(Some((header.group, view, stale)))
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = if args.dry_run {
        ctx.read_store()?
    } else {
        ctx.write_store()?
    };
    let pinned = args.from.as_deref().map(pinned_key).transpose()?;
    let mut first_error: Option<CommandError> = None;
    for path in &args.files {
        let name = path.display().to_string();
        // Held until this file is imported: the spooled copy of stdin.
        let mut _spool = None;
        let mut path = path.clone();
        if let Some(expected) = &pinned {
            match check_signer(&path, expected) {
                Ok((checked, spool)) => {
                    path = checked;
                    _spool = spool;
                }
                Err(e) => {
                    e.print(ui.error_stream());
                    first_error.get_or_insert(e);
                    continue;
                }
            }
        }
        let path = &path;
        let input = match open_input(path) {
            Ok(input) => input,
            Err(e) => {
                e.print(ui.error_stream());
                first_error.get_or_insert(e);
                continue;
            }
        };
        let mut progress = Progress::new(ui.quiet, ui.json, None, "events");
        let outcome = exchange::import(&store, input, args.dry_run, &mut |n, total| {
            progress.set_total(total);
            progress.set(n)
        });
        progress.finish();
        let refused = !outcome.report.findings.is_empty();
        let stale = stale_senders(&store, args.dry_run, &outcome)?;
        if ui.json {
            let mut json = report_json(&name, args.dry_run, &outcome);
            if let Some((group, view, stale)) = &stale {
                json.stale = stale
                    .iter()
                    .map(|s| gmm::json::StaleJson::new(group, s, view))
                    .collect();
            }
            ui.json_line(&json)?;
        } else {
            // A failed import's report goes with its error, on stderr.
            let failed = refused || outcome.error.is_some();
            let mut lines = human_report(&name, args.dry_run, &outcome);
            if let Some((_, view, stale)) = &stale {
                lines.extend(super::status::stale_lines(&store, view, stale, "  stale: "));
            }
            for line in lines {
                match failed {
                    true => writeln!(ui.error_stream(), "{}", crate::cli::shown::shown(&line))?,
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
