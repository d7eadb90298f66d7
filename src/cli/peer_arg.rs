//! Naming a peer on the command line: a store folder, a bundle file (or `-`),
//! or `--heads` as the peer's `gmm status --json` printed them.

use std::path::PathBuf;

use gmm::model::event::GroupId;
use gmm::peer::Peer;
use gmm::store::Store;

use super::error::CommandError;
use super::files::open_input;
use gmm::repo::resolve;

/// Reads PEER (or `--heads`, or `--for AUTHOR`) into a [`Peer`].
pub fn peer(
    store: &Store,
    group: &GroupId,
    args: &PeerArgs,
) -> Result<Peer<'static>, CommandError> {
    if let Some(author) = &args.author {
        if args.path.is_some() || !args.heads.is_empty() {
            return Err(CommandError::usage(
                "give a PEER, --heads or --for, not two of them",
            ));
        }
        let view = store.group_view(group)?.ok_or_else(|| {
            CommandError::from(gmm::Error::UnknownGroup {
                query: group.to_hex(),
                suggestions: Vec::new(),
            })
        })?;
        let key = gmm::repo::why::MemberNames::new(store, group, &view).resolve(author)?;
        // The chain index gives the author's latest event without a scan.
        let (_, latest) = store.last_seq(group, &key)?.ok_or_else(|| {
            CommandError::missing(format!("{author} signed no event in this group"))
                .hint("--for takes an author of the group's events; `gmm log GROUP` lists them")
        })?;
        return Ok(Peer::Heads(vec![latest]));
    }
    let (path, heads) = (args.path.as_deref(), &args.heads);
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
            Peer::from_bundle(input, store).map_err(|e| {
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
    /// The peer is this author, as its latest event in the group shows what it
    /// had seen (`status` names stale senders)
    #[arg(long = "for", value_name = "AUTHOR")]
    pub author: Option<String>,
}
