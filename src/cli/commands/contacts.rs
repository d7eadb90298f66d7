//! `gmm contacts`: the keys this store knows, with names and groups.

use std::collections::BTreeMap;

use gmm::json::ContactGroupJson;
use gmm::json::ContactJson;
use gmm::model::event::PublicKey;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// List the keys this store knows, with their names and groups
///
/// Every key a group of this store names (members now and former ones), and
/// this store's own identity, marked `(you)`. A key's name is the one a group
/// gave it (several groups may disagree: each is listed), or for your own
/// key the name given with `gmm init --name`. These are the names `add` and
/// the other commands accept in place of a key.
///
/// Examples:
///   gmm contacts
///   gmm contacts --json | jq -r 'select(.name == "carol") | .key'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {}

pub fn run(ctx: &Context, ui: &mut Ui, _args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let me = store.identity()?;
    let my_name = store.self_name()?;
    let mut contacts: BTreeMap<PublicKey, Vec<ContactGroupJson>> = BTreeMap::new();
    contacts.entry(me).or_default();
    for group in store.groups()? {
        let Some(view) = store.group_view(&group)? else {
            continue;
        };
        for (key, name) in &view.names {
            contacts.entry(*key).or_default().push(ContactGroupJson {
                group: group.to_hex(),
                title: view.title.clone(),
                name: name.clone(),
                role: view.role_of(key).map(|r| r.as_str().to_string()),
            });
        }
    }
    for (key, groups) in contacts {
        let is_self = key == me;
        let group_name = groups
            .iter()
            .map(|g| g.name.as_str())
            .find(|n| !n.is_empty());
        let name = match (is_self, &my_name, group_name) {
            (true, Some(mine), _) => mine.clone(),
            (_, _, Some(name)) => name.to_string(),
            _ => String::new(),
        };
        if ui.json {
            ui.json_line(&ContactJson {
                key: key.to_hex(),
                name,
                is_self,
                groups,
            })?;
            continue;
        }
        let id = if ui.verbose > 0 {
            key.to_hex()
        } else {
            key.short()
        };
        let mut line = format!("{id}  {}", if name.is_empty() { "-" } else { &name });
        if is_self {
            line.push_str(" (you)");
        }
        let titles: Vec<String> = groups
            .iter()
            .map(|g| match &g.role {
                Some(role) => format!("\"{}\" ({role})", g.title),
                None => format!("\"{}\" (former)", g.title),
            })
            .collect();
        if !titles.is_empty() {
            line.push_str(&format!("  in {}", titles.join(", ")));
        }
        ui.line(&line)?;
    }
    Ok(0)
}
