//! The embedded RocksDB store (SPEC §5).
//!
//! A store is a folder: `db/` (RocksDB), `identity.key` (the store's secret
//! key, mode 0600) and `identity.pub`. RocksDB holds one column family per kind
//! of record; their key and value layouts are in `docs/store.md`. Every command
//! commits through one [`StoreBatch`], written atomically with `sync`, so a
//! crash leaves either all of a command's records or none of them.
//!
//! Write commands open the store read-write, which takes RocksDB's lock: a
//! second writer gets [`StoreError::InUse`]. Read commands open it read-only,
//! which takes no lock and sees a consistent state, so they never block.

mod batch;
mod history;
pub mod layout;
pub mod log;
pub mod member_pages;
pub mod paths;
pub mod records;
pub mod row_digests;
pub mod view_rows;

use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;

use rocksdb::ColumnFamily;
use rocksdb::ColumnFamilyDescriptor;
use rocksdb::Direction;
use rocksdb::IteratorMode;
use rocksdb::Options;
use rocksdb::DB;

pub use self::batch::PreparedWrite;
pub use self::batch::StoreBatch;
pub use self::batch::StoredFrontier;
pub use self::batch::StoredRows;
pub use self::batch::StoredView;
pub use self::history::StoreHistory;
use self::layout::ChainKey;
use self::layout::OrderKey;
use self::layout::ViewSlot;
use self::log::LogEntry;
use self::log::LogHead;
use self::member_pages::ListedMember;
use self::records::EventMetaRecord;
use self::records::GroupStateRecord;
use self::records::HeadRecord;
use self::records::LogHeadRecord;
use self::records::PendingRecord;
use self::records::QuarantineRecord;
use self::records::SelfNameRecord;
use self::view_rows::KeyRowRecord;
use self::view_rows::ViewHeadRecord;
use crate::model::codec::CodecError;
use crate::model::codec::Contract;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::ParentRef;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::rules::links::Ancestry;
use crate::rules::projection::Frontier;
use crate::rules::projection::OrderedEvent;
use crate::rules::projection::Verdict;
use crate::rules::view::View;

/// The schema this build writes and reads. Schema 2 declared every stored
/// record (`records`) and key (`layout`); schema 3 adds linked devices to the
/// stored view. Schema 5 keys heads newest first, keeps the open region's
/// inert events in a family of their own (`inert`) and counts a group's heads
/// in its projection record. Schema 6 stores a group's view as a small head
/// in its projection record and one row per key (`view_rows`), and its base
/// only when the open segment is not empty. Schema 7 keys each event by its
/// group, Lamport number and id (`layout::OrderKey`), so a group's events are
/// stored in the order a replay reads them; the `by_group` index is gone and
/// an event is found by id through its status. Schema 9 no longer copies the
/// open region's events into the projection record: each is a key in the
/// `region` family, its event read back from `events` (`Store::open_region`).
/// Schema 10 lists the current view's members and devices in pages beside
/// its rows (`member_pages`), for `gmm members`. Older stores are refused.
pub const SCHEMA_VERSION: u32 = 10;

/// Column families, one per kind of record.
pub mod cf {
    pub const META: &str = "meta";
    pub const EVENTS: &str = "events";
    pub const CHAINS: &str = "chains";
    pub const LOG: &str = "log";
    pub const HEADS: &str = "heads";
    pub const PENDING: &str = "pending";
    pub const QUARANTINE: &str = "quarantine";
    pub const PROJECTION: &str = "projection";
    pub const STATUS: &str = "status";
    pub const CHECKPOINTS: &str = "checkpoints";
    pub const MISSING: &str = "missing";
    pub const INERT: &str = "inert";
    pub const VIEW_ROWS: &str = "view_rows";
    pub const REGION: &str = "region";
    pub const MEMBER_PAGES: &str = "member_pages";
    pub const ALL: [&str; 15] = [
        META,
        EVENTS,
        CHAINS,
        LOG,
        HEADS,
        PENDING,
        QUARANTINE,
        PROJECTION,
        STATUS,
        CHECKPOINTS,
        MISSING,
        INERT,
        VIEW_ROWS,
        REGION,
        MEMBER_PAGES,
    ];
}

/// Opens the database read-only, trying again when a file vanished during
/// the open. A read-only open lists the write-ahead logs, then reads them;
/// a writer that flushes in between (as it does when it closes after a large
/// import) deletes the old log, and the open fails with "No such file or
/// directory". The next open sees the new files, so a few retries make
/// readers work during any write, as `docs/store.md` promises.
fn open_read_only_retrying(opts: &Options, path: &Path) -> Result<DB, rocksdb::Error> {
    let mut tries = 0;
    loop {
        match DB::open_cf_descriptors_read_only(opts, path, descriptors(), false) {
            Err(e) if tries < 5 && e.to_string().contains("No such file or directory") => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20 * tries));
            }
            result => return result,
        }
    }
}

/// File names inside a store folder.
pub const DB_DIR: &str = "db";
pub const IDENTITY_KEY: &str = "identity.key";
pub const IDENTITY_PUB: &str = "identity.pub";

/// Errors opening, reading or writing a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no gmm store at {path}")]
    Missing { path: PathBuf },
    #[error("permission denied: cannot read the store at {path}")]
    PermissionDenied { path: PathBuf },
    #[error("the store at {path} is in use by another gmm process")]
    InUse { path: PathBuf },
    #[error("the store at {path} has schema version {found}; this gmm reads up to {supported}")]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("the store at {path} has schema version {found}, older than {supported}, which this gmm reads")]
    SchemaTooOld {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("the store at {path} is damaged: {what}")]
    Corrupt { path: PathBuf, what: String },
    #[error("store I/O at {path}: {message}")]
    Io { path: PathBuf, message: String },
}

/// What the store knows about an accepted event beyond its bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EventMeta {
    pub group: GroupId,
    /// `1 + max(parents' lamport)`, 0 for `Create`; computed here, never trusted.
    pub lamport: u64,
    /// Position in the local append log.
    pub log_index: u64,
    /// What the rules of SPEC §3 made of it.
    pub verdict: Verdict,
    /// Its single-parent run and jump pointer (`rules::links::Ancestry`);
    /// computed here, never trusted.
    pub ancestry: Ancestry,
}

/// The persisted projection of one group.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GroupState {
    pub frontier: Frontier,
    pub event_count: u64,
    /// How many heads the group has (its `heads` keys).
    pub head_count: u64,
    /// Whether the store's member pages list this state's view
    /// (`store::member_pages`): not between the parts of an import, which
    /// lists its groups once, with its last part.
    pub members_listed: bool,
}

impl GroupState {
    /// The group's current view.
    pub fn view(&self) -> &View {
        &self.frontier.view
    }
}

/// An event waiting for parents (SPEC §4 `pending`).
#[derive(Clone, Debug)]
pub struct PendingEvent {
    pub event: SignedEvent,
    pub missing: Vec<EventId>,
}

/// A key and its value, as read from RocksDB.
pub type KeyValue = (Box<[u8]>, Box<[u8]>);

/// An open store.
pub struct Store {
    db: DB,
    dir: PathBuf,
    read_only: bool,
}

fn rocks_error(dir: &Path, err: rocksdb::Error) -> StoreError {
    // Damaged files (a flipped bit, a truncated table) are malformed data,
    // not an I/O failure: the fix is a backup or a re-import, not the disk.
    if err.kind() == rocksdb::ErrorKind::Corruption {
        return StoreError::Corrupt {
            path: dir.to_owned(),
            what: err.into_string(),
        };
    }
    let message = err.into_string();
    if message.contains("Permission denied") {
        return StoreError::PermissionDenied {
            path: dir.to_owned(),
        };
    }
    // RocksDB reports a held lock as an I/O error naming its LOCK file.
    if message.contains("LOCK") || message.contains("lock file") {
        return StoreError::InUse {
            path: dir.to_owned(),
        };
    }
    StoreError::Io {
        path: dir.to_owned(),
        message,
    }
}

