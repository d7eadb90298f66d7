//! `gmm members`: the group's member view, now or as of an event.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::ViewAtJson;
use gmm::json::ViewJson;
use gmm::model::event::PublicKey;
use gmm::repo::replay;
use gmm::repo::resolve;
use gmm::store::view_rows::MemberList;

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
    if args.at.is_none() && !ui.json {
        // The current members alone: no view, no member tree.
        let group = context::find_group(ui, &store, &args.group)?;
        let mut list = store
            .member_list(&group)?
            .ok_or_else(|| gmm::Error::UnknownGroup {
                query: args.group.clone(),
                suggestions: Vec::new(),
            })?;
        if let Some(name) = store.self_name()? {
            list.name_locally(&store.identity()?, &name);
        }
        return print_list(ui, &list);
    }
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
    print_list(ui, &MemberList::of(&view))?;
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

/// One line per member (role, key, name), its devices indented below it,
/// then the count on stderr. One line buffer for all: 100,000 members
/// cost no allocation per line.
fn print_list(ui: &mut Ui, list: &MemberList) -> Result<u8, CommandError> {
    // The short form of a key is the first 16 of its 64 hex characters.
    let width = if ui.verbose > 0 { 64 } else { 16 };
    let mut hex = [0u8; 64];
    let mut line = String::new();
    let mut push_key = |line: &mut String, key: &PublicKey| {
        // Cannot fail: `width / 2` bytes fill exactly `width` hex characters.
        hex::encode_to_slice(&key.0[..width / 2], &mut hex[..width]).expect("hex digits");
        line.push_str(std::str::from_utf8(&hex[..width]).unwrap_or_default());
    };
    for (key, role, name) in list.members() {
        line.clear();
        let role = role.as_str();
        line.push_str(role);
        line.extend(std::iter::repeat_n(' ', 8usize.saturating_sub(role.len())));
        push_key(&mut line, key);
        line.push_str("  ");
        line.push_str(name);
        ui.line(line.trim_end())?;
        for (device, d) in list.devices_of(key) {
            line.clear();
            line.push_str("          device ");
            push_key(&mut line, device);
            line.push_str("  ");
            line.push_str(&d.name);
            ui.line(line.trim_end())?;
        }
    }
    ui.status(&format!("{} member(s) in \"{}\"", list.len(), list.title));
    Ok(0)
}
