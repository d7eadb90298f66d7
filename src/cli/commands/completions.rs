//! `gmm completions SHELL`: print a shell completion script.

use clap_complete::Shell;

use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Print a completion script for a shell
///
/// The same scripts are checked in under `completions/`; `docs/install.md`
/// says where each shell looks for them.
///
/// Examples:
///   gmm completions bash > ~/.local/share/bash-completion/completions/gmm
///   gmm completions zsh > ~/.zfunc/_gmm
///   gmm completions fish > ~/.config/fish/completions/gmm.fish
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell
    shell: Shell,
}

pub fn run(ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let mut cmd = crate::cli::command();
    clap_complete::generate(args.shell, &mut cmd, "gmm", ui.out());
    Ok(0)
}
