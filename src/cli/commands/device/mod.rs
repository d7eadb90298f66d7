//! `gmm device`: link, unlink and list the devices that act for this
//! store's identity (`docs/projection.md`, devices), one file per subcommand.

mod link;
mod list;
mod unlink;

use std::path::Path;

use gmm::model::event::GroupId;
use gmm::model::event::PublicKey;
use gmm::model::keys;
use gmm::store::Store;

use crate::cli::context::find_group;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

#[derive(clap::Subcommand, Debug)]
pub enum DeviceCommand {
    Link(link::Args),
    Unlink(unlink::Args),
    List(list::Args),
}

pub fn run(ctx: &Context, ui: &mut Ui, command: DeviceCommand) -> Result<u8, CommandError> {
    match command {
        DeviceCommand::Link(args) => link::run(ctx, ui, args),
        DeviceCommand::Unlink(args) => unlink::run(ctx, ui, args),
        DeviceCommand::List(args) => list::run(ctx, ui, args),
    }
}

/// A device key given on the command line: 64 hex characters or a .pub file
/// (a new device is not known by any name yet).
fn device_key(text: &str) -> Result<PublicKey, CommandError> {
    if text.trim().is_empty() {
        return Err(gmm::Error::BlankArgument { what: "device" }.into());
    }
    if let Some(key) = PublicKey::from_hex(&text.to_ascii_lowercase()) {
        return Ok(key);
    }
    if Path::new(text).exists() {
        return Ok(keys::load_public(Path::new(text))?);
    }
    Err(CommandError::usage(format!(
        "`{text}` is not a device key: give its 64 hex characters or its .pub file"
    ))
    .hint("on the new device, `gmm init` prints its key (and `gmm id` prints it again)"))
}

/// The groups named with `--group`, or every group where `me` is a member.
fn groups_for(
    ui: &mut Ui,
    store: &Store,
    named: &[String],
    me: &PublicKey,
) -> Result<Vec<GroupId>, CommandError> {
    if !named.is_empty() {
        return named.iter().map(|g| find_group(ui, store, g)).collect();
    }
    let mut out = Vec::new();
    let mut device_of = None;
    for group in store.groups()? {
        if let Some(view) = store.group_view(&group)? {
            if view.members().contains_key(me) {
                out.push(group);
            } else if let Some(d) = view.devices().get(me) {
                device_of = Some((view.label(&d.member), view.title.clone()));
            }
        }
    }
    if let (true, Some((member, title))) = (out.is_empty(), device_of) {
        return Err(CommandError::from(gmm::Error::Unauthorized(
            gmm::rules::view::Unauthorized(format!(
                "this store's key is a device of {member} (in \"{title}\"); only a member's own key may link or unlink devices"
            )),
        )));
    }
    if out.is_empty() {
        return Err(CommandError::missing(
            "this store's identity is a member of no group: nothing to link a device in",
        )
        .hint("`gmm group list` shows the groups; devices are linked per group"));
    }
    Ok(out)
}

/// Signs and stores the drafted device ops and reports each (or, with
/// `--dry-run`, shows what would be signed); `described` are the drafts'
/// descriptions, in draft order.
fn finish(
    ui: &mut Ui,
    store: &Store,
    appender: gmm::repo::append::Appender<'_>,
    described: &[crate::cli::context::Described],
    dry_run: bool,
) -> Result<u8, CommandError> {
    if dry_run {
        crate::cli::context::report_preview(ui, appender.preview()?)?;
        return Ok(0);
    }
    let committed = appender.commit()?;
    for (event, described) in committed.iter().zip(described) {
        crate::cli::context::report_event(store, ui, described, event)?;
    }
    Ok(0)
}
