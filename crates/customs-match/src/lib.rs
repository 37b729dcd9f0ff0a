//! Exact vulnerability matching of an [`Inventory`] against OSV advisories
//! (an [`AdvisoryStore`]: the SQLite [`Db`](customs_advisory::Db) or a
//! [`MemoryStore`](customs_advisory::MemoryStore)).
//!
//! [`match_inventory`] maps each package to an OSV ecosystem
//! ([`target_for`]), reads the `affected` entries of that package, decides
//! per entry with OSV range semantics ([`affects`]), merges advisories that
//! are aliases of each other into one [`VulnFinding`] per vulnerability per
//! package, and chooses a severity. Everything it could not decide is in
//! [`MatchOutput::unknowns`], with counts in [`MatchStats`].
//!
//! # Ecosystems
//!
//! | package kind | OSV ecosystem | name | version |
//! |---|---|---|---|
//! | deb on `debian` | `Debian:<major>` (`Debian:12`) | source package (`Source:`, else the binary's name) | source version (else the binary's) |
//! | deb on `ubuntu` | `Ubuntu:<YY.MM>`, `Ubuntu:<YY.MM>:LTS` for April releases of even years | source package | source version |
//! | apk on `alpine` | `Alpine:v<major.minor>` (`Alpine:v3.19`) | origin (`source_name`) | source version, else the package's |
//! | apk on `wolfi` / `chainguard` | `Wolfi` / `Chainguard` | origin | version |
//! | rpm on `rhel` | `Red Hat:enterprise_linux:<major>` and every `:…` stream under it (`…:9::appstream`) | binary **and** source rpm name | `[epoch:]version-release` of the binary |
//! | rpm on `rocky` / `almalinux` / `mageia` | `Rocky Linux:<major>` / `AlmaLinux:<major>` / `Mageia:<major>` | source rpm name (`openssl` of `openssl-3.0.7-24.el9.src.rpm`) | source version, else the package's |
//! | rpm on `sles*` / `opensuse*` | `SUSE:<PRETTY_NAME without "SUSE ">` / `openSUSE:<… without "openSUSE ">` | source rpm name | source version, else the package's |
//! | python | `PyPI` (names compared PEP 503-normalised) | name | version |
//! | conda with `properties["pypi_name"]` | `PyPI` | the PyPI name | version |
//! | npm | `npm` | name (`@scope/name`) | version |
//! | go | `Go` | module path; the toolchain is `stdlib` | version (`go1.22.3` → `1.22.3` for `stdlib`) |
//! | cargo | `crates.io` | crate | version |
//! | maven | `Maven` and `Maven:<repository>` | `group:artifact` (`properties["group"]` + name) | version |
//! | gem | `RubyGems` | gem | version |
//! | composer | `Packagist` and `Packagist:<repository>` | `vendor/name` | version |
//! | nuget | `NuGet` | id | version |
//!
//! Not matched (counted in [`MatchStats`]): language packages whose files
//! belong to an OS package ([`Package::os_managed`](customs_types::Package)):
//! the distribution back-ports fixes and its advisories cover the owning
//! package; ML runtime components and conda packages without a PyPI name
//! (no OSV ecosystem); OS packages when the inventory has no OS or no
//! release, or a distribution without OSV data (Fedora, Amazon Linux, …),
//! which is also reported as an unknown.
//!
//! Only the image's own release is read: a `Debian:11` record never matches
//! a Debian 12 image.
//!
//! # OSV semantics
//!
//! See the [`range`](crate::affects) rules: any range or the `versions`
//! list; events sorted by version; `introduced`/`fixed`/`last_affected`/
//! `limit`; `SEMVER` ranges in SemVer precedence, `ECOSYSTEM` ranges in the
//! ecosystem's order, `GIT` ranges ignored; withdrawn records ignored; an
//! unparseable version (installed or in the record) skips that range with an
//! unknown, never a match.
//!
//! # Findings
//!
//! Advisories that matched one package and share an id through `aliases`
//! (one lists the other, or both list the same id; transitively) become one
//! finding. Its `id` is a CVE when one is among the ids (the oldest), else a
//! GHSA, else the smallest record id; `aliases` holds every other id,
//! `advisories` the records that matched. `fixed_versions` has every
//! `fixed` event of the merged advisories' entries for the package,
//! `fixed_version` the lowest one above the installed version (then status
//! `fixed`, else `affected`).
//!
//! Severity, first that applies: the CVSS vectors of the merged records and
//! of their entries for the package, scored with the `cvss` crate (the
//! highest CVSS version present, v4 > v3 > v2, and within it the highest
//! score; every vector is kept in `cvss`); the record's
//! `database_specific.severity` (GHSA `LOW`/`MODERATE`/`HIGH`/`CRITICAL`);
//! an entry's `ecosystem_specific.severity` / `database_specific.severity`
//! or an `Ubuntu` priority; the CVSS or `database_specific.severity` of an
//! alias record found in the store (CVE first); else `UNKNOWN`.
//! `severity_source` says which.

