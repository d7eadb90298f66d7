//! Naming a peer on the command line: a store folder, a bundle file (or `-`),
//! or `--heads` as the peer's `gmm status --json` printed them.

use std::path::Path;
use std::path::PathBuf;

use gmm::model::event::GroupId;
use gmm::peer::Peer;
use gmm::store::Store;

use super::error::CommandError;
use super::files::open_input;
use gmm::repo::resolve;

/// Reads PEER (or `--heads`) into a [`Peer`].
pub fn peer(
    store: &Store,
    group: &GroupId,
    path: Option<&Path>,
    heads: &[String],
) -> Result<Peer<'static>, CommandError> {
    match (path, heads.is_empty()) {
        (Some(_), false) => Err(CommandError::usage("give a PEER or --heads, not both")),
        (None, true) => Err(CommandError::usage("no peer given")
            .hint("name a peer's store folder, a bundle it sent, or --heads H1,H2")),
        (None, false) => Ok(Peer::Heads(resolve::heads(store, group, heads)?)),
        (Some(path), true) if path.is_dir() => {
            if !Store::exists(path) {
                return Err(CommandError::missing(format!(
                    "{} is a folder but not a gmm store",
                    path.display()
                ))
                .hint("a peer is a store folder, a bundle file, or --heads"));
            }
            Ok(Peer::Store(Store::open_read_only(path)?))
        }
        (Some(path), true) => {
            let input = open_input(path)?;
            Peer::from_bundle(input).map_err(|e| {
                let mut e = CommandError::from(e);
                e.message = format!("{}: {}", path.display(), e.message);
                e
            })
        }
    }
}

/// The PEER positional argument and `--heads`, shared by `diff` and `correct`.
#[derive(clap::Args, Debug)]
pub struct PeerArgs {
    /// The peer: its store folder, a bundle it sent (`-` for standard input)
    #[arg(value_name = "PEER")]
    pub path: Option<PathBuf>,
    /// The peer's heads instead (event ids, comma-separated), as its `gmm status --json` prints them
    #[arg(long, value_name = "HEADS", value_delimiter = ',')]
    pub heads: Vec<String>,
}
