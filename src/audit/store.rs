//! Auditing a store: every stored record is re-read raw and re-checked from
//! scratch (decoding, ids, signatures), then each group's events (chains,
//! links, forks, clocks, the rules, the stored projection), the pending and
//! quarantined records, and the local log's hash chain. Nothing is trusted
//! from the store's own indexes, since those are what tampering would edit.
//!
//! Memory stays bounded on a log of any length (issue 11.5). The first pass
//! keeps a [`Row`] of each intact event (about 60 bytes, and 16 more in
//! [`RowMarks`]), verifying signatures in parallel. The second reads each
//! group in its stored topological order (the `events` keys), one event at
//! a time, and checks that order against the rows: every parent held in the
//! group, cited at its true seat, ordered before its child with the Lamport
//! number the key claims, and every intact event of the group reached. The
//! rules then stream through a [`Replay`], and the stored verdicts are
//! compared in id order. Where the keys and the rows disagree, or the group
//! holds damaged records, the group is audited the exhaustive way instead,
//! with all its events in memory: what tampering edited is then found from
//! the raw records alone, as before.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::collections::HashSet;

use rayon::prelude::*;

use super::checks;
use super::checks::GroupEvents;
use super::checks::Seat;
use super::checks::SeatChecks;
use super::Check;
use super::Report;
use super::Severity;
use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::event::ViewHash;
use crate::model::prefix_runs::PrefixRuns;
use crate::model::signed::SignedEvent;
use crate::model::signed::SIGNATURE_BYTES;
use crate::repo::replay::compare_stored_verdicts;
use crate::repo::replay::region_differences;
use crate::rules::projection::Advance;
use crate::rules::projection::OrderedEvent;
use crate::rules::projection::Replay;
use crate::rules::projection::Verdict;
use crate::rules::projection::VerdictFingerprints;
use crate::store::cf;
use crate::store::layout::OrderKey;
use crate::store::log::LogEntry;
use crate::store::KeyValue;
use crate::store::Store;

/// Stored records checked in parallel at a time: enough to keep both cores
/// busy, few enough that the chunk's bytes are a few megabytes.
const CHUNK: usize = 4096;
/// Records one pool thread checks before it looks for other work, their
/// signatures verified together (`model::verify::verify_strict_all`): split
/// only as rayon splits for two threads, the thread that finished its half
/// first spun idle until the other's last large piece was done. At 64 the
/// audit of the 100,000-event store took 0.97 of the time (6 pairs).
const CHECKED_TOGETHER: usize = 64;

/// Audits the whole store, or one group (then the store-wide checks, the
/// log chain and quarantine, are left out).
pub fn audit_store(store: &Store, only: Option<GroupId>, now_ms: u64) -> Result<Report> {
    audit_store_with(store, only, now_ms, &mut |_, _| {})
}

/// [`audit_store`], calling `progress(records read, events in the log)` as it
/// reads the stored events.
pub fn audit_store_with(
    store: &Store,
    only: Option<GroupId>,
    now_ms: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    audit(store, only, now_ms, false, progress)
}

/// [`audit_store`] with every group audited the exhaustive way (all its
/// events in memory, the order computed from the records alone): the
/// reference the streaming path is tested against.
pub fn audit_store_exhaustive(store: &Store, only: Option<GroupId>, now_ms: u64) -> Result<Report> {
    audit(store, only, now_ms, true, &mut |_, _| {})
}

fn audit(
    store: &Store,
    only: Option<GroupId>,
    now_ms: u64,
    exhaustively: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    let mut report = Report::default();
    let table = Table::read(store, &mut report, only, progress)?;
    let mut groups: BTreeSet<GroupId> = table.groups.iter().copied().collect();
    groups.extend(only);
    let mut marks = RowMarks::new(table.rows.len());
    for group in &groups {
        report.groups_checked += 1;
        match exhaustively {
            true => exhaustive(store, &mut report, &table, *group, now_ms)?,
            false => audit_group(store, &mut report, &table, *group, &mut marks, now_ms)?,
        }
    }
    if only.is_none() {
        unknown_groups(store, &mut report, &groups)?;
        quarantine(store, &mut report)?;
        log_chain(store, &mut report, &table)?;
    }
    Ok(report)
}

