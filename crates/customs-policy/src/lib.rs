//! The gate a CI job acts on.
//!
//! - [`ignore::IgnoreFile`]: ids to ignore, each with an optional expiry
//!   date and justification; expired entries stop hiding.
//! - [`vex`]: OpenVEX and CycloneDX VEX statements (`not_affected`,
//!   `fixed`) that suppress findings for the image or a package.
//! - [`Gate`]: `--severity`, `--ignore-unfixed`, `--exit-code`,
//!   `--fail-on`.
//!
//! Suppressed findings stay in the results with the reason (JSON shows
//! them); filtered-out ones (severity, unfixed) leave the report.

pub mod ignore;
pub mod vex;

use customs_types::{FixStatus, Severity, Suppression, VulnFinding};
use serde::Serialize;

pub use ignore::{IgnoreEntry, IgnoreFile};
pub use vex::{VexDocument, VexStatement};

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}:{line}: {reason}")]
    IgnoreFile {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("{path}: not a VEX document: {reason}")]
    Vex { path: String, reason: String },
}

/// The command-line gate.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    /// Only these severities count (and show); `None` = all.
    pub severities: Option<Vec<Severity>>,
    pub ignore_unfixed: bool,
    /// Exit code when findings remain (Trivy's `--exit-code`); 0 = never
    /// fail.
    pub exit_code: u8,
    /// Fail only when a remaining finding is at least this severe.
    pub fail_on: Option<Severity>,
}

impl Gate {
    /// Does a finding pass the display filters (severity, unfixed)?
    pub fn shows(&self, f: &VulnFinding) -> bool {
        if self.ignore_unfixed && f.status == FixStatus::Affected {
            return false;
        }
        match &self.severities {
            Some(list) => list.contains(&f.severity),
            None => true,
        }
    }

    /// The exit code for the findings that remain visible and unsuppressed.
    pub fn exit_code_for<'a>(&self, remaining: impl IntoIterator<Item = &'a VulnFinding>) -> u8 {
        let mut any = false;
        let mut over = false;
        for f in remaining {
            if f.suppressed.is_some() || !self.shows(f) {
                continue;
            }
            any = true;
            if let Some(t) = self.fail_on
                && f.severity >= t
            {
                over = true;
            }
        }
        match self.fail_on {
            Some(_) if over => {
                if self.exit_code == 0 {
                    1
                } else {
                    self.exit_code
                }
            }
            Some(_) => 0,
            None if any => self.exit_code,
            None => 0,
        }
    }
}

/// What the policy did, for reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolicyOutcome {
    /// Ignore-file entries past their date: they no longer hide anything.
    pub expired: Vec<IgnoreEntry>,
    /// Findings suppressed (by ignore file or VEX).
    pub suppressed: usize,
    /// Findings removed by `--severity` / `--ignore-unfixed`.
    pub filtered: usize,
}

