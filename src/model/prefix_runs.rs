//! Finding a 32-byte name in a long sorted list without a binary search of
//! the whole list: the list is cut into runs by the names' leading bits, and
//! a table says where each run starts. Ids and keys are hashes or public
//! keys, so their leading bits are spread evenly: with about one prefix per
//! name, a lookup reads one short run, where a binary search of 1,000,000
//! ids reads twenty places far apart in memory. Names crafted to share a
//! prefix make one long run, searched by halves: never worse than the list.

use std::ops::Range;

/// Where each run of names with the same leading bits starts, in a list
/// sorted by name.
#[derive(Clone, Debug, Default)]
pub struct PrefixRuns {
    /// `starts[p]` is the first name whose leading `bits` are `p`; one more
    /// entry closes the last run.
    starts: Vec<u32>,
    bits: u32,
}

/// The most leading bits a table is made of: 2^20 runs (4 MiB of starts)
/// for a list of a million names or more.
const MAX_BITS: u32 = 20;

impl PrefixRuns {
    /// The runs of `names`, which must be sorted (a name out of order is
    /// then looked for in the wrong run: not found, never a panic). At most
    /// `u32::MAX` names are indexed; a longer list is one run.
    pub fn new<'a>(names: impl ExactSizeIterator<Item = &'a [u8; 32]>) -> PrefixRuns {
        let len = names.len();
        if u32::try_from(len).is_err() {
            return PrefixRuns::default();
        }
        let bits = len.next_power_of_two().trailing_zeros().min(MAX_BITS);
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        for (i, name) in names.enumerate() {
            let prefix = leading_bits(name, bits);
            // Runs before this name's that no name opened start here.
            while starts.len() <= prefix {
                starts.push(i as u32);
            }
        }
        while starts.len() <= 1 << bits {
            starts.push(len as u32);
        }
        PrefixRuns { starts, bits }
    }

    /// The positions of the list where `name` can be: the run of its
    /// leading bits (the whole list for a table never made).
    pub fn run(&self, name: &[u8; 32], len: usize) -> Range<usize> {
        let prefix = leading_bits(name, self.bits);
        match (self.starts.get(prefix), self.starts.get(prefix + 1)) {
            (Some(&start), Some(&end)) => {
                let end = (end as usize).min(len);
                (start as usize).min(end)..end
            }
            _ => 0..len,
        }
    }
}

/// The leading `bits` (at most 32) of a name.
fn leading_bits(name: &[u8; 32], bits: u32) -> usize {
    let top = u32::from_be_bytes([name[0], name[1], name[2], name[3]]);
    match bits {
        0 => 0,
        _ => (top >> (32 - bits)) as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The position of `name` in `sorted`, through the runs.
    fn find(runs: &PrefixRuns, sorted: &[[u8; 32]], name: &[u8; 32]) -> Option<usize> {
        let run = runs.run(name, sorted.len());
        let start = run.start;
        sorted[run].binary_search(name).ok().map(|i| start + i)
    }

    fn name(first: u8, second: u8, rest: u8) -> [u8; 32] {
        let mut n = [rest; 32];
        n[0] = first;
        n[1] = second;
        n
    }

    proptest! {
        /// Every name of the list is found where it is, and a name not in
        /// it is not found; names drawn from few first bytes share prefixes.
        #[test]
        fn finds_what_a_binary_search_finds(
            parts in prop::collection::vec((0u8..4, any::<u8>(), any::<u8>()), 0..300),
            probes in prop::collection::vec((0u8..4, any::<u8>(), any::<u8>()), 0..50),
        ) {
            let mut sorted: Vec<[u8; 32]> = parts.iter().map(|&(a, b, c)| name(a, b, c)).collect();
            sorted.sort_unstable();
            sorted.dedup();
            let runs = PrefixRuns::new(sorted.iter());
            for (i, n) in sorted.iter().enumerate() {
                prop_assert_eq!(find(&runs, &sorted, n), Some(i));
            }
            for &(a, b, c) in &probes {
                let n = name(a, b, c);
                prop_assert_eq!(find(&runs, &sorted, &n), sorted.binary_search(&n).ok());
            }
        }
    }

    #[test]
    fn an_empty_list_and_a_missing_table_find_nothing() {
        let runs = PrefixRuns::new(std::iter::empty());
        assert_eq!(runs.run(&[7; 32], 0), 0..0);
        assert_eq!(PrefixRuns::default().run(&[7; 32], 3), 0..3);
    }
}