/// What the first pass keeps of an intact stored event: enough for the
/// chain checks and to look a parent up, never the event itself.
struct Row {
    id: EventId,
    group: u32,
    author: u32,
    seq: u64,
    time: u64,
}

/// Every intact stored event as a [`Row`], sorted by id (sorted after the
/// first pass, which reads them in the group order of the `events` keys),
/// and what failed its own checks.
#[derive(Default)]
struct Table {
    rows: Vec<Row>,
    /// Where the rows of each leading-bits prefix of their ids start: the
    /// second pass looks up every event and each parent, and a binary
    /// search of all the rows reads twenty places far apart.
    id_runs: PrefixRuns,
    groups: Vec<GroupId>,
    group_index: HashMap<GroupId, u32>,
    authors: Vec<PublicKey>,
    author_index: HashMap<PublicKey, u32>,
    damaged: Damaged,
}

/// Held records that failed their own checks (reported already).
#[derive(Default)]
struct Damaged {
    ids: HashSet<EventId>,
    /// `(group, author, seq)` of the damaged records that still decode.
    seats: HashSet<(GroupId, PublicKey, u64)>,
}

impl Table {
    /// The first pass: every record of the `events` family, checked from its
    /// bytes (signatures verified on every core), kept as a row when intact
    /// and of the group audited.
    fn read(
        store: &Store,
        report: &mut Report,
        only: Option<GroupId>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Table> {
        let total = store.log_head().map_or(0, |h| h.len);
        let mut table = Table::default();
        let mut records = store.raw_records(cf::EVENTS);
        let mut chunk = read_chunk(&mut records)?;
        // While the pool checks one chunk, this thread reads the next: read
        // between chunks, the reading left a core idle. The reading stays
        // on this thread, not a pool thread, where the records it
        // allocates were held longer (`docs/decisions.md`, "The audit
        // reads ahead in both passes").
        while !chunk.is_empty() {
            let (checked, next) = std::thread::scope(|scope| {
                let checking = scope.spawn(|| {
                    chunk
                        .par_chunks(CHECKED_TOGETHER)
                        .flat_map_iter(check_records)
                        .collect::<Vec<_>>()
                });
                let next = read_chunk(&mut records);
                (checking.join(), next)
            });
            let checked = checked.map_err(|_| {
                crate::error::Error::Internal("a thread checking stored records panicked".into())
            })?;
            table.take_checked(report, only, checked);
            progress(report.events_checked, total);
            chunk = next?;
        }
        if !table.rows.is_sorted_by_key(|r| r.id) {
            table.rows.sort_unstable_by_key(|r| r.id);
        }
        table.id_runs = PrefixRuns::new(table.rows.iter().map(|r| &r.id.0));
        Ok(table)
    }

    /// Keeps a chunk's intact events of the group audited as rows, and
    /// notes the damaged ones.
    fn take_checked(
        &mut self,
        report: &mut Report,
        only: Option<GroupId>,
        checked: Vec<(Option<EventId>, Option<SignedEvent>, Report)>,
    ) {
        for (key_id, event, found) in checked {
            report.events_checked += 1;
            let intact = found.findings.is_empty();
            report.merge(found);
            if !intact {
                self.damaged.ids.extend(key_id);
                if let Some(e) = event {
                    let seat = (e.group(), e.event.author, e.event.seq);
                    self.damaged.seats.insert(seat);
                }
                continue;
            }
            match event {
                Some(e) if only.is_none_or(|g| g == e.group()) => self.add(&e),
                _ => {}
            }
        }
    }

    fn add(&mut self, e: &SignedEvent) {
        let group = intern(&mut self.groups, &mut self.group_index, e.group());
        let author = intern(&mut self.authors, &mut self.author_index, e.event.author);
        self.rows.push(Row {
            id: e.id,
            group,
            author,
            seq: e.event.seq,
            time: e.event.time,
        });
    }

    /// The row of an intact event.
    fn find(&self, id: &EventId) -> Option<usize> {
        let run = self.id_runs.run(&id.0, self.rows.len());
        let start = run.start;
        self.rows[run]
            .binary_search_by_key(id, |r| r.id)
            .ok()
            .map(|i| start + i)
    }

    /// Whether a record is held under this id, intact or not.
    fn holds(&self, id: &EventId) -> bool {
        self.find(id).is_some() || self.damaged.ids.contains(id)
    }

    fn seat(&self, row: usize) -> Seat {
        let r = &self.rows[row];
        Seat {
            author: self.authors[r.author as usize],
            seq: r.seq,
            id: r.id,
            time: r.time,
        }
    }
}

/// The index of `value` in `list`, added when new.
fn intern<T: Copy + Eq + std::hash::Hash>(
    list: &mut Vec<T>,
    index: &mut HashMap<T, u32>,
    value: T,
) -> u32 {
    *index.entry(value).or_insert_with(|| {
        list.push(value);
        // Cannot overflow in practice: a u32 of distinct keys or groups is
        // more than any store's memory holds rows for.
        (list.len() - 1) as u32
    })
}

/// A row not yet reached by its group's index walk.
const UNORDERED: u64 = u64::MAX;

/// A row the replay gave no verdict (yet).
const UNJUDGED: u64 = 0;

/// What the second pass learns of each row: the Lamport number its parents
/// give it, and a keyed fingerprint of the verdict the replay gave it.
///
/// The verdicts are compared with the stored statuses after a group's walk,
/// in id order (the order of the `status` family), so the comparison reads
/// that family front to back instead of one random block per event. Each is
/// kept as its fingerprint ([`VerdictFingerprints`], never [`UNJUDGED`]).
struct RowMarks {
    lamports: Vec<u64>,
    verdicts: Vec<u64>,
    fingerprints: VerdictFingerprints,
}

impl RowMarks {
    fn new(rows: usize) -> RowMarks {
        RowMarks {
            lamports: vec![UNORDERED; rows],
            verdicts: vec![UNJUDGED; rows],
            fingerprints: VerdictFingerprints::new(),
        }
    }
}

/// Whether the first pass found a damaged record of the group, or one whose
/// group cannot be told.
fn holds_damaged_records(report: &Report, group: GroupId) -> bool {
    report.findings.iter().any(|f| {
        matches!(
            f.check,
            Check::BadId | Check::BadSignature | Check::Malformed
        ) && (f.group == Some(group) || f.group.is_none())
    })
}

/// One group's audit: the streaming path when the group is undamaged and its
/// index agrees with the rows, else the exhaustive one.
fn audit_group(
    store: &Store,
    report: &mut Report,
    table: &Table,
    group: GroupId,
    marks: &mut RowMarks,
    now_ms: u64,
) -> Result<()> {
    let damaged = holds_damaged_records(report, group);
    let g = match table.group_index.get(&group) {
        Some(&g) if !damaged => g,
        _ => return exhaustive(store, report, table, group, now_ms),
    };
    let mut by_seat: Vec<u32> = (0..table.rows.len() as u32)
        .filter(|&i| table.rows[i as usize].group == g)
        .collect();
    by_seat.sort_unstable_by_key(|&i| table.seat(i as usize).order_key());
    let before = report.findings.len();
    let damaged_seats = damaged_seats_of(table, group);
    let chains = SeatChecks {
        group,
        damaged: &damaged_seats,
        chains_from_one: true,
        now_ms,
    };
    let seats = by_seat.iter().map(|&i| table.seat(i as usize));
    let forked = chains.run(report, seats, &mut |id| store.event(id).ok().flatten());
    let whole = !report.findings[before..]
        .iter()
        .any(|f| f.severity == Severity::Error);
    let walk = GroupWalk {
        store,
        table,
        group,
        g,
        members: by_seat.len() as u64,
    };
    let mut rules = Report::default();
    let Some(outcome) = walk.run(&mut rules, marks, whole.then_some(forked))? else {
        report.findings.truncate(before);
        return exhaustive(store, report, table, group, now_ms);
    };
    report.merge(rules);
    let holds = |id: &EventId| table.find(id).is_some_and(|i| table.rows[i].group == g);
    // `by_seat` is sorted by the authors' keys, so it is searched by them.
    let held_at = |author: &PublicKey, seq: u64| -> Option<EventId> {
        let at = by_seat.partition_point(|&i| {
            let seat = table.seat(i as usize);
            (seat.author, seat.seq) < (*author, seq)
        });
        let seat = table.seat(*by_seat.get(at)? as usize);
        (seat.author == *author && seat.seq == seq).then_some(seat.id)
    };
    pending(store, report, group, &holds, &held_at)?;
    if let Some(rebuilt) = outcome {
        let mut in_id_order = by_seat;
        in_id_order.sort_unstable();
        let mut differences = Differences::default();
        compare_verdicts(store, table, &in_id_order, marks, &mut differences)?;
        compare_projection(
            store,
            report,
            group,
            in_id_order.is_empty(),
            &rebuilt,
            differences,
        )?;
    }
    Ok(())
}

fn damaged_seats_of(table: &Table, group: GroupId) -> HashSet<(PublicKey, u64)> {
    table
        .damaged
        .seats
        .iter()
        .filter(|(g, _, _)| *g == group)
        .map(|(_, author, seq)| (*author, *seq))
        .collect()
}

/// The second pass over one group: its events in stored topological order,
/// checked against the rows, with the rules streamed through a replay.
struct GroupWalk<'a> {
    store: &'a Store,
    table: &'a Table,
    group: GroupId,
    g: u32,
    /// How many intact events the group holds.
    members: u64,
}

