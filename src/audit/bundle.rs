//! Auditing a bundle offline, with nothing but the file: every record is
//! decoded and verified, the events are checked among themselves (forks,
//! chains, links, clocks), the rules are replayed when the bundle holds a
//! whole group, and the framing and trailer are checked.

use std::collections::HashMap;
use std::collections::HashSet;
use std::io::BufRead;

use super::checks;
use super::checks::GroupEvents;
use super::Check;
use super::Report;
use super::Severity;
use crate::bundle::source::Item;
use crate::bundle::source::Source;
use crate::bundle::BundleError;
use crate::error::Result;
use crate::exchange;
use crate::model::event::EventError;
use crate::model::event::EventId;
use crate::model::ids::GroupId;
use crate::model::signed::SignedEvent;

/// Each record decoded, and whether its signature verifies: checked only
/// for an event of `group`, as the audit reports a decoding failure, then
/// another group, before a signature.
fn check_records(
    group: GroupId,
    records: &[&[u8]],
) -> Vec<(std::result::Result<SignedEvent, EventError>, bool)> {
    let decoded: Vec<std::result::Result<SignedEvent, EventError>> = records
        .iter()
        .map(|record| SignedEvent::decode_record(record))
        .collect();
    let of_group: Vec<Option<&SignedEvent>> = decoded
        .iter()
        .map(|d| d.as_ref().ok().filter(|e| e.group() == group))
        .collect();
    let verdicts = SignedEvent::verify_signatures(&of_group);
    decoded
        .into_iter()
        .zip(verdicts)
        .map(|(decoded, verdict)| (decoded, verdict == Some(true)))
        .collect()
}

fn bundle_finding(report: &mut Report, error: &BundleError) {
    let check = match error {
        BundleError::DigestMismatch | BundleError::BadSignature(_) | BundleError::BadTrailer(_) => {
            Check::BundleDigest
        }
        _ => Check::BundleFormat,
    };
    report.add(check, None, Vec::new(), error.to_string());
}

/// Audits one bundle; I/O errors reading it are returned as errors.
pub fn audit_bundle(input: impl BufRead, now_ms: u64) -> Result<Report> {
    let mut report = Report::default();
    let mut source = match Source::open(input) {
        Ok(source) => source,
        Err(BundleError::Io(e)) => return Err(BundleError::Io(e).into()),
        Err(e) => {
            bundle_finding(&mut report, &e);
            return Ok(report);
        }
    };
    let header = source.header().clone();
    let mut events: HashMap<EventId, SignedEvent> = HashMap::new();
    // Checked as an import checks a bundle: chunk by chunk on both cores,
    // signatures 64 at a time; reported in order.
    let group = header.group;
    let framing = exchange::for_each_checked(
        &mut source,
        &|records| check_records(group, records),
        &mut |item, checked| {
            report.events_checked += 1;
            if let Item::Bad { reason, .. } = item {
                report.add(Check::Malformed, Some(group), Vec::new(), reason);
                return;
            }
            let Some((decoded, verified)) = checked else {
                return;
            };
            match decoded {
                Err(e) => report.add(
                    Check::Malformed,
                    Some(group),
                    Vec::new(),
                    format!("record {}: {e}", report.events_checked),
                ),
                Ok(event) if event.group() != group => report.add(
                    Check::Malformed,
                    Some(group),
                    vec![event.id],
                    format!(
                        "event {} belongs to another group ({})",
                        event.id.short(),
                        event.group().short()
                    ),
                ),
                Ok(event) if !verified => report.add(
                    Check::BadSignature,
                    Some(group),
                    vec![event.id],
                    format!(
                        "event {} has a signature that does not verify",
                        event.id.short()
                    ),
                ),
                Ok(event) => {
                    events.insert(event.id, event);
                }
            }
        },
    )
    .err();
    match framing {
        Some(e) => bundle_finding(&mut report, &e),
        None => {
            if let Err(e) = source.finish() {
                bundle_finding(&mut report, &e);
            }
        }
    }
    report.groups_checked = 1;
    let elsewhere: HashSet<EventId> = header.prerequisites.iter().map(|p| p.id).collect();
    let damaged_seats = HashSet::new();
    let input = GroupEvents {
        group: header.group,
        events: &events,
        elsewhere: &elsewhere,
        damaged_seats: &damaged_seats,
        chains_from_one: elsewhere.is_empty(),
        missing_severity: Severity::Warn,
        now_ms,
    };
    let structure = checks::structure(&mut report, &input);
    if structure.whole && elsewhere.is_empty() && !events.is_empty() {
        checks::rules(&mut report, header.group, &events, structure.ordered);
    }
    Ok(report)
}
