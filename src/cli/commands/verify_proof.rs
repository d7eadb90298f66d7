//! `gmm verify-proof`: check a proof file, or every proof of an evidence
//! folder, offline.

use std::io::Read as _;
use std::path::Path;
use std::path::PathBuf;

use gmm::audit::proof;
use gmm::audit::proof::Detail;
use gmm::audit::proof::ProofError;
use gmm::audit::proof::Verified;
use gmm::audit::proof::MAX_PROOF_BYTES;
use gmm::json::EvidenceCheckJson;
use gmm::json::EvidenceIndexJson;
use gmm::json::ProofJson;
use gmm::json::ProofMemberJson;
use gmm::model::event::PublicKey;
use gmm::model::keys;
use gmm::rules::projection::Verdict;
use gmm::rules::view::View;

use crate::cli::error::CommandError;
use crate::cli::files::open_input;
use crate::cli::json;
use crate::cli::ui::Ui;

/// Check a proof file or an evidence folder offline
///
/// Checks a proof written by `gmm prove` or `gmm audit --evidence DIR` with
/// nothing but the file: every signature with verify_strict, then the claim
/// itself: a fork (two events at one seq), a view (the view an event commits
/// to), a verdict (rules 2 and 5 re-run on the events that decide it, giving
/// what `gmm why` gives), a view-hash mismatch, or refused bytes. Given a
/// folder, checks every proof its index.json lists and reports which hold.
/// With --key, the proof must be about that key (the author of the event it
/// judges). Exits 0 when everything holds, 1 when something does not, 65 when
/// a file is not a proof.
///
/// Examples:
///   gmm verify-proof fork-3f2a9c1b0d4e5f67-seq4-9c1e2f3a.gmmproof --key mallory.pub
///   gmm verify-proof ./evidence
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A proof file, an evidence folder, or `-` for standard input
    #[arg(value_name = "FILE|DIR")]
    file: PathBuf,
    /// The key the proof must be about: 64 hex characters or a .pub file
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
}

fn parse_key(text: &str) -> Result<PublicKey, CommandError> {
    if let Some(key) = PublicKey::from_hex(&text.to_ascii_lowercase()) {
        return Ok(key);
    }
    Ok(keys::load_public(Path::new(text))?)
}

/// Reads a proof file as text, refusing more than [`MAX_PROOF_BYTES`].
fn read_text(path: &Path) -> Result<String, CommandError> {
    let mut text = String::new();
    open_input(path)?
        .take(MAX_PROOF_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| {
            CommandError::malformed(format!("{} is not a text file: {e}", path.display()))
        })?;
    if text.len() as u64 > MAX_PROOF_BYTES {
        return Err(CommandError::malformed(format!(
            "{} is over {} bytes: not a gmm proof",
            path.display(),
            MAX_PROOF_BYTES
        )));
    }
    if text.trim().is_empty() {
        return Err(CommandError::missing(format!(
            "{} is empty: no proof to check",
            path.display()
        ))
        .hint("give a proof written by `gmm prove` or `gmm audit --evidence DIR`, or pipe one into `-`"));
    }
    Ok(text)
}

pub fn run(ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let key = args.key.as_deref().map(parse_key).transpose()?;
    if args.file.is_dir() {
        return check_folder(ui, &args.file, key.as_ref());
    }
    let text = read_text(&args.file)?;
    let shown = args.file.display().to_string();
    match proof::verify_text(&text, key.as_ref()) {
        Ok(verified) => {
            let json = to_json(&shown, &verified);
            if ui.json {
                ui.json_line(&json)?;
            } else {
                ui.line(&format!(
                    "valid {} proof: {}",
                    json.kind.as_deref().unwrap_or(""),
                    json.claim
                ))?;
                for line in detail_lines(&verified) {
                    ui.line(&format!("  {line}"))?;
                }
                ui.line(&format!(
                    "{} signed record(s) checked with verify_strict; no store was used.",
                    verified.records
                ))?;
            }
            Ok(0)
        }
        Err(e) => Err(refusal(&shown, e)),
    }
}

