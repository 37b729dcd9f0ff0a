//! `pnpm-lock.yaml`, by the key format of its `packages` map:
//!
//! - lockfile v5 (`lockfileVersion: 5.4`): `/name/1.2.3`, `/@scope/name/1.2.3`,
//!   a peer suffix after `_` (`/foo/1.0.0_bar@2.0.0`);
//! - v6 (`'6.0'`): `/name@1.2.3`, `/@scope/name@1.2.3`, peers in
//!   parentheses (`/foo@1.0.0(bar@2.0.0)`);
//! - v9 (`'9.0'`, and v7): `name@1.2.3` with no leading slash; peer
//!   variants are in `snapshots`.
//!
//! Keys that are not registry packages (tarballs, git: `github.com/...`,
//! `foo@https://...`, `foo@file:...`; no version starting with a digit) are
//! skipped, even when the entry carries `name` and `version` fields.
//!
//! dev: v5 and v6 write `dev: true` on dev-only packages. v9 does not, so it
//! is worked out from the importers: a package reached (through
//! `snapshots`) from some importer's `devDependencies` and from no
//! `dependencies` or `optionalDependencies` is dev.

use std::collections::{HashMap, HashSet, VecDeque};

use yaml_rust2::Yaml;

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "pnpm-lock";
const WHAT: &str = "pnpm-lock.yaml";

/// Reads `pnpm-lock.yaml`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PnpmLock;

fn required(file: &FileInfo<'_>) -> bool {
    super::file_name(file) == "pnpm-lock.yaml" && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(PnpmLock, ID, 1, required, analyze);

/// Removes a peer suffix: `1.0.0(bar@2.0.0)` → `1.0.0`.
fn strip_peers(s: &str) -> &str {
    s.split('(').next().unwrap_or(s)
}

/// Splits `name@version` at the `@` after the name (scoped names start
/// with `@`).
fn split_at_version(s: &str) -> Option<(&str, &str)> {
    let at = s.get(1..)?.find('@')? + 1;
    Some((&s[..at], &s[at + 1..]))
}

/// `(name, version)` of a `packages` key, `None` when it is not a registry
/// package key.
pub(crate) fn parse_key(key: &str, major: u32) -> Option<(String, String)> {
    if major < 6 {
        let rest = key.strip_prefix('/')?;
        let parts: Vec<&str> = rest.split('/').collect();
        let (name, version) = if rest.starts_with('@') {
            match parts.as_slice() {
                [scope, name, version, ..] => (format!("{scope}/{name}"), *version),
                _ => return None,
            }
        } else {
            match parts.as_slice() {
                [name, version, ..] => (name.to_string(), *version),
                _ => return None,
            }
        };
        let version = version.split('_').next().unwrap_or(version);
        let version = strip_peers(version);
        Some((name, version.to_string())).filter(|(_, v)| super::looks_like_version(v))
    } else {
        let rest = key.strip_prefix('/').unwrap_or(key);
        let (name, version) = split_at_version(strip_peers(rest))?;
        super::looks_like_version(version).then(|| (name.to_string(), version.to_string()))
    }
}

/// The major lockfile version (`5.4` → 5, `'6.0'` → 6, `'9.0'` → 9).
fn major(doc: &Yaml) -> Option<u32> {
    let v = super::yaml_str(&doc["lockfileVersion"])?;
    v.split('.').next()?.trim().parse().ok()
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let doc = super::parse_yaml(&text, WHAT)?;
    let Some(major) = major(&doc) else {
        return Err(LockError::invalid(WHAT, "no readable `lockfileVersion`"));
    };
    if !(5..=9).contains(&major) {
        return Err(LockError::invalid(
            WHAT,
            format!("lockfileVersion {major} is not supported (5 to 9 are)"),
        ));
    }
    let packages = match &doc["packages"] {
        Yaml::Hash(h) => Some(h),
        Yaml::BadValue | Yaml::Null => None,
        _ => return Err(LockError::invalid(WHAT, "`packages` is not a mapping")),
    };
    let dev_only = if major >= 7 {
        Some(dev_only_v9(&doc))
    } else {
        None
    };
    let mut out = Dedup::default();
    for (k, entry) in packages.into_iter().flatten() {
        let Some(key) = super::yaml_str(k) else {
            sink.unknown(format!("{WHAT}: a package key that is not a string"));
            continue;
        };
        let Some((name, version)) = parse_key(&key, major) else {
            continue; // git, tarball, local
        };
        if !super::npm::valid_npm_name(&name) {
            sink.unknown(format!("{WHAT}: {key:?}: bad package name {name:?}"));
            continue;
        }
        let dev = match &dev_only {
            Some(set) => set.contains(&(name.clone(), version.clone())),
            None => entry["dev"].as_bool() == Some(true),
        };
        out.push(super::package(
            customs_types::PackageKind::Npm,
            &name,
            &version,
            crate::purl::npm(&name, &version),
            file,
            ID,
            dev,
        ));
    }
    for p in out.into_vec() {
        sink.package(p);
    }
    Ok(())
}

/// A dependency reference of v9 (`name` and its `version` field:
/// `1.2.3`, `1.2.3(peer@1.0.0)`, an alias `real@1.2.3`, `link:../x`) as
/// the `snapshots` key it names.
fn snapshot_key(name: &str, version: &str) -> Option<String> {
    if version.contains(':') {
        return None; // link:, file:, a URL
    }
    match split_at_version(version) {
        Some((real, v))
            if !real.is_empty() && !version.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            Some(format!("{real}@{v}"))
        }
        _ => Some(format!("{name}@{version}")),
    }
}

