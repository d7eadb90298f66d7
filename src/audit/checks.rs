//! The checks of one group's intact events (decoded, id and signature
//! verified), shared by store and bundle audits: forks, chains, links and
//! clocks on the events themselves, then, when the group's events are whole,
//! the rules (unauthorized, revoked, view hashes) by a replay.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::collections::HashSet;

use super::who;
use super::Check;
use super::Finding;
use super::Report;
use super::Severity;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::rules::projection;
use crate::rules::projection::Advance;
use crate::rules::projection::OrderedEvent;
use crate::rules::projection::Verdict;

/// A clock more than a day ahead of the auditor's is skewed.
pub const FUTURE_SLACK_MS: u64 = 24 * 60 * 60 * 1000;

/// One group's events as an audit sees them.
pub struct GroupEvents<'a> {
    pub group: GroupId,
    /// The intact events of the group.
    pub events: &'a HashMap<EventId, SignedEvent>,
    /// Ids known to be held elsewhere (a bundle's prerequisites) or held but
    /// damaged (reported on their own): citing them is not a missing parent.
    pub elsewhere: &'a HashSet<EventId>,
    /// `(author, seq)` of held but damaged events: not a gap in the chain.
    pub damaged_seats: &'a HashSet<(PublicKey, u64)>,
    /// Whether every author's chain must start at seq 1 (a store: yes; a
    /// partial bundle: no).
    pub chains_from_one: bool,
    /// The severity of a parent that is nowhere: error in a store, a warning
    /// in a bundle (the receiver may hold it).
    pub missing_severity: Severity,
    pub now_ms: u64,
}

/// What the structural checks found out.
pub struct Structure {
    /// True when no structural error was found and every parent is present:
    /// the rules can be replayed over these events.
    pub whole: bool,
    /// The events in topological order with Lamport numbers.
    pub ordered: Vec<OrderedEvent>,
}

/// Forks, chains, links and clocks.
pub fn structure(report: &mut Report, input: &GroupEvents<'_>) -> Structure {
    let before = report.findings.len();
    let group = Some(input.group);
    let events = input.events;
    // Equivocation: two events at one (author, seq).
    let mut seats: BTreeMap<(PublicKey, u64), Vec<EventId>> = BTreeMap::new();
    for e in events.values() {
        seats
            .entry((e.event.author, e.event.seq))
            .or_default()
            .push(e.id);
    }
    for ((author, seq), ids) in &mut seats {
        ids.sort();
        for pair in ids.windows(2) {
            report.findings.push(Finding {
                check: Check::Equivocation,
                severity: Check::Equivocation.default_severity(),
                group,
                events: pair.to_vec(),
                message: format!(
                    "{} signed two different events at seq {seq}: {} and {}",
                    who(author),
                    pair[0].short(),
                    pair[1].short()
                ),
                evidence: Some(super::Evidence::Fork(
                    Box::new(events[&pair[0]].clone()),
                    Box::new(events[&pair[1]].clone()),
                )),
            });
        }
    }
    // Seq gaps along each author's chain.
    let mut chains: BTreeMap<PublicKey, Vec<u64>> = BTreeMap::new();
    for (author, seq) in seats.keys().chain(input.damaged_seats.iter()) {
        chains.entry(*author).or_default().push(*seq);
    }
    for seqs in chains.values_mut() {
        seqs.sort_unstable();
        seqs.dedup();
    }
    for (author, seqs) in &chains {
        let first = if input.chains_from_one { 1 } else { seqs[0] };
        let missing: Vec<u64> = (first..=seqs[seqs.len() - 1])
            .filter(|s| seqs.binary_search(s).is_err())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(5).map(u64::to_string).collect();
            report.add(
                Check::SeqGap,
                group,
                Vec::new(),
                format!("{}'s chain lacks seq {}", who(author), shown.join(", ")),
            );
        }
    }
    let mut complete = true;
    for e in sorted(events) {
        complete &= links(report, input, e, &seats);
    }
    clocks(report, input);
    let errors = report.findings[before..]
        .iter()
        .any(|f| f.severity == Severity::Error);
    let ordered = order(events);
    Structure {
        whole: complete && !errors && ordered.len() == events.len(),
        ordered,
    }
}

fn sorted(events: &HashMap<EventId, SignedEvent>) -> Vec<&SignedEvent> {
    let mut list: Vec<&SignedEvent> = events.values().collect();
    list.sort_by_key(|e| e.id);
    list
}

