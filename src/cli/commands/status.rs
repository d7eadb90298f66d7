//! `gmm status`: heads, view hash, counts, pending, forks and conflicts.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::ConflictJson;
use gmm::json::LogHeadJson;
use gmm::json::ParentJson;
use gmm::json::StatusCounts;
use gmm::json::StatusJson;
use std::collections::BTreeSet;

use crate::cli::context;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Show a group's heads, view hash, counts, pending events, forks and conflicts
///
/// Also shows the store's log head hash (the local append log commits to the
/// store's whole history).
///
/// Example:
///   gmm status "Book club" --json | jq .view_hash
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let (group, record, view) = context::group_record_and_view(ui, &store, &args.group)?;
    let events = record.event_count;
    let heads = store.heads(&group)?;
    let log_head = store.log_head()?;
    let pending = store.pending(&group)?;
    let view = &view;
    let missing: BTreeSet<String> = pending
        .iter()
        .flat_map(|p| p.missing.iter())
        .filter(|id| store.event_meta(id).ok().flatten().is_none())
        .map(|id| id.to_hex())
        .collect();
    let forks: Vec<String> = view.forked.iter().map(|k| k.to_hex()).collect();
    let stale = gmm::repo::stale::stale_authors(&store, &group, None)?;
    if ui.json {
        ui.json_line(&StatusJson {
            group: group.to_hex(),
            title: view.title.clone(),
            view_hash: view.hash().to_hex(),
            heads: heads.iter().map(ParentJson::from).collect(),
            log_head: LogHeadJson {
                len: log_head.len,
                hash: log_head.to_hex(),
            },
            counts: StatusCounts {
                events,
                members: view.members().len() as u64,
                pending: pending.len() as u64,
            },
            pending: pending.iter().map(|p| p.event.id.to_hex()).collect(),
            missing: missing.into_iter().collect(),
            forks,
            conflicts: ConflictJson::of(view),
            stale: stale
                .iter()
                .map(|s| gmm::json::StaleJson::new(&group, s, view))
                .collect(),
        })?;
        return Ok(0);
    }
    let lines = [
        format!("group:     {} \"{}\"", group.to_hex(), view.title),
        format!("view hash: {}", view.hash().to_hex()),
        format!("members:   {}", view.members().len()),
        format!("events:    {} ({} pending)", events, pending.len()),
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
    for id in &missing {
        ui.line(&format!("missing:   {id} (cited by a pending event)"))?;
    }
    for key in &view.forked {
        ui.line(&format!(
            "fork:      {} signed two events at one seq",
            view.label(key)
        ))?;
    }
    for c in &view.title_conflicts {
        ui.line(&format!(
            "conflict:  title \"{}\" lost to \"{}\" (rule 6)",
            c.title, view.title
        ))?;
    }
    for c in &view.removal_cycles {
        let names: Vec<String> = c.iter().map(|r| view.label(&r.target)).collect();
        ui.line(&format!(
            "conflict:  removal cycle, all removed: {} (rule 5)",
            names.join(", ")
        ))?;
    }
    for line in stale_lines(&store, view, &stale, "stale:     ") {
        ui.line(&line)?;
    }
    Ok(0)
}

/// One line per stale sender: who, what it lacked, and the command that
/// writes exactly that (`import` and `status` say it alike).
pub fn stale_lines(
    store: &gmm::store::Store,
    view: &gmm::rules::view::View,
    stale: &[gmm::repo::stale::Stale],
    prefix: &str,
) -> Vec<String> {
    stale
        .iter()
        .map(|s| {
            let lacked: Vec<String> = s
                .lacked
                .iter()
                .map(|id| match store.event(id).ok().flatten() {
                    Some(e) => format!(
                        "{} ({} by {})",
                        id.short(),
                        crate::cli::json::describe_op(&e.event, view),
                        view.label(&e.event.author)
                    ),
                    None => id.short(),
                })
                .collect();
            let mut lacked = lacked;
            if s.lacked_more > 0 {
                lacked.push(format!("and {} more", s.lacked_more));
            }
            let who = view.label(&s.author);
            format!(
                "{prefix}{who} acted at {} without having seen: {}; `gmm correct {} --for {}` writes them",
                s.latest.short(),
                lacked.join(", "),
                view.group.short(),
                s.author.short()
            )
        })
        .collect()
}
