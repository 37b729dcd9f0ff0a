//! The native JSON report: everything customs knows, in a stable shape.
//!
//! Top-level keys, in this order: `schema_version`, `tool`, `generated_at`,
//! `serial_number`, `artifact`, `os`, `packages`, `vulnerabilities`,
//! `unknowns`, `summary`, and `policy` when the gate ran (findings it
//! filtered out, expired ignore-file entries), then `secrets`,
//! `secret_scan`, `models` and `misconfigurations` when those scanners ran,
//! and `base_image` when the base image is known (see [`crate::base`]: the
//! base, the findings split by origin, the advice; each finding then has an
//! `origin`, `base` or `application`, when the base's layers are known).
//! Packages and findings are the
//! [`customs_types`] structures as they serialise, packages with an `id`
//! (their CycloneDX bom-ref) in front. Maps are sorted; struct fields keep
//! their declared order. `schema_version` goes up when a field changes
//! meaning or goes away; new fields do not change it.

use std::collections::BTreeMap;
use std::io::{self, Write};

use customs_types::{ImageSummary, Inventory, OsInfo, Package, Severity, Unknown, VulnFinding};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::text::{SeverityCounts, fixable};
use crate::{PolicySummary, ScanReport, ToolInfo};

/// The version of the native JSON shape.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Writes the native JSON report (the crate-root name of [`write()`]).
pub fn write_json(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write(report, out)
}

/// Writes the native JSON report.
pub fn write(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let cat = Catalog::new(report);
    let doc = NativeReport {
        schema_version: JSON_SCHEMA_VERSION,
        tool: &report.tool,
        generated_at: &report.generated_at,
        serial_number: report.serial_urn()?,
        artifact: &report.artifact,
        os: report.inventory.os.as_ref(),
        packages: cat
            .entries
            .iter()
            .map(|e| NativePackage {
                id: &e.bom_ref,
                package: e.pkg,
            })
            .collect(),
        vulnerabilities: report
            .vulnerabilities
            .iter()
            .map(|f| NativeFinding {
                finding: f,
                origin: report.origin_of(f),
            })
            .collect(),
        unknowns: &report.inventory.unknowns,
        summary: summary(&cat),
        policy: report.policy.as_ref(),
        findings: &report.findings,
        base_image: report.base.as_ref().map(|b| BaseSection {
            base: b,
            diff_ids: b
                .layers
                .map(|n| {
                    report
                        .artifact
                        .layers
                        .iter()
                        .take(n as usize)
                        .filter_map(|l| l.diff_id.as_ref().map(|d| d.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            findings: crate::base::Split::of(b, &report.vulnerabilities),
        }),
    };
    crate::write_json_value(&doc, out)
}

#[derive(Serialize)]
struct NativeReport<'a> {
    schema_version: u32,
    tool: &'a ToolInfo,
    generated_at: &'a str,
    serial_number: String,
    artifact: &'a ImageSummary,
    os: Option<&'a OsInfo>,
    packages: Vec<NativePackage<'a>>,
    vulnerabilities: Vec<NativeFinding<'a>>,
    unknowns: &'a [Unknown],
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a PolicySummary>,
    /// `secrets`, `secret_scan`, `models`, `misconfigurations`: each only
    /// when its scanner ran.
    #[serde(flatten)]
    findings: &'a crate::findings::OtherFindings,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_image: Option<BaseSection<'a>>,
}

#[derive(Serialize)]
struct NativeFinding<'a> {
    #[serde(flatten)]
    finding: &'a VulnFinding,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<crate::base::Origin>,
}

/// `base_image`: the base, its diff_ids (the image's leading ones), and the
/// findings split by origin with the advice.
#[derive(Serialize)]
struct BaseSection<'a> {
    #[serde(flatten)]
    base: &'a crate::base::BaseImage,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diff_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<crate::base::Split>,
}

#[derive(Serialize)]
struct NativePackage<'a> {
    id: &'a str,
    #[serde(flatten)]
    package: &'a Package,
}

#[derive(Serialize)]
struct Summary {
    packages: PackageSummary,
    vulnerabilities: VulnSummary,
    unknowns: usize,
}

#[derive(Serialize)]
struct PackageSummary {
    total: usize,
    by_kind: BTreeMap<&'static str, usize>,
    by_layer: Vec<LayerCount>,
    /// Packages whose layer is not known.
    without_layer: usize,
}

#[derive(Serialize)]
struct LayerCount {
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<String>,
    packages: usize,
}

#[derive(Serialize)]
struct VulnSummary {
    /// Active findings (suppressed ones excluded).
    total: usize,
    suppressed: usize,
    /// Active findings with a fixed version.
    fixable: usize,
    by_severity: BySeverity,
    /// Active findings per package kind.
    by_kind: BTreeMap<&'static str, BySeverity>,
}

