//! `gmm group list`: the groups in this store.

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;
use gmm::json::GroupListJson;

/// List the groups in this store
///
/// One line per group: short id, member count, title (`-v` for full ids).
/// Groups this store does not hold but has pending events for are listed
/// after them (`gmm pending list`, `gmm pending drop`).
///
/// Examples:
///   gmm group list
///   gmm group list --json | jq -r 'select(.members > 100) | .title'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {}

pub fn run(ctx: &Context, ui: &mut Ui, _args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    for group in store.groups()? {
        if ui.json {
            let Some(record) = store.group_record(&group)? else {
                continue;
            };
            // The view hash needs the whole view.
            let view = &store.current_view(&group, &record)?;
            ui.json_line(&GroupListJson {
                group: group.to_hex(),
                title: view.title.clone(),
                members: view.members().len() as u64,
                events: record.event_count,
                view_hash: view.hash().to_hex(),
            })?;
        } else if let Some(record) = store.group_record(&group)? {
            let id = if ui.verbose > 0 {
                group.to_hex()
            } else {
                group.short()
            };
            // Between the parts of an import the pages list nothing yet.
            let count = match record.members_listed {
                true => store.member_count(&group)?,
                false => store.current_view(&group, &record)?.members().len(),
            };
            ui.line(&format!("{id}  {count:>3} members  {}", record.view.title))?;
        }
    }
    if !ui.json {
        for (group, count) in store.pending_groups()? {
            if store.group_record(&group)?.is_none() {
                ui.line(&format!(
                    "{}  (not held: {count} pending event(s) wait for its Create; `gmm pending drop {}` removes them)",
                    group.short(),
                    group.short()
                ))?;
            }
        }
    }
    Ok(0)
}
