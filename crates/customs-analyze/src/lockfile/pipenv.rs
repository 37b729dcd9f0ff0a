//! `Pipfile.lock` (pipenv): JSON with `default` and `develop` sections,
//! each `{name: {"version": "==1.2.3", "hashes": [...], "markers": ...}}`.
//!
//! - `develop` entries are dev; a package in both sections is not.
//! - Entries without a `==` version (editable, path, VCS) are skipped.
//! - `markers` is kept as `properties["markers"]`.

use serde_json::Value;

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "pipfile-lock";
const WHAT: &str = "Pipfile.lock";

/// Reads `Pipfile.lock`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PipfileLock;

fn required(file: &FileInfo<'_>) -> bool {
    super::file_name(file) == "Pipfile.lock" && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(PipfileLock, ID, 1, required, analyze);

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
    if !obj.contains_key("default") && !obj.contains_key("develop") {
        return Err(LockError::invalid(
            WHAT,
            "no `default` or `develop` section",
        ));
    }
    let mut out = Dedup::default();
    for (section, dev) in [("default", false), ("develop", true)] {
        let entries = match obj.get(section) {
            Some(Value::Object(e)) => e,
            None | Some(Value::Null) => continue,
            Some(_) => {
                sink.unknown(format!("{WHAT}: `{section}` is not an object"));
                continue;
            }
        };
        for (name, entry) in entries {
            let Some(v) = entry.get("version").and_then(Value::as_str) else {
                continue; // editable, path or VCS
            };
            let Some(version) = v
                .strip_prefix("===")
                .or_else(|| v.strip_prefix("=="))
                .map(str::trim)
                .filter(|v| !v.is_empty())
            else {
                sink.unknown(format!(
                    "{WHAT}: {section}.{name}: version {v:?} is not a pin"
                ));
                continue;
            };
            let mut p = super::pypi_package(name, version, file, ID, dev);
            if let Some(m) = entry.get("markers").and_then(Value::as_str) {
                p.properties.insert("markers".into(), m.to_string());
            }
            out.push(p);
        }
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

    const FIXTURE: &str = include_str!("../../testdata/lockfile/pipenv.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/pipenv-malformed.txtar");

    #[test]
    fn default_and_develop() {
        let a = run_txtar(PipfileLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        check_common(&a, "/project/Pipfile.lock", ID);
        assert_eq!(
            summary(&a),
            expect(&[
                ("certifi", "2023.7.22", "pkg:pypi/certifi@2023.7.22", false),
                ("flask", "2.3.3", "pkg:pypi/flask@2.3.3", false),
                ("markupsafe", "2.1.3", "pkg:pypi/markupsafe@2.1.3", false),
                ("colorama", "0.4.6", "pkg:pypi/colorama@0.4.6", false),
                ("pytest", "7.4.2", "pkg:pypi/pytest@7.4.2", true),
                ("pluggy", "1.3.0", "pkg:pypi/pluggy@1.3.0", true),
            ])
        );
        let colorama = a.packages.iter().find(|p| p.name == "colorama").unwrap();
        assert_eq!(
            colorama.properties.get("markers").map(String::as_str),
            Some("sys_platform == 'win32'")
        );
    }

    #[test]
    fn malformed() {
        let a = run_txtar(PipfileLock, MALFORMED);
        assert_eq!(
            summary(&a),
            expect(&[("six", "1.16.0", "pkg:pypi/six@1.16.0", false)])
        );
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("invalid JSON"))
        );
        assert!(a.unknowns.iter().any(|u| u.message.contains("not a pin")));
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no `default`"))
        );
    }
}
