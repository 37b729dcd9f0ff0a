//! The SQLite schema. Bump [`SCHEMA_VERSION`] on any incompatible change:
//! `Db::open` refuses other versions and `update` rebuilds from scratch.

/// Schema version written to `meta.schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// DDL of a new database.
pub(crate) const CREATE: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per feed (osv.dev directory, e.g. "PyPI", "Debian").
CREATE TABLE feeds (
    ecosystem         TEXT PRIMARY KEY,
    source            TEXT NOT NULL,
    record_count      INTEGER NOT NULL DEFAULT 0,
    -- Incremental-update cursor, RFC 3339: the newest modified_id.csv time
    -- that is not in the future when the csv was available, otherwise the
    -- newest record `modified` that is not in the future.
    last_modified     TEXT,
    zip_etag          TEXT,
    zip_last_modified TEXT,
    csv_etag          TEXT,
    csv_last_modified TEXT,
    updated_at        TEXT NOT NULL
);

-- One row per advisory (withdrawn advisories are never stored).
CREATE TABLE vulns (
    id        TEXT PRIMARY KEY,
    modified  TEXT NOT NULL,
    published TEXT,
    summary   TEXT,
    aliases   TEXT NOT NULL,   -- JSON array
    severity  TEXT NOT NULL,   -- JSON array of {type, score}
    record    BLOB NOT NULL    -- the original record bytes, zstd (see codec)
);

-- Which feed(s) delivered which advisory (a GHSA record can be in several).
CREATE TABLE feed_records (
    ecosystem TEXT NOT NULL,
    vuln_id   TEXT NOT NULL,
    PRIMARY KEY (ecosystem, vuln_id)
) WITHOUT ROWID;
CREATE INDEX feed_records_vuln ON feed_records(vuln_id);

-- One row per affected[] entry that names a package.
CREATE TABLE affected (
    vuln_id         TEXT NOT NULL,
    ord             INTEGER NOT NULL,               -- index in affected[]
    ecosystem       TEXT NOT NULL COLLATE NOCASE,   -- e.g. "Debian:11"
    ecosystem_base  TEXT NOT NULL COLLATE NOCASE,   -- e.g. "Debian"
    name_normalised TEXT NOT NULL,
    affected        BLOB NOT NULL                   -- compact JSON of the entry, zstd
);
CREATE INDEX affected_lookup ON affected(ecosystem_base, name_normalised);
CREATE INDEX affected_vuln ON affected(vuln_id);

-- The zstd dictionary every blob above was compressed with (no row: none).
CREATE TABLE zstd_dict (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    dict BLOB NOT NULL
);
"#;

/// The matcher's query (one cached statement for base and full ecosystems):
/// `?1` base ecosystem, `?2` normalised name, `?3` full ecosystem or NULL.
pub const SELECT_AFFECTED: &str = "SELECT vuln_id, ecosystem, affected FROM affected \
     WHERE ecosystem_base = ?1 AND name_normalised = ?2 AND (?3 IS NULL OR ecosystem = ?3) \
     ORDER BY vuln_id, ord";