#[derive(Serialize)]
#[serde(rename_all = "UPPERCASE")]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    unknown: usize,
}

impl From<SeverityCounts> for BySeverity {
    fn from(c: SeverityCounts) -> Self {
        BySeverity {
            critical: c.get(Severity::Critical),
            high: c.get(Severity::High),
            medium: c.get(Severity::Medium),
            low: c.get(Severity::Low),
            unknown: c.get(Severity::Unknown),
        }
    }
}

fn summary(cat: &Catalog<'_>) -> Summary {
    let r = cat.report;
    let pkgs = &r.inventory.packages;
    let by_kind = r
        .inventory
        .counts()
        .into_iter()
        .map(|(k, n)| (k.as_str(), n))
        .collect();
    let by_layer = cat
        .layers()
        .iter()
        .map(|l| LayerCount {
            index: l.index,
            diff_id: l.diff_id.map(|d| d.to_string()),
            created_by: l.created_by.clone(),
            packages: pkgs.iter().filter(|p| p.layer == Some(l.index)).count(),
        })
        .collect();
    let known: Vec<u32> = cat.layers().iter().map(|l| l.index).collect();
    let without_layer = pkgs
        .iter()
        .filter(|p| p.layer.is_none_or(|i| !known.contains(&i)))
        .count();

    let vulns = &r.vulnerabilities;
    let mut kinds: BTreeMap<&'static str, Vec<&VulnFinding>> = BTreeMap::new();
    for f in vulns.iter().filter(|f| f.suppressed.is_none()) {
        kinds.entry(f.package.kind.as_str()).or_default().push(f);
    }
    let counts = SeverityCounts::of(vulns);
    Summary {
        packages: PackageSummary {
            total: pkgs.len(),
            by_kind,
            by_layer,
            without_layer,
        },
        vulnerabilities: VulnSummary {
            total: counts.total(),
            suppressed: vulns.iter().filter(|f| f.suppressed.is_some()).count(),
            fixable: vulns.iter().filter(|f| fixable(f)).count(),
            by_severity: counts.into(),
            by_kind: kinds
                .into_iter()
                .map(|(k, fs)| (k, SeverityCounts::of(fs).into()))
                .collect(),
        },
        unknowns: r.inventory.unknowns.len(),
    }
}

/// Errors reading a native JSON report back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a customs JSON report (no schema_version, artifact and packages)")]
    NotAReport,
    #[error(
        "customs JSON report schema_version {0} is not supported (this customs reads {JSON_SCHEMA_VERSION})"
    )]
    Version(u64),
}

/// The fields of the native JSON a report is rebuilt from.
#[derive(Deserialize)]
struct NativeIn {
    tool: ToolInfo,
    generated_at: String,
    #[serde(default)]
    serial_number: Option<String>,
    artifact: ImageSummary,
    #[serde(default)]
    os: Option<OsInfo>,
    packages: Vec<Package>,
    #[serde(default)]
    vulnerabilities: Vec<VulnFinding>,
    #[serde(default)]
    unknowns: Vec<Unknown>,
    #[serde(default)]
    base_image: Option<crate::base::BaseImage>,
}

/// Does this JSON value look like a customs JSON report?
pub fn is_native(v: &serde_json::Value) -> bool {
    v.get("schema_version")
        .is_some_and(serde_json::Value::is_u64)
        && v.get("artifact").is_some_and(serde_json::Value::is_object)
        && v.get("packages").is_some_and(serde_json::Value::is_array)
}

/// Reads a native JSON report (what [`write()`] wrote) back: the artifact,
/// the OS, the packages (their `id` dropped), the vulnerability findings
/// as recorded (`origin` dropped), the unknowns, the base image, the tool
/// and the time. The summary is recomputed by the writers; secrets, models,
/// misconfigurations and the policy summary are not read back.
pub fn read(text: &str) -> Result<ScanReport, ReadError> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    read_value(v)
}

/// [`read`] from a parsed value.
pub fn read_value(v: serde_json::Value) -> Result<ScanReport, ReadError> {
    if !is_native(&v) {
        return Err(ReadError::NotAReport);
    }
    let version = v["schema_version"].as_u64().unwrap_or(0);
    if version != u64::from(JSON_SCHEMA_VERSION) {
        return Err(ReadError::Version(version));
    }
    let n: NativeIn = serde_json::from_value(v)?;
    let inventory = Inventory {
        os: n.os,
        packages: n.packages,
        unknowns: n.unknowns,
    };
    let mut r = ScanReport::new(n.artifact, inventory, n.tool, n.generated_at)
        .with_vulnerabilities(n.vulnerabilities)
        .with_base(n.base_image);
    r.serial = n.serial_number;
    Ok(r)
}
