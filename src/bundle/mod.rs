//! GMM bundles (SPEC §6): the files peers exchange. The byte layout is
//! specified in `docs/bundle-format.md`:
//!
//! ```text
//! "GMMBUNDL" ‖ version u16 LE ‖ header length u32 LE ‖ header
//! ‖ (record length u32 LE ‖ signed record) × event_count
//! ‖ digest (32) ‖ signed flag (1) [‖ signer key (32) ‖ signature (64)]
//! ```
//!
//! The digest is blake3 `derive_key` over every byte before it. Writers and
//! readers stream: a record is held in memory only while it is handled, and no
//! length field can make a reader allocate more than its limit.

pub mod jsonl;
pub mod source;

use std::io::Read;
use std::io::Write;

use serde::Deserialize;
use serde::Serialize;

use crate::model::codec::CodecError;
use crate::model::codec::Contract;
use crate::model::codec::MAX_EVENT_BYTES;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::ParentRef;
use crate::model::event::PublicKey;
use crate::model::event::ViewHash;
use crate::model::hash;
use crate::model::keys::SecretKey;
use crate::model::signed::SIGNATURE_BYTES;
use crate::model::verify;

/// The first bytes of every binary bundle.
pub const MAGIC: &[u8; 8] = b"GMMBUNDL";
/// The bundle format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// The largest header accepted (a header lists heads, wants and prerequisites).
pub const MAX_HEADER_BYTES: u32 = 16 * 1024 * 1024;
/// The largest signed record: a signature and a 64 KiB event.
pub const MAX_RECORD_BYTES: u32 = (SIGNATURE_BYTES + MAX_EVENT_BYTES) as u32;

/// Why a bundle was written.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum BundleKind {
    /// Every event of a group, or those not in the past of given heads.
    Export,
    /// Exactly what a peer lacks, with a `want` of what the sender lacks.
    Correction,
}

impl BundleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BundleKind::Export => "export",
            BundleKind::Correction => "correction",
        }
    }
}

/// The bundle header.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct BundleHeader {
    pub group: GroupId,
    pub kind: BundleKind,
    /// The sender's heads when it wrote the bundle.
    pub heads: Vec<ParentRef>,
    /// The sender's view hash.
    pub view_hash: ViewHash,
    /// Events the sender knows of but lacks (a peer may answer with them).
    pub want: Vec<EventId>,
    /// Events the bundle's events cite without carrying them: the receiver
    /// must already have them (like a git bundle's prerequisites).
    pub prerequisites: Vec<ParentRef>,
    pub event_count: u64,
    /// When it was written, ms since the Unix epoch (informational).
    pub created: u64,
}

impl Contract for BundleHeader {
    const NAME: &'static str = "bundle header";
}

impl BundleHeader {
    /// Moves the header out of `slot`, leaving what a reader still checks
    /// after it (the group and the event count) without the lists. The heads
    /// may number as many as the events (72 bytes each): an import keeps no
    /// second copy, and its report only their count.
    pub fn take(slot: &mut BundleHeader) -> BundleHeader {
        let counts_only = BundleHeader {
            heads: Vec::new(),
            want: Vec::new(),
            prerequisites: Vec::new(),
            ..*slot
        };
        std::mem::replace(slot, counts_only)
    }
}

/// What ends a bundle: its digest and who, if anyone, signed it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Trailer {
    pub digest: [u8; 32],
    pub signer: Option<PublicKey>,
}

/// One item of a bundle: a signed record to verify, or a line that could not
/// even yield one (JSON Lines only), kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Record(Vec<u8>),
    Bad { reason: String, raw: Vec<u8> },
}

impl Item {
    /// The signed record, if this item is one.
    pub fn record(&self) -> Option<&[u8]> {
        match self {
            Item::Record(record) => Some(record),
            Item::Bad { .. } => None,
        }
    }
}

