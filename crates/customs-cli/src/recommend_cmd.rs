//! `customs recommend IMAGE --candidates REF,REF,...`: which base image to
//! build on.
//!
//! The image and every candidate are scanned and matched against the local
//! DB (any source syntax: local archives and layouts work offline). The
//! image's current base is `--base REF`, else the candidate whose diff_ids
//! lead the image's (the longest), else what the
//! `org.opencontainers.image.base.name` label names, when it can be opened.
//! The image's findings split into those from the base's layers and those
//! from its own layers; the expected findings on a candidate are the
//! image's own-layer findings plus the candidate's.
//!
//! Candidates rank by their fixable HIGH/CRITICAL findings, then all their
//! findings, then their size (uncompressed layers), fewest first; ties keep
//! the order given.

use std::io::Write;

use anyhow::bail;
use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use customs_report::base::{BaseImage, Origin};
use customs_types::{FixStatus, Severity, VulnFinding};
use serde::Serialize;

use crate::args::{GlobalArgs, RecommendArgs, RecommendFormat};
use crate::output::{human_bytes, writer};
use crate::side::{Loader, base_prefix, base_summary, diff_ids};

/// Counts of active findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
struct Counts {
    total: usize,
    fixable: usize,
    high_critical: usize,
    fixable_high_critical: usize,
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    unknown: usize,
}

impl Counts {
    fn of<'a>(fs: impl IntoIterator<Item = &'a VulnFinding>) -> Counts {
        let mut c = Counts::default();
        for f in fs.into_iter().filter(|f| f.suppressed.is_none()) {
            let fixable = f.status == FixStatus::Fixed && f.fixed_version.is_some();
            let hc = f.severity >= Severity::High;
            c.total += 1;
            c.fixable += usize::from(fixable);
            c.high_critical += usize::from(hc);
            c.fixable_high_critical += usize::from(hc && fixable);
            match f.severity {
                Severity::Critical => c.critical += 1,
                Severity::High => c.high += 1,
                Severity::Medium => c.medium += 1,
                Severity::Low => c.low += 1,
                Severity::Unknown => c.unknown += 1,
            }
        }
        c
    }

    fn plus(self, o: Counts) -> Counts {
        Counts {
            total: self.total + o.total,
            fixable: self.fixable + o.fixable,
            high_critical: self.high_critical + o.high_critical,
            fixable_high_critical: self.fixable_high_critical + o.fixable_high_critical,
            critical: self.critical + o.critical,
            high: self.high + o.high,
            medium: self.medium + o.medium,
            low: self.low + o.low,
            unknown: self.unknown + o.unknown,
        }
    }
}

#[derive(Debug, Serialize)]
struct Recommendation {
    image: ImageInfo,
    /// Best first.
    candidates: Vec<Candidate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advice: Option<String>,
}

#[derive(Debug, Serialize)]
struct ImageInfo {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    findings: Counts,
    /// Its current base, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    base: Option<BaseImage>,
    /// Findings from the base's layers (when the base's layers are known).
    #[serde(skip_serializing_if = "Option::is_none")]
    from_base: Option<Counts>,
    /// Findings from the image's own layers.
    #[serde(skip_serializing_if = "Option::is_none")]
    from_own_layers: Option<Counts>,
}

#[derive(Debug, Serialize)]
struct Candidate {
    rank: usize,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    packages: usize,
    /// Its layers lead the image's: the image is built on it.
    current_base: bool,
    findings: Counts,
    /// The image rebuilt on this candidate: its own-layer findings plus
    /// the candidate's (when the image's base layers are known).
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<Expected>,
}

#[derive(Debug, Serialize)]
struct Expected {
    findings: Counts,
    change: Change,
}

/// Expected minus now, and in percent of now.
#[derive(Debug, Serialize)]
struct Change {
    total: i64,
    total_percent: Option<f64>,
    high_critical: i64,
    high_critical_percent: Option<f64>,
    fixable_high_critical: i64,
    fixable_high_critical_percent: Option<f64>,
}

impl Change {
    fn between(now: Counts, then: Counts) -> Change {
        let d = |a: usize, b: usize| b as i64 - a as i64;
        let p = customs_report::diff::percent;
        Change {
            total: d(now.total, then.total),
            total_percent: p(now.total, then.total),
            high_critical: d(now.high_critical, then.high_critical),
            high_critical_percent: p(now.high_critical, then.high_critical),
            fixable_high_critical: d(now.fixable_high_critical, then.fixable_high_critical),
            fixable_high_critical_percent: p(now.fixable_high_critical, then.fixable_high_critical),
        }
    }
}

