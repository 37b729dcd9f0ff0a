//! The seam the matcher uses: [`AdvisoryStore`], implemented by the SQLite
//! [`Db`] and by the in-memory [`MemoryStore`] (for tests of matchers).

use std::collections::HashMap;

use crate::db::{AffectedCandidate, Db};
use crate::ecosystem::{ecosystem_base, normalize_name};
use crate::error::Result;
use crate::osv::Vulnerability;

/// Read access to advisories by package.
pub trait AdvisoryStore {
    /// Affected entries for a package; see [`Db::affected_for`] for the
    /// ecosystem (base or full) and name rules.
    fn affected_for(&self, ecosystem: &str, name: &str) -> Result<Vec<AffectedCandidate>>;
    /// One full record by id.
    fn vulnerability(&self, id: &str) -> Result<Option<Vulnerability>>;
}

impl AdvisoryStore for Db {
    fn affected_for(&self, ecosystem: &str, name: &str) -> Result<Vec<AffectedCandidate>> {
        Db::affected_for(self, ecosystem, name)
    }

    fn vulnerability(&self, id: &str) -> Result<Option<Vulnerability>> {
        Db::vulnerability(self, id)
    }
}

/// Advisories held in memory, indexed like the database. Withdrawn records
/// are ignored, as at import.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    records: HashMap<String, Vulnerability>,
    /// (lowercase base ecosystem, normalised name) → (id, affected index).
    index: HashMap<(String, String), Vec<(String, usize)>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a record.
    pub fn insert(&mut self, v: Vulnerability) {
        self.remove(&v.id);
        if v.is_withdrawn() {
            return;
        }
        for (i, a) in v.affected.iter().enumerate() {
            let Some(pkg) = &a.package else { continue };
            if pkg.name.trim().is_empty() {
                continue;
            }
            let base = ecosystem_base(&pkg.ecosystem).to_ascii_lowercase();
            let name = normalize_name(&base, &pkg.name);
            self.index
                .entry((base, name))
                .or_default()
                .push((v.id.clone(), i));
        }
        self.records.insert(v.id.clone(), v);
    }

    /// Removes a record; returns whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        if self.records.remove(id).is_none() {
            return false;
        }
        for entries in self.index.values_mut() {
            entries.retain(|(vid, _)| vid != id);
        }
        true
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl FromIterator<Vulnerability> for MemoryStore {
    fn from_iter<T: IntoIterator<Item = Vulnerability>>(iter: T) -> Self {
        let mut s = MemoryStore::new();
        for v in iter {
            s.insert(v);
        }
        s
    }
}

impl AdvisoryStore for MemoryStore {
    fn affected_for(&self, ecosystem: &str, name: &str) -> Result<Vec<AffectedCandidate>> {
        let ecosystem = ecosystem.trim();
        let base = ecosystem_base(ecosystem).to_ascii_lowercase();
        let full = ecosystem.contains(':').then_some(ecosystem);
        let key = (base.clone(), normalize_name(&base, name));
        let mut out: Vec<AffectedCandidate> = self
            .index
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|(id, i)| {
                let a = self.records.get(id)?.affected.get(*i)?;
                let eco = a.ecosystem().trim();
                if full.is_some_and(|f| !f.eq_ignore_ascii_case(eco)) {
                    return None;
                }
                Some(AffectedCandidate {
                    vuln_id: id.clone(),
                    ecosystem: eco.to_owned(),
                    affected: a.clone(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.vuln_id.cmp(&b.vuln_id));
        Ok(out)
    }

    fn vulnerability(&self, id: &str) -> Result<Option<Vulnerability>> {
        Ok(self.records.get(id).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::parse_record;

    #[test]
    fn memory_store_matches_db_rules() {
        let v = parse_record(
            br#"{"id": "M-1", "modified": "2024-01-01T00:00:00Z", "affected": [
                {"package": {"ecosystem": "Debian:11", "name": "OpenSSL"}},
                {"package": {"ecosystem": "Debian:10", "name": "openssl"}},
                {"package": {"ecosystem": "PyPI", "name": "Foo_Bar"}}]}"#,
        )
        .unwrap();
        let w = parse_record(br#"{"id": "M-2", "withdrawn": "2024-01-01T00:00:00Z"}"#).unwrap();
        let store: MemoryStore = [v, w].into_iter().collect();
        assert_eq!(store.len(), 1);
        let s: &dyn AdvisoryStore = &store;
        assert_eq!(s.affected_for("Debian", "openssl").unwrap().len(), 2);
        assert_eq!(s.affected_for("debian:11", "openssl").unwrap().len(), 1);
        assert_eq!(s.affected_for("PyPI", "foo.bar").unwrap().len(), 1);
        assert!(s.affected_for("npm", "foo.bar").unwrap().is_empty());
        assert!(s.vulnerability("M-1").unwrap().is_some());
        assert!(s.vulnerability("M-2").unwrap().is_none());
    }
}