mod range;
mod severity;
mod target;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use customs_advisory::{AdvisoryStore, Affected, Vulnerability, normalize_name, parse_timestamp};
use customs_types::{FixStatus, Inventory, OsInfo, Package, PackageRef, Unknown, VulnFinding};
use serde::Serialize;

pub use range::{AffectedVerdict, MatchedBy, RangeSkip, affects};
pub use severity::{CvssRating, score_cvss};
pub use target::{EcosystemMatch, Resolution, SkipReason, Target, ecosystem_for, target_for};

use range::{Installed, VersionCache};

/// The `origin` of the unknowns this crate reports.
pub const ORIGIN: &str = "match";

/// Errors of the advisory store. Problems with single packages or records
/// are not errors: they are reported in [`MatchOutput::unknowns`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    /// Looking up the advisories of a package failed.
    #[error("looking up {ecosystem} advisories for {name:?}: {source}")]
    Lookup {
        /// The ecosystem queried.
        ecosystem: String,
        /// The package name queried.
        name: String,
        /// The store's error.
        #[source]
        source: Box<customs_advisory::Error>,
    },
    /// Reading an advisory record failed.
    #[error("reading advisory {id}: {source}")]
    Record {
        /// The advisory id.
        id: String,
        /// The store's error.
        #[source]
        source: Box<customs_advisory::Error>,
    },
}

/// Figures of a match run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MatchStats {
    /// Packages in the inventory.
    pub packages_considered: usize,
    /// Packages looked up in an OSV ecosystem.
    pub packages_matched: usize,
    /// Language packages owned by an OS package, not matched upstream.
    pub skipped_os_managed: usize,
    /// Packages without an OSV ecosystem (ML runtimes, conda without a PyPI
    /// name, Maven without a group, distributions without OSV data).
    pub skipped_no_ecosystem: usize,
    /// OS packages not matched because the OS release is unknown.
    pub skipped_no_os_release: usize,
    /// Packages whose installed version does not parse in its ecosystem.
    pub unparseable_versions: usize,
    /// Store lookups made (one per distinct ecosystem and name).
    pub lookups: usize,
    /// `affected` entries evaluated (summed over packages).
    pub candidates: usize,
    /// Ranges skipped because they could not be evaluated.
    pub ranges_skipped: usize,
    /// (package, advisory) pairs that matched.
    pub advisories_matched: usize,
    /// Matched advisories dropped because the record is withdrawn.
    pub withdrawn_ignored: usize,
    /// Findings produced.
    pub findings: usize,
}

/// What [`match_inventory`] returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MatchOutput {
    /// One finding per vulnerability per package, ordered by package
    /// (name, version, kind, location) then id.
    pub findings: Vec<VulnFinding>,
    /// What could not be decided (origin [`ORIGIN`]).
    pub unknowns: Vec<Unknown>,
    /// Counts.
    pub stats: MatchStats,
}

/// Matches every package of `inv` against `store`.
///
/// Fails only when the store fails (a broken database); the caller must not
/// treat that as "no vulnerabilities".
pub fn match_inventory(
    inv: &Inventory,
    store: &dyn AdvisoryStore,
) -> Result<MatchOutput, MatchError> {
    let mut m = Matcher {
        store,
        os: inv.os.as_ref(),
        lookups: HashMap::new(),
        hits: HashMap::new(),
        records: HashMap::new(),
        cache: VersionCache::default(),
        out: MatchOutput::default(),
        skipped: BTreeMap::new(),
        seen_unknowns: BTreeSet::new(),
    };
    for pkg in &inv.packages {
        m.package(pkg)?;
    }
    Ok(m.finish())
}

