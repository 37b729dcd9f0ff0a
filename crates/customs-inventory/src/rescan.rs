//! Re-matching every stored inventory against the current DB, and what
//! changed since the last match.

use std::collections::BTreeSet;

use customs_advisory::Db;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::{ImageInfo, Store, StoredFinding, write_findings};

/// What a rescan found for one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RescanImage {
    /// The image (after the rescan).
    pub image: ImageInfo,
    /// When it was matched before (`None`: never; every finding is new).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_match: Option<String>,
    /// Findings now.
    pub findings: usize,
    /// Findings that were not there at the previous match.
    pub new: Vec<StoredFinding>,
    /// Findings of the previous match that are gone (a record withdrawn or
    /// changed, a fix range moved).
    pub gone: Vec<StoredFinding>,
}

/// What [`Store::rescan`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RescanReport {
    /// The DB matched against (its path and build time).
    pub db: String,
    /// When, as given by the caller.
    pub matched_at: String,
    /// Every stored image, by reference.
    pub images: Vec<RescanImage>,
}

impl RescanReport {
    /// Images with something new.
    pub fn with_new(&self) -> impl Iterator<Item = &RescanImage> {
        self.images.iter().filter(|i| !i.new.is_empty())
    }
}

/// How a DB is named in the store: its path and build time.
pub fn db_label(db: &Db) -> String {
    let s = db.status();
    match s.built_at {
        Some(t) => format!("{} (built {t})", db.path().display()),
        None => db.path().display().to_string(),
    }
}

impl Store {
    /// Matches every stored inventory against `db` (the same matcher as an
    /// image scan), stores the findings per image, and reports what is new
    /// and what is gone since each image's previous match. Everything is
    /// written in one transaction.
    pub fn rescan(&mut self, db: &Db, matched_at: &str) -> Result<RescanReport> {
        let label = db_label(db);
        let images = self.list_with_ids()?;
        let mut results = Vec::new();
        let mut writes = Vec::new();
        for (id, info) in images {
            let inv = self.load_inventory(id, &info, None)?;
            let m = customs_match::match_inventory(&inv, db).map_err(|e| Error::Match {
                image: info.digest.clone(),
                source: Box::new(e),
            })?;
            let mut now: Vec<StoredFinding> =
                m.findings.iter().map(StoredFinding::from_finding).collect();
            now.sort();
            now.dedup_by(|a, b| a.key() == b.key());
            let before = if info.matched_at.is_some() {
                self.findings_of(id)?
            } else {
                Vec::new()
            };
            let before_keys: BTreeSet<_> = before.iter().map(StoredFinding::key).collect();
            let now_keys: BTreeSet<_> = now.iter().map(StoredFinding::key).collect();
            let new: Vec<StoredFinding> = now
                .iter()
                .filter(|f| !before_keys.contains(&f.key()))
                .cloned()
                .collect();
            let gone: Vec<StoredFinding> = before
                .iter()
                .filter(|f| !now_keys.contains(&f.key()))
                .cloned()
                .collect();
            results.push((id, info, new, gone, now.len()));
            writes.push((id, now));
        }
        let p = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(Error::sql(&p, "starting a transaction"))?;
        for (id, rows) in &writes {
            write_findings(&tx, &p, *id, rows, matched_at, &label)?;
        }
        tx.commit().map_err(Error::sql(&p, "committing"))?;
        let mut out = Vec::new();
        for (id, before, new, gone, findings) in results {
            out.push(RescanImage {
                image: self.image_by_id(id)?,
                previous_match: before.matched_at,
                findings,
                new,
                gone,
            });
        }
        Ok(RescanReport {
            db: label,
            matched_at: matched_at.to_owned(),
            images: out,
        })
    }
}
