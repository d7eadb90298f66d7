//! `why` (SPEC §3): which events decide a member's status and role, which rule
//! decided, and which events about or by the member had no effect. Pure: the
//! store-reading half is `repo::why`.

use crate::model::event::EventId;
use crate::model::event::Op;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::rules::projection::Verdict;
use crate::rules::view::Member;
use crate::rules::view::View;

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
    /// The member's linked devices, each with the events that decide its link.
    pub devices: Vec<(PublicKey, String, Vec<Judged>)>,
    /// When the key is itself a linked device: the member it acts for.
    pub device_of: Option<PublicKey>,
}

fn adds(op: &Op) -> bool {
    match op {
        Op::Create { .. } | Op::Add { .. } => true,
        Op::Remove { .. }
        | Op::Leave
        | Op::SetRole { .. }
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => false,
    }
}

/// Rule 2 and 5 bookkeeping for `why`: is `event` about `member` (added,
/// removed, role set, its own leave, or linked or unlinked as a device) or
/// by it (signed by it, or by a device acting for it)? `acting` is the
/// member the event's author acts for (itself, or the member that linked
/// it as a device, even if the link has ended since). Such an event with
/// no effect is one `why` lists; only such an event's verdict matters.
pub fn is_about_or_by(event: &SignedEvent, member: &PublicKey, acting: &PublicKey) -> bool {
    let about =
        event.event.op.target(*acting) == Some(*member) || event.event.op.device() == Some(*member);
    let by = event.event.author == *member || acting == member;
    about || by
}

impl Explanation {
    /// Explains `member`'s standing in `view`, given the judged events that
    /// `view.decided` names for it (membership and role, in that order) and the
    /// events about or by it that had no effect.
    pub fn new(
        view: &View,
        member: &PublicKey,
        membership: Vec<Judged>,
        role: Vec<Judged>,
        ineffective: Vec<Judged>,
        devices: Vec<(PublicKey, String, Vec<Judged>)>,
    ) -> Explanation {
        let cycles: Vec<Vec<EventId>> = view
            .removal_cycles
            .iter()
            .filter(|c| c.iter().any(|r| r.target == *member))
            .map(|c| c.iter().map(|r| r.event).collect())
            .collect();
        let current = view.members().get(member).cloned();
        let membership_rule = membership_rule(&membership, current.is_some(), !cycles.is_empty());
        let role_rule = match role.len() {
            0 => String::new(),
            1 => "the latest role event decides (rule 3)".to_string(),
            _ => "concurrent role changes: the lowest role wins (rule 4)".to_string(),
        };
        Explanation {
            member: *member,
            current,
            membership,
            membership_rule,
            role,
            role_rule,
            ineffective,
            cycles,
            devices,
            device_of: view.devices().get(member).map(|d| d.member),
        }
    }
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