/// Parents and prev of one event; false when some are held nowhere.
fn links(
    report: &mut Report,
    input: &GroupEvents<'_>,
    e: &SignedEvent,
    seats: &BTreeMap<(PublicKey, u64), Vec<EventId>>,
) -> bool {
    let group = Some(input.group);
    let mut complete = true;
    for p in &e.event.parents {
        match input.events.get(&p.id) {
            Some(parent) if parent.event.author != p.author || parent.event.seq != p.seq => report
                .add(
                    Check::BadLink,
                    group,
                    vec![e.id, p.id],
                    format!(
                        "event {} cites parent {} as {}#{}, but it is {}#{}",
                        e.id.short(),
                        p.id.short(),
                        who(&p.author),
                        p.seq,
                        who(&parent.event.author),
                        parent.event.seq
                    ),
                ),
            Some(_) => {}
            None if input.elsewhere.contains(&p.id) => complete = false,
            None => {
                complete = false;
                match seats.get(&(p.author, p.seq)) {
                    Some(held) => report.add(
                        Check::BadParentHash,
                        group,
                        [vec![e.id, p.id], held.clone()].concat(),
                        format!(
                            "event {} cites {}#{} as {}, but the event held there is {}",
                            e.id.short(),
                            who(&p.author),
                            p.seq,
                            p.id.short(),
                            held[0].short()
                        ),
                    ),
                    None => missing(report, input, e, p.id),
                }
            }
        }
    }
    if let Some(prev) = e.event.prev {
        match input.events.get(&prev) {
            Some(p) if p.event.author != e.event.author || p.event.seq + 1 != e.event.seq => report
                .add(
                    Check::BadLink,
                    group,
                    vec![e.id, prev],
                    format!(
                        "event {}'s prev {} is not its author's event at seq {}",
                        e.id.short(),
                        prev.short(),
                        e.event.seq - 1
                    ),
                ),
            Some(_) => {}
            None if input.elsewhere.contains(&prev) => {}
            // A missing prev is also a seq gap or a missing parent; one
            // finding per cause is enough.
            None => complete = false,
        }
    }
    complete
}

fn missing(report: &mut Report, input: &GroupEvents<'_>, e: &SignedEvent, parent: EventId) {
    report.findings.push(Finding {
        check: Check::MissingParent,
        severity: input.missing_severity,
        group: Some(input.group),
        events: vec![e.id, parent],
        message: format!(
            "event {} cites parent {}, which is not held",
            e.id.short(),
            parent.short()
        ),
        evidence: None,
    });
}

/// Time going backwards along a chain, or far in the future.
fn clocks(report: &mut Report, input: &GroupEvents<'_>) {
    let mut chains: BTreeMap<PublicKey, Vec<&SignedEvent>> = BTreeMap::new();
    for e in input.events.values() {
        chains.entry(e.event.author).or_default().push(e);
    }
    for (author, mut chain) in chains {
        chain.sort_by_key(|e| (e.event.seq, e.id));
        for pair in chain.windows(2) {
            let (a, b) = (&pair[0].event, &pair[1].event);
            if b.seq > a.seq && b.time < a.time {
                report.add(
                    Check::ClockSkew,
                    Some(input.group),
                    vec![pair[0].id, pair[1].id],
                    format!(
                        "{}'s clock went back {} ms from seq {} to seq {}",
                        who(&author),
                        a.time - b.time,
                        a.seq,
                        b.seq
                    ),
                );
            }
        }
        let ahead: Vec<&SignedEvent> = chain
            .into_iter()
            .filter(|e| e.event.time > input.now_ms.saturating_add(FUTURE_SLACK_MS))
            .collect();
        if let Some(furthest) = ahead.iter().map(|e| e.event.time).max() {
            report.add(
                Check::ClockSkew,
                Some(input.group),
                ahead.iter().map(|e| e.id).collect(),
                format!(
                    "{} event(s) by {} are dated up to {} h ahead of this machine's clock",
                    ahead.len(),
                    who(&author),
                    (furthest - input.now_ms) / 3_600_000
                ),
            );
        }
    }
}

/// Topological order with Lamport numbers computed here (events whose
/// parents are not all present are left out).
pub fn order(events: &HashMap<EventId, SignedEvent>) -> Vec<OrderedEvent> {
    let list: Vec<SignedEvent> = events.values().cloned().collect();
    projection::order(&list)
}

/// The rules over whole events: unauthorized and revoked events, and view
/// fields that differ from the rules. Returns the replay.
pub fn rules(
    report: &mut Report,
    group: GroupId,
    events: &HashMap<EventId, SignedEvent>,
    ordered: Vec<OrderedEvent>,
) -> Advance {
    let replay = projection::replay(group, ordered.clone());
    for (id, verdict) in &replay.verdicts {
        match verdict {
            Verdict::Effective => {}
            Verdict::Unauthorized(reason) => report.add(
                Check::Unauthorized,
                Some(group),
                vec![*id],
                format!("event {} had no authority: {reason}", id.short()),
            ),
            Verdict::Revoked { by } => report.add(
                Check::Revoked,
                Some(group),
                vec![*id, *by],
                format!(
                    "event {} was revoked by {}, a concurrent removal or demotion of its author",
                    id.short(),
                    by.short()
                ),
            ),
        }
    }
    for (id, view) in projection::event_views(group, ordered) {
        if let Some(e) = events.get(&id) {
            if e.event.view != view {
                report.add(
                    Check::ViewHashMismatch,
                    Some(group),
                    vec![id],
                    format!(
                        "event {} says its author saw view {}, but its past gives {}",
                        id.short(),
                        e.event.view.short(),
                        view.short()
                    ),
                );
            }
        }
    }
    replay
}
