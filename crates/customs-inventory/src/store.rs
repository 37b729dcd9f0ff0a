//! The store: opening, adding, listing and loading inventories.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use customs_advisory::{ecosystem_base, normalize_name};
use customs_match::{Resolution, SkipReason, target_for};
use customs_types::{ImageSummary, Inventory, OsInfo, Package, VulnFinding};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};
use crate::query::kind_name;
use crate::schema::{CREATE, KIND, SCHEMA_VERSION};

/// One inventory to store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredInventory {
    /// The image's identity: [`StoredInventory::digest_of`].
    pub digest: String,
    /// The reference or path as given.
    pub reference: String,
    /// The kind of source (`oci-dir`, `docker-archive`, `registry`,
    /// `sbom:cyclonedx`, ...).
    pub source: String,
    /// When it was added, RFC 3339.
    pub added_at: String,
    /// Its OS and packages.
    pub inventory: Inventory,
}

impl StoredInventory {
    /// The identity of an image: its manifest digest, else its config
    /// digest, else `sha256:` of its name (a directory, an SBOM without a
    /// digest).
    pub fn digest_of(summary: &ImageSummary) -> String {
        if let Some(d) = &summary.manifest_digest {
            return d.to_string();
        }
        if let Some(d) = &summary.config_digest {
            return d.to_string();
        }
        format!(
            "sha256:{}",
            hex::encode(Sha256::digest(summary.name.as_bytes()))
        )
    }
}

/// A stored image, as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    /// The digest it is stored under.
    pub digest: String,
    /// The reference given last.
    pub reference: String,
    /// Every reference it was added under, first first.
    pub references: Vec<String>,
    /// The kind of source.
    pub source: String,
    /// When it was (last) added, RFC 3339.
    pub added_at: String,
    /// Its OS, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    /// Packages stored.
    pub packages: u64,
    /// Findings of its last match (add with a DB, or rescan); `None` when
    /// never matched.
    pub findings: Option<u64>,
    /// When it was last matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_at: Option<String>,
}

/// What [`Store::add`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddOutcome {
    /// The image as stored now.
    pub image: ImageInfo,
    /// An image with this digest was stored before and was replaced.
    pub replaced: bool,
}

/// A finding as stored per image (the identity of a finding across
/// rescans is its id, package name, version, kind and location).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StoredFinding {
    /// The finding's id (CVE when there is one, else GHSA, else the record's).
    pub id: String,
    /// The package name.
    pub package: String,
    /// Its installed version.
    pub version: String,
    /// The package kind.
    pub kind: String,
    /// Where the package was found.
    pub location: String,
    /// Its purl.
    pub purl: String,
    /// The lowest fixed version above the installed one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// Severity (`HIGH`, ...).
    pub severity: String,
    /// The finding's other ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl StoredFinding {
    /// The stored form of a matcher finding.
    pub fn from_finding(f: &VulnFinding) -> StoredFinding {
        StoredFinding {
            id: f.id.clone(),
            package: f.package.name.clone(),
            version: f.package.version.clone(),
            kind: f.package.kind.as_str().to_owned(),
            location: f.package.location.clone(),
            purl: f.package.purl.clone(),
            fixed_version: f.fixed_version.clone(),
            severity: f.severity.as_str().to_owned(),
            aliases: f.aliases.clone(),
        }
    }

    /// The identity compared across rescans.
    pub(crate) fn key(&self) -> (&str, &str, &str, &str, &str) {
        (
            &self.id,
            &self.package,
            &self.version,
            &self.kind,
            &self.location,
        )
    }
}

/// The embedded inventory store (one SQLite file).
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