/// Above this many bytes in the memtables, a writer flushes them when it
/// closes the store. Left in the write-ahead log instead, they would be read
/// back into memory by every later open: a read-only open cannot flush, so
/// after a 100,000-op batch each `gmm members` replayed 190 MB of log
/// (1 s, 600 MB of memory) until the next writer came along.
const FLUSH_ON_CLOSE_BYTES: u64 = 1 << 20;

/// Memory budget: RocksDB's defaults give each column family its own 64 MiB
/// memtables and block cache; gmm's twelve share one cache and one memtable
/// budget, so a million-event import stays well under 256 MiB. At 32 MiB
/// the cache filled during `gmm audit` of the 1,000,000-event store, which
/// then peaked at 255–258 MiB; at 16 MiB it peaked at 224 MiB, and the
/// import took 1.01 of the time and peaked 29 MiB lower (2 paired runs).
/// Memtables of 32 MiB in all were tried and given up: the 100,000
/// concurrent leaves peaked 19 MiB lower, but the 1,000,000-event import
/// left 138 table files instead of 104, and `diff` and `correct`, which
/// open the peer's store, read 2.16 and 2.50, and 2.06 and 2.19, of the
/// 10,000-event ones in two benchmark runs (limit 2).
const BLOCK_CACHE_BYTES: usize = 16 << 20;
const MEMTABLE_BUDGET_BYTES: usize = 48 << 20;
const MEMTABLE_BYTES: usize = 8 << 20;

/// Bits per key of the whole-key Bloom filters on the families read by
/// point lookups (the RocksDB default recommendation: about 1% false
/// positives for 1.25 bytes a key).
const BLOOM_BITS_PER_KEY: f64 = 10.0;

/// Families read by point lookups: an event or its status by id, a head or
/// a pending event by key. Without a filter a lookup reads a data block in
/// each level whose key range covers its key, even when the key is not
/// there, so its cost grows with the number of levels.
const POINT_READ_FAMILIES: [&str; 4] = [cf::EVENTS, cf::STATUS, cf::HEADS, cf::PENDING];

/// The share of a point-read family's memtable given to a Bloom filter of
/// its keys: a lookup of a key that is not there (an import asks for every
/// new event's id) then skips the memtable's skip list. An 8 MiB memtable
/// of `status` records (about 200 bytes each with their keys) holds some
/// 40,000 keys; 2% of it is 160 KiB, over 30 bits a key. Every open
/// allocates the filters, so they are kept that small: at a tenth, they
/// added 4 MiB to every command's peak.
const MEMTABLE_BLOOM_RATIO: f64 = 0.02;

/// Table files flushed to level 0 before RocksDB compacts them into level
/// 1 (its default is 4). Ids are hashes, so every flushed file of the
/// `status` or `events` family overlaps all of level 1, and each compaction
/// rewrites level 1 whole: compacting half as often halves that rewriting.
/// The 1,000,000-event import took 0.97 of the time (2 paired runs; 16
/// files gained nothing more); a point lookup checks the Bloom filter of a
/// few more files, and the audit and replay of the store it left took the
/// same time and memory.
const LEVEL0_FILES_BEFORE_COMPACTION: i32 = 8;

/// Newest table files of `member_pages` from which a closing writer
/// compacts the family ([`Store::compact_layered_member_pages`]).
const MEMBER_PAGE_FILES_BEFORE_COMPACTION: u64 = 2;

fn family_options(name: &str, cache: &rocksdb::Cache) -> Options {
    let mut table = rocksdb::BlockBasedOptions::default();
    table.set_block_cache(cache);
    if POINT_READ_FAMILIES.contains(&name) {
        table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
    }
    let mut opts = Options::default();
    opts.set_block_based_table_factory(&table);
    opts.set_write_buffer_size(MEMTABLE_BYTES);
    opts.set_level_zero_file_num_compaction_trigger(LEVEL0_FILES_BEFORE_COMPACTION);
    if POINT_READ_FAMILIES.contains(&name) {
        opts.set_memtable_whole_key_filtering(true);
        opts.set_memtable_prefix_bloom_ratio(MEMTABLE_BLOOM_RATIO);
    }
    opts
}

/// Old RocksDB info logs a writer keeps in the store's `db` folder.
const RETAINED_ROCKSDB_LOGS: usize = 2;

/// How much a whole-group scan reads ahead ([`whole_scan`]).
const WHOLE_SCAN_READAHEAD_BYTES: usize = 2 << 20;

/// Fewer bytes than a member's row takes in a table file (the key past the
/// prefix it shares with the row before, 32 bytes, then role, name and
/// deciding events: about 150 in all), so that
/// [`Store::view_rows_estimate`] rather over- than under-counts. For the
/// 100,000-member group it counts 127,108 rows; the call takes under 10 µs.
const VIEW_ROW_BYTES_AT_LEAST: u64 = 128;

/// The most rows [`Store::view_rows_estimate`] reserves room for.
const MAX_VIEW_ROWS_RESERVED: usize = 1 << 22;

/// Entries [`Store::event_metas_in_order`] steps over to reach the next id
/// before it seeks instead: a seek costs about as much as a few steps.
const STEPS_BEFORE_SEEK: usize = 8;

/// Read options for a scan that reads all of a group's events or all of a
/// view's rows once: table blocks are read ahead 2 MiB at a time instead of
/// one 4 KiB read each, and are not put in the block cache, where they
/// would only push out the blocks point lookups reuse.
fn whole_scan() -> rocksdb::ReadOptions {
    let mut read = rocksdb::ReadOptions::default();
    read.fill_cache(false);
    read.set_readahead_size(WHOLE_SCAN_READAHEAD_BYTES);
    read
}

/// Table files a process keeps open at most (RocksDB's `max_open_files`).
/// Any limit at all makes RocksDB open a table file when a read first
/// needs it instead of opening every one, index and filter loaded, before
/// the first read: a bare open of the 1,000,000-event store took 29 ms, 13
/// ms now (`docs/decisions.md`). Below the 1,024 descriptors a Debian
/// shell allows by default, so a store of thousands of files still opens.
const TABLE_FILES_OPEN_AT_MOST: i32 = 512;

fn db_options() -> Options {
    let mut opts = Options::default();
    opts.set_db_write_buffer_size(MEMTABLE_BUDGET_BYTES);
    // One thread opens the table files: sixteen a family meant about 200
    // threads started for every command (`docs/decisions.md`).
    opts.set_max_file_opening_threads(1);
    opts.set_max_open_files(TABLE_FILES_OPEN_AT_MOST);
    // RocksDB's own diagnostics: warnings only, and two old logs at most,
    // not a 184 KB options dump kept for each of the last 1,000 writers.
    opts.set_log_level(rocksdb::LogLevel::Warn);
    opts.set_keep_log_file_num(RETAINED_ROCKSDB_LOGS);
    opts
}

fn descriptors() -> Vec<ColumnFamilyDescriptor> {
    let cache = rocksdb::Cache::new_lru_cache(BLOCK_CACHE_BYTES);
    cf::ALL
        .iter()
        .map(|name| ColumnFamilyDescriptor::new(*name, family_options(name, &cache)))
        .collect()
}

