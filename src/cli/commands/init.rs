//! `gmm init`: create the store and its identity.

use gmm::json::InitJson;
use std::path::PathBuf;

use gmm::model::keys::SecretKey;
use gmm::repo::identity;
use gmm::repo::identity::InitOutcome;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Create the store and its identity
///
/// Creates the store folder (mode 0700) with a RocksDB database and a new
/// ed25519 identity: `identity.key` (mode 0600) and `identity.pub`. Prints the
/// identity's public key. Running it on an existing store changes nothing,
/// except that --name renames its identity.
///
/// --name is the name your own key goes by in this store's output (members,
/// log, why, errors) wherever a group gave it none, as for a group's creator.
/// It is local: never signed, stored in events or sent to peers.
///
/// A second device should get its own key: run `gmm init` on it and link
/// the key it prints with `gmm device link KEY` on your first store. Two
/// stores sharing one key (--identity) sign conflicting events at the same
/// seq, which every peer reports as a fork.
///
/// Examples:
///   gmm init --name alice
///   gmm init
///   gmm --dir ./alice init
///   gmm --dir ./laptop init --identity alice.key
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Use this secret key file as the store's identity instead of a new key
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    /// The name your identity goes by locally (set or change it on an existing store)
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let dir = ctx.dir()?;
    let import = args.identity.as_deref().map(SecretKey::load).transpose()?;
    let shared = import.is_some();
    let (key, outcome) = identity::init(&dir, import, args.name.as_deref())?;
    if shared && outcome == InitOutcome::Created {
        ui.warn(
            "a key used by two stores signs two events at one seq as soon as both act: every peer reports it as a fork. For a second device, `gmm init` there and `gmm device link KEY` here instead",
        );
    }
    if ui.json {
        let created = outcome == InitOutcome::Created;
        ui.json_line(&InitJson {
            key: key.to_hex(),
            dir: dir.display().to_string(),
            created,
        })?;
    } else {
        ui.line(&key.to_hex())?;
        match outcome {
            InitOutcome::Created => ui.status(&format!("created a gmm store at {}", dir.display())),
            InitOutcome::AlreadyThere => match &args.name {
                Some(name) => ui.status(&format!(
                    "a gmm store already exists at {}; its identity now goes by \"{name}\"",
                    dir.display()
                )),
                None => ui.status(&format!(
                    "a gmm store already exists at {}; nothing changed",
                    dir.display()
                )),
            },
        }
    }
    Ok(0)
}
