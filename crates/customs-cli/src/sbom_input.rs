//! Reading an SBOM back into an inventory, for `customs sbom-scan`:
//! CycloneDX JSON (customs's own, Syft's, Trivy's) and SPDX 2.3 JSON.
//!
//! Packages are rebuilt from their purls (`pkg:pypi`, `pkg:npm`, `pkg:deb`,
//! `pkg:apk`, `pkg:rpm`, `pkg:golang`, `pkg:cargo`, `pkg:maven`, `pkg:gem`,
//! `pkg:composer`, `pkg:nuget`, `pkg:conda`), with what the producing tool
//! recorded beside them: the source package of OS packages (customs's,
//! Syft's and Trivy's properties, SPDX `sourceInfo`, the purl's `upstream`
//! qualifier), the location and layer, and the OS package owning an
//! OS-managed language package. The OS comes from the `operating-system`
//! component (or SPDX package), else from the `distro` qualifier of an OS
//! package's purl. Components without a usable purl are listed as unknowns.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use customs_types::{ImageSummary, Inventory, OsInfo, OsManaged, Package, PackageKind, Unknown};
use packageurl::PackageUrl;
use serde_json::Value;

/// An SBOM read back.
#[derive(Debug)]
pub struct SbomInput {
    /// `cyclonedx` or `spdx`.
    pub format: &'static str,
    pub summary: ImageSummary,
    pub inventory: Inventory,
    /// Ids naming the described artifact (its purl, name, bom-ref), for VEX
    /// products.
    pub artifact_ids: Vec<String>,
}

/// Reads a CycloneDX or SPDX JSON SBOM.
pub fn read(path: &Path) -> anyhow::Result<SbomInput> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON (CycloneDX or SPDX JSON)", path.display()))?;
    let name = path.display().to_string();
    if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        Ok(cyclonedx(&v, &name))
    } else if v.get("spdxVersion").and_then(Value::as_str).is_some() {
        Ok(spdx(&v, &name))
    } else {
        bail!(
            "{}: neither a CycloneDX JSON SBOM (bomFormat) nor an SPDX JSON one (spdxVersion)",
            path.display()
        )
    }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|x| !x.is_empty())
}

/// `name → value` of a CycloneDX component's properties (first wins).
fn properties(c: &Value) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for p in c
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(k), Some(v)) = (s(p, "name"), p.get("value").and_then(Value::as_str)) {
            m.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
    }
    m
}

/// What a tool recorded beside a purl.
#[derive(Default)]
struct Extra {
    name: Option<String>,
    version: Option<String>,
    source_name: Option<String>,
    source_version: Option<String>,
    location: Option<String>,
    layer: Option<u32>,
    os_managed_by: Option<String>,
    properties: BTreeMap<String, String>,
}

impl Extra {
    fn from_cdx(c: &Value) -> Extra {
        let props = properties(c);
        let get = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| props.get(*k))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut source_version = get(&[
            "customs:source_version",
            "syft:metadata:sourceVersion",
            "aquasecurity:trivy:SrcVersion",
        ]);
        // Trivy keeps the source epoch apart.
        if let (Some(v), Some(e)) = (&source_version, get(&["aquasecurity:trivy:SrcEpoch"]))
            && e != "0"
            && !v.contains(':')
        {
            source_version = Some(format!("{e}:{v}"));
        }
        Extra {
            name: s(c, "name").map(str::to_string),
            version: s(c, "version").map(str::to_string),
            source_name: get(&[
                "customs:source_name",
                "syft:metadata:source",
                "aquasecurity:trivy:SrcName",
            ]),
            source_version,
            location: get(&[
                "customs:location",
                "syft:location:0:path",
                "aquasecurity:trivy:FilePath",
            ]),
            layer: get(&["customs:layer:index"]).and_then(|l| l.parse().ok()),
            os_managed_by: get(&["customs:os_managed_by"]),
            properties: props
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("customs:package:")
                        .filter(|k| *k != "type")
                        .map(|k| (k.to_string(), v.clone()))
                })
                .collect(),
        }
    }
}

/// `debian-12` → (debian, 12); `alpine-3.19.1` → (alpine, 3.19.1).
fn os_from_distro(distro: &str) -> Option<OsInfo> {
    let (id, version) = distro.split_once('-')?;
    if id.is_empty() || version.is_empty() {
        return None;
    }
    Some(OsInfo {
        id: id.to_ascii_lowercase(),
        version: Some(version.to_string()),
        source: format!("purl distro qualifier {distro}"),
        ..Default::default()
    })
}

fn qualifier<'a>(p: &'a PackageUrl<'_>, key: &str) -> Option<&'a str> {
    p.qualifiers()
        .iter()
        .find(|(k, _)| k.as_ref() == key)
        .map(|(_, v)| v.as_ref())
        .filter(|v| !v.is_empty())
}

