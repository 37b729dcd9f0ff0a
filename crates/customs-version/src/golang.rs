//! Go module versions: semantic versions as `golang.org/x/mod/semver`
//! reads them, with the `v` prefix optional because OSV writes Go versions
//! without it.
//!
//! `v1` and `v1.2` are shorthands for `v1.0.0` and `v1.2.0`. Numbers may not
//! have leading zeros. Build metadata, including `+incompatible`, does not
//! take part in the order, so `v2.0.0+incompatible = v2.0.0`. Pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.20191109021931-daa7c04131f5`)
//! are ordinary pre-releases and sort as Go intends.

use std::cmp::Ordering;

use crate::num::{Num, all_digits, split_digits};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ident {
    Numeric(Num),
    Alpha(Box<str>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GoVersion {
    major: Num,
    minor: Num,
    patch: Num,
    /// Empty for a release.
    pre: Vec<Ident>,
}

impl GoVersion {
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let (major, rest) = number(s)?;
        let mut v = GoVersion {
            major,
            minor: Num::zero(),
            patch: Num::zero(),
            pre: Vec::new(),
        };
        if rest.is_empty() {
            return Ok(v);
        }
        let rest = rest
            .strip_prefix('.')
            .ok_or("expected '.' after the major version")?;
        let (minor, rest) = number(rest)?;
        v.minor = minor;
        if rest.is_empty() {
            return Ok(v);
        }
        let rest = rest
            .strip_prefix('.')
            .ok_or("expected '.' after the minor version")?;
        let (patch, mut rest) = number(rest)?;
        v.patch = patch;
        if let Some(after) = rest.strip_prefix('-') {
            let end = after.find('+').unwrap_or(after.len());
            let (pre, after_pre) = after.split_at(end);
            for id in pre.split('.') {
                if !is_identifier(id) {
                    return Err("pre-release must be dot-separated [0-9A-Za-z-] identifiers");
                }
                if all_digits(id) {
                    if id.len() > 1 && id.starts_with('0') {
                        return Err("numeric pre-release identifier with a leading zero");
                    }
                    v.pre.push(Ident::Numeric(Num::from_digits(id)));
                } else {
                    v.pre.push(Ident::Alpha(id.into()));
                }
            }
            rest = after_pre;
        }
        if let Some(build) = rest.strip_prefix('+') {
            if build.split('.').any(|id| !is_identifier(id)) {
                return Err("build metadata must be dot-separated [0-9A-Za-z-] identifiers");
            }
            rest = "";
        }
        if !rest.is_empty() {
            return Err("unexpected text after the patch version");
        }
        Ok(v)
    }
}

/// A number without leading zeros, and the rest of the string.
fn number(s: &str) -> Result<(Num, &str), &'static str> {
    let (digits, rest) = split_digits(s);
    if digits.is_empty() {
        return Err("expected a number");
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err("number with a leading zero");
    }
    Ok((Num::from_digits(digits), rest))
}

fn is_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
