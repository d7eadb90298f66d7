//! Export and import of bundles (SPEC §6) between a store and a byte stream.
//!
//! Export streams one stored record at a time. Import reads records in chunks
//! (at most [`CHUNK_RECORDS`] records or [`CHUNK_BYTES`] bytes), verifies each
//! chunk's signatures on all cores, offers the events to an [`Ingest`], and
//! commits each chunk; a chunk is verified while the one before it is
//! committed and the one after it read. Memory is bounded by three chunks,
//! not the bundle, and a truncated or corrupt bundle keeps every event that
//! verified before the error is reported.

use std::io::BufRead;
use std::io::Write;

use rayon::prelude::*;

use crate::bundle::jsonl;
use crate::bundle::source::Item;
use crate::bundle::source::Source;
use crate::bundle::BundleHeader;
use crate::bundle::BundleKind;
use crate::bundle::BundleWriter;
use crate::bundle::Trailer;
use crate::error::Error;
use crate::error::Result;
use crate::model::event::EventError;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::keys::SecretKey;
use crate::model::signed::SignedEvent;
use crate::repo::ingest::Ingest;
use crate::repo::ingest::Outcome;
use crate::repo::ingest::Summary;
use crate::store::Store;
use crate::walk;

/// Records per import chunk.
pub const CHUNK_RECORDS: usize = 4096;
/// Bytes per import chunk.
pub const CHUNK_BYTES: usize = 8 << 20;

/// An open region of more events than this is wide: every part of the
/// import projects it whole, from its base, into a second view of its keys.
const WIDE_REGION_EVENTS: usize = CHUNK_RECORDS;

/// After a part that leaves a wide open region, RocksDB starts flushing its
/// memtables (without waiting) once those taking writes hold more than
/// this, instead of at their budget of 48 MiB: the next part's projection
/// then does not sit on top of full memtables. Importing 100,000 concurrent
/// leaves peaked at 230–235 MiB, against 239–247 at 16 MiB and 267–274
/// without (`docs/decisions.md`). RocksDB counts a memtable's arena, which
/// takes a 1 MiB block at its first write, and a part writes to most
/// families: in effect every such part starts a flush (each part of the
/// 100,000 leaves after the first did). A chain leaves no wide region and
/// flushes as before, so the 1,000,000-event import leaves as many table
/// files.
const WIDE_IMPORT_MEMTABLE_BYTES: u64 = 8 << 20;

/// Records one pool thread verifies before it looks for other work, their
/// signatures checked together (`model::verify::verify_strict_all`). The
/// importing thread joins the verification only after it has committed the
/// previous chunk; split coarser, as rayon splits a chunk for two threads,
/// the thread that finished first spun idle (counted as user time) until the
/// other's last large piece was done. At 64 (about 3 ms of work), the
/// 1,000,000-event import took 0.965 of the time (3 pairs; 16 gained nothing
/// more on the 100,000-event import, 8 pairs).
const VERIFIED_TOGETHER: usize = 64;

/// The two bundle encodings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Binary,
    Jsonl,
}

/// What to export.
pub struct ExportRequest<'a> {
    pub group: GroupId,
    /// Leave out these events and their past (`--since`); empty: everything.
    pub since: Vec<EventId>,
    pub kind: BundleKind,
    /// Events the sender lacks, added to those its pending events wait for.
    pub want: Vec<EventId>,
    pub format: Format,
    pub signer: Option<&'a SecretKey>,
    pub created: u64,
}

/// What an export wrote.
pub struct ExportReport {
    pub header: BundleHeader,
    pub trailer: Option<Trailer>,
    /// Given `since` heads this store does not hold.
    pub unknown_since: Vec<EventId>,
}

/// The ids a group's pending events wait for that the store lacks.
pub fn lacking(store: &Store, group: &GroupId) -> Result<Vec<EventId>> {
    let mut want = Vec::new();
    for pending in store.pending(group)? {
        for id in pending.missing {
            if store.event_meta(&id)?.is_none() && !want.contains(&id) {
                want.push(id);
            }
        }
    }
    want.sort();
    Ok(want)
}

