//! PHP packages installed by Composer: `vendor/composer/installed.json`,
//! either the Composer 1 format (a JSON array of packages) or the Composer 2
//! one (`{"packages": [...], "dev": .., "dev-package-names": [...]}`).
//!
//! - `version` as written (`v5.4.21`, `1.2.3`, `dev-main`); the normalised
//!   form, when recorded, is `properties["version_normalized"]`.
//! - `depends_on`: `require` names that are packages (platform requirements
//!   `php`, `ext-*`, `lib-*`, `composer-*-api` left out).
//! - `properties["dev"] = "true"` for packages Composer 2 lists as
//!   dev-only.

use customs_types::{Package, PackageKind};
use serde_json::Value;

use super::LangError;
use crate::{Analyzer, Content, FileInfo, Sink};

const LIMIT: u64 = 64 << 20;
const ID: &str = "composer-installed";
const WHAT: &str = "composer installed.json";

/// Reads `vendor/composer/installed.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComposerInstalled;

impl Analyzer for ComposerInstalled {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        file.path.ends_with("/vendor/composer/installed.json")
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

fn is_platform(req: &str) -> bool {
    let r = req.to_ascii_lowercase();
    r == "php"
        || r.starts_with("php-")
        || r.starts_with("ext-")
        || r.starts_with("lib-")
        || r == "hhvm"
        || r == "composer"
        || r == "composer-plugin-api"
        || r == "composer-runtime-api"
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LangError> {
    let data = super::read_all(content, LIMIT, WHAT)?;
    let v: Value = super::parse_json(&data, WHAT)?;
    let (packages, dev_names): (&Vec<Value>, Vec<&str>) = match &v {
        Value::Array(a) => (a, Vec::new()),
        Value::Object(o) => match o.get("packages") {
            Some(Value::Array(a)) => {
                let dev = match o.get("dev-package-names") {
                    Some(Value::Array(d)) => d.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                (a, dev)
            }
            _ => {
                return Err(LangError::Missing {
                    what: WHAT,
                    field: "packages array",
                });
            }
        },
        _ => {
            return Err(LangError::Invalid {
                what: WHAT,
                message: "neither an array nor an object".into(),
            });
        }
    };
    let mut skipped = 0usize;
    for entry in packages {
        let name = entry.get("name").and_then(Value::as_str).map(str::trim);
        let version = entry.get("version").and_then(Value::as_str).map(str::trim);
        let (Some(name), Some(version)) = (name, version) else {
            skipped += 1;
            continue;
        };
        let Some((vendor, short)) = name.split_once('/') else {
            skipped += 1;
            continue;
        };
        if vendor.is_empty() || short.is_empty() || version.is_empty() {
            skipped += 1;
            continue;
        }
        let purl = crate::purl::build("composer", Some(vendor), short, Some(version), &[], None);
        let mut p = Package::new(PackageKind::Composer, name, version, purl, file.path, ID);
        match entry.get("license") {
            Some(Value::Array(a)) => {
                p.licenses = a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            }
            Some(Value::String(s)) if !s.is_empty() => p.licenses = vec![s.clone()],
            _ => {}
        }
        if let Some(Value::Object(req)) = entry.get("require") {
            p.depends_on = req.keys().filter(|k| !is_platform(k)).cloned().collect();
        }
        if let Some(n) = entry.get("version_normalized").and_then(Value::as_str) {
            p.properties
                .insert("version_normalized".into(), n.to_string());
        }
        if dev_names.contains(&name) {
            p.properties.insert("dev".into(), "true".into());
        }
        sink.package(p);
    }
    if skipped > 0 {
        sink.unknown(format!(
            "{skipped} entries without a vendor/name and version skipped"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_util::assert_purl_roundtrip;
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lang/composer.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lang/composer-malformed.txtar");

    #[test]
    fn reads_v1_and_v2() {
        let a = run_txtar(ComposerInstalled, FIXTURE);
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
                    "guzzlehttp/guzzle",
                    "6.5.5",
                    "/srv/old/vendor/composer/installed.json"
                ),
                (
                    "monolog/monolog",
                    "2.9.1",
                    "/var/www/vendor/composer/installed.json"
                ),
                (
                    "phpunit/phpunit",
                    "9.6.10",
                    "/var/www/vendor/composer/installed.json"
                ),
                (
                    "symfony/http-foundation",
                    "v5.4.21",
                    "/var/www/vendor/composer/installed.json"
                ),
            ]
        );
        for p in &a.packages {
            assert_purl_roundtrip(p);
        }
        let by = |n: &str| a.packages.iter().find(|p| p.name == n).unwrap();
        let sf = by("symfony/http-foundation");
        assert_eq!(sf.purl, "pkg:composer/symfony/http-foundation@v5.4.21");
        assert_eq!(sf.depends_on, vec!["symfony/deprecation-contracts"]);
        assert_eq!(sf.licenses, vec!["MIT"]);
        assert_eq!(sf.properties["version_normalized"], "5.4.21.0");
        assert_eq!(by("phpunit/phpunit").properties["dev"], "true");
        assert!(!sf.properties.contains_key("dev"));
        assert_eq!(
            by("guzzlehttp/guzzle").purl,
            "pkg:composer/guzzlehttp/guzzle@6.5.5"
        );
    }

    #[test]
    fn malformed_installed_json() {
        let a = run_txtar(ComposerInstalled, MALFORMED);
        assert_eq!(a.packages.len(), 1, "{:?}", a.packages);
        // invalid JSON; an object without packages; one entry without a
        // vendor in the name (counted in one unknown)
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
    }
}
