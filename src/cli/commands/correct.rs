//! `gmm correct`: the correction bundle a peer needs.

use clap_complete::engine::ArgValueCompleter;
use gmm::exchange;
use gmm::json::CorrectJson;
use gmm::peer;

use crate::cli::context::now_ms;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::files::BundleOutputArgs;
use crate::cli::peer_arg;
use crate::cli::peer_arg::PeerArgs;
use crate::cli::ui::Ui;

/// Write the correction bundle a peer needs
///
/// Holds exactly the events the peer lacks, none more, parents first, with
/// this store's heads and a `want` of what this store lacks from the peer, so
/// the peer can answer with its own correction (`gmm correct GROUP BUNDLE`).
/// Importing it on the peer applies cleanly: its prerequisites are events the
/// peer has.
///
/// Examples:
///   gmm correct "Book club" ../bob-store -o for-bob.gmm
///   gmm correct "Book club" from-bob.gmm -o answer.gmm
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    #[command(flatten)]
    peer: PeerArgs,
    #[command(flatten)]
    out: BundleOutputArgs,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let group = crate::cli::context::find_group(ui, &store, &args.group)?;
    let peer = peer_arg::peer(&store, &group, &args.peer)?;
    let (header, ids) = peer::correction(&store, &group, &peer, now_ms())?;
    let signer = args.out.signer(&store)?;
    let format = args.out.format();
    args.out
        .write(ui, Some(ids.len() as u64), |writer, progress| {
            exchange::write_bundle(
                &store,
                &header,
                &ids,
                format,
                signer.as_ref(),
                writer,
                progress,
            )?;
            Ok(())
        })?;
    let to_stdout = args.out.to_stdout();
    if ui.json && !to_stdout {
        ui.json_line(&CorrectJson {
            group: group.to_hex(),
            events: ids.len() as u64,
            want: header.want.iter().map(|w| w.to_hex()).collect(),
            file: args
                .out
                .output
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        })?;
    } else {
        ui.status(&format!(
            "correction: {} event(s) the peer lacks; {} wanted from it",
            ids.len(),
            header.want.len()
        ));
    }
    Ok(0)
}