/// The projection a replay rebuilt; `None` when the rules were not replayed.
type Replayed = Option<Advance>;

impl GroupWalk<'_> {
    /// `None` when the index and the rows disagree anywhere (the caller then
    /// audits the group the exhaustive way); else the replay, when `forked`
    /// (the authors that equivocated) asked for one.
    fn run(
        &self,
        report: &mut Report,
        marks: &mut RowMarks,
        forked: Option<BTreeSet<PublicKey>>,
    ) -> Result<Option<Replayed>> {
        let mut replay = forked.as_ref().map(|_| Replay::with_views(self.group));
        let mut says: HashMap<EventId, ViewHash> = HashMap::new();
        let mut reached = 0u64;
        let mut in_order = true;
        for_each_read_ahead(self.store, self.group, &mut |item| {
            let ordered = item.ok().and_then(|(event, indexed)| {
                let lamport = self.ordered(&event, &mut marks.lamports)?;
                (lamport == indexed).then_some((event, lamport))
            });
            let Some((event, lamport)) = ordered else {
                in_order = false;
                return false;
            };
            reached += 1;
            if let Some(replay) = &mut replay {
                says.insert(event.id, event.event.view);
                replay.push(OrderedEvent::new(&event, lamport));
                self.judge(report, replay, &mut says, marks);
            }
            true
        });
        if !in_order || reached != self.members {
            return Ok(None);
        }
        let (Some(mut replay), Some(forked)) = (replay, forked) else {
            return Ok(Some(None));
        };
        let advance = replay.finish(forked);
        self.judge(report, &mut replay, &mut says, marks);
        Ok(Some(Some(advance)))
    }

    /// The event's Lamport number when it is an intact event of the group,
    /// reached once, whose parents are held in the group at the seats they
    /// are cited as, already ordered, and whose prev is its author's event
    /// one seq before; `None` otherwise. Records the number.
    fn ordered(&self, event: &SignedEvent, lamports: &mut [u64]) -> Option<u64> {
        let table = self.table;
        let own = table.find(&event.id)?;
        if table.rows[own].group != self.g || lamports[own] != UNORDERED {
            return None;
        }
        let mut lamport = 0u64;
        for parent in &event.event.parents {
            let p = table.find(&parent.id)?;
            let row = &table.rows[p];
            let at_seat =
                table.authors[row.author as usize] == parent.author && row.seq == parent.seq;
            if row.group != self.g || !at_seat || lamports[p] == UNORDERED {
                return None;
            }
            lamport = lamport.max(lamports[p] + 1);
        }
        if let Some(prev) = event.event.prev {
            let row = &table.rows[table.find(&prev)?];
            let own = &table.rows[own];
            if row.group != self.g || row.author != own.author || row.seq + 1 != own.seq {
                return None;
            }
        }
        lamports[own] = lamport;
        Some(lamport)
    }

    /// Takes the replay's final verdicts and views: a finding for each
    /// refused event and each view field that differs from its past, and
    /// each verdict's fingerprint, compared with the store's after the walk
    /// ([`compare_verdicts`]).
    fn judge(
        &self,
        report: &mut Report,
        replay: &mut Replay,
        says: &mut HashMap<EventId, ViewHash>,
        marks: &mut RowMarks,
    ) {
        for (id, verdict) in replay.take_verdicts() {
            checks::verdict_finding(report, self.group, &id, &verdict);
            // Every replayed event was reached by the walk, so has a row.
            if let Some(row) = self.table.find(&id) {
                marks.verdicts[row] = marks.fingerprints.of(&verdict);
            }
        }
        for (id, past) in replay.take_views() {
            if let Some(said) = says.remove(&id) {
                checks::view_finding(report, self.group, id, said, past);
            }
        }
    }
}

