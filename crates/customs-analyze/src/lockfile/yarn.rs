//! `yarn.lock`, both formats:
//!
//! - v1 (classic): its own indentation format, entries keyed by one or more
//!   `name@range` descriptors (`"@babel/core@^7.0.0", "@babel/core@^7.1.0":`)
//!   with a `version "7.22.5"` line. The name comes from the descriptor;
//!   an alias (`string-width-cjs@npm:string-width@^4.2.0`) names the real
//!   package. Descriptors of local or VCS sources (`file:`, `link:`, git
//!   URLs, `github:`) are skipped.
//! - berry (v2+; `__metadata:` at the top): YAML, entries with
//!   `resolution: "name@npm:1.2.3"`. Only `npm:` resolutions are packages
//!   (`workspace:`, `patch:`, `portal:`, `link:`, `file:`, git are not).
//!
//! yarn.lock does not say which packages are dev dependencies (that is in
//! `package.json`), so `dev` is never set.

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "yarn-lock";
const WHAT: &str = "yarn.lock";

/// Reads `yarn.lock`.
#[derive(Debug, Clone, Copy, Default)]
pub struct YarnLock;

fn required(file: &FileInfo<'_>) -> bool {
    super::file_name(file) == "yarn.lock" && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(YarnLock, ID, 1, required, analyze);

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let entries = if is_berry(&text) {
        berry(&text)?
    } else {
        classic(&text)?
    };
    let mut out = Dedup::default();
    for e in entries {
        match e {
            Ok((name, version)) => out.push(super::package(
                customs_types::PackageKind::Npm,
                &name,
                &version,
                crate::purl::npm(&name, &version),
                file,
                ID,
                false,
            )),
            Err(msg) => sink.unknown(format!("{WHAT}: {msg}")),
        }
    }
    for p in out.into_vec() {
        sink.package(p);
    }
    Ok(())
}

/// Berry lock files start with `__metadata:` (after comments).
fn is_berry(text: &str) -> bool {
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l == "__metadata:")
}

type Entry = Result<(String, String), String>;

/// Splits `name@range` (the name may start with `@scope/`).
fn split_descriptor(d: &str) -> Option<(&str, &str)> {
    let at = d.get(1..)?.find('@')? + 1;
    Some((&d[..at], &d[at + 1..]))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// Is a v1 range a local or VCS source rather than the registry?
fn non_registry_range(range: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "file:",
        "link:",
        "portal:",
        "workspace:",
        "git+",
        "git:",
        "git@",
        "github:",
        "gitlab:",
        "bitbucket:",
        "http:",
        "https:",
    ];
    PREFIXES.iter().any(|p| range.starts_with(p))
        || range.ends_with(".git")
        || (range.contains('/') && !range.starts_with("npm:") && !range.contains(' '))
}

/// The v1 (classic) format.
fn classic(text: &str) -> Result<Vec<Entry>, LockError> {
    let mut out = Vec::new();
    let mut key: Option<(usize, String)> = None;
    let mut version: Option<String> = None;
    let mut saw_entry = false;
    let flush =
        |key: &mut Option<(usize, String)>, version: &mut Option<String>, out: &mut Vec<Entry>| {
            if let Some((line, k)) = key.take() {
                out.extend(classic_entry(line, &k, version.take()));
            }
            *version = None;
        };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            flush(&mut key, &mut version, &mut out);
            let Some(k) = line.strip_suffix(':') else {
                return Err(LockError::invalid(
                    WHAT,
                    format!("line {}: expected `descriptor:`, found {line:?}", i + 1),
                ));
            };
            key = Some((i + 1, k.to_string()));
            saw_entry = true;
        } else if key.is_some() {
            // `  version "1.2.3"` at two spaces; deeper lines are the
            // dependencies of the entry.
            let indent = line.len() - line.trim_start().len();
            if indent == 2
                && let Some(v) = line.trim_start().strip_prefix("version ")
            {
                version = Some(unquote(v).to_string());
            }
        } else {
            return Err(LockError::invalid(
                WHAT,
                format!("line {}: indented line outside an entry", i + 1),
            ));
        }
    }
    flush(&mut key, &mut version, &mut out);
    if !saw_entry && !text.contains("yarn lockfile v1") && !text.trim().is_empty() {
        return Err(LockError::invalid(WHAT, "no entries"));
    }
    Ok(out)
}

