//! `gmm title`: sign and append a SetTitle.

use gmm::event::Op;

use super::context::append_one;
use super::context::check_arg;
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

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    check_arg(gmm::event::check_title(&args.title))?;
    append_one(ctx, ui, &args.group, |_, _, _| {
        Ok(Op::SetTitle { title: args.title })
    })
}
