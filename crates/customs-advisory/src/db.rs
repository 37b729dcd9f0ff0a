//! Read-only access to the advisory database, used by the matcher.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use time::OffsetDateTime;

use crate::codec::Decoder;
use crate::ecosystem::{ecosystem_base, normalize_name};
use crate::error::{Error, Result};
use crate::osv::{Affected, Vulnerability, parse_timestamp};
use crate::schema::{SCHEMA_VERSION, SELECT_AFFECTED};

/// An affected entry whose package matches a lookup. Version matching is the
/// caller's job.
#[derive(Debug, Clone, PartialEq)]
pub struct AffectedCandidate {
    /// The advisory id.
    pub vuln_id: String,
    /// The entry's full ecosystem string (`Debian:11`).
    pub ecosystem: String,
    /// The parsed affected entry.
    pub affected: Affected,
}

/// Per-feed figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcosystemStatus {
    /// Feed name (osv.dev directory, e.g. `PyPI`, `Debian`).
    pub ecosystem: String,
    /// Advisories stored from this feed (withdrawn ones excluded).
    pub records: u64,
    /// Incremental-update cursor: the newest modification time known to be
    /// applied (see the crate docs for how it is chosen).
    pub last_modified: Option<OffsetDateTime>,
    /// URL or path the feed was last loaded from.
    pub source: String,
    /// When the feed was last written.
    pub updated_at: Option<OffsetDateTime>,
}

/// What `customs db status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbStatus {
    /// The database file.
    pub path: PathBuf,
    /// Its schema version.
    pub schema_version: u32,
    /// Base URL or path of the last full build, import or update.
    pub source: String,
    /// When the content last changed.
    pub built_at: Option<OffsetDateTime>,
    /// When the last import or update finished (even if nothing changed).
    pub checked_at: Option<OffsetDateTime>,
    /// Time since `checked_at` (or `built_at`), when known.
    pub age: Option<Duration>,
    /// Advisories stored.
    pub total_records: u64,
    /// Affected entries indexed.
    pub total_affected: u64,
    /// Newest `last_modified` over all feeds.
    pub last_modified: Option<OffsetDateTime>,
    /// Per-feed figures, sorted by name.
    pub ecosystems: Vec<EcosystemStatus>,
}

/// Conditional-request validators and cursor of a feed (internal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FeedState {
    pub ecosystem: String,
    pub last_modified: Option<String>,
    pub zip_etag: Option<String>,
    pub zip_last_modified: Option<String>,
    pub csv_etag: Option<String>,
    pub csv_last_modified: Option<String>,
}

/// A read-only handle on the advisory database.
///
/// Opening reads only the `meta` and `feeds` tables; lookups go through the
/// `(ecosystem_base, name_normalised)` index.
#[derive(Debug)]
pub struct Db {
    conn: Connection,
    path: PathBuf,
    status: DbStatus,
    decoder: RefCell<Decoder>,
}

/// The zstd dictionary stored in the database, if any.
pub(crate) fn load_dict(conn: &Connection, path: &Path) -> Result<Option<Vec<u8>>> {
    conn.query_row("SELECT dict FROM zstd_dict WHERE id = 1", [], |r| r.get(0))
        .optional()
        .map_err(Error::sql(path, "reading dictionary"))
}

/// Checks `meta.schema_version` of an open connection.
pub(crate) fn check_schema(conn: &Connection, path: &Path) -> Result<()> {
    let found: Option<String> = match conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
    {
        Ok(v) => v,
        Err(e) => return Err(classify_open_error(path, e)),
    };
    match found {
        Some(v) if v.trim() == SCHEMA_VERSION.to_string() => Ok(()),
        Some(v) => Err(Error::SchemaMismatch {
            path: path.to_path_buf(),
            found: v,
            expected: SCHEMA_VERSION,
        }),
        None => Err(Error::NotADatabase {
            path: path.to_path_buf(),
            reason: "meta table has no schema_version".into(),
        }),
    }
}

