//! `gmm group create` and `gmm group list`.

use gmm::append::Appender;
use gmm::event::Op;
use gmm::event::Role;
use gmm::identity;
use gmm::resolve;
use serde_json::json;

use super::context::now_ms;
use super::context::Context;
use super::error::CommandError;
use super::error::EXIT_USAGE;
use super::json;
use super::ui::Ui;

#[derive(clap::Subcommand, Debug)]
pub enum GroupCommand {
    Create(CreateArgs),
    List(ListArgs),
}

/// Create a group, optionally with its first members
///
/// Signs a Create event (you become the owner) and one Add per --member, all in
/// one transaction. Prints the new group's id.
///
/// Examples:
///   gmm group create "Book club"
///   gmm group create "Ops" --member 3f2a…c9:admin:carol --member ./dave.pub
#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// The group's title
    title: String,
    /// A first member: KEY[:ROLE[:NAME]], ROLE `member` (default) or `admin`
    #[arg(long = "member", short = 'm', value_name = "KEY[:ROLE[:NAME]]")]
    members: Vec<String>,
}

/// List the groups in this store
///
/// One line per group: short id, member count, title (`-v` for full ids).
///
/// Examples:
///   gmm group list
///   gmm group list --json | jq -r 'select(.members > 100) | .title'
#[derive(clap::Args, Debug)]
pub struct ListArgs {}

pub fn run(ctx: &Context, ui: &mut Ui, command: GroupCommand) -> Result<u8, CommandError> {
    match command {
        GroupCommand::Create(args) => create(ctx, ui, args),
        GroupCommand::List(_) => list(ctx, ui),
    }
}

/// Splits `KEY[:ROLE[:NAME]]`.
fn parse_member_spec(spec: &str) -> Result<(&str, Role, &str), CommandError> {
    let mut parts = spec.splitn(3, ':');
    let key = parts.next().unwrap_or_default();
    let role = match parts.next() {
        None | Some("") => Role::Member,
        Some(text) => Role::parse(text).ok_or_else(|| {
            CommandError::new(
                EXIT_USAGE,
                format!("`{text}` in --member {spec} is not a role"),
            )
            .hint("roles are `member` and `admin`")
        })?,
    };
    Ok((key, role, parts.next().unwrap_or_default()))
}

fn create(ctx: &Context, ui: &mut Ui, args: CreateArgs) -> Result<u8, CommandError> {
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
    let mut appender = Appender::new(&store, &signer)?;
    let mut nonce = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
    let time = now_ms();
    let group = appender.create_group(&args.title, nonce, time)?;
    for op in ops {
        appender.append(&group, op, time)?;
    }
    let events = appender.commit()?;
    if ui.json {
        let view = store.group_state(&group)?;
        let view = view.map(|s| s.frontier.view).unwrap_or_default();
        ui.json_line(&json!({
            "group": group.to_hex(),
            "title": args.title,
            "events": events.iter().map(|e| e.id.to_hex()).collect::<Vec<_>>(),
            "view": json::members(&view),
        }))?;
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

fn list(ctx: &Context, ui: &mut Ui) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    for group in store.groups()? {
        let Some(state) = store.group_state(&group)? else {
            continue;
        };
        let view = &state.view();
        if ui.json {
            ui.json_line(&json!({
                "group": group.to_hex(),
                "title": view.title,
                "members": view.members.len(),
                "events": state.event_count,
                "view_hash": view.hash().to_hex(),
            }))?;
        } else {
            let id = if ui.verbose > 0 {
                group.to_hex()
            } else {
                group.short()
            };
            ui.line(&format!(
                "{id}  {:>3} members  {}",
                view.members.len(),
                view.title
            ))?;
        }
    }
    Ok(0)
}
