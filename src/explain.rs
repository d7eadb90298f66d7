//! `why` (SPEC §3): which events decide a member's status and role, which rule
//! decided, and which events about or by the member had no effect.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::event::EventId;
use crate::event::GroupId;
use crate::event::Op;
use crate::event::PublicKey;
use crate::event::SignedEvent;
use crate::projection::Verdict;
use crate::store::Store;
use crate::view::Member;
use crate::view::View;

/// An event with its verdict.
#[derive(Clone, Debug)]
pub struct Judged {
    pub event: SignedEvent,
    pub verdict: Verdict,
}

/// The explanation of one member's standing.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub member: PublicKey,
    pub current: Option<Member>,
    /// The maximal effective events setting membership, and the rule applied.
    pub membership: Vec<Judged>,
    pub membership_rule: String,
    /// The maximal effective events setting the role, and the rule applied.
    pub role: Vec<Judged>,
    pub role_rule: String,
    /// Events about or by the member that were unauthorized or revoked.
    pub ineffective: Vec<Judged>,
    /// Removal cycles the member's removal is part of (as event ids).
    pub cycles: Vec<Vec<EventId>>,
}

fn judged(store: &Store, ids: &[EventId]) -> Result<Vec<Judged>> {
    let mut out = Vec::new();
    for id in ids {
        if let (Some(event), Some(meta)) = (store.event(id)?, store.event_meta(id)?) {
            out.push(Judged {
                event,
                verdict: meta.verdict,
            });
        }
    }
    Ok(out)
}

fn adds(op: &Op) -> bool {
    matches!(op, Op::Create { .. } | Op::Add { .. })
}

/// Explains why `member` stands where it does in the group's current view.
pub fn explain(
    store: &Store,
    group: &GroupId,
    view: &View,
    member: &PublicKey,
) -> Result<Explanation> {
    let decided = view.decided.get(member).cloned().unwrap_or_default();
    let membership = judged(store, &decided.membership)?;
    let role = judged(store, &decided.role)?;
    let cycles: Vec<Vec<EventId>> = view
        .removal_cycles
        .iter()
        .filter(|c| c.iter().any(|r| r.target == *member))
        .map(|c| c.iter().map(|r| r.event).collect())
        .collect();
    let current = view.members.get(member).cloned();
    let membership_rule = membership_rule(&membership, current.is_some(), !cycles.is_empty());
    let role_rule = match role.len() {
        0 => String::new(),
        1 => "the latest role event decides (rule 3)".to_string(),
        _ => "concurrent role changes: the lowest role wins (rule 4)".to_string(),
    };
    let mut ineffective = Vec::new();
    for id in store.group_event_ids(group)? {
        let (Some(event), Some(meta)) = (store.event(&id)?, store.event_meta(&id)?) else {
            continue;
        };
        let about = event.event.op.target(event.event.author) == Some(*member);
        if (about || event.event.author == *member) && !meta.verdict.is_effective() {
            ineffective.push(Judged {
                event,
                verdict: meta.verdict,
            });
        }
    }
    Ok(Explanation {
        member: *member,
        current,
        membership,
        membership_rule,
        role,
        role_rule,
        ineffective,
        cycles,
    })
}

/// Every key an event of the group names, with the name an Add gave it (or
/// the view's name): the candidates `why` resolves against, since a member
/// added only by a revoked event is in no view.
pub fn named_keys(
    store: &Store,
    group: &GroupId,
    view: &View,
) -> Result<BTreeMap<PublicKey, String>> {
    let mut names = view.names.clone();
    for id in store.group_event_ids(group)? {
        let Some(event) = store.event(&id)? else {
            continue;
        };
        if let Op::Add { member, name, .. } = &event.event.op {
            names.entry(*member).or_insert_with(|| name.clone());
        }
        names.entry(event.event.author).or_default();
    }
    Ok(names)
}

fn membership_rule(deciders: &[Judged], is_member: bool, in_cycle: bool) -> String {
    let all_add = deciders.iter().all(|j| adds(&j.event.event.op));
    let any_add = deciders.iter().any(|j| adds(&j.event.event.op));
    match (is_member, deciders.len()) {
        (_, 0) => "no effective event is about this key".to_string(),
        (true, 1) => "the latest membership event adds them (rule 3)".to_string(),
        (true, _) => "every concurrent latest membership event adds them (rules 3, 4)".to_string(),
        (false, _) if in_cycle => {
            "removed in a removal cycle: every removal in a cycle takes effect (rule 5)".to_string()
        }
        (false, _) if any_add && !all_add => {
            "an add and a removal are concurrent: remove wins (rule 4)".to_string()
        }
        (false, 1) => "the latest membership event removes them (rule 3)".to_string(),
        (false, _) => "concurrent removals (rules 3, 4)".to_string(),
    }
}
