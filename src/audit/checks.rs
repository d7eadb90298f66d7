//! The checks of one group's intact events (decoded, id and signature
//! verified), shared by store and bundle audits: forks, chains, links and
//! clocks on the events themselves, then, when the group's events are whole,
//! the rules (unauthorized, revoked, view hashes) by a replay.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
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
use crate::model::event::ViewHash;
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
    let events = input.events;
    let mut by_seat: Vec<Seat> = events.values().map(Seat::of).collect();
    by_seat.sort_unstable_by_key(Seat::order_key);
    let chains = SeatChecks {
        group: input.group,
        damaged: input.damaged_seats,
        chains_from_one: input.chains_from_one,
        now_ms: input.now_ms,
    };
    chains.run(report, by_seat.into_iter(), &mut |id| {
        events.get(id).cloned()
    });
    let mut held: Option<HeldAtSeats> = None;
    let mut complete = true;
    for e in sorted(events) {
        complete &= links(report, input, e, &mut held);
    }
    let errors = report.findings[before..]
        .iter()
        .any(|f| f.severity == Severity::Error);
    let ordered = order(events);
    Structure {
        whole: complete && !errors && ordered.len() == events.len(),
        ordered,
    }
}

/// One event by its seat: who signed it, at which seq, and when it says.
#[derive(Clone, Copy, Debug)]
pub struct Seat {
    pub author: PublicKey,
    pub seq: u64,
    pub id: EventId,
    pub time: u64,
}

impl Seat {
    pub fn of(e: &SignedEvent) -> Seat {
        Seat {
            author: e.event.author,
            seq: e.event.seq,
            id: e.id,
            time: e.event.time,
        }
    }

    /// The order [`SeatChecks::run`] takes seats in.
    pub fn order_key(&self) -> (PublicKey, u64, EventId) {
        (self.author, self.seq, self.id)
    }
}

/// The checks that follow each author's chain: equivocations (two events at
/// one seq), seq gaps, and clocks (time going back along a chain, or far
/// ahead of the auditor's). One pass over the group's events in seat order,
/// holding one author's state at a time, so a store audit runs it over a log
/// of any length in constant memory.
pub struct SeatChecks<'a> {
    pub group: GroupId,
    /// `(author, seq)` of held but damaged events: not a gap in the chain.
    pub damaged: &'a HashSet<(PublicKey, u64)>,
    /// Whether every chain must start at seq 1 (a store: yes; a partial bundle: no).
    pub chains_from_one: bool,
    pub now_ms: u64,
}

/// What [`SeatChecks`] holds of the author whose chain it is reading.
struct Chain {
    author: PublicKey,
    last: Seat,
    /// The highest seq accounted for (held, or held but damaged).
    reached: u64,
    /// The first missing seqs (at most five shown) and whether there are any.
    missing: Vec<u64>,
    ahead: Vec<EventId>,
    furthest: u64,
}

impl SeatChecks<'_> {
    /// Runs the checks over `seats`, sorted by [`Seat::order_key`]; `fetch`
    /// gives the two events of a fork for its evidence. Returns the authors
    /// that equivocated.
    pub fn run(
        &self,
        report: &mut Report,
        seats: impl Iterator<Item = Seat>,
        fetch: &mut dyn FnMut(&EventId) -> Option<SignedEvent>,
    ) -> BTreeSet<PublicKey> {
        let mut forked = BTreeSet::new();
        let mut damaged: BTreeMap<PublicKey, Vec<u64>> = BTreeMap::new();
        for (author, seq) in self.damaged {
            damaged.entry(*author).or_default().push(*seq);
        }
        for seqs in damaged.values_mut() {
            seqs.sort_unstable();
        }
        let mut chain: Option<Chain> = None;
        let mut seen = BTreeSet::new();
        for seat in seats {
            match &mut chain {
                Some(c) if c.author == seat.author => {
                    if c.last.seq == seat.seq {
                        forked.insert(seat.author);
                        self.fork(report, c.last.id, seat, fetch);
                    } else if seat.time < c.last.time {
                        report.add(
                            Check::ClockSkew,
                            Some(self.group),
                            vec![c.last.id, seat.id],
                            format!(
                                "{}'s clock went back {} ms from seq {} to seq {}",
                                who(&seat.author),
                                c.last.time - seat.time,
                                c.last.seq,
                                seat.seq
                            ),
                        );
                    }
                }
                _ => {
                    if let Some(done) = chain.take() {
                        self.end_chain(report, done, &damaged);
                    }
                    seen.insert(seat.author);
                    chain = Some(self.open_chain(seat));
                }
            }
            // Cannot fail: `chain` was set just above when it was `None`.
            let c = chain.as_mut().expect("a chain is open");
            let held = damaged.get(&seat.author).map_or(&[][..], Vec::as_slice);
            c.account(seat.seq, held);
            if seat.time > self.now_ms.saturating_add(FUTURE_SLACK_MS) {
                c.ahead.push(seat.id);
                c.furthest = c.furthest.max(seat.time);
            }
            c.last = seat;
        }
        if let Some(done) = chain {
            self.end_chain(report, done, &damaged);
        }
        // An author whose every held event is damaged still has a chain.
        for (author, seqs) in &damaged {
            if !seen.contains(author) {
                let mut only = self.open_chain(Seat {
                    author: *author,
                    seq: seqs[0],
                    id: EventId::default(),
                    time: 0,
                });
                only.account(seqs[0], seqs);
                self.end_chain(report, only, &damaged);
            }
        }
        forked
    }

    fn open_chain(&self, first: Seat) -> Chain {
        Chain {
            author: first.author,
            last: first,
            reached: match self.chains_from_one {
                true => 0,
                false => first.seq.saturating_sub(1),
            },
            missing: Vec::new(),
            ahead: Vec::new(),
            furthest: 0,
        }
    }

    fn fork(
        &self,
        report: &mut Report,
        first: EventId,
        seat: Seat,
        fetch: &mut dyn FnMut(&EventId) -> Option<SignedEvent>,
    ) {
        let evidence = match (fetch(&first), fetch(&seat.id)) {
            (Some(a), Some(b)) => Some(super::Evidence::Fork(Box::new(a), Box::new(b))),
            _ => None,
        };
        report.findings.push(Finding {
            check: Check::Equivocation,
            severity: Check::Equivocation.default_severity(),
            group: Some(self.group),
            events: vec![first, seat.id],
            message: format!(
                "{} signed two different events at seq {}: {} and {}",
                who(&seat.author),
                seat.seq,
                first.short(),
                seat.id.short()
            ),
            evidence,
        });
    }

    fn end_chain(
        &self,
        report: &mut Report,
        mut chain: Chain,
        damaged: &BTreeMap<PublicKey, Vec<u64>>,
    ) {
        if let Some(seqs) = damaged.get(&chain.author) {
            // Damaged events after the last held one extend the chain.
            if let Some(&last) = seqs.last() {
                chain.account(last, seqs);
            }
        }
        if !chain.missing.is_empty() {
            let shown: Vec<String> = chain.missing.iter().map(u64::to_string).collect();
            report.add(
                Check::SeqGap,
                Some(self.group),
                Vec::new(),
                format!(
                    "{}'s chain lacks seq {}",
                    who(&chain.author),
                    shown.join(", ")
                ),
            );
        }
        if !chain.ahead.is_empty() {
            report.add(
                Check::ClockSkew,
                Some(self.group),
                chain.ahead.clone(),
                format!(
                    "{} event(s) by {} are dated up to {} h ahead of this machine's clock",
                    chain.ahead.len(),
                    who(&chain.author),
                    (chain.furthest - self.now_ms) / 3_600_000
                ),
            );
        }
    }
}

