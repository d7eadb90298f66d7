//! `gmm verify-proof`: check a fork proof offline.

use gmm::json::ProofJson;
use std::io::Read as _;
use std::path::PathBuf;

use gmm::audit::proof::ForkProof;
use gmm::audit::proof::ProofError;
use gmm::model::event::PublicKey;
use gmm::model::keys;

use crate::cli::error::CommandError;
use crate::cli::files::open_input;
use crate::cli::ui::Ui;

/// Check a fork proof offline
///
/// A fork proof (written by `gmm audit --proofs DIR`) holds two events signed
/// by one key with the same group and seq. This checks both signatures with
/// verify_strict and that the events differ; it needs no store. With --key,
/// the signer must be that key. Exits 0 when the proof holds, 1 when it does
/// not prove a fork, 65 when the file is not a fork proof.
///
/// Example:
///   gmm verify-proof fork-3f2a9c1b0d4e5f67-seq4-9c1e2f3a.gmmproof --key mallory.pub
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The fork proof file (`-` for standard input)
    file: PathBuf,
    /// The key the proof must be about: 64 hex characters or a .pub file
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
}

fn parse_key(text: &str) -> Result<PublicKey, CommandError> {
    if let Some(key) = PublicKey::from_hex(&text.to_ascii_lowercase()) {
        return Ok(key);
    }
    Ok(keys::load_public(std::path::Path::new(text))?)
}

pub fn run(ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let key = args.key.as_deref().map(parse_key).transpose()?;
    let mut text = String::new();
    open_input(&args.file)?
        .read_to_string(&mut text)
        .map_err(|e| {
            CommandError::malformed(format!("{} is not a text file: {e}", args.file.display()))
        })?;
    if text.trim().is_empty() {
        return Err(CommandError::missing(format!(
            "{} is empty: no fork proof to check",
            args.file.display()
        ))
        .hint("give a proof file written by `gmm audit --proofs DIR`, or pipe one into `-`"));
    }
    match ForkProof::verify_text(&text, key.as_ref()) {
        Ok(proven) => {
            if ui.json {
                ui.json_line(&ProofJson {
                    valid: true,
                    author: proven.author.to_hex(),
                    group: proven.group.to_hex(),
                    seq: proven.seq,
                    events: vec![proven.events.0.to_hex(), proven.events.1.to_hex()],
                })?;
            } else {
                ui.line(&format!(
                    "valid fork proof: key {} signed two different events at seq {} in group {}:",
                    proven.author, proven.seq, proven.group
                ))?;
                ui.line(&format!("  {}\n  {}", proven.events.0, proven.events.1))?;
                ui.line("Both signatures verify for that key, so its holder signed two conflicting histories. No store was used.")?;
            }
            Ok(0)
        }
        Err(ProofError::Format(why)) => Err(CommandError::malformed(format!("{}: not a gmm fork proof: {why}", args.file.display()))
            .hint("fork proofs are written by `gmm audit --proofs DIR`")),
        Err(e @ ProofError::WrongKey { .. }) => Err(CommandError::does_not_hold(format!("the proof does not hold: {e}"))),
        Err(e) => Err(CommandError::does_not_hold(format!("the proof does not hold: {e}"))
            .hint("a fork proof must hold two different events, both validly signed, at one group and seq")),
    }
}
