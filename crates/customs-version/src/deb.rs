//! Debian (dpkg) versions: `[epoch:]upstream[-revision]`, compared as
//! `dpkg --compare-versions` does. Parsing and ordering come from the
//! `debversion` crate; this module only adapts its errors.

use std::cmp::Ordering;

/// A parsed Debian version.
#[derive(Clone, Debug)]
pub(crate) struct DebVersion(debversion::Version);

impl DebVersion {
    /// Parses a dpkg version. Underscores are accepted (as `debversion`'s
    /// lenient parser does) because they occur in real archives.
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        if let Some((epoch, _)) = s.split_once(':') {
            if !epoch.is_empty()
                && epoch.bytes().all(|b| b.is_ascii_digit())
                && epoch.parse::<u32>().is_err()
            {
                return Err("epoch does not fit in 32 bits");
            }
        }
        debversion::Version::parse_lenient(s)
            .map(DebVersion)
            .map_err(|_| "not of the form [epoch:]upstream[-revision] with characters A-Za-z0-9.+~:_-")
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