fn classify_open_error(path: &Path, e: rusqlite::Error) -> Error {
    let text = e.to_string();
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && matches!(
            f.code,
            rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
        )
    {
        return Error::NotADatabase {
            path: path.to_path_buf(),
            reason: text,
        };
    }
    if text.contains("no such table") {
        return Error::NotADatabase {
            path: path.to_path_buf(),
            reason: text,
        };
    }
    Error::Sqlite {
        path: path.to_path_buf(),
        context: "reading schema version",
        source: e,
    }
}

fn ts(s: Option<String>) -> Option<OffsetDateTime> {
    s.as_deref().and_then(parse_timestamp)
}

impl Db {
    /// Opens the database read-only. Fails with [`Error::Missing`],
    /// [`Error::NotADatabase`] or [`Error::SchemaMismatch`] (all of which tell
    /// the user to run `customs db update`).
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        let path = path.as_ref().to_path_buf();
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                return Err(Error::NotADatabase {
                    path,
                    reason: "not a regular file".into(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Missing { path });
            }
            Err(e) => return Err(Error::io("reading", &path)(e)),
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify_open_error(&path, e))?;
        check_schema(&conn, &path)?;
        conn.set_prepared_statement_cache_capacity(16);
        let status = read_status(&conn, &path)?;
        let dict = load_dict(&conn, &path)?;
        let decoder = Decoder::new(dict.as_deref()).map_err(|reason| Error::NotADatabase {
            path: path.clone(),
            reason: format!("unusable zstd dictionary: {reason}"),
        })?;
        Ok(Db {
            conn,
            path,
            status,
            decoder: RefCell::new(decoder),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Affected entries for a package. `ecosystem` is either a base
    /// ecosystem (`Debian`: every release) or a full one (`Debian:11`: only
    /// that release); it is compared ASCII case-insensitively. `name` is
    /// normalised with [`normalize_name`].
    pub fn affected_for(&self, ecosystem: &str, name: &str) -> Result<Vec<AffectedCandidate>> {
        let ecosystem = ecosystem.trim();
        let base = ecosystem_base(ecosystem);
        let full = ecosystem.contains(':').then_some(ecosystem);
        let norm = normalize_name(base, name);
        let mut stmt = self
            .conn
            .prepare_cached(SELECT_AFFECTED)
            .map_err(Error::sql(&self.path, "preparing affected lookup"))?;
        let rows = stmt
            .query_map(params![base, norm, full], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })
            .map_err(Error::sql(&self.path, "looking up affected packages"))?;
        let mut out = Vec::new();
        for row in rows {
            let (vuln_id, ecosystem, blob) =
                row.map_err(Error::sql(&self.path, "reading affected row"))?;
            let affected = self
                .decoder
                .borrow_mut()
                .affected(&blob)
                .map_err(|reason| Error::CorruptRecord {
                    path: self.path.clone(),
                    id: vuln_id.clone(),
                    reason,
                })?;
            out.push(AffectedCandidate {
                vuln_id,
                ecosystem,
                affected,
            });
        }
        Ok(out)
    }

    /// The full parsed record, or `None` if the id is not stored.
    pub fn vulnerability(&self, id: &str) -> Result<Option<Vulnerability>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT record FROM vulns WHERE id = ?1")
            .map_err(Error::sql(&self.path, "preparing record lookup"))?;
        let blob: Option<Vec<u8>> = stmt
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(Error::sql(&self.path, "reading record"))?;
        let Some(blob) = blob else { return Ok(None) };
        let corrupt = |reason: String| Error::CorruptRecord {
            path: self.path.clone(),
            id: id.to_owned(),
            reason,
        };
        let raw = self.decoder.borrow_mut().record(&blob).map_err(corrupt)?;
        crate::osv::parse_record(&raw)
            .map(Some)
            .map_err(|e| corrupt(e.to_string()))
    }

