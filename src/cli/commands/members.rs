//! `gmm members`: the group's member view, now or as of an event.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::ViewAtJson;
use gmm::json::ViewJson;
use gmm::model::event::PublicKey;
use gmm::model::event::Role;
use gmm::repo::replay;
use gmm::repo::resolve;
use gmm::rules::view::View;

use crate::cli::context;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::shown::shown;
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
        let group = context::find_group(ui, &store, &args.group)?;
        let record = store
            .group_record(&group)?
            .ok_or_else(|| gmm::Error::UnknownGroup {
                query: args.group.clone(),
                suggestions: Vec::new(),
            })?;
        // The current members alone, streamed from the store's member
        // pages: no view, no member tree, no list held. (Between the parts
        // of an import they list nothing yet: the view is read below.)
        if record.members_listed {
            let own = (store.identity()?, store.self_name()?.unwrap_or_default());
            let mut lines = MemberLines::new(ui.verbose > 0);
            store.for_each_member(&group, |member| {
                let name = match member.name {
                    "" if member.key == own.0 => own.1.as_str(),
                    name => name,
                };
                lines.member(ui, &member.key, member.role, name, member.devices())
            })?;
            return lines.finish(ui, &record.view.title);
        }
        let mut view = store.current_view(&group, &record)?;
        context::name_locally(&store, &mut view)?;
        return print_view(ui, &view);
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
    print_view(ui, &view)?;
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

/// The members of a whole view, as [`MemberLines`].
fn print_view(ui: &mut Ui, view: &View) -> Result<u8, CommandError> {
    let mut lines = MemberLines::new(ui.verbose > 0);
    for (key, member) in view.members() {
        let devices = view.devices_of(key).map(|(k, d)| (*k, d.name.as_str()));
        lines.member(ui, key, member.role, &member.name, devices)?;
    }
    lines.finish(ui, &view.title)
}

/// One line per member (role, key, name), its devices indented below it,
/// then the count on stderr. The lines are gathered as bytes in one buffer
/// and written 64 KiB at a time: 100,000 members cost no allocation and no
/// write call per line. Only names can hold hidden characters (roles and
/// hex keys are plain ASCII), so only names pass through [`shown`].
struct MemberLines {
    /// The short form of a key is the first 16 of its 64 hex characters.
    width: usize,
    lines: Vec<u8>,
    count: usize,
}

/// How much of the listing is gathered before it is written.
const WRITTEN_AT_ONCE: usize = 64 << 10;

impl MemberLines {
    fn new(verbose: bool) -> MemberLines {
        MemberLines {
            width: if verbose { 64 } else { 16 },
            lines: Vec::with_capacity(WRITTEN_AT_ONCE + 512),
            count: 0,
        }
    }

    fn member<'a>(
        &mut self,
        ui: &mut Ui,
        key: &PublicKey,
        role: Role,
        name: &str,
        devices: impl Iterator<Item = (PublicKey, &'a str)>,
    ) -> Result<(), CommandError> {
        self.count += 1;
        let role = role.as_str();
        self.lines.extend_from_slice(role.as_bytes());
        let pad = 8usize.saturating_sub(role.len());
        self.lines.extend_from_slice(&b"        "[..pad]);
        self.push_key(key);
        self.end_line(name);
        for (device, name) in devices {
            self.lines.extend_from_slice(b"          device ");
            self.push_key(&device);
            self.end_line(name);
        }
        if self.lines.len() >= WRITTEN_AT_ONCE {
            self.write(ui)?;
        }
        Ok(())
    }

    fn push_key(&mut self, key: &PublicKey) {
        let mut hex = [0u8; 64];
        let hex = &mut hex[..self.width];
        // Cannot fail: `width / 2` bytes fill exactly `width` hex characters.
        hex::encode_to_slice(&key.0[..self.width / 2], hex).expect("hex digits");
        self.lines.extend_from_slice(hex);
    }

    /// Ends a line with two spaces and `name`, or with nothing when it has
    /// none.
    fn end_line(&mut self, name: &str) {
        let name = name.trim_end();
        if !name.is_empty() {
            self.lines.extend_from_slice(b"  ");
            self.lines.extend_from_slice(shown(name).as_bytes());
        }
        self.lines.push(b'\n');
    }

    fn write(&mut self, ui: &mut Ui) -> Result<(), CommandError> {
        ui.out().write_all(&self.lines)?;
        self.lines.clear();
        Ok(())
    }

    fn finish(mut self, ui: &mut Ui, title: &str) -> Result<u8, CommandError> {
        self.write(ui)?;
        ui.status(&format!("{} member(s) in \"{}\"", self.count, title));
        Ok(0)
    }
}