/// Applies ignore entries and VEX statements (marking findings suppressed)
/// and the gate's filters (removing findings). `artifact_ids` name the
/// image (its purl, digest, reference) for VEX products; `today` decides
/// expiry.
pub fn apply(
    findings: &mut Vec<VulnFinding>,
    gate: &Gate,
    ignore: Option<&IgnoreFile>,
    vex: &[VexDocument],
    artifact_ids: &[String],
    today: time::Date,
) -> PolicyOutcome {
    let mut outcome = PolicyOutcome::default();
    if let Some(ig) = ignore {
        outcome.expired = ig
            .entries
            .iter()
            .filter(|e| e.is_expired(today))
            .cloned()
            .collect();
    }
    for f in findings.iter_mut() {
        if f.suppressed.is_some() {
            continue;
        }
        if let Some(ig) = ignore
            && let Some(e) = ig.matching(f, today)
        {
            f.suppressed = Some(Suppression {
                kind: "ignorefile".into(),
                source: ig.path.clone(),
                justification: e.justification.clone(),
                status: None,
            });
            continue;
        }
        for doc in vex {
            if let Some(s) = doc.suppressing(f, artifact_ids) {
                f.suppressed = Some(Suppression {
                    kind: "vex".into(),
                    source: doc.source.clone(),
                    justification: s.justification.clone(),
                    status: Some(s.status.clone()),
                });
                break;
            }
        }
    }
    outcome.suppressed = findings.iter().filter(|f| f.suppressed.is_some()).count();
    let before = findings.len();
    findings.retain(|f| gate.shows(f));
    outcome.filtered = before - findings.len();
    outcome
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use customs_types::{PackageKind, PackageRef};

    pub fn finding(id: &str, sev: Severity, fixed: Option<&str>, purl: &str) -> VulnFinding {
        VulnFinding {
            id: id.into(),
            aliases: vec![format!("GHSA-{id}")],
            advisories: vec![format!("PYSEC-{id}")],
            package: PackageRef {
                name: "requests".into(),
                version: "2.25.1".into(),
                kind: PackageKind::Python,
                purl: purl.into(),
                location: "/usr/lib/python3/site-packages/requests-2.25.1.dist-info/METADATA"
                    .into(),
                layer: Some(2),
                matched_name: None,
                matched_version: None,
            },
            ecosystem: "PyPI".into(),
            status: if fixed.is_some() {
                FixStatus::Fixed
            } else {
                FixStatus::Affected
            },
            fixed_version: fixed.map(str::to_string),
            fixed_versions: fixed.map(|f| vec![f.to_string()]).unwrap_or_default(),
            severity: sev,
            severity_source: "test".into(),
            cvss: vec![],
            title: None,
            description: None,
            references: vec![],
            published: None,
            modified: None,
            suppressed: None,
        }
    }

    fn today() -> time::Date {
        time::Date::from_calendar_date(2026, time::Month::December, 4).unwrap()
    }

    #[test]
    fn exit_codes() {
        let fs = vec![
            finding(
                "CVE-1",
                Severity::High,
                Some("2.31.0"),
                "pkg:pypi/requests@2.25.1",
            ),
            finding("CVE-2", Severity::Low, None, "pkg:pypi/requests@2.25.1"),
        ];
        let g = Gate::default();
        assert_eq!(g.exit_code_for(&fs), 0, "no --exit-code: never fails");
        let g = Gate {
            exit_code: 5,
            ..Default::default()
        };
        assert_eq!(g.exit_code_for(&fs), 5);
        assert_eq!(g.exit_code_for(&[]), 0);
        let g = Gate {
            exit_code: 3,
            fail_on: Some(Severity::Critical),
            ..Default::default()
        };
        assert_eq!(g.exit_code_for(&fs), 0, "nothing critical");
        let g = Gate {
            fail_on: Some(Severity::High),
            ..Default::default()
        };
        assert_eq!(g.exit_code_for(&fs), 1, "--fail-on alone exits 1");
        let g = Gate {
            exit_code: 1,
            severities: Some(vec![Severity::Critical]),
            ..Default::default()
        };
        assert_eq!(g.exit_code_for(&fs), 0, "filtered by --severity");
        let g = Gate {
            exit_code: 1,
            ignore_unfixed: true,
            severities: Some(vec![Severity::Low]),
            ..Default::default()
        };
        assert_eq!(g.exit_code_for(&fs), 0, "the only LOW one has no fix");
        let mut suppressed = fs.clone();
        for f in &mut suppressed {
            f.suppressed = Some(Suppression {
                kind: "vex".into(),
                source: "x".into(),
                justification: None,
                status: None,
            });
        }
        let g = Gate {
            exit_code: 1,
            ..Default::default()
        };
        assert_eq!(
            g.exit_code_for(&suppressed),
            0,
            "suppressed findings do not count"
        );
    }

    #[test]
    fn apply_filters_and_suppresses() {
        let mut fs = vec![
            finding(
                "CVE-1",
                Severity::High,
                Some("2.31.0"),
                "pkg:pypi/requests@2.25.1",
            ),
            finding("CVE-2", Severity::Low, None, "pkg:pypi/requests@2.25.1"),
            finding(
                "CVE-3",
                Severity::Critical,
                Some("9"),
                "pkg:pypi/requests@2.25.1",
            ),
        ];
        let ig = IgnoreFile::parse(
            ".customsignore",
            "# accepted\nCVE-1 exp:2027-01-01 # not reachable\nGHSA-CVE-3 exp:2026-01-01 # stale\n",
        )
        .unwrap();
        let gate = Gate {
            ignore_unfixed: true,
            ..Default::default()
        };
        let out = apply(&mut fs, &gate, Some(&ig), &[], &[], today());
        assert_eq!(fs.len(), 2, "the unfixed one is filtered out");
        assert_eq!(out.filtered, 1);
        let one = fs.iter().find(|f| f.id == "CVE-1").unwrap();
        assert_eq!(
            one.suppressed.as_ref().unwrap().justification.as_deref(),
            Some("not reachable")
        );
        let three = fs.iter().find(|f| f.id == "CVE-3").unwrap();
        assert!(three.suppressed.is_none(), "expired entries stop hiding");
        assert_eq!(out.expired.len(), 1);
        assert_eq!(out.expired[0].id, "GHSA-CVE-3");
    }
}
