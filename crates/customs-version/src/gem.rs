//! RubyGems versions, ordered as `Gem::Version#<=>`.
//!
//! The string is stripped and every `-` becomes `.pre.` (so `1.0-1` is a
//! pre-release of `1.0`). It is then cut into runs of digits and runs of
//! letters; all other characters only separate. Trailing zeros are dropped
//! from the leading numeric part and from the rest, then segments compare
//! pairwise with missing ones read as `0`: numbers numerically, strings
//! byte-wise, and a string is smaller than a number, so `1.0.a < 1.0 < 1.0.1`
//! and `1.0.a10 > 1.0.a9`.
//!
//! RubyGems itself rejects strings such as `1beta`; they are accepted here
//! (and read as `1.beta`) because OSV data and the corpus contain them. A
//! version must start with a digit and use only `[0-9A-Za-z.-]`.

use std::cmp::Ordering;

use crate::num::Num;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Num(Num),
    Str(Box<str>),
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Num(n) if n.is_zero())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GemVersion {
    /// Canonical segments: no trailing zeros in either part.
    segments: Vec<Segment>,
}

impl GemVersion {
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        if !s.starts_with(|c: char| c.is_ascii_digit()) {
            return Err("must start with a digit");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return Err("only digits, letters, '.' and '-' are allowed");
        }
        let version = s.replace('-', ".pre.");
        let mut segments = Vec::new();
        let bytes = version.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            if bytes[i].is_ascii_digit() {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                segments.push(Segment::Num(Num::from_digits(&version[start..i])));
            } else if bytes[i].is_ascii_alphabetic() {
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                segments.push(Segment::Str(version[start..i].into()));
            } else {
                i += 1;
            }
        }
        // Drop trailing zeros from the numeric prefix and from the rest.
        let split = segments
            .iter()
            .position(|s| matches!(s, Segment::Str(_)))
            .unwrap_or(segments.len());
        let mut rest = segments.split_off(split);
        while segments.last().is_some_and(Segment::is_zero) {
            segments.pop();
        }
        while rest.last().is_some_and(Segment::is_zero) {
            rest.pop();
        }
        segments.append(&mut rest);
        Ok(GemVersion { segments })
    }
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Num(Num::zero());
        let len = self.segments.len().max(other.segments.len());
        (0..len)
            .map(|i| {
                let l = self.segments.get(i).unwrap_or(&zero);
                let r = other.segments.get(i).unwrap_or(&zero);
                match (l, r) {
                    (Segment::Num(a), Segment::Num(b)) => a.cmp(b),
                    (Segment::Str(a), Segment::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
                    (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
                    (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
