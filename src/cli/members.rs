//! `gmm members`: the group's member view.

use gmm::resolve;

use super::context::Context;
use super::error::CommandError;
use super::json;
use super::ui::Ui;

/// Show a group's members and their roles
///
/// Examples:
///   gmm members "Book club"
///   gmm members "Book club" --json | jq -r '.members[] | select(.role == "admin") | .key'
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
    let view = &state.view;
    if ui.json {
        ui.json_line(&json::members(view))?;
        return Ok(0);
    }
    for (key, member) in &view.members {
        let key = if ui.verbose > 0 {
            key.to_hex()
        } else {
            key.short()
        };
        let line = format!("{:<6}  {key}  {}", member.role.as_str(), member.name);
        ui.line(line.trim_end())?;
    }
    ui.status(&format!(
        "{} member(s) in \"{}\"",
        view.members.len(),
        view.title
    ));
    Ok(0)
}
