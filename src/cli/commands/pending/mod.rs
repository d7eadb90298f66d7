//! `gmm pending`: events waiting for parents, per group (including groups
//! this store does not hold), and dropping them.

mod drop;
mod list;

use gmm::model::event::GroupId;
use gmm::store::Store;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

#[derive(clap::Subcommand, Debug)]
pub enum PendingCommand {
    List(list::Args),
    Drop(drop::Args),
}

pub fn run(ctx: &Context, ui: &mut Ui, command: PendingCommand) -> Result<u8, CommandError> {
    match command {
        PendingCommand::List(args) => list::run(ctx, ui, args),
        PendingCommand::Drop(args) => drop::run(ctx, ui, args),
    }
}

/// A group with pending events named by its id or an 8+ hex prefix, or a
/// group of the store named as usual (title too).
fn pending_group(ui: &mut Ui, store: &Store, query: &str) -> Result<GroupId, CommandError> {
    let lower = query.to_ascii_lowercase();
    if lower.len() >= 8 && lower.chars().all(|c| c.is_ascii_hexdigit()) {
        let matches: Vec<GroupId> = store
            .pending_groups()?
            .into_iter()
            .map(|(g, _)| g)
            .filter(|g| g.to_hex().starts_with(&lower))
            .collect();
        if let [one] = matches.as_slice() {
            return Ok(*one);
        }
    }
    crate::cli::context::find_group(ui, store, query)
}