/// The stored verdict of each event the replay judged, against the
/// replay's (its fingerprint in `marks`), for a group's `rows` in ascending
/// order. The rows are sorted by id, as the `status` family is
/// ([`compare_stored_verdicts`]).
fn compare_verdicts(
    store: &Store,
    table: &Table,
    rows: &[u32],
    marks: &RowMarks,
    differences: &mut Differences,
) -> Result<()> {
    let judged: Vec<usize> = rows
        .iter()
        .map(|&row| row as usize)
        .filter(|&row| marks.verdicts[row] != UNJUDGED)
        .collect();
    compare_stored_verdicts(
        store,
        &marks.fingerprints,
        judged.iter().map(|&row| table.rows[row].id),
        &|i| marks.verdicts[judged[i]],
        &mut |i| {
            differences.add(format!(
                "event {}'s stored status differs from the replay",
                table.rows[judged[i]].id.short()
            ))
        },
    )
}

/// How the stored projection differs from a replay: the first few in words.
#[derive(Default)]
struct Differences {
    shown: Vec<String>,
}

impl Differences {
    fn add(&mut self, what: String) {
        if self.shown.len() < 3 {
            self.shown.push(what);
        }
    }

    /// Notes an event whose stored verdict is not the replay's.
    fn compare_verdict(&mut self, store: &Store, id: &EventId, verdict: &Verdict) -> Result<()> {
        if store.event_meta(id)?.map(|m| m.verdict).as_ref() != Some(verdict) {
            self.add(format!(
                "event {}'s stored status differs from the replay",
                id.short()
            ));
        }
        Ok(())
    }
}