/// PEP 503 normalised name.
fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A package from a purl, or why not. `distro_os` receives the OS a `distro`
/// qualifier names.
fn package(
    purl: &str,
    extra: Extra,
    analyzer: &str,
    distro_os: &mut Option<OsInfo>,
) -> Result<Package, String> {
    let p: PackageUrl<'_> = purl
        .parse()
        .map_err(|e| format!("invalid purl {purl:?}: {e}"))?;
    let ns = p.namespace().filter(|n| !n.is_empty());
    let with_ns = |sep: &str| match ns {
        Some(n) => format!("{n}{sep}{}", p.name()),
        None => p.name().to_string(),
    };
    let kind = match p.ty() {
        "pypi" => PackageKind::Python,
        "npm" => PackageKind::Npm,
        "deb" => PackageKind::Deb,
        "apk" => PackageKind::Apk,
        "rpm" => PackageKind::Rpm,
        "golang" => PackageKind::Go,
        "cargo" => PackageKind::Cargo,
        "maven" => PackageKind::Maven,
        "gem" => PackageKind::Gem,
        "composer" => PackageKind::Composer,
        "nuget" => PackageKind::Nuget,
        "conda" => PackageKind::Conda,
        other => {
            return Err(format!(
                "purl type {other:?} has no vulnerability ecosystem"
            ));
        }
    };
    let Some(mut version) = p
        .version()
        .map(str::to_string)
        .or_else(|| extra.version.clone())
    else {
        return Err(format!("{purl}: no version"));
    };
    let mut properties = extra.properties;
    let mut source_name = extra.source_name;
    let mut source_version = extra.source_version;
    let name = match kind {
        // The purl name is PEP 503-normalised; keep the spelling the SBOM
        // shows when it is the same name.
        PackageKind::Python => match &extra.name {
            Some(n) if pep503(n) == pep503(p.name()) => n.clone(),
            _ => p.name().to_string(),
        },
        PackageKind::Npm | PackageKind::Go | PackageKind::Composer => with_ns("/"),
        PackageKind::Maven => {
            if let Some(g) = ns {
                properties
                    .entry("group".to_string())
                    .or_insert_with(|| g.to_string());
            }
            p.name().to_string()
        }
        PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm => {
            if let Some(e) = qualifier(&p, "epoch")
                && e != "0"
                && !version.contains(':')
            {
                version = format!("{e}:{version}");
            }
            if let Some(up) = qualifier(&p, "upstream") {
                if kind == PackageKind::Rpm {
                    properties
                        .entry("source_rpm".to_string())
                        .or_insert_with(|| up.to_string());
                    source_name.get_or_insert_with(|| up.to_string());
                } else {
                    // `upstream=openssl` or `upstream=openssl@3.0.11-1`.
                    let (n, v) = match up.split_once('@') {
                        Some((n, v)) => (n, Some(v)),
                        None => (up, None),
                    };
                    source_name.get_or_insert_with(|| n.to_string());
                    if let Some(v) = v {
                        source_version.get_or_insert_with(|| v.to_string());
                    }
                }
            }
            if distro_os.is_none()
                && let Some(d) = qualifier(&p, "distro")
            {
                *distro_os = os_from_distro(d);
            }
            p.name().to_string()
        }
        _ => p.name().to_string(),
    };
    // A source package without its own version has the binary's.
    if source_name.is_some() && source_version.is_none() && kind == PackageKind::Deb {
        source_version = Some(version.clone());
    }
    let mut pkg = Package::new(
        kind,
        name,
        version,
        purl,
        extra.location.unwrap_or_else(|| "sbom".to_string()),
        analyzer,
    );
    pkg.source_name = source_name;
    pkg.source_version = source_version;
    pkg.layer = extra.layer;
    pkg.arch = qualifier(&p, "arch").map(str::to_string);
    pkg.properties = properties;
    if let Some(owner) = extra.os_managed_by
        && let Ok(o) = owner.parse::<PackageUrl<'_>>()
    {
        pkg.os_managed = Some(OsManaged {
            package: o.name().to_string(),
            version: o.version().unwrap_or_default().to_string(),
            purl: owner.clone(),
        });
    }
    Ok(pkg)
}

fn unknown(path: &str, reason: String) -> Unknown {
    Unknown {
        layer: None,
        path: Some(path.to_string()),
        origin: "sbom-scan".into(),
        message: reason,
    }
}

