//! `gmm audit`: integrity findings over the store or bundles.

use gmm::json::AuditCheckedJson;
use gmm::json::AuditCountsJson;
use gmm::json::AuditJson;
use gmm::json::AuditTargetJson;
use gmm::json::FindingJson;
use std::fs;
use std::path::Path;
use std::path::PathBuf;

use gmm::audit;
use gmm::audit::evidence;
use gmm::audit::Check;
use gmm::audit::Overrides;
use gmm::audit::Report;
use gmm::audit::Severity;
use gmm::json::EvidenceIndexJson;
use gmm::json::EvidenceItemJson;
use gmm::store::Store;

use crate::cli::context::now_ms;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::error::EXIT_DIFFERENCES;
use crate::cli::files::open_input;
use crate::cli::progress::Progress;
use crate::cli::ui::Ui;

/// Check a store or bundles for integrity violations
///
/// Without TARGET, audits the whole store: every stored record is re-read and
/// re-verified, every group's chains, links, forks and clocks are checked, the
/// rules are replayed and compared with the stored projection, and the local
/// log's hash chain, pending events and quarantine are checked. A TARGET that
/// names a file (or `-`) is a bundle, audited offline without importing it;
/// otherwise it names a group of the store. Findings have stable check ids and
/// severities (docs/audit.md); exits 1 when any finding is an error. With
/// --evidence DIR, writes a proof per finding that can have one, which
/// `gmm verify-proof DIR` checks without a store (docs/proof-format.md).
///
/// Examples:
///   gmm audit
///   gmm audit "Book club" --evidence ./evidence
///   gmm audit third-party.gmm --json | jq '.findings[] | .check'
///   gmm audit --severity clock-skew=ignore --severity unauthorized=error
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Bundle files or `-` (audited offline), or a group of the store
    #[arg(value_name = "GROUP|FILE")]
    targets: Vec<String>,
    /// Write every finding's proof and an index.json into DIR, for
    /// `gmm verify-proof DIR` (forks, verdicts, view-hash mismatches,
    /// quarantined records)
    #[arg(long, value_name = "DIR", alias = "proofs")]
    evidence: Option<PathBuf>,
    /// Change a check's severity: CHECK=error|warn|info|ignore (repeatable)
    #[arg(long = "severity", value_name = "CHECK=LEVEL", value_parser = parse_override)]
    severity: Vec<(Check, Option<Severity>)>,
}

fn parse_override(text: &str) -> Result<(Check, Option<Severity>), String> {
    let (check, level) = text
        .split_once('=')
        .ok_or("want CHECK=LEVEL, e.g. clock-skew=ignore")?;
    let check = Check::parse(check).ok_or_else(|| {
        let ids: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
        format!("`{check}` is not a check id ({})", ids.join(", "))
    })?;
    let level = match level {
        "ignore" => None,
        other => Some(Severity::parse(other).ok_or("levels are error, warn, info and ignore")?),
    };
    Ok((check, level))
}

fn is_file(target: &str) -> bool {
    target == "-" || Path::new(target).is_file()
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let now = now_ms();
    let mut report = Report::default();
    let mut checked = Vec::new();
    let mut opened = None;
    if args.targets.is_empty() {
        let store = ctx.read_store()?;
        let mut progress = Progress::new(ui.quiet, ui.json, None, "events");
        let audited = audit::store::audit_store_with(&store, None, now, &mut |n, total| {
            progress.set_total(total);
            progress.set(n)
        });
        progress.finish();
        report.merge(audited?);
        checked.push(AuditTargetJson::Store {
            store: store.dir().display().to_string(),
            group: None,
        });
        opened = Some(store);
    }
    for target in &args.targets {
        if is_file(target) {
            let input = open_input(Path::new(target))?;
            report.merge(audit::bundle::audit_bundle(input, now)?);
            checked.push(AuditTargetJson::Bundle {
                bundle: target.clone(),
            });
        } else if target.contains('/') || target.ends_with(".gmm") || target.ends_with(".jsonl") {
            return Err(
                CommandError::missing(format!("cannot open {target}: no such file"))
                    .hint("a TARGET that is not a file names a group of the store"),
            );
        } else {
            let store = ctx.read_store()?;
            let group = crate::cli::context::find_group(ui, &store, target)?;
            let mut progress = Progress::new(ui.quiet, ui.json, None, "events");
            let audited =
                audit::store::audit_store_with(&store, Some(group), now, &mut |n, total| {
                    progress.set_total(total);
                    progress.set(n)
                });
            progress.finish();
            report.merge(audited?);
            checked.push(AuditTargetJson::Store {
                store: store.dir().display().to_string(),
                group: Some(group.to_hex()),
            });
            opened = Some(store);
        }
    }
    let overrides: Overrides = args.severity.into_iter().collect();
    report.finish(&overrides);
    let proofs = match &args.evidence {
        Some(dir) => write_evidence(&report, opened.as_ref(), dir, now, &checked)?,
        None => Vec::new(),
    };
    if ui.json {
        ui.json_line(&to_json(&report, checked, &proofs))?;
    } else {
        print_human(ui, &report, &proofs)?;
    }
    Ok(if report.has_errors() {
        EXIT_DIFFERENCES
    } else {
        0
    })
}

