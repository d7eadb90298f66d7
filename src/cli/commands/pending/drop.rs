//! `gmm pending drop`: remove a group's pending events.

use gmm::json::PendingGroupJson;
use gmm::repo::pending;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Drop a group's pending events
///
/// Removes the events of GROUP that wait for parents (for a group this store
/// does not hold: all its events). They were valid bytes, so they are not
/// kept as evidence; a peer can send them again with their parents.
///
/// Example:
///   gmm pending drop 9c1e2f3a
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id or id prefix (8+ hex) as `gmm pending list` shows it, or a title
    group: String,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    if args.group.trim().is_empty() {
        return Err(gmm::Error::BlankArgument { what: "group" }.into());
    }
    let store = ctx.write_store()?;
    let group = super::pending_group(ui, &store, &args.group)?;
    let known = store.group_record(&group)?;
    let dropped = pending::drop_group(&store, &group)?;
    if ui.json {
        ui.json_line(&PendingGroupJson {
            group: group.to_hex(),
            known: known.is_some(),
            title: known.map(|r| r.view.title).unwrap_or_default(),
            pending: dropped,
        })?;
    } else {
        ui.line(&format!(
            "dropped {dropped} pending event(s) of {}",
            group.short()
        ))?;
    }
    Ok(0)
}
