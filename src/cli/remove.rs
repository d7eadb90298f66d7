//! `gmm remove`: sign and append a Remove.

use gmm::event::Op;
use gmm::resolve;

use super::context::append_one;
use super::context::Contacts;
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

impl Args {
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The op these arguments ask for, in a group with this view.
    pub fn op(&self, _contacts: &Contacts<'_>, view: &gmm::view::View) -> Result<Op, CommandError> {
        let member = resolve::member(&self.member, &view.names, &view.title)?;
        Ok(Op::Remove { member })
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args.group, |contacts, view| {
        args.op(contacts, view)
    })
}
