//! `gmm group create`: sign a Create and the first members' Adds.

use gmm::json::GroupCreateJson;
use gmm::json::ViewJson;
use gmm::model::event::Op;
use gmm::model::event::Role;
use gmm::repo::append::Appender;
use gmm::repo::identity;
use gmm::repo::resolve;

use crate::cli::context::now_ms;
use crate::cli::context::report_preview;
use crate::cli::context::Context;
use crate::cli::context::DryRunArg;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Create a group, optionally with its first members
///
/// Signs a Create event (you become the owner) and one Add per --member, all in
/// one transaction. Prints the new group's id.
///
/// Examples:
///   gmm group create "Book club"
///   gmm group create "Ops" --member 3f2a…c9:admin:carol --member ./dave.pub
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group's title
    title: String,
    /// A first member: KEY[:ROLE[:NAME]], ROLE `member` (default) or `admin`
    #[arg(long = "member", short = 'm', value_name = "KEY[:ROLE[:NAME]]")]
    members: Vec<String>,
    #[command(flatten)]
    dry_run: DryRunArg,
}

/// Splits `KEY[:ROLE[:NAME]]`.
fn parse_member_spec(spec: &str) -> Result<(&str, Role, &str), CommandError> {
    let mut parts = spec.splitn(3, ':');
    let key = parts.next().unwrap_or_default();
    let role = match parts.next() {
        None | Some("") => Role::Member,
        Some(text) => Role::parse(text).ok_or_else(|| {
            CommandError::usage(format!("`{text}` in --member {spec} is not a role"))
                .hint("roles are `member` and `admin`")
        })?,
    };
    Ok((key, role, parts.next().unwrap_or_default()))
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.write_store()?;
    let signer = identity::load_signer(&store)?;
    let contacts = resolve::known_keys(&store)?;
    let mut ops = Vec::new();
    for spec in &args.members {
        let (query, role, name) = parse_member_spec(spec)?;
        let member = resolve::member(query, &contacts, "this store")?;
        let name = if name.is_empty() {
            contacts.get(&member).cloned().unwrap_or_default()
        } else {
            name.to_string()
        };
        ops.push(Op::Add { member, role, name });
    }
    let mut appender = Appender::new(&store, &signer, args.dry_run.dry_run)?;
    let mut nonce = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
    let time = now_ms();
    let group = appender.create_group(&args.title, nonce, time)?;
    for op in ops {
        appender.append(&group, op, time)?;
    }
    if args.dry_run.dry_run {
        report_preview(ui, appender.preview()?)?;
        return Ok(0);
    }
    let events = appender.commit()?;
    if ui.json {
        let view = store.group_view(&group)?.unwrap_or_default();
        ui.json_line(&GroupCreateJson {
            group: group.to_hex(),
            title: args.title.clone(),
            events: events.iter().map(|e| e.id.to_hex()).collect(),
            view: ViewJson::from(&view),
        })?;
    } else {
        ui.line(&group.to_hex())?;
        ui.status(&format!(
            "created group \"{}\" with {} member(s)",
            args.title,
            events.len()
        ));
    }
    Ok(0)
}
