//! `gmm key`: standalone keys, one file per subcommand.

mod generate;

use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

#[derive(clap::Subcommand, Debug)]
pub enum KeyCommand {
    Generate(generate::Args),
}

pub fn run(ui: &mut Ui, command: KeyCommand) -> Result<u8, CommandError> {
    match command {
        KeyCommand::Generate(args) => generate::run(ui, args),
    }
}
