//! From a scan to a report: the `ScanReport` every writer reads, and the
//! exit status a layer error forces.

use customs_report::{ScanReport, ToolInfo};
use customs_scan::ScanOutput;
use customs_types::{ImageSummary, Inventory, VulnFinding};

/// RFC 3339 UTC now, or `SOURCE_DATE_EPOCH` when set (reproducible output).
pub fn now_rfc3339() -> String {
    let t = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

pub fn build(out: &ScanOutput, vulns: Vec<VulnFinding>) -> ScanReport {
    let mut inv = out.inventory.clone();
    inv.unknowns = out.unknowns.clone();
    let mut summary = out.summary.clone();
    crate::output::mask_summary(&mut summary);
    build_from(summary, inv, vulns)
}

/// A report of an artifact that was not walked (an SBOM).
pub fn build_from(
    summary: ImageSummary,
    inventory: Inventory,
    vulns: Vec<VulnFinding>,
) -> ScanReport {
    ScanReport::new(summary, inventory, ToolInfo::customs(), now_rfc3339())
        .with_vulnerabilities(vulns)
}

/// Layer errors (integrity, corruption) make the scan an input error: they
/// are printed and give exit code 2, after the report was written.
pub fn finish(out: &ScanOutput) -> anyhow::Result<u8> {
    if out.layer_errors.is_empty() {
        return Ok(0);
    }
    for e in &out.layer_errors {
        eprintln!("customs: error: {e}");
    }
    Ok(2)
}
