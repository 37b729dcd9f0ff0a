//! `customs image IMAGE`: scan, match, gate, report.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use customs_policy::{Gate, IgnoreFile, VexDocument};
use customs_report::{
    CycloneDxVersion, ExpiredIgnore, Format, PolicySummary, ScanReport, TableOptions,
};
use customs_scan::ScanOutput;
use customs_types::{Inventory, VulnFinding};

use crate::args::{GateArgs, GlobalArgs, ImageArgs, ReportFormat, SbomScanArgs, VulnScanArgs};
use crate::output::writer;
use crate::{db, report, sbom, sbom_input};

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
    pub fn apply(
        &self,
        findings: &mut Vec<VulnFinding>,
        artifact_ids: &[String],
        quiet: bool,
    ) -> PolicySummary {
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
        let source = self.ignore.as_ref().map_or("", |i| i.path.as_str());
        PolicySummary {
            filtered: outcome.filtered,
            expired_ignores: outcome
                .expired
                .into_iter()
                .map(|e| ExpiredIgnore {
                    id: e.id,
                    expires: e.expires.unwrap_or_default(),
                    source: source.to_string(),
                    line: e.line,
                    justification: e.justification,
                })
                .collect(),
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

/// Matches an inventory against the DB.
pub fn vulnerabilities(
    inventory: &Inventory,
    args: &VulnScanArgs,
    quiet: bool,
) -> anyhow::Result<Vec<VulnFinding>> {
    let db = db::open_for_scan(&args.db, args.offline, quiet)?;
    let t = std::time::Instant::now();
    let m = customs_match::match_inventory(inventory, &db).context("matching against the DB")?;
    tracing::debug!(
        "match: {} packages, {} lookups, {} findings in {} ms",
        m.stats.packages_considered,
        m.stats.lookups,
        m.findings.len(),
        t.elapsed().as_millis()
    );
    Ok(m.findings)
}

/// Applies the policy to the findings, writes the report, and returns the
/// gate's exit code.
pub fn gate_and_report(
    policy: &Policy,
    mut findings: Vec<VulnFinding>,
    artifact_ids: &[String],
    args: &VulnScanArgs,
    quiet: bool,
    rep: impl FnOnce(Vec<VulnFinding>) -> ScanReport,
) -> anyhow::Result<u8> {
    let summary = policy.apply(&mut findings, artifact_ids, quiet);
    let gate_code = policy.gate.exit_code_for(&findings);
    let rep = rep(findings).with_policy(summary);
    let mut w = writer(args.output.as_deref())?;
    match format_of(args.format) {
        Format::Table => {
            customs_report::write_table_with(&rep, &TableOptions::vulnerabilities_only(), &mut w)?
        }
        f => customs_report::write(f, &rep, &mut w)?,
    }
    w.flush()?;
    Ok(gate_code)
}

pub fn run(global: &GlobalArgs, args: &ImageArgs) -> anyhow::Result<u8> {
    let policy = Policy::from_args(&args.scan.gate)?;
    let spec = args.source.spec(args.image.as_deref())?;
    let plan = crate::scanners::ScanPlan::new(&args.scanners, args.secret_config.as_deref())?;
    let cache = crate::scanners::layer_cache(
        args.scan.db.cache_dir.as_deref(),
        args.no_cache,
        args.cache_max_size,
    );
    let out = sbom::scan_with(global, &spec, &args.source, &plan.factory, cache.as_ref())?;
    let findings = if plan.vulns {
        vulnerabilities(&out.inventory, &args.scan, global.quiet)?
    } else {
        Vec::new()
    };
    let other = crate::scanners::other_findings(&plan, &out);
    let base = crate::side::for_image(
        args.base.as_deref(),
        &args.source,
        &out.summary,
        global.quiet,
    )?;
    report_scan(global, &policy, &args.scan, &out, findings, other, |r| {
        r.with_base(base)
    })
}

/// The end of a scan of an image or a directory: the severity filter on
/// secrets and misconfigurations, the gate over every finding, the report
/// (`finish` adds to it), and the exit code: a layer error first, then the
/// vulnerability gate, then the gate over the other findings.
pub fn report_scan(
    global: &GlobalArgs,
    policy: &Policy,
    args: &VulnScanArgs,
    out: &ScanOutput,
    findings: Vec<VulnFinding>,
    mut other: customs_report::findings::OtherFindings,
    finish: impl FnOnce(ScanReport) -> ScanReport,
) -> anyhow::Result<u8> {
    if let Some(sevs) = &policy.gate.severities {
        if let Some(v) = &mut other.secrets {
            v.retain(|s| sevs.contains(&s.severity));
        }
        if let Some(v) = &mut other.misconfigurations {
            v.retain(|m| sevs.contains(&m.severity));
        }
    }
    let other_code = crate::scanners::other_gate(&policy.gate, &other);
    let gate_code = gate_and_report(
        policy,
        findings,
        &artifact_ids(out),
        args,
        global.quiet,
        |f| finish(report::build(out, f).with_findings(other)),
    )?;
    let input_code = report::finish(out)?;
    Ok(if input_code != 0 {
        input_code
    } else if gate_code != 0 {
        gate_code
    } else {
        other_code
    })
}

/// `customs sbom-scan FILE`.
pub fn run_sbom(global: &GlobalArgs, args: &SbomScanArgs) -> anyhow::Result<u8> {
    let policy = Policy::from_args(&args.scan.gate)?;
    let input = sbom_input::read(&args.file)?;
    tracing::debug!(
        "{}: {} {} packages, os {:?}, {} unknowns",
        args.file.display(),
        input.format,
        input.inventory.packages.len(),
        input.inventory.os,
        input.inventory.unknowns.len()
    );
    let findings = vulnerabilities(&input.inventory, &args.scan, global.quiet)?;
    let summary = input.summary;
    let inventory = input.inventory;
    gate_and_report(
        &policy,
        findings,
        &input.artifact_ids,
        &args.scan,
        global.quiet,
        |f| report::build_from(summary, inventory, f),
    )
}
