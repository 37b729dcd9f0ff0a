//! Report writers for customs: CycloneDX 1.6/1.7 and SPDX 2.3 SBOMs, the
//! native JSON report, a terminal table, a Markdown summary for pull-request
//! comments, and SARIF 2.1.0.
//!
//! Every writer takes a [`ScanReport`] and a `&mut dyn Write`:
//!
//! ```
//! # use customs_report::{ScanReport, ToolInfo, Format};
//! # use customs_types::{ImageSummary, Inventory};
//! let report = ScanReport::new(
//!     ImageSummary::default(),
//!     Inventory::default(),
//!     ToolInfo::customs(),
//!     "2026-01-01T00:00:00Z",
//! );
//! let mut out = Vec::new();
//! customs_report::write(Format::Json, &report, &mut out).unwrap();
//! ```
//!
//! Output is deterministic: no clocks, no random numbers, no terminal width.
//! The caller gives the time; serial numbers and document namespaces derive
//! from the content when the caller gives none.
//!
//! Decisions shared by the writers (identifiers, licenses, suppliers, the
//! dependency graph, the image purl) live in [`ids`], [`license`],
//! [`supplier`] and [`image`]; see the crate README for the rationale.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use customs_types::{ImageSummary, Inventory, VulnFinding};
use serde::{Deserialize, Serialize};

pub mod base;
mod catalog;
pub mod cyclonedx;
pub mod diff;
pub mod findings;
pub mod ids;
pub mod image;
pub mod json;
pub mod license;
pub mod markdown;
pub mod sarif;
pub mod spdx;
pub mod supplier;
pub mod table;
mod text;
mod time;

pub use cyclonedx::{CycloneDxVersion, write_cyclonedx, write_cyclonedx_version};
pub use json::{JSON_SCHEMA_VERSION, write_json};
pub use markdown::write_markdown;
pub use sarif::write_sarif;
pub use spdx::write_spdx;
pub use table::{TableOptions, write_table, write_table_with};

/// The tool that produced a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    /// Home page of the tool (SARIF `informationUri`, the base of SPDX
    /// document namespaces).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub information_uri: Option<String>,
}

impl ToolInfo {
    /// customs itself, at the version of this crate.
    pub fn customs() -> ToolInfo {
        let repo = env!("CARGO_PKG_REPOSITORY");
        ToolInfo {
            name: "customs".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            information_uri: (!repo.is_empty()).then(|| repo.to_string()),
        }
    }
}

/// Everything a report shows. Built by the scan pipeline, read by every
/// writer.
///
/// The struct is `#[non_exhaustive]`: build it with [`ScanReport::new`] and
/// set the other public fields afterwards, so that adding a scanner's
/// findings (secrets, models, misconfigurations) as a new field breaks no
/// caller. Writers that do not know a field ignore it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScanReport {
    /// The scanned image (or directory).
    pub artifact: ImageSummary,
    /// Its OS and packages.
    pub inventory: Inventory,
    /// Vulnerability findings, suppressed ones included (they carry
    /// `suppressed`).
    pub vulnerabilities: Vec<VulnFinding>,
    pub tool: ToolInfo,
    /// RFC 3339 UTC time of the scan, given by the caller.
    pub generated_at: String,
    /// CycloneDX serial number (`urn:uuid:…` or a bare UUID). When `None`,
    /// one is derived from the manifest digest (or name) and the time, so the
    /// same scan gives the same documents.
    pub serial: Option<String>,
    /// What the gate did (filtered findings, expired ignore entries); shown
    /// by the JSON report when set.
    pub policy: Option<PolicySummary>,
    /// Secrets, model files and misconfigurations (each `None` when its
    /// scanner did not run).
    pub findings: findings::OtherFindings,
    /// Who supplies the image, when the caller says so (`--supplier`):
    /// `Organization: X`, `Person: X`, or a name (an organization). Else
    /// the image's labels tell, if they do.
    pub image_supplier: Option<String>,
    /// The base image, when known (`--base`, or the image's labels): the
    /// reports split the findings into the base's and the application's.
    pub base: Option<base::BaseImage>,
}

/// What the gate did to the findings, for reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicySummary {
    /// Findings removed by `--severity` / `--ignore-unfixed`.
    pub filtered: usize,
    /// Ignore-file entries past their date: they no longer hide anything.
    pub expired_ignores: Vec<ExpiredIgnore>,
}

/// An ignore-file entry past its expiry date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredIgnore {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    /// The ignore file and line.
    pub source: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

impl ScanReport {
    /// A report with no findings and a derived serial number.
    pub fn new(
        artifact: ImageSummary,
        inventory: Inventory,
        tool: ToolInfo,
        generated_at: impl Into<String>,
    ) -> ScanReport {
        ScanReport {
            artifact,
            inventory,
            vulnerabilities: Vec::new(),
            tool,
            generated_at: generated_at.into(),
            serial: None,
            policy: None,
            findings: findings::OtherFindings::default(),
            image_supplier: None,
            base: None,
        }
    }

