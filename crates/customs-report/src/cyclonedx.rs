//! CycloneDX 1.6 (default) and 1.7 JSON.
//!
//! - `metadata.component` is the image (`container`, its `pkg:oci` purl,
//!   version = manifest digest or tag); the OS is an `operating-system`
//!   component; every package is a `library` component whose `bom-ref` is
//!   its purl (see [`crate::ids`] for shared purls).
//! - `dependencies`: the image depends on the OS and on the root language
//!   packages, the OS on the root OS packages, each package on the packages
//!   its metadata names (see the catalog rules in the crate README).
//! - Package facts without a CycloneDX field are `customs:` properties:
//!   `customs:package:type`, `customs:location`, `customs:layer:index`,
//!   `customs:layer:diff_id`, `customs:layer:created_by`,
//!   `customs:analyzer`, `customs:source_name`, `customs:source_version`,
//!   `customs:arch`, `customs:os_managed_by` (the owning OS package's purl),
//!   and `customs:package:<key>` for each catalogue-specific property.
//! - `vulnerabilities`: one entry per vulnerability id (and suppression),
//!   affecting every package it was found in. With `--base`, each carries
//!   `customs:origin` (`base` or `application`, once per origin among its
//!   packages), and the metadata carries `customs:base:name`, `:digest`,
//!   `:source` and `:layers`.
//! - Licenses: `license.id` for an SPDX id, `expression` for an
//!   expression, `license.name` otherwise (see [`crate::license`]); in 1.6 a package with an expression among several
//!   licenses gets one combined `AND` expression when all are valid, else
//!   only `license` entries, as 1.6 allows no mix.

use std::collections::BTreeMap;
use std::io::{self, Write};

use customs_types::{Package, PackageKind, Severity, Suppression, VulnFinding};
use serde::Serialize;

use crate::ScanReport;
use crate::catalog::Catalog;
use crate::license::{LicenseKind, classify};
use crate::supplier::{self, Actor, ActorKind};

/// The CycloneDX spec versions customs writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CycloneDxVersion {
    #[default]
    V1_6,
    V1_7,
}

impl CycloneDxVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            CycloneDxVersion::V1_6 => "1.6",
            CycloneDxVersion::V1_7 => "1.7",
        }
    }

    fn schema_url(self) -> &'static str {
        match self {
            CycloneDxVersion::V1_6 => "http://cyclonedx.org/schema/bom-1.6.schema.json",
            CycloneDxVersion::V1_7 => "http://cyclonedx.org/schema/bom-1.7.schema.json",
        }
    }
}

/// Writes CycloneDX 1.6 JSON.
pub fn write_cyclonedx(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write_cyclonedx_version(report, CycloneDxVersion::V1_6, out)
}

/// Writes CycloneDX JSON of the given spec version.
pub fn write(
    report: &ScanReport,
    version: CycloneDxVersion,
    out: &mut dyn Write,
) -> io::Result<()> {
    let bom = build(report, version)?;
    crate::write_json_value(&bom, out)
}

