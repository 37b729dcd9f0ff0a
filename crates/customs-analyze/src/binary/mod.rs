//! Binaries: Go buildinfo, Rust cargo-auditable.

use crate::Analyzer;

/// The analyzers of this family.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![]
}