/// One v1 entry: `None` when it is not a registry package.
fn classic_entry(line: usize, key: &str, version: Option<String>) -> Option<Entry> {
    let first = key.split(", ").map(unquote).next().unwrap_or("");
    let Some((name, range)) = split_descriptor(first) else {
        return Some(Err(format!("line {line}: {first:?} is not name@range")));
    };
    if non_registry_range(range) {
        return None;
    }
    let Some(version) = version.filter(|v| !v.is_empty()) else {
        return Some(Err(format!("line {line}: {name} has no version")));
    };
    let name = match range.strip_prefix("npm:").and_then(split_descriptor) {
        Some((real, _)) => real,
        None => name,
    };
    if !super::npm::valid_npm_name(name) {
        return Some(Err(format!("line {line}: bad package name {name:?}")));
    }
    if !super::looks_like_version(&version) {
        return None;
    }
    Some(Ok((name.to_string(), version)))
}

/// The berry (YAML) format.
fn berry(text: &str) -> Result<Vec<Entry>, LockError> {
    let doc = super::parse_yaml(text, WHAT)?;
    let Some(map) = doc.as_hash() else {
        return Err(LockError::invalid(WHAT, "not a YAML mapping"));
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let key = super::yaml_str(k).unwrap_or_default();
        if key == "__metadata" {
            continue;
        }
        let Some(resolution) = super::yaml_str(&v["resolution"]) else {
            out.push(Err(format!("{key:?} has no resolution")));
            continue;
        };
        let Some((name, reference)) = split_descriptor(&resolution) else {
            out.push(Err(format!(
                "resolution {resolution:?} is not name@reference"
            )));
            continue;
        };
        let Some(res_version) = reference.strip_prefix("npm:") else {
            continue; // workspace, patch, git, file, link, portal
        };
        let version = super::yaml_str(&v["version"]).unwrap_or_else(|| res_version.to_string());
        if !super::npm::valid_npm_name(name) {
            out.push(Err(format!("bad package name {name:?}")));
            continue;
        }
        out.push(Ok((name.to_string(), version)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::test_util::{self, expect, summary};
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lockfile/yarn.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/yarn-malformed.txtar");

    fn of(a: &crate::LayerAnalysis, loc: &str) -> crate::LayerAnalysis {
        test_util::of(a, loc, ID)
    }

    #[test]
    fn classic_and_berry() {
        let a = run_txtar(YarnLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let want = expect(&[
            (
                "@babel/code-frame",
                "7.22.13",
                "pkg:npm/%40babel/code-frame@7.22.13",
                false,
            ),
            (
                "@babel/highlight",
                "7.22.20",
                "pkg:npm/%40babel/highlight@7.22.20",
                false,
            ),
            ("js-tokens", "4.0.0", "pkg:npm/js-tokens@4.0.0", false),
            ("lodash", "4.17.15", "pkg:npm/lodash@4.17.15", false),
            ("string-width", "4.2.3", "pkg:npm/string-width@4.2.3", false),
            ("string-width", "5.1.2", "pkg:npm/string-width@5.1.2", false),
            ("resolve", "1.22.8", "pkg:npm/resolve@1.22.8", false),
        ]);
        assert_eq!(summary(&of(&a, "/classic/yarn.lock")), want);
        assert_eq!(summary(&of(&a, "/berry/yarn.lock")), want);
    }

    #[test]
    fn malformed() {
        let a = run_txtar(YarnLock, MALFORMED);
        assert_eq!(
            summary(&a),
            expect(&[("ms", "2.1.3", "pkg:npm/ms@2.1.3", false)])
        );
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("has no version"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("expected `descriptor:`"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("invalid YAML"))
        );
    }
}