/// Opens the database for writing. A store of an older schema may hold a
/// family this one dropped (schema 6's `by_group`), which RocksDB refuses to
/// leave unopened; it is then opened as well, so that the schema check
/// refuses the store by its version, with what to do, instead of RocksDB's
/// "column families not opened".
fn open_read_write(opts: &Options, path: &Path) -> Result<DB, rocksdb::Error> {
    match DB::open_cf_descriptors(opts, path, descriptors()) {
        Err(e) if e.to_string().contains("Column families not opened") => {
            let mut families = descriptors();
            for name in DB::list_cf(opts, path)? {
                if !cf::ALL.contains(&name.as_str()) {
                    families.push(ColumnFamilyDescriptor::new(name, Options::default()));
                }
            }
            DB::open_cf_descriptors(opts, path, families)
        }
        result => result,
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if !self.read_only {
            self.flush_large_memtables();
            self.compact_layered_member_pages();
        }
    }
}

impl Store {
    /// Flushes the memtables to table files when they hold more than
    /// [`FLUSH_ON_CLOSE_BYTES`]. Best effort: the data is durable in the
    /// write-ahead log either way, so a failure here loses nothing.
    fn flush_large_memtables(&self) {
        self.flush_memtables_over(
            "rocksdb.cur-size-all-mem-tables",
            FLUSH_ON_CLOSE_BYTES,
            true,
        );
    }

    /// Starts flushing the memtables when the ones still taking writes hold
    /// more than `bytes`, without waiting for the flush to finish; returns
    /// whether it did. Best effort, as above. Memtables a flush already took
    /// are not counted: asked again before that flush ends, it does not
    /// start another for the few writes since.
    pub fn start_flush_over(&self, bytes: u64) -> bool {
        self.flush_memtables_over("rocksdb.cur-size-active-mem-table", bytes, false)
    }

    fn flush_memtables_over(&self, property: &str, bytes: u64, wait: bool) -> bool {
        let families: Vec<&ColumnFamily> = cf::ALL.iter().map(|name| self.handle(name)).collect();
        let held: u64 = families
            .iter()
            .filter_map(|family| {
                self.db
                    .property_int_value_cf(*family, property)
                    .ok()
                    .flatten()
            })
            .sum();
        if held <= bytes {
            return false;
        }
        let mut options = rocksdb::FlushOptions::default();
        options.set_wait(wait);
        let _ = self.db.flush_cfs_opt(&families, &options);
        true
    }

    /// Compacts the member pages when their newest table files hold
    /// [`MEMBER_PAGE_FILES_BEFORE_COMPACTION`] or more versions of them, as
    /// a writer closes. Every write that lists a group rewrites the pages
    /// it touches, and flushed versions pile up: when an import still
    /// rewrote each page in every chunk, the 100,000-member group's pages
    /// (5 MB) were left in four table files that `gmm members` read and
    /// merged whole (13 MB); compacted into one, listing took 0.68 of the
    /// time. Best effort, like the flush: a failure loses nothing.
    fn compact_layered_member_pages(&self) {
        let family = self.handle(cf::MEMBER_PAGES);
        let files = self
            .db
            .property_int_value_cf(family, "rocksdb.num-files-at-level0")
            .ok()
            .flatten()
            .unwrap_or(0);
        if files >= MEMBER_PAGE_FILES_BEFORE_COMPACTION {
            self.db
                .compact_range_cf(family, None::<&[u8]>, None::<&[u8]>);
        }
    }

    /// True when `dir` holds a store (whatever its schema).
    pub fn exists(dir: &Path) -> bool {
        dir.join(DB_DIR).join("CURRENT").is_file()
    }

    /// Creates the RocksDB part of a new store and records schema and identity.
    pub fn create(dir: &Path, identity: PublicKey) -> Result<Store, StoreError> {
        let mut opts = db_options();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let db = DB::open_cf_descriptors(&opts, dir.join(DB_DIR), descriptors())
            .map_err(|e| rocks_error(dir, e))?;
        let store = Store {
            db,
            dir: dir.to_owned(),
            read_only: false,
        };
        let mut batch = store.batch();
        batch.put(cf::META, layout::META_SCHEMA, &SCHEMA_VERSION.to_be_bytes());
        batch.put(cf::META, layout::META_IDENTITY, &identity.0);
        batch.set_log_head(&LogHead::default());
        store.commit(batch)?;
        Ok(store)
    }