    /// Sets the vulnerability findings.
    pub fn with_vulnerabilities(mut self, vulnerabilities: Vec<VulnFinding>) -> ScanReport {
        self.vulnerabilities = vulnerabilities;
        self
    }

    /// Sets the secret, model and misconfiguration findings.
    pub fn with_findings(mut self, findings: findings::OtherFindings) -> ScanReport {
        self.findings = findings;
        self
    }

    /// Sets what the gate did.
    pub fn with_policy(mut self, policy: PolicySummary) -> ScanReport {
        self.policy = Some(policy);
        self
    }

    /// Sets the base image.
    pub fn with_base(mut self, base: Option<base::BaseImage>) -> ScanReport {
        self.base = base;
        self
    }

    /// Sets the serial number.
    /// Whether a finding's package comes from the base image or from the
    /// layers built on it; `None` unless the base's layers are known
    /// (`--base`; the image's labels name a base but give no split).
    pub fn origin_of(&self, f: &VulnFinding) -> Option<base::Origin> {
        self.base
            .as_ref()
            .filter(|b| b.layers.is_some())
            .map(|b| b.origin(f.package.layer))
    }

    pub fn with_serial(mut self, serial: impl Into<String>) -> ScanReport {
        self.serial = Some(serial.into());
        self
    }

    /// The serial number as `urn:uuid:<lowercase uuid>`: the caller's, or
    /// one derived from the content.
    pub fn serial_urn(&self) -> Result<String, ReportError> {
        match &self.serial {
            Some(s) => ids::normalize_serial(s),
            None => Ok(format!("urn:uuid:{}", ids::derived_uuid(self))),
        }
    }
}

/// Errors of the writers, besides I/O.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("invalid serial number {0:?}: expected urn:uuid:<uuid> or a bare UUID")]
    BadSerial(String),
    #[error("invalid time {0:?}: expected an RFC 3339 UTC time such as 2026-01-02T03:04:05Z")]
    BadTime(String),
    #[error(
        "unknown report format {0:?} (expected table, json, cyclonedx, cyclonedx-1.6, \
         cyclonedx-1.7, spdx, sarif or markdown)"
    )]
    UnknownFormat(String),
}

impl From<ReportError> for io::Error {
    fn from(e: ReportError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, e)
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Json,
    CycloneDx(CycloneDxVersion),
    Spdx,
    Sarif,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Json,
        Format::CycloneDx(CycloneDxVersion::V1_6),
        Format::CycloneDx(CycloneDxVersion::V1_7),
        Format::Spdx,
        Format::Sarif,
        Format::Markdown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::CycloneDx(CycloneDxVersion::V1_6) => "cyclonedx-1.6",
            Format::CycloneDx(CycloneDxVersion::V1_7) => "cyclonedx-1.7",
            Format::Spdx => "spdx",
            Format::Sarif => "sarif",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "table" => Format::Table,
            "json" => Format::Json,
            "cyclonedx" | "cyclonedx-json" | "cyclonedx-1.6" | "cdx" => {
                Format::CycloneDx(CycloneDxVersion::V1_6)
            }
            "cyclonedx-1.7" => Format::CycloneDx(CycloneDxVersion::V1_7),
            "spdx" | "spdx-json" | "spdx-2.3" => Format::Spdx,
            "sarif" => Format::Sarif,
            "markdown" | "md" => Format::Markdown,
            _ => return Err(ReportError::UnknownFormat(s.to_string())),
        })
    }
}

/// A report writer, for callers that pick the format at run time.
pub trait ReportWriter {
    fn format(&self) -> Format;
    fn write(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()>;
}

impl ReportWriter for Format {
    fn format(&self) -> Format {
        *self
    }
    fn write(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        write(*self, report, out)
    }
}

/// Writes `report` in `format`.
pub fn write(format: Format, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => write_table(report, out),
        Format::Json => write_json(report, out),
        Format::CycloneDx(v) => write_cyclonedx_version(report, v, out),
        Format::Spdx => write_spdx(report, out),
        Format::Sarif => write_sarif(report, out),
        Format::Markdown => write_markdown(report, out),
    }
}

/// Pretty JSON with a final newline.
pub(crate) fn write_json_value<T: Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_print() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        }
        assert_eq!(
            "CycloneDX".parse::<Format>().unwrap(),
            Format::CycloneDx(CycloneDxVersion::V1_6)
        );
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn tool_info_is_this_crate() {
        let t = ToolInfo::customs();
        assert_eq!(t.name, "customs");
        assert_eq!(t.version, env!("CARGO_PKG_VERSION"));
    }
}
