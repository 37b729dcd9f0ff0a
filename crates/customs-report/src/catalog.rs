//! What every SBOM writer needs to know about the packages, computed once:
//! identifiers, layers, and the dependency graph.
//!
//! Dependencies: [`Package::depends_on`] holds names from the package's own
//! catalogue. A name resolves to a package of the same kind with that name
//! (PEP 503-normalised for Python, version constraints and Debian
//! `:arch`-qualifiers dropped); when several packages match (two copies of
//! `minimist` in nested `node_modules`), the one whose location shares the
//! longest directory prefix with the dependent wins, which is how Node and
//! Python find them. Unresolvable names are left out.
//!
//! Roots: packages nothing depends on. OS packages hang under the OS
//! component, the others under the image; packages only reachable through a
//! cycle become roots too, so every package is reachable from the image.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::str::FromStr;

use customs_types::{Digest, OsInfo, Package, PackageKind, PackageRef};
use packageurl::PackageUrl;

use crate::ScanReport;
use crate::ids::{self, Uniquifier};

/// One package with its identifiers and resolved dependencies.
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    pub pkg: &'a Package,
    pub bom_ref: String,
    pub spdx_id: String,
    /// Indices of the packages it depends on, sorted, without duplicates.
    pub deps: Vec<usize>,
}

/// A layer as the reports show it.
#[derive(Debug, Clone)]
pub(crate) struct LayerView<'a> {
    pub index: u32,
    pub diff_id: Option<&'a Digest>,
    pub created_by: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Catalog<'a> {
    pub report: &'a ScanReport,
    pub entries: Vec<Entry<'a>>,
    /// bom-ref and SPDX id of the image.
    pub image_ref: String,
    pub image_spdx_id: String,
    pub image_purl: Option<String>,
    /// bom-ref and SPDX id of the OS, when known.
    pub os_ref: Option<String>,
    pub os_spdx_id: Option<String>,
    /// Roots under the OS component.
    pub os_roots: Vec<usize>,
    /// Roots under the image.
    pub image_roots: Vec<usize>,
    by_key: HashMap<(PackageKind, &'a str, &'a str, &'a str), usize>,
    layers: Vec<LayerView<'a>>,
}

impl<'a> Catalog<'a> {
    pub fn new(report: &'a ScanReport) -> Catalog<'a> {
        let packages = &report.inventory.packages;
        let os = report.inventory.os.as_ref();

        // bom-refs: the purl, disambiguated when shared.
        let mut purl_count: HashMap<&str, usize> = HashMap::new();
        for p in packages {
            *purl_count.entry(p.purl.as_str()).or_default() += 1;
        }
        let image_purl = crate::image::oci_purl(&report.artifact);
        let image_ref = image_purl.clone().unwrap_or_else(|| {
            format!(
                "customs:image/{}",
                &ids::hash_hex(&[&report.artifact.name, &report.artifact.source])[..16]
            )
        });
        let os_ref = os.map(|o| {
            format!(
                "customs:os/{}@{}",
                o.id,
                o.version.as_deref().unwrap_or("unknown")
            )
        });
        let mut refs = Uniquifier::default();
        refs.reserve(&image_ref);
        if let Some(r) = &os_ref {
            refs.reserve(r);
        }
        let image_spdx_id = ids::spdx_sanitize(&format!(
            "SPDXRef-Image-{}",
            crate::image::short_name(&report.artifact)
        ));
        let os_spdx_id = os.map(|o| {
            ids::spdx_sanitize(&format!(
                "SPDXRef-OperatingSystem-{}-{}",
                o.id,
                o.version.as_deref().unwrap_or("unknown")
            ))
        });
        let mut spdx_ids = Uniquifier::default();
        spdx_ids.reserve("SPDXRef-DOCUMENT");
        spdx_ids.reserve(&image_spdx_id);
        if let Some(s) = &os_spdx_id {
            spdx_ids.reserve(s);
        }

        let mut entries: Vec<Entry<'a>> = packages
            .iter()
            .map(|p| {
                let shared = p.purl.is_empty() || purl_count.get(p.purl.as_str()) != Some(&1);
                let bom_ref = if shared {
                    ids::disambiguated_ref(p)
                } else {
                    p.purl.clone()
                };
                Entry {
                    pkg: p,
                    bom_ref: refs.unique(bom_ref),
                    spdx_id: spdx_ids.unique(ids::spdx_package_id(p)),
                    deps: Vec::new(),
                }
            })
            .collect();

        resolve_dependencies(&mut entries);
        let (os_roots, image_roots) = roots(&entries, os.is_some());

        let mut by_key = HashMap::new();
        for (i, p) in packages.iter().enumerate() {
            by_key.entry(p.key()).or_insert(i);
        }

        let a = &report.artifact;
        let created = a.config.created_by_per_layer(a.layers.len());
        let layers = a
            .layers
            .iter()
            .enumerate()
            .map(|(pos, l)| LayerView {
                index: l.index,
                diff_id: l.diff_id.as_ref().or_else(|| {
                    a.config
                        .diff_ids
                        .get(usize::try_from(l.index).unwrap_or(usize::MAX))
                }),
                created_by: l
                    .created_by
                    .clone()
                    .or_else(|| created.get(pos).cloned().flatten()),
            })
            .collect();

        Catalog {
            report,
            entries,
            image_ref,
            image_spdx_id,
            image_purl,
            os_ref,
            os_spdx_id,
            os_roots,
            image_roots,
            by_key,
            layers,
        }
    }

    pub fn os(&self) -> Option<&'a OsInfo> {
        self.report.inventory.os.as_ref()
    }

