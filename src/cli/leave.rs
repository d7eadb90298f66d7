//! `gmm leave`: sign and append a Leave.

use gmm::event::Op;

use super::context::append_one;
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

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args.group, |_, _, _| Ok(Op::Leave))
}