/// Writes every finding's proof and `index.json` into `dir`; returns
/// (finding index, path) for each proof.
fn write_evidence(
    report: &Report,
    store: Option<&Store>,
    dir: &Path,
    now: u64,
    checked: &[AuditTargetJson],
) -> Result<Vec<(usize, PathBuf)>, CommandError> {
    let io = |e: std::io::Error| {
        CommandError::io(format!("cannot write evidence in {}: {e}", dir.display()))
    };
    let proofs = evidence::finding_proofs(store, report)?;
    fs::create_dir_all(dir).map_err(io)?;
    let mut written = Vec::new();
    let mut items = Vec::new();
    for found in proofs {
        let name = found.proof.file_name();
        let path = dir.join(&name);
        fs::write(&path, found.proof.to_file_text()).map_err(io)?;
        let f = &report.findings[found.finding];
        items.push(EvidenceItemJson {
            file: name,
            kind: found.proof.kind().as_str().to_string(),
            check: f.check.id().to_string(),
            severity: f.severity.as_str().to_string(),
            group: f.group.map(|g| g.to_hex()),
            events: f.events.iter().map(|e| e.to_hex()).collect(),
            message: f.message.clone(),
        });
        written.push((found.finding, path));
    }
    let index = EvidenceIndexJson {
        format: 1,
        created_ms: now,
        targets: checked.to_vec(),
        items,
    };
    // Cannot fail: plain strings and numbers.
    let text = serde_json::to_string_pretty(&index).expect("the index serializes");
    fs::write(dir.join("index.json"), text + "\n").map_err(io)?;
    Ok(written)
}

fn to_json(
    report: &Report,
    checked: Vec<AuditTargetJson>,
    proofs: &[(usize, PathBuf)],
) -> AuditJson {
    let counts = report.counts();
    let count = |s: Severity| counts.get(&s).copied().unwrap_or(0);
    let findings = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| FindingJson {
            check: f.check.id().into(),
            severity: f.severity.as_str().into(),
            group: f.group.map(|g| g.to_hex()),
            events: f.events.iter().map(|e| e.to_hex()).collect(),
            message: f.message.clone(),
            proof: proofs
                .iter()
                .find(|(j, _)| *j == i)
                .map(|(_, p)| p.display().to_string()),
        })
        .collect();
    AuditJson {
        format: 1,
        targets: checked,
        checked: AuditCheckedJson {
            events: report.events_checked,
            groups: report.groups_checked,
        },
        counts: AuditCountsJson {
            error: count(Severity::Error),
            warn: count(Severity::Warn),
            info: count(Severity::Info),
        },
        findings,
    }
}

fn print_human(ui: &mut Ui, report: &Report, proofs: &[(usize, PathBuf)]) -> std::io::Result<()> {
    for (i, f) in report.findings.iter().enumerate() {
        let group = f
            .group
            .map_or_else(|| "store".to_string(), |g| g.short()[..8].to_string());
        ui.line(&format!(
            "{:<5}  {:<19} {group:<8}  {}",
            f.severity.as_str(),
            f.check.id(),
            f.message
        ))?;
        if let Some((_, path)) = proofs.iter().find(|(j, _)| *j == i) {
            ui.line(&format!(
                "{:<5}  {:<19} {:<8}  proof written to {}",
                "",
                "",
                "",
                path.display()
            ))?;
        }
    }
    let counts = report.counts();
    let count = |s| counts.get(&s).copied().unwrap_or(0);
    let scope = format!(
        "{} event(s) in {} group(s) checked",
        report.events_checked, report.groups_checked
    );
    if report.findings.is_empty() {
        ui.line(&format!("audit: no findings ({scope})"))?;
    } else {
        ui.line(&format!(
            "audit: {} finding(s): {} error, {} warn, {} info ({scope})",
            report.findings.len(),
            count(Severity::Error),
            count(Severity::Warn),
            count(Severity::Info)
        ))?;
    }
    Ok(())
}
