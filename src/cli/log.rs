//! `gmm log`: a group's events with their status.

use gmm::resolve;

use super::context::Context;
use super::error::CommandError;
use super::json;
use super::ui::Ui;

/// Show a group's events, oldest first, with their status
///
/// Events are listed in topological order (by Lamport number, then id), the
/// same on every store that holds them. --json prints one event per line.
///
/// Example:
///   gmm log "Book club" --json | jq -r 'select(.op.type == "remove") | .id'
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    group: String,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let group = resolve::group(&store, &args.group)?;
    let view = store
        .group_state(&group)?
        .map(|s| s.view)
        .unwrap_or_default();
    for id in store.group_event_ids(&group)? {
        let event = store.event(&id)?;
        let meta = store.event_meta(&id)?;
        let Some(event) = event else { continue };
        if ui.json {
            ui.json_line(&json::event(&event, meta.as_ref(), &view))?;
            continue;
        }
        let id = if ui.verbose > 0 {
            id.to_hex()
        } else {
            id.short()
        };
        let status = meta.map_or("?", |m| m.status.as_str());
        ui.line(&format!(
            "{id}  {}  {}#{}  {}  [{status}]",
            json::rfc3339(event.event.time),
            view.label(&event.event.author),
            event.event.seq,
            json::describe_op(&event.event, &view),
        ))?;
    }
    Ok(0)
}
