//! Which stored images an advisory or a package version affects, without
//! reading any image.

use std::collections::{BTreeMap, BTreeSet};

use customs_advisory::{Db, ecosystem_base, normalize_name};
use customs_types::VulnFinding;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::query::{EcosystemQuery, VersionRange};
use crate::store::{ImageInfo, Store};

/// One stored image an advisory affects, with its findings for it (exactly
/// what a scan of the image reports for that vulnerability).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedImage {
    /// The image.
    pub image: ImageInfo,
    /// The findings naming the advisory (by id or alias): package,
    /// installed version, fixed version, severity.
    pub findings: Vec<VulnFinding>,
}

/// What [`Store::affected_by_id`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedById {
    /// The id asked for.
    pub id: String,
    /// The advisory records that have this id or list it as an alias.
    pub records: Vec<String>,
    /// The (base ecosystem, package name) pairs those records name.
    pub packages: Vec<(String, String)>,
    /// Stored images holding one of those packages (the candidates matched).
    pub candidates: usize,
    /// Images the advisory affects, by reference.
    pub images: Vec<AffectedImage>,
}

/// A stored package that a package query matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageMatch {
    /// The package name.
    pub name: String,
    /// Its installed version.
    pub version: String,
    /// The name and version the query compared (a Debian binary's source
    /// package and source version when the query named the source).
    pub matched_name: String,
    /// The version compared.
    pub matched_version: String,
    /// The package kind.
    pub kind: String,
    /// Its purl.
    pub purl: String,
    /// Where it was found.
    pub location: String,
    /// The layer that brought it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
    /// The OSV ecosystem it is matched in, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
}

/// A stored image holding packages a query matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageImage {
    /// The image.
    pub image: ImageInfo,
    /// Its matching packages.
    pub packages: Vec<PackageMatch>,
}

/// What [`Store::affected_by_package`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedByPackage {
    /// The name asked for.
    pub name: String,
    /// The ecosystem, resolved.
    pub ecosystem: EcosystemQuery,
    /// The range, as parsed (`None`: every version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// Stored packages of that name whose version does not parse in the
    /// ecosystem (not counted as matches).
    pub unparseable_versions: usize,
    /// Images holding a matching package, by reference.
    pub images: Vec<PackageImage>,
}

