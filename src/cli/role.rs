//! `gmm role`: sign and append a SetRole.

use gmm::event::Op;
use gmm::event::Role;
use gmm::resolve;

use super::add::parse_grantable;
use super::context::append_one;
use super::context::Contacts;
use super::context::Context;
use super::error::CommandError;
use super::ui::Ui;

/// Set a member's role (`member` or `admin`)
///
/// Example:
///   gmm role "Book club" carol admin
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    group: String,
    /// Whose role to set
    member: String,
    /// The new role
    #[arg(value_parser = parse_grantable)]
    role: Role,
}

impl Args {
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The op these arguments ask for, in a group with this view.
    pub fn op(&self, _contacts: &Contacts<'_>, view: &gmm::view::View) -> Result<Op, CommandError> {
        let member = resolve::member(&self.member, &view.names, &view.title)?;
        Ok(Op::SetRole {
            member,
            role: self.role,
        })
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args.group, |contacts, view| {
        args.op(contacts, view)
    })
}
