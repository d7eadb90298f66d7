//! `gmm log`: a group's events with their status.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::EventJson;
use gmm::model::event::EventId;
use gmm::model::event::PublicKey;
use gmm::model::signed::SignedEvent;
use gmm::repo::why;
use gmm::rules::projection::Verdict;
use gmm::store::EventMeta;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::graph::Lanes;
use crate::cli::json;
use crate::cli::ui::Ui;

/// Show a group's events with their status
///
/// Newest first, like git, with or without --graph: by Lamport number, then
/// id, descending, the same on every store that holds them; pending events
/// (waiting for parents, so newer than anything applied) come first. Each
/// event is effective, unauthorized (its author lacked the role, SPEC §3
/// rule 2), revoked (a concurrent removal or demotion of its author took
/// effect, rule 5) or pending. --graph draws the parent links: `|/` where
/// concurrent branches fork from an event, `|\` where an event merges them.
/// --json prints one event per line, in the same order.
///
/// Examples:
///   gmm log "Book club"
///   gmm log "Book club" --graph -n 20
///   gmm log "Book club" --author alice
///   gmm log "Book club" --member bob
///   gmm log "Book club" --json | jq -r 'select(.status == "revoked") | .id'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// Draw the event graph
    #[arg(long)]
    graph: bool,
    /// Show at most N events
    #[arg(short = 'n', long = "max-count", value_name = "N")]
    max_count: Option<usize>,
    /// Only events signed by this member (key, key prefix or name)
    #[arg(long, value_name = "MEMBER")]
    author: Option<String>,
    /// Only events about this member: adding, removing or setting their role,
    /// or their own leave
    #[arg(long, value_name = "MEMBER")]
    member: Option<String>,
}

fn status_text(meta: &EventMeta) -> String {
    match &meta.verdict {
        Verdict::Effective => "effective".into(),
        Verdict::Unauthorized(reason) => format!("unauthorized: {reason}"),
        Verdict::Revoked { by } => format!("revoked by {}", by.short()),
    }
}

/// Which events `--author` and `--member` keep.
struct Filter {
    author: Option<PublicKey>,
    member: Option<PublicKey>,
}

impl Filter {
    fn keeps(&self, event: &SignedEvent) -> bool {
        let e = &event.event;
        self.author.is_none_or(|a| e.author == a)
            && self.member.is_none_or(|m| e.op.target(e.author) == Some(m))
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let group = crate::cli::context::find_group(ui, &store, &args.group)?;
    let mut view = store.group_view(&group)?.unwrap_or_default();
    crate::cli::context::name_locally(&store, &mut view)?;
    let filter = {
        let names = why::MemberNames::new(&store, &group, &view);
        let key = |q: &Option<String>| q.as_deref().map(|q| names.resolve(q)).transpose();
        Filter {
            author: key(&args.author)?,
            member: key(&args.member)?,
        }
    };
    let mut left = args.max_count.unwrap_or(usize::MAX);
    // Pending events first: they are newer than anything applied.
    let mut pending = store.pending(&group)?;
    pending.sort_by_key(|p| std::cmp::Reverse(p.event.id));
    for p in pending.iter().filter(|p| filter.keeps(&p.event)) {
        if left == 0 {
            return Ok(0);
        }
        left -= 1;
        if ui.json {
            ui.json_line(&EventJson::pending(&p.event, &p.missing, &view))?;
            continue;
        }
        let missing: Vec<String> = p.missing.iter().map(|m| m.short()).collect();
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
    let mut lanes = Lanes::default();
    for item in store.group_events_newest_first(&group) {
        if left == 0 {
            break;
        }
        let (order, event) = item?;
        if !filter.keeps(&event) {
            continue;
        }
        let id = order.id;
        let Some(meta) = store.event_meta(&id)? else {
            continue;
        };
        left -= 1;
        let meta = Some(meta);
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
    Ok(0)
}
