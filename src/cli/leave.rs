//! `gmm leave`: sign and append a Leave.

use gmm::event::Op;

use super::context::append_one;
use super::context::Contacts;
use super::context::Context;
use super::error::CommandError;
use super::ui::Ui;

/// Leave a group
///
/// Example:
///   gmm leave "Book club"
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    group: String,
}

impl Args {
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The op these arguments ask for, in a group with this view.
    pub fn op(&self, _contacts: &Contacts<'_>, view: &gmm::view::View) -> Result<Op, CommandError> {
        let _ = view;
        Ok(Op::Leave)
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args.group, |contacts, view| {
        args.op(contacts, view)
    })
}