impl Store {
    /// The stored images an advisory affects under the current DB.
    ///
    /// `id` is any id a scan would report for the vulnerability: a record id
    /// (`PYSEC-…`, `GHSA-…`, `DSA-…`) or an alias (`CVE-…`). The records
    /// that have it as id or alias are read from `db`; only the stored
    /// packages they name are loaded (through the package index), and each
    /// candidate image's subset, with its OS, goes through the matcher
    /// ([`customs_match::match_inventory`]), so the findings are those a
    /// scan of the image gives; those naming `id` are kept. No image is
    /// read. Fails with [`Error::UnknownAdvisory`] when no record has the id.
    pub fn affected_by_id(&self, db: &Db, id: &str) -> Result<AffectedById> {
        let id = id.trim();
        let records = db
            .records_naming(id)
            .map_err(|e| Error::advisory(format!("looking up {id}"), e))?;
        if records.is_empty() {
            return Err(Error::UnknownAdvisory {
                id: id.to_owned(),
                db: db.path().to_path_buf(),
            });
        }
        let mut packages: BTreeSet<(String, String)> = BTreeSet::new();
        for rid in &records {
            let Some(v) = db
                .vulnerability(rid)
                .map_err(|e| Error::advisory(format!("reading {rid}"), e))?
            else {
                continue;
            };
            if v.is_withdrawn() {
                continue;
            }
            for a in &v.affected {
                let Some(pkg) = &a.package else { continue };
                if pkg.name.trim().is_empty() {
                    continue;
                }
                packages.insert((
                    ecosystem_base(&pkg.ecosystem).to_owned(),
                    normalize_name(&pkg.ecosystem, &pkg.name),
                ));
            }
        }
        // candidate (image, package) pairs through the index
        let mut per_image: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT image_id, ord FROM package_keys WHERE eco_base = ?1 AND name_norm = ?2",
                )
                .map_err(Error::sql(&self.path, "preparing the package index lookup"))?;
            for (eco, name) in &packages {
                let rows = stmt
                    .query_map([eco, name], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                    })
                    .map_err(Error::sql(&self.path, "looking up packages"))?;
                for row in rows {
                    let (img, ord) = row.map_err(Error::sql(&self.path, "looking up packages"))?;
                    per_image.entry(img).or_default().insert(ord);
                }
            }
        }
        let candidates = per_image.len();
        let mut images = Vec::new();
        for (img, ords) in per_image {
            let info = self.image_by_id(img)?;
            let inv = self.load_inventory(img, &info, Some(&ords))?;
            let m = customs_match::match_inventory(&inv, db).map_err(|e| Error::Match {
                image: info.digest.clone(),
                source: Box::new(e),
            })?;
            let findings: Vec<VulnFinding> = m
                .findings
                .into_iter()
                .filter(|f| f.all_ids().any(|i| i.eq_ignore_ascii_case(id)))
                .collect();
            if !findings.is_empty() {
                images.push(AffectedImage {
                    image: info,
                    findings,
                });
            }
        }
        images.sort_by(|a, b| {
            (&a.image.reference, &a.image.digest).cmp(&(&b.image.reference, &b.image.digest))
        });
        Ok(AffectedById {
            id: id.to_owned(),
            records,
            packages: packages.into_iter().collect(),
            candidates,
            images,
        })
    }

    /// The stored images holding a package `name` of `ecosystem` (an OSV
    /// ecosystem, optionally with its release, or a package kind) whose
    /// version is in `range` (every version when `None`), compared with the
    /// ecosystem's order. A Debian (Ubuntu, Alpine, ...) package answers to
    /// its source package (with the source version) and to its own name
    /// (with its own version). Needs no advisory database.
    pub fn affected_by_package(
        &self,
        name: &str,
        range: Option<&VersionRange>,
        ecosystem: &str,
    ) -> Result<AffectedByPackage> {
        let eco = EcosystemQuery::parse(ecosystem)?;
        let compiled = range.map(|r| r.compile(eco.scheme)).transpose()?;
        let norm = eco.normalize(name);
        let p = &self.path;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT k.image_id, k.version, p.name, p.version, p.kind, p.purl, p.location, \
                 p.layer, p.ecosystem, p.source_name FROM package_keys k \
                 JOIN packages p ON p.image_id = k.image_id AND p.ord = k.ord \
                 WHERE k.eco_base = ?1 AND k.name_norm = ?2 ORDER BY k.image_id, k.ord",
            )
            .map_err(Error::sql(p, "preparing the package lookup"))?;
        let rows = stmt
            .query_map([&eco.key, &norm], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<u32>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            })
            .map_err(Error::sql(p, "looking up packages"))?;
        let mut unparseable = 0;
        let mut per_image: BTreeMap<i64, Vec<PackageMatch>> = BTreeMap::new();
        for row in rows {
            let (img, key_version, pname, pversion, kind, purl, location, layer, ecosystem, src) =
                row.map_err(Error::sql(p, "looking up packages"))?;
            if let Some(release) = &eco.release
                && !ecosystem
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(release))
            {
                continue;
            }
            if let Some(c) = &compiled {
                match c.contains(&key_version) {
                    Some(true) => {}
                    Some(false) => continue,
                    None => {
                        unparseable += 1;
                        continue;
                    }
                }
            }
            let matched_name = if eco.normalize(&pname) == norm {
                pname.clone()
            } else {
                src.unwrap_or_else(|| name.to_owned())
            };
            per_image.entry(img).or_default().push(PackageMatch {
                name: pname,
                version: pversion,
                matched_name,
                matched_version: key_version,
                kind,
                purl,
                location,
                layer,
                ecosystem,
            });
        }
        let mut images = Vec::new();
        for (img, packages) in per_image {
            images.push(PackageImage {
                image: self.image_by_id(img)?,
                packages,
            });
        }
        images.sort_by(|a, b| {
            (&a.image.reference, &a.image.digest).cmp(&(&b.image.reference, &b.image.digest))
        });
        Ok(AffectedByPackage {
            name: name.to_owned(),
            ecosystem: eco,
            range: range.map(ToString::to_string),
            unparseable_versions: unparseable,
            images,
        })
    }
}
