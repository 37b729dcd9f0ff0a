//! Building a database in a temporary file beside the target and renaming it
//! into place, so that readers only ever see a complete database and a crash
//! at any moment leaves the previous one untouched.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{Connection, params};
use tempfile::TempPath;
use time::OffsetDateTime;

use crate::codec::Encoder;
use crate::db::{FeedState, check_schema, load_dict};
use crate::ecosystem::{ecosystem_base, normalize_name};
use crate::error::{Error, Result};
use crate::osv::{Vulnerability, format_timestamp};
use crate::schema::{CREATE, SCHEMA_VERSION};

/// Directory holding `target` (`.` for a bare file name).
pub(crate) fn target_dir(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "advisory.db".to_owned())
}

/// Prefix of temporary database files: `.<name>.tmp-`.
pub(crate) fn temp_db_prefix(target: &Path) -> String {
    format!(".{}.tmp-", file_name(target))
}

/// Prefix of temporary download files: `.<name>.dl-`.
pub(crate) fn temp_download_prefix(target: &Path) -> String {
    format!(".{}.dl-", file_name(target))
}

/// Exclusive lock on `<target>.lock`, held for a whole import or update.
#[derive(Debug)]
pub(crate) struct DbLock {
    _file: File,
}

/// Takes the lock (failing at once if another process holds it) and, since
/// no other writer can be running, removes temporary files a crashed run may
/// have left.
pub(crate) fn lock(target: &Path) -> Result<DbLock> {
    let dir = target_dir(target);
    std::fs::create_dir_all(&dir).map_err(Error::io("creating directory", &dir))?;
    let lock_path = dir.join(format!("{}.lock", file_name(target)));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(Error::io("opening lock file", &lock_path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(Error::Locked { path: lock_path }),
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::io("locking", &lock_path)(e));
        }
    }
    remove_stale_temps(target);
    Ok(DbLock { _file: file })
}

fn remove_stale_temps(target: &Path) {
    let dir = target_dir(target);
    let prefixes = [temp_db_prefix(target), temp_download_prefix(target)];
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if prefixes.iter().any(|p| name.starts_with(p.as_str())) {
            let path = entry.path();
            match std::fs::remove_file(&path) {
                Ok(()) => tracing::info!(path = %path.display(), "removed stale temporary file"),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot remove stale temporary file")
                }
            }
        }
    }
}

/// Outcome of storing one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Put {
    Added,
    Updated,
}

/// An open write transaction on a temporary copy of the database.
pub(crate) struct Writer {
    // Field order matters: the connection closes before the file is removed.
    conn: Connection,
    tmp: TempPath,
    target: PathBuf,
    enc: Encoder,
    now: OffsetDateTime,
    cancel: Option<Arc<AtomicBool>>,
    changed: bool,
}

impl Writer {
    /// A new, empty database whose blobs use `dict` (see [`crate::codec`]).
    pub(crate) fn fresh(target: &Path, dict: Option<Vec<u8>>) -> Result<Writer> {
        let tmp = new_temp(target)?;
        let conn = open_rw(&tmp)?;
        conn.execute_batch("PRAGMA page_size = 4096;")
            .map_err(Error::sql(&tmp, "setting page size"))?;
        let mut w = Writer::start(conn, tmp, target, dict.as_deref())?;
        w.conn
            .execute_batch(CREATE)
            .map_err(Error::sql(&w.tmp, "creating schema"))?;
        if let Some(d) = &dict {
            w.conn
                .execute("INSERT INTO zstd_dict (id, dict) VALUES (1, ?1)", [d])
                .map_err(Error::sql(&w.tmp, "storing dictionary"))?;
        }
        w.set_meta("schema_version", &SCHEMA_VERSION.to_string())?;
        w.set_meta("created_at", &format_timestamp(w.now))?;
        w.changed = true;
        Ok(w)
    }

    /// A copy of the existing database (which must have our schema version).
    pub(crate) fn from_existing(target: &Path) -> Result<Writer> {
        let tmp = new_temp(target)?;
        std::fs::copy(target, &tmp).map_err(Error::io("copying database", target))?;
        let conn = open_rw(&tmp)?;
        check_schema(&conn, target)?;
        let dict = load_dict(&conn, target)?;
        Writer::start(conn, tmp, target, dict.as_deref())
    }

