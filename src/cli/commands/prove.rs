//! `gmm prove`: write a proof a third party checks offline with
//! `gmm verify-proof` (docs/proof-format.md).

use std::io::Write as _;
use std::path::PathBuf;

use clap_complete::engine::ArgValueCompleter;
use gmm::audit::evidence;
use gmm::audit::proof::Proof;
use gmm::json::ProveJson;
use gmm::repo::resolve;
use gmm::repo::why;

use crate::cli::context;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::files::Output;
use crate::cli::ui::Ui;

/// Write a proof of what an event's author saw, or of an event's verdict
///
/// With --at EVENT, the proof holds the signed event and the view its `view`
/// field commits to: it proves what its author saw when signing it (and,
/// given MEMBER, whether MEMBER was a member and with which role). With
/// --verdict EVENT, for an event the rules judged unauthorized or revoked,
/// the proof holds the events that decide that verdict, so `gmm verify-proof`
/// re-runs rules 2 and 5 on them and prints what `gmm why` prints. Either is
/// checked with nothing but the file. Writes to standard output unless -o.
///
/// Examples:
///   gmm prove "Book club" --at 9c1e2f3a bob -o bob-at-9c1e.gmmproof
///   gmm prove "Book club" --verdict 5cb0716c -o verdict.gmmproof
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["at", "verdict"])))]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// With --at: the member the proof is about (key, key prefix or name)
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::members), requires = "at")]
    member: Option<String>,
    /// Prove what this event's author saw when signing it (id or id prefix)
    #[arg(long, value_name = "EVENT")]
    at: Option<String>,
    /// Prove why this event had no effect (id or id prefix)
    #[arg(long, value_name = "EVENT")]
    verdict: Option<String>,
    /// Where to write the proof (`-` for standard output, the default); a
    /// file is replaced atomically, a FIFO or device written into
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let (group, view) = context::group_view(ui, &store, &args.group)?;
    let proof = match (&args.at, &args.verdict) {
        (Some(at), _) => {
            let event = resolve::event(&store, &group, at)?;
            let member = match &args.member {
                None => None,
                Some(query) => Some(why::MemberNames::new(&store, &group, &view).resolve(query)?),
            };
            evidence::view_proof(&store, &group, &event, member)?
        }
        (None, Some(verdict)) => {
            let event = resolve::event(&store, &group, verdict)?;
            evidence::verdict_proof(&store, &group, &event)?
        }
        // clap requires one of them.
        (None, None) => return Err(CommandError::usage("give --at EVENT or --verdict EVENT")),
    };
    write(ui, &args, &proof)
}

fn write(ui: &mut Ui, args: &Args, proof: &Proof) -> Result<u8, CommandError> {
    let to_stdout = args
        .output
        .as_deref()
        .is_none_or(|p| p == std::path::Path::new("-"));
    let mut out = Output::create(args.output.as_deref(), false)?;
    {
        let mut writer = out.writer();
        writer
            .write_all(proof.to_file_text().as_bytes())
            .and_then(|()| writer.flush())
            .map_err(|e| CommandError::io(format!("cannot write the proof: {e}")))?;
    }
    out.finish()?;
    if to_stdout {
        return Ok(0);
    }
    // Checked when built, so this only describes it.
    let verified = proof
        .verify(None)
        .map_err(|e| CommandError::from(gmm::Error::Internal(e.to_string())))?;
    let file = args
        .output
        .as_ref()
        .map_or_else(String::new, |p| p.display().to_string());
    if ui.json {
        ui.json_line(&ProveJson {
            file,
            kind: verified.kind.as_str().to_string(),
            group: verified.group.to_hex(),
            events: verified.events.iter().map(|e| e.to_hex()).collect(),
            records: verified.records,
        })?;
    } else {
        ui.line(&format!(
            "wrote {} proof {file} ({} signed record(s)); check it anywhere with `gmm verify-proof {file}`",
            verified.kind.as_str(),
            verified.records
        ))?;
    }
    Ok(0)
}
