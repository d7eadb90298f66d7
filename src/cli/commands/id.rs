//! `gmm id`: print the store's own public key.

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;
use gmm::json::IdJson;

/// Print this store's public key
///
/// With -v, also the name it goes by locally (`gmm init --name`).
///
/// Example:
///   me=$(gmm id)
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {}

pub fn run(ctx: &Context, ui: &mut Ui, _args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let key = store.identity()?;
    if ui.json {
        ui.json_line(&IdJson {
            key: key.to_hex(),
            name: store.self_name()?,
        })?;
    } else {
        ui.line(&key.to_hex())?;
        if let Some(name) = store.self_name()? {
            ui.status(&format!("goes by \"{name}\" in this store"));
        }
    }
    Ok(0)
}