pub fn run(global: &GlobalArgs, args: &RecommendArgs) -> anyhow::Result<u8> {
    if args.candidates.is_empty() {
        bail!("--candidates names no image");
    }
    let mut loader = Loader::new(
        global,
        &args.source,
        &args.db,
        args.offline,
        args.no_cache,
        args.cache_max_size,
    )?;
    let image = loader.load(&args.image)?;
    let image_ids = diff_ids(&image.report.artifact);
    let mut errors = image.layer_errors.clone();

    let mut cands = Vec::new();
    for c in &args.candidates {
        let l = loader.load(c)?;
        errors.extend(l.layer_errors.iter().cloned());
        let prefix = base_prefix(&diff_ids(&l.report.artifact), &image_ids);
        cands.push((c.clone(), l, prefix));
    }

    // the image's current base
    let base = match &args.base {
        Some(b) => {
            let s = base_summary(b, &args.source)?;
            let layers = base_prefix(&diff_ids(&s), &image_ids);
            if layers.is_none() {
                bail!(
                    "the layers of --base {b} are not the first layers of {}",
                    args.image
                );
            }
            Some(BaseImage {
                name: b.clone(),
                digest: s.manifest_digest.map(|d| d.to_string()),
                source: "flag".into(),
                layers,
            })
        }
        None => match cands
            .iter()
            .filter_map(|(n, l, p)| p.map(|p| (n, l, p)))
            .max_by_key(|(_, _, p)| *p)
        {
            Some((n, l, p)) => Some(BaseImage {
                name: n.clone(),
                digest: l
                    .report
                    .artifact
                    .manifest_digest
                    .as_ref()
                    .map(|d| d.to_string()),
                source: "candidate".into(),
                layers: Some(p),
            }),
            None => from_label(&image.report.artifact, &args.source, &image_ids),
        },
    };
    let base_layers = base.as_ref().and_then(|b| b.layers);
    if base_layers.is_none() && !global.quiet {
        eprintln!(
            "customs: warning: cannot tell which layers of {} come from its base (give --base \
             REF): candidates are ranked, but the expected change for the image is not shown",
            args.image
        );
    }

    let now = Counts::of(&image.report.vulnerabilities);
    let origin = |f: &&VulnFinding| match &base {
        Some(b) => b.origin(f.package.layer),
        None => Origin::Unknown,
    };
    let (from_base, own) = match base_layers {
        Some(_) => {
            let v = &image.report.vulnerabilities;
            // a package of an unknown layer counts as the image's own
            (
                Some(Counts::of(v.iter().filter(|f| origin(f) == Origin::Base))),
                Some(Counts::of(v.iter().filter(|f| origin(f) != Origin::Base))),
            )
        }
        None => (None, None),
    };

    let mut out: Vec<Candidate> = cands
        .into_iter()
        .map(|(name, l, prefix)| {
            let findings = Counts::of(&l.report.vulnerabilities);
            let expected = own.map(|own| {
                let then = own.plus(findings);
                Expected {
                    findings: then,
                    change: Change::between(now, then),
                }
            });
            Candidate {
                rank: 0,
                name,
                digest: l
                    .report
                    .artifact
                    .manifest_digest
                    .as_ref()
                    .map(|d| d.to_string()),
                size: l.size,
                packages: l.report.inventory.packages.len(),
                current_base: prefix.is_some() && prefix == base_layers,
                findings,
                expected,
            }
        })
        .collect();
    out.sort_by_key(|c| {
        (
            c.findings.fixable_high_critical,
            c.findings.total,
            c.size.unwrap_or(u64::MAX),
        )
    });
    for (i, c) in out.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    let advice = advice(&out);
    let rec = Recommendation {
        image: ImageInfo {
            name: args.image.clone(),
            digest: image
                .report
                .artifact
                .manifest_digest
                .as_ref()
                .map(|d| d.to_string()),
            size: image.size,
            findings: now,
            base,
            from_base,
            from_own_layers: own,
        },
        candidates: out,
        advice,
    };

    let mut w = writer(args.output.as_deref())?;
    match args.format {
        RecommendFormat::Json => {
            serde_json::to_writer_pretty(&mut w, &rec)?;
            writeln!(w)?;
        }
        RecommendFormat::Table => write_table(&rec, &mut w)?,
    }
    w.flush()?;
    drop(w);
    if !errors.is_empty() {
        for e in errors {
            eprintln!("customs: error: {e}");
        }
        return Ok(2);
    }
    Ok(0)
}

