//! `gmm role`: sign and append a SetRole.

use gmm::event::Op;
use gmm::event::Role;
use gmm::resolve;

use super::add::parse_grantable;
use super::context::append_one;
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

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args.group, |_, _, view| {
        let member = resolve::member(&args.member, &view.names, &view.title)?;
        Ok(Op::SetRole {
            member,
            role: args.role,
        })
    })
}