    /// The package a finding is about.
    pub fn find(&self, r: &PackageRef) -> Option<usize> {
        if let Some(i) = self.by_key.get(&(
            r.kind,
            r.name.as_str(),
            r.version.as_str(),
            r.location.as_str(),
        )) {
            return Some(*i);
        }
        self.entries
            .iter()
            .position(|e| e.pkg.purl == r.purl && e.pkg.location == r.location)
            .or_else(|| {
                let mut it = self
                    .entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| !r.purl.is_empty() && e.pkg.purl == r.purl);
                match (it.next(), it.next()) {
                    (Some((i, _)), None) => Some(i),
                    _ => None,
                }
            })
    }

    /// The bom-ref of the package a finding is about (its purl when the
    /// package is not in the inventory).
    pub fn finding_ref(&self, r: &PackageRef) -> String {
        match self.find(r) {
            Some(i) => self.entries[i].bom_ref.clone(),
            None if !r.purl.is_empty() => r.purl.clone(),
            None => format!("customs:{}/{}@{}", r.kind.as_str(), r.name, r.version),
        }
    }

    /// The layer with this index.
    pub fn layer(&self, index: Option<u32>) -> Option<&LayerView<'a>> {
        let i = index?;
        self.layers.iter().find(|l| l.index == i)
    }

    pub fn layers(&self) -> &[LayerView<'a>] {
        &self.layers
    }
}

/// The name a dependency is looked up by.
fn dep_key(kind: PackageKind, raw: &str) -> Option<String> {
    let s = raw.trim();
    let first = s
        .split(|c: char| c.is_whitespace() || c == '(' || c == '|' || c == ',')
        .find(|t| !t.is_empty())?;
    let key = match kind {
        PackageKind::Deb => first.split(':').next().unwrap_or(first).to_string(),
        PackageKind::Apk => {
            if first.contains(':') {
                return None;
            }
            first
                .split(['<', '>', '=', '~'])
                .next()
                .unwrap_or(first)
                .to_string()
        }
        PackageKind::Rpm => first.to_string(),
        PackageKind::Python => {
            let end = s
                .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
                .unwrap_or(s.len());
            pep503(&s[..end])
        }
        PackageKind::Conda => first.to_ascii_lowercase(),
        _ => s.to_string(),
    };
    (!key.is_empty()).then_some(key)
}