/// The stored projection against a replay's (its view, its open region
/// with the inert events kept apart) and verdict differences, and the
/// stored head count against the heads stored.
fn compare_projection(
    store: &Store,
    report: &mut Report,
    group: GroupId,
    empty: bool,
    rebuilt: &Advance,
    mut differences: Differences,
) -> Result<()> {
    let view = &rebuilt.frontier.view;
    let Some(state) = store.group_state(&group)? else {
        if !empty {
            report.add(
                Check::ProjectionMismatch,
                Some(group),
                Vec::new(),
                "the group has events but no stored projection".into(),
            );
        }
        return Ok(());
    };
    if state.view() != view {
        differences.shown.insert(
            0,
            format!(
                "the stored view (hash {}) differs from the replayed one (hash {})",
                state.view().hash().short(),
                view.hash().short()
            ),
        );
        differences.shown.truncate(3);
    }
    if state.members_listed && !store.member_pages_match(&group, view)? {
        differences.add("the stored member listing differs from the replayed view".into());
    }
    for what in region_differences(store, &group, &state, rebuilt)? {
        differences.add(what);
    }
    if !differences.shown.is_empty() {
        report.add(
            Check::ProjectionMismatch,
            Some(group),
            Vec::new(),
            format!(
                "{} (`gmm replay --repair` rebuilds it)",
                differences.shown.join("; ")
            ),
        );
    }
    Ok(())
}

