//! `composer.lock`: `packages` and `packages-dev` (dev), each entry with
//! `name` (`vendor/package`) and `version` as written (`v5.4.21`, `1.2.3`,
//! `dev-main`), as the installed-package analyzer reads them. Entries of
//! type `metapackage` have no code but are kept (they carry versions that
//! advisories name).

use serde_json::Value;

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "composer-lock";
const WHAT: &str = "composer.lock";

/// Reads `composer.lock`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComposerLock;

fn required(file: &FileInfo<'_>) -> bool {
    super::file_name(file) == "composer.lock" && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(ComposerLock, ID, 1, required, analyze);

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
    if !obj.contains_key("packages") {
        return Err(LockError::invalid(WHAT, "no `packages`"));
    }
    let mut out = Dedup::default();
    for (section, dev) in [("packages", false), ("packages-dev", true)] {
        let entries = match obj.get(section) {
            Some(Value::Array(a)) => a.as_slice(),
            None | Some(Value::Null) => continue,
            Some(_) => {
                sink.unknown(format!("{WHAT}: `{section}` is not an array"));
                continue;
            }
        };
        for (i, e) in entries.iter().enumerate() {
            let name = e.get("name").and_then(Value::as_str).unwrap_or("");
            let version = e.get("version").and_then(Value::as_str).unwrap_or("");
            let Some((vendor, short)) = name.split_once('/') else {
                sink.unknown(format!(
                    "{WHAT}: {section}[{i}]: name {name:?} is not vendor/package"
                ));
                continue;
            };
            if vendor.is_empty() || short.is_empty() || version.is_empty() {
                sink.unknown(format!("{WHAT}: {section}[{i}] ({name}) has no version"));
                continue;
            }
            let purl =
                crate::purl::build("composer", Some(vendor), short, Some(version), &[], None);
            let mut p = super::package(
                customs_types::PackageKind::Composer,
                name,
                version,
                purl,
                file,
                ID,
                dev,
            );
            if let Some(Value::Array(l)) = e.get("license") {
                p.licenses = l
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
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

    const FIXTURE: &str = include_str!("../../testdata/lockfile/composer.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/composer-malformed.txtar");

    #[test]
    fn packages_and_dev() {
        let a = run_txtar(ComposerLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        check_common(&a, "/project/composer.lock", ID);
        assert_eq!(
            summary(&a),
            expect(&[
                (
                    "guzzlehttp/guzzle",
                    "7.8.0",
                    "pkg:composer/guzzlehttp/guzzle@7.8.0",
                    false
                ),
                (
                    "monolog/monolog",
                    "2.9.1",
                    "pkg:composer/monolog/monolog@2.9.1",
                    false
                ),
                ("psr/log", "3.0.0", "pkg:composer/psr/log@3.0.0", false),
                (
                    "symfony/http-foundation",
                    "v5.4.21",
                    "pkg:composer/symfony/http-foundation@v5.4.21",
                    false
                ),
                (
                    "phpunit/phpunit",
                    "9.6.13",
                    "pkg:composer/phpunit/phpunit@9.6.13",
                    true
                ),
                (
                    "myclabs/deep-copy",
                    "1.11.1",
                    "pkg:composer/myclabs/deep-copy@1.11.1",
                    true
                ),
            ])
        );
        let m = a
            .packages
            .iter()
            .find(|p| p.name == "monolog/monolog")
            .unwrap();
        assert_eq!(m.licenses, vec!["MIT"]);
    }

    #[test]
    fn malformed() {
        let a = run_txtar(ComposerLock, MALFORMED);
        assert_eq!(
            summary(&a),
            expect(&[("psr/log", "3.0.0", "pkg:composer/psr/log@3.0.0", false)])
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
                .any(|u| u.message.contains("not vendor/package"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no `packages`"))
        );
    }
}