/// One advisory that matched a (target, version).
#[derive(Debug)]
struct Hit {
    id: String,
    /// The name it was found under.
    name: String,
    /// The advisory's entries for this package.
    entries: Vec<Affected>,
    /// `fixed` events of those entries.
    fixed: Vec<String>,
}

/// The advisories matching one (ecosystem, names, version), shared by the
/// binaries of one source package.
#[derive(Debug, Default)]
struct Hits {
    hits: Vec<Hit>,
}

type HitKey = (String, Vec<String>, String);

struct Matcher<'a> {
    store: &'a dyn AdvisoryStore,
    os: Option<&'a OsInfo>,
    /// (query ecosystem, normalised name) → entries.
    lookups: HashMap<(String, String), Rc<Vec<customs_advisory::AffectedCandidate>>>,
    hits: HashMap<HitKey, Rc<Hits>>,
    records: HashMap<String, Option<Rc<Vulnerability>>>,
    cache: VersionCache,
    out: MatchOutput,
    /// Aggregated skip reasons → package names.
    skipped: BTreeMap<String, Vec<String>>,
    seen_unknowns: BTreeSet<(Option<String>, String)>,
}

impl Matcher<'_> {
    fn unknown(&mut self, pkg: &Package, message: String) {
        let path = Some(pkg.location.clone()).filter(|l| !l.is_empty());
        if self.seen_unknowns.insert((path.clone(), message.clone())) {
            self.out.unknowns.push(Unknown {
                layer: pkg.layer,
                path,
                origin: ORIGIN.into(),
                message,
            });
        }
    }

    fn package(&mut self, pkg: &Package) -> Result<(), MatchError> {
        let stats = &mut self.out.stats;
        stats.packages_considered += 1;
        let target = match target_for(pkg, self.os) {
            Resolution::Match(t) => t,
            Resolution::Skip(reason) => {
                match &reason {
                    SkipReason::OsManaged { .. } => stats.skipped_os_managed += 1,
                    SkipReason::NoEcosystem { .. } => stats.skipped_no_ecosystem += 1,
                    SkipReason::NoOsRelease { .. } => stats.skipped_no_os_release += 1,
                }
                // ML runtimes and OS-managed packages are expected; the
                // rest is worth an unknown.
                let expected = matches!(reason, SkipReason::OsManaged { .. })
                    || pkg.kind == customs_types::PackageKind::MlRuntime
                    || pkg.kind == customs_types::PackageKind::Conda;
                if !expected {
                    self.skipped
                        .entry(reason.describe())
                        .or_default()
                        .push(format!("{} {}", pkg.name, pkg.version));
                }
                return Ok(());
            }
        };
        stats.packages_matched += 1;
        let installed = match Installed::new(&target.version, target.scheme) {
            Ok(v) => v,
            Err(e) => {
                stats.unparseable_versions += 1;
                self.unknown(
                    pkg,
                    format!(
                        "{} {} not matched in {}: {e}",
                        pkg.name, pkg.version, target.ecosystem
                    ),
                );
                return Ok(());
            }
        };
        let key: HitKey = (
            target.ecosystem.clone(),
            target.names.clone(),
            target.version.clone(),
        );
        let hits = match self.hits.get(&key) {
            Some(h) => Rc::clone(h),
            None => {
                let h = Rc::new(self.find_hits(pkg, &target, &installed)?);
                self.hits.insert(key, Rc::clone(&h));
                h
            }
        };
        self.findings(pkg, &target, &installed, &hits)
    }

    fn lookup(
        &mut self,
        ecosystem: &str,
        name: &str,
    ) -> Result<Rc<Vec<customs_advisory::AffectedCandidate>>, MatchError> {
        let key = (ecosystem.to_owned(), normalize_name(ecosystem, name));
        if let Some(c) = self.lookups.get(&key) {
            return Ok(Rc::clone(c));
        }
        self.out.stats.lookups += 1;
        let found =
            self.store
                .affected_for(ecosystem, name)
                .map_err(|source| MatchError::Lookup {
                    ecosystem: ecosystem.to_owned(),
                    name: name.to_owned(),
                    source: Box::new(source),
                })?;
        let found = Rc::new(found);
        self.lookups.insert(key, Rc::clone(&found));
        Ok(found)
    }

    fn find_hits(
        &mut self,
        pkg: &Package,
        target: &Target,
        installed: &Installed,
    ) -> Result<Hits, MatchError> {
        let mut per_id: BTreeMap<String, Hit> = BTreeMap::new();
        let mut affected_ids: BTreeSet<String> = BTreeSet::new();
        let mut notes = Vec::new();
        let mut seen_names: Vec<String> = Vec::new();
        for name in &target.names {
            let norm = normalize_name(&target.ecosystem, name);
            if seen_names.contains(&norm) {
                continue;
            }
            seen_names.push(norm);
            let cands = self.lookup(target.query_ecosystem(), name)?;
            for c in cands.iter().filter(|c| target.accepts(&c.ecosystem)) {
                self.out.stats.candidates += 1;
                let verdict = range::evaluate(&c.affected, installed, &mut self.cache);
                for s in &verdict.skipped {
                    self.out.stats.ranges_skipped += 1;
                    notes.push(format!(
                        "{} {} ({}): range {} of {} skipped: {}",
                        name, target.version, c.ecosystem, s.range, c.vuln_id, s.reason
                    ));
                }
                if verdict.affected {
                    affected_ids.insert(c.vuln_id.clone());
                }
                let hit = per_id.entry(c.vuln_id.clone()).or_insert_with(|| Hit {
                    id: c.vuln_id.clone(),
                    name: name.clone(),
                    entries: Vec::new(),
                    fixed: Vec::new(),
                });
                hit.entries.push(c.affected.clone());
                for f in verdict.fixed {
                    if !hit.fixed.contains(&f) {
                        hit.fixed.push(f);
                    }
                }
            }
        }
        for n in notes {
            self.unknown(pkg, n);
        }
        let hits = per_id
            .into_values()
            .filter(|h| affected_ids.contains(&h.id))
            .collect();
        Ok(Hits { hits })
    }

    fn record(&mut self, id: &str) -> Result<Option<Rc<Vulnerability>>, MatchError> {
        if let Some(r) = self.records.get(id) {
            return Ok(r.clone());
        }
        let r = self
            .store
            .vulnerability(id)
            .map_err(|source| MatchError::Record {
                id: id.to_owned(),
                source: Box::new(source),
            })?
            .map(Rc::new);
        self.records.insert(id.to_owned(), r.clone());
        Ok(r)
    }

    fn findings(
        &mut self,
        pkg: &Package,
        target: &Target,
        installed: &Installed,
        hits: &Hits,
    ) -> Result<(), MatchError> {
        // The records of the hits; withdrawn ones dropped.
        let mut members: Vec<(&Hit, Option<Rc<Vulnerability>>)> = Vec::new();
        for hit in &hits.hits {
            let rec = self.record(&hit.id)?;
            match &rec {
                Some(r) if r.is_withdrawn() => {
                    self.out.stats.withdrawn_ignored += 1;
                    continue;
                }
                Some(_) => {}
                None => self.unknown(
                    pkg,
                    format!(
                        "advisory {} matched {} {} but its record is missing from the database",
                        hit.id, pkg.name, pkg.version
                    ),
                ),
            }
            members.push((hit, rec));
        }
        self.out.stats.advisories_matched += members.len();
        for group in alias_groups(&members) {
            let f = self.finding(pkg, target, installed, &members, &group)?;
            self.out.findings.push(f);
        }
        Ok(())
    }

    fn finding(
        &mut self,
        pkg: &Package,
        target: &Target,
        installed: &Installed,
        members: &[(&Hit, Option<Rc<Vulnerability>>)],
        group: &[usize],
    ) -> Result<VulnFinding, MatchError> {
        let group: Vec<&(&Hit, Option<Rc<Vulnerability>>)> =
            group.iter().filter_map(|&i| members.get(i)).collect();
        let advisories: BTreeSet<String> = group.iter().map(|(h, _)| h.id.clone()).collect();
        let mut ids: BTreeSet<String> = advisories.clone();
        for (_, rec) in &group {
            if let Some(r) = rec {
                ids.extend(
                    r.aliases
                        .iter()
                        .map(|a| a.trim().to_owned())
                        .filter(|a| !a.is_empty()),
                );
            }
        }
        let id = primary_id(&ids);
        let aliases: Vec<String> = ids.iter().filter(|i| **i != id).cloned().collect();

        // Records in display order: the one named like the finding first.
        let mut ordered: Vec<&(&Hit, Option<Rc<Vulnerability>>)> = group.clone();
        ordered.sort_by_key(|(h, _)| (h.id != id, h.id.clone()));

        // Fixed versions.
        let mut fixed_versions: Vec<String> = Vec::new();
        for (h, _) in &ordered {
            for f in &h.fixed {
                if !fixed_versions.contains(f) {
                    fixed_versions.push(f.clone());
                }
            }
        }
        let scheme = installed.scheme();
        let mut keyed: Vec<(Option<customs_version::ParsedVersion>, String)> = fixed_versions
            .iter()
            .map(|f| (self.cache.parse(scheme, f).cloned(), f.clone()))
            .collect();
        // Parsed ones in version order, then the rest by string.
        keyed.sort_by(|a, b| match (&a.0, &b.0) {
            (Some(x), Some(y)) => x.cmp(y).then_with(|| a.1.cmp(&b.1)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.1.cmp(&b.1),
        });
        let fixed_version = keyed
            .iter()
            .find(|(p, _)| p.as_ref().is_some_and(|p| p > installed.parsed()))
            .map(|(_, s)| s.clone());
        let fixed_versions: Vec<String> = keyed.into_iter().map(|(_, s)| s).collect();

        // Severity.
        let sources: Vec<severity::Source<'_>> = ordered
            .iter()
            .map(|(h, rec)| severity::Source {
                id: &h.id,
                record: rec.as_deref(),
                entries: h.entries.iter().collect(),
            })
            .collect();
        // Every id that is not a matched record (the finding's own id too).
        let alias_ids: Vec<String> = ids
            .iter()
            .filter(|a| !advisories.contains(*a))
            .cloned()
            .collect();
        let mut lookup_error = None;
        let chosen = severity::choose(&sources, &alias_ids, |alias| match self.record(alias) {
            Ok(r) => r.filter(|r| !r.is_withdrawn()),
            Err(e) => {
                lookup_error.get_or_insert(e);
                None
            }
        });
        if let Some(e) = lookup_error {
            return Err(e);
        }

        // Text, references, dates.
        let records: Vec<&Vulnerability> =
            ordered.iter().filter_map(|(_, r)| r.as_deref()).collect();
        let nonempty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let title = records.iter().find_map(|r| nonempty(&r.summary));
        let description = records.iter().find_map(|r| nonempty(&r.details));
        let mut references: Vec<String> = Vec::new();
        for r in &records {
            for link in &r.references {
                let url = link.url.trim();
                if !url.is_empty() && !references.iter().any(|u| u == url) {
                    references.push(url.to_owned());
                }
            }
        }
        let published = pick_time(records.iter().filter_map(|r| r.published.as_deref()), false);
        let modified = pick_time(records.iter().map(|r| r.modified.as_str()), true);

        let matched_name = ordered
            .first()
            .map(|(h, _)| h.name.clone())
            .filter(|n| *n != pkg.name);
        let matched_version = Some(target.version.clone()).filter(|v| *v != pkg.version);
        let status = if fixed_version.is_some() {
            FixStatus::Fixed
        } else {
            FixStatus::Affected
        };
        Ok(VulnFinding {
            id,
            aliases,
            advisories: advisories.into_iter().collect(),
            package: PackageRef {
                name: pkg.name.clone(),
                version: pkg.version.clone(),
                kind: pkg.kind,
                purl: pkg.purl.clone(),
                location: pkg.location.clone(),
                layer: pkg.layer,
                matched_name,
                matched_version,
            },
            ecosystem: ordered
                .first()
                .and_then(|(h, _)| h.entries.first())
                .map(|a| a.ecosystem().trim().to_owned())
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| target.ecosystem.clone()),
            status,
            fixed_version,
            fixed_versions,
            severity: chosen.severity,
            severity_source: chosen.source,
            cvss: chosen.cvss,
            title,
            description,
            references,
            published,
            modified,
            suppressed: None,
        })
    }

    fn finish(mut self) -> MatchOutput {
        for (why, names) in std::mem::take(&mut self.skipped) {
            let n = names.len();
            let sample: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
            let more = if n > sample.len() { ", …" } else { "" };
            self.out.unknowns.push(Unknown {
                layer: None,
                path: None,
                origin: ORIGIN.into(),
                message: format!(
                    "{n} package(s) not matched: {why} ({}{more})",
                    sample.join(", ")
                ),
            });
        }
        let out = &mut self.out;
        out.findings.sort_by(|a, b| {
            let ka = (
                &a.package.name,
                &a.package.version,
                a.package.kind,
                &a.package.location,
            );
            let kb = (
                &b.package.name,
                &b.package.version,
                b.package.kind,
                &b.package.location,
            );
            ka.cmp(&kb).then_with(|| a.id.cmp(&b.id))
        });
        out.stats.findings = out.findings.len();
        self.out
    }
}

