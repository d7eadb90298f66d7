//! `gmm diff`: how this store and a peer differ in one group.

use clap_complete::engine::ArgValueCompleter;
use gmm::json::DiffJson;
use gmm::json::HereThereJson;
use gmm::json::IdsJson;
use gmm::json::MemberJson;
use gmm::json::RoleDiffJson;
use gmm::json::SideJson;
use gmm::json::ThereJson;
use gmm::peer;
use gmm::peer::Diff;
use gmm::rules::view::Changes;
use gmm::rules::view::View;

use crate::cli::context::Context;
use crate::cli::error::CommandError;
use crate::cli::error::EXIT_DIFFERENCES;
use crate::cli::peer_arg;
use crate::cli::peer_arg::PeerArgs;
use crate::cli::ui::Ui;

/// Show how this store and a peer differ in a group
///
/// Compares members (only here, only there), roles and title, the events each
/// side lacks, and where the two diverged, and sums it up as equal, behind
/// (we lack events), ahead (the peer lacks events), diverged (both), or forked
/// (the difference holds two events at one seq). Walks back from both sides'
/// heads and stops at what both have: the cost follows the difference. Exits 0
/// when views and event sets are equal, 1 otherwise.
///
/// Examples:
///   gmm diff "Book club" ../bob-store
///   gmm diff "Book club" from-bob.gmm
///   gmm diff "Book club" --heads 9c1e2f3a4b5c6d7e,5cb0716ce0f45ba4
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    #[command(flatten)]
    peer: PeerArgs,
}

fn to_json(diff: &Diff) -> DiffJson {
    let c = &diff.comparison;
    let hexes = |ids: &[gmm::model::event::EventId]| ids.iter().map(|id| id.to_hex()).collect();
    let members = |list: &[(gmm::model::event::PublicKey, gmm::rules::view::Member)]| {
        list.iter().map(|(k, m)| MemberJson::new(k, m)).collect()
    };
    let mut value = DiffJson {
        verdict: diff.verdict.as_str().into(),
        here: SideJson {
            view_hash: diff.ours_view.hash().to_hex(),
            heads: hexes(&diff.ours_heads),
        },
        there: ThereJson {
            view_hash: diff.theirs_view_hash.map(|h| h.to_hex()),
            heads: hexes(&diff.theirs_heads),
            view_known: diff.theirs_view.is_some(),
        },
        members_only_here: None,
        members_only_there: None,
        roles: None,
        title: None,
        events_only_here: IdsJson::new(&c.ours_only),
        events_only_there: IdsJson::new(
            &[c.theirs_only.clone(), c.unknown_theirs.clone()].concat(),
        ),
        frontier: hexes(&c.frontier),
        forks: c
            .forks
            .iter()
            .map(|(a, b)| [a.to_hex(), b.to_hex()])
            .collect(),
        visited: c.visited,
    };
    if let Some(theirs) = &diff.theirs_view {
        let changes = Changes::between(theirs, &diff.ours_view);
        value.members_only_here = Some(members(&changes.added));
        value.members_only_there = Some(members(&changes.removed));
        value.roles = Some(
            changes
                .roles
                .iter()
                .map(|(k, there, here)| RoleDiffJson {
                    key: k.to_hex(),
                    here: here.as_str().into(),
                    there: there.as_str().into(),
                })
                .collect(),
        );
        value.title = Some(
            changes
                .title
                .map(|(there, here)| HereThereJson { here, there }),
        );
    }
    value
}

fn human(ui: &mut Ui, diff: &Diff, verbose: bool) -> std::io::Result<()> {
    let c = &diff.comparison;
    let there_count = c.theirs_only.len() + c.unknown_theirs.len();
    ui.line(&format!(
        "{}: {} event(s) only here, {} only there",
        diff.verdict.as_str(),
        c.ours_only.len(),
        there_count
    ))?;
    let view: &View = &diff.ours_view;
    match &diff.theirs_view {
        Some(theirs) => {
            let changes = Changes::between(theirs, view);
            for (key, m) in &changes.added {
                ui.line(&format!(
                    "member only here:  {} ({})",
                    view.label(key),
                    m.role
                ))?;
            }
            for (key, m) in &changes.removed {
                ui.line(&format!(
                    "member only there: {} ({})",
                    theirs.label(key),
                    m.role
                ))?;
            }
            for (key, there, here) in &changes.roles {
                ui.line(&format!(
                    "role of {}: {here} here, {there} there",
                    view.label(key)
                ))?;
            }
            if let Some((there, here)) = &changes.title {
                ui.line(&format!("title: \"{here}\" here, \"{there}\" there"))?;
            }
        }
        None => ui.line("their view: unknown here (this store lacks part of their past)")?,
    }
    let show = |list: &[gmm::model::event::EventId]| {
        let n = if verbose { list.len() } else { IdsJson::FIRST };
        let mut shown: Vec<String> = list.iter().take(n).map(|id| id.short()).collect();
        if list.len() > n {
            shown.push(format!("… {} more", list.len() - n));
        }
        shown.join(", ")
    };
    if !c.ours_only.is_empty() {
        ui.line(&format!("events they lack: {}", show(&c.ours_only)))?;
    }
    let theirs: Vec<_> = [c.theirs_only.clone(), c.unknown_theirs.clone()].concat();
    if !theirs.is_empty() {
        ui.line(&format!("events we lack:   {}", show(&theirs)))?;
    }
    if !c.frontier.is_empty() {
        ui.line(&format!("diverged after:   {}", show(&c.frontier)))?;
    }
    if !c.unknown_theirs.is_empty() {
        ui.line(&format!(
            "note: {} of their heads are unknown here, so what they lack is counted against their known heads only",
            c.unknown_theirs.len()
        ))?;
    }
    for (a, b) in &c.forks {
        ui.line(&format!(
            "fork: {} here and {} there share an author and seq",
            a.short(),
            b.short()
        ))?;
    }
    Ok(())
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let store = ctx.read_store()?;
    let group = crate::cli::context::find_group(ui, &store, &args.group)?;
    let peer = peer_arg::peer(&store, &group, &args.peer)?;
    let diff = peer::diff(&store, &group, &peer)?;
    if ui.json {
        ui.json_line(&to_json(&diff))?;
    } else {
        human(ui, &diff, ui.verbose > 0)?;
    }
    Ok(if diff.is_equal() { 0 } else { EXIT_DIFFERENCES })
}
