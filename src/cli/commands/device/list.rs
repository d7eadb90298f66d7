//! `gmm device list`: the linked devices of a group's members.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::DeviceJson;

use crate::cli::context::find_group;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// List linked devices, per group and member
///
/// Without GROUP, lists the devices in every group of the store. --json
/// prints one object per device.
///
/// Examples:
///   gmm device list
///   gmm device list "Book club" --json | jq -r '.device'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title [default: every group]
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: Option<String>,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let groups = match &args.group {
        Some(query) => vec![find_group(ui, &store, query)?],
        None => store.groups()?,
    };
    let mut count = 0;
    for group in groups {
        let Some(view) = store.group_view(&group)? else {
            continue;
        };
        for (key, device) in view.devices() {
            count += 1;
            if ui.json {
                ui.json_line(&DeviceJson {
                    group: group.to_hex(),
                    member: device.member.to_hex(),
                    member_name: view.names.get(&device.member).cloned().unwrap_or_default(),
                    device: key.to_hex(),
                    name: device.name.clone(),
                })?;
            } else {
                ui.line(&format!(
                    "{:<16}  {:<16}  {}  {}",
                    view.title,
                    view.label(&device.member),
                    key,
                    device.name
                ))?;
            }
        }
    }
    if count == 0 && !ui.json {
        ui.status("no linked devices");
    }
    Ok(0)
}