    /// Opens an existing store for writing (takes the store's lock).
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Self::open_mode(dir, false)
    }

    /// Opens an existing store for reading only (no lock, never blocks a writer).
    pub fn open_read_only(dir: &Path) -> Result<Store, StoreError> {
        Self::open_mode(dir, true)
    }

    fn open_mode(dir: &Path, read_only: bool) -> Result<Store, StoreError> {
        // A store this user may not read is not a missing store.
        match std::fs::metadata(dir.join(DB_DIR).join("CURRENT")) {
            Ok(m) if m.is_file() => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(StoreError::PermissionDenied {
                    path: dir.to_owned(),
                })
            }
            _ => {
                return Err(StoreError::Missing {
                    path: dir.to_owned(),
                })
            }
        }
        let opts = db_options();
        let path = dir.join(DB_DIR);
        let db = if read_only {
            open_read_only_retrying(&opts, &path)
        } else {
            open_read_write(&opts, &path)
        }
        .map_err(|e| rocks_error(dir, e))?;
        let store = Store {
            db,
            dir: dir.to_owned(),
            read_only,
        };
        store.check_schema()?;
        Ok(store)
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let raw = self.get(cf::META, layout::META_SCHEMA)?;
        let found = raw
            .as_deref()
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
            .ok_or_else(|| self.corrupt("no schema version"))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                path: self.dir.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < SCHEMA_VERSION {
            return Err(StoreError::SchemaTooOld {
                path: self.dir.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn identity_key_path(&self) -> PathBuf {
        self.dir.join(IDENTITY_KEY)
    }

    fn corrupt(&self, what: &str) -> StoreError {
        StoreError::Corrupt {
            path: self.dir.clone(),
            what: what.to_string(),
        }
    }

    fn handle(&self, name: &str) -> &ColumnFamily {
        // Cannot fail: every name in cf::ALL is opened (or created) with the DB.
        self.db
            .cf_handle(name)
            .expect("column family opened with the store")
    }

    fn io(&self, err: rocksdb::Error) -> StoreError {
        rocks_error(&self.dir, err)
    }

    fn get(&self, family: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.db
            .get_cf(self.handle(family), key)
            .map_err(|e| self.io(e))
    }

    /// Keys (and values) of a column family that start with `prefix`, in
    /// order, read as the caller goes: a scan of any length holds one record.
    fn prefix_records<'a>(
        &'a self,
        family: &str,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = Result<KeyValue, StoreError>> + 'a {
        self.prefix_records_with(family, prefix, rocksdb::ReadOptions::default())
    }

    fn prefix_records_with<'a>(
        &'a self,
        family: &str,
        prefix: &'a [u8],
        read: rocksdb::ReadOptions,
    ) -> impl Iterator<Item = Result<KeyValue, StoreError>> + 'a {
        self.db
            .iterator_cf_opt(
                self.handle(family),
                read,
                IteratorMode::From(prefix, Direction::Forward),
            )
            .map(|item| item.map_err(|e| self.io(e)))
            .take_while(move |item| item.as_ref().map_or(true, |(k, _)| k.starts_with(prefix)))
    }

    /// [`Store::prefix_records`], collected.
    fn scan_prefix(&self, family: &str, prefix: &[u8]) -> Result<Vec<KeyValue>, StoreError> {
        self.prefix_records(family, prefix).collect()
    }

    /// Calls `each` with every key and value of `family` under `prefix`, in
    /// key order, read once ([`whole_scan`]). A raw iterator lends each key
    /// and value: unlike [`Store::prefix_records`], no copy of either per
    /// record (two allocations per member of a 100,000-member view).
    fn lend_prefix<E: From<StoreError>>(
        &self,
        family: &str,
        prefix: &[u8],
        mut each: impl FnMut(&[u8], &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut records = self
            .db
            .raw_iterator_cf_opt(self.handle(family), whole_scan());
        records.seek(prefix);
        while let (Some(key), Some(value)) = (records.key(), records.value()) {
            if !key.starts_with(prefix) {
                break;
            }
            each(key, value)?;
            records.next();
        }
        records.status().map_err(|e| self.io(e))?;
        Ok(())
    }

    /// Every key and value of a column family, undecoded and read as the
    /// caller goes: for forensic reading (`audit`), which must see damaged
    /// records too.
    pub fn raw_records(
        &self,
        family: &str,
    ) -> impl Iterator<Item = Result<KeyValue, StoreError>> + '_ {
        self.prefix_records(family, &[])
    }

    /// [`Store::raw_records`] under a key prefix (a group's stored events,
    /// whatever their keys say after it).
    pub fn raw_records_under<'a>(
        &'a self,
        family: &str,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = Result<KeyValue, StoreError>> + 'a {
        self.prefix_records(family, prefix)
    }

    /// The store's own public key.
    pub fn identity(&self) -> Result<PublicKey, StoreError> {
        let raw = self.get(cf::META, layout::META_IDENTITY)?;
        raw.as_deref()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(PublicKey)
            .ok_or_else(|| self.corrupt("no identity recorded"))
    }

    /// The name this store's identity goes by locally, if it was given one.
    pub fn self_name(&self) -> Result<Option<String>, StoreError> {
        let Some(raw) = self.get(cf::META, layout::META_SELF_NAME)? else {
            return Ok(None);
        };
        SelfNameRecord::from_bytes(&raw)
            .map(|r| Some(r.0).filter(|n| !n.is_empty()))
            .map_err(|e| self.corrupt(&format!("self name: {e}")))
    }

    /// Records the name this store's identity goes by locally.
    pub fn set_self_name(&self, name: &str) -> Result<(), StoreError> {
        let mut batch = self.batch();
        batch.set_self_name(name);
        self.commit(batch)
    }

    /// The head of the local append log.
    pub fn log_head(&self) -> Result<LogHead, StoreError> {
        let raw = self
            .get(cf::META, layout::META_LOG_HEAD)?
            .ok_or_else(|| self.corrupt("no log head"))?;
        LogHeadRecord::from_bytes(&raw)
            .map(LogHead::from)
            .map_err(|e| self.corrupt(&format!("log head: {e}")))
    }

    /// Every entry of the local log, in order (for audits and tests).
    pub fn log_entries(&self) -> Result<Vec<LogEntry>, StoreError> {
        self.scan_prefix(cf::LOG, &[])?
            .iter()
            .map(|(k, v)| LogEntry::parse(k, v).ok_or_else(|| self.corrupt("bad log entry")))
            .collect()
    }

    /// An event by id, decoded from its stored signed record (found at its
    /// place in the group's order, which its status names).
    pub fn event(&self, id: &EventId) -> Result<Option<SignedEvent>, StoreError> {
        Ok(self.event_with_meta(id)?.map(|(event, _)| event))
    }

    /// An event by id with what the store knows about it.
    pub fn event_with_meta(
        &self,
        id: &EventId,
    ) -> Result<Option<(SignedEvent, EventMeta)>, StoreError> {
        let Some(meta) = self.event_meta(id)? else {
            return Ok(None);
        };
        let key = OrderKey {
            group: meta.group,
            lamport: meta.lamport,
            id: *id,
        };
        let record = self.get(cf::EVENTS, &key.to_bytes())?.ok_or_else(|| {
            self.corrupt(&format!("event {} has a status but no record", id.short()))
        })?;
        let event = self.decode_event(id, &record)?;
        Ok(Some((event, meta)))
    }

    fn decode_event(&self, id: &EventId, record: &[u8]) -> Result<SignedEvent, StoreError> {
        SignedEvent::decode_stored(record)
            .map_err(|e| self.corrupt(&format!("event {}: {e}", id.short())))
    }

    /// Decodes the `status` record of `id`; a damaged one is an error that
    /// names it.
    fn decode_meta(&self, id: &EventId, raw: &[u8]) -> Result<EventMeta, StoreError> {
        EventMetaRecord::from_bytes(raw)
            .map(EventMeta::from)
            .map_err(|e| self.corrupt(&format!("status of {}: {e}", id.short())))
    }

    /// What the store knows about an accepted event.
    pub fn event_meta(&self, id: &EventId) -> Result<Option<EventMeta>, StoreError> {
        match self.get(cf::STATUS, &id.0)? {
            Some(raw) => self.decode_meta(id, &raw).map(Some),
            None => Ok(None),
        }
    }

    /// [`Store::event_meta`] of ids given in ascending order, handed to
    /// `each` with their position, read with one iterator over the `status`
    /// family, which is sorted by id: a group's ids are most of it in a
    /// store of one large group, so the iterator steps to the next id
    /// instead of a lookup each (a Bloom filter, an index search and a
    /// block per id), and seeks only over a gap of other groups' ids.
    pub fn event_metas_in_order(
        &self,
        ids: impl Iterator<Item = EventId>,
        each: &mut dyn FnMut(usize, Option<EventMeta>),
    ) -> Result<(), StoreError> {
        let mut read = rocksdb::ReadOptions::default();
        read.fill_cache(false);
        let mut status = self.db.raw_iterator_cf_opt(self.handle(cf::STATUS), read);
        let mut positioned = false;
        for (i, id) in ids.enumerate() {
            let mut steps = 0;
            while positioned && status.key().is_some_and(|k| k < &id.0[..]) {
                if steps == STEPS_BEFORE_SEEK {
                    positioned = false;
                    break;
                }
                status.next();
                steps += 1;
            }
            if !positioned {
                status.seek(id.0);
                positioned = true;
            }
            let meta = match (status.key(), status.value()) {
                (Some(key), Some(raw)) if key == &id.0[..] => Some(self.decode_meta(&id, raw)?),
                _ => None,
            };
            each(i, meta);
        }
        status.status().map_err(|e| self.io(e))
    }

    /// The group's current heads, sorted.
    pub fn heads(&self, group: &GroupId) -> Result<Vec<ParentRef>, StoreError> {
        Ok(self
            .heads_with_lamport(group)?
            .into_iter()
            .map(|(head, _)| head)
            .collect())
    }

    /// A group's heads with their Lamport numbers, sorted.
    pub fn heads_with_lamport(&self, group: &GroupId) -> Result<Vec<(ParentRef, u64)>, StoreError> {
        let mut heads = Vec::new();
        for (_, value) in self.scan_prefix(cf::HEADS, &group.0)? {
            let record =
                HeadRecord::from_bytes(&value).map_err(|e| self.corrupt(&format!("head: {e}")))?;
            heads.push((record.head, record.lamport));
        }
        heads.sort();
        Ok(heads)
    }

    /// A group's heads newest first (Lamport number down, then id), read as
    /// the caller goes: an event citing 64 of 100,000 heads reads 64.
    pub fn newest_heads<'a>(
        &'a self,
        group: &'a GroupId,
    ) -> impl Iterator<Item = Result<(ParentRef, u64), StoreError>> + 'a {
        self.prefix_records(cf::HEADS, &group.0).map(move |item| {
            let (_, value) = item?;
            let record =
                HeadRecord::from_bytes(&value).map_err(|e| self.corrupt(&format!("head: {e}")))?;
            Ok((record.head, record.lamport))
        })
    }

    /// Is the group's event `id`, at Lamport number `lamport`, a head?
    pub fn is_head(&self, group: &GroupId, lamport: u64, id: &EventId) -> Result<bool, StoreError> {
        Ok(self.head(group, lamport, id)?.is_some())
    }

    /// The group's head `id` (at Lamport number `lamport`), if it is one.
    pub fn head(
        &self,
        group: &GroupId,
        lamport: u64,
        id: &EventId,
    ) -> Result<Option<(ParentRef, u64)>, StoreError> {
        let Some(raw) = self.get(cf::HEADS, &layout::head_key(group, lamport, id))? else {
            return Ok(None);
        };
        let record =
            HeadRecord::from_bytes(&raw).map_err(|e| self.corrupt(&format!("head: {e}")))?;
        Ok(Some((record.head, record.lamport)))
    }

    /// Does the group's open region hold an inert event by `author`
    /// (`layout::inert_key`)?
    pub fn inert_by(&self, group: &GroupId, author: &PublicKey) -> Result<bool, StoreError> {
        self.holds_prefix(cf::INERT, &[group.0, author.0].concat())
    }

    /// Does the group's open region hold any inert event?
    pub fn holds_inert(&self, group: &GroupId) -> Result<bool, StoreError> {
        self.holds_prefix(cf::INERT, &group.0)
    }

    /// Is any key of `family` under `prefix`?
    fn holds_prefix(&self, family: &str, prefix: &[u8]) -> Result<bool, StoreError> {
        let first = self.prefix_records(family, prefix).next().transpose()?;
        Ok(first.is_some())
    }

    /// The group's inert open-region events, sorted by author then id.
    pub fn inert_of(&self, group: &GroupId) -> Result<Vec<(PublicKey, EventId)>, StoreError> {
        self.prefix_records(cf::INERT, &group.0)
            .map(|item| {
                let (key, _) = item?;
                layout::parse_inert_key(&key)
                    .map(|(_, author, id)| (author, id))
                    .ok_or_else(|| self.corrupt("bad inert key"))
            })
            .collect()
    }

    /// Every group the store holds.
    pub fn groups(&self) -> Result<Vec<GroupId>, StoreError> {
        self.scan_prefix(cf::PROJECTION, &[])?
            .iter()
            .map(|(k, _)| layout::parse_id(k).ok_or_else(|| self.corrupt("bad projection key")))
            .collect()
    }

    /// The persisted projection of a group: its record, and the rows of its
    /// view (and of its base when stored apart).
    pub fn group_state(&self, group: &GroupId) -> Result<Option<GroupState>, StoreError> {
        let Some(record) = self.group_record(group)? else {
            return Ok(None);
        };
        let view = self.stored_view(group, ViewSlot::View, record.view.clone())?;
        let base = match record.base.clone() {
            Some(head) => Some(self.stored_view(group, ViewSlot::Base, head)?),
            None => None,
        };
        let region = self.open_region(group)?;
        Ok(Some(record.into_state(view, base, region)))
    }

    /// The group's open region (`Frontier::region`): the events after the
    /// cut that are not inert, in topological order. The `region` family
    /// lists their keys (an inert event is not listed, so a fan of 100,000
    /// strangers' leaves costs nothing here), and each event is read from
    /// `events` under the same key: in key order, so block by block.
    pub fn open_region(&self, group: &GroupId) -> Result<Vec<OrderedEvent>, StoreError> {
        let mut region = Vec::new();
        for item in self.prefix_records(cf::REGION, &group.0) {
            let (key, _) = item?;
            let order = OrderKey::parse(&key).ok_or_else(|| self.corrupt("bad region key"))?;
            let record = self.get(cf::EVENTS, &key)?.ok_or_else(|| {
                self.corrupt(&format!("region event {} has no record", order.id.short()))
            })?;
            let event = self.decode_event(&order.id, &record)?;
            region.push(OrderedEvent::new(&event, order.lamport));
        }
        Ok(region)
    }

    /// A group's current view alone: its record's head and its view's rows
    /// (a base stored apart is not read).
    pub fn group_view(&self, group: &GroupId) -> Result<Option<View>, StoreError> {
        let Some(record) = self.group_record(group)? else {
            return Ok(None);
        };
        self.current_view(group, &record).map(Some)
    }

    /// The current view of the group whose projection record is `record`
    /// (read already, for its counts or region).
    pub fn current_view(
        &self,
        group: &GroupId,
        record: &GroupStateRecord,
    ) -> Result<View, StoreError> {
        self.stored_view(group, ViewSlot::View, record.view.clone())
    }

    /// A group's projection record alone: its title, counts and open region
    /// without reading a row of its view.
    pub fn group_record(&self, group: &GroupId) -> Result<Option<GroupStateRecord>, StoreError> {
        let Some(raw) = self.get(cf::PROJECTION, &group.0)? else {
            return Ok(None);
        };
        GroupStateRecord::from_bytes(&raw)
            .map(Some)
            .map_err(|e| self.corrupt(&format!("projection of {}: {e}", group.short())))
    }

    /// The last name a group's current view gives `key` (`View::names`),
    /// read from the key's one row instead of the whole view.
    pub fn view_name(
        &self,
        group: &GroupId,
        key: &PublicKey,
    ) -> Result<Option<String>, StoreError> {
        let row_key = layout::view_row_key(group, ViewSlot::View, key);
        let Some(raw) = self.get(cf::VIEW_ROWS, &row_key)? else {
            return Ok(None);
        };
        let row = KeyRowRecord::from_bytes(&raw).map_err(|e| self.bad_view_row(group, key, e))?;
        Ok(row.name)
    }

    /// Calls `member` with each member of a group's current view, in key
    /// order, with its role, name and devices, read page by page from its
    /// member pages (`store::member_pages`): `gmm members` of 100,000
    /// members without reading the view's rows or holding the list.
    pub fn for_each_member<E: From<StoreError>>(
        &self,
        group: &GroupId,
        mut member: impl FnMut(ListedMember<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.lend_prefix(cf::MEMBER_PAGES, &group.0, |_, page| {
            let listed = member_pages::members_of(page)
                .map_err(|e| self.corrupt(&format!("member page of {}: {e}", group.short())))?;
            listed.into_iter().try_for_each(&mut member)
        })
    }

    /// Whether a group's member pages list exactly the members and devices
    /// of `view` (for the audit: the listing `gmm members` shows must be
    /// the view's).
    pub fn member_pages_match(&self, group: &GroupId, view: &View) -> Result<bool, StoreError> {
        let mut expected = view.members().iter();
        let mut same = true;
        self.for_each_member(group, |listed| {
            same &= expected.next().is_some_and(|(key, member)| {
                listed.key == *key
                    && listed.role == member.role
                    && listed.name == member.name
                    && listed
                        .devices()
                        .eq(view.devices_of(key).map(|(k, d)| (*k, d.name.as_str())))
            });
            Ok::<(), StoreError>(())
        })?;
        Ok(same && expected.next().is_none())
    }

    /// How many members a group's current view has, counted from its
    /// member pages.
    pub fn member_count(&self, group: &GroupId) -> Result<usize, StoreError> {
        let mut count = 0;
        self.for_each_member(group, |_| {
            count += 1;
            Ok::<(), StoreError>(())
        })?;
        Ok(count)
    }

    /// One stored view of a group, from its head and its rows.
    fn stored_view(
        &self,
        group: &GroupId,
        slot: ViewSlot,
        head: ViewHeadRecord,
    ) -> Result<View, StoreError> {
        let mut parts = view_rows::ViewParts::with_capacity(self.view_rows_estimate(group, slot));
        self.for_each_view_row(group, slot, |key, value| {
            parts.push(key, KeyRowRecord::from_bytes(value)?);
            Ok(())
        })?;
        let mut view = parts.into_view(head);
        // Read from the rows: a write of it costs only the keys it changes.
        view.mark_stored();
        Ok(view)
    }

    /// About how many rows one stored view of a group has, from the bytes
    /// its key range takes in the table files (RocksDB's estimate; rows
    /// still in memory are not counted), so its parts are allocated once
    /// instead of grown by doubling. Capped: it only sizes allocations.
    fn view_rows_estimate(&self, group: &GroupId, slot: ViewSlot) -> usize {
        let (from, to) = layout::view_rows_range(group, slot);
        let range = rocksdb::Range::new(&from, &to);
        let bytes = self
            .db
            .get_approximate_sizes_cf(self.handle(cf::VIEW_ROWS), &[range])
            .first()
            .copied()
            .unwrap_or(0);
        let rows = bytes / VIEW_ROW_BYTES_AT_LEAST;
        usize::try_from(rows).map_or(MAX_VIEW_ROWS_RESERVED, |r| r.min(MAX_VIEW_ROWS_RESERVED))
    }

    /// Calls `row` with each row of one stored view of a group, in key
    /// order ([`Store::lend_prefix`]).
    fn for_each_view_row(
        &self,
        group: &GroupId,
        slot: ViewSlot,
        mut row: impl FnMut(PublicKey, &[u8]) -> Result<(), CodecError>,
    ) -> Result<(), StoreError> {
        let (prefix, _) = layout::view_rows_range(group, slot);
        self.lend_prefix(cf::VIEW_ROWS, &prefix, |key, value| {
            let key =
                layout::parse_view_row_key(key).ok_or_else(|| self.corrupt("bad view row key"))?;
            row(key, value).map_err(|e| self.bad_view_row(group, &key, e))
        })
    }

    /// A view row that does not decode: the store is damaged.
    fn bad_view_row(&self, group: &GroupId, key: &PublicKey, e: CodecError) -> StoreError {
        self.corrupt(&format!(
            "view row of {} in {}: {e}",
            key.short(),
            group.short()
        ))
    }

    /// The author's latest `(seq, id)` in a group, if it has appended any.
    pub fn last_seq(
        &self,
        group: &GroupId,
        author: &PublicKey,
    ) -> Result<Option<(u64, EventId)>, StoreError> {
        let prefix = ChainKey::author_prefix(group, author);
        let upper = ChainKey {
            group: *group,
            author: *author,
            seq: u64::MAX,
            id: EventId([0xff; 32]),
        }
        .to_bytes();
        let mut iter = self.db.iterator_cf(
            self.handle(cf::CHAINS),
            IteratorMode::From(&upper, Direction::Reverse),
        );
        let Some(item) = iter.next() else {
            return Ok(None);
        };
        let (key, _) = item.map_err(|e| self.io(e))?;
        if !key.starts_with(&prefix) {
            return Ok(None);
        }
        let chain = ChainKey::parse(&key).ok_or_else(|| self.corrupt("bad chain key"))?;
        Ok(Some((chain.seq, chain.id)))
    }

    /// The held events whose id starts with `prefix` (lowercase hex): a
    /// seek in the `status` family, whose keys are the ids, so resolving an
    /// id costs its matches, not a scan of the log.
    pub fn event_ids_with_prefix(&self, prefix: &str) -> Result<Vec<EventId>, StoreError> {
        let even = match prefix.len() % 2 {
            0 => prefix.to_string(),
            _ => format!("{prefix}0"),
        };
        let Ok(start) = hex::decode(&even) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let records = self.db.iterator_cf(
            self.handle(cf::STATUS),
            IteratorMode::From(&start, Direction::Forward),
        );
        for record in records {
            let (key, _) = record.map_err(|e| self.io(e))?;
            if !hex::encode(&key).starts_with(prefix) {
                break;
            }
            if let Ok(id) = <[u8; 32]>::try_from(&key[..]) {
                out.push(EventId(id));
            }
        }
        Ok(out)
    }

    /// The authors with two events at one seq in a group (rule 7), from the
    /// chain index: two keys of one `(author, seq)` lie side by side.
    pub fn forked_authors(&self, group: &GroupId) -> Result<BTreeSet<PublicKey>, StoreError> {
        let mut forked = BTreeSet::new();
        let mut last: Option<(PublicKey, u64)> = None;
        for record in self.prefix_records(cf::CHAINS, &group.0) {
            let (key, _) = record?;
            let chain = ChainKey::parse(&key).ok_or_else(|| self.corrupt("bad chain key"))?;
            let seat = (chain.author, chain.seq);
            if last == Some(seat) {
                forked.insert(chain.author);
            }
            last = Some(seat);
        }
        Ok(forked)
    }

    /// The group's event ids in topological order: by Lamport number, then id.
    /// Every store holding the same events lists them in the same order.
    pub fn group_event_ids(&self, group: &GroupId) -> Result<Vec<EventId>, StoreError> {
        self.group_order(group, None)
            .map(|item| item.map(|o| o.id))
            .collect()
    }

    /// The group's events with their keys newest first (the reverse of
    /// [`Store::group_events`]), read as the caller goes: `gmm log -n 5`
    /// reads five events, not the whole group's order (0.8 s on a group of
    /// 1,000,000 events), and a filtered log reads the records in order
    /// instead of looking each event up by id.
    pub fn group_events_newest_first<'a>(
        &'a self,
        group: &'a GroupId,
    ) -> impl Iterator<Item = Result<(OrderKey, SignedEvent), StoreError>> + 'a {
        let end = layout::group_end(group);
        let mode = IteratorMode::From(&end, Direction::Reverse);
        self.decoded(self.group_records_in(group, rocksdb::ReadOptions::default(), mode))
    }

    /// The group's event keys (Lamport number and id) in topological
    /// order, from Lamport number `from` on, read as the caller goes.
    pub fn group_order<'a>(
        &'a self,
        group: &'a GroupId,
        from: Option<u64>,
    ) -> impl Iterator<Item = Result<OrderKey, StoreError>> + 'a {
        self.group_records(group, from)
            .map(|item| item.map(|(order, _)| order))
    }

    /// The group's events with their keys in topological order, from
    /// Lamport number `from` on, read as the caller goes: the `events`
    /// family is stored in this order, so a replay reads it front to back.
    pub fn group_events<'a>(
        &'a self,
        group: &'a GroupId,
        from: Option<u64>,
    ) -> impl Iterator<Item = Result<(OrderKey, SignedEvent), StoreError>> + 'a {
        self.decoded(self.group_records(group, from))
    }

    /// Group records decoded into events, as they are read.
    fn decoded<'a>(
        &'a self,
        records: impl Iterator<Item = Result<(OrderKey, Box<[u8]>), StoreError>> + 'a,
    ) -> impl Iterator<Item = Result<(OrderKey, SignedEvent), StoreError>> + 'a {
        records.map(|item| {
            let (order, record) = item?;
            let event = self.decode_event(&order.id, &record)?;
            Ok((order, event))
        })
    }

    /// The group's stored records, keyed in topological order.
    fn group_records<'a>(
        &'a self,
        group: &'a GroupId,
        from: Option<u64>,
    ) -> impl Iterator<Item = Result<(OrderKey, Box<[u8]>), StoreError>> + 'a {
        let start = match from {
            Some(l) => OrderKey::from_lamport(group, l),
            None => group.0.to_vec(),
        };
        // From the start, the scan reads the whole group: read ahead.
        let read = match from {
            Some(_) => rocksdb::ReadOptions::default(),
            None => whole_scan(),
        };
        self.group_records_in(group, read, IteratorMode::From(&start, Direction::Forward))
    }

    /// The group's stored records with their keys, read from where `mode`
    /// seeks, in its direction, until a key of another group.
    fn group_records_in<'a>(
        &'a self,
        group: &'a GroupId,
        read: rocksdb::ReadOptions,
        mode: IteratorMode<'_>,
    ) -> impl Iterator<Item = Result<(OrderKey, Box<[u8]>), StoreError>> + 'a {
        self.db
            .iterator_cf_opt(self.handle(cf::EVENTS), read, mode)
            .map(|item| item.map_err(|e| self.io(e)))
            .take_while(move |item| item.as_ref().map_or(true, |(k, _)| k.starts_with(&group.0)))
            .map(|item| {
                let (key, record) = item?;
                let order = OrderKey::parse(&key).ok_or_else(|| self.corrupt("bad event key"))?;
                Ok((order, record))
            })
    }

    /// The values under a key prefix, in key order, decoded as contract `T`.
    fn decode_prefix<T: Contract>(
        &self,
        family: &str,
        prefix: &[u8],
    ) -> Result<Vec<T>, StoreError> {
        self.scan_prefix(family, prefix)?
            .into_iter()
            .map(|(_, v)| T::from_bytes(&v).map_err(|e| self.corrupt(&format!("{family}: {e}"))))
            .collect()
    }

    /// The events of a group waiting for parents.
    pub fn pending(&self, group: &GroupId) -> Result<Vec<PendingEvent>, StoreError> {
        self.decode_prefix::<PendingRecord>(cf::PENDING, &group.0)?
            .into_iter()
            .map(|r| {
                r.into_pending()
                    .map_err(|e| self.corrupt(&format!("pending event: {e}")))
            })
            .collect()
    }

    /// Every group with pending events, and how many (keys only: no record
    /// is decoded). Groups the store does not hold show up here too.
    pub fn pending_groups(&self) -> Result<Vec<(GroupId, u64)>, StoreError> {
        let mut out: Vec<(GroupId, u64)> = Vec::new();
        let iter = self
            .db
            .iterator_cf(self.handle(cf::PENDING), IteratorMode::Start);
        for item in iter {
            let (key, _) = item.map_err(|e| self.io(e))?;
            let (group, _) =
                layout::parse_pending_key(&key).ok_or_else(|| self.corrupt("bad pending key"))?;
            match out.last_mut() {
                Some((g, n)) if *g == group => *n += 1,
                _ => out.push((group, 1)),
            }
        }
        Ok(out)
    }

    /// Does the store hold any pending event? Its missing-parent records
    /// need no look of their own: they are written and deleted with it
    /// (`StoreBatch::put_pending`), and [`Store::waiting_for`]'s callers
    /// skip one whose pending event is gone.
    pub fn holds_pending(&self) -> Result<bool, StoreError> {
        self.holds_prefix(cf::PENDING, &[])
    }

    /// Is this event stored as pending?
    pub fn is_pending(&self, group: &GroupId, id: &EventId) -> Result<bool, StoreError> {
        let key = layout::pending_key(group, id);
        Ok(self.get(cf::PENDING, &key)?.is_some())
    }

    /// Pending events that wait for `parent`: `(group, child id)`.
    pub fn waiting_for(&self, parent: &EventId) -> Result<Vec<(GroupId, EventId)>, StoreError> {
        self.scan_prefix(cf::MISSING, &parent.0)?
            .iter()
            .map(|(k, v)| {
                layout::parse_missing(k, v).ok_or_else(|| self.corrupt("bad missing-parent record"))
            })
            .collect()
    }

    /// One pending event.
    pub fn pending_event(
        &self,
        group: &GroupId,
        id: &EventId,
    ) -> Result<Option<PendingEvent>, StoreError> {
        let key = layout::pending_key(group, id);
        let Some(raw) = self.get(cf::PENDING, &key)? else {
            return Ok(None);
        };
        let record = PendingRecord::from_bytes(&raw)
            .map_err(|e| self.corrupt(&format!("pending event: {e}")))?;
        record
            .into_pending()
            .map(Some)
            .map_err(|e| self.corrupt(&format!("pending event: {e}")))
    }

    /// Quarantined records: `(reason, raw bytes)`.
    pub fn quarantine(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let records = self.decode_prefix::<QuarantineRecord>(cf::QUARANTINE, &[])?;
        Ok(records.into_iter().map(|r| (r.reason, r.raw)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes of write-ahead log the store folder holds.
    fn log_bytes(dir: &Path) -> u64 {
        std::fs::read_dir(dir.join(DB_DIR))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    }

    #[test]
    fn a_writer_that_wrote_much_leaves_no_log_for_readers_to_replay() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), PublicKey([7; 32])).unwrap();
        let mut batch = store.batch();
        for i in 0..64u32 {
            batch.quarantine(
                &[i.to_le_bytes().as_slice(), &[0; 64 << 10]].concat(),
                "test",
            );
        }
        store.commit(batch).unwrap();
        assert!(
            log_bytes(dir.path()) > 4 << 20,
            "the commit went to the log"
        );
        drop(store);
        assert!(log_bytes(dir.path()) < 64 << 10, "closing flushed it");
        // A small write is left in the log: flushing it would only add table files.
        let store = Store::open(dir.path()).unwrap();
        let mut batch = store.batch();
        batch.quarantine(b"small", "test");
        store.commit(batch).unwrap();
        drop(store);
        assert!(log_bytes(dir.path()) > 0);
    }

    /// A flush starts only when the memtables taking writes hold more than
    /// its bound, and what it flushes reads back after a reopen.
    #[test]
    fn a_flush_starts_only_over_its_bound_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), PublicKey([7; 32])).unwrap();
        let mut batch = store.batch();
        batch.quarantine(&[1; 4096], "test");
        store.commit(batch).unwrap();
        // A memtable that took a write holds an arena block of 1 MiB.
        assert!(!store.start_flush_over(4 << 20), "1 MiB is under 4 MiB");
        assert!(store.start_flush_over(1 << 10), "1 MiB is over 1 KiB");
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.quarantine().unwrap().len(), 1);
    }

    /// Metas read in id order with one iterator match those looked up one
    /// by one, in the order asked, missing ids included.
    #[test]
    fn metas_read_in_id_order_step_or_seek_to_each_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), PublicKey([7; 32])).unwrap();
        let id = |n: u8| EventId([n; 32]);
        let meta = |n: u8| EventMeta {
            group: id(1),
            lamport: u64::from(n),
            log_index: u64::from(n),
            verdict: Verdict::Effective,
            ancestry: Ancestry {
                root: id(n),
                jump: id(n),
                parent: id(n),
            },
        };
        // Every id from 10 to 200 is stored; asked are neighbours (steps),
        // ids past a gap wider than the steps allowed (seeks), ids not
        // stored, before, among and after the stored ones, and one twice.
        let mut batch = store.batch();
        for n in 10..=200u8 {
            batch.put_meta(&id(n), &meta(n));
        }
        store.commit(batch).unwrap();
        let asked: Vec<u8> = vec![3, 10, 11, 12, 12, 40, 41, 200, 201, 255];
        let mut found = Vec::new();
        store
            .event_metas_in_order(asked.iter().map(|&n| id(n)), &mut |i, m| found.push((i, m)))
            .unwrap();
        let expected: Vec<(usize, Option<EventMeta>)> = asked
            .iter()
            .enumerate()
            .map(|(i, &n)| (i, store.event_meta(&id(n)).unwrap()))
            .collect();
        assert_eq!(found, expected);
        assert_eq!(found[5].1, Some(meta(40)));
        assert_eq!(found[0].1, None);
        assert_eq!(found[9].1, None);
    }

    /// A group's state with no open region: `view`, and `base` when stored
    /// apart.
    fn state_with(base: Option<View>, view: View) -> GroupState {
        GroupState {
            frontier: Frontier {
                cut: None,
                base,
                region: Vec::new(),
                view,
                forked: BTreeSet::new(),
                last_checkpoint: None,
            },
            event_count: 1,
            head_count: 1,
            members_listed: true,
        }
    }

    /// A group's state written as changed rows over what the store holds
    /// reads back whole, whether its base is stored apart or not.
    #[test]
    fn a_group_state_written_as_changed_rows_reads_back() {
        use crate::model::event::Op;
        use crate::model::event::Role;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), PublicKey([7; 32])).unwrap();
        let group = EventId([1; 32]);
        let owner = PublicKey([2; 32]);
        let mut view = view_rows::created_view(group, &owner);
        let add = |view: &mut View, n: u8| {
            let op = Op::Add {
                member: PublicKey([n; 32]),
                role: Role::Member,
                name: format!("m{n}"),
            };
            view.apply(EventId([n; 32]), &owner, &op);
        };
        let state_of = |base: &View, view: &View| {
            state_with((base != view).then(|| base.clone()), view.clone())
        };
        let mut stored: Option<GroupState> = None;
        let mut states = vec![state_of(&view, &view)];
        for n in 10..14 {
            add(&mut view, n);
        }
        let base = view.clone();
        view.apply(
            EventId([20; 32]),
            &owner,
            &Op::Remove {
                member: PublicKey([11; 32]),
            },
        );
        states.push(state_of(&base, &view));
        add(&mut view, 15);
        states.push(state_of(&base, &view));
        let phone = Op::LinkDevice {
            device: PublicKey([30; 32]),
            name: "phone".into(),
        };
        view.apply(EventId([21; 32]), &owner, &phone);
        states.push(state_of(&view, &view));
        for state in states {
            let mut batch = store.batch();
            let kept = stored
                .as_ref()
                .map(|s| StoredFrontier::compared(&s.frontier));
            let rows = match &kept {
                Some(kept) => StoredRows::Of(kept),
                None => StoredRows::Unknown,
            };
            batch.put_group_state(&group, &state, rows, stored.is_some());
            store.commit(batch).unwrap();
            let back = store.group_state(&group).unwrap().unwrap();
            assert_eq!(back, state);
            // The member listing reads the same members and devices.
            assert_eq!(
                member_pages::stored_listing(&store, &group),
                member_pages::listing_of(&state.frontier.view)
            );
            stored = Some(back);
        }
        let (from, to) = layout::view_rows_range(&group, ViewSlot::Base);
        let base_rows = store
            .prefix_records(cf::VIEW_ROWS, &from)
            .filter(|r| r.as_ref().is_ok_and(|(k, _)| k.as_ref() < to.as_slice()))
            .count();
        assert_eq!(base_rows, 0, "a base equal to the view is not stored twice");
    }

    /// A view read from the store and then changed is written as the keys
    /// it changed (no copy kept): it reads back whole, and a view with
    /// another mark is written whole over a cleared slot.
    #[test]
    fn a_marked_view_writes_the_keys_it_changed() {
        use crate::model::event::Op;
        use crate::model::event::Role;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), PublicKey([7; 32])).unwrap();
        let group = EventId([1; 32]);
        let owner = PublicKey([2; 32]);
        let chain = |view: View| state_with(None, view);
        // The owner adds key `[member; 32]` by event `[event; 32]`.
        let add = |view: &mut View, event: u8, member: u8, name: String| {
            let op = Op::Add {
                member: PublicKey([member; 32]),
                role: Role::Member,
                name,
            };
            view.apply(EventId([event; 32]), &owner, &op);
        };
        let mut view = view_rows::created_view(group, &owner);
        for n in 10..20u8 {
            add(&mut view, n, n, format!("m{n}"));
        }
        let mut batch = store.batch();
        batch.put_group_state(&group, &chain(view), StoredRows::Unknown, false);
        store.commit(batch).unwrap();
        let link = |n: u8| Op::LinkDevice {
            device: PublicKey([n; 32]),
            name: format!("d{n}"),
        };
        // A member's devices are listed with it: linking, unlinking and
        // removing it rewrite its page, whatever page the device is in.
        let (phone_owner, phone) = (PublicKey([13; 32]), PublicKey([0xf0; 32]));
        let ops = [
            (
                owner,
                Op::Remove {
                    member: PublicKey([11; 32]),
                },
            ),
            (
                owner,
                Op::SetRole {
                    member: PublicKey([12; 32]),
                    role: Role::Admin,
                },
            ),
            (owner, link(30)),
            (phone_owner, link(0xf0)),
            (phone_owner, link(0xf1)),
            (phone_owner, Op::UnlinkDevice { device: phone }),
            (
                owner,
                Op::Remove {
                    member: phone_owner,
                },
            ),
        ];
        for (i, (author, op)) in ops.iter().enumerate() {
            let read = store.group_state(&group).unwrap().unwrap().frontier.view;
            let mark = read.stored_mark().expect("a view read from rows is marked");
            let mut changed = read;
            changed.apply(EventId([40 + i as u8; 32]), author, op);
            assert!(changed.changed_since(mark).is_some_and(|k| k.len() <= 3));
            let kept = StoredFrontier {
                view: StoredView::Marked(mark),
                base: None,
                region: Vec::new(),
            };
            let mut batch = store.batch();
            batch.put_group_state(&group, &chain(changed.clone()), StoredRows::Of(&kept), true);
            store.commit(batch).unwrap();
            let back = store.group_state(&group).unwrap().unwrap().frontier.view;
            assert_eq!(back, changed, "after {op:?}");
            assert_eq!(
                member_pages::stored_listing(&store, &group),
                member_pages::listing_of(&changed),
                "after {op:?}"
            );
        }
        // Another mark: nothing is known of the changes, all rows are written.
        let mut fresh = view_rows::created_view(group, &owner);
        fresh.mark_stored();
        let kept = StoredFrontier {
            view: StoredView::Marked(u64::MAX),
            base: None,
            region: Vec::new(),
        };
        let mut batch = store.batch();
        batch.put_group_state(&group, &chain(fresh.clone()), StoredRows::Of(&kept), true);
        store.commit(batch).unwrap();
        let back = store.group_state(&group).unwrap().unwrap().frontier.view;
        assert_eq!(back, fresh);
        assert_eq!(
            member_pages::stored_listing(&store, &group),
            member_pages::listing_of(&fresh)
        );
        // A state left unlisted (an import's part) writes no page; the next
        // state that lists writes them all, even with no row to write.
        let mut grown = fresh.clone();
        add(&mut grown, 62, 63, "n".into());
        let mut grown_state = chain(grown.clone());
        grown_state.members_listed = false;
        let mut batch = store.batch();
        batch.put_group_state(&group, &grown_state, StoredRows::Unknown, true);
        store.commit(batch).unwrap();
        assert!(!store.group_record(&group).unwrap().unwrap().members_listed);
        assert_eq!(
            member_pages::stored_listing(&store, &group),
            member_pages::listing_of(&fresh),
            "an unlisted write leaves the pages"
        );
        grown_state.members_listed = true;
        let mut batch = store.batch();
        batch.put_group_state(&group, &grown_state, StoredRows::Same, false);
        store.commit(batch).unwrap();
        assert!(store.group_record(&group).unwrap().unwrap().members_listed);
        assert_eq!(
            member_pages::stored_listing(&store, &group),
            member_pages::listing_of(&grown)
        );
        let mut batch = store.batch();
        batch.put_group_state(&group, &chain(fresh.clone()), StoredRows::Unknown, true);
        store.commit(batch).unwrap();
        // The audit's check: a page that lists someone else is found.
        assert!(store.member_pages_match(&group, &fresh).unwrap());
        let mut other = fresh.clone();
        add(&mut other, 60, 61, "m".into());
        let mut batch = store.batch();
        for (page, value) in member_pages::all_pages(&other) {
            batch.put(
                cf::MEMBER_PAGES,
                &layout::member_page_key(&group, page),
                &value,
            );
        }
        store.commit(batch).unwrap();
        assert!(!store.member_pages_match(&group, &fresh).unwrap());
        assert!(store.member_pages_match(&group, &other).unwrap());
    }
}