/// Writes a bundle of the group's events (all, or those not in the past of
/// `since`), parents before children.
pub fn export(
    store: &Store,
    request: &ExportRequest<'_>,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ExportReport> {
    let group = request.group;
    let view = store
        .group_view(&group)?
        .ok_or_else(|| Error::UnknownGroup {
            query: group.to_hex(),
            suggestions: Vec::new(),
        })?;
    let heads = store.heads(&group)?;
    let (ids, prerequisites, unknown_since) = if request.since.is_empty() {
        (store.group_event_ids(&group)?, Vec::new(), Vec::new())
    } else {
        let ours: Vec<EventId> = heads.iter().map(|h| h.id).collect();
        let diff = walk::difference(store, &group, &ours, &request.since)?;
        (diff.ours_only, diff.prerequisites, diff.unknown)
    };
    let mut want = lacking(store, &group)?;
    want.extend(request.want.iter().copied());
    want.sort();
    want.dedup();
    let header = BundleHeader {
        group,
        kind: request.kind,
        heads,
        view_hash: view.hash(),
        want,
        prerequisites,
        event_count: ids.len() as u64,
        created: request.created,
    };
    let trailer = write_bundle(
        store,
        &header,
        &ids,
        request.format,
        request.signer,
        out,
        progress,
    )?;
    Ok(ExportReport {
        header,
        trailer,
        unknown_since,
    })
}

/// Writes a bundle of stored events under a header, in either format.
pub fn write_bundle(
    store: &Store,
    header: &BundleHeader,
    ids: &[EventId],
    format: Format,
    signer: Option<&SecretKey>,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Option<Trailer>> {
    match format {
        Format::Binary => {
            let mut writer = BundleWriter::new(&mut *out, header)?;
            for (n, id) in ids.iter().enumerate() {
                writer.record(&stored(store, id)?.record())?;
                progress(n as u64 + 1, ids.len() as u64);
            }
            Ok(Some(writer.finish(signer)?.1))
        }
        Format::Jsonl => {
            jsonl::write_header(out, header)?;
            for (n, id) in ids.iter().enumerate() {
                jsonl::write_event(out, &stored(store, id)?)?;
                progress(n as u64 + 1, ids.len() as u64);
            }
            out.flush().map_err(crate::bundle::BundleError::from)?;
            Ok(None)
        }
    }
}

/// Reads a whole bundle into memory: its header and the events that verify.
/// A damaged bundle is an error (a peer's state is not read from one).
pub fn read_events(input: impl BufRead) -> Result<(BundleHeader, Vec<SignedEvent>)> {
    read_events_where(input, &mut |_| true)
}

/// [`read_events`], keeping only the events whose id `keep` accepts (the
/// others are dropped as they are read).
pub fn read_events_where(
    input: impl BufRead,
    keep: &mut dyn FnMut(&EventId) -> bool,
) -> Result<(BundleHeader, Vec<SignedEvent>)> {
    let mut source = Source::open(input)?;
    let header = source.header().clone();
    let mut events = Vec::new();
    for_each_checked(
        &mut source,
        &SignedEvent::from_records,
        &mut |_, checked| {
            if let Some(Ok(event)) = checked {
                if event.group() == header.group && keep(&event.id) {
                    events.push(event);
                }
            }
        },
    )?;
    source.finish()?;
    Ok((header, events))
}

/// Checks records a group at a time: one result per record, in order.
pub(crate) type CheckRecords<'c, T> = &'c (dyn Fn(&[&[u8]]) -> Vec<T> + Sync);

/// Reads the rest of a bundle chunk by chunk, each chunk's records checked
/// on all cores with `check` ([`check_chunk`]), and hands `each` every item
/// with its record's result, in order. A framing error ends it after the
/// items before it.
pub(crate) fn for_each_checked<R: BufRead, T: Send>(
    source: &mut Source<R>,
    check: CheckRecords<'_, T>,
    each: &mut dyn FnMut(Item, Option<T>),
) -> std::result::Result<(), crate::bundle::BundleError> {
    loop {
        let (chunk, end) = read_chunk(source);
        for (item, checked) in check_chunk(chunk, check) {
            each(item, checked);
        }
        if let Some(end) = end {
            return end;
        }
    }
}

fn stored(store: &Store, id: &EventId) -> Result<SignedEvent> {
    store.event(id)?.ok_or_else(|| {
        Error::Store(crate::store::StoreError::Corrupt {
            path: store.dir().to_owned(),
            what: format!("indexed event {} is missing", id.short()),
        })
    })
}

/// What an import's report keeps of the bundle's header. Its heads may
/// number as many as its events (72 bytes each) and the report only counts
/// them: the import of 100,000 concurrent leaves held 8 MB of heads to its
/// end for one number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderSummary {
    pub group: GroupId,
    pub kind: BundleKind,
    pub event_count: u64,
    pub head_count: usize,
    /// Events the sender knows of but lacks (a peer may answer with them).
    pub want: Vec<EventId>,
}

