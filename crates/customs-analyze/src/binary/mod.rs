//! Binaries: Go buildinfo, Rust cargo-auditable.
//!
//! Both analyzers want the same files ([`exe::is_candidate`]: executable,
//! 64 KiB to 1 GiB, not named like a shared library); the dispatch reads
//! each once and hands it to both. Neither loads a spooled binary whole.

mod exe;
pub mod go;
pub mod rust;

#[cfg(test)]
pub(crate) mod testelf;
#[cfg(test)]
mod tests;

use crate::Analyzer;

/// The analyzers of this family.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(go::GoBinary), Box::new(rust::CargoAuditable)]
}