    /// Ids of the stored records that are `id` or list it in their
    /// `aliases` (ASCII case-insensitively), sorted: the records a finding
    /// naming `id` can come from. Reads every row's alias list (there is no
    /// alias index), which is a few milliseconds per 10,000 records.
    pub fn records_naming(&self, id: &str) -> Result<Vec<String>> {
        let id = id.trim();
        if id.is_empty() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, aliases FROM vulns WHERE id = ?1 COLLATE NOCASE \
                 OR instr(upper(aliases), upper(?1)) > 0 ORDER BY id",
            )
            .map_err(Error::sql(&self.path, "preparing alias lookup"))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(Error::sql(&self.path, "looking up aliases"))?;
        let mut out = Vec::new();
        for row in rows {
            let (rid, aliases) = row.map_err(Error::sql(&self.path, "reading alias row"))?;
            let aliases: Vec<String> = serde_json::from_str(&aliases).unwrap_or_default();
            if rid.eq_ignore_ascii_case(id)
                || aliases.iter().any(|a| a.trim().eq_ignore_ascii_case(id))
            {
                out.push(rid);
            }
        }
        Ok(out)
    }

    /// The raw stored JSON of a record (as received), if stored.
    pub fn raw_record(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT record FROM vulns WHERE id = ?1")
            .map_err(Error::sql(&self.path, "preparing record lookup"))?;
        let blob: Option<Vec<u8>> = stmt
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(Error::sql(&self.path, "reading record"))?;
        blob.map(|b| {
            self.decoder
                .borrow_mut()
                .record(&b)
                .map_err(|reason| Error::CorruptRecord {
                    path: self.path.clone(),
                    id: id.to_owned(),
                    reason,
                })
        })
        .transpose()
    }

    /// Summary figures; `age` is computed at call time.
    pub fn status(&self) -> DbStatus {
        let mut s = self.status.clone();
        s.age = s.checked_at.or(s.built_at).map(|t| {
            (OffsetDateTime::now_utc() - t)
                .try_into()
                .unwrap_or_default()
        });
        s
    }

    /// Feed cursors and validators.
    pub(crate) fn feed_states(&self) -> Result<Vec<FeedState>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT ecosystem, last_modified, zip_etag, zip_last_modified, csv_etag, \
                 csv_last_modified FROM feeds ORDER BY ecosystem",
            )
            .map_err(Error::sql(&self.path, "reading feeds"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(FeedState {
                    ecosystem: r.get(0)?,
                    last_modified: r.get(1)?,
                    zip_etag: r.get(2)?,
                    zip_last_modified: r.get(3)?,
                    csv_etag: r.get(4)?,
                    csv_last_modified: r.get(5)?,
                })
            })
            .map_err(Error::sql(&self.path, "reading feeds"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::sql(&self.path, "reading feeds"))
    }

    /// `modified` of a stored record.
    pub(crate) fn modified_of(&self, id: &str) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT modified FROM vulns WHERE id = ?1")
            .map_err(Error::sql(&self.path, "preparing modified lookup"))?;
        stmt.query_row([id], |r| r.get(0))
            .optional()
            .map_err(Error::sql(&self.path, "reading modified"))
    }
}

fn read_status(conn: &Connection, path: &Path) -> Result<DbStatus> {
    let meta = |key: &str| -> Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(Error::sql(path, "reading meta"))
    };
    let count = |key: &str| -> Result<u64> {
        Ok(meta(key)?
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0))
    };
    let mut stmt = conn
        .prepare(
            "SELECT ecosystem, record_count, last_modified, source, updated_at FROM feeds \
             ORDER BY ecosystem",
        )
        .map_err(Error::sql(path, "reading feeds"))?;
    let ecosystems = stmt
        .query_map([], |r| {
            Ok(EcosystemStatus {
                ecosystem: r.get(0)?,
                records: r.get::<_, i64>(1)?.max(0).unsigned_abs(),
                last_modified: ts(r.get(2)?),
                source: r.get(3)?,
                updated_at: ts(r.get(4)?),
            })
        })
        .map_err(Error::sql(path, "reading feeds"))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::sql(path, "reading feeds"))?;
    Ok(DbStatus {
        path: path.to_path_buf(),
        schema_version: SCHEMA_VERSION,
        source: meta("source")?.unwrap_or_default(),
        built_at: ts(meta("built_at")?),
        checked_at: ts(meta("checked_at")?),
        age: None,
        total_records: count("total_records")?,
        total_affected: count("total_affected")?,
        last_modified: ecosystems.iter().filter_map(|e| e.last_modified).max(),
        ecosystems,
    })
}
