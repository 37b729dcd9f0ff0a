//! Errors of every source, each naming what failed (file, URL, digest).

use std::path::PathBuf;

/// Why an image could not be opened or one of its blobs read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not an image: {reason}")]
    NotAnImage { path: PathBuf, reason: String },
    #[error("invalid image reference {reference:?}: {reason}")]
    BadReference { reference: String, reason: String },
    #[error("{what}: malformed: {reason}")]
    Malformed { what: String, reason: String },
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("{what}: size mismatch: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        what: String,
        expected: u64,
        actual: u64,
    },
    #[error("{what}: larger than the {limit}-byte limit")]
    TooLarge { what: String, limit: u64 },
    #[error("platform {wanted} not found in {what} (it has: {available})")]
    PlatformNotFound {
        wanted: String,
        what: String,
        available: String,
    },
    #[error("{what}: no image selected: {reason}")]
    Ambiguous { what: String, reason: String },
    #[error("manifest unknown: {reference} ({detail})")]
    ManifestUnknown { reference: String, detail: String },
    #[error("unauthorized: {registry}: {detail}")]
    Unauthorized { registry: String, detail: String },
    #[error("{url}: HTTP {status}: {detail}")]
    Http {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("{url}: {detail}")]
    Network { url: String, detail: String },
    #[error("unsupported media type {media_type} for {what}")]
    UnsupportedMediaType { what: String, media_type: String },
    #[error("daemon {endpoint}: {detail}")]
    Daemon { endpoint: String, detail: String },
    #[error("credentials: {0}")]
    Credentials(String),
}

impl SourceError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SourceError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn malformed(what: impl Into<String>, reason: impl ToString) -> Self {
        SourceError::Malformed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

/// Formats a `reqwest::Error` with its source chain (the top-level message
/// alone often says only "error sending request").
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let m = inner.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        src = inner.source();
    }
    s
}
