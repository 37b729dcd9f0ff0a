//! Operating system: os-release and friends, dpkg, apk, rpm.

use crate::Analyzer;

/// The analyzers of this family.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![]
}