impl From<BundleHeader> for HeaderSummary {
    fn from(header: BundleHeader) -> HeaderSummary {
        HeaderSummary {
            group: header.group,
            kind: header.kind,
            event_count: header.event_count,
            head_count: header.heads.len(),
            want: header.want,
        }
    }
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Default)]
pub struct ImportReport {
    pub header: Option<HeaderSummary>,
    pub summary: Summary,
    /// One sentence per record that was refused, and why.
    pub findings: Vec<String>,
    pub trailer: Option<Trailer>,
    pub records: u64,
    /// The authors of the events this import accepted (whose standing
    /// `import` checks for staleness, `repo::stale`).
    pub authors: std::collections::BTreeSet<crate::model::event::PublicKey>,
}

/// An import's report, and the error that stopped it, if any (events that
/// verified before it are kept).
pub struct ImportOutcome {
    pub report: ImportReport,
    pub error: Option<Error>,
}

/// Imports one bundle from `input`. With `dry_run`, nothing is written (the
/// bundle is then held in memory as one transaction).
pub fn import(
    store: &Store,
    input: impl BufRead + Send,
    dry_run: bool,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> ImportOutcome {
    let mut report = ImportReport::default();
    // The import runs on one pool thread, which commits every chunk itself
    // and only then joins the verification of the next. A commit frees the
    // views the one before it built; on the thread that allocated them the
    // allocator reuses their pages at once, where a page freed from another
    // thread waits for its owner. Committed by whichever thread was free,
    // the 100,000 concurrent leaves peaked 50 MiB higher (`docs/decisions.md`).
    let error = rayon::scope(|_| run_import(store, input, dry_run, progress, &mut report)).err();
    ImportOutcome { report, error }
}

fn run_import(
    store: &Store,
    input: impl BufRead + Send,
    dry_run: bool,
    progress: &mut (dyn FnMut(u64, u64) + Send),
    report: &mut ImportReport,
) -> Result<()> {
    let mut source = Source::open(input)?;
    // The header's heads may number as many as its events: the reader keeps
    // only what it checks, and the report their count.
    let header = source.take_header();
    let (group, event_count) = (header.group, header.event_count);
    report.header = Some(HeaderSummary::from(header));
    // Each chunk is its own transaction. A transaction reads the log head at
    // its first append, so the next one may be opened before this one
    // commits. While the other pool thread verifies chunk N+1, this one
    // offers and commits chunk N, reads chunk N+2, and then helps verify.
    let mut ingest = Ingest::new(store)?;
    let mut verified: Option<Vec<Checked>> = None;
    let (mut chunk, mut end) = read_chunk(&mut source);
    let read_result = loop {
        let previous = verified.take();
        let read_on = end.is_none();
        let ((next, offered), checked) = rayon::join(
            || {
                let offered = match previous {
                    Some(previous) => {
                        commit_chunk(store, &mut ingest, &group, previous, report, dry_run)
                    }
                    None => Ok(()),
                };
                // Read after the commit: a bundle that comes slowly (a pipe)
                // never holds back the commit of what already verified.
                let next = (read_on && offered.is_ok()).then(|| read_chunk(&mut source));
                (next, offered)
            },
            || verify_chunk(std::mem::take(&mut chunk)),
        );
        offered?;
        progress(report.records, event_count);
        verified = Some(checked);
        if let Some(end) = end.take() {
            break end;
        }
        // The next chunk was read: this one did not end the bundle.
        (chunk, end) =
            next.ok_or_else(|| Error::Internal("an import chunk was not read".into()))?;
    };
    // The last chunk, and what verified before a framing error.
    let offered = match verified {
        Some(last) => offer_chunk(&mut ingest, &group, last, report),
        None => Ok(()),
    };
    progress(report.records, event_count);
    if dry_run {
        merge(&mut report.summary, ingest.summary()?);
    } else {
        let (summary, carry) = ingest.commit()?;
        merge(&mut report.summary, summary);
        report.summary.groups = carry.into_groups();
    }
    offered?;
    read_result?;
    report.trailer = source.finish()?;
    Ok(())
}

/// Offers a verified chunk and, unless `dry_run`, commits it as one part of
/// the import, leaving `ingest` ready for the next. What was offered before
/// a refusal that stops the import is committed: "the events before it were
/// kept" stays true.
fn commit_chunk<'s>(
    store: &'s Store,
    ingest: &mut Ingest<'s>,
    group: &GroupId,
    checked: Vec<Checked>,
    report: &mut ImportReport,
    dry_run: bool,
) -> Result<()> {
    let offered = offer_chunk(ingest, group, checked, report);
    if dry_run {
        return offered;
    }
    let part = std::mem::replace(ingest, Ingest::new(store)?);
    // More parts follow unless this one stops the import.
    let (summary, carry) = match offered {
        Ok(()) => part.commit_part()?,
        Err(_) => part.commit()?,
    };
    merge(&mut report.summary, summary);
    if carry.widest_region() > WIDE_REGION_EVENTS {
        store.start_flush_over(WIDE_IMPORT_MEMTABLE_BYTES);
    }
    match offered {
        // The import stops here: report what it changed.
        Err(_) => report.summary.groups = carry.into_groups(),
        Ok(()) => ingest.carry_on(carry),
    }
    offered
}

