//! `gmm members`: the group's member view, now or as of an event.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::ViewAtJson;
use gmm::json::ViewJson;
use gmm::repo::replay;
use gmm::repo::resolve;

use crate::cli::context;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Show a group's members and their roles
///
/// With --at EVENT, shows the view of that event's past plus the event itself:
/// what its author saw after applying it, and says whether that matches the
/// view hash the author signed into the event.
///
/// Examples:
///   gmm members "Book club"
///   gmm members "Book club" --at 9c1e2f3a
///   gmm members "Book club" --json | jq -r '.members[] | select(.role == "admin") | .key'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// Show the view as of this event (id or id prefix, 8+ hex)
    #[arg(long, value_name = "EVENT")]
    at: Option<String>,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let (group, current) = context::group_view(ui, &store, &args.group)?;
    let (view, at) = match &args.at {
        None => (current, None),
        Some(query) => {
            let id = resolve::event(&store, &group, query)?;
            (replay::view_at(&store, &group, &id)?, Some(id))
        }
    };
    let signed_view = match at {
        Some(id) => store
            .event(&id)?
            .filter(|e| !e.event.parents.is_empty())
            .map(|e| e.event.view),
        None => None,
    };
    if ui.json {
        let value = ViewJson::from(&view);
        match at {
            Some(id) => ui.json_line(&ViewAtJson {
                view: value,
                at: id.to_hex(),
                matches_signed_view: signed_view.map(|v| v == view.hash()),
            })?,
            None => ui.json_line(&value)?,
        }
        return Ok(0);
    }
    let shown = |key: &gmm::model::event::PublicKey| {
        if ui.verbose > 0 {
            key.to_hex()
        } else {
            key.short()
        }
    };
    let mut lines = Vec::new();
    let devices = view.devices_by_member();
    for (key, member) in view.members() {
        let line = format!(
            "{:<6}  {}  {}",
            member.role.as_str(),
            shown(key),
            member.name
        );
        lines.push(line.trim_end().to_string());
        for (device, d) in devices.get(key).into_iter().flatten() {
            let line = format!("{:<6}    device {}  {}", "", shown(device), d.name);
            lines.push(line.trim_end().to_string());
        }
    }
    for line in lines {
        ui.line(&line)?;
    }
    ui.status(&format!(
        "{} member(s) in \"{}\"",
        view.members().len(),
        view.title
    ));
    match (at, signed_view) {
        (Some(id), Some(signed)) if signed == view.hash() => ui.status(&format!(
            "as of {}: matches the view hash its author signed",
            id.short()
        )),
        (Some(id), Some(_)) => ui.status(&format!(
            "as of {}: differs from the view hash its author signed (see `gmm audit`)",
            id.short()
        )),
        _ => {}
    }
    Ok(0)
}
