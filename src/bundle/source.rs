//! Reading either bundle format: the first bytes tell binary (`GMMBUNDL`) from
//! JSON Lines (`{`).

use std::io::BufRead;

use super::jsonl::JsonlReader;
use super::BundleError;
use super::BundleHeader;
use super::BundleReader;
pub use super::Item;
use super::Trailer;

/// An open bundle of either format.
pub enum Source<R: BufRead> {
    /// Boxed: the reader holds a blake3 hasher, much larger than the JSON reader.
    Binary(Box<BundleReader<R>>),
    Jsonl(JsonlReader<R>),
}

impl<R: BufRead> Source<R> {
    pub fn open(mut input: R) -> Result<Source<R>, BundleError> {
        let first = input.fill_buf()?.first().copied();
        match first {
            None => Err(BundleError::Empty),
            Some(b'G') => Ok(Source::Binary(Box::new(BundleReader::open(input)?))),
            Some(b'{') => Ok(Source::Jsonl(JsonlReader::open(input)?)),
            Some(_) => Err(BundleError::NotABundle),
        }
    }

    pub fn header(&self) -> &BundleHeader {
        match self {
            Source::Binary(r) => r.header(),
            Source::Jsonl(r) => r.header(),
        }
    }

    /// The header, moved out: afterwards [`Source::header`] keeps only the
    /// group, kind, view hash, event count and time ([`BundleHeader::take`]).
    pub fn take_header(&mut self) -> BundleHeader {
        match self {
            Source::Binary(r) => r.take_header(),
            Source::Jsonl(r) => r.take_header(),
        }
    }

    pub fn next_item(&mut self) -> Result<Option<Item>, BundleError> {
        match self {
            Source::Binary(r) => Ok(r.next_record()?.map(Item::Record)),
            Source::Jsonl(r) => r.next_item(),
        }
    }

    /// Checks the end of the bundle; binary bundles have a trailer.
    pub fn finish(self) -> Result<Option<Trailer>, BundleError> {
        match self {
            Source::Binary(r) => r.finish().map(Some),
            Source::Jsonl(r) => r.finish().map(|()| None),
        }
    }
}
