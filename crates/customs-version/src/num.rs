//! Arbitrary-precision non-negative integers, kept as decimal digit strings.
//!
//! Several corpora (and real advisories) contain numeric components longer
//! than `u64` allows, e.g. `999999999999999999999999999991`. Every scheme in
//! this crate therefore compares numbers as digit strings: leading zeros are
//! dropped, then a shorter string is smaller, then bytes decide.

use std::cmp::Ordering;

/// A non-negative integer of any size. Zero is stored as the empty string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct Num(Box<str>);

impl Num {
    /// Builds a number from ASCII digits; leading zeros are ignored.
    /// The caller guarantees that `digits` holds ASCII digits only.
    pub(crate) fn from_digits(digits: &str) -> Self {
        Num(digits.trim_start_matches('0').into())
    }

    /// The number zero.
    pub(crate) fn zero() -> Self {
        Num::default()
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.as_bytes().cmp(other.0.as_bytes()))
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Splits `s` into its leading run of ASCII digits and the rest.
pub(crate) fn split_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// True when `s` is non-empty and made of ASCII digits only.
pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_numerically_at_any_size() {
        let n = |s: &str| Num::from_digits(s);
        assert!(n("9") < n("10"));
        assert_eq!(n("007"), n("7"));
        assert_eq!(n("000"), Num::zero());
        assert!(n("999999999999999999999999999991") < n("999999999999999999999999999999"));
        assert!(n("18446744073709551615") < n("18446744073709551616"));
        assert!(n("0").is_zero());
    }
}