/// An item with the result of decoding and verifying it (None for a line
/// that yielded no record).
type Checked = (Item, Option<std::result::Result<SignedEvent, EventError>>);

/// Reads up to a chunk of items; the second value is set when the bundle
/// ended (Ok) or broke (Err) during this chunk.
fn read_chunk<R: BufRead>(
    source: &mut Source<R>,
) -> (
    Vec<Item>,
    Option<std::result::Result<(), crate::bundle::BundleError>>,
) {
    let mut chunk = Vec::new();
    let mut bytes = 0;
    while chunk.len() < CHUNK_RECORDS && bytes < CHUNK_BYTES {
        match source.next_item() {
            Ok(Some(item)) => {
                bytes += match &item {
                    Item::Record(r) => r.len(),
                    Item::Bad { raw, .. } => raw.len(),
                };
                chunk.push(item);
            }
            Ok(None) => return (chunk, Some(Ok(()))),
            Err(e) => return (chunk, Some(Err(e))),
        }
    }
    (chunk, None)
}

/// Decodes and verifies a chunk's records on all cores, a group of
/// [`VERIFIED_TOGETHER`] at a time (their signatures checked together).
fn verify_chunk(chunk: Vec<Item>) -> Vec<Checked> {
    check_chunk(chunk, &SignedEvent::from_records)
}

/// Checks a chunk's records on all cores with `check`, a group of
/// [`VERIFIED_TOGETHER`] at a time: each item with its record's result
/// (`None` for a line that yielded no record).
fn check_chunk<T: Send>(chunk: Vec<Item>, check: CheckRecords<'_, T>) -> Vec<(Item, Option<T>)> {
    let checked: Vec<Option<T>> = chunk
        .par_chunks(VERIFIED_TOGETHER)
        .flat_map_iter(|items| {
            let records: Vec<&[u8]> = items.iter().filter_map(Item::record).collect();
            // One result per record, in order.
            let mut results = check(&records).into_iter();
            items
                .iter()
                .map(move |item| item.record().and_then(|_| results.next()))
                .collect::<Vec<_>>()
        })
        .collect();
    chunk.into_iter().zip(checked).collect()
}

/// Offers a verified chunk in order.
fn offer_chunk(
    ingest: &mut Ingest<'_>,
    group: &GroupId,
    checked: Vec<Checked>,
    report: &mut ImportReport,
) -> Result<()> {
    for (item, checked) in checked {
        report.records += 1;
        match (item, checked) {
            (Item::Bad { reason, raw }, _) => {
                ingest.refuse(&raw, Outcome::Malformed(reason.clone()));
                report.findings.push(format!("malformed: {reason}"));
            }
            (Item::Record(_), Some(Ok(event))) if event.group() != *group => {
                // A valid event is not bad bytes: the header (or the bundle)
                // was altered. Stop here rather than quarantine good events.
                return Err(crate::bundle::BundleError::OtherGroup {
                    index: report.records - 1,
                    event: event.id.short(),
                    found: event.group().short(),
                    expected: group.short(),
                }
                .into());
            }
            (Item::Record(record), Some(checked)) => {
                let author = checked.as_ref().ok().map(|e| e.event.author);
                let (id, outcome) = ingest.offer_checked(&record, checked)?;
                if let (Some(author), Outcome::Accepted) = (author, &outcome) {
                    report.authors.insert(author);
                }
                // Named only for a finding: formatting every accepted
                // event's id cost 0.5% of an import's time.
                let named = || {
                    id.map_or_else(
                        || "a record".to_string(),
                        |id| format!("event {}", id.short()),
                    )
                };
                match &outcome {
                    Outcome::Malformed(reason) => report
                        .findings
                        .push(format!("malformed: {}: {reason}", named())),
                    Outcome::BadSignature => report
                        .findings
                        .push(format!("bad-signature: {} does not verify", named())),
                    Outcome::BadLink(reason) => report
                        .findings
                        .push(format!("bad-link: {}: {reason}", named())),
                    _ => {}
                }
            }
            (Item::Record(_), None) => {}
        }
    }
    Ok(())
}

