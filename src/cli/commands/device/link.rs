//! `gmm device link`: link a device key in every group (or the groups named).

use gmm::model::event::Op;
use gmm::repo::append::Appender;
use gmm::repo::identity;

use super::device_key;
use super::groups_for;
use crate::cli::context::now_ms;
use crate::cli::context::Context;
use crate::cli::context::Described;
use crate::cli::context::DryRunArg;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Link a device: events it signs act for this store's identity
///
/// Appends a link event to every group this identity is a member of (or to
/// each --group), so the device, a second store with its own key, can act
/// for you there: `gmm init` on the device prints its key; link it here;
/// then export the group to it. Only your own key links devices (a device
/// cannot), and a device goes when you leave or are removed.
///
/// Examples:
///   gmm device link 3f2a9c1b…e7 --name phone
///   gmm device link ./phone.pub --name phone --group "Book club"
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The device's key: 64 hex characters or its .pub file
    device: String,
    /// A name for the device, shown as `you/NAME`
    #[arg(long, default_value = "")]
    name: String,
    /// Link it in this group only (repeatable) [default: every group you are in]
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    #[command(flatten)]
    dry_run: DryRunArg,
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let device = device_key(&args.device)?;
    let store = ctx.write_store()?;
    let signer = identity::load_signer(&store)?;
    let me = signer.public();
    let groups = groups_for(ui, &store, &args.groups, &me)?;
    let mut appender = Appender::new(&store, &signer, args.dry_run.dry_run)?;
    let mut described = Vec::new();
    for group in &groups {
        let op = Op::LinkDevice {
            device,
            name: args.name.clone(),
        };
        described.push(Described::new(&me, &op, appender.view(group)?));
        appender.append(group, op, now_ms())?;
    }
    super::finish(ui, &store, appender, &described, args.dry_run.dry_run)
}
