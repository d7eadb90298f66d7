//! `gmm group`: the group subcommands, one file each.

mod create;
mod list;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

#[derive(clap::Subcommand, Debug)]
pub enum GroupCommand {
    Create(create::Args),
    List(list::Args),
}

pub fn run(ctx: &Context, ui: &mut Ui, command: GroupCommand) -> Result<u8, CommandError> {
    match command {
        GroupCommand::Create(args) => create::run(ctx, ui, args),
        GroupCommand::List(args) => list::run(ctx, ui, args),
    }
}
