//! Debian (dpkg) versions: `[epoch:]upstream[-revision]`, compared as
//! `dpkg --compare-versions` does. Parsing and ordering come from the
//! `debversion` crate; this module only adapts its errors.

use std::cmp::Ordering;

/// A parsed Debian version.
#[derive(Clone, Debug)]
pub(crate) struct DebVersion(debversion::Version);

impl DebVersion {
    /// Parses a dpkg version, rejecting what `dpkg` rejects (a bad epoch,
    /// an empty revision). Like `dpkg`, which only warns about them, it
    /// accepts an upstream version that does not start with a digit and
    /// underscores (via `debversion`'s lenient parser).
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        if let Some((epoch, rest)) = s.split_once(':') {
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return Err("epoch is not a number");
            }
            if epoch.parse::<i32>().is_err() {
                return Err("epoch is too big");
            }
            if rest.is_empty() {
                return Err("nothing after the epoch");
            }
        }
        if s.ends_with('-') {
            return Err("revision is empty");
        }
        debversion::Version::parse_lenient(s)
            .map(DebVersion)
            .map_err(
                |_| "not of the form [epoch:]upstream[-revision] with characters A-Za-z0-9.+~:_-",
            )
    }
}

impl PartialEq for DebVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DebVersion {}

impl PartialOrd for DebVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DebVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}
