//! Severity of a finding: CVSS vectors scored with the `cvss` crate, then
//! textual ratings, then an alias record's, else UNKNOWN.

use std::str::FromStr;

use customs_advisory::{Affected, SeverityType, Vulnerability};
use customs_types::{CvssScore, Severity};
use serde_json::Value;

/// A CVSS vector scored: its major version (2, 3 or 4), base score and
/// qualitative rating (`None` for a 0.0 score).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvssRating {
    /// 2, 3 or 4.
    pub version: u8,
    /// Base score (CVSS v4: the score of the vector as given).
    pub score: f64,
    /// The rating of the score; `None` for 0.0 ("None" in CVSS).
    pub severity: Option<Severity>,
}

/// Parses and scores a CVSS v2, v3.0, v3.1 or v4.0 vector.
pub fn score_cvss(vector: &str) -> Result<CvssRating, cvss::Error> {
    let parsed = cvss::Cvss::from_str(vector.trim())?;
    let version = match &parsed {
        cvss::Cvss::CvssV20(_) => 2,
        cvss::Cvss::CvssV30(_) | cvss::Cvss::CvssV31(_) => 3,
        cvss::Cvss::CvssV40(_) => 4,
        _ => 0,
    };
    let score = parsed.score();
    let severity = match parsed.severity() {
        cvss::Severity::None => None,
        cvss::Severity::Low => Some(Severity::Low),
        cvss::Severity::Medium => Some(Severity::Medium),
        cvss::Severity::High => Some(Severity::High),
        cvss::Severity::Critical => Some(Severity::Critical),
    };
    Ok(CvssRating {
        version,
        score,
        severity,
    })
}

/// The severity chosen for a finding.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chosen {
    pub severity: Severity,
    pub source: String,
    pub cvss: Vec<CvssScore>,
}

/// A CVSS vector with where it came from and its rating.
#[derive(Debug, Clone)]
struct Scored {
    score: CvssScore,
    rating: Option<CvssRating>,
}

fn is_cvss(kind: &SeverityType) -> bool {
    matches!(
        kind,
        SeverityType::CvssV2 | SeverityType::CvssV3 | SeverityType::CvssV4
    )
}

fn collect_cvss<'a>(
    out: &mut Vec<Scored>,
    source: &str,
    severities: impl IntoIterator<Item = &'a customs_advisory::Severity>,
) {
    for s in severities {
        if !is_cvss(&s.kind) || s.score.trim().is_empty() {
            continue;
        }
        let vector = s.score.trim();
        if out
            .iter()
            .any(|x| x.score.vector == vector && x.score.source == source)
        {
            continue;
        }
        let rating = score_cvss(vector).ok();
        out.push(Scored {
            score: CvssScore {
                kind: s.kind.as_str().to_owned(),
                vector: vector.to_owned(),
                score: rating.map(|r| r.score),
                source: source.to_owned(),
            },
            rating,
        });
    }
}

/// The best CVSS-based severity: the highest CVSS version present, and
/// within it the highest score. Vectors that do not parse or score 0.0 do
/// not count.
fn best_cvss(scored: &[Scored]) -> Option<(Severity, String)> {
    let best = scored
        .iter()
        .filter_map(|s| {
            let r = s.rating?;
            Some((r.version, r.score, r.severity?, s))
        })
        .max_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                // Deterministic among equals: the smallest source id wins.
                .then_with(|| b.3.score.source.cmp(&a.3.score.source))
        })?;
    Some((
        best.2,
        format!("{} of {}", best.3.score.kind, best.3.score.source),
    ))
}

