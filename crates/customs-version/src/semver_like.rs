//! SemVer 2.0 precedence with lenient parsing, shared by the SemVer (npm,
//! crates.io, Hex, ...) and NuGet schemes.
//!
//! Accepted: surrounding whitespace, leading `=`/`v`/`V` (as npm's loose
//! mode), any number of numeric release components (missing ones count as
//! zero, so `1.2 = 1.2.0` and NuGet's `1.0.0.1` works), numbers of any size
//! and with leading zeros, a pre-release after `-` (or directly after the
//! numbers when it starts with a letter: `1.0.0beta`), and `+build` metadata,
//! which never affects the order (`1.2.3+a = 1.2.3+b`).
//!
//! Order: release components numerically; a version without pre-release is
//! greater than one with; pre-release identifiers compare numerically when
//! both are numeric, numeric identifiers sort below alphanumeric ones,
//! alphanumeric ones compare in ASCII order (or case-insensitively for
//! NuGet), and a longer list wins when one is a prefix of the other.
//!
//! The `semver` crate is not used for parsing because it stops at 64-bit
//! numbers and exactly three components; the tests check that this order
//! equals `semver::Version::cmp_precedence` on every version it accepts.

use std::cmp::Ordering;

use crate::num::{Num, all_digits, split_digits};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ident {
    Numeric(Num),
    /// Already case-folded when the scheme is case-insensitive.
    Alpha(Box<str>),
}

/// `None` (a release) sorts above every pre-release.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pre(Option<Vec<Ident>>);

impl Ord for Pre {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Pre {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed SemVer-like version; the derived order is the precedence order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SemverLike {
    /// Trailing zeros removed, so `1.2` and `1.2.0` are equal.
    release: Vec<Num>,
    pre: Pre,
}

/// How a scheme reads pre-release identifiers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Case {
    Sensitive,
    /// NuGet: identifiers compare case-insensitively.
    Insensitive,
}

impl SemverLike {
    pub(crate) fn parse(s: &str, case: Case) -> Result<Self, &'static str> {
        let s =
            s.trim_start_matches(|c: char| c == '=' || c == 'v' || c == 'V' || c.is_whitespace());
        let (main, build) = match s.split_once('+') {
            Some((main, build)) => (main, Some(build)),
            None => (s, None),
        };
        if let Some(build) = build
            && (build.is_empty() || build.split('.').any(|id| !is_identifier(id)))
        {
            return Err("build metadata must be dot-separated [0-9A-Za-z-] identifiers");
        }

        let mut release = Vec::new();
        let mut rest = main;
        loop {
            let (digits, after) = split_digits(rest);
            if digits.is_empty() {
                return Err("expected a number");
            }
            release.push(Num::from_digits(digits));
            rest = after;
            match rest.strip_prefix('.') {
                Some(after_dot) if after_dot.starts_with(|c: char| c.is_ascii_digit()) => {
                    rest = after_dot;
                }
                _ => break,
            }
        }
        while release.last().is_some_and(Num::is_zero) {
            release.pop();
        }

        let pre = if rest.is_empty() {
            None
        } else {
            let text = match rest.strip_prefix('-') {
                Some(text) => text,
                None if rest.starts_with(|c: char| c.is_ascii_alphabetic()) => rest,
                None => return Err("unexpected character after the version numbers"),
            };
            let mut idents = Vec::new();
            for id in text.split('.') {
                if !is_identifier(id) {
                    return Err("pre-release must be dot-separated [0-9A-Za-z-] identifiers");
                }
                idents.push(if all_digits(id) {
                    Ident::Numeric(Num::from_digits(id))
                } else {
                    Ident::Alpha(match case {
                        Case::Sensitive => id.into(),
                        Case::Insensitive => id.to_ascii_uppercase().into(),
                    })
                });
            }
            Some(idents)
        };
        Ok(SemverLike {
            release,
            pre: Pre(pre),
        })
    }
}

fn is_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}
