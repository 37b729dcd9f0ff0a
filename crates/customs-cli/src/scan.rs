//! `customs image IMAGE`: scan, match, gate, report.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use customs_policy::{Gate, IgnoreFile, VexDocument};
use customs_report::{CycloneDxVersion, Format, TableOptions};
use customs_scan::ScanOutput;
use customs_types::VulnFinding;

use crate::args::{GateArgs, GlobalArgs, ImageArgs, ReportFormat, Scanner};
use crate::output::writer;
use crate::{db, report, sbom};

fn format_of(f: ReportFormat) -> Format {
    match f {
        ReportFormat::Table => Format::Table,
        ReportFormat::Json => Format::Json,
        ReportFormat::Sarif => Format::Sarif,
        ReportFormat::Cyclonedx => Format::CycloneDx(CycloneDxVersion::V1_6),
        ReportFormat::Cyclonedx17 => Format::CycloneDx(CycloneDxVersion::V1_7),
        ReportFormat::SpdxJson => Format::Spdx,
        ReportFormat::Markdown => Format::Markdown,
    }
}

/// The gate, ignore file and VEX documents the flags name.
pub struct Policy {
    pub gate: Gate,
    pub ignore: Option<IgnoreFile>,
    pub vex: Vec<VexDocument>,
}

impl Policy {
    pub fn from_args(a: &GateArgs) -> anyhow::Result<Policy> {
        let gate = Gate {
            severities: (!a.severity.is_empty()).then(|| a.severity.clone()),
            ignore_unfixed: a.ignore_unfixed,
            exit_code: a.exit_code,
            fail_on: a.fail_on,
        };
        let ignore_path = match &a.ignorefile {
            Some(p) => Some(p.clone()),
            None => Some(Path::new(".customsignore").to_path_buf()).filter(|p| p.is_file()),
        };
        let ignore = match ignore_path {
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("cannot read the ignore file {}", p.display()))?;
                Some(IgnoreFile::parse(&p.display().to_string(), &text)?)
            }
            None => None,
        };
        let mut vex = Vec::new();
        for p in &a.vex {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the VEX document {}", p.display()))?;
            vex.push(VexDocument::parse(&p.display().to_string(), &text)?);
        }
        Ok(Policy { gate, ignore, vex })
    }

    /// Applies ignore entries, VEX and filters; warns about expired entries.
    pub fn apply(&self, findings: &mut Vec<VulnFinding>, artifact_ids: &[String], quiet: bool) {
        let today = time::OffsetDateTime::now_utc().date();
        let outcome = customs_policy::apply(
            findings,
            &self.gate,
            self.ignore.as_ref(),
            &self.vex,
            artifact_ids,
            today,
        );
        if !quiet {
            for e in &outcome.expired {
                eprintln!(
                    "customs: warning: ignore entry {} (line {}) expired on {}; it no longer hides findings",
                    e.id,
                    e.line,
                    e.expires.as_deref().unwrap_or("?")
                );
            }
        }
    }
}

/// Ids that name the scanned image, for VEX products.
pub fn artifact_ids(out: &ScanOutput) -> Vec<String> {
    let s = &out.summary;
    let mut ids = vec![s.name.clone()];
    ids.extend(customs_report::image::oci_purl(s));
    ids.extend(s.manifest_digest.iter().map(|d| d.to_string()));
    ids.extend(s.config_digest.iter().map(|d| d.to_string()));
    ids.extend(s.repo_tags.iter().cloned());
    ids
}

/// Matches the inventory against the DB.
pub fn vulnerabilities(
    out: &ScanOutput,
    args: &ImageArgs,
    quiet: bool,
) -> anyhow::Result<Vec<VulnFinding>> {
    let db = db::open_for_scan(&args.db, args.offline, quiet)?;
    let t = std::time::Instant::now();
    let m =
        customs_match::match_inventory(&out.inventory, &db).context("matching against the DB")?;
    tracing::debug!(
        "match: {} packages, {} lookups, {} findings in {} ms",
        m.stats.packages_considered,
        m.stats.lookups,
        m.findings.len(),
        t.elapsed().as_millis()
    );
    Ok(m.findings)
}

pub fn run(global: &GlobalArgs, args: &ImageArgs) -> anyhow::Result<u8> {
    let policy = Policy::from_args(&args.gate)?;
    let spec = args.source.spec(args.image.as_deref())?;
    let out = sbom::scan(global, &spec, &args.source)?;
    let mut findings = if args.scanners.contains(&Scanner::Vuln) {
        vulnerabilities(&out, args, global.quiet)?
    } else {
        Vec::new()
    };
    policy.apply(&mut findings, &artifact_ids(&out), global.quiet);
    let gate_code = policy.gate.exit_code_for(&findings);
    let rep = report::build(&out, findings);
    let mut w = writer(args.output.as_deref())?;
    match format_of(args.format) {
        Format::Table => {
            customs_report::write_table_with(&rep, &TableOptions::vulnerabilities_only(), &mut w)?
        }
        f => customs_report::write(f, &rep, &mut w)?,
    }
    w.flush()?;
    drop(w);
    let input_code = report::finish(&out)?;
    Ok(if input_code != 0 {
        input_code
    } else {
        gate_code
    })
}
