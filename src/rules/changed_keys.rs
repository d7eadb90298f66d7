//! Which keys a view changed since it was marked as equal to a copy kept
//! elsewhere (the store's rows of it), so that writing the view back costs
//! the keys that changed, not a comparison of every key.
//!
//! Why: a group of 100,000 members was written back by comparing all of its
//! rows with a second copy of the view kept for the purpose: one `gmm add`
//! and every part of an import paid a copy and a full comparison. A view
//! marked with [`ChangedKeys::mark`] records each key whose membership,
//! device link, name or deciding events change; copies carry the mark and
//! the keys, so a view computed from a marked one by changes (and copies)
//! alone still knows what differs from the marked copy. A view that was
//! never marked records nothing and costs nothing.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;

use crate::model::event::PublicKey;

/// Marks handed out so far: each mark names one moment of one view.
static MARKS: AtomicU64 = AtomicU64::new(1);

/// A view's mark and the keys it changed since.
#[derive(Clone, Default)]
pub struct ChangedKeys {
    mark: Option<u64>,
    keys: BTreeSet<PublicKey>,
}

impl ChangedKeys {
    /// From now on the view equals the copy kept elsewhere: a new mark, no
    /// changed key.
    pub fn mark(&mut self) {
        self.mark = Some(MARKS.fetch_add(1, Ordering::Relaxed));
        self.keys.clear();
    }

    /// The current mark, if the view was marked.
    pub fn current_mark(&self) -> Option<u64> {
        self.mark
    }

    /// Records that `key` changed (nothing when the view is unmarked).
    pub fn record(&mut self, key: PublicKey) {
        if self.mark.is_some() {
            self.keys.insert(key);
        }
    }

    /// The keys changed since `mark`, when this view descends from the view
    /// that took it; `None` otherwise (then nothing is known).
    pub fn since(&self, mark: u64) -> Option<&BTreeSet<PublicKey>> {
        (self.mark == Some(mark)).then_some(&self.keys)
    }
}

/// Bookkeeping, not content: equal views are equal whatever they recorded.
impl PartialEq for ChangedKeys {
    fn eq(&self, _: &ChangedKeys) -> bool {
        true
    }
}

impl Eq for ChangedKeys {}

impl fmt::Debug for ChangedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ChangedKeys({:?}, {} key(s))",
            self.mark,
            self.keys.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unmarked_view_records_nothing_and_a_copy_keeps_the_mark() {
        let mut keys = ChangedKeys::default();
        keys.record(PublicKey([1; 32]));
        assert_eq!(keys.current_mark(), None);
        keys.mark();
        let mark = keys.current_mark().expect("marked");
        keys.record(PublicKey([2; 32]));
        let copy = keys.clone();
        let expected: BTreeSet<PublicKey> = [PublicKey([2; 32])].into();
        assert_eq!(copy.since(mark), Some(&expected));
        let mut other = ChangedKeys::default();
        other.mark();
        assert_eq!(other.since(mark), None, "another view's mark");
    }
}
