//! Language packages: Python, conda, npm, Java, Ruby, PHP, .NET.

use crate::Analyzer;

/// The analyzers of this family.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![]
}