/// The keys a package is indexed under: (base ecosystem or kind, normalised
/// name, version compared under that name).
fn package_keys(
    pkg: &Package,
    os: Option<&OsInfo>,
) -> (Option<String>, Vec<(String, String, String)>) {
    let mut keys: Vec<(String, String, String)> = Vec::new();
    let mut push = |k: (String, String, String)| {
        if !keys.contains(&k) {
            keys.push(k);
        }
    };
    let resolution = match target_for(pkg, os) {
        Resolution::Skip(SkipReason::OsManaged { .. }) => {
            // still findable under its own ecosystem (matching skips it)
            let mut p = pkg.clone();
            p.os_managed = None;
            target_for(&p, os)
        }
        r => r,
    };
    let mut ecosystem = None;
    if let Resolution::Match(t) = &resolution {
        let base = ecosystem_base(&t.ecosystem).to_owned();
        for n in &t.names {
            push((
                base.clone(),
                normalize_name(&t.ecosystem, n),
                t.version.clone(),
            ));
        }
        push((
            base,
            normalize_name(&t.ecosystem, &pkg.name),
            pkg.version.trim().to_owned(),
        ));
        ecosystem = Some(t.ecosystem.clone());
    }
    let kind = pkg.kind.as_str().to_owned();
    push((
        kind.clone(),
        kind_name(pkg.kind, &pkg.name),
        pkg.version.trim().to_owned(),
    ));
    if let Some(src) = pkg.source_name.as_deref().filter(|s| !s.trim().is_empty()) {
        let v = pkg
            .source_version
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(&pkg.version);
        push((kind, kind_name(pkg.kind, src), v.trim().to_owned()));
    }
    (ecosystem, keys)
}

fn now_rfc3339() -> String {
    // the store does not depend on a time crate; the caller's clock is used
    // for `added_at` and `matched_at`, this is only a fallback
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("@{secs}")
}

