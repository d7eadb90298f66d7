//! The framing every proof file shares (`docs/proof-format.md`):
//!
//! ```text
//! untrusted comment: <what the proof claims, for people; never trusted>
//! base64("gmm" 0x03 TAG ‖ body ‖ checksum)
//! ```
//!
//! `TAG` is two ASCII letters naming the kind; 0x03 is the format version.
//! The checksum is blake3 `derive_key(PROOF_CHECKSUM, everything before it)`:
//! it tells a damaged file from a false claim, and proves nothing (anyone can
//! recompute it; signatures and re-running the rules are what a check trusts).
//! Bodies are built from little-endian `u32` lengths and counts, 32-byte ids
//! and keys, and exact signed records. [`Reader`] checks every length and
//! count against the bytes left, so a crafted file cannot make it allocate
//! more than the file's own size, and it never panics.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::ProofError;
use crate::model::hash;

const MAGIC: &[u8; 4] = b"gmm\x03";
const CHECKSUM: usize = 32;
pub const FORK: [u8; 2] = *b"FP";
pub const VIEW: [u8; 2] = *b"VP";
pub const HISTORY: [u8; 2] = *b"HP";
pub const QUARANTINE: [u8; 2] = *b"QR";

/// The smallest signed record: a signature and at least one byte of event.
const MIN_RECORD: usize = 65;

/// The file text for a payload.
pub fn to_text(comment: &str, tag: [u8; 2], body: &[u8]) -> String {
    let mut payload = MAGIC.to_vec();
    payload.extend_from_slice(&tag);
    payload.extend_from_slice(body);
    let checksum = hash::derive(hash::PROOF_CHECKSUM, &payload);
    payload.extend_from_slice(&checksum);
    // The comment is one line whatever a title holds.
    let comment: String = comment
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("untrusted comment: {comment}\n{}\n", BASE64.encode(payload))
}

/// The tag and body of a proof file's payload.
pub fn from_text(text: &str) -> Result<([u8; 2], Vec<u8>), ProofError> {
    let bad = |why: &str| ProofError::Format(why.to_string());
    let body = text
        .lines()
        .find(|l| !l.starts_with("untrusted comment:") && !l.trim().is_empty())
        .ok_or_else(|| bad("no base64 line"))?;
    let payload = BASE64
        .decode(body.trim())
        .map_err(|_| bad("the payload line is not base64"))?;
    if payload.len() < MAGIC.len() + 2 + CHECKSUM || &payload[..MAGIC.len()] != MAGIC {
        return Err(bad("no gmm proof header (version 3)"));
    }
    let (payload, checksum) = payload.split_at(payload.len() - CHECKSUM);
    if hash::derive(hash::PROOF_CHECKSUM, payload) != checksum {
        return Err(bad(
            "the checksum does not match: the file was damaged or edited",
        ));
    }
    let tag = [payload[4], payload[5]];
    Ok((tag, payload[MAGIC.len() + 2..].to_vec()))
}

/// Appends body fields.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub fn u32(&mut self, v: usize) {
        // Proof parts are far below 4 GiB: records are at most 64 KiB, and a
        // file is refused above MAX_PROOF_BYTES.
        self.bytes.extend_from_slice(&(v as u32).to_le_bytes());
    }

    pub fn fixed(&mut self, v: &[u8; 32]) {
        self.bytes.extend_from_slice(v);
    }

    /// A length-prefixed byte string.
    pub fn blob(&mut self, v: &[u8]) {
        self.u32(v.len());
        self.bytes.extend_from_slice(v);
    }

    /// A count, then each record length-prefixed.
    pub fn records(&mut self, records: &[Vec<u8>]) {
        self.u32(records.len());
        for r in records {
            self.blob(r);
        }
    }
}

/// Reads body fields, checking every bound.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    fn truncated(&self, what: &str) -> ProofError {
        ProofError::Format(format!("truncated: {what} at byte {} is cut off", self.at))
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ProofError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.truncated(what));
        };
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, ProofError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u32(&mut self, what: &str) -> Result<usize, ProofError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    pub fn fixed(&mut self, what: &str) -> Result<[u8; 32], ProofError> {
        let b = self.take(32, what)?;
        let mut out = [0u8; 32];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub fn blob(&mut self, what: &str) -> Result<Vec<u8>, ProofError> {
        let len = self.u32(what)?;
        Ok(self.take(len, what)?.to_vec())
    }

    /// A count of records, each at least [`MIN_RECORD`] bytes long.
    pub fn records(&mut self, what: &str) -> Result<Vec<Vec<u8>>, ProofError> {
        let count = self.u32(what)?;
        let left = self.bytes.len() - self.at;
        if count > left / (4 + MIN_RECORD) {
            return Err(ProofError::Format(format!(
                "{what}: {count} records claimed, but only {left} bytes follow"
            )));
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let record = self.blob(what)?;
            if record.len() < MIN_RECORD {
                return Err(ProofError::Format(format!(
                    "{what}: a record of {} bytes is shorter than a signature and an event",
                    record.len()
                )));
            }
            out.push(record);
        }
        Ok(out)
    }

    /// Every byte must have been read.
    pub fn finish(&self) -> Result<(), ProofError> {
        match self.bytes.len() - self.at {
            0 => Ok(()),
            n => Err(ProofError::Format(format!("{n} trailing bytes"))),
        }
    }
}
