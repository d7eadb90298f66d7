//! `gmm generate` (hidden): writes the man pages and shell completions from the
//! clap definition into `man/` and `completions/`. The drift test in
//! `tests/cli.rs` runs it into a temporary folder and compares.

use std::fs;
use std::path::Path;
use std::path::PathBuf;

use clap_complete::Shell;

use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Write man pages and completions into OUT/man and OUT/completions
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The folder to write into (the repository's top folder to update it)
    out: PathBuf,
}

fn io(path: &Path, err: std::io::Error) -> CommandError {
    CommandError::io(format!("cannot write {}: {err}", path.display()))
}

/// Renders the man page of `cmd` and, recursively, of its visible subcommands.
fn man_pages(cmd: &clap::Command, prefix: &str, dir: &Path) -> Result<(), CommandError> {
    let name = if prefix.is_empty() {
        cmd.get_name().to_string()
    } else {
        format!("{prefix}-{}", cmd.get_name())
    };
    let page = cmd.clone().name(name.clone());
    let mut bytes = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut bytes)
        .map_err(|e| io(dir, e))?;
    bytes.extend_from_slice(exit_status_section().as_bytes());
    let path = dir.join(format!("{name}.1"));
    fs::write(&path, bytes).map_err(|e| io(&path, e))?;
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        man_pages(sub, &name, dir)?;
    }
    Ok(())
}

/// The EXIT STATUS section every page ends with, in roff, from the same
/// table `gmm --help` prints (`docs/exit-codes.md` says which failure gets
/// which code).
fn exit_status_section() -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    let table = crate::cli::AFTER_HELP
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty());
    for line in table {
        let line = line.trim();
        let (code, meaning) = line.split_once(' ').unwrap_or((line, ""));
        roff.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", meaning.trim()));
    }
    roff
}

pub fn run(ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let mut cmd = crate::cli::command();
    cmd.build();
    let man = args.out.join("man");
    let completions = args.out.join("completions");
    for dir in [&man, &completions] {
        fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    man_pages(&cmd, "", &man)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd, "gmm", &completions)
            .map_err(|e| io(&completions, e))?;
    }
    ui.status(&format!(
        "wrote {} and {}",
        man.display(),
        completions.display()
    ));
    Ok(0)
}
