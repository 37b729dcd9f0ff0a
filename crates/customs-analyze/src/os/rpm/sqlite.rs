//! rpm's SQLite database (`rpmdb.sqlite`, RHEL 9, Fedora 33+): table
//! `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`.
//!
//! SQLite needs a file: the bytes are copied to a private temporary file
//! and opened read-only and immutable (no locks, no `-wal`/`-shm` files,
//! which the layer would not hold anyway).

use std::io::{Read, Write};

use rusqlite::{Connection, OpenFlags, config::DbConfig};

use super::Blobs;
use crate::Content;

/// Why the database cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SqliteError {
    #[error("copying the database to a temporary file: {0}")]
    Copy(#[source] std::io::Error),
    #[error("database of {0} bytes is over the {1}-byte limit")]
    TooBig(u64, u64),
    #[error("{0}")]
    Content(String),
    #[error("opening the database: {0}")]
    Open(#[source] rusqlite::Error),
    #[error("no Packages table")]
    NoTable,
    #[error("reading the Packages table: {0}")]
    Query(#[source] rusqlite::Error),
}

/// The SQLite file header.
pub fn sniff(data: &[u8]) -> bool {
    data.starts_with(b"SQLite format 3\0")
}

/// `file:` URI of a path, escaping what a URI would read as syntax.
fn uri(path: &std::path::Path) -> String {
    let mut s = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.push_str("?immutable=1");
    s
}

/// Reads every header blob from the database in `content` (at most `limit`
/// bytes).
pub fn read(content: &mut Content<'_>, limit: u64) -> Result<Blobs, SqliteError> {
    if content.len() > limit {
        return Err(SqliteError::TooBig(content.len(), limit));
    }
    let dir = tempfile::tempdir().map_err(SqliteError::Copy)?;
    let path = dir.path().join("rpmdb.sqlite");
    {
        let mut f = std::fs::File::create(&path).map_err(SqliteError::Copy)?;
        match content.as_slice() {
            Some(b) => f.write_all(b).map_err(SqliteError::Copy)?,
            None => {
                let r = content.reader().map_err(SqliteError::Content)?;
                std::io::copy(&mut r.take(limit), &mut f).map_err(SqliteError::Copy)?;
            }
        }
        f.flush().map_err(SqliteError::Copy)?;
    }
    let out = query(&path);
    // the directory and its file go when `dir` drops
    drop(dir);
    out
}

fn query(path: &std::path::Path) -> Result<Blobs, SqliteError> {
    let conn = Connection::open_with_flags(
        uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(SqliteError::Open)?;
    // a hostile file may carry views and triggers: never run its code
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
        .map_err(SqliteError::Open)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)
        .map_err(SqliteError::Open)?;
    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages'",
            [],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(SqliteError::Open(e)),
        })?;
    if kind.as_deref() != Some("table") {
        return Err(SqliteError::NoTable);
    }
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages")
        .map_err(SqliteError::Query)?;
    let mut rows = stmt.query([]).map_err(SqliteError::Query)?;
    let mut out = Blobs::default();
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let hnum: i64 = row.get(0).unwrap_or(0);
                match row.get::<_, Vec<u8>>(1) {
                    Ok(b) => out.blobs.push((hnum.clamp(0, u32::MAX.into()) as u32, b)),
                    Err(e) => out.problems.push(format!("row {hnum}: {e}")),
                }
            }
            Ok(None) => break,
            Err(e) => {
                // a corrupt page stops the scan; keep what was read
                out.problems.push(format!("reading rows: {e}"));
                break;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_escapes() {
        assert_eq!(
            uri(std::path::Path::new("/tmp/a b?c#d/rpmdb.sqlite")),
            "file:/tmp/a%20b%3Fc%23d/rpmdb.sqlite?immutable=1"
        );
    }

    fn db_with(sql: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.sqlite");
        let c = Connection::open(&p).unwrap();
        c.execute_batch(sql).unwrap();
        drop(c);
        std::fs::read(p).unwrap()
    }

    #[test]
    fn reads_rows_and_refuses_non_tables() {
        let db = db_with(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
             INSERT INTO Packages VALUES (1, x'00010203'), (7, x'ff');",
        );
        let r = read(&mut Content::Memory(&db), 1 << 20).unwrap();
        assert_eq!(r.blobs, vec![(1, vec![0, 1, 2, 3]), (7, vec![0xff])]);
        assert!(read(&mut Content::Memory(&db), 10).is_err());

        let db = db_with(
            "CREATE TABLE Other (x); CREATE VIEW Packages AS SELECT 1 AS hnum, x'00' AS blob;",
        );
        assert!(matches!(
            read(&mut Content::Memory(&db), 1 << 20),
            Err(SqliteError::NoTable)
        ));
    }

    #[test]
    fn garbage_is_an_error() {
        for b in [&b""[..], b"SQLite format 3\0garbage", &[0u8; 4096]] {
            // an empty file opens as an empty database: no table
            assert!(read(&mut Content::Memory(b), 1 << 20).is_err());
        }
    }
}
