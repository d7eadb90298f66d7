//! Auditing a store: every stored record is re-read raw and re-checked from
//! scratch (decoding, ids, signatures), then each group's events (chains,
//! links, forks, clocks, the rules, the stored projection), the pending and
//! quarantined records, and the local log's hash chain. Nothing is trusted
//! from the store's own indexes, since those are what tampering would edit.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::collections::HashSet;

use super::checks;
use super::checks::GroupEvents;
use super::Check;
use super::Report;
use super::Severity;
use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::signed::SignedEvent;
use crate::model::signed::SIGNATURE_BYTES;
use crate::store::cf;
use crate::store::log::LogEntry;
use crate::store::Store;

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
    let mut report = Report::default();
    let mut groups: BTreeMap<GroupId, HashMap<EventId, SignedEvent>> = BTreeMap::new();
    let mut held: HashSet<EventId> = HashSet::new();
    let mut damaged = Damaged::default();
    let total = store.log_head().map_or(0, |h| h.len);
    for (key, value) in store.raw_records(cf::EVENTS)? {
        report.events_checked += 1;
        if report.events_checked % 1024 == 0 {
            progress(report.events_checked, total);
        }
        let key_id = <[u8; 32]>::try_from(&key[..]).map(EventId).ok();
        if let Some(id) = key_id {
            held.insert(id);
        }
        let Some(event) = check_record(&mut report, key_id, &value) else {
            if let Some(id) = key_id {
                damaged.ids.insert(id);
            }
            if let Ok(event) = SignedEvent::decode_record(&value) {
                damaged.seats.insert((event.event.author, event.event.seq));
            }
            continue;
        };
        if only.is_none_or(|g| g == event.group()) {
            groups
                .entry(event.group())
                .or_default()
                .insert(event.id, event);
        }
    }
    if let Some(group) = only {
        groups.entry(group).or_default();
    }
    for (group, events) in &groups {
        report.groups_checked += 1;
        audit_group(store, &mut report, *group, events, &damaged, now_ms)?;
    }
    if only.is_none() {
        unknown_groups(store, &mut report, &groups)?;
        quarantine(store, &mut report)?;
        log_chain(store, &mut report, &held)?;
    }
    Ok(report)
}

/// Decodes and checks one stored record; `None` when it is not intact.
fn check_record(report: &mut Report, key: Option<EventId>, value: &[u8]) -> Option<SignedEvent> {
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
    if event.verify_signature().is_err() {
        report.add(
            Check::BadSignature,
            Some(event.group()),
            vec![event.id],
            format!(
                "stored event {} has a signature that does not verify",
                event.id.short()
            ),
        );
        return None;
    }
    Some(event)
}

/// Held records that failed their own checks (reported already).
#[derive(Default)]
struct Damaged {
    ids: HashSet<EventId>,
    seats: HashSet<(crate::model::event::PublicKey, u64)>,
}

fn audit_group(
    store: &Store,
    report: &mut Report,
    group: GroupId,
    events: &HashMap<EventId, SignedEvent>,
    damaged_records: &Damaged,
    now_ms: u64,
) -> Result<()> {
    let damaged = report.findings.iter().any(|f| {
        matches!(
            f.check,
            Check::BadId | Check::BadSignature | Check::Malformed
        ) && (f.group == Some(group) || f.group.is_none())
    });
    let input = GroupEvents {
        group,
        events,
        elsewhere: &damaged_records.ids,
        damaged_seats: &damaged_records.seats,
        chains_from_one: true,
        missing_severity: Severity::Error,
        now_ms,
    };
    let structure = checks::structure(report, &input);
    pending(store, report, group, events)?;
    if !structure.whole || damaged {
        // The rules cannot be replayed over a damaged or incomplete log: the
        // findings above are the causes to look at first.
        return Ok(());
    }
    let replay = checks::rules(report, group, events, structure.ordered);
    let Some(state) = store.group_state(&group)? else {
        if !events.is_empty() {
            report.add(
                Check::ProjectionMismatch,
                Some(group),
                Vec::new(),
                "the group has events but no stored projection".into(),
            );
        }
        return Ok(());
    };
    let mut differences = Vec::new();
    if state.view() != &replay.frontier.view {
        differences.push(format!(
            "the stored view (hash {}) differs from the replayed one (hash {})",
            state.view().hash().short(),
            replay.frontier.view.hash().short()
        ));
    }
    for (id, verdict) in &replay.verdicts {
        if store.event_meta(id)?.map(|m| m.verdict).as_ref() != Some(verdict) {
            differences.push(format!(
                "event {}'s stored status differs from the replay",
                id.short()
            ));
        }
    }
    if !differences.is_empty() {
        let shown = differences
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        report.add(
            Check::ProjectionMismatch,
            Some(group),
            Vec::new(),
            format!("{shown} (`gmm replay --repair` rebuilds it)"),
        );
    }
    Ok(())
}

/// Pending events: what they wait for, and whether what they cite conflicts
/// with an event held at the same author and seq (SPEC §3 S5).
fn pending(
    store: &Store,
    report: &mut Report,
    group: GroupId,
    events: &HashMap<EventId, SignedEvent>,
) -> Result<()> {
    for p in store.pending(&group)? {
        for parent in &p.event.event.parents {
            if events.contains_key(&parent.id) {
                continue;
            }
            let held: Vec<EventId> = events
                .values()
                .filter(|e| e.event.author == parent.author && e.event.seq == parent.seq)
                .map(|e| e.id)
                .collect();
            if let Some(other) = held.first() {
                report.add(
                    Check::BadParentHash,
                    Some(group),
                    vec![p.event.id, parent.id, *other],
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
fn unknown_groups(
    store: &Store,
    report: &mut Report,
    groups: &BTreeMap<GroupId, HashMap<EventId, SignedEvent>>,
) -> Result<()> {
    for (group, count) in store.pending_groups()? {
        if !groups.contains_key(&group) {
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
fn log_chain(store: &Store, report: &mut Report, held: &HashSet<EventId>) -> Result<()> {
    let mut broken = |message: String| report.add(Check::LogChainBroken, None, Vec::new(), message);
    let mut expected_prev = [0u8; 32];
    let mut next = 1u64;
    let mut dangling = Vec::new();
    for (key, value) in store.raw_records(cf::LOG)? {
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
        if !held.contains(&entry.event) {
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
