//! The command line: global flags, the subcommand enum, and dispatch. Each
//! command lives in its own file with its `Args` and one `run` function.

mod commands;
mod complete;
mod context;
mod error;
mod files;
mod graph;
mod json;
mod peer_arg;
mod progress;
mod shown;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use clap::Subcommand;

use self::commands::*;
use self::error::CommandError;
use self::ui::Ui;

pub const AFTER_HELP: &str = "\
Exit codes:
  0   success (no differences, no violations)
  1   differences or violations found (diff, audit, replay)
  2   usage error
  65  malformed input (bad key file, bad event, store of another schema)
  66  missing input (no store, unknown group, member or event, missing file)
  70  internal error (a bug in gmm; please report it)
  74  I/O error
  75  store in use by another gmm process
  77  permission denied (key file readable by others, op not allowed, store not readable)

Environment:
  GMM_DIR     the store folder when --dir is not given
  NO_COLOR    gmm never prints color";

/// Keep a signed, hash-linked log of group membership events.
///
/// gmm records every group membership modification (add, remove, leave, role,
/// title) as an ed25519-signed event linked by blake3 hash to the events its
/// author had seen, in an embedded RocksDB store. A group's member view is a
/// deterministic projection of that log.
#[derive(Parser, Debug)]
#[command(name = "gmm", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// The store folder [default: $GMM_DIR, else ~/.local/share/gmm]
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print stable JSON on stdout (JSON Lines for lists of events and groups)
    #[arg(long, global = true)]
    json: bool,
    /// Print nothing but results and errors
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Print more detail (full keys and ids)
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Init(init::Args),
    /// Make standalone key pairs (for scripts and tests that play several peers)
    #[command(subcommand)]
    Key(key::KeyCommand),
    Id(id::Args),
    Contacts(contacts::Args),
    /// Link, unlink and list the devices that act for your identity
    #[command(subcommand)]
    Device(device::DeviceCommand),
    /// Create groups and list the groups in this store
    #[command(subcommand)]
    Group(group::GroupCommand),
    Add(add::Args),
    Remove(remove::Args),
    Leave(leave::Args),
    Role(role::Args),
    Title(title::Args),
    Batch(batch::Args),
    Members(members::Args),
    Log(log::Args),
    Status(status::Args),
    /// List and drop events waiting for parents (of any group, known or not)
    #[command(subcommand)]
    Pending(pending::PendingCommand),
    Why(why::Args),
    Export(export::Args),
    Import(import::Args),
    /// Look at a bundle without importing it: inspect its header, verify it applies
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    Diff(diff::Args),
    Correct(correct::Args),
    Sync(sync::Args),
    Audit(audit::Args),
    Prove(prove::Args),
    VerifyProof(verify_proof::Args),
    Replay(replay::Args),
    Completions(completions::Args),
    #[command(hide = true)]
    Generate(generate::Args),
}

/// The clap definition, for man pages and completions.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

pub fn main() -> ExitCode {
    // `COMPLETE=bash gmm` prints the shell's dynamic completion script, and
    // the shell's calls back complete from the store; otherwise a no-op.
    clap_complete::CompleteEnv::with_factory(command).complete();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                error::EXIT_USAGE
            } else {
                0
            });
        }
    };
    let mut ui = Ui::new(cli.json, cli.quiet, cli.verbose);
    let ctx = context::Context::new(cli.dir);
    let result = dispatch(&ctx, &mut ui, cli.command).and_then(|code| {
        ui.flush()?;
        Ok(code)
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if err.code == 0 => ExitCode::SUCCESS,
        Err(err) => {
            err.print(ui.error_stream());
            ExitCode::from(err.code)
        }
    }
}

/// Runs one command; `Ok` carries the exit code (0, or 1 for differences).
fn dispatch(ctx: &context::Context, ui: &mut Ui, command: Command) -> Result<u8, CommandError> {
    match command {
        Command::Init(args) => init::run(ctx, ui, args),
        Command::Key(args) => key::run(ui, args),
        Command::Id(args) => id::run(ctx, ui, args),
        Command::Contacts(args) => contacts::run(ctx, ui, args),
        Command::Device(args) => device::run(ctx, ui, args),
        Command::Group(args) => group::run(ctx, ui, args),
        Command::Add(args) => add::run(ctx, ui, args),
        Command::Remove(args) => remove::run(ctx, ui, args),
        Command::Leave(args) => leave::run(ctx, ui, args),
        Command::Role(args) => role::run(ctx, ui, args),
        Command::Title(args) => title::run(ctx, ui, args),
        Command::Batch(args) => batch::run(ctx, ui, args),
        Command::Members(args) => members::run(ctx, ui, args),
        Command::Log(args) => log::run(ctx, ui, args),
        Command::Status(args) => status::run(ctx, ui, args),
        Command::Pending(args) => pending::run(ctx, ui, args),
        Command::Why(args) => why::run(ctx, ui, args),
        Command::Export(args) => export::run(ctx, ui, args),
        Command::Import(args) => import::run(ctx, ui, args),
        Command::Bundle(args) => bundle::run(ctx, ui, args),
        Command::Diff(args) => diff::run(ctx, ui, args),
        Command::Correct(args) => correct::run(ctx, ui, args),
        Command::Sync(args) => sync::run(ctx, ui, args),
        Command::Audit(args) => audit::run(ctx, ui, args),
        Command::Prove(args) => prove::run(ctx, ui, args),
        Command::VerifyProof(args) => verify_proof::run(ui, args),
        Command::Replay(args) => replay::run(ctx, ui, args),
        Command::Completions(args) => completions::run(ui, args),
        Command::Generate(args) => generate::run(ui, args),
    }
}