fn cyclonedx(v: &Value, source: &str) -> SbomInput {
    let mut summary = ImageSummary {
        name: source.to_string(),
        source: "sbom:cyclonedx".into(),
        ..Default::default()
    };
    let mut artifact_ids = Vec::new();
    if let Some(m) = v.pointer("/metadata/component") {
        describe(&mut summary, &mut artifact_ids, s(m, "name"), s(m, "purl"));
        artifact_ids.extend(s(m, "bom-ref").map(str::to_string));
    }
    let tool = tool_name(v);
    let mut os: Option<OsInfo> = None;
    let mut distro_os = None;
    let mut packages = Vec::new();
    let mut unknowns = Vec::new();
    let mut stack: Vec<&Value> = v
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    stack.reverse();
    while let Some(c) = stack.pop() {
        let nested: Vec<&Value> = c
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        stack.extend(nested.into_iter().rev());
        let ty = s(c, "type").unwrap_or("library");
        if ty == "operating-system" {
            if os.is_none()
                && let Some(id) = s(c, "name")
            {
                let props = properties(c);
                os = Some(OsInfo {
                    id: id.to_ascii_lowercase(),
                    version: s(c, "version").map(str::to_string),
                    codename: props.get("customs:os:codename").cloned(),
                    pretty_name: s(c, "description").map(str::to_string),
                    distroless: props
                        .get("customs:os:distroless")
                        .is_some_and(|d| d == "true"),
                    source: "SBOM operating-system component".into(),
                    ..Default::default()
                });
            }
            continue;
        }
        let label = s(c, "bom-ref").or(s(c, "name")).unwrap_or("component");
        let Some(purl) = s(c, "purl") else {
            if !matches!(
                ty,
                "container" | "file" | "application" | "operating-system"
            ) {
                unknowns.push(unknown(label, "component without a purl".into()));
            }
            continue;
        };
        match package(purl, Extra::from_cdx(c), &tool, &mut distro_os) {
            Ok(p) => packages.push(p),
            Err(why) => unknowns.push(unknown(label, why)),
        }
    }
    SbomInput {
        format: "cyclonedx",
        summary,
        inventory: Inventory {
            os: os.or(distro_os),
            packages,
            unknowns,
        },
        artifact_ids,
    }
}

/// The described artifact's name and purl; an OCI purl's version is the
/// manifest digest.
fn describe(
    summary: &mut ImageSummary,
    ids: &mut Vec<String>,
    name: Option<&str>,
    purl: Option<&str>,
) {
    if let Some(n) = name {
        summary.name = n.to_string();
        ids.push(n.to_string());
    }
    if let Some(p) = purl {
        ids.push(p.to_string());
        if let Ok(u) = p.parse::<PackageUrl<'_>>()
            && u.ty() == "oci"
            && let Some(d) = u.version().and_then(|d| d.parse().ok())
        {
            summary.manifest_digest = Some(d);
        }
    }
}

