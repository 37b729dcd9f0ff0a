//! Finds unsafe machine-learning model files without ever loading them.
//!
//! * [`is_candidate`]: a cheap extension check for the layer walker.
//! * [`sniff`]: what the first bytes say (and whether random access is needed).
//! * [`scan_model`] / [`scan_model_seekable`]: scan one file; `None` when it is not a model.
//! * [`scan_pickle`]: walk a raw pickle stream.
//!
//! Pickle-based formats (`.pkl`, `.joblib`, PyTorch zips and legacy files, NumPy object
//! arrays, nested archives) are walked opcode by opcode by a bounded symbolic machine that
//! names every imported callable and never executes anything. Imports are judged against an
//! allow-list of ML reconstruction callables ([`policy`]); anything else is suspicious, and
//! deny-listed callables are CRITICAL. Keras configs are searched for `Lambda` layers;
//! safetensors headers are checked; GGUF and ONNX are recorded as data-only formats.

pub mod error;
mod formats;
mod limits;
pub mod pickle;
pub mod policy;
mod report;

pub use error::{ContainerError, PickleError};
pub use formats::{ReadSeek, Sniff, is_candidate, scan_model, scan_model_seekable, sniff};
pub use limits::Limits;
pub use pickle::{PickleScan, scan_pickle_with};
pub use report::{
    Finding, FindingKind, ImportRef, ImportSafety, ModelFormat, ModelReport, Severity, Verdict,
};

/// Walks a raw pickle stream (one or more concatenated pickles) with default [`Limits`].
pub fn scan_pickle<R: std::io::Read>(reader: R) -> PickleScan {
    scan_pickle_with(reader, &Limits::default())
}
