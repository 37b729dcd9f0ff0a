//! Finds unsafe machine-learning model files without ever loading them.
//!
//! Pickle-based formats are walked opcode by opcode by a bounded symbolic machine that names
//! every imported callable; other formats are checked structurally. See [`scan_model`].

pub mod error;
mod limits;
pub mod pickle;
pub mod policy;
mod report;

pub use error::{ContainerError, PickleError};
pub use limits::Limits;
pub use pickle::{PickleScan, scan_pickle_with};
pub use report::{Finding, FindingKind, ImportRef, ImportSafety, ModelFormat, ModelReport, Severity, Verdict};

/// Walks a raw pickle stream (one or more concatenated pickles) with default [`Limits`].
pub fn scan_pickle<R: std::io::Read>(reader: R) -> PickleScan {
    scan_pickle_with(reader, &Limits::default())
}