impl Store {
    /// Opens the store at `path`, creating the file (and its directory) and
    /// the schema when missing. A file that is not a customs inventory store
    /// (another database, a damaged file) is an error naming it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        match std::fs::metadata(&path) {
            Ok(m) if !m.is_file() => {
                return Err(Error::NotAStore {
                    path,
                    reason: "not a regular file".into(),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(Error::io("creating", dir))?;
                }
            }
            Err(e) => return Err(Error::io("reading", &path)(e)),
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(Error::sql(&path, "opening"))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(Error::sql(&path, "setting the busy timeout"))?;
        conn.set_prepared_statement_cache_capacity(32);
        let store = Store { conn, path };
        store.check_or_create()?;
        Ok(store)
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_or_create(&self) -> Result<()> {
        let p = &self.path;
        let tables: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(Error::sql(p, "reading the schema"))?;
        if tables == 0 {
            let tx_sql = format!(
                "BEGIN;{CREATE}\nINSERT INTO meta(key, value) VALUES ('kind', '{KIND}'), \
                 ('schema_version', '{SCHEMA_VERSION}');COMMIT;"
            );
            return self
                .conn
                .execute_batch(&tx_sql)
                .map_err(Error::sql(p, "creating the schema"));
        }
        let meta = |key: &str| -> Result<Option<String>> {
            match self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
            {
                Ok(v) => Ok(v),
                Err(e) if e.to_string().contains("no such table") => Err(Error::NotAStore {
                    path: p.clone(),
                    reason: "an SQLite database without customs inventory tables".into(),
                }),
                Err(e) => Err(Error::sql(p, "reading meta")(e)),
            }
        };
        if meta("kind")?.as_deref() != Some(KIND) {
            return Err(Error::NotAStore {
                path: p.clone(),
                reason: "an SQLite database of something else (meta.kind is not customs-inventory)"
                    .into(),
            });
        }
        match meta("schema_version")? {
            Some(v) if v.trim() == SCHEMA_VERSION.to_string() => Ok(()),
            Some(v) => Err(Error::SchemaMismatch {
                path: p.clone(),
                found: v,
                expected: SCHEMA_VERSION,
            }),
            None => Err(Error::NotAStore {
                path: p.clone(),
                reason: "meta has no schema_version".into(),
            }),
        }
    }

    /// Stores an inventory. An image with the same digest is replaced (one
    /// row per digest); the reference is added to its list of references.
    /// Findings stored for it by an earlier match are kept until the next
    /// match, so a rescan compares with them.
    pub fn add(&mut self, inv: &StoredInventory) -> Result<AddOutcome> {
        let p = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(Error::sql(&p, "starting a transaction"))?;
        let old: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, refs FROM images WHERE digest = ?1",
                [&inv.digest],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(Error::sql(&p, "looking up the digest"))?;
        let os_json = inv
            .inventory
            .os
            .as_ref()
            .map(|o| serde_json::to_string(o).unwrap_or_default());
        let count = inv.inventory.packages.len() as i64;
        let (id, replaced) = match old {
            Some((id, refs)) => {
                let mut refs: Vec<String> = serde_json::from_str(&refs).unwrap_or_default();
                if !refs.contains(&inv.reference) {
                    refs.push(inv.reference.clone());
                }
                tx.execute(
                    "UPDATE images SET reference = ?2, refs = ?3, source = ?4, added_at = ?5, \
                     os = ?6, package_count = ?7 WHERE id = ?1",
                    params![
                        id,
                        inv.reference,
                        serde_json::to_string(&refs).unwrap_or_default(),
                        inv.source,
                        inv.added_at,
                        os_json,
                        count
                    ],
                )
                .map_err(Error::sql(&p, "updating the image"))?;
                tx.execute("DELETE FROM packages WHERE image_id = ?1", [id])
                    .map_err(Error::sql(&p, "removing the old packages"))?;
                tx.execute("DELETE FROM package_keys WHERE image_id = ?1", [id])
                    .map_err(Error::sql(&p, "removing the old packages"))?;
                (id, true)
            }
            None => {
                tx.execute(
                    "INSERT INTO images (digest, reference, refs, source, added_at, os, \
                     package_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        inv.digest,
                        inv.reference,
                        serde_json::to_string(&[&inv.reference]).unwrap_or_default(),
                        inv.source,
                        inv.added_at,
                        os_json,
                        count
                    ],
                )
                .map_err(Error::sql(&p, "adding the image"))?;
                (tx.last_insert_rowid(), false)
            }
        };
        {
            let mut put_pkg = tx
                .prepare_cached(
                    "INSERT INTO packages (image_id, ord, name, version, kind, purl, source_name, \
                     source_version, location, layer, ecosystem, data) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(Error::sql(&p, "preparing the package insert"))?;
            let mut put_key = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO package_keys (eco_base, name_norm, image_id, ord, \
                     version) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(Error::sql(&p, "preparing the key insert"))?;
            let os = inv.inventory.os.as_ref();
            for (ord, pkg) in inv.inventory.packages.iter().enumerate() {
                let (ecosystem, keys) = package_keys(pkg, os);
                let mut slim = pkg.clone();
                slim.files.clear();
                let data = serde_json::to_string(&slim).map_err(|e| Error::Corrupt {
                    path: p.clone(),
                    what: format!("package {} {}", pkg.name, pkg.version),
                    reason: e.to_string(),
                })?;
                put_pkg
                    .execute(params![
                        id,
                        ord as i64,
                        pkg.name,
                        pkg.version,
                        pkg.kind.as_str(),
                        pkg.purl,
                        pkg.source_name,
                        pkg.source_version,
                        pkg.location,
                        pkg.layer,
                        ecosystem,
                        data
                    ])
                    .map_err(Error::sql(&p, "storing a package"))?;
                for (eco, name, version) in keys {
                    put_key
                        .execute(params![eco, name, id, ord as i64, version])
                        .map_err(Error::sql(&p, "indexing a package"))?;
                }
            }
        }
        tx.commit().map_err(Error::sql(&p, "committing"))?;
        let image = self.image(&inv.digest)?.ok_or_else(|| Error::NotAStore {
            path: p.clone(),
            reason: "the image just added is not there".into(),
        })?;
        Ok(AddOutcome { image, replaced })
    }

    const IMAGE_COLUMNS: &'static str = "i.digest, i.reference, i.refs, i.source, i.added_at, i.os, \
         i.package_count, i.matched_at, \
         (SELECT count(*) FROM findings f WHERE f.image_id = i.id), i.id";

    fn image_row(&self, r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, ImageInfo)> {
        let refs: String = r.get(2)?;
        let os: Option<String> = r.get(5)?;
        let matched_at: Option<String> = r.get(7)?;
        let findings: i64 = r.get(8)?;
        Ok((
            r.get(9)?,
            ImageInfo {
                digest: r.get(0)?,
                reference: r.get(1)?,
                references: serde_json::from_str(&refs).unwrap_or_default(),
                source: r.get(3)?,
                added_at: r.get(4)?,
                os: os.and_then(|o| serde_json::from_str(&o).ok()),
                packages: r.get::<_, i64>(6)?.max(0).unsigned_abs(),
                findings: matched_at.as_ref().map(|_| findings.max(0).unsigned_abs()),
                matched_at,
            },
        ))
    }

    /// One stored image by digest.
    pub fn image(&self, digest: &str) -> Result<Option<ImageInfo>> {
        Ok(self.image_with_id(digest)?.map(|(_, i)| i))
    }

    pub(crate) fn image_with_id(&self, digest: &str) -> Result<Option<(i64, ImageInfo)>> {
        let sql = format!(
            "SELECT {} FROM images i WHERE i.digest = ?1",
            Self::IMAGE_COLUMNS
        );
        self.conn
            .query_row(&sql, [digest], |r| self.image_row(r))
            .optional()
            .map_err(Error::sql(&self.path, "reading an image"))
    }

    pub(crate) fn image_by_id(&self, id: i64) -> Result<ImageInfo> {
        let sql = format!(
            "SELECT {} FROM images i WHERE i.id = ?1",
            Self::IMAGE_COLUMNS
        );
        self.conn
            .query_row(&sql, [id], |r| self.image_row(r))
            .map(|(_, i)| i)
            .map_err(Error::sql(&self.path, "reading an image"))
    }

    /// Every stored image, by reference then digest.
    pub fn list(&self) -> Result<Vec<ImageInfo>> {
        Ok(self.list_with_ids()?.into_iter().map(|(_, i)| i).collect())
    }

    pub(crate) fn list_with_ids(&self) -> Result<Vec<(i64, ImageInfo)>> {
        let sql = format!(
            "SELECT {} FROM images i ORDER BY i.reference, i.digest",
            Self::IMAGE_COLUMNS
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(Error::sql(&self.path, "listing images"))?;
        let rows = stmt
            .query_map([], |r| self.image_row(r))
            .map_err(Error::sql(&self.path, "listing images"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::sql(&self.path, "listing images"))
    }

    /// The stored inventory of an image (packages without their file lists).
    pub fn inventory(&self, digest: &str) -> Result<Option<Inventory>> {
        let Some((id, info)) = self.image_with_id(digest)? else {
            return Ok(None);
        };
        Ok(Some(self.load_inventory(id, &info, None)?))
    }

    /// The OS and the packages of image `id` (those at `ords`, or all).
    pub(crate) fn load_inventory(
        &self,
        id: i64,
        info: &ImageInfo,
        ords: Option<&BTreeSet<i64>>,
    ) -> Result<Inventory> {
        let p = &self.path;
        let mut packages = Vec::new();
        let decode = |ord: i64, data: String| -> Result<Package> {
            serde_json::from_str(&data).map_err(|e| Error::Corrupt {
                path: p.clone(),
                what: format!("package {ord} of image {}", info.digest),
                reason: e.to_string(),
            })
        };
        match ords {
            Some(ords) => {
                let mut stmt = self
                    .conn
                    .prepare_cached("SELECT data FROM packages WHERE image_id = ?1 AND ord = ?2")
                    .map_err(Error::sql(p, "preparing a package lookup"))?;
                for &ord in ords {
                    let data: Option<String> = stmt
                        .query_row(params![id, ord], |r| r.get(0))
                        .optional()
                        .map_err(Error::sql(p, "reading a package"))?;
                    if let Some(d) = data {
                        packages.push(decode(ord, d)?);
                    }
                }
            }
            None => {
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "SELECT ord, data FROM packages WHERE image_id = ?1 ORDER BY ord",
                    )
                    .map_err(Error::sql(p, "preparing a package lookup"))?;
                let rows = stmt
                    .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                    .map_err(Error::sql(p, "reading packages"))?;
                for row in rows {
                    let (ord, data) = row.map_err(Error::sql(p, "reading a package"))?;
                    packages.push(decode(ord, data)?);
                }
            }
        }
        Ok(Inventory {
            os: info.os.clone(),
            packages,
            unknowns: Vec::new(),
        })
    }

    /// The findings stored for an image by its last match, sorted.
    pub fn findings(&self, digest: &str) -> Result<Option<Vec<StoredFinding>>> {
        let Some((id, info)) = self.image_with_id(digest)? else {
            return Ok(None);
        };
        if info.matched_at.is_none() {
            return Ok(None);
        }
        self.findings_of(id).map(Some)
    }

    pub(crate) fn findings_of(&self, id: i64) -> Result<Vec<StoredFinding>> {
        let p = &self.path;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT vuln_id, package, version, kind, location, purl, fixed_version, severity, \
                 aliases FROM findings WHERE image_id = ?1",
            )
            .map_err(Error::sql(p, "preparing a findings lookup"))?;
        let rows = stmt
            .query_map([id], |r| {
                let aliases: String = r.get(8)?;
                Ok(StoredFinding {
                    id: r.get(0)?,
                    package: r.get(1)?,
                    version: r.get(2)?,
                    kind: r.get(3)?,
                    location: r.get(4)?,
                    purl: r.get(5)?,
                    fixed_version: r.get(6)?,
                    severity: r.get(7)?,
                    aliases: serde_json::from_str(&aliases).unwrap_or_default(),
                })
            })
            .map_err(Error::sql(p, "reading findings"))?;
        let mut out = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::sql(p, "reading findings"))?;
        out.sort();
        Ok(out)
    }

