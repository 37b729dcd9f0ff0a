//! SPDX 2.3 JSON.
//!
//! - The document `DESCRIBES` the image package (`primaryPackagePurpose:
//!   CONTAINER`, its `pkg:oci` purl); the image `CONTAINS` the OS package
//!   (`OPERATING_SYSTEM`) and every package; packages `DEPENDS_ON` the
//!   packages their metadata names (resolved as for CycloneDX).
//! - `documentNamespace`: `<tool information URI>/spdxdocs/<image>-<uuid>`,
//!   with the UUID of [`ScanReport::serial_urn`], so the same scan gives
//!   the same namespace and another scan (time) another one.
//! - `supplier`: see [`crate::supplier`]; `NOASSERTION` when unknown.
//! - `licenseDeclared`: see [`crate::license`]; `licenseConcluded` and
//!   `copyrightText` are `NOASSERTION` (customs does not read license files),
//!   `downloadLocation` is `NOASSERTION` (an installed package does not say
//!   where it was downloaded from), `filesAnalyzed: false`.
//! - `sourceInfo` names the source package of OS packages and the OS
//!   package owning an OS-managed language package; kind, location, layer
//!   and analyzer are one annotation by the tool, a `customs:key=value` per
//!   line.

use std::io::{self, Write};

use customs_types::Package;
use serde::Serialize;

use crate::ScanReport;
use crate::catalog::Catalog;
use crate::ids;
use crate::license::LicenseRefs;
use crate::supplier;

/// Writes SPDX 2.3 JSON.
pub fn write(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let doc = build(report)?;
    crate::write_json_value(&doc, out)
}