fn refusal(shown: &str, e: ProofError) -> CommandError {
    match e {
        ProofError::Format(why) => CommandError::malformed(format!("{shown}: not a gmm proof: {why}"))
            .hint("proofs are written by `gmm prove` and `gmm audit --evidence DIR`"),
        e @ ProofError::WrongKey { .. } => {
            CommandError::does_not_hold(format!("{shown}: the proof does not hold: {e}"))
        }
        e => CommandError::does_not_hold(format!("{shown}: the proof does not hold: {e}")).hint(
            "the file was altered, or it does not show what it claims; nothing in it can be trusted",
        ),
    }
}

/// `verify-proof DIR`: every proof the index lists, and any other proof file.
fn check_folder(ui: &mut Ui, dir: &Path, key: Option<&PublicKey>) -> Result<u8, CommandError> {
    let index_path = dir.join("index.json");
    let index: EvidenceIndexJson = match std::fs::read_to_string(&index_path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            CommandError::malformed(format!("{}: not an evidence index: {e}", index_path.display()))
                .hint("evidence folders are written by `gmm audit --evidence DIR`")
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CommandError::missing(format!(
                "{} has no index.json: not an evidence folder",
                dir.display()
            ))
            .hint("evidence folders are written by `gmm audit --evidence DIR`; give a single proof file to check one"))
        }
        Err(e) => return Err(CommandError::io(format!("cannot read {}: {e}", index_path.display()))),
    };
    let mut files: Vec<(String, Option<String>)> = index
        .items
        .iter()
        .map(|i| (i.file.clone(), Some(i.kind.clone())))
        .collect();
    let mut others: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| CommandError::io(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".gmmproof") && !files.iter().any(|(f, _)| f == name))
        .collect();
    others.sort();
    files.extend(others.into_iter().map(|f| (f, None)));
    let mut items = Vec::new();
    for (file, indexed_kind) in &files {
        items.push(check_item(dir, file, indexed_kind.as_deref(), key));
    }
    let held = items.iter().filter(|i| i.valid).count() as u64;
    let failed = items.len() as u64 - held;
    if ui.json {
        ui.json_line(&EvidenceCheckJson {
            dir: dir.display().to_string(),
            held,
            failed,
            items,
        })?;
    } else {
        for item in &items {
            let word = if item.valid { "holds" } else { "FAILS" };
            let kind = item.kind.as_deref().unwrap_or("?");
            ui.line(&format!(
                "{word:<5}  {kind:<13}  {}  {}",
                item.file, item.claim
            ))?;
        }
        ui.line(&format!(
            "evidence: {held} of {} proof(s) hold; {failed} do not (no store was used)",
            items.len()
        ))?;
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

/// One proof of a folder, never an error: a failure is an item that fails.
fn check_item(
    dir: &Path,
    file: &str,
    indexed_kind: Option<&str>,
    key: Option<&PublicKey>,
) -> ProofJson {
    let failed = |claim: String| ProofJson {
        file: file.to_string(),
        valid: false,
        kind: indexed_kind.map(str::to_string),
        claim,
        ..ProofJson::default()
    };
    // Index entries name files inside the folder, never paths elsewhere.
    if file.contains('/') || file.contains('\\') || file == ".." {
        return failed(format!(
            "the index names `{file}`, which is not a file of the folder"
        ));
    }
    let text = match read_text(&dir.join(file)) {
        Ok(text) => text,
        Err(e) => return failed(e.message),
    };
    match proof::verify_text(&text, key) {
        Ok(verified) => {
            let json = to_json(file, &verified);
            match indexed_kind {
                Some(kind) if json.kind.as_deref() != Some(kind) => failed(format!(
                    "the index says a {kind} proof, but the file holds a {} proof",
                    json.kind.as_deref().unwrap_or("?")
                )),
                _ => json,
            }
        }
        Err(e) => failed(e.to_string()),
    }
}

/// The claim in one line, and its parts, as JSON.
fn to_json(file: &str, v: &Verified) -> ProofJson {
    let mut json = ProofJson {
        file: file.to_string(),
        valid: true,
        kind: Some(v.kind.as_str().to_string()),
        claim: claim(v),
        group: Some(v.group.to_hex()),
        author: v.author.map(|a| a.to_hex()),
        events: v.events.iter().map(|e| e.to_hex()).collect(),
        records: v.records,
        ..ProofJson::default()
    };
    let member = |key: &PublicKey,
                  role: Option<&gmm::model::event::Role>,
                  devices: &[PublicKey]| ProofMemberJson {
        key: key.to_hex(),
        role: role.map(|r| r.as_str().to_string()),
        devices: devices.iter().map(|d| d.to_hex()).collect(),
    };
    match &v.detail {
        Detail::Fork { seq } => json.seq = Some(*seq),
        Detail::View {
            members, subject, ..
        } => {
            json.member = subject.as_ref().map(|(k, r)| {
                let devices = members
                    .iter()
                    .find(|(m, ..)| m == k)
                    .map_or(&[][..], |(.., d)| d);
                member(k, r.as_ref(), devices)
            });
            json.members = Some(
                members
                    .iter()
                    .map(|(k, r, d)| member(k, Some(r), d))
                    .collect(),
            );
        }
        Detail::Verdict { verdict, .. } => {
            json.status = Some(verdict.word().to_string());
            match verdict {
                Verdict::Unauthorized(reason) => json.reason = Some(reason.clone()),
                Verdict::Revoked { by } => json.revoked_by = Some(by.to_hex()),
                Verdict::Effective => {}
            }
        }
        Detail::ViewMismatch { says, gives, .. } => {
            json.view_says = Some(says.to_hex());
            json.view_gives = Some(gives.to_hex());
        }
        Detail::Quarantine { recorded, .. } => json.recorded_reason = Some(recorded.clone()),
    }
    json
}

fn claim(v: &Verified) -> String {
    let author = v.author.map_or_else(String::new, |a| a.to_hex());
    match &v.detail {
        Detail::Fork { seq } => format!(
            "key {author} signed two different events at seq {seq} in group {}",
            v.group
        ),
        Detail::View {
            event,
            title,
            members,
            subject,
        } => {
            let saw = match subject {
                Some((key, Some(role))) => format!("{key} as a member with role {role}"),
                Some((key, None)) => format!("{key} as not a member"),
                None => format!("{} member(s)", members.len()),
            };
            format!(
                "when signing event {}, {author} saw {saw} in group {} (title {title:?})",
                event.id, v.group
            )
        }
        Detail::Verdict {
            event,
            verdict,
            by,
            view,
        } => format!(
            "in group {}: {}",
            v.group.short(),
            json::judged_line(event, verdict, by.as_deref(), view)
        ),
        Detail::ViewMismatch { event, says, gives } => format!(
            "event {} by {author} says its author saw view {}, but its past gives {} (rule 8)",
            event.id,
            says.short(),
            gives.short()
        ),
        Detail::Quarantine { found, .. } => format!("the refused bytes are {found}"),
    }
}

/// Lines under the claim in human output.
fn detail_lines(v: &Verified) -> Vec<String> {
    match &v.detail {
        Detail::Fork { .. } => v.events.iter().map(|e| e.to_hex()).collect(),
        Detail::View { members, subject, .. } if subject.is_none() => members
            .iter()
            .map(|(k, r, devices)| match devices.len() {
                0 => format!("{k}  {r}"),
                n => format!("{k}  {r}  ({n} device(s))"),
            })
            .collect(),
        Detail::Verdict { view, .. } => vec![format!(
            "rules 2 and 5 re-run on {} event(s) give this verdict; the group's view after them: {} member(s), hash {}",
            v.records,
            view.members().len(),
            View::hash(view).short()
        )],
        Detail::Quarantine { recorded, .. } => vec![format!("gmm recorded: {recorded}")],
        _ => Vec::new(),
    }
}
