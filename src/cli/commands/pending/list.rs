//! `gmm pending list`: how many events wait for parents, per group.

use gmm::json::PendingGroupJson;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// List pending events per group, known to this store or not
///
/// Pending events wait for parents this store lacks (SPEC §4); they are
/// applied when the parents arrive. Events of a group this store does not
/// hold wait for its Create. At most 100,000 are held; `gmm pending drop`
/// removes a group's.
///
/// Examples:
///   gmm pending list
///   gmm pending list --json | jq -r 'select(.known | not) | .group'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {}

pub fn run(ctx: &Context, ui: &mut Ui, _args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    for (group, count) in store.pending_groups()? {
        let title = store.group_record(&group)?.map(|r| r.view.title);
        if ui.json {
            ui.json_line(&PendingGroupJson {
                group: group.to_hex(),
                known: title.is_some(),
                title: title.clone().unwrap_or_default(),
                pending: count,
            })?;
        } else {
            let what = match &title {
                Some(title) => format!("\"{title}\""),
                None => "(a group this store does not hold)".to_string(),
            };
            ui.line(&format!("{}  {count:>6} pending  {what}", group.short()))?;
        }
    }
    Ok(0)
}
