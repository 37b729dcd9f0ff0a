//! `Gemfile.lock` (Bundler): the `specs:` of each `GEM` section (gems from
//! a rubygems source). `GIT` and `PATH` sections (git checkouts and local
//! gems) are not registry packages and are skipped.
//!
//! - A spec line is `    name (version)` at four spaces; lines at six
//!   spaces are its dependencies (`depends_on`).
//! - A platform-specific gem (`nokogiri (1.15.4-x86_64-linux)`): Bundler
//!   versions never hold `-`, so the text after the first `-` is the
//!   platform, a purl qualifier and `properties["platform"]`, as the
//!   installed-gem analyzer writes it.
//!
//! Gemfile.lock does not record groups (`:development`), so `dev` is never
//! set.

use customs_types::Package;

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "gemfile-lock";
const WHAT: &str = "Gemfile.lock";

/// Reads `Gemfile.lock` (and `gems.locked`).
#[derive(Debug, Clone, Copy, Default)]
pub struct GemfileLock;

fn required(file: &FileInfo<'_>) -> bool {
    matches!(super::file_name(file), "Gemfile.lock" | "gems.locked")
        && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(GemfileLock, ID, 1, required, analyze);

/// `name (version[-platform])` → parts.
fn spec(line: &str) -> Option<(&str, &str, Option<&str>)> {
    let (name, rest) = line.trim().split_once(" (")?;
    let v = rest.strip_suffix(')')?;
    let (version, platform) = match v.split_once('-') {
        Some((v, p)) => (v, Some(p)),
        None => (v, None),
    };
    (!name.is_empty() && !name.contains(char::is_whitespace) && super::looks_like_version(version))
        .then_some((name, version, platform))
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let mut section = "";
    let mut in_specs = false;
    let mut saw_section = false;
    let mut out = Dedup::default();
    let mut current: Option<Package> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            section = line.trim();
            saw_section = true;
            in_specs = false;
            continue;
        }
        if section != "GEM" {
            continue;
        }
        if indent == 2 {
            in_specs = line.trim() == "specs:";
            continue;
        }
        if !in_specs {
            continue;
        }
        match indent {
            4 => {
                if let Some(p) = current.take() {
                    out.push(p);
                }
                let Some((name, version, platform)) = spec(line) else {
                    sink.unknown(format!(
                        "{WHAT} line {}: not a gem spec: {:?}",
                        i + 1,
                        line.trim()
                    ));
                    continue;
                };
                let platform = platform.filter(|p| *p != "ruby");
                let purl = crate::purl::build(
                    "gem",
                    None,
                    name,
                    Some(version),
                    &[("platform", platform.unwrap_or(""))],
                    None,
                );
                let mut p = super::package(
                    customs_types::PackageKind::Gem,
                    name,
                    version,
                    purl,
                    file,
                    ID,
                    false,
                );
                if let Some(pl) = platform {
                    p.properties.insert("platform".into(), pl.to_string());
                }
                current = Some(p);
            }
            6 => {
                if let (Some(p), Some(dep)) = (current.as_mut(), line.split_whitespace().next()) {
                    p.depends_on.push(dep.to_string());
                }
            }
            _ => {}
        }
    }
    if let Some(p) = current.take() {
        out.push(p);
    }
    if !saw_section {
        return Err(LockError::invalid(
            WHAT,
            "no sections (GEM, PLATFORMS, DEPENDENCIES)",
        ));
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

    const FIXTURE: &str = include_str!("../../testdata/lockfile/gemfile.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/gemfile-malformed.txtar");

    #[test]
    fn gem_specs() {
        let a = run_txtar(GemfileLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        check_common(&a, "/project/Gemfile.lock", ID);
        assert_eq!(
            summary(&a),
            expect(&[
                ("actionpack", "7.0.8", "pkg:gem/actionpack@7.0.8", false),
                (
                    "mini_portile2",
                    "2.8.4",
                    "pkg:gem/mini_portile2@2.8.4",
                    false
                ),
                ("nokogiri", "1.15.4", "pkg:gem/nokogiri@1.15.4", false),
                (
                    "nokogiri",
                    "1.15.4",
                    "pkg:gem/nokogiri@1.15.4?platform=x86_64-linux",
                    false
                ),
                (
                    "nokogiri",
                    "1.15.4",
                    "pkg:gem/nokogiri@1.15.4?platform=arm64-darwin",
                    false
                ),
                ("racc", "1.7.1", "pkg:gem/racc@1.7.1", false),
                ("rack", "2.2.8", "pkg:gem/rack@2.2.8", false),
                ("rack-test", "2.1.0", "pkg:gem/rack-test@2.1.0", false),
                ("rspec-core", "3.12.2", "pkg:gem/rspec-core@3.12.2", false),
                ("webrick", "1.8.1", "pkg:gem/webrick@1.8.1", false),
                ("zeitwerk", "2.6.12", "pkg:gem/zeitwerk@2.6.12", false),
            ])
        );
        let ap = a.packages.iter().find(|p| p.name == "actionpack").unwrap();
        assert_eq!(ap.depends_on, vec!["rack", "rack-test"]);
    }

    #[test]
    fn malformed() {
        let a = run_txtar(GemfileLock, MALFORMED);
        assert_eq!(
            summary(&a),
            expect(&[("rack", "2.2.8", "pkg:gem/rack@2.2.8", false)])
        );
        assert_eq!(a.unknowns.len(), 2, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("line 4: not a gem spec"))
        );
        assert!(a.unknowns.iter().any(|u| u.message.contains("no sections")));
    }
}
