//! The keyword prefilter: where the rules' keywords occur in a text.
//!
//! The automaton is `aho-corasick`'s DFA (ASCII case folded into its
//! transitions, overlapping and nested keywords all reported), but the walk
//! over the text is our own: the crate's search is one chain of dependent
//! table loads, each waiting for the one before. Texts of a few KiB and more
//! are cut into [`CHAINS`] parts walked in lockstep through the same DFA, so
//! the loads of the parts overlap: 327 → 923 MB/s on keyword-free text over
//! the built-in rules' 258 keywords (`cargo run --release -p customs-secret
//! --example bench`, one core; see BENCHMARKS.md).

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};

/// Parts a long text is cut into, walked in lockstep.
const CHAINS: usize = 4;

/// Texts shorter than this are walked as one part.
const SPLIT_MIN: usize = 4096;

/// Keyword index over a fixed set of keywords.
#[derive(Debug)]
pub(crate) struct KeywordIndex {
    dfa: DFA,
    /// Length of the longest keyword.
    max_len: usize,
}

impl KeywordIndex {
    /// Builds the index; keywords are matched ignoring ASCII case.
    ///
    /// # Errors
    /// When the automaton cannot be built (too many states).
    pub(crate) fn new(keywords: &[String]) -> Result<Self, aho_corasick::BuildError> {
        let dfa = DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .prefilter(false)
            .build(keywords)?;
        let max_len = dfa.max_pattern_len();
        Ok(Self { dfa, max_len })
    }

    /// Every occurrence in `hay` as `(start, keyword id)`, ordered by the
    /// position of the keyword's last byte (several keywords ending on the
    /// same byte in no particular order).
    pub(crate) fn find(&self, hay: &[u8]) -> Vec<(usize, u32)> {
        let mut out = Vec::new();
        let Ok(start) = self.dfa.start_state(Anchored::No) else {
            return out;
        };
        if self.max_len == 0 {
            return out;
        }
        if hay.len() < SPLIT_MIN {
            let mut state = start;
            self.walk(hay, 0, 0, &mut state, &mut out);
            return out;
        }
        // Part j reports the keywords ending in [bounds[j], bounds[j+1]); it
        // starts walking max_len - 1 bytes earlier so that a keyword crossing
        // its lower bound is read from its first byte.
        let part = hay.len() / CHAINS;
        let mut bounds = [0usize; CHAINS + 1];
        for (j, b) in bounds.iter_mut().enumerate() {
            *b = j * part;
        }
        bounds[CHAINS] = hay.len();
        let back = self.max_len - 1;
        let starts: [usize; CHAINS] = std::array::from_fn(|j| bounds[j].saturating_sub(back));
        let common = (0..CHAINS)
            .map(|j| bounds[j + 1] - starts[j])
            .min()
            .unwrap_or(0);
        let segs: [&[u8]; CHAINS] = std::array::from_fn(|j| &hay[starts[j]..starts[j] + common]);
        let mut states = [start; CHAINS];
        let mut found: [Vec<(usize, u32)>; CHAINS] = std::array::from_fn(|_| Vec::new());
        let dfa = &self.dfa;
        // one index into every part: the parts' loads are independent
        #[allow(clippy::needless_range_loop)]
        for i in 0..common {
            for j in 0..CHAINS {
                let s = dfa.next_state(Anchored::No, states[j], segs[j][i]);
                states[j] = s;
                if dfa.is_match(s) && starts[j] + i >= bounds[j] {
                    self.emit(s, starts[j] + i, &mut found[j]);
                }
            }
        }
        for j in 0..CHAINS {
            let from = starts[j] + common;
            let mut state = states[j];
            let mut part_out = std::mem::take(&mut found[j]);
            self.walk(
                &hay[from..bounds[j + 1]],
                from,
                bounds[j],
                &mut state,
                &mut part_out,
            );
            if j == 0 {
                out = part_out;
            } else {
                out.append(&mut part_out);
            }
        }
        out
    }

    /// Walks `seg` (which starts at `offset` in the text) from `state`,
    /// reporting keywords that end at or after `report_from`.
    fn walk(
        &self,
        seg: &[u8],
        offset: usize,
        report_from: usize,
        state: &mut aho_corasick::automaton::StateID,
        out: &mut Vec<(usize, u32)>,
    ) {
        let dfa = &self.dfa;
        let mut s = *state;
        for (i, &b) in seg.iter().enumerate() {
            s = dfa.next_state(Anchored::No, s, b);
            if dfa.is_match(s) && offset + i >= report_from {
                self.emit(s, offset + i, out);
            }
        }
        *state = s;
    }

    fn emit(
        &self,
        state: aho_corasick::automaton::StateID,
        end: usize,
        out: &mut Vec<(usize, u32)>,
    ) {
        for k in 0..self.dfa.match_len(state) {
            let pid = self.dfa.match_pattern(state, k);
            out.push((end + 1 - self.dfa.pattern_len(pid), pid.as_u32()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeywordIndex;
    use proptest::prelude::*;

    /// Every (start, keyword) the naive search finds, sorted.
    fn naive(keywords: &[String], hay: &[u8]) -> Vec<(usize, u32)> {
        let lower = hay.to_ascii_lowercase();
        let mut out = Vec::new();
        for (id, k) in keywords.iter().enumerate() {
            let k = k.as_bytes().to_ascii_lowercase();
            if k.is_empty() || k.len() > lower.len() {
                continue;
            }
            for s in 0..=lower.len() - k.len() {
                if lower[s..s + k.len()] == k[..] {
                    out.push((s, u32::try_from(id).unwrap()));
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn sorted(mut v: Vec<(usize, u32)>) -> Vec<(usize, u32)> {
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_nested_overlapping_and_case_folded_keywords() {
        let kws: Vec<String> = ["password", "pass", "ass", "word", "ghp_", "://"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let idx = KeywordIndex::new(&kws).unwrap();
        let hay = b"PassWord=x https://h ghp_ passpass";
        assert_eq!(sorted(idx.find(hay)), naive(&kws, hay));
        assert!(idx.find(b"nothing here").is_empty());
    }

    #[test]
    fn keywords_crossing_the_part_bounds_of_long_texts_are_found_once() {
        let kws: Vec<String> = ["akia", "hf_", "-----begin"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let idx = KeywordIndex::new(&kws).unwrap();
        // keywords at every offset around the four part bounds of 64 KiB
        let mut hay = vec![b'x'; 65_536];
        for bound in [16_384usize, 32_768, 49_152] {
            for d in 0..12 {
                let p = bound - 6 + d * 7;
                hay[p..p + 10].copy_from_slice(b"-----BEGIN");
            }
            hay[bound - 2..bound + 2].copy_from_slice(b"AkIa");
        }
        hay[65_533..].copy_from_slice(b"hf_");
        let got = idx.find(&hay);
        assert_eq!(sorted(got.clone()), naive(&kws, &hay));
        // ordered by end position
        let ends: Vec<usize> = got
            .iter()
            .map(|&(s, k)| s + kws[k as usize].len())
            .collect();
        assert!(ends.windows(2).all(|w| w[0] <= w[1]), "{ends:?}");
    }

    proptest! {
        #[test]
        fn agrees_with_a_naive_search(
            kws in prop::collection::vec("[a-cA-C_:/-]{1,5}", 1..12),
            hay in prop::collection::vec(prop::sample::select(b"abcABC_:/-\n".to_vec()), 0..9000),
        ) {
            let idx = KeywordIndex::new(&kws).unwrap();
            prop_assert_eq!(sorted(idx.find(&hay)), naive(&kws, &hay));
        }
    }
}