/// Why a bundle could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("the input is empty: no bundle")]
    Empty,
    #[error("not a gmm bundle (it does not start with GMMBUNDL or a JSON header line)")]
    NotABundle,
    #[error("bundle format version {0} is not supported (this gmm reads version 1)")]
    Version(u16),
    #[error("the bundle header claims {0} bytes, over the {MAX_HEADER_BYTES}-byte limit")]
    HeaderTooLarge(u64),
    #[error("the bundle header does not decode: {0}")]
    Header(CodecError),
    #[error("record {index} at byte {offset} claims {len} bytes, over the {MAX_RECORD_BYTES}-byte limit")]
    RecordTooLarge { index: u64, offset: u64, len: u64 },
    /// A record length of 64 or less: no room for a signature and an event,
    /// so the framing, not one record, is broken.
    #[error("record {index} at byte {offset} has length {len}; the format requires 64 < L (a signature and an event)")]
    RecordTooShort { index: u64, offset: u64, len: u64 },
    /// A valid event of another group than the header names: the header (or
    /// the bundle) was altered; the event is not refused as if it were bad.
    #[error(
        "record {index} is event {event} of group {found}, but the header names group {expected}"
    )]
    OtherGroup {
        index: u64,
        event: String,
        found: String,
        expected: String,
    },
    #[error("the bundle is truncated in {what} after {events} of {expected} events")]
    Truncated {
        what: &'static str,
        events: u64,
        expected: u64,
    },
    #[error("the bundle's digest does not match its content (it was altered or damaged)")]
    DigestMismatch,
    #[error("the bundle's signature does not verify for key {0}")]
    BadSignature(String),
    #[error("the bundle's trailer is damaged: {0}")]
    BadTrailer(String),
    #[error("{0} unexpected bytes after the bundle's trailer")]
    TrailingBytes(u64),
    #[error("line {line}: {reason}")]
    Jsonl { line: u64, reason: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Writes a binary bundle, hashing as it goes.
pub struct BundleWriter<W: Write> {
    out: W,
    hasher: blake3::Hasher,
    expected: u64,
    written: u64,
}

impl<W: Write> BundleWriter<W> {
    /// Writes magic, version and header.
    pub fn new(out: W, header: &BundleHeader) -> Result<BundleWriter<W>, BundleError> {
        let mut writer = BundleWriter {
            out,
            hasher: blake3::Hasher::new_derive_key(hash::BUNDLE_DIGEST),
            expected: header.event_count,
            written: 0,
        };
        let header_bytes = header.to_bytes();
        writer.put(MAGIC)?;
        writer.put(&FORMAT_VERSION.to_le_bytes())?;
        writer.put(&(header_bytes.len() as u32).to_le_bytes())?;
        writer.put(&header_bytes)?;
        Ok(writer)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), BundleError> {
        self.hasher.update(bytes);
        self.out.write_all(bytes)?;
        Ok(())
    }

    /// Writes one signed record as it is (never re-encoded).
    pub fn record(&mut self, record: &[u8]) -> Result<(), BundleError> {
        self.put(&(record.len() as u32).to_le_bytes())?;
        self.put(record)?;
        self.written += 1;
        Ok(())
    }

    /// Writes the trailer, signed by `signer` when given, and returns the output.
    pub fn finish(mut self, signer: Option<&SecretKey>) -> Result<(W, Trailer), BundleError> {
        debug_assert_eq!(self.written, self.expected, "header count matches records");
        let digest = *self.hasher.finalize().as_bytes();
        self.out.write_all(&digest)?;
        match signer {
            Some(key) => {
                self.out.write_all(&[1])?;
                self.out.write_all(&key.public().0)?;
                let message = hash::derive(hash::BUNDLE_SIGNATURE, &digest);
                self.out.write_all(&key.sign(&message))?;
            }
            None => self.out.write_all(&[0])?,
        }
        self.out.flush()?;
        let signer = signer.map(SecretKey::public);
        Ok((self.out, Trailer { digest, signer }))
    }
}

/// Reads a binary bundle record by record, hashing as it goes.
pub struct BundleReader<R: Read> {
    input: R,
    hasher: blake3::Hasher,
    header: BundleHeader,
    read: u64,
    /// Bytes consumed so far (for error messages).
    offset: u64,
}

/// Fills `buf` completely; `Ok(false)` when the input ended first.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> Result<bool, std::io::Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => return Ok(false),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

impl<R: Read> BundleReader<R> {
    /// Reads and checks magic, version and header.
    pub fn open(mut input: R) -> Result<BundleReader<R>, BundleError> {
        let mut hasher = blake3::Hasher::new_derive_key(hash::BUNDLE_DIGEST);
        let mut start = [0u8; 14];
        let truncated = |what| BundleError::Truncated {
            what,
            events: 0,
            expected: 0,
        };
        let mut magic = [0u8; 8];
        if !read_full(&mut input, &mut magic)? {
            return Err(BundleError::NotABundle);
        }
        if &magic != MAGIC {
            return Err(BundleError::NotABundle);
        }
        start[..8].copy_from_slice(&magic);
        if !read_full(&mut input, &mut start[8..])? {
            return Err(truncated("the header"));
        }
        let version = u16::from_le_bytes([start[8], start[9]]);
        if version != FORMAT_VERSION {
            return Err(BundleError::Version(version));
        }
        let len = u32::from_le_bytes([start[10], start[11], start[12], start[13]]);
        if len > MAX_HEADER_BYTES {
            return Err(BundleError::HeaderTooLarge(len as u64));
        }
        hasher.update(&start);
        let mut header_bytes = vec![0u8; len as usize];
        if !read_full(&mut input, &mut header_bytes)? {
            return Err(truncated("the header"));
        }
        hasher.update(&header_bytes);
        let header: BundleHeader =
            BundleHeader::from_bytes(&header_bytes).map_err(BundleError::Header)?;
        Ok(BundleReader {
            input,
            hasher,
            header,
            read: 0,
            offset: 14 + len as u64,
        })
    }

    pub fn header(&self) -> &BundleHeader {
        &self.header
    }

    /// The header, moved out ([`BundleHeader::take`]).
    pub fn take_header(&mut self) -> BundleHeader {
        BundleHeader::take(&mut self.header)
    }

    fn truncated(&self, what: &'static str) -> BundleError {
        BundleError::Truncated {
            what,
            events: self.read,
            expected: self.header.event_count,
        }
    }

    /// The next signed record, or `None` after the last one.
    pub fn next_record(&mut self) -> Result<Option<Vec<u8>>, BundleError> {
        if self.read == self.header.event_count {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        if !read_full(&mut self.input, &mut len)? {
            return Err(self.truncated("a record length"));
        }
        let len = u32::from_le_bytes(len);
        if len > MAX_RECORD_BYTES {
            return Err(BundleError::RecordTooLarge {
                index: self.read,
                offset: self.offset,
                len: len as u64,
            });
        }
        if len as usize <= crate::model::signed::SIGNATURE_BYTES {
            return Err(BundleError::RecordTooShort {
                index: self.read,
                offset: self.offset,
                len: len as u64,
            });
        }
        let mut record = vec![0u8; len as usize];
        if !read_full(&mut self.input, &mut record)? {
            return Err(self.truncated("a record"));
        }
        self.hasher.update(&len.to_le_bytes());
        self.hasher.update(&record);
        self.read += 1;
        self.offset += 4 + len as u64;
        Ok(Some(record))
    }

    /// Reads and checks the trailer (call after the last record).
    pub fn finish(mut self) -> Result<Trailer, BundleError> {
        let mut digest = [0u8; 32];
        let mut flag = [0u8; 1];
        if !read_full(&mut self.input, &mut digest)? || !read_full(&mut self.input, &mut flag)? {
            return Err(self.truncated("the trailer"));
        }
        if digest != *self.hasher.finalize().as_bytes() {
            return Err(BundleError::DigestMismatch);
        }
        let signer = match flag[0] {
            0 => None,
            1 => {
                let mut key = [0u8; 32];
                let mut signature = [0u8; 64];
                if !read_full(&mut self.input, &mut key)?
                    || !read_full(&mut self.input, &mut signature)?
                {
                    return Err(self.truncated("the trailer's signature"));
                }
                let message = hash::derive(hash::BUNDLE_SIGNATURE, &digest);
                if !verify::verify_strict(&key, &message, &signature) {
                    return Err(BundleError::BadSignature(PublicKey(key).short()));
                }
                Some(PublicKey(key))
            }
            other => return Err(BundleError::BadTrailer(format!("signature flag {other}"))),
        };
        let mut rest = Vec::new();
        let extra = self.input.take(1 << 20).read_to_end(&mut rest)?;
        if extra > 0 {
            return Err(BundleError::TrailingBytes(extra as u64));
        }
        Ok(Trailer { digest, signer })
    }
}
