//! Error type of the crate. Every variant names what it was working on (a
//! path, a URL, a record id) so that a message is useful on its own.

use std::path::{Path, PathBuf};

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file-system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("reading", "creating", ...).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// SQLite reported an error.
    #[error("advisory database {path}: {context}: {source}")]
    Sqlite {
        /// The database file (or its temporary copy).
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },

    /// No database file at the given path.
    #[error("no advisory database at {path}; run `customs db update` to download one")]
    Missing {
        /// Where the database was expected.
        path: PathBuf,
    },

    /// The file exists but is not a customs advisory database.
    #[error(
        "{path} is not a customs advisory database ({reason}); run `customs db update` to rebuild it"
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },

    /// The database was written by a build with another schema version.
    #[error(
        "advisory database {path} has schema version {found}, but this build of customs reads schema version {expected}; run `customs db update` to rebuild it"
    )]
    SchemaMismatch {
        /// The file.
        path: PathBuf,
        /// The schema version found in the file.
        found: String,
        /// The schema version this build reads and writes.
        expected: u32,
    },

    /// A stored record could not be decoded (database corruption).
    #[error("advisory database {path}: stored record {id} is corrupt: {reason}")]
    CorruptRecord {
        /// The file.
        path: PathBuf,
        /// The record id.
        id: String,
        /// What failed.
        reason: String,
    },

    /// A zip archive could not be read.
    #[error("zip archive {location}: {source}")]
    Zip {
        /// Path or URL of the archive.
        location: String,
        /// The underlying error.
        #[source]
        source: zip::result::ZipError,
    },

    /// A single OSV JSON input could not be parsed at all.
    #[error("OSV input {location}: {source}")]
    Json {
        /// Path or URL of the input.
        location: String,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },

    /// The import input holds no usable OSV record.
    #[error("no OSV records found in {path}")]
    NoRecords {
        /// The input path.
        path: PathBuf,
    },

    /// A HTTP request failed at the transport level (connection, TLS, body).
    #[error("HTTP request {url}: {source}")]
    Http {
        /// The URL.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// A HTTP request got an unexpected status.
    #[error("HTTP request {url}: unexpected status {status}")]
    HttpStatus {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },

    /// The base URL given to `update` is unusable.
    #[error("invalid advisory base URL {url:?}: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// Another import or update holds the lock on this database.
    #[error("another import or update of the advisory database is running (lock {path} is held)")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },

    /// The operation was cancelled (its future dropped) before it finished.
    #[error("update of {path} was cancelled; the previous database is unchanged")]
    Cancelled {
        /// The database path.
        path: PathBuf,
    },

    /// A background task failed unexpectedly.
    #[error("background database build for {path} failed: {reason}")]
    Task {
        /// The database path.
        path: PathBuf,
        /// The join error text.
        reason: String,
    },
}

impl Error {
    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }

    pub(crate) fn sql(path: &Path, context: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
        let path = path.to_path_buf();
        move |source| Error::Sqlite {
            path,
            context,
            source,
        }
    }
}

/// A non-fatal problem met while importing or updating: the record was
/// skipped (or the line ignored) and the operation went on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where: file path, zip entry (`archive!entry`) or URL.
    pub location: String,
    /// The record id when it could be read.
    pub id: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{} ({id}): {}", self.location, self.message),
            None => write!(f, "{}: {}", self.location, self.message),
        }
    }
}
