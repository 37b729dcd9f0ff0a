//! .NET packages: the `*.deps.json` file next to a published application.
//! Its `libraries` map holds `"Name/Version"` keys; entries of type
//! `package` are NuGet packages (`project` and `reference` entries are the
//! application's own assemblies and are left out). Dependencies come from
//! the `targets` section (`"Name/Version": {"dependencies": {...}}`).

use customs_types::{Package, PackageKind};
use serde_json::Value;

use super::LangError;
use crate::{Analyzer, Content, FileInfo, Sink};

const LIMIT: u64 = 64 << 20;
const ID: &str = "dotnet-deps";
const WHAT: &str = ".deps.json";

/// Reads `*.deps.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DotnetDeps;

impl Analyzer for DotnetDeps {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        super::has_ext(file.path, ".deps.json")
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
    let Some(Value::Object(libraries)) = v.get("libraries") else {
        return Err(LangError::Missing {
            what: WHAT,
            field: "libraries object",
        });
    };
    // dependencies per "Name/Version", over every target framework
    let mut deps: std::collections::HashMap<&str, Vec<String>> = Default::default();
    if let Some(Value::Object(targets)) = v.get("targets") {
        for target in targets.values() {
            let Value::Object(entries) = target else {
                continue;
            };
            for (key, e) in entries {
                if let Some(Value::Object(d)) = e.get("dependencies") {
                    let list = deps.entry(key.as_str()).or_default();
                    for name in d.keys() {
                        if !list.contains(name) {
                            list.push(name.clone());
                        }
                    }
                }
            }
        }
    }
    let mut bad = 0usize;
    for (key, lib) in libraries {
        if lib.get("type").and_then(Value::as_str) != Some("package") {
            continue;
        }
        let Some((name, version)) = key.split_once('/') else {
            bad += 1;
            continue;
        };
        let (name, version) = (name.trim(), version.trim());
        if name.is_empty() || version.is_empty() {
            bad += 1;
            continue;
        }
        let purl = crate::purl::build("nuget", None, name, Some(version), &[], None);
        let mut p = Package::new(PackageKind::Nuget, name, version, purl, file.path, ID);
        if let Some(d) = deps.get(key.as_str()) {
            p.depends_on = d.clone();
        }
        if let Some(path) = lib.get("path").and_then(Value::as_str) {
            p.properties.insert("path".into(), path.to_string());
        }
        if let Some(sha) = lib.get("sha512").and_then(Value::as_str) {
            p.properties.insert("sha512".into(), sha.to_string());
        }
        sink.package(p);
    }
    if bad > 0 {
        sink.unknown(format!(
            "{bad} libraries without a Name/Version key skipped"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_util::assert_purl_roundtrip;
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lang/dotnet.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lang/dotnet-malformed.txtar");

    #[test]
    fn reads_package_libraries() {
        let a = run_txtar(DotnetDeps, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let mut got: Vec<(&str, &str)> = a
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("Newtonsoft.Json", "13.0.1"),
                ("System.Text.Encodings.Web", "4.7.1")
            ]
        );
        for p in &a.packages {
            assert_purl_roundtrip(p);
            assert_eq!(p.location, "/app/MyApp.deps.json");
        }
        let nj = a
            .packages
            .iter()
            .find(|p| p.name == "Newtonsoft.Json")
            .unwrap();
        assert_eq!(nj.purl, "pkg:nuget/Newtonsoft.Json@13.0.1");
        assert_eq!(nj.depends_on, vec!["System.Text.Encodings.Web"]);
        assert_eq!(nj.properties["path"], "newtonsoft.json/13.0.1");
    }

    #[test]
    fn malformed_deps_json() {
        let a = run_txtar(DotnetDeps, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
    }
}
