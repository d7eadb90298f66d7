//! `gmm title`: sign and append a SetTitle.

use gmm::event::Op;

use super::context::append_one;
use super::context::Contacts;
use super::context::Context;
use super::error::CommandError;
use super::ui::Ui;

/// Set a group's title
///
/// Example:
///   gmm title "Book club" "Book club (2027)"
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    group: String,
    /// The new title
    title: String,
}

impl Args {
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The op these arguments ask for, in a group with this view.
    pub fn op(&self, _contacts: &Contacts<'_>, view: &gmm::view::View) -> Result<Op, CommandError> {
        let _ = view;
        Ok(Op::SetTitle {
            title: self.title.clone(),
        })
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args.group, |contacts, view| {
        args.op(contacts, view)
    })
}
