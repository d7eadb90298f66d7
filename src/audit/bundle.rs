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
use crate::model::event::EventId;
use crate::model::signed::SignedEvent;

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
    let mut framing: Option<BundleError> = None;
    loop {
        let item = match source.next_item() {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(e) => {
                framing = Some(e);
                break;
            }
        };
        report.events_checked += 1;
        let record = match item {
            Item::Bad { reason, .. } => {
                report.add(Check::Malformed, Some(header.group), Vec::new(), reason);
                continue;
            }
            Item::Record(record) => record,
        };
        match SignedEvent::decode_record(&record) {
            Err(e) => report.add(
                Check::Malformed,
                Some(header.group),
                Vec::new(),
                format!("record {}: {e}", report.events_checked),
            ),
            Ok(event) if event.group() != header.group => report.add(
                Check::Malformed,
                Some(header.group),
                vec![event.id],
                format!(
                    "event {} belongs to another group ({})",
                    event.id.short(),
                    event.group().short()
                ),
            ),
            Ok(event) => match event.verify_signature() {
                Err(_) => report.add(
                    Check::BadSignature,
                    Some(header.group),
                    vec![event.id],
                    format!(
                        "event {} has a signature that does not verify",
                        event.id.short()
                    ),
                ),
                Ok(()) => {
                    events.insert(event.id, event);
                }
            },
        }
    }
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