fn tool_name(v: &Value) -> String {
    let tools = v.pointer("/metadata/tools");
    let first = tools
        .and_then(|t| t.get("components"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .or_else(|| tools.and_then(Value::as_array).and_then(|a| a.first()));
    match first.and_then(|t| s(t, "name")) {
        Some(n) => format!("sbom:{n}"),
        None => "sbom".into(),
    }
}

/// What SPDX `sourceInfo` says: customs's "built package from: NAME
/// VERSION" and "installed by the OS package NAME VERSION (PURL)".
fn spdx_source_info(info: &str, extra: &mut Extra) {
    if let Some(rest) = info.strip_prefix("built package from:") {
        let mut it = rest.split_whitespace();
        extra.source_name = it.next().map(str::to_string);
        extra.source_version = it.next().map(str::to_string);
    } else if let Some(rest) = info.strip_prefix("installed by the OS package ")
        && let (Some(open), Some(close)) = (rest.rfind('('), rest.rfind(')'))
        && open < close
    {
        extra.os_managed_by = Some(rest[open + 1..close].trim().to_string());
    }
}

fn spdx(v: &Value, source: &str) -> SbomInput {
    let mut summary = ImageSummary {
        name: s(v, "name").unwrap_or(source).to_string(),
        source: "sbom:spdx".into(),
        ..Default::default()
    };
    let mut artifact_ids = Vec::new();
    let purl_of = |p: &Value| -> Option<String> {
        p.get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| s(r, "referenceType") == Some("purl"))
            .and_then(|r| s(r, "referenceLocator"))
            .map(str::to_string)
    };
    let mut described: Vec<String> = v
        .get("documentDescribes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect();
    for r in v
        .get("relationships")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if s(r, "relationshipType") == Some("DESCRIBES")
            && s(r, "spdxElementId") == Some("SPDXRef-DOCUMENT")
            && let Some(t) = s(r, "relatedSpdxElement")
        {
            described.push(t.to_string());
        }
    }
    let tool = v
        .pointer("/creationInfo/creators")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|c| c.strip_prefix("Tool:"))
        .map(|t| format!("sbom:{}", t.trim().split('-').next().unwrap_or("").trim()))
        .unwrap_or_else(|| "sbom".into());
    let mut os = None;
    let mut distro_os = None;
    let mut packages = Vec::new();
    let mut unknowns = Vec::new();
    for p in v
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = s(p, "SPDXID").unwrap_or("package");
        let purpose = s(p, "primaryPackagePurpose");
        if described.iter().any(|d| d == id) || purpose == Some("CONTAINER") {
            let purl = purl_of(p);
            describe(
                &mut summary,
                &mut artifact_ids,
                s(p, "name"),
                purl.as_deref(),
            );
            artifact_ids.push(id.to_string());
            continue;
        }
        if purpose == Some("OPERATING_SYSTEM") {
            if os.is_none()
                && let Some(n) = s(p, "name")
            {
                os = Some(OsInfo {
                    id: n.to_ascii_lowercase(),
                    version: s(p, "versionInfo").map(str::to_string),
                    pretty_name: s(p, "description").map(str::to_string),
                    source: "SBOM operating-system package".into(),
                    ..Default::default()
                });
            }
            continue;
        }
        let Some(purl) = purl_of(p) else {
            unknowns.push(unknown(id, "package without a purl".into()));
            continue;
        };
        let mut extra = Extra {
            name: s(p, "name").map(str::to_string),
            version: s(p, "versionInfo").map(str::to_string),
            ..Default::default()
        };
        if let Some(info) = s(p, "sourceInfo") {
            spdx_source_info(info, &mut extra);
        }
        for a in p
            .get("annotations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for line in s(a, "comment").unwrap_or("").lines() {
                if let Some(l) = line.strip_prefix("customs:location=") {
                    extra.location = Some(l.to_string());
                } else if let Some(l) = line.strip_prefix("customs:layer:index=") {
                    extra.layer = l.trim().parse().ok();
                }
            }
        }
        match package(&purl, extra, &tool, &mut distro_os) {
            Ok(pkg) => packages.push(pkg),
            Err(why) => unknowns.push(unknown(id, why)),
        }
    }
    SbomInput {
        format: "spdx",
        summary,
        inventory: Inventory {
            os: os.or(distro_os),
            packages,
            unknowns,
        },
        artifact_ids,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(purl: &str) -> (Package, Option<OsInfo>) {
        let mut os = None;
        let p = package(purl, Extra::default(), "t", &mut os).unwrap();
        (p, os)
    }

    #[test]
    fn purls_become_packages() {
        let (p, os) = one(
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        );
        assert_eq!(p.kind, PackageKind::Deb);
        assert_eq!(p.name, "libssl3");
        assert_eq!(p.source_name.as_deref(), Some("openssl"));
        assert_eq!(p.source_version.as_deref(), Some("3.0.11-1~deb12u2"));
        let os = os.unwrap();
        assert_eq!(
            (os.id.as_str(), os.version.as_deref()),
            ("debian", Some("12"))
        );

        let (p, _) = one("pkg:deb/debian/git@2.39.2-1.1?arch=amd64&distro=debian-12.5&epoch=1");
        assert_eq!(p.version, "1:2.39.2-1.1");
        assert!(p.source_name.is_none());

        let (p, _) = one("pkg:npm/%40babel/core@7.0.0");
        assert_eq!((p.kind, p.name.as_str()), (PackageKind::Npm, "@babel/core"));
        let (p, _) = one("pkg:golang/github.com/gin-gonic/gin@v1.9.0");
        assert_eq!(p.name, "github.com/gin-gonic/gin");
        let (p, _) = one("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
        assert_eq!(p.name, "log4j-core");
        assert_eq!(p.properties["group"], "org.apache.logging.log4j");
        assert!(
            package("pkg:generic/x@1", Extra::default(), "t", &mut None).is_err(),
            "no ecosystem"
        );
        assert!(package("pkg:pypi/x", Extra::default(), "t", &mut None).is_err());

        let mut os = None;
        let extra = Extra {
            name: Some("PyYAML".into()),
            ..Default::default()
        };
        let p = package("pkg:pypi/pyyaml@5.3.1", extra, "t", &mut os).unwrap();
        assert_eq!(p.name, "PyYAML");
    }

    #[test]
    fn spdx_source_info_forms() {
        let mut e = Extra::default();
        spdx_source_info("built package from: openssl 3.0.11-1~deb12u2", &mut e);
        assert_eq!(e.source_name.as_deref(), Some("openssl"));
        assert_eq!(e.source_version.as_deref(), Some("3.0.11-1~deb12u2"));
        let mut e = Extra::default();
        spdx_source_info(
            "installed by the OS package python3-pip 23.0.1+dfsg-1 (pkg:deb/debian/python3-pip@23.0.1%2Bdfsg-1)",
            &mut e,
        );
        assert_eq!(
            e.os_managed_by.as_deref(),
            Some("pkg:deb/debian/python3-pip@23.0.1%2Bdfsg-1")
        );
    }
}
