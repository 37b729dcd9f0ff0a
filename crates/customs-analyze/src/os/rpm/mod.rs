//! RPM packages: the rpm database in any of its three formats, found by
//! content (not by name):
//! - SQLite `rpmdb.sqlite` (RHEL 9, Fedora 33+): [`sqlite`];
//! - Berkeley DB hash `Packages` (RHEL 7/8, UBI 8, CentOS): [`bdb`];
//! - ndb `Packages.db` (SUSE): [`ndb`].
//!
//! Under `/var/lib/rpm/` or `/usr/lib/sysimage/rpm/`. Every entry is an rpm
//! header blob ([`header`]).

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use std::collections::HashMap;

use customs_types::{Package, PackageKind};

use crate::{Analyzer, Content, FileInfo, Sink};

/// A full RHEL 8 `Packages` is ~100 MB.
const LIMIT: u64 = 1 << 30;
/// At most this many problems are reported one by one.
const MAX_REPORTED: usize = 20;

const DIRS: &[&str] = &["/var/lib/rpm/", "/usr/lib/sysimage/rpm/"];
const NAMES: &[&str] = &["rpmdb.sqlite", "Packages", "Packages.db"];

/// Header blobs read from a database, by header number, and what could
/// not be read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Blobs {
    pub blobs: Vec<(u32, Vec<u8>)>,
    pub problems: Vec<String>,
}

/// Reads the rpm database.
pub struct Rpm;

impl Analyzer for Rpm {
    fn id(&self) -> &'static str {
        "rpm"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        DIRS.iter().any(|d| {
            file.path
                .strip_prefix(d)
                .is_some_and(|n| NAMES.contains(&n))
        })
    }

    fn analyze(
        &self,
        _file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let blobs = read_db(content)?;
        let mut problems = blobs.problems;
        let mut infos = Vec::with_capacity(blobs.blobs.len());
        for (hnum, blob) in &blobs.blobs {
            match header::read_info(blob) {
                Ok(i) => infos.push(i),
                Err(e) => problems.push(format!("header {hnum}: {e}")),
            }
        }
        for p in packages(&infos) {
            sink.package(p);
        }
        for p in problems.iter().take(MAX_REPORTED) {
            sink.unknown(p.clone());
        }
        if problems.len() > MAX_REPORTED {
            sink.unknown(format!(
                "{} more problems in the rpm database",
                problems.len() - MAX_REPORTED
            ));
        }
        Ok(())
    }
}

/// Reads the header blobs of any of the three formats.
pub fn read_db(content: &mut Content<'_>) -> Result<Blobs, String> {
    let head = {
        let mut b = [0u8; 16];
        let mut r = content.reader()?;
        let mut n = 0;
        while n < b.len() {
            match std::io::Read::read(&mut r, &mut b[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(format!("reading the database: {e}")),
            }
        }
        b[..n].to_vec()
    };
    if sqlite::sniff(&head) {
        return sqlite::read(content, LIMIT).map_err(|e| format!("rpm sqlite database: {e}"));
    }
    if ndb::sniff(&head) {
        let data = content.bytes(LIMIT)?;
        return ndb::read(&data).map_err(|e| format!("rpm ndb database: {e}"));
    }
    if bdb::sniff(&head) {
        let data = content.bytes(LIMIT)?;
        return bdb::read(&data).map_err(|e| format!("rpm Berkeley DB database: {e}"));
    }
    if head.is_empty() {
        return Err("empty rpm database".into());
    }
    Err("not an rpm database (neither SQLite, Berkeley DB hash nor ndb)".into())
}

/// Packages of the headers, with `Requires` resolved to package names
/// through `Provides`, package names and owned files.
pub fn packages(infos: &[header::RpmInfo]) -> Vec<Package> {
    let mut provider: HashMap<&str, &str> = HashMap::new();
    for i in infos {
        provider.entry(i.name.as_str()).or_insert(&i.name);
        for p in &i.provides {
            provider.entry(p.as_str()).or_insert(&i.name);
        }
    }
    let mut owner: HashMap<&str, &str> = HashMap::new();
    for i in infos {
        for f in &i.files {
            owner.entry(f.as_str()).or_insert(&i.name);
        }
    }
    let mut out = Vec::with_capacity(infos.len());
    for i in infos {
        // imported signing keys, not software
        if i.name == "gpg-pubkey" {
            continue;
        }
        let mut p = Package::new(PackageKind::Rpm, &i.name, i.evr(), "", "", "rpm");
        p.arch = i.arch.clone();
        p.licenses = i.license.iter().cloned().collect();
        let vr = if i.release.is_empty() {
            i.version.clone()
        } else {
            format!("{}-{}", i.version, i.release)
        };
        match i.source_rpm.as_deref() {
            Some(s) => {
                p.properties.insert("source_rpm".into(), s.to_string());
                match header::split_source_rpm(s) {
                    Some((n, v)) => {
                        p.source_name = Some(n.to_string());
                        p.source_version = Some(v.to_string());
                    }
                    None => {
                        p.source_name = Some(i.name.clone());
                        p.source_version = Some(vr);
                    }
                }
            }
            None => {
                p.source_name = Some(i.name.clone());
                p.source_version = Some(vr);
            }
        }
        if let Some(e) = i.epoch {
            p.properties.insert("epoch".into(), e.to_string());
        }
        if let Some(v) = &i.vendor {
            p.properties.insert("vendor".into(), v.clone());
        }
        if let Some(m) = &i.modularity_label {
            p.properties.insert("modularity_label".into(), m.clone());
        }
        for r in &i.requires {
            if r.starts_with("rpmlib(") || r.starts_with("config(") {
                continue;
            }
            let dep = provider
                .get(r.as_str())
                .or_else(|| owner.get(r.as_str()))
                .copied();
            if let Some(d) = dep
                && d != i.name
                && !p.depends_on.iter().any(|x| x == d)
            {
                p.depends_on.push(d.to_string());
            }
        }
        p.files = i.files.clone();
        p.purl = crate::purl::os_package(&p, None);
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests;
