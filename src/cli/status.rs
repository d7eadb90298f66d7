//! `gmm status`: heads, view hash, log head and counts.

use gmm::resolve;
use serde_json::json;

use super::context::Context;
use super::error::CommandError;
use super::json;
use super::ui::Ui;

/// Show a group's heads, view hash, counts, and the store's log head
///
/// Example:
///   gmm status "Book club" --json | jq .view_hash
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    group: String,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let group = resolve::group(&store, &args.group)?;
    let state = store
        .group_state(&group)?
        .ok_or_else(|| gmm::Error::UnknownGroup {
            query: args.group.clone(),
        })?;
    let heads = store.heads(&group)?;
    let log_head = store.log_head()?;
    let view = &state.view;
    let forks: Vec<String> = view.forked.iter().map(|k| k.to_hex()).collect();
    if ui.json {
        ui.json_line(&json!({
            "group": group.to_hex(),
            "title": view.title,
            "view_hash": view.hash().to_hex(),
            "heads": heads.iter().map(json::parent).collect::<Vec<_>>(),
            "log_head": { "len": log_head.len, "hash": log_head.to_hex() },
            "counts": { "events": state.event_count, "members": view.members.len() },
            "pending": [],
            "missing": [],
            "forks": forks,
            "conflicts": [],
        }))?;
        return Ok(0);
    }
    let lines = [
        format!("group:     {} \"{}\"", group.to_hex(), view.title),
        format!("view hash: {}", view.hash().to_hex()),
        format!("members:   {}", view.members.len()),
        format!("events:    {}", state.event_count),
        format!("heads:     {}", heads.len()),
    ];
    for line in lines {
        ui.line(&line)?;
    }
    for head in &heads {
        ui.line(&format!(
            "  {}  {}#{}",
            head.id.short(),
            view.label(&head.author),
            head.seq
        ))?;
    }
    ui.line(&format!(
        "log head:  {} ({} entries)",
        log_head.to_hex(),
        log_head.len
    ))?;
    if !forks.is_empty() {
        ui.line(&format!("forks:     {}", forks.join(", ")))?;
    }
    Ok(0)
}
