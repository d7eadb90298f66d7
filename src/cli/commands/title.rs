//! `gmm title`: sign and append a SetTitle.

use clap_complete::engine::ArgValueCompleter;
use gmm::model::event::Op;

use crate::cli::context::append_one;
use crate::cli::context::Contacts;
use crate::cli::context::Context;
use crate::cli::context::DryRunArg;
use crate::cli::context::OpArgs;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Set a group's title
///
/// Example:
///   gmm title "Book club" "Book club (2027)"
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// The new title
    title: String,
    #[command(flatten)]
    dry_run: DryRunArg,
}

impl OpArgs for Args {
    fn group(&self) -> &str {
        &self.group
    }

    fn dry_run(&self) -> bool {
        self.dry_run.dry_run
    }

    fn op(
        &self,
        _contacts: &Contacts<'_>,
        view: &gmm::rules::view::View,
    ) -> Result<Op, CommandError> {
        let _ = view;
        Ok(Op::SetTitle {
            title: self.title.clone(),
        })
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args)
}