fn merge(total: &mut Summary, part: Summary) {
    for (word, n) in part.counts {
        *total.counts.entry(word).or_default() += n;
    }
    total.released += part.released;
    for (group, (before, after)) in part.groups {
        let entry = total.groups.entry(group).or_insert((before, after.clone()));
        entry.1 = after;
    }
}

/// Who signed a bundle: reads it through to its trailer, checking the framing,
/// the digest and the trailer's signature (`verify_strict`), without verifying
/// each event. JSON Lines bundles are never signed (`None`), nor are binary
/// bundles exported without `--sign`.
pub fn bundle_signer(input: impl BufRead) -> Result<Option<PublicKey>> {
    let mut source = Source::open(input)?;
    while source.next_item()?.is_some() {}
    Ok(source.finish()?.and_then(|trailer| trailer.signer))
}

/// What a bundle holds, read without a store (`bundle inspect`, `bundle verify`).
#[derive(Debug)]
pub struct Scan {
    pub header: BundleHeader,
    pub trailer: Option<Trailer>,
    pub events: u64,
    pub ops: std::collections::BTreeMap<&'static str, u64>,
    pub authors: std::collections::BTreeMap<crate::model::event::PublicKey, u64>,
    /// Ids of the events that verified.
    pub ids: std::collections::HashSet<EventId>,
    /// Ids the verified events cite (parents and `prev`).
    pub cited: std::collections::BTreeSet<EventId>,
    /// One sentence per record that would be refused.
    pub problems: Vec<String>,
}

/// Reads a whole bundle, checking every record and the trailer.
pub fn scan(input: impl BufRead) -> Result<Scan> {
    let mut source = Source::open(input)?;
    let mut scan = Scan {
        header: source.header().clone(),
        trailer: None,
        events: 0,
        ops: Default::default(),
        authors: Default::default(),
        ids: Default::default(),
        cited: Default::default(),
        problems: Vec::new(),
    };
    for_each_checked(
        &mut source,
        &SignedEvent::from_records,
        &mut |item, checked| scan.add(item, checked),
    )?;
    scan.trailer = source.finish()?;
    Ok(scan)
}

impl Scan {
    /// Counts one item of the bundle, with its check.
    fn add(&mut self, item: Item, checked: Option<std::result::Result<SignedEvent, EventError>>) {
        self.events += 1;
        if let Item::Bad { reason, .. } = item {
            self.problems.push(format!("malformed: {reason}"));
            return;
        }
        match checked {
            Some(Ok(event)) if event.group() != self.header.group => self.problems.push(format!(
                "malformed: event {} belongs to another group ({})",
                event.id.short(),
                event.group().short()
            )),
            Some(Ok(event)) => {
                *self.ops.entry(event.event.op.kind()).or_default() += 1;
                *self.authors.entry(event.event.author).or_default() += 1;
                self.cited.extend(event.event.parents.iter().map(|p| p.id));
                self.cited.extend(event.event.prev);
                self.ids.insert(event.id);
            }
            Some(Err(e)) => self.problems.push(format!("record {}: {e}", self.events)),
            // A record always has its check.
            None => {}
        }
    }
}

/// The events a bundle cites that neither it nor the store holds: what the
/// store lacks to apply it cleanly (its unmet prerequisites).
pub fn missing_here(store: &Store, scan: &Scan) -> Result<Vec<EventId>> {
    let mut missing = Vec::new();
    let prerequisites = scan.header.prerequisites.iter().map(|p| p.id);
    let cited: std::collections::BTreeSet<EventId> =
        scan.cited.iter().copied().chain(prerequisites).collect();
    for id in cited {
        if !scan.ids.contains(&id) && store.event_meta(&id)?.is_none() {
            missing.push(id);
        }
    }
    Ok(missing)
}
