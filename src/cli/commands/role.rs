//! `gmm role`: sign and append a SetRole.

use clap_complete::engine::ArgValueCompleter;
use gmm::model::event::Op;
use gmm::model::event::Role;
use gmm::repo::resolve;

use super::add::parse_grantable;
use crate::cli::context::append_one;
use crate::cli::context::Contacts;
use crate::cli::context::Context;
use crate::cli::context::DryRunArg;
use crate::cli::context::ForceArg;
use crate::cli::context::OpArgs;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Set a member's role (`member` or `admin`)
///
/// Demoting the owner, or the last admin of a group without an owner, is
/// refused unless --force (nobody could manage the group afterwards).
///
/// Example:
///   gmm role "Book club" carol admin
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// Whose role to set
    member: String,
    /// The new role
    #[arg(value_parser = parse_grantable)]
    role: Role,
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
        Ok(Op::SetRole {
            member,
            role: self.role,
        })
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args)
}
