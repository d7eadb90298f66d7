//! `gmm why`: which events decide a member's status and role.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::EventJson;
use gmm::json::RuleJson;
use gmm::json::WhyJson;
use gmm::repo::why;
use gmm::rules::explain::Judged;
use gmm::rules::projection::Verdict;
use gmm::rules::view::View;
use gmm::store::EventMeta;
use gmm::store::Store;

use crate::cli::context;
use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::json;
use crate::cli::ui::Ui;

/// Explain a member's status and role
///
/// Shows the events that decide whether MEMBER is in the group and with which
/// role, the rule of SPEC §3 that decided, and the events about or by MEMBER
/// that had no effect (unauthorized, or revoked by a concurrent removal).
///
/// Example:
///   gmm why "Book club" bob
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// The member: key, key prefix (8+ hex) or name
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::members))]
    member: String,
}

fn judged_json(store: &Store, j: &Judged, view: &View) -> EventJson {
    let meta = store.event_meta(&j.event.id).ok().flatten();
    let meta = meta.or_else(|| {
        Some(EventMeta {
            group: view.group,
            lamport: 0,
            log_index: 0,
            verdict: j.verdict.clone(),
            ancestry: gmm::rules::links::Ancestry::root(j.event.id),
        })
    });
    EventJson::new(&j.event, meta.as_ref(), view)
}

fn line(store: &Store, j: &Judged, view: &View) -> String {
    let by = match &j.verdict {
        Verdict::Revoked { by } => store.event(by).ok().flatten(),
        _ => None,
    };
    format!(
        "    {}",
        json::judged_line(&j.event, &j.verdict, by.as_ref(), view)
    )
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let (group, view) = context::group_view(ui, &store, &args.group)?;
    let view = &view;
    let names = why::MemberNames::new(&store, &group, view);
    let member = names.resolve(&args.member)?;
    let name = names.name_of(&member)?;
    let why = why::explain(&store, &group, view, &member)?;
    if ui.json {
        let events = |list: &[Judged]| -> Vec<EventJson> {
            list.iter().map(|j| judged_json(&store, j, view)).collect()
        };
        ui.json_line(&WhyJson {
            group: group.to_hex(),
            member: member.to_hex(),
            name: name.clone(),
            is_member: why.current.is_some(),
            role: why.current.as_ref().map(|m| m.role.as_str().to_string()),
            membership: RuleJson {
                rule: why.membership_rule.clone(),
                events: events(&why.membership),
            },
            role_decided_by: RuleJson {
                rule: why.role_rule.clone(),
                events: events(&why.role),
            },
            ineffective: events(&why.ineffective),
            cycles: why
                .cycles
                .iter()
                .map(|c| c.iter().map(|id| id.to_hex()).collect())
                .collect(),
            devices: why
                .devices
                .iter()
                .map(|(key, name, linked_by)| gmm::json::WhyDeviceJson {
                    key: key.to_hex(),
                    name: name.clone(),
                    linked_by: events(linked_by),
                })
                .collect(),
            device_of: why.device_of.map(|m| m.to_hex()),
        })?;
        return Ok(0);
    }
    let label = match name.as_str() {
        "" => member.short(),
        name => format!("{name} ({})", member.short()),
    };
    match (&why.current, &why.device_of) {
        (Some(m), _) => ui.line(&format!("{label} is a member, role {}", m.role))?,
        (None, Some(of)) => ui.line(&format!(
            "{label} is a device of {}: its events act for them",
            view.label(of)
        ))?,
        (None, None) => ui.line(&format!("{label} is not a member"))?,
    }
    ui.line(&format!("  membership: {}", why.membership_rule))?;
    for j in &why.membership {
        ui.line(&line(&store, j, view))?;
    }
    if why.current.is_some() && !why.role.is_empty() {
        ui.line(&format!("  role: {}", why.role_rule))?;
        for j in &why.role {
            ui.line(&line(&store, j, view))?;
        }
    }
    for (key, name, linked_by) in &why.devices {
        let name = if name.is_empty() {
            String::new()
        } else {
            format!("{name} ")
        };
        ui.line(&format!(
            "  device {name}({}): linked while every maximal link event holds (rules 3, 4, 5)",
            key.short()
        ))?;
        for j in linked_by {
            ui.line(&line(&store, j, view))?;
        }
    }
    if !why.ineffective.is_empty() {
        ui.line("  events about or by them that had no effect:")?;
        for j in &why.ineffective {
            ui.line(&line(&store, j, view))?;
        }
    }
    for cycle in &why.cycles {
        let ids: Vec<String> = cycle.iter().map(|id| id.short()).collect();
        ui.line(&format!(
            "  removal cycle (shown as a conflict): {}",
            ids.join(", ")
        ))?;
    }
    Ok(0)
}
