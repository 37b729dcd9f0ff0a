//! npm packages installed in a `node_modules` tree: the `package.json`
//! directly inside each package dir (`node_modules/<name>/package.json`,
//! `node_modules/@scope/<name>/package.json`), nested copies included, each
//! at its own path. Files deeper inside a package (`lib/package.json`) are
//! not packages unless they sit under another `node_modules`.
//!
//! - `license`: a string, `{"type": ...}`, or the legacy `licenses` array.
//! - `depends_on`: the names of `dependencies`.
//! - A `package.json` without a string `name` and `version` is skipped (some
//!   packages ship stub manifests); invalid JSON is an error.

use customs_types::{Package, PackageKind};
use serde_json::Value;

use super::LangError;
use crate::{Analyzer, Content, FileInfo, Sink};

const LIMIT: u64 = 16 << 20;
const ID: &str = "npm-package";
const WHAT: &str = "package.json";

/// Reads installed npm packages.
#[derive(Debug, Clone, Copy, Default)]
pub struct NpmPackage;

/// Is `path` the `package.json` of a package dir in a `node_modules`?
pub(crate) fn is_installed_manifest(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some(nm) = parts.iter().rposition(|p| *p == "node_modules") else {
        return false;
    };
    let ok_name = |n: &str| !n.is_empty() && !n.starts_with('.') && !n.starts_with('@');
    match &parts[nm + 1..] {
        [name, "package.json"] => ok_name(name),
        [scope, name, "package.json"] => scope.len() > 1 && scope.starts_with('@') && ok_name(name),
        _ => false,
    }
}

impl Analyzer for NpmPackage {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        2
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        file.file_name() == "package.json" && is_installed_manifest(file.path)
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        analyze(file, content, sink).map_err(|e| e.to_string())
    }
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LangError> {
    let data = super::read_all(content, LIMIT, WHAT)?;
    let v: Value = super::parse_json(&data, WHAT)?;
    let Value::Object(obj) = &v else {
        return Err(LangError::Invalid {
            what: WHAT,
            message: "not a JSON object".into(),
        });
    };
    let name = obj.get("name").and_then(Value::as_str).map(str::trim);
    let version = obj.get("version").and_then(Value::as_str).map(str::trim);
    let (Some(name), Some(version)) = (name, version) else {
        return Ok(());
    };
    if name.is_empty() || version.is_empty() {
        return Ok(());
    }
    let mut p = Package::new(
        PackageKind::Npm,
        name,
        version,
        crate::purl::npm(name, version),
        file.path,
        ID,
    );
    p.licenses = licenses(obj);
    if let Some(Value::Object(deps)) = obj.get("dependencies") {
        p.depends_on = deps.keys().cloned().collect();
    }
    // `author` is `"Name <mail> (url)"` or `{name, email, url}`; the
    // reports name the supplier from it
    match obj.get("author") {
        Some(Value::String(a)) if !a.trim().is_empty() => {
            p.properties.insert("author".into(), a.trim().to_string());
        }
        Some(Value::Object(a)) => {
            let field = |k: &str| {
                a.get(k)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
            };
            if let Some(n) = field("name") {
                p.properties.insert("author".into(), n.to_string());
                if let Some(e) = field("email") {
                    p.properties.insert("author_email".into(), e.to_string());
                }
            }
        }
        _ => {}
    }
    sink.package(p);
    Ok(())
}

fn licenses(obj: &serde_json::Map<String, Value>) -> Vec<String> {
    let one = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Object(o) => o
                .get("type")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_string()),
            _ => None,
        }
    };
    let mut out: Vec<String> = Vec::new();
    if let Some(l) = obj.get("license") {
        match l {
            Value::Array(a) => out.extend(a.iter().filter_map(one)),
            other => out.extend(one(other)),
        }
    }
    if out.is_empty()
        && let Some(Value::Array(a)) = obj.get("licenses")
    {
        out.extend(a.iter().filter_map(one));
    }
    out.retain(|l| !l.is_empty());
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_util::assert_purl_roundtrip;
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lang/npm.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lang/npm-malformed.txtar");

    #[test]
    fn reads_installed_packages_nested_and_scoped() {
        let a = run_txtar(NpmPackage, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let mut got: Vec<(&str, &str, &str)> = a
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.location.as_str()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    "@babel/core",
                    "7.22.5",
                    "/app/node_modules/@babel/core/package.json"
                ),
                (
                    "minimist",
                    "0.0.8",
                    "/app/node_modules/mkdirp/node_modules/minimist/package.json"
                ),
                (
                    "minimist",
                    "1.2.0",
                    "/app/node_modules/minimist/package.json"
                ),
                ("mkdirp", "0.5.1", "/app/node_modules/mkdirp/package.json"),
                (
                    "old-style",
                    "1.0.0",
                    "/usr/lib/node_modules/old-style/package.json"
                ),
            ]
        );
        for p in &a.packages {
            assert_purl_roundtrip(p);
        }
        let by = |n: &str, v: &str| {
            a.packages
                .iter()
                .find(|p| p.name == n && p.version == v)
                .unwrap()
        };
        let babel = by("@babel/core", "7.22.5");
        assert_eq!(babel.purl, "pkg:npm/%40babel/core@7.22.5");
        assert_eq!(babel.licenses, vec!["MIT"]);
        let mk = by("mkdirp", "0.5.1");
        assert_eq!(mk.depends_on, vec!["minimist"]);
        assert_eq!(mk.licenses, vec!["MIT"]);
        assert_eq!(by("old-style", "1.0.0").licenses, vec!["MIT", "Apache-2.0"]);
    }

    #[test]
    fn malformed_and_nameless_manifests() {
        let a = run_txtar(NpmPackage, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        // invalid JSON and a JSON array: unknowns; the nameless stub and the
        // number version: skipped silently
        assert_eq!(a.unknowns.len(), 2, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("invalid JSON"))
        );
    }

    #[test]
    fn which_package_json_files() {
        let yes = [
            "/app/node_modules/a/package.json",
            "/app/node_modules/@s/a/package.json",
            "/app/node_modules/a/node_modules/b/package.json",
            "/app/node_modules/a/lib/node_modules/b/package.json",
            "/app/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json",
        ];
        let no = [
            "/app/package.json",
            "/app/node_modules/package.json",
            "/app/node_modules/a/lib/package.json",
            "/app/node_modules/@s/package.json",
            "/app/node_modules/.bin/package.json",
            "/app/node_modules/@/a/package.json",
            "/app/node_modules/a/node_modules/@s/b/c/package.json",
        ];
        for p in yes {
            assert!(is_installed_manifest(p), "{p}");
        }
        for p in no {
            assert!(!is_installed_manifest(p), "{p}");
        }
    }
}
