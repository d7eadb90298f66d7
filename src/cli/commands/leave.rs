//! `gmm leave`: sign and append a Leave.

use clap_complete::engine::ArgValueCompleter;
use gmm::model::event::Op;

use crate::cli::context::append_one;
use crate::cli::context::Contacts;
use crate::cli::context::Context;
use crate::cli::context::DryRunArg;
use crate::cli::context::ForceArg;
use crate::cli::context::OpArgs;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Leave a group
///
/// The group's owner may not leave, nor the last admin of a group without an
/// owner, unless --force: nobody could manage the group afterwards, and a
/// signed event cannot be taken back.
///
/// Examples:
///   gmm leave "Book club" --dry-run
///   gmm leave "Book club"
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    #[command(flatten)]
    dry_run: DryRunArg,
    #[command(flatten)]
    force: ForceArg,
}

impl OpArgs for Args {
    fn group(&self) -> &str {
        &self.group
    }

    fn dry_run(&self) -> bool {
        self.dry_run.dry_run
    }

    fn force(&self) -> bool {
        self.force.force
    }

    fn op(
        &self,
        _contacts: &Contacts<'_>,
        view: &gmm::rules::view::View,
    ) -> Result<Op, CommandError> {
        let _ = view;
        Ok(Op::Leave)
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args)
}