/// The exhaustive audit of one group, with all its intact events in memory:
/// for a damaged group, or one whose index disagrees with its records.
fn exhaustive(
    store: &Store,
    report: &mut Report,
    table: &Table,
    group: GroupId,
    now_ms: u64,
) -> Result<()> {
    let damaged = holds_damaged_records(report, group);
    // Read from the records themselves, not through the status index
    // (which tampering may have edited): the group's intact rows.
    let mut events: HashMap<EventId, SignedEvent> = HashMap::new();
    if let Some(&g) = table.group_index.get(&group) {
        for record in store.raw_records_under(cf::EVENTS, &group.0) {
            let (_, value) = record?;
            let Ok(event) = SignedEvent::decode_record(&value) else {
                continue;
            };
            if table
                .find(&event.id)
                .is_some_and(|i| table.rows[i].group == g)
            {
                events.insert(event.id, event);
            }
        }
    }
    let damaged_seats = damaged_seats_of(table, group);
    let input = GroupEvents {
        group,
        events: &events,
        elsewhere: &table.damaged.ids,
        damaged_seats: &damaged_seats,
        chains_from_one: true,
        missing_severity: Severity::Error,
        now_ms,
    };
    let structure = checks::structure(report, &input);
    let held_at = |author: &PublicKey, seq: u64| {
        events
            .values()
            .find(|e| e.event.author == *author && e.event.seq == seq)
            .map(|e| e.id)
    };
    pending(
        store,
        report,
        group,
        &|id| events.contains_key(id),
        &held_at,
    )?;
    if !structure.whole || damaged {
        // The rules cannot be replayed over a damaged or incomplete log: the
        // findings above are the causes to look at first.
        return Ok(());
    }
    let replay = checks::rules(report, group, &events, structure.ordered);
    let mut differences = Differences::default();
    for (id, verdict) in &replay.verdicts {
        differences.compare_verdict(store, id, verdict)?;
    }
    compare_projection(
        store,
        report,
        group,
        events.is_empty(),
        &replay,
        differences,
    )
}

/// Events the walk receives at a time from the thread that reads them.
const READ_AHEAD_BATCH: usize = 256;

/// Batches read ahead of the walk at most.
const READ_AHEAD_BATCHES: usize = 4;

/// Hands `each` a group's events in stored topological order, with the
/// Lamport numbers their keys claim, until it returns `false`. They are
/// read and decoded on a thread of their own, a few batches ahead, while
/// the walk checks and replays the ones before: the walk of the
/// 1,000,000-event store spent about half its time reading
/// (`docs/decisions.md`, "The audit reads ahead in both passes").
fn for_each_read_ahead(
    store: &Store,
    group: GroupId,
    each: &mut dyn FnMut(std::result::Result<(SignedEvent, u64), crate::store::StoreError>) -> bool,
) {
    std::thread::scope(|scope| {
        let (batches, received) = std::sync::mpsc::sync_channel(READ_AHEAD_BATCHES);
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(READ_AHEAD_BATCH);
            for item in store.history(group).events_from(None) {
                batch.push(item);
                if batch.len() == READ_AHEAD_BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(READ_AHEAD_BATCH));
                    // The walk stopped early: nothing more is wanted.
                    if batches.send(full).is_err() {
                        return;
                    }
                }
            }
            let _ = batches.send(batch);
        });
        for item in received.iter().flatten() {
            if !each(item) {
                break;
            }
        }
        // Dropped before the reader is joined, so that a reader waiting to
        // send a batch the walk no longer wants returns.
        drop(received);
    });
}

