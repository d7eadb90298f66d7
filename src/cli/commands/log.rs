//! `gmm log`: a group's events with their status.

use gmm::json::EventJson;
use gmm::model::event::EventId;
use gmm::repo::resolve;
use gmm::rules::projection::Verdict;
use gmm::store::EventMeta;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::graph::Lanes;
use crate::cli::json;
use crate::cli::ui::Ui;

/// Show a group's events with their status
///
/// Events are listed in topological order (by Lamport number, then id), the
/// same on every store that holds them; pending events (waiting for parents)
/// come last. Each event is effective, unauthorized (its author lacked the
/// role, SPEC §3 rule 2), revoked (a concurrent removal or demotion of its
/// author took effect, rule 5) or pending. --graph draws the parent links,
/// newest first. --json prints one event per line.
///
/// Examples:
///   gmm log "Book club"
///   gmm log "Book club" --graph
///   gmm log "Book club" --json | jq -r 'select(.status == "revoked") | .id'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    group: String,
    /// Draw the event graph, newest first
    #[arg(long)]
    graph: bool,
}

fn status_text(meta: &EventMeta) -> String {
    match &meta.verdict {
        Verdict::Effective => "effective".into(),
        Verdict::Unauthorized(reason) => format!("unauthorized: {reason}"),
        Verdict::Revoked { by } => format!("revoked by {}", by.short()),
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let group = resolve::group(&store, &args.group)?;
    let view = store
        .group_state(&group)?
        .map(|s| s.frontier.view)
        .unwrap_or_default();
    let mut ids: Vec<EventId> = store.group_event_ids(&group)?;
    let pending = store.pending(&group)?;
    let mut lanes = Lanes::default();
    if args.graph && !ui.json {
        ids.reverse();
    }
    for id in ids {
        let Some(event) = store.event(&id)? else {
            continue;
        };
        let meta = store.event_meta(&id)?;
        if ui.json {
            ui.json_line(&EventJson::new(&event, meta.as_ref(), &view))?;
            continue;
        }
        let status = meta.map_or_else(|| "?".into(), |m| status_text(&m));
        let line = format!(
            "{}  {}  {}#{}  {}  [{status}]",
            if ui.verbose > 0 {
                id.to_hex()
            } else {
                id.short()
            },
            json::rfc3339(event.event.time),
            view.label(&event.event.author),
            event.event.seq,
            json::describe_op(&event.event, &view),
        );
        if args.graph {
            let parents: Vec<EventId> = event.event.parents.iter().map(|p| p.id).collect();
            for row in lanes.rows(id, &parents, &line) {
                ui.line(&row)?;
            }
        } else {
            ui.line(&line)?;
        }
    }
    for p in pending {
        let missing: Vec<String> = p.missing.iter().map(|m| m.short()).collect();
        if ui.json {
            ui.json_line(&EventJson::pending(&p.event, &p.missing, &view))?;
            continue;
        }
        ui.line(&format!(
            "{}  {}  {}#{}  {}  [pending: missing {}]",
            p.event.id.short(),
            json::rfc3339(p.event.event.time),
            view.label(&p.event.event.author),
            p.event.event.seq,
            json::describe_op(&p.event.event, &view),
            missing.join(", ")
        ))?;
    }
    Ok(0)
}