/// The names a package answers to.
fn package_keys(p: &Package) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(k) = dep_key(p.kind, &p.name) {
        keys.push(k);
    }
    if p.kind == PackageKind::Maven
        && let Ok(u) = PackageUrl::from_str(&p.purl)
        && let Some(g) = u.namespace()
    {
        keys.push(format!("{g}:{}", u.name()));
        keys.push(u.name().to_string());
    }
    keys.dedup();
    keys
}

fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Length, in path components, of the common directory prefix.
fn common_dir_prefix(a: &str, b: &str) -> usize {
    fn dir(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s.split('/').filter(|c| !c.is_empty()).collect();
        v.pop();
        v
    }
    dir(a)
        .iter()
        .zip(dir(b).iter())
        .take_while(|(x, y)| x == y)
        .count()
}

fn resolve_dependencies(entries: &mut [Entry<'_>]) {
    let mut index: BTreeMap<(PackageKind, String), Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        for k in package_keys(e.pkg) {
            index.entry((e.pkg.kind, k)).or_default().push(i);
        }
    }
    for i in 0..entries.len() {
        let p = entries[i].pkg;
        let mut deps: Vec<usize> = p
            .depends_on
            .iter()
            .filter_map(|d| dep_key(p.kind, d))
            .filter_map(|k| {
                let cands = index.get(&(p.kind, k))?;
                cands.iter().copied().filter(|&j| j != i).max_by(|&x, &y| {
                    let px = common_dir_prefix(&p.location, &entries[x].pkg.location);
                    let py = common_dir_prefix(&p.location, &entries[y].pkg.location);
                    // Longest prefix wins; on a tie, the earlier one.
                    px.cmp(&py).then(y.cmp(&x))
                })
            })
            .collect();
        deps.sort_unstable();
        deps.dedup();
        entries[i].deps = deps;
    }
}

/// Roots under the OS and under the image (see the module docs).
fn roots(entries: &[Entry<'_>], has_os: bool) -> (Vec<usize>, Vec<usize>) {
    let n = entries.len();
    let mut indegree = vec![0usize; n];
    for e in entries {
        for &d in &e.deps {
            indegree[d] += 1;
        }
    }
    let mut roots: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut seen = vec![false; n];
    let visit = |start: usize, seen: &mut Vec<bool>| {
        let mut q = VecDeque::from([start]);
        while let Some(i) = q.pop_front() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            q.extend(entries[i].deps.iter().copied());
        }
    };
    for &r in &roots {
        visit(r, &mut seen);
    }
    for i in 0..n {
        if !seen[i] {
            roots.push(i);
            visit(i, &mut seen);
        }
    }
    roots.sort_unstable();
    roots
        .into_iter()
        .partition(|&i| has_os && entries[i].pkg.kind.is_os())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_keys() {
        assert_eq!(
            dep_key(PackageKind::Deb, "libc6:amd64 (>= 2.34)").as_deref(),
            Some("libc6")
        );
        assert_eq!(dep_key(PackageKind::Apk, "so:libc.musl-x86_64.so.1"), None);
        assert_eq!(
            dep_key(PackageKind::Apk, "musl>=1.2").as_deref(),
            Some("musl")
        );
        assert_eq!(
            dep_key(
                PackageKind::Python,
                "Charset_Normalizer[extra]<4,>=2; python_version"
            )
            .as_deref(),
            Some("charset-normalizer")
        );
        assert_eq!(
            dep_key(PackageKind::Npm, "@babel/core").as_deref(),
            Some("@babel/core")
        );
        assert_eq!(dep_key(PackageKind::Npm, "  "), None);
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            common_dir_prefix(
                "/app/node_modules/mkdirp/package.json",
                "/app/node_modules/mkdirp/node_modules/minimist/package.json"
            ),
            3
        );
        assert_eq!(common_dir_prefix("/a/x", "/b/y"), 0);
    }
}