/// The next [`CHUNK`] stored records (fewer at the end, none past it).
fn read_chunk(
    records: &mut impl Iterator<Item = std::result::Result<KeyValue, crate::store::StoreError>>,
) -> Result<Vec<KeyValue>> {
    Ok(records
        .by_ref()
        .take(CHUNK)
        .collect::<std::result::Result<_, _>>()?)
}

/// Decodes and checks stored records, each against its key (`group ‖
/// lamport ‖ id`; the Lamport number is checked by the group's walk), their
/// signatures verified together. Each record's key id, its event (when it
/// decodes: a damaged record's still names its seat) and its findings.
fn check_records(records: &[KeyValue]) -> Vec<(Option<EventId>, Option<SignedEvent>, Report)> {
    let mut checked: Vec<(Option<EventId>, Option<SignedEvent>, Report)> = records
        .iter()
        .map(|(key, value)| {
            let key = OrderKey::parse(key);
            let mut found = Report::default();
            let event = check_record_unsigned(&mut found, key, value);
            (key.map(|k| k.id), event, found)
        })
        .collect();
    let unsigned: Vec<Option<&SignedEvent>> = checked.iter().map(|c| c.1.as_ref()).collect();
    let verdicts = SignedEvent::verify_signatures(&unsigned);
    for ((_, event, found), verdict) in checked.iter_mut().zip(verdicts) {
        let Some(e) = event else { continue };
        if verdict != Some(true) {
            found.add(
                Check::BadSignature,
                Some(e.group()),
                vec![e.id],
                format!(
                    "stored event {} has a signature that does not verify",
                    e.id.short()
                ),
            );
        }
    }
    // A damaged record's event, when it decodes, still names its seat.
    for ((_, value), (_, event, found)) in records.iter().zip(&mut checked) {
        if !found.findings.is_empty() {
            *event = SignedEvent::decode_record(value).ok();
        }
    }
    checked
}

/// Everything [`check_records`] checks of one record but its signature;
/// `None` when it is not intact.
fn check_record_unsigned(
    report: &mut Report,
    order: Option<OrderKey>,
    value: &[u8],
) -> Option<SignedEvent> {
    let key = order.map(|k| k.id);
    let shown = key.map_or_else(|| "with a malformed key".to_string(), |k| k.short());
    let event = match SignedEvent::decode_record(value) {
        Ok(event) => event,
        Err(e) => {
            report.add(
                Check::Malformed,
                None,
                key.into_iter().collect(),
                format!("stored event {shown}: {e}"),
            );
            return None;
        }
    };
    if Some(event.id) != key {
        let actual = value
            .get(SIGNATURE_BYTES..)
            .map(crate::model::signed::event_id);
        report.add(
            Check::BadId,
            Some(event.group()),
            key.into_iter().chain(actual).collect(),
            format!(
                "stored event {shown} hashes to {}: its bytes were changed",
                actual.map_or_else(String::new, |a| a.short())
            ),
        );
        return None;
    }
    if let Some(filed) = order.map(|k| k.group).filter(|g| *g != event.group()) {
        report.add(
            Check::BadId,
            Some(event.group()),
            vec![event.id],
            format!(
                "stored event {shown} of group {} is filed under group {}: its key was changed",
                event.group().short(),
                filed.short()
            ),
        );
        return None;
    }
    Some(event)
}

