//! Error type of the crate. Every variant names the store file (or the
//! advisory, the range, the ecosystem) it is about, so a message is useful on
//! its own.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file-system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`creating`, `reading`).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// SQLite reported an error.
    #[error("inventory store {path}: {context}: {source}")]
    Sqlite {
        /// The store file.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },

    /// The file exists but is not a customs inventory store (another
    /// SQLite database, a damaged or truncated file, something else).
    #[error(
        "{path} is not a usable customs inventory store ({reason}); move it away to start a new \
         store, or pass another file with --inventory"
    )]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },

    /// The store was written by a build with another schema version.
    #[error(
        "inventory store {path} has schema version {found}, but this build of customs reads \
         schema version {expected}; move it away and add the images again"
    )]
    SchemaMismatch {
        /// The file.
        path: PathBuf,
        /// The version found in the file.
        found: String,
        /// The version this build reads and writes.
        expected: u32,
    },

    /// A stored value could not be decoded (a damaged store).
    #[error("inventory store {path}: {what} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was being read (`package 3 of image sha256:…`).
        what: String,
        /// What failed.
        reason: String,
    },

    /// The advisory database failed (never taken as "not affected").
    #[error("advisory database, {context}: {source}")]
    Advisory {
        /// What was being looked up.
        context: String,
        /// The database's error.
        #[source]
        source: Box<customs_advisory::Error>,
    },

    /// Matching an inventory against the advisory database failed.
    #[error("matching {image} against the advisory database: {source}")]
    Match {
        /// The image (digest).
        image: String,
        /// The matcher's error.
        #[source]
        source: Box<customs_match::MatchError>,
    },

    /// No record in the advisory database has this id or alias.
    #[error(
        "no advisory {id} in the vulnerability DB {db} (no record has this id or lists it as an \
         alias); check the id, or run `customs db update`"
    )]
    UnknownAdvisory {
        /// The id asked for.
        id: String,
        /// The database file.
        db: PathBuf,
    },

    /// A version range of `--package NAME@RANGE` does not parse.
    #[error("invalid version range {range:?}: {reason}")]
    BadRange {
        /// The range as given.
        range: String,
        /// Why.
        reason: String,
    },

    /// The ecosystem of a package query is unknown.
    #[error(
        "unknown ecosystem {0:?}: give an OSV ecosystem (PyPI, npm, Go, crates.io, Maven, \
         RubyGems, NuGet, Packagist, Debian, Ubuntu, Alpine, Red Hat, ... optionally with the \
         release, Debian:12) or a package kind (deb, apk, rpm, python, conda, npm, go, cargo, \
         maven, gem, composer, nuget, ml-runtime)"
    )]
    UnknownEcosystem(String),
}

impl Error {
    /// A closure mapping a SQLite error of `path` to [`Error::Sqlite`], or to
    /// [`Error::NotAStore`] when SQLite says the file is damaged.
    pub(crate) fn sql<'a>(
        path: &'a std::path::Path,
        context: &'static str,
    ) -> impl FnOnce(rusqlite::Error) -> Error + 'a {
        move |e| classify(path, context, e)
    }

    pub(crate) fn io<'a>(
        action: &'static str,
        path: &'a std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Error + 'a {
        move |source| Error::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn advisory(context: impl Into<String>, source: customs_advisory::Error) -> Error {
        Error::Advisory {
            context: context.into(),
            source: Box::new(source),
        }
    }
}

pub(crate) fn classify(path: &std::path::Path, context: &'static str, e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && matches!(
            f.code,
            rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
        )
    {
        return Error::NotAStore {
            path: path.to_path_buf(),
            reason: format!("{context}: {e}"),
        };
    }
    Error::Sqlite {
        path: path.to_path_buf(),
        context,
        source: e,
    }
}