    fn start(
        conn: Connection,
        tmp: TempPath,
        target: &Path,
        dict: Option<&[u8]>,
    ) -> Result<Writer> {
        conn.execute_batch(
            "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; \
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; BEGIN IMMEDIATE;",
        )
        .map_err(Error::sql(&tmp, "starting transaction"))?;
        let enc = Encoder::new(dict).map_err(|reason| Error::Task {
            path: target.to_path_buf(),
            reason,
        })?;
        Ok(Writer {
            conn,
            tmp,
            target: target.to_path_buf(),
            enc,
            now: OffsetDateTime::now_utc(),
            cancel: None,
            changed: false,
        })
    }

    /// Makes every later call fail with [`Error::Cancelled`] once `flag` is set.
    pub(crate) fn set_cancel(&mut self, flag: Arc<AtomicBool>) {
        self.cancel = Some(flag);
    }

    fn check_cancel(&self) -> Result<()> {
        match &self.cancel {
            Some(f) if f.load(Ordering::SeqCst) => Err(Error::Cancelled {
                path: self.target.clone(),
            }),
            _ => Ok(()),
        }
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.now
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(Error::sql(&self.tmp, "writing meta"))?;
        Ok(())
    }

    /// Detaches every record from `feed` (records no other feed holds are
    /// deleted at [`Writer::finish`] unless put back before).
    pub(crate) fn clear_feed(&mut self, feed: &str) -> Result<()> {
        self.changed = true;
        self.conn
            .execute("DELETE FROM feed_records WHERE ecosystem = ?1", [feed])
            .map_err(Error::sql(&self.tmp, "clearing feed"))?;
        Ok(())
    }

    /// Stores (adds or replaces) one non-withdrawn record under `feed`.
    pub(crate) fn put(&mut self, feed: &str, raw: &[u8], rec: &Vulnerability) -> Result<Put> {
        self.check_cancel()?;
        self.changed = true;
        let path = self.tmp.to_path_buf();
        let sql = |ctx| Error::sql(&path, ctx);
        let existed = self
            .conn
            .prepare_cached("SELECT 1 FROM vulns WHERE id = ?1")
            .map_err(sql("preparing"))?
            .exists([&rec.id])
            .map_err(sql("looking up record"))?;
        if existed {
            self.conn
                .prepare_cached("DELETE FROM affected WHERE vuln_id = ?1")
                .map_err(sql("preparing"))?
                .execute([&rec.id])
                .map_err(sql("deleting affected rows"))?;
        }
        let blob = self.enc.record(raw).map_err(|reason| Error::Task {
            path: path.clone(),
            reason,
        })?;
        let aliases = serde_json::to_string(&rec.aliases).unwrap_or_else(|_| "[]".into());
        let severity = serde_json::to_string(&rec.severity).unwrap_or_else(|_| "[]".into());
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO vulns (id, modified, published, summary, aliases, severity, record) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(sql("preparing"))?
            .execute(params![
                rec.id,
                rec.modified,
                rec.published,
                rec.summary,
                aliases,
                severity,
                blob
            ])
            .map_err(sql("inserting record"))?;
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO feed_records (ecosystem, vuln_id) VALUES (?1, ?2)",
            )
            .map_err(sql("preparing"))?
            .execute(params![feed, rec.id])
            .map_err(sql("inserting feed record"))?;
        for (ord, affected) in rec.affected.iter().enumerate() {
            let Some(pkg) = &affected.package else {
                continue;
            };
            if pkg.name.trim().is_empty() {
                continue;
            }
            let eco = pkg.ecosystem.trim();
            let base = ecosystem_base(eco);
            let norm = normalize_name(base, &pkg.name);
            let blob = self.enc.affected(affected).map_err(|reason| Error::Task {
                path: path.clone(),
                reason,
            })?;
            self.conn
                .prepare_cached(
                    "INSERT INTO affected (vuln_id, ord, ecosystem, ecosystem_base, name_normalised, affected) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(sql("preparing"))?
                .execute(params![rec.id, ord as i64, eco, base, norm, blob])
                .map_err(sql("inserting affected row"))?;
        }
        Ok(if existed { Put::Updated } else { Put::Added })
    }

