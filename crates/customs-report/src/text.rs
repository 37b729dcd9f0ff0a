//! Helpers of the human-readable writers (table, Markdown) and the
//! summaries of the native JSON.

use std::collections::{BTreeMap, BTreeSet};

use customs_types::{FixStatus, PackageKind, Severity, VulnFinding};

/// Counts of active (not suppressed) findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SeverityCounts {
    counts: [usize; 5],
}

impl SeverityCounts {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a VulnFinding>) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        for f in findings.into_iter().filter(|f| f.suppressed.is_none()) {
            c.counts[severity_index(f.severity)] += 1;
        }
        c
    }

    pub fn get(&self, s: Severity) -> usize {
        self.counts[severity_index(s)]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// `Total: 3 (UNKNOWN: 0, LOW: 0, MEDIUM: 1, HIGH: 0, CRITICAL: 2)`
    pub fn line(&self) -> String {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .map(|s| format!("{}: {}", s.as_str(), self.get(*s)))
            .collect();
        format!("Total: {} ({})", self.total(), parts.join(", "))
    }
}

fn severity_index(s: Severity) -> usize {
    match s {
        Severity::Unknown => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

/// Is the finding active and fixable by an upgrade?
pub(crate) fn fixable(f: &VulnFinding) -> bool {
    f.suppressed.is_none() && f.status == FixStatus::Fixed && f.fixed_version.is_some()
}

/// Most severe first, then by id, package name and location.
pub(crate) fn finding_order(a: &VulnFinding, b: &VulnFinding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.package.name.cmp(&b.package.name))
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.package.location.cmp(&b.package.location))
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        return one;
    }
    let mut out: String = one.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

/// How a kind is called in a table title.
pub(crate) fn kind_label(kind: PackageKind) -> &'static str {
    match kind {
        PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm => "OS packages",
        PackageKind::Python => "Python",
        PackageKind::Conda => "Conda",
        PackageKind::Npm => "Node.js",
        PackageKind::Go => "Go binary",
        PackageKind::Cargo => "Rust binary",
        PackageKind::Maven => "Java",
        PackageKind::Gem => "Ruby",
        PackageKind::Composer => "PHP",
        PackageKind::Nuget => ".NET",
        PackageKind::MlRuntime => "ML runtime",
    }
}

pub(crate) fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => path,
    }
}

/// The directory (or file) that holds a set of language packages: a Python
/// `site-packages`, an npm `node_modules` root, a conda environment, a Go or
/// Rust binary, the directory of Java archives.
pub(crate) fn package_set(kind: PackageKind, location: &str) -> String {
    // a project's lock file is its own set (`/web/package-lock.json`)
    if is_lock_file(location.rsplit('/').next().unwrap_or(location)) {
        return location.to_string();
    }
    let comps: Vec<&str> = location.split('/').collect();
    let upto = |i: usize| -> String {
        let s = comps[..i].join("/");
        if s.is_empty() { "/".into() } else { s }
    };
    match kind {
        PackageKind::Python => comps
            .iter()
            .position(|c| c.ends_with(".dist-info") || c.ends_with(".egg-info"))
            .map(upto)
            .unwrap_or_else(|| parent(location).to_string()),
        PackageKind::Npm => comps
            .iter()
            .position(|c| *c == "node_modules")
            .map(|i| upto(i + 1))
            .unwrap_or_else(|| parent(location).to_string()),
        PackageKind::Conda => comps
            .iter()
            .position(|c| *c == "conda-meta")
            .map(upto)
            .unwrap_or_else(|| parent(location).to_string()),
        PackageKind::Composer | PackageKind::Gem => comps
            .iter()
            .position(|c| *c == "vendor" || *c == "specifications")
            .map(|i| upto(i + 1))
            .unwrap_or_else(|| parent(location).to_string()),
        PackageKind::Go | PackageKind::Cargo => location.to_string(),
        PackageKind::Maven => {
            // `outer.jar!/BOOT-INF/lib/inner.jar`: the outer archive.
            let outer = location.split('!').next().unwrap_or(location);
            if location.contains('!') {
                outer.to_string()
            } else {
                parent(outer).to_string()
            }
        }
        _ => parent(location).to_string(),
    }
}

/// A group of packages scanned together: the OS packages, or one language
/// package set.
#[derive(Debug)]
pub(crate) struct Target<'a> {
    pub kind: Option<PackageKind>,
    pub dir: String,
    pub layers: BTreeSet<u32>,
    pub packages: usize,
    /// How many packages of the set have each name.
    pub names: BTreeMap<String, usize>,
    pub findings: Vec<&'a VulnFinding>,
}