    /// Replaces the findings stored for an image (the result of matching it
    /// against `db_label`'s DB at `matched_at`). Returns false when no
    /// image has this digest.
    pub fn record_findings(
        &mut self,
        digest: &str,
        findings: &[VulnFinding],
        matched_at: &str,
        db_label: &str,
    ) -> Result<bool> {
        let Some((id, _)) = self.image_with_id(digest)? else {
            return Ok(false);
        };
        let rows: Vec<StoredFinding> = findings.iter().map(StoredFinding::from_finding).collect();
        let p = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(Error::sql(&p, "starting a transaction"))?;
        write_findings(&tx, &p, id, &rows, matched_at, db_label)?;
        tx.commit().map_err(Error::sql(&p, "committing"))?;
        Ok(true)
    }
}

pub(crate) fn write_findings(
    conn: &Connection,
    p: &Path,
    id: i64,
    rows: &[StoredFinding],
    matched_at: &str,
    db_label: &str,
) -> Result<()> {
    conn.execute("DELETE FROM findings WHERE image_id = ?1", [id])
        .map_err(Error::sql(p, "removing old findings"))?;
    let mut put = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO findings (image_id, vuln_id, package, version, kind, location, \
             purl, fixed_version, severity, aliases) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(Error::sql(p, "preparing the findings insert"))?;
    for f in rows {
        put.execute(params![
            id,
            f.id,
            f.package,
            f.version,
            f.kind,
            f.location,
            f.purl,
            f.fixed_version,
            f.severity,
            serde_json::to_string(&f.aliases).unwrap_or_default()
        ])
        .map_err(Error::sql(p, "storing a finding"))?;
    }
    let matched_at = if matched_at.is_empty() {
        now_rfc3339()
    } else {
        matched_at.to_owned()
    };
    conn.execute(
        "UPDATE images SET matched_at = ?2, matched_db = ?3 WHERE id = ?1",
        params![id, matched_at, db_label],
    )
    .map_err(Error::sql(p, "updating the image"))?;
    Ok(())
}
