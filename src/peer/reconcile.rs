//! `gmm sync`: two stores reachable as folders brought together in one step.
//! Each side's correction (exactly what the other lacks) is computed before
//! anything moves, written as a bundle to an anonymous temporary file, and
//! imported on the other side like any bundle (every event verified); then
//! the two are compared again for the final verdict.

use std::io::BufReader;
use std::io::Seek;

use super::correction;
use super::diff;
use super::Peer;
use super::Verdict;
use crate::bundle::BundleHeader;
use crate::bundle::BundleKind;
use crate::error::Error;
use crate::error::Result;
use crate::exchange;
use crate::exchange::Format;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::repo::ingest::Summary;
use crate::store::Store;
use crate::walk;
use crate::walk::StoreNodes;

/// One direction of a sync.
#[derive(Debug, Default)]
pub struct Moved {
    /// The events the receiving side lacked.
    pub events: Vec<EventId>,
    /// What the receiving side's import did (none on a dry run or when
    /// nothing had to move).
    pub summary: Option<Summary>,
}

/// What a sync did.
#[derive(Debug)]
pub struct SyncReport {
    /// From this store to the peer.
    pub sent: Moved,
    /// From the peer to this store.
    pub received: Moved,
    /// How the two compare afterwards (before, on a dry run).
    pub verdict: Verdict,
}

/// The events of `group` that `to` lacks, from `from` (all of them when `to`
/// does not hold the group yet).
fn lacking(from: &Store, to: &Store, group: &GroupId) -> Result<Vec<EventId>> {
    if from.group_record(group)?.is_none() {
        return Ok(Vec::new());
    }
    if to.group_record(group)?.is_none() {
        return Ok(from.group_event_ids(group)?);
    }
    let (_, ids) = correction(from, group, &Peer::StoreRef(to), 0)?;
    Ok(ids)
}

/// Sends `ids` of `group` from `from` to `to` as a bundle, imported there.
fn send(from: &Store, to: &Store, group: &GroupId, ids: &[EventId]) -> Result<Summary> {
    let view_hash = match from.group_view(group)? {
        Some(view) => view.hash(),
        None => return Ok(Summary::default()),
    };
    let nodes = StoreNodes {
        store: from,
        group: *group,
    };
    let header = BundleHeader {
        group: *group,
        kind: BundleKind::Correction,
        heads: from.heads(group)?,
        view_hash,
        want: Vec::new(),
        prerequisites: walk::prerequisites(&nodes, ids)?,
        event_count: ids.len() as u64,
        created: 0,
    };
    let io = |e: std::io::Error| Error::Bundle(e.into());
    let mut file = tempfile::tempfile().map_err(io)?;
    exchange::write_bundle(
        from,
        &header,
        ids,
        Format::Binary,
        None,
        &mut file,
        &mut |_, _| {},
    )?;
    file.rewind().map_err(io)?;
    let outcome = exchange::import(to, BufReader::new(file), false, &mut |_, _| {});
    match outcome.error {
        Some(e) => Err(e),
        None => Ok(outcome.report.summary),
    }
}

/// Brings `ours` and the store at `theirs_dir` (opened for writing as
/// `theirs`) together in `group`: each receives exactly what it lacks. With
/// `dry_run`, only says what would move.
pub fn sync(ours: &Store, theirs: &Store, group: &GroupId, dry_run: bool) -> Result<SyncReport> {
    if ours.group_record(group)?.is_none() && theirs.group_record(group)?.is_none() {
        return Err(Error::UnknownGroup {
            query: group.to_hex(),
            suggestions: Vec::new(),
        });
    }
    let to_send = lacking(ours, theirs, group)?;
    let to_receive = lacking(theirs, ours, group)?;
    let mut report = SyncReport {
        sent: Moved {
            events: to_send,
            summary: None,
        },
        received: Moved {
            events: to_receive,
            summary: None,
        },
        verdict: Verdict::Equal,
    };
    if !dry_run {
        if !report.sent.events.is_empty() {
            report.sent.summary = Some(send(ours, theirs, group, &report.sent.events)?);
        }
        if !report.received.events.is_empty() {
            report.received.summary = Some(send(theirs, ours, group, &report.received.events)?);
        }
    }
    report.verdict = match ours.group_record(group)? {
        Some(_) => diff(ours, group, &Peer::StoreRef(theirs))?.verdict,
        None => Verdict::Behind,
    };
    Ok(report)
}
