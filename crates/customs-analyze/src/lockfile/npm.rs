//! `package-lock.json` and `npm-shrinkwrap.json`.
//!
//! - Lockfile v2 and v3: the `packages` map, keyed by install path
//!   (`node_modules/a`, `node_modules/a/node_modules/@s/b`). The root `""`
//!   and workspace folders (keys outside `node_modules`) and `link` entries
//!   are the project's own, not packages. The name is the `name` field when
//!   present (aliases: `node_modules/x-cjs` with `"name": "x"`), else the
//!   path after the last `node_modules/`. The first path is kept as
//!   `properties["path"]`.
//! - Lockfile v1: the nested `dependencies` tree; an alias version
//!   (`npm:string-width@4.2.3`) gives the real name.
//! - dev: `"dev": true` (`devOptional` is needed by an optional production
//!   dependency, so it is not dev-only).
//! - Versions that are not registry versions (`file:`, `git+...`,
//!   `github:`, tarball URLs) are skipped.
//! - A lock file inside a `node_modules` tree is a dependency's, not the
//!   project's: not read.

use serde_json::{Map, Value};

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "npm-lock";
const WHAT: &str = "package-lock.json";

/// Reads `package-lock.json` and `npm-shrinkwrap.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NpmLock;

fn required(file: &FileInfo<'_>) -> bool {
    matches!(
        super::file_name(file),
        "package-lock.json" | "npm-shrinkwrap.json"
    ) && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(NpmLock, ID, 1, required, analyze);

/// A valid npm package name (`a`, `@scope/a`).
pub(crate) fn valid_npm_name(n: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~!*'()".contains(c))
    };
    match n.strip_prefix('@') {
        Some(rest) => rest.split_once('/').is_some_and(|(s, n)| ok(s) && ok(n)),
        None => ok(n),
    }
}

/// `npm:real-name@1.2.3` → `("real-name", "1.2.3")`.
pub(crate) fn alias(version: &str) -> Option<(&str, &str)> {
    let rest = version.strip_prefix("npm:")?;
    let at = rest.get(1..)?.find('@')? + 1;
    Some((&rest[..at], &rest[at + 1..]))
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let doc = super::parse_json(&text, WHAT)?;
    let Value::Object(obj) = &doc else {
        return Err(LockError::invalid(WHAT, "not a JSON object"));
    };
    let lock_version = obj.get("lockfileVersion").and_then(Value::as_u64);
    let mut out = Dedup::default();
    match (obj.get("packages"), obj.get("dependencies"), lock_version) {
        (Some(Value::Object(pkgs)), _, _) => from_packages(pkgs, file, sink, &mut out),
        (_, Some(Value::Object(deps)), _) => from_dependencies(deps, file, sink, &mut out, 0),
        (None, None, Some(_)) => {} // a project with no dependencies
        _ => {
            return Err(LockError::invalid(
                WHAT,
                "no `lockfileVersion`, `packages` or `dependencies`",
            ));
        }
    }
    for p in out.into_vec() {
        sink.package(p);
    }
    Ok(())
}

fn new_package(
    name: &str,
    version: &str,
    dev: bool,
    path: Option<&str>,
    file: &FileInfo<'_>,
) -> customs_types::Package {
    let mut p = super::package(
        customs_types::PackageKind::Npm,
        name,
        version,
        crate::purl::npm(name, version),
        file,
        ID,
        dev,
    );
    if let Some(path) = path {
        p.properties.insert("path".into(), path.to_string());
    }
    p
}

fn from_packages(
    pkgs: &Map<String, Value>,
    file: &FileInfo<'_>,
    sink: &mut Sink<'_>,
    out: &mut Dedup,
) {
    for (path, entry) in pkgs {
        let Some(idx) = path.rfind("node_modules/") else {
            continue; // the root "" or a workspace folder
        };
        let Value::Object(e) = entry else {
            sink.unknown(format!("{WHAT}: packages[{path:?}] is not an object"));
            continue;
        };
        if e.get("link").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let dir_name = &path[idx + "node_modules/".len()..];
        let name = e.get("name").and_then(Value::as_str).unwrap_or(dir_name);
        let Some(version) = e.get("version").and_then(Value::as_str) else {
            sink.unknown(format!("{WHAT}: packages[{path:?}] has no version"));
            continue;
        };
        let (name, version) = alias(version).unwrap_or((name, version));
        let resolved = e.get("resolved").and_then(Value::as_str).unwrap_or("");
        if !super::looks_like_version(version) || !registry_resolved(resolved) {
            continue; // git, file, tarball
        }
        if !valid_npm_name(name) {
            sink.unknown(format!("{WHAT}: packages[{path:?}]: bad name {name:?}"));
            continue;
        }
        let dev = e.get("dev").and_then(Value::as_bool) == Some(true);
        out.push(new_package(name, version, dev, Some(path), file));
    }
}

/// Was the package fetched from a registry (or is it unknown)? Git and
/// local sources are not.
fn registry_resolved(resolved: &str) -> bool {
    !(resolved.starts_with("git")
        || resolved.starts_with("file:")
        || resolved.starts_with("link:")
        || resolved.starts_with("github:"))
}

