//! `gmm device unlink`: unlink one of this identity's devices.

use gmm::model::event::Op;
use gmm::model::event::PublicKey;
use gmm::repo::append::Appender;
use gmm::repo::identity;
use gmm::rules::view::View;

use super::groups_for;
use crate::cli::context::now_ms;
use crate::cli::context::Context;
use crate::cli::context::Described;
use crate::cli::context::DryRunArg;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Unlink one of your devices (a lost phone, say)
///
/// Appends an unlink event to every group where the device is linked to this
/// store's identity (or to each --group). Events the device signs
/// concurrently with the unlink are revoked, and later ones have no authority.
///
/// Examples:
///   gmm device unlink phone
///   gmm device unlink 3f2a9c1b --group "Book club"
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The device: its name, key, key prefix (8+ hex) or .pub file
    device: String,
    /// Unlink it in this group only (repeatable) [default: wherever it is linked]
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    #[command(flatten)]
    dry_run: DryRunArg,
}

/// The device `query` names among `me`'s devices in `view`.
fn find_device(query: &str, view: &View, me: &PublicKey) -> Option<PublicKey> {
    let lower = query.to_ascii_lowercase();
    let mine: Vec<(&PublicKey, &gmm::rules::view::Device)> = view.devices_of(me).collect();
    let by_name: Vec<PublicKey> = mine
        .iter()
        .filter(|(_, d)| !d.name.is_empty() && d.name == query)
        .map(|(k, _)| **k)
        .collect();
    if let [one] = by_name.as_slice() {
        return Some(*one);
    }
    let by_key: Vec<PublicKey> = mine
        .iter()
        .filter(|(k, _)| lower.len() >= 8 && k.to_hex().starts_with(&lower))
        .map(|(k, _)| **k)
        .collect();
    match by_key.as_slice() {
        [one] => Some(*one),
        _ => super::device_key(query)
            .ok()
            .filter(|k| view.devices().contains_key(k)),
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    if args.device.trim().is_empty() {
        return Err(gmm::Error::BlankArgument { what: "device" }.into());
    }
    let store = ctx.write_store()?;
    let signer = identity::load_signer(&store)?;
    let me = signer.public();
    let groups = groups_for(ui, &store, &args.groups, &me)?;
    let mut appender = Appender::new(&store, &signer, args.dry_run.dry_run)?;
    let mut described = Vec::new();
    for group in &groups {
        let view = appender.view(group)?;
        let Some(device) = find_device(&args.device, view, &me) else {
            continue;
        };
        let op = Op::UnlinkDevice { device };
        described.push(Described::new(&me, &op, view));
        appender.append(group, op, now_ms())?;
    }
    if described.is_empty() {
        return Err(CommandError::missing(format!(
            "no device of yours matches `{}` in {}",
            args.device,
            if args.groups.is_empty() {
                "any group"
            } else {
                "the groups given"
            }
        ))
        .hint("`gmm device list` shows your devices"));
    }
    super::finish(ui, &store, appender, &described, args.dry_run.dry_run)
}