impl Target<'_> {
    pub fn title(&self, os_title: &str) -> String {
        match self.kind {
            None => os_title.to_string(),
            Some(k) => format!("{} ({})", kind_label(k), self.dir),
        }
    }

    /// The package name for a row: with its directory relative to the set
    /// when the set holds several packages of that name (nested
    /// `node_modules` copies).
    pub fn package_label(&self, name: &str, location: &str) -> String {
        if self.kind.is_none() || self.names.get(name).copied().unwrap_or(0) < 2 {
            return name.to_string();
        }
        let dir = parent(location);
        let base = parent(&self.dir);
        let rel = dir
            .strip_prefix(base)
            .map(|r| r.trim_start_matches('/'))
            .filter(|r| !r.is_empty())
            .unwrap_or(dir);
        format!("{name} ({rel})")
    }

    pub fn layer_text(&self) -> String {
        match self.layers.len() {
            0 => "-".into(),
            _ => self
                .layers
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Packages and findings grouped into targets: the OS packages first, then
/// language sets by kind and directory.
pub(crate) fn targets<'a>(
    packages: &[customs_types::Package],
    findings: &'a [VulnFinding],
) -> Vec<Target<'a>> {
    let key = |kind: PackageKind, location: &str| -> (u8, Option<PackageKind>, String) {
        if kind.is_os() {
            (0, None, String::new())
        } else {
            (1, Some(kind), package_set(kind, location))
        }
    };
    type Key = (u8, Option<PackageKind>, String);
    fn entry<'m, 'a>(map: &'m mut BTreeMap<Key, Target<'a>>, k: Key) -> &'m mut Target<'a> {
        let (_, kind, dir) = k.clone();
        map.entry(k).or_insert_with(|| Target {
            kind,
            dir,
            layers: BTreeSet::new(),
            packages: 0,
            names: BTreeMap::new(),
            findings: Vec::new(),
        })
    }
    let mut map: BTreeMap<Key, Target<'a>> = BTreeMap::new();
    for p in packages {
        let t = entry(&mut map, key(p.kind, &p.location));
        t.packages += 1;
        *t.names.entry(p.name.clone()).or_default() += 1;
        if let Some(l) = p.layer {
            t.layers.insert(l);
        }
    }
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let t = entry(&mut map, key(f.package.kind, &f.package.location));
        if let Some(l) = f.package.layer {
            t.layers.insert(l);
        }
        t.findings.push(f);
    }
    let mut out: Vec<Target<'a>> = map.into_values().collect();
    for t in &mut out {
        t.findings.sort_by(|a, b| finding_order(a, b));
    }
    out
}

/// The file names the lock-file analyzers of a project scan read.
fn is_lock_file(base: &str) -> bool {
    matches!(
        base,
        "poetry.lock"
            | "Pipfile.lock"
            | "uv.lock"
            | "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "Cargo.lock"
            | "go.mod"
            | "Gemfile.lock"
            | "composer.lock"
    ) || (base.starts_with("requirements") && base.ends_with(".txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_sets() {
        assert_eq!(
            package_set(
                PackageKind::Python,
                "/usr/lib/python3/dist-packages/six-1.16.0.egg-info"
            ),
            "/usr/lib/python3/dist-packages"
        );
        assert_eq!(
            package_set(
                PackageKind::Npm,
                "/app/node_modules/mkdirp/node_modules/minimist/package.json"
            ),
            "/app/node_modules"
        );
        assert_eq!(
            package_set(
                PackageKind::Conda,
                "/opt/conda/conda-meta/numpy-1.26.4-py311_0.json"
            ),
            "/opt/conda"
        );
        assert_eq!(
            package_set(
                PackageKind::Maven,
                "/app/app.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar"
            ),
            "/app/app.jar"
        );
        assert_eq!(
            package_set(PackageKind::Maven, "/opt/lib/x.jar"),
            "/opt/lib"
        );
        assert_eq!(package_set(PackageKind::Go, "/usr/bin/srv"), "/usr/bin/srv");
        assert_eq!(package_set(PackageKind::MlRuntime, "/x"), "/");
        assert_eq!(
            package_set(PackageKind::Npm, "/web/package-lock.json"),
            "/web/package-lock.json"
        );
        assert_eq!(
            package_set(PackageKind::Python, "/requirements-dev.txt"),
            "/requirements-dev.txt"
        );
    }

    #[test]
    fn truncates() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd efgh", 6), "abcd…");
        assert_eq!(truncate("a\nb", 5), "a b");
    }
}