const MAX_DEPTH: usize = 64;

fn from_dependencies(
    deps: &Map<String, Value>,
    file: &FileInfo<'_>,
    sink: &mut Sink<'_>,
    out: &mut Dedup,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        sink.unknown(format!(
            "{WHAT}: dependencies nested deeper than {MAX_DEPTH}"
        ));
        return;
    }
    for (name, entry) in deps {
        let Value::Object(e) = entry else {
            sink.unknown(format!("{WHAT}: dependencies[{name:?}] is not an object"));
            continue;
        };
        match e.get("version").and_then(Value::as_str) {
            None => sink.unknown(format!("{WHAT}: dependencies[{name:?}] has no version")),
            Some(version) => {
                let (real, version) = alias(version).unwrap_or((name, version));
                let resolved = e.get("resolved").and_then(Value::as_str).unwrap_or("");
                if !super::looks_like_version(version) || !registry_resolved(resolved) {
                    // git, file, tarball: not a registry package
                } else if !valid_npm_name(real) {
                    sink.unknown(format!("{WHAT}: bad package name {real:?}"));
                } else {
                    let dev = e.get("dev").and_then(Value::as_bool) == Some(true);
                    out.push(new_package(real, version, dev, None, file));
                }
            }
        }
        if let Some(Value::Object(nested)) = e.get("dependencies") {
            from_dependencies(nested, file, sink, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::test_util::{self, expect, summary};
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lockfile/npm.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/npm-malformed.txtar");

    fn of(a: &crate::LayerAnalysis, loc: &str) -> crate::LayerAnalysis {
        test_util::of(a, loc, ID)
    }

    #[test]
    fn v1_v2_v3() {
        let a = run_txtar(NpmLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let v3 = expect(&[
            ("lodash", "4.17.15", "pkg:npm/lodash@4.17.15", false),
            (
                "@babel/code-frame",
                "7.22.13",
                "pkg:npm/%40babel/code-frame@7.22.13",
                true,
            ),
            ("js-tokens", "4.0.0", "pkg:npm/js-tokens@4.0.0", true),
            ("minimist", "1.2.8", "pkg:npm/minimist@1.2.8", false),
            ("minimist", "0.0.8", "pkg:npm/minimist@0.0.8", false),
            ("mkdirp", "0.5.1", "pkg:npm/mkdirp@0.5.1", false),
            ("string-width", "4.2.3", "pkg:npm/string-width@4.2.3", false),
            ("string-width", "5.1.2", "pkg:npm/string-width@5.1.2", false),
            ("fsevents", "2.3.3", "pkg:npm/fsevents@2.3.3", false),
        ]);
        assert_eq!(summary(&of(&a, "/app/v3/package-lock.json")), v3);
        assert_eq!(summary(&of(&a, "/app/v2/package-lock.json")), v3);
        assert_eq!(
            summary(&of(&a, "/app/v1/package-lock.json")),
            expect(&[
                ("lodash", "4.17.15", "pkg:npm/lodash@4.17.15", false),
                (
                    "@babel/code-frame",
                    "7.22.13",
                    "pkg:npm/%40babel/code-frame@7.22.13",
                    true
                ),
                ("js-tokens", "4.0.0", "pkg:npm/js-tokens@4.0.0", true),
                ("minimist", "1.2.8", "pkg:npm/minimist@1.2.8", false),
                ("minimist", "0.0.8", "pkg:npm/minimist@0.0.8", false),
                ("mkdirp", "0.5.1", "pkg:npm/mkdirp@0.5.1", false),
                ("string-width", "4.2.3", "pkg:npm/string-width@4.2.3", false),
            ])
        );
        let nested = a
            .packages
            .iter()
            .find(|p| p.location == "/app/v3/package-lock.json" && p.version == "0.0.8")
            .unwrap();
        assert_eq!(
            nested.properties.get("path").map(String::as_str),
            Some("node_modules/mkdirp/node_modules/minimist")
        );
        // the lock file of a dependency is not read
        assert!(
            !a.packages
                .iter()
                .any(|p| p.location.contains("node_modules"))
        );
    }

    #[test]
    fn malformed() {
        let a = run_txtar(NpmLock, MALFORMED);
        assert_eq!(
            summary(&a),
            expect(&[("ms", "2.1.3", "pkg:npm/ms@2.1.3", false)])
        );
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("invalid JSON"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("has no version"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no `lockfileVersion`"))
        );
    }

    #[test]
    fn aliases_and_names() {
        assert_eq!(
            alias("npm:string-width@4.2.3"),
            Some(("string-width", "4.2.3"))
        );
        assert_eq!(alias("npm:@s/x@1.0.0"), Some(("@s/x", "1.0.0")));
        assert_eq!(alias("4.2.3"), None);
        assert!(valid_npm_name("@babel/core"));
        assert!(!valid_npm_name("@babel"));
        assert!(!valid_npm_name("a b"));
    }
}
