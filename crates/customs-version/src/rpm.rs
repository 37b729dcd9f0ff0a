//! RPM versions: `[epoch:]version[-release]`, each part compared with
//! `rpmvercmp` (via the `rpm-version` crate), including `~` (sorts before
//! everything, even the end of the string) and `^` (sorts after the end of
//! the string but before any other continuation).
//!
//! Splitting follows rpm's own `parseEVR`: the epoch is the run of digits
//! before a `:` (so `a:1` or `1.m+e2:1` have no epoch) and the release starts
//! after the last `-`. An absent release sorts before any present one, even
//! an empty one (`1 < 1-`), as the OSV corpus for Red Hat expects.

use std::cmp::Ordering;

use rpm_version::Evr;

#[derive(Clone, Debug)]
pub(crate) struct RpmVersion {
    epoch: Box<str>,
    version: Box<str>,
    release: Option<Box<str>>,
}

impl RpmVersion {
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = match s.as_bytes().get(digits) {
            Some(b':') => (&s[..digits], &s[digits + 1..]),
            _ => ("", s),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((v, r)) => (v, Some(r)),
            None => (rest, None),
        };
        Ok(RpmVersion {
            epoch: if epoch.is_empty() { "0" } else { epoch }.into(),
            version: version.into(),
            release: release.map(Into::into),
        })
    }
}

/// `rpmvercmp` on two strings.
fn vercmp(a: &str, b: &str) -> Ordering {
    Evr::new("0", a, "").cmp(&Evr::new("0", b, ""))
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        vercmp(&self.epoch, &other.epoch)
            .then_with(|| vercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => vercmp(a, b),
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}
