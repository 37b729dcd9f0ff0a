//! `poetry.lock`: the `[[package]]` tables (`name`, `version`).
//!
//! - dev: lock format 1.x writes `category = "dev"`; Poetry 2 (lock 2.1)
//!   writes `groups = [...]`: a package in no `main` group is dev. Lock
//!   2.0 (Poetry 1.5 to 1.8) records neither, so nothing is dev there.
//! - Packages from a local directory or file (`[package.source] type =
//!   "directory"` / `"file"`) are the project's own: not packages. Git and
//!   URL sources are kept with `properties["source"]`.

use toml::Value;

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "poetry-lock";
const WHAT: &str = "poetry.lock";

/// Reads `poetry.lock`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoetryLock;

fn required(file: &FileInfo<'_>) -> bool {
    super::file_name(file) == "poetry.lock" && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(PoetryLock, ID, 1, required, analyze);

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let doc = super::parse_toml(&text, WHAT)?;
    let packages = match doc.get("package") {
        Some(Value::Array(a)) => a.as_slice(),
        None => &[],
        Some(_) => {
            return Err(LockError::invalid(
                WHAT,
                "`package` is not an array of tables",
            ));
        }
    };
    if packages.is_empty() && !doc.contains_key("metadata") {
        return Err(LockError::invalid(WHAT, "no [[package]] and no [metadata]"));
    }
    let mut out = Dedup::default();
    for (i, pkg) in packages.iter().enumerate() {
        let name = pkg.get("name").and_then(Value::as_str).unwrap_or("");
        let version = pkg.get("version").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() || version.is_empty() {
            sink.unknown(format!("{WHAT}: package #{} has no name or version", i + 1));
            continue;
        }
        let source_type = pkg
            .get("source")
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str);
        if matches!(source_type, Some("directory" | "file")) {
            continue;
        }
        let dev = match (pkg.get("category"), pkg.get("groups")) {
            (Some(Value::String(c)), _) => c == "dev",
            (_, Some(Value::Array(groups))) => {
                !groups.is_empty() && !groups.iter().any(|g| g.as_str() == Some("main"))
            }
            _ => false,
        };
        let mut p = super::pypi_package(name, version, file, ID, dev);
        if let Some(t) = source_type.filter(|t| *t != "legacy") {
            let url = pkg
                .get("source")
                .and_then(|s| s.get("url"))
                .and_then(Value::as_str)
                .unwrap_or("");
            p.properties.insert("source".into(), format!("{t}+{url}"));
        }
        out.push(p);
    }
    for p in out.into_vec() {
        sink.package(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::test_util::{check_common, expect, summary};
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lockfile/poetry.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/poetry-malformed.txtar");

    #[test]
    fn lock_2_1_groups_and_1_1_categories() {
        let a = run_txtar(PoetryLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let of = |loc: &str| {
            let mut x = crate::LayerAnalysis::new(0);
            x.packages = a
                .packages
                .iter()
                .filter(|p| p.location == loc)
                .cloned()
                .collect();
            x
        };
        let new = of("/project/poetry.lock");
        let old = of("/legacy/poetry.lock");
        assert_eq!(new.packages.len() + old.packages.len(), a.packages.len());
        check_common(&new, "/project/poetry.lock", ID);
        check_common(&old, "/legacy/poetry.lock", ID);
        assert_eq!(
            summary(&new),
            expect(&[
                ("certifi", "2023.7.22", "pkg:pypi/certifi@2023.7.22", false),
                (
                    "charset-normalizer",
                    "3.3.0",
                    "pkg:pypi/charset-normalizer@3.3.0",
                    false
                ),
                ("idna", "3.4", "pkg:pypi/idna@3.4", false),
                ("requests", "2.31.0", "pkg:pypi/requests@2.31.0", false),
                ("urllib3", "2.0.6", "pkg:pypi/urllib3@2.0.6", false),
                ("iniconfig", "2.0.0", "pkg:pypi/iniconfig@2.0.0", true),
                ("pytest", "7.4.2", "pkg:pypi/pytest@7.4.2", true),
                ("mkdocs", "1.5.3", "pkg:pypi/mkdocs@1.5.3", true),
                ("packaging", "23.2", "pkg:pypi/packaging@23.2", false),
                (
                    "ruamel-yaml",
                    "0.17.35",
                    "pkg:pypi/ruamel-yaml@0.17.35",
                    false
                ),
            ])
        );
        assert_eq!(
            summary(&old),
            expect(&[
                ("django", "3.2.4", "pkg:pypi/django@3.2.4", false),
                ("sqlparse", "0.4.1", "pkg:pypi/sqlparse@0.4.1", false),
                ("coverage", "5.5", "pkg:pypi/coverage@5.5", true),
            ])
        );
    }

    #[test]
    fn malformed() {
        let a = run_txtar(PoetryLock, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        assert_eq!(a.unknowns.len(), 2, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("invalid TOML in poetry.lock"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no name or version"))
        );
    }
}