/// Writes CycloneDX JSON of the given spec version (the crate-root name of
/// [`write()`]).
pub fn write_cyclonedx_version(
    report: &ScanReport,
    version: CycloneDxVersion,
    out: &mut dyn Write,
) -> io::Result<()> {
    write(report, version, out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<OrganizationalEntity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct OrganizationalEntity {
    name: String,
}

#[derive(Serialize)]
struct Contact {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

#[derive(Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    ty: &'static str,
    url: String,
}

#[derive(Serialize, Clone, PartialEq)]
#[serde(untagged)]
enum LicenseChoice {
    License {
        license: License,
    },
    Expression {
        expression: String,
        acknowledgement: &'static str,
    },
}

#[derive(Serialize, Clone, PartialEq)]
struct License {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    acknowledgement: &'static str,
}

#[derive(Serialize, Clone, PartialEq)]
struct Property {
    name: String,
    value: String,
}

fn prop(name: impl Into<String>, value: impl Into<String>) -> Property {
    Property {
        name: name.into(),
        value: value.into(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct Vulnerability {
    id: String,
    source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advisories: Vec<Advisory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Analysis>,
    affects: Vec<Affect>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize, Clone, PartialEq)]
struct Source {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize, PartialEq)]
struct Reference {
    id: String,
    source: Source,
}

#[derive(Serialize, PartialEq)]
struct Rating {
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize, PartialEq)]
struct Advisory {
    url: String,
}

#[derive(Serialize)]
struct Analysis {
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Serialize)]
struct Affect {
    #[serde(rename = "ref")]
    reference: String,
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

fn build(report: &ScanReport, version: CycloneDxVersion) -> io::Result<Bom> {
    crate::time::check_rfc3339(&report.generated_at)?;
    let serial = report.serial_urn()?;
    let cat = Catalog::new(report);
    let os = cat.os();

    let mut components = Vec::new();
    if let (Some(os), Some(os_ref)) = (os, &cat.os_ref) {
        let mut props = vec![prop("customs:os:source", os.source.clone())];
        if let Some(c) = &os.codename {
            props.push(prop("customs:os:codename", c.clone()));
        }
        if os.distroless {
            props.push(prop("customs:os:distroless", "true"));
        }
        components.push(Component {
            ty: "operating-system",
            bom_ref: Some(os_ref.clone()),
            supplier: supplier::os_supplier(os).map(|a| OrganizationalEntity { name: a.name }),
            name: os.id.clone(),
            version: os.version.clone(),
            description: os.pretty_name.clone(),
            properties: props,
            ..Default::default()
        });
    }
    for e in &cat.entries {
        components.push(package_component(&cat, e.pkg, &e.bom_ref, version));
    }

    let refs = |ix: &[usize]| -> Vec<String> {
        ix.iter().map(|&i| cat.entries[i].bom_ref.clone()).collect()
    };
    let mut dependencies = Vec::new();
    let mut image_deps: Vec<String> = cat.os_ref.iter().cloned().collect();
    image_deps.extend(refs(&cat.image_roots));
    dependencies.push(Dependency {
        reference: cat.image_ref.clone(),
        depends_on: image_deps,
    });
    if let Some(os_ref) = &cat.os_ref {
        dependencies.push(Dependency {
            reference: os_ref.clone(),
            depends_on: refs(&cat.os_roots),
        });
    }
    for e in &cat.entries {
        dependencies.push(Dependency {
            reference: e.bom_ref.clone(),
            depends_on: refs(&e.deps),
        });
    }

    Ok(Bom {
        schema: version.schema_url(),
        bom_format: "CycloneDX",
        spec_version: version.as_str(),
        serial_number: serial,
        version: 1,
        metadata: Metadata {
            timestamp: report.generated_at.clone(),
            tools: Tools {
                components: vec![tool_component(report)],
            },
            component: image_component(&cat),
            properties: metadata_properties(report),
        },
        components,
        dependencies,
        vulnerabilities: vulnerabilities(&cat),
    })
}

fn tool_component(report: &ScanReport) -> Component {
    let t = &report.tool;
    Component {
        ty: "application",
        name: t.name.clone(),
        version: Some(t.version.clone()).filter(|v| !v.is_empty()),
        external_references: t
            .information_uri
            .iter()
            .filter(|u| is_url(u))
            .map(|u| ExternalReference {
                ty: "website",
                url: u.clone(),
            })
            .collect(),
        ..Default::default()
    }
}

fn image_component(cat: &Catalog<'_>) -> Component {
    let a = &cat.report.artifact;
    let (supplier, authors) = actor_fields(crate::supplier::report_image_supplier(cat.report));
    let mut props = Vec::new();
    for t in &a.repo_tags {
        props.push(prop("customs:image:repo_tag", t.clone()));
    }
    if let Some(d) = &a.config_digest {
        props.push(prop("customs:image:config_digest", d.to_string()));
    }
    if let Some(p) = &a.platform {
        props.push(prop("customs:image:platform", p.to_string()));
    }
    Component {
        ty: if a.manifest_digest.is_some() || !a.layers.is_empty() {
            "container"
        } else {
            "file"
        },
        bom_ref: Some(cat.image_ref.clone()),
        supplier,
        authors,
        name: crate::image::display_name(a),
        version: crate::image::version(a),
        purl: cat.image_purl.clone(),
        properties: props,
        ..Default::default()
    }
}

fn metadata_properties(report: &ScanReport) -> Vec<Property> {
    let a = &report.artifact;
    let mut props = vec![
        prop("customs:image:name", a.name.clone()),
        prop("customs:image:source", a.source.clone()),
    ];
    for l in &a.layers {
        if let Some(d) = &l.diff_id {
            props.push(prop(
                format!("customs:layer:{}:diff_id", l.index),
                d.to_string(),
            ));
        }
    }
    if let Some(b) = &report.base {
        props.push(prop("customs:base:name", b.name.clone()));
        if let Some(d) = &b.digest {
            props.push(prop("customs:base:digest", d.clone()));
        }
        props.push(prop("customs:base:source", b.source.clone()));
        if let Some(n) = b.layers {
            props.push(prop("customs:base:layers", n.to_string()));
        }
    }
    for u in &report.inventory.unknowns {
        let mut v = u.origin.clone();
        if let Some(l) = u.layer {
            v.push_str(&format!(" (layer {l})"));
        }
        if let Some(p) = &u.path {
            v.push_str(&format!(" {p}"));
        }
        v.push_str(&format!(": {}", u.message));
        props.push(prop("customs:unknown", v));
    }
    props
}

/// Organization → `supplier`; person → `authors`.
fn actor_fields(a: Option<Actor>) -> (Option<OrganizationalEntity>, Vec<Contact>) {
    match a {
        Some(Actor {
            kind: ActorKind::Organization,
            name,
            ..
        }) => (Some(OrganizationalEntity { name }), Vec::new()),
        Some(Actor {
            kind: ActorKind::Person,
            name,
            email,
        }) => (None, vec![Contact { name, email }]),
        None => (None, Vec::new()),
    }
}

fn package_component(
    cat: &Catalog<'_>,
    p: &Package,
    bom_ref: &str,
    version: CycloneDxVersion,
) -> Component {
    let (supplier, authors) = actor_fields(supplier::package_supplier(p, cat.os()));
    let (group, name) = match p.kind {
        PackageKind::Maven => maven_coordinates(p),
        _ => (None, p.name.clone()),
    };
    let mut props = vec![
        prop("customs:package:type", p.kind.as_str()),
        prop("customs:location", p.location.clone()),
    ];
    if let Some(l) = cat.layer(p.layer) {
        props.push(prop("customs:layer:index", l.index.to_string()));
        if let Some(d) = l.diff_id {
            props.push(prop("customs:layer:diff_id", d.to_string()));
        }
        if let Some(c) = &l.created_by {
            props.push(prop("customs:layer:created_by", c.clone()));
        }
    } else if let Some(i) = p.layer {
        props.push(prop("customs:layer:index", i.to_string()));
    }
    props.push(prop("customs:analyzer", p.analyzer.clone()));
    if let Some(s) = &p.source_name {
        props.push(prop("customs:source_name", s.clone()));
    }
    if let Some(s) = &p.source_version {
        props.push(prop("customs:source_version", s.clone()));
    }
    if let Some(a) = &p.arch {
        props.push(prop("customs:arch", a.clone()));
    }
    if let Some(m) = &p.os_managed {
        props.push(prop("customs:os_managed_by", m.purl.clone()));
    }
    for (k, v) in &p.properties {
        props.push(prop(format!("customs:package:{k}"), v.clone()));
    }
    Component {
        ty: "library",
        bom_ref: Some(bom_ref.to_string()),
        supplier,
        authors,
        group,
        name,
        version: Some(p.version.clone()).filter(|v| !v.is_empty()),
        licenses: licenses(&p.licenses, version),
        purl: Some(p.purl.clone()).filter(|v| !v.is_empty()),
        properties: props,
        ..Default::default()
    }
}

/// `(group, name)` of a Maven package from its purl.
fn maven_coordinates(p: &Package) -> (Option<String>, String) {
    use std::str::FromStr;
    match packageurl::PackageUrl::from_str(&p.purl) {
        Ok(u) if u.namespace().is_some() => {
            (u.namespace().map(str::to_string), u.name().to_string())
        }
        _ => (None, p.name.clone()),
    }
}

fn license_entry(k: LicenseKind<'_>) -> LicenseChoice {
    match k {
        LicenseKind::Id(id) => LicenseChoice::License {
            license: License {
                id: Some(id.to_string()),
                name: None,
                acknowledgement: "declared",
            },
        },
        LicenseKind::Expression(e) => LicenseChoice::Expression {
            expression: e.to_string(),
            acknowledgement: "declared",
        },
        LicenseKind::Name(n) => LicenseChoice::License {
            license: License {
                id: None,
                name: Some(n.to_string()),
                acknowledgement: "declared",
            },
        },
    }
}

fn licenses(declared: &[String], version: CycloneDxVersion) -> Vec<LicenseChoice> {
    let kinds: Vec<LicenseKind<'_>> = declared.iter().filter_map(|l| classify(l)).collect();
    let mut out: Vec<LicenseChoice> = Vec::new();
    let has_expression = kinds
        .iter()
        .any(|k| matches!(k, LicenseKind::Expression(_)));
    match version {
        CycloneDxVersion::V1_6 if has_expression && kinds.len() > 1 => {
            let all_valid = kinds.iter().all(|k| !matches!(k, LicenseKind::Name(_)));
            if all_valid {
                let mut parts: Vec<String> = Vec::new();
                for k in &kinds {
                    let s = match k {
                        LicenseKind::Id(s) | LicenseKind::Expression(s) => *s,
                        LicenseKind::Name(s) => s,
                    };
                    let s = if s.contains(' ') {
                        format!("({s})")
                    } else {
                        s.to_string()
                    };
                    if !parts.contains(&s) {
                        parts.push(s);
                    }
                }
                out.push(LicenseChoice::Expression {
                    expression: parts.join(" AND "),
                    acknowledgement: "declared",
                });
            } else {
                // 1.6 allows no mix: every entry as a `license`, names for
                // the expressions.
                for k in kinds {
                    let c = match k {
                        LicenseKind::Id(_) => license_entry(k),
                        LicenseKind::Expression(s) | LicenseKind::Name(s) => {
                            license_entry(LicenseKind::Name(s))
                        }
                    };
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
        _ => {
            for k in kinds {
                let c = license_entry(k);
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

fn is_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > 8
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
}

/// Where an id is published.
fn id_source(id: &str) -> Source {
    if id.starts_with("CVE-") {
        Source {
            name: "NVD".into(),
            url: Some(format!("https://nvd.nist.gov/vuln/detail/{id}")),
        }
    } else if id.starts_with("GHSA-") {
        Source {
            name: "GitHub".into(),
            url: Some(format!("https://github.com/advisories/{id}")),
        }
    } else {
        Source {
            name: "OSV".into(),
            url: Some(format!("https://osv.dev/vulnerability/{id}")),
        }
    }
}

fn url_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Unknown => "unknown",
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn cvss_method(kind: &str, vector: &str) -> &'static str {
    match kind {
        "CVSS_V2" => "CVSSv2",
        "CVSS_V3" if vector.starts_with("CVSS:3.1/") => "CVSSv31",
        "CVSS_V3" => "CVSSv3",
        "CVSS_V4" => "CVSSv4",
        _ => "other",
    }
}

/// VEX status → CycloneDX `analysis.state`.
fn analysis_state(status: &str) -> Option<&'static str> {
    Some(match status {
        "not_affected" => "not_affected",
        "fixed" | "resolved" => "resolved",
        "under_investigation" | "in_triage" => "in_triage",
        "affected" | "exploitable" => "exploitable",
        "false_positive" => "false_positive",
        _ => return None,
    })
}

/// OpenVEX (or CycloneDX) justification → CycloneDX `analysis.justification`.
fn analysis_justification(j: &str) -> Option<&'static str> {
    Some(match j {
        "component_not_present" | "vulnerable_code_not_present" | "code_not_present" => {
            "code_not_present"
        }
        "vulnerable_code_not_in_execute_path" | "code_not_reachable" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" | "requires_environment" => {
            "requires_environment"
        }
        "inline_mitigations_already_exist" | "protected_by_mitigating_control" => {
            "protected_by_mitigating_control"
        }
        "requires_configuration" => "requires_configuration",
        "requires_dependency" => "requires_dependency",
        "protected_by_compiler" => "protected_by_compiler",
        "protected_at_runtime" => "protected_at_runtime",
        "protected_at_perimeter" => "protected_at_perimeter",
        _ => return None,
    })
}

fn analysis(s: &Suppression) -> Analysis {
    let state = s.status.as_deref().and_then(analysis_state);
    let justification = s
        .justification
        .as_deref()
        .and_then(analysis_justification)
        .filter(|_| state == Some("not_affected"));
    let mut detail = format!("Suppressed by {} {}", s.kind, s.source);
    if let Some(j) = &s.justification {
        detail.push_str(&format!(": {j}"));
    }
    Analysis {
        state,
        justification,
        detail: Some(detail),
    }
}

fn suppression_key(s: Option<&Suppression>) -> Vec<String> {
    match s {
        None => Vec::new(),
        Some(s) => vec![
            s.kind.clone(),
            s.source.clone(),
            s.justification.clone().unwrap_or_default(),
            s.status.clone().unwrap_or_default(),
        ],
    }
}

fn vulnerabilities(cat: &Catalog<'_>) -> Vec<Vulnerability> {
    let mut groups: BTreeMap<(String, Vec<String>), Vec<&VulnFinding>> = BTreeMap::new();
    for f in &cat.report.vulnerabilities {
        groups
            .entry((f.id.clone(), suppression_key(f.suppressed.as_ref())))
            .or_default()
            .push(f);
    }
    groups
        .into_values()
        .filter_map(|fs| vulnerability(cat, &fs))
        .collect()
}

fn vulnerability(cat: &Catalog<'_>, fs: &[&VulnFinding]) -> Option<Vulnerability> {
    let first = *fs.first()?;
    let source = first
        .advisories
        .iter()
        .find(|a| url_safe_id(a))
        .map(|a| Source {
            name: "OSV".into(),
            url: Some(format!("https://osv.dev/vulnerability/{a}")),
        })
        .unwrap_or(Source {
            name: "OSV".into(),
            url: None,
        });

    let mut references: Vec<Reference> = Vec::new();
    let mut ratings: Vec<Rating> = Vec::new();
    let mut advisories: Vec<Advisory> = Vec::new();
    let mut recommendations: Vec<String> = Vec::new();
    let mut affects: Vec<Affect> = Vec::new();
    let mut properties: Vec<Property> = Vec::new();
    let not_affected =
        first.suppressed.as_ref().and_then(|s| s.status.as_deref()) == Some("not_affected");

    for f in fs {
        for id in f.aliases.iter().chain(f.advisories.iter()) {
            if id == &first.id || !url_safe_id(id) {
                continue;
            }
            let r = Reference {
                id: id.clone(),
                source: id_source(id),
            };
            if !references.contains(&r) {
                references.push(r);
            }
        }
        for c in &f.cvss {
            let r = Rating {
                source: Some(Source {
                    name: c.source.clone(),
                    url: None,
                }),
                score: c.score.filter(|s| s.is_finite()),
                severity: c
                    .score
                    .filter(|s| s.is_finite())
                    .map(|s| severity_word(Severity::from_cvss_score(s))),
                method: cvss_method(&c.kind, &c.vector),
                vector: Some(c.vector.clone()).filter(|v| !v.is_empty()),
            };
            if !ratings.contains(&r) {
                ratings.push(r);
            }
        }
        for u in &f.references {
            let a = Advisory { url: u.clone() };
            if is_url(u) && !advisories.contains(&a) {
                advisories.push(a);
            }
        }
        if let Some(v) = &f.fixed_version {
            let r = format!("Upgrade {} to {v}", f.package.name);
            if !recommendations.contains(&r) {
                recommendations.push(r);
            }
        }
        let reference = cat.finding_ref(&f.package);
        let version = AffectedVersion {
            version: f.package.version.clone(),
            status: if not_affected {
                "unaffected"
            } else {
                "affected"
            },
        };
        match affects.iter_mut().find(|a| a.reference == reference) {
            Some(a) => {
                if !a.versions.iter().any(|v| v.version == version.version) {
                    a.versions.push(version);
                }
            }
            None => affects.push(Affect {
                reference,
                versions: vec![version],
            }),
        }
        let origin = cat
            .report
            .origin_of(f)
            .map(|o| prop("customs:origin", o.as_str().to_string()));
        for p in [
            Some(prop("customs:ecosystem", f.ecosystem.clone())),
            Some(prop("customs:severity_source", f.severity_source.clone())),
            origin,
        ]
        .into_iter()
        .flatten()
        {
            if !properties.contains(&p) {
                properties.push(p);
            }
        }
    }
    let word = severity_word(first.severity);
    if !ratings.iter().any(|r| r.severity == Some(word)) {
        ratings.push(Rating {
            source: Some(Source {
                name: first.severity_source.clone(),
                url: None,
            }),
            score: None,
            severity: Some(word),
            method: "other",
            vector: None,
        });
    }
    let (description, detail) = match (&first.title, &first.description) {
        (Some(t), d) => (Some(t.clone()), d.clone()),
        (None, Some(d)) => (Some(d.clone()), None),
        (None, None) => (None, None),
    };
    Some(Vulnerability {
        id: first.id.clone(),
        source,
        references,
        ratings,
        description,
        detail,
        recommendation: (!recommendations.is_empty()).then(|| recommendations.join("; ")),
        advisories,
        published: first
            .published
            .clone()
            .filter(|t| crate::time::check_rfc3339(t).is_ok()),
        updated: first
            .modified
            .clone()
            .filter(|t| crate::time::check_rfc3339(t).is_ok()),
        analysis: first.suppressed.as_ref().map(analysis),
        affects,
        properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: &[LicenseChoice]) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }

    #[test]
    fn license_choices_per_version() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            json(&licenses(&l(&["MIT"]), CycloneDxVersion::V1_6)),
            r#"[{"license":{"id":"MIT","acknowledgement":"declared"}}]"#
        );
        assert_eq!(
            json(&licenses(&l(&["GPL-2+", "MIT"]), CycloneDxVersion::V1_6)),
            r#"[{"license":{"name":"GPL-2+","acknowledgement":"declared"}},{"license":{"id":"MIT","acknowledgement":"declared"}}]"#
        );
        assert_eq!(
            json(&licenses(
                &l(&["MIT OR Apache-2.0", "Zlib"]),
                CycloneDxVersion::V1_6
            )),
            r#"[{"expression":"(MIT OR Apache-2.0) AND Zlib","acknowledgement":"declared"}]"#
        );
        assert_eq!(
            json(&licenses(
                &l(&["MIT OR Apache-2.0", "custom"]),
                CycloneDxVersion::V1_6
            )),
            r#"[{"license":{"name":"MIT OR Apache-2.0","acknowledgement":"declared"}},{"license":{"name":"custom","acknowledgement":"declared"}}]"#
        );
        assert_eq!(
            json(&licenses(
                &l(&["MIT OR Apache-2.0", "custom"]),
                CycloneDxVersion::V1_7
            )),
            r#"[{"expression":"MIT OR Apache-2.0","acknowledgement":"declared"},{"license":{"name":"custom","acknowledgement":"declared"}}]"#
        );
        // Newer than the license list the schemas pin: a name.
        assert_eq!(
            json(&licenses(&l(&["Bugroff"]), CycloneDxVersion::V1_6)),
            r#"[{"license":{"name":"Bugroff","acknowledgement":"declared"}}]"#
        );
    }

    #[test]
    fn mappings() {
        assert_eq!(cvss_method("CVSS_V3", "CVSS:3.1/AV:N"), "CVSSv31");
        assert_eq!(cvss_method("CVSS_V3", "CVSS:3.0/AV:N"), "CVSSv3");
        assert_eq!(cvss_method("CVSS_V4", "CVSS:4.0/AV:N"), "CVSSv4");
        assert_eq!(analysis_state("fixed"), Some("resolved"));
        assert_eq!(
            analysis_justification("vulnerable_code_not_in_execute_path"),
            Some("code_not_reachable")
        );
        assert!(is_url("https://example.org/a?b=c"));
        assert!(!is_url("https://exa mple.org"));
        assert!(!is_url("ftp://example.org"));
    }
}