impl Chain {
    /// Accounts for every seq up to `seq`: the ones neither held nor in
    /// `damaged` (this author's damaged seqs, sorted) are missing. Only the
    /// first five missing are kept, so a crafted seq of 2^60 costs nothing.
    fn account(&mut self, seq: u64, damaged: &[u64]) {
        let mut next = self.reached.saturating_add(1);
        // At most five missing plus one step per damaged seq.
        while next < seq && self.missing.len() < 5 {
            if damaged.binary_search(&next).is_err() {
                self.missing.push(next);
            }
            next += 1;
        }
        self.reached = self.reached.max(seq);
    }
}

/// Which events are held at each seat `(author, seq)`, as one sorted list:
/// what a parent held nowhere is compared with (`bad-parent-hash`). Built
/// only when such a parent is met; a map of a list per seat, built for
/// every audit, took 23 MB at the peak of a 100,000-event bundle's audit.
struct HeldAtSeats(Vec<(PublicKey, u64, EventId)>);

impl HeldAtSeats {
    fn of(events: &HashMap<EventId, SignedEvent>) -> HeldAtSeats {
        let mut all: Vec<(PublicKey, u64, EventId)> = events
            .values()
            .map(|e| (e.event.author, e.event.seq, e.id))
            .collect();
        all.sort_unstable();
        HeldAtSeats(all)
    }

    /// The ids held at one seat, sorted.
    fn at(&self, author: &PublicKey, seq: u64) -> Vec<EventId> {
        let start = self.0.partition_point(|(a, s, _)| (a, *s) < (author, seq));
        self.0[start..]
            .iter()
            .take_while(|(a, s, _)| a == author && *s == seq)
            .map(|(_, _, id)| *id)
            .collect()
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
    held: &mut Option<HeldAtSeats>,
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
                let held = held
                    .get_or_insert_with(|| HeldAtSeats::of(input.events))
                    .at(&p.author, p.seq);
                match held.first() {
                    Some(first) => report.add(
                        Check::BadParentHash,
                        group,
                        [vec![e.id, p.id], held.clone()].concat(),
                        format!(
                            "event {} cites {}#{} as {}, but the event held there is {}",
                            e.id.short(),
                            who(&p.author),
                            p.seq,
                            p.id.short(),
                            first.short()
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

/// Topological order with Lamport numbers computed here (events whose
/// parents are not all present are left out).
pub fn order(events: &HashMap<EventId, SignedEvent>) -> Vec<OrderedEvent> {
    // Borrowed: a copy of every event was a third of a bundle audit's peak.
    let list: Vec<&SignedEvent> = events.values().collect();
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
    let replay = projection::replay_with_views(group, ordered, &mut |id, view| {
        if let Some(e) = events.get(&id) {
            view_finding(report, group, id, e.event.view, view);
        }
    });
    for (id, verdict) in &replay.verdicts {
        verdict_finding(report, group, id, verdict);
    }
    replay
}

/// The finding an event's verdict calls for (none when it is effective).
pub fn verdict_finding(report: &mut Report, group: GroupId, id: &EventId, verdict: &Verdict) {
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

/// A `view-hash-mismatch` when an event's `view` field (`says`) differs from
/// what the rules give for its past.
pub fn view_finding(
    report: &mut Report,
    group: GroupId,
    id: EventId,
    says: ViewHash,
    past: ViewHash,
) {
    if says != past {
        report.add(
            Check::ViewHashMismatch,
            Some(group),
            vec![id],
            format!(
                "event {} says its author saw view {}, but its past gives {}",
                id.short(),
                says.short(),
                past.short()
            ),
        );
    }
}
