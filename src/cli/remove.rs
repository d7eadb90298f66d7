//! `gmm remove`: sign and append a Remove.

use gmm::event::Op;
use gmm::resolve;

use super::context::append_one;
use super::context::Context;
use super::error::CommandError;
use super::ui::Ui;

/// Remove a member from a group
///
/// MEMBER is a key, a key prefix (8+ hex characters) or a name in the group.
///
/// Example:
///   gmm remove "Book club" bob
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    group: String,
    /// Who to remove
    member: String,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args.group, |_, _, view| {
        let member = resolve::member(&args.member, &view.names, &view.title)?;
        Ok(Op::Remove { member })
    })
}
