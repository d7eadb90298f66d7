//! `gmm remove`: sign and append a Remove.

use clap_complete::engine::ArgValueCompleter;
use gmm::model::event::Op;
use gmm::repo::resolve;

use crate::cli::context::append_one;
use crate::cli::context::Contacts;
use crate::cli::context::Context;
use crate::cli::context::DryRunArg;
use crate::cli::context::ForceArg;
use crate::cli::context::OpArgs;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Remove a member from a group
///
/// MEMBER is a key, a key prefix (8+ hex characters) or a name in the group.
///
/// Removing the group's owner, or its last admin when it has no owner, is
/// refused unless --force (nobody could manage the group afterwards).
///
/// Examples:
///   gmm remove "Book club" bob --dry-run
///   gmm remove "Book club" bob
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// Who to remove
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::members))]
    member: String,
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
        let member = resolve::member(&self.member, &view.names, &view.title)?;
        Ok(Op::Remove { member })
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args)
}