    /// Removes a withdrawn record: it leaves every feed (a withdrawal is
    /// about the advisory, whichever feed delivered it) and is deleted at
    /// `finish`. Returns whether it was stored.
    pub(crate) fn remove(&mut self, id: &str) -> Result<bool> {
        self.check_cancel()?;
        let n = self
            .conn
            .execute("DELETE FROM feed_records WHERE vuln_id = ?1", params![id])
            .map_err(Error::sql(&self.tmp, "removing record"))?;
        if n > 0 {
            self.changed = true;
        }
        Ok(n > 0)
    }

    /// The stored state of a feed, if the feed exists.
    pub(crate) fn feed_state(&self, feed: &str) -> Result<Option<FeedState>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT ecosystem, last_modified, zip_etag, zip_last_modified, csv_etag, \
                 csv_last_modified FROM feeds WHERE ecosystem = ?1",
                [feed],
                |r| {
                    Ok(FeedState {
                        ecosystem: r.get(0)?,
                        last_modified: r.get(1)?,
                        zip_etag: r.get(2)?,
                        zip_last_modified: r.get(3)?,
                        csv_etag: r.get(4)?,
                        csv_last_modified: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(Error::sql(&self.tmp, "reading feed"))
    }

    /// Writes the feed row (cursor and validators) as given.
    pub(crate) fn set_feed(&mut self, state: &FeedState, source: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO feeds (ecosystem, source, last_modified, zip_etag, zip_last_modified, \
                 csv_etag, csv_last_modified, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT(ecosystem) DO UPDATE SET source = excluded.source, \
                 last_modified = excluded.last_modified, zip_etag = excluded.zip_etag, \
                 zip_last_modified = excluded.zip_last_modified, csv_etag = excluded.csv_etag, \
                 csv_last_modified = excluded.csv_last_modified, updated_at = excluded.updated_at",
                params![
                    state.ecosystem,
                    source,
                    state.last_modified,
                    state.zip_etag,
                    state.zip_last_modified,
                    state.csv_etag,
                    state.csv_last_modified,
                    format_timestamp(self.now)
                ],
            )
            .map_err(Error::sql(&self.tmp, "writing feed"))?;
        Ok(())
    }

    /// Number of records `feed` currently holds.
    pub(crate) fn feed_count(&self, feed: &str) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM feed_records WHERE ecosystem = ?1",
                [feed],
                |r| r.get(0),
            )
            .map_err(Error::sql(&self.tmp, "counting feed"))?;
        Ok(n.max(0).unsigned_abs())
    }