/// Writes SPDX 2.3 JSON (the crate-root name of [`write()`]).
pub fn write_spdx(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write(report, out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    license_list_version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    supplier: String,
    download_location: &'static str,
    files_analyzed: bool,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    annotation_date: String,
    annotation_type: &'static str,
    annotator: String,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
    name: String,
    comment: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

fn rel(from: &str, ty: &'static str, to: &str) -> Relationship {
    Relationship {
        spdx_element_id: from.to_string(),
        relationship_type: ty,
        related_spdx_element: to.to_string(),
    }
}

fn purl_ref(purl: &str) -> Vec<ExternalRef> {
    if purl.is_empty() {
        return Vec::new();
    }
    vec![ExternalRef {
        reference_category: "PACKAGE-MANAGER",
        reference_type: "purl",
        reference_locator: purl.to_string(),
    }]
}

fn build(report: &ScanReport) -> io::Result<Document> {
    let created = crate::time::spdx_utc(&report.generated_at)?;
    let serial = report.serial_urn()?;
    let cat = Catalog::new(report);
    let a = &report.artifact;
    let tool = format!("{}-{}", report.tool.name, report.tool.version);
    let annotator = format!("Tool: {tool}");
    let base = report
        .tool
        .information_uri
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .unwrap_or("https://customs.invalid")
        .trim_end_matches('/');
    let namespace = format!(
        "{base}/spdxdocs/{}-{}",
        ids::spdx_sanitize(&crate::image::short_name(a)),
        ids::uuid_of(&serial)
    );

    let mut licenses = LicenseRefs::default();
    let mut packages = Vec::new();
    let mut relationships = vec![rel("SPDXRef-DOCUMENT", "DESCRIBES", &cat.image_spdx_id)];

    packages.push(SpdxPackage {
        spdx_id: cat.image_spdx_id.clone(),
        name: crate::image::display_name(a),
        version_info: crate::image::version(a),
        supplier: supplier::report_image_supplier(cat.report)
            .map(|s| s.to_spdx())
            .unwrap_or_else(|| "NOASSERTION".into()),
        download_location: "NOASSERTION",
        files_analyzed: false,
        license_concluded: "NOASSERTION",
        license_declared: "NOASSERTION".into(),
        copyright_text: "NOASSERTION",
        source_info: None,
        description: None,
        external_refs: purl_ref(cat.image_purl.as_deref().unwrap_or_default()),
        primary_package_purpose: if a.manifest_digest.is_some() || !a.layers.is_empty() {
            "CONTAINER"
        } else {
            "FILE"
        },
        annotations: Vec::new(),
    });

    if let (Some(os), Some(os_id)) = (cat.os(), &cat.os_spdx_id) {
        packages.push(SpdxPackage {
            spdx_id: os_id.clone(),
            name: os.id.clone(),
            version_info: os.version.clone(),
            supplier: supplier::os_supplier(os)
                .map(|s| s.to_spdx())
                .unwrap_or_else(|| "NOASSERTION".into()),
            download_location: "NOASSERTION",
            files_analyzed: false,
            license_concluded: "NOASSERTION",
            license_declared: "NOASSERTION".into(),
            copyright_text: "NOASSERTION",
            source_info: None,
            description: os.pretty_name.clone(),
            external_refs: Vec::new(),
            primary_package_purpose: "OPERATING_SYSTEM",
            annotations: Vec::new(),
        });
        relationships.push(rel(&cat.image_spdx_id, "CONTAINS", os_id));
    }

    for e in &cat.entries {
        let p = e.pkg;
        packages.push(SpdxPackage {
            spdx_id: e.spdx_id.clone(),
            name: p.name.clone(),
            version_info: Some(p.version.clone()).filter(|v| !v.is_empty()),
            supplier: supplier::package_supplier(p, cat.os())
                .map(|s| s.to_spdx())
                .unwrap_or_else(|| "NOASSERTION".into()),
            download_location: "NOASSERTION",
            files_analyzed: false,
            license_concluded: "NOASSERTION",
            license_declared: licenses.declared(&p.licenses),
            copyright_text: "NOASSERTION",
            source_info: source_info(p),
            description: None,
            external_refs: purl_ref(&p.purl),
            primary_package_purpose: "LIBRARY",
            annotations: annotations(&cat, p, &created, &annotator),
        });
        relationships.push(rel(&cat.image_spdx_id, "CONTAINS", &e.spdx_id));
    }
    for e in &cat.entries {
        for &d in &e.deps {
            relationships.push(rel(&e.spdx_id, "DEPENDS_ON", &cat.entries[d].spdx_id));
        }
    }

    let extracted = licenses
        .entries()
        .map(|(id, text)| ExtractedLicense {
            license_id: id.to_string(),
            extracted_text: text.to_string(),
            name: text.to_string(),
            comment: "The license as the package metadata declares it; customs did not \
                      extract the license text.",
        })
        .collect();

    Ok(Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: if a.name.is_empty() {
            crate::image::display_name(a)
        } else {
            a.name.clone()
        },
        document_namespace: namespace,
        creation_info: CreationInfo {
            created,
            creators: vec![annotator],
            license_list_version: crate::license::LICENSE_LIST_BASELINE.to_string(),
        },
        packages,
        has_extracted_licensing_infos: extracted,
        relationships,
    })
}

fn source_info(p: &Package) -> Option<String> {
    if let Some(m) = &p.os_managed {
        return Some(format!(
            "installed by the OS package {} {} ({})",
            m.package, m.version, m.purl
        ));
    }
    let name = p.source_name.as_deref()?;
    let version = p.source_version.as_deref().unwrap_or(&p.version);
    Some(format!("built package from: {name} {version}"))
}

fn annotations(cat: &Catalog<'_>, p: &Package, date: &str, annotator: &str) -> Vec<Annotation> {
    let mut notes = vec![
        format!("customs:package:type={}", p.kind.as_str()),
        format!("customs:location={}", p.location),
    ];
    if let Some(i) = p.layer {
        notes.push(format!("customs:layer:index={i}"));
    }
    if let Some(d) = cat.layer(p.layer).and_then(|l| l.diff_id) {
        notes.push(format!("customs:layer:diff_id={d}"));
    }
    notes.push(format!("customs:analyzer={}", p.analyzer));
    vec![Annotation {
        annotation_date: date.to_string(),
        annotation_type: "OTHER",
        annotator: annotator.to_string(),
        comment: notes.join("\n"),
    }]
}