/// The dependency maps of a node (`dependencies`, `optionalDependencies`,
/// and `devDependencies` when asked).
fn refs(node: &Yaml, sections: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for s in sections {
        if let Some(h) = node[*s].as_hash() {
            for (n, v) in h {
                // importers: `{specifier, version}`; snapshots: a string
                let version = super::yaml_str(v).or_else(|| super::yaml_str(&v["version"]));
                if let (Some(n), Some(v)) = (super::yaml_str(n), version)
                    && let Some(k) = snapshot_key(&n, &v)
                {
                    out.push(k);
                }
            }
        }
    }
    out
}

/// v9: the `(name, version)` pairs reached only from dev dependencies.
fn dev_only_v9(doc: &Yaml) -> HashSet<(String, String)> {
    let snapshots: HashMap<String, &Yaml> = doc["snapshots"]
        .as_hash()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| super::yaml_str(k).map(|k| (k, v)))
        .collect();
    let walk = |seeds: Vec<String>| -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut queue: VecDeque<String> = seeds.into();
        while let Some(k) = queue.pop_front() {
            if seen.contains(&k) {
                continue;
            }
            if let Some(node) = snapshots.get(&k) {
                queue.extend(refs(node, &["dependencies", "optionalDependencies"]));
            }
            seen.insert(k);
        }
        seen
    };
    let mut prod_seeds = Vec::new();
    let mut dev_seeds = Vec::new();
    for (_, importer) in doc["importers"].as_hash().into_iter().flatten() {
        prod_seeds.extend(refs(importer, &["dependencies", "optionalDependencies"]));
        dev_seeds.extend(refs(importer, &["devDependencies"]));
    }
    let prod: HashSet<String> = walk(prod_seeds)
        .iter()
        .map(|k| strip_peers(k).to_string())
        .collect();
    walk(dev_seeds)
        .iter()
        .map(|k| strip_peers(k).to_string())
        .filter(|k| !prod.contains(k))
        .filter_map(|k| split_at_version(&k).map(|(n, v)| (n.to_string(), v.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::test_util::{self, expect, summary};
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lockfile/pnpm.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/pnpm-malformed.txtar");

    fn of(a: &crate::LayerAnalysis, loc: &str) -> crate::LayerAnalysis {
        test_util::of(a, loc, ID)
    }

    #[test]
    fn v5_v6_v9() {
        let a = run_txtar(PnpmLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let want = expect(&[
            ("lodash", "4.17.15", "pkg:npm/lodash@4.17.15", false),
            (
                "@babel/code-frame",
                "7.22.13",
                "pkg:npm/%40babel/code-frame@7.22.13",
                true,
            ),
            ("js-tokens", "4.0.0", "pkg:npm/js-tokens@4.0.0", false),
            ("react", "18.2.0", "pkg:npm/react@18.2.0", false),
            ("loose-envify", "1.4.0", "pkg:npm/loose-envify@1.4.0", false),
            ("react-dom", "18.2.0", "pkg:npm/react-dom@18.2.0", false),
            ("scheduler", "0.23.0", "pkg:npm/scheduler@0.23.0", false),
            ("string-width", "4.2.3", "pkg:npm/string-width@4.2.3", false),
            ("typescript", "5.2.2", "pkg:npm/typescript@5.2.2", true),
        ]);
        assert_eq!(summary(&of(&a, "/v5/pnpm-lock.yaml")), want);
        assert_eq!(summary(&of(&a, "/v6/pnpm-lock.yaml")), want);
        assert_eq!(summary(&of(&a, "/v9/pnpm-lock.yaml")), want);
    }

    #[test]
    fn keys() {
        let k = |s, m| parse_key(s, m).map(|(n, v)| format!("{n} {v}"));
        assert_eq!(k("/lodash/4.17.15", 5).as_deref(), Some("lodash 4.17.15"));
        assert_eq!(
            k("/@babel/core/7.22.5", 5).as_deref(),
            Some("@babel/core 7.22.5")
        );
        assert_eq!(
            k("/react-dom/18.2.0_react@18.2.0", 5).as_deref(),
            Some("react-dom 18.2.0")
        );
        assert_eq!(
            k("/react-dom@18.2.0(react@18.2.0)", 6).as_deref(),
            Some("react-dom 18.2.0")
        );
        assert_eq!(
            k("/@babel/core@7.22.5", 6).as_deref(),
            Some("@babel/core 7.22.5")
        );
        assert_eq!(
            k("@babel/core@7.22.5", 9).as_deref(),
            Some("@babel/core 7.22.5")
        );
        assert_eq!(k("github.com/example/mytool/0b1c2d3", 5), None);
        assert_eq!(
            k("mytool@https://codeload.github.com/x/y/tar.gz/0b1c", 9),
            None
        );
        assert_eq!(k("lib@file:packages/lib", 9), None);
        assert_eq!(k("/", 5), None);
        assert_eq!(k("@", 9), None);
    }

    #[test]
    fn malformed() {
        let a = run_txtar(PnpmLock, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("invalid YAML"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no readable `lockfileVersion`"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("not supported"))
        );
    }
}
