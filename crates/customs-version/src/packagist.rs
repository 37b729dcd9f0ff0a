//! Packagist (Composer) versions, ordered like PHP's `version_compare` after
//! the normalisation osv-scalibr applies.
//!
//! A leading `v`/`V` is dropped. Every character that is not an ASCII letter
//! or digit separates parts (PHP turns `-`, `_`, `+` and other symbols into
//! `.`), and a part also ends where digits meet letters, so `1.0rc1` reads
//! `1.0.rc.1`. Numbers compare numerically at any size. Words rank by
//! prefix: `dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` < a number < `pl`/`p`,
//! and any other word ranks below `dev`. When one version runs out, the
//! missing part ranks just below any number and above `rc`, so
//! `1.0-rc1 < 1.0 < 1.0.0 < 1.0pl1`.

use std::cmp::Ordering;

use crate::num::Num;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    /// Weight of a word; only the weight takes part in comparisons.
    Word(i8),
    Num(Num),
}

/// Numbers (and the end of a version) rank between `rc` and `pl`.
const NUMBER_WEIGHT: i8 = 4;

fn word_weight(word: &str) -> i8 {
    const FORMS: [(&str, i8); 9] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(form, _)| word.starts_with(form))
        .map_or(-1, |(_, weight)| *weight)
}

#[derive(Clone, Debug)]
pub(crate) struct PackagistVersion {
    parts: Vec<Part>,
}

impl PackagistVersion {
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s
            .strip_prefix('v')
            .or_else(|| s.strip_prefix('V'))
            .unwrap_or(s);
        let mut parts = Vec::new();
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            if bytes[i].is_ascii_digit() {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                parts.push(Part::Num(Num::from_digits(&s[start..i])));
            } else if bytes[i].is_ascii_alphabetic() {
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                parts.push(Part::Word(word_weight(&s[start..i])));
            } else {
                i += 1;
            }
        }
        if parts.is_empty() {
            return Err("no letters or digits");
        }
        Ok(PackagistVersion { parts })
    }
}

/// Rank of a part, with `None` for the end of the version.
fn rank(part: Option<&Part>) -> (i8, Option<&Num>) {
    match part {
        Some(Part::Word(w)) => (*w, None),
        Some(Part::Num(n)) => (NUMBER_WEIGHT, Some(n)),
        None => (NUMBER_WEIGHT, None),
    }
}

impl Ord for PackagistVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.parts.len().max(other.parts.len());
        (0..len)
            .map(|i| rank(self.parts.get(i)).cmp(&rank(other.parts.get(i))))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for PackagistVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PackagistVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PackagistVersion {}