/// Pending events: what they wait for, and whether what they cite conflicts
/// with an event held at the same author and seq (SPEC §3 S5).
///
/// `holds` says whether the group holds an event; `held_at` which event it
/// holds at an author's seq.
fn pending(
    store: &Store,
    report: &mut Report,
    group: GroupId,
    holds: &dyn Fn(&EventId) -> bool,
    held_at: &dyn Fn(&PublicKey, u64) -> Option<EventId>,
) -> Result<()> {
    for p in store.pending(&group)? {
        for parent in &p.event.event.parents {
            if holds(&parent.id) {
                continue;
            }
            if let Some(other) = held_at(&parent.author, parent.seq) {
                report.add(
                    Check::BadParentHash,
                    Some(group),
                    vec![p.event.id, parent.id, other],
                    format!(
                        "pending event {} cites {}#{} as {}, but the event held there is {}",
                        p.event.id.short(),
                        parent.author.short(),
                        parent.seq,
                        parent.id.short(),
                        other.short()
                    ),
                );
            } else {
                report.findings.push(super::Finding {
                    check: Check::MissingParent,
                    severity: Severity::Warn,
                    group: Some(group),
                    events: vec![p.event.id, parent.id],
                    message: format!(
                        "pending event {} waits for parent {}",
                        p.event.id.short(),
                        parent.id.short()
                    ),
                    evidence: None,
                });
            }
        }
    }
    Ok(())
}

/// Pending events of groups the store does not hold: they wait for a Create
/// that may never come (listed, so they are never invisible).
fn unknown_groups(store: &Store, report: &mut Report, groups: &BTreeSet<GroupId>) -> Result<()> {
    for (group, count) in store.pending_groups()? {
        if !groups.contains(&group) {
            report.findings.push(super::Finding {
                check: Check::MissingParent,
                severity: Severity::Warn,
                group: Some(group),
                events: Vec::new(),
                message: format!(
                    "{count} pending event(s) of group {}, which this store does not hold (`gmm pending drop {}` removes them)",
                    group.short(),
                    group.short()
                ),
                evidence: None,
            });
        }
    }
    Ok(())
}

fn quarantine(store: &Store, report: &mut Report) -> Result<()> {
    for (reason, raw) in store.quarantine()? {
        let key = hex::encode(crate::model::hash::quarantine_key(&raw));
        report.findings.push(super::Finding {
            check: Check::Quarantined,
            severity: Check::Quarantined.default_severity(),
            group: None,
            events: Vec::new(),
            message: format!("{} refused bytes ({}…): {reason}", raw.len(), &key[..16]),
            evidence: Some(super::Evidence::Refused { raw, reason }),
        });
    }
    Ok(())
}

/// Recomputes the local log's hash chain from its entries.
fn log_chain(store: &Store, report: &mut Report, table: &Table) -> Result<()> {
    let mut broken = |message: String| report.add(Check::LogChainBroken, None, Vec::new(), message);
    let mut expected_prev = [0u8; 32];
    let mut next = 1u64;
    let mut dangling = Vec::new();
    for record in store.raw_records(cf::LOG) {
        let (key, value) = record?;
        let Some(entry) = LogEntry::parse(&key, &value) else {
            broken(format!("log entry {} does not parse", hex::encode(&key)));
            return Ok(());
        };
        if entry.index != next {
            broken(format!(
                "log entry {next} is missing (found {} instead)",
                entry.index
            ));
            return Ok(());
        }
        if entry.prev_hash != expected_prev {
            broken(format!(
                "log entry {} does not link to entry {}: the log was rewritten",
                entry.index,
                next - 1
            ));
            return Ok(());
        }
        if !table.holds(&entry.event) {
            dangling.push((entry.index, entry.event));
        }
        expected_prev = entry.hash();
        next += 1;
    }
    let head = store.log_head()?;
    if head.len != next - 1 || head.hash != expected_prev {
        broken(format!(
            "the recorded log head ({} entries, {}) does not match the chain ({} entries, {})",
            head.len,
            &head.to_hex()[..16],
            next - 1,
            &hex::encode(expected_prev)[..16]
        ));
    }
    for (index, event) in dangling {
        report.add(
            Check::LogChainBroken,
            None,
            vec![event],
            format!(
                "log entry {index} names event {}, which the store no longer holds",
                event.short()
            ),
        );
    }
    Ok(())
}