/// A textual severity word (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`, Ubuntu
/// priorities, Debian urgencies, Red Hat impacts).
pub(crate) fn parse_word(s: &str) -> Option<Severity> {
    let w = s.trim().to_ascii_lowercase();
    match w.as_str() {
        "negligible" | "unimportant" | "low" => Some(Severity::Low),
        "medium" | "moderate" => Some(Severity::Medium),
        "high" | "important" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

fn word_in(value: Option<&Value>) -> Option<(Severity, &str)> {
    let s = value?.get("severity")?.as_str()?;
    parse_word(s).map(|sev| (sev, s))
}

/// One merged advisory: its record (when the store had it) and the
/// `affected` entries of the package.
pub(crate) struct Source<'a> {
    pub id: &'a str,
    pub record: Option<&'a Vulnerability>,
    pub entries: Vec<&'a Affected>,
}

/// Chooses the severity of a finding from its merged advisories, then from
/// alias records (`alias_record` looks one up).
pub(crate) fn choose<'a>(
    sources: &[Source<'a>],
    aliases: &[String],
    mut alias_record: impl FnMut(&str) -> Option<std::rc::Rc<Vulnerability>>,
) -> Chosen {
    let mut scored = Vec::new();
    for s in sources {
        if let Some(r) = s.record {
            collect_cvss(&mut scored, s.id, &r.severity);
        }
        for a in &s.entries {
            collect_cvss(&mut scored, s.id, &a.severity);
        }
    }
    let chosen = |severity: Severity, source: String, scored: Vec<Scored>| Chosen {
        severity,
        source,
        cvss: scored.into_iter().map(|s| s.score).collect(),
    };
    // 1. CVSS vectors of the advisories.
    if let Some((sev, src)) = best_cvss(&scored) {
        return chosen(sev, src, scored);
    }
    // 2. The record's database_specific.severity (GHSA).
    if let Some((sev, id)) = sources
        .iter()
        .filter_map(|s| {
            let (sev, _) = word_in(s.record?.database_specific.as_ref())?;
            Some((sev, s.id))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))
    {
        return chosen(sev, format!("database_specific.severity of {id}"), scored);
    }
    // 3. Per-package ratings: affected[].ecosystem_specific.severity,
    //    affected[].database_specific.severity, Ubuntu priorities.
    let mut best: Option<(Severity, String)> = None;
    for s in sources {
        for a in &s.entries {
            let mut found = Vec::new();
            if let Some((sev, _)) = word_in(a.ecosystem_specific.as_ref()) {
                found.push((
                    sev,
                    format!("affected[].ecosystem_specific.severity of {}", s.id),
                ));
            }
            if let Some((sev, _)) = word_in(a.database_specific.as_ref()) {
                found.push((
                    sev,
                    format!("affected[].database_specific.severity of {}", s.id),
                ));
            }
            let record_level = s.record.map(|r| r.severity.as_slice()).unwrap_or(&[]);
            for sv in a.severity.iter().chain(record_level) {
                if sv.kind == SeverityType::Ubuntu
                    && let Some(sev) = parse_word(&sv.score)
                {
                    found.push((sev, format!("Ubuntu priority of {}", s.id)));
                }
            }
            for (sev, src) in found {
                if best.as_ref().is_none_or(|(b, _)| sev > *b) {
                    best = Some((sev, src));
                }
            }
        }
    }
    if let Some((sev, src)) = best {
        return chosen(sev, src, scored);
    }
    // 4. An alias record in the store (CVE first, then GHSA, then others).
    let mut ordered: Vec<&String> = aliases.iter().collect();
    ordered.sort_by_key(|a| (id_rank(a), a.as_str()));
    for alias in ordered {
        let Some(rec) = alias_record(alias) else {
            continue;
        };
        let mut alias_scored = Vec::new();
        collect_cvss(&mut alias_scored, &rec.id, &rec.severity);
        for a in &rec.affected {
            collect_cvss(&mut alias_scored, &rec.id, &a.severity);
        }
        let pick = best_cvss(&alias_scored).or_else(|| {
            word_in(rec.database_specific.as_ref())
                .map(|(sev, _)| (sev, format!("database_specific.severity of {}", rec.id)))
        });
        if let Some((sev, src)) = pick {
            scored.extend(alias_scored);
            return chosen(sev, format!("alias {alias}: {src}"), scored);
        }
    }
    chosen(Severity::Unknown, "none".into(), scored)
}

/// Preference of ids: CVE, then GHSA, then the rest.
pub(crate) fn id_rank(id: &str) -> u8 {
    if id.starts_with("CVE-") {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else {
        2
    }
}