/// Groups of member indices whose ids connect through `aliases`.
fn alias_groups(members: &[(&Hit, Option<Rc<Vulnerability>>)]) -> Vec<Vec<usize>> {
    let n = members.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, (hit, rec)) in members.iter().enumerate() {
        let ids = std::iter::once(hit.id.as_str()).chain(
            rec.iter()
                .flat_map(|r| r.aliases.iter().map(|a| a.trim()))
                .filter(|a| !a.is_empty()),
        );
        for id in ids {
            match owner.get(id) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

/// The id shown: the oldest CVE, else the smallest GHSA, else the smallest id.
fn primary_id(ids: &BTreeSet<String>) -> String {
    let cve_key = |id: &str| -> Option<(u64, u64)> {
        let rest = id.strip_prefix("CVE-")?;
        let (y, n) = rest.split_once('-')?;
        Some((y.parse().ok()?, n.parse().ok()?))
    };
    if let Some(cve) = ids
        .iter()
        .filter(|i| i.starts_with("CVE-"))
        .min_by_key(|i| (cve_key(i).unwrap_or((u64::MAX, u64::MAX)), i.as_str()))
    {
        return cve.clone();
    }
    ids.iter()
        .min_by_key(|i| (severity::id_rank(i), i.as_str()))
        .cloned()
        .unwrap_or_default()
}

/// The earliest (or latest) RFC 3339 time among `times`; unparseable ones
/// are used only when none parses.
fn pick_time<'a>(times: impl Iterator<Item = &'a str>, latest: bool) -> Option<String> {
    let times: Vec<&str> = times.map(str::trim).filter(|t| !t.is_empty()).collect();
    let parsed = times
        .iter()
        .filter_map(|t| parse_timestamp(t).map(|p| (p, *t)));
    let best = if latest {
        parsed.max_by_key(|(p, _)| *p)
    } else {
        parsed.min_by_key(|(p, _)| *p)
    };
    best.map(|(_, t)| t.to_owned())
        .or_else(|| times.first().map(|t| (*t).to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_ids() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            primary_id(&set(&[
                "PYSEC-2021-1",
                "GHSA-aaaa",
                "CVE-2021-1000",
                "CVE-2021-999"
            ])),
            "CVE-2021-999"
        );
        assert_eq!(
            primary_id(&set(&["PYSEC-2021-1", "GHSA-bbbb", "GHSA-aaaa"])),
            "GHSA-aaaa"
        );
        assert_eq!(
            primary_id(&set(&["RUSTSEC-2020-2", "GO-2020-1"])),
            "GO-2020-1"
        );
    }

    #[test]
    fn times() {
        let t = ["2021-01-02T00:00:00Z", "2020-05-01T00:00:00Z", "bogus"];
        assert_eq!(
            pick_time(t.into_iter(), false).as_deref(),
            Some("2020-05-01T00:00:00Z")
        );
        assert_eq!(
            pick_time(t.into_iter(), true).as_deref(),
            Some("2021-01-02T00:00:00Z")
        );
        assert_eq!(
            pick_time(["bogus"].into_iter(), true).as_deref(),
            Some("bogus")
        );
        assert_eq!(pick_time([].into_iter(), true), None);
    }
}