/// The base the image's label names, when it can be opened and its layers
/// lead the image's.
fn from_label(
    image: &customs_types::ImageSummary,
    source: &crate::args::ImageSourceArgs,
    image_ids: &[String],
) -> Option<BaseImage> {
    let mut b = BaseImage::from_labels(&image.config.labels)?;
    match base_summary(&b.name, source) {
        Ok(s) => b.layers = base_prefix(&diff_ids(&s), image_ids),
        Err(e) => tracing::warn!("cannot open the base {} the labels name: {e:#}", b.name),
    }
    Some(b)
}

fn advice(c: &[Candidate]) -> Option<String> {
    let best = c.first()?;
    if best.current_base {
        return Some(format!(
            "keep the current base {}: no candidate has fewer fixable HIGH/CRITICAL findings",
            best.name
        ));
    }
    let e = best.expected.as_ref()?;
    let ch = &e.change;
    if ch.high_critical >= 0 && ch.fixable_high_critical >= 0 && ch.total >= 0 {
        return Some(format!(
            "no candidate reduces the image's findings; {} ranks first by size",
            best.name
        ));
    }
    Some(format!(
        "rebuild on {}: the image's HIGH/CRITICAL findings would go {} → {} ({}), fixable \
         HIGH/CRITICAL {} → {}, all findings {} → {} ({})",
        best.name,
        e.findings.high_critical as i64 - ch.high_critical,
        e.findings.high_critical,
        pct(ch.high_critical_percent, ch.high_critical),
        e.findings.fixable_high_critical as i64 - ch.fixable_high_critical,
        e.findings.fixable_high_critical,
        e.findings.total as i64 - ch.total,
        e.findings.total,
        pct(ch.total_percent, ch.total),
    ))
}

fn pct(p: Option<f64>, delta: i64) -> String {
    match p {
        Some(p) => customs_report::diff::format_percent(p),
        None if delta > 0 => "new".into(),
        None => "-".into(),
    }
}

fn write_table(r: &Recommendation, out: &mut dyn Write) -> std::io::Result<()> {
    let i = &r.image;
    let title = format!("Base image candidates for {}", i.name);
    writeln!(out, "{title}")?;
    writeln!(out, "{}", "=".repeat(title.chars().count()))?;
    let f = &i.findings;
    writeln!(
        out,
        "Image findings: {} (CRITICAL: {}, HIGH: {}, MEDIUM: {}, LOW: {}, UNKNOWN: {}); fixable HIGH/CRITICAL: {}",
        f.total, f.critical, f.high, f.medium, f.low, f.unknown, f.fixable_high_critical
    )?;
    match (&i.base, i.from_base, i.from_own_layers) {
        (Some(b), Some(fb), Some(own)) => writeln!(
            out,
            "Current base: {}; from the base: {} ({} HIGH/CRITICAL), from your layers: {} ({} HIGH/CRITICAL)",
            b.describe(),
            fb.total,
            fb.high_critical,
            own.total,
            own.high_critical
        )?,
        (Some(b), _, _) => writeln!(out, "Current base: {}", b.describe())?,
        _ => writeln!(out, "Current base: not known (give --base REF)")?,
    }
    writeln!(out)?;
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    t.force_no_tty();
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(vec![
        "Rank",
        "Candidate",
        "Fixable HIGH/CRIT",
        "HIGH/CRIT",
        "Total",
        "Packages",
        "Size",
        "Image HIGH/CRIT now → expected",
        "Image total now → expected",
    ]);
    for c in &r.candidates {
        let name = if c.current_base {
            format!("{} (current)", c.name)
        } else {
            c.name.clone()
        };
        let (hc, total) = match &c.expected {
            Some(e) => (
                format!(
                    "{} → {} ({})",
                    i.findings.high_critical,
                    e.findings.high_critical,
                    pct(e.change.high_critical_percent, e.change.high_critical)
                ),
                format!(
                    "{} → {} ({})",
                    i.findings.total,
                    e.findings.total,
                    pct(e.change.total_percent, e.change.total)
                ),
            ),
            None => ("-".into(), "-".into()),
        };
        t.add_row(vec![
            c.rank.to_string(),
            name,
            c.findings.fixable_high_critical.to_string(),
            c.findings.high_critical.to_string(),
            c.findings.total.to_string(),
            c.packages.to_string(),
            c.size.map_or_else(|| "-".into(), human_bytes),
            hc,
            total,
        ]);
    }
    for col in [0, 2, 3, 4, 5, 6, 7, 8] {
        if let Some(c) = t.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{t}")?;
    if let Some(a) = &r.advice {
        writeln!(out)?;
        writeln!(out, "Recommendation: {a}")?;
    }
    Ok(())
}