    /// Commits, compacts if worthwhile, syncs and renames over the target.
    /// Returns the size of the new database file.
    pub(crate) fn finish(self, source: Option<&str>) -> Result<u64> {
        self.check_cancel()?;
        let path = self.tmp.to_path_buf();
        let sql = |ctx| Error::sql(&path, ctx);
        let now = format_timestamp(self.now);
        self.conn
            .execute_batch(
                "DELETE FROM affected WHERE vuln_id NOT IN (SELECT vuln_id FROM feed_records); \
                 DELETE FROM vulns WHERE id NOT IN (SELECT vuln_id FROM feed_records); \
                 UPDATE feeds SET record_count = \
                   (SELECT count(*) FROM feed_records f WHERE f.ecosystem = feeds.ecosystem);",
            )
            .map_err(sql("removing orphans"))?;
        let count = |q: &str| -> Result<i64> {
            self.conn
                .query_row(q, [], |r| r.get::<_, i64>(0))
                .map_err(Error::sql(&path, "counting"))
        };
        let total_records = count("SELECT count(*) FROM vulns")?;
        let total_affected = count("SELECT count(*) FROM affected")?;
        if self.changed {
            self.set_meta("built_at", &now)?;
        }
        self.set_meta("checked_at", &now)?;
        if let Some(source) = source {
            self.set_meta("source", source)?;
        }
        self.set_meta("total_records", &total_records.to_string())?;
        self.set_meta("total_affected", &total_affected.to_string())?;
        self.set_meta(
            "generator",
            concat!("customs-advisory ", env!("CARGO_PKG_VERSION")),
        )?;
        self.conn
            .execute_batch("COMMIT;")
            .map_err(sql("committing"))?;
        if self.changed {
            let pages = count("PRAGMA page_count")?;
            let free = count("PRAGMA freelist_count")?;
            if free * 5 > pages {
                self.conn.execute_batch("VACUUM;").map_err(sql("vacuum"))?;
            }
            self.conn
                .execute_batch("ANALYZE;")
                .map_err(sql("analyze"))?;
        }
        self.check_cancel()?;
        let Writer {
            conn, tmp, target, ..
        } = self;
        conn.close()
            .map_err(|(_, e)| Error::sql(&path, "closing")(e))?;
        let file = File::open(&tmp).map_err(Error::io("opening", &tmp))?;
        file.sync_all().map_err(Error::io("syncing", &tmp))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        drop(file);
        set_permissions(&tmp, &target);
        tmp.persist(&target).map_err(|e| Error::Io {
            action: "renaming the new database onto",
            path: target.clone(),
            source: e.error,
        })?;
        if let Ok(d) = File::open(target_dir(&target)) {
            // Makes the rename durable; not supported everywhere, so best effort.
            let _ = d.sync_all();
        }
        Ok(size)
    }
}

fn new_temp(target: &Path) -> Result<TempPath> {
    let dir = target_dir(target);
    std::fs::create_dir_all(&dir).map_err(Error::io("creating directory", &dir))?;
    let file = tempfile::Builder::new()
        .prefix(&temp_db_prefix(target))
        .tempfile_in(&dir)
        .map_err(Error::io("creating temporary file in", &dir))?;
    Ok(file.into_temp_path())
}

fn open_rw(path: &Path) -> Result<Connection> {
    Connection::open(path).map_err(Error::sql(path, "opening temporary database"))
}

/// The new file gets the old database's permissions, or 0644 for a new one
/// (temporary files are created 0600).
fn set_permissions(tmp: &Path, target: &Path) {
    let perms = match std::fs::metadata(target) {
        Ok(m) => Some(m.permissions()),
        Err(_) => default_permissions(tmp),
    };
    if let Some(p) = perms {
        let _ = std::fs::set_permissions(tmp, p);
    }
}

#[cfg(unix)]
fn default_permissions(_tmp: &Path) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(_tmp: &Path) -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temps(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    }

    #[test]
    fn cancelled_build_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("advisory.db");
        let mut w = Writer::fresh(&target, None).unwrap();
        let rec = crate::osv::parse_record(br#"{"id": "C-1", "modified": "2024-01-01T00:00:00Z"}"#)
            .unwrap();
        w.put("npm", b"{}", &rec).unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        w.set_cancel(flag.clone());
        flag.store(true, Ordering::SeqCst);
        assert!(matches!(
            w.put("npm", b"{}", &rec),
            Err(Error::Cancelled { .. })
        ));
        assert!(matches!(w.finish(None), Err(Error::Cancelled { .. })));
        assert!(!target.exists());
        assert!(temps(dir.path()).is_empty(), "{:?}", temps(dir.path()));
    }

    #[test]
    fn finished_build_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("advisory.db");
        let w = Writer::fresh(&target, None).unwrap();
        let size = w.finish(Some("test")).unwrap();
        assert_eq!(std::fs::metadata(&target).unwrap().len(), size);
        assert!(temps(dir.path()).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        // A copy of it, modified and finished, replaces it.
        let mut w = Writer::from_existing(&target).unwrap();
        let rec = crate::osv::parse_record(br#"{"id": "C-2"}"#).unwrap();
        assert_eq!(w.put("npm", b"{\"id\":\"C-2\"}", &rec).unwrap(), Put::Added);
        w.finish(None).unwrap();
        let db = crate::Db::open(&target).unwrap();
        assert_eq!(db.status().total_records, 1);
        assert_eq!(db.status().source, "test");
        assert!(temps(dir.path()).is_empty());
    }
}
