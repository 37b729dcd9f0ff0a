//! The SQLite schema of the store. Bump [`SCHEMA_VERSION`] on any
//! incompatible change: [`Store::open`](crate::Store::open) refuses other
//! versions.

/// Schema version written to `meta.schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// `meta.kind` of a customs inventory store (tells it from customs's
/// advisory database, which also has a `meta` table).
pub(crate) const KIND: &str = "customs-inventory";

/// DDL of a new store.
pub(crate) const CREATE: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per image (or SBOM), by digest.
CREATE TABLE images (
    id            INTEGER PRIMARY KEY,
    digest        TEXT NOT NULL UNIQUE,   -- manifest, else config digest, else sha256 of the name
    reference     TEXT NOT NULL,          -- the reference given last
    refs          TEXT NOT NULL,          -- JSON array of every reference given
    source        TEXT NOT NULL,          -- oci-dir, docker-archive, registry, sbom:cyclonedx, ...
    added_at      TEXT NOT NULL,          -- RFC 3339
    os            TEXT,                   -- JSON of the OsInfo
    package_count INTEGER NOT NULL,
    matched_at    TEXT,                   -- when `findings` was last written (NULL: never matched)
    matched_db    TEXT                    -- the advisory DB then (its path and build time)
);

-- Every package of every image.
CREATE TABLE packages (
    image_id       INTEGER NOT NULL,
    ord            INTEGER NOT NULL,      -- position in the inventory
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    kind           TEXT NOT NULL,         -- deb, python, npm, ...
    purl           TEXT NOT NULL,
    source_name    TEXT,                  -- Debian source package, apk origin, source rpm
    source_version TEXT,
    location       TEXT NOT NULL,
    layer          INTEGER,
    ecosystem      TEXT,                  -- the OSV ecosystem it is matched in (Debian:12, PyPI)
    data           TEXT NOT NULL,         -- the package as JSON (file list left out)
    PRIMARY KEY (image_id, ord)
) WITHOUT ROWID;

-- How packages are found: by OSV base ecosystem (or package kind) and
-- normalised name, once per name a package answers to (a Debian binary to
-- its source package and to its own name), with the version compared under
-- that name.
CREATE TABLE package_keys (
    eco_base  TEXT NOT NULL COLLATE NOCASE,
    name_norm TEXT NOT NULL,
    image_id  INTEGER NOT NULL,
    ord       INTEGER NOT NULL,
    version   TEXT NOT NULL,
    PRIMARY KEY (eco_base, name_norm, image_id, ord)
) WITHOUT ROWID;
CREATE INDEX package_keys_image ON package_keys(image_id);

-- The findings of the last match of each image (add with a DB, rescan).
CREATE TABLE findings (
    image_id      INTEGER NOT NULL,
    vuln_id       TEXT NOT NULL,
    package       TEXT NOT NULL,
    version       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    location      TEXT NOT NULL,
    purl          TEXT NOT NULL,
    fixed_version TEXT,
    severity      TEXT NOT NULL,
    aliases       TEXT NOT NULL,          -- JSON array
    PRIMARY KEY (image_id, vuln_id, package, version, kind, location)
) WITHOUT ROWID;
"#;
