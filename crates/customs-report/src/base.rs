//! Base image versus application layers: which findings come with the base
//! image and which with the layers built on it.
//!
//! The base is known either by its layers (`customs image --base REF`: the
//! base's diff_ids are the image's leading diff_ids, so its first
//! [`BaseImage::layers`] layers are the base's), or only by name (the
//! `org.opencontainers.image.base.name` / `.base.digest` labels), which
//! names it but cannot split findings.
//!
//! A finding is *from the base image* when the package it is about came
//! from a layer with an index below [`BaseImage::layers`]
//! ([`customs_types::PackageRef::layer`]), *from your layers* when it came
//! from a later layer, and *of an unknown layer* when the package's layer
//! is not known (an SBOM without layers). Suppressed findings are not
//! counted.
//!
//! Every report that knows a base shows the split: the table and the
//! Markdown as a section after the vulnerability counts, the native JSON as
//! a `base_image` section (with the counts and the advice) and an `origin`
//! field (`base` or `application`) on each finding.

use customs_types::{Severity, VulnFinding};
use serde::{Deserialize, Serialize};

use crate::text::{SeverityCounts, fixable};

/// The label naming the base image (OCI image spec annotations).
pub const BASE_NAME_LABEL: &str = "org.opencontainers.image.base.name";
/// The label giving the base image's manifest digest.
pub const BASE_DIGEST_LABEL: &str = "org.opencontainers.image.base.digest";

/// The base image of a scanned image, when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseImage {
    /// The reference given (`--base`) or the label's value.
    pub name: String,
    /// The base's manifest digest, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// How the base is known: `flag` (`--base`), `label` (the
    /// `org.opencontainers.image.base.*` labels), `candidate` (a scanned
    /// candidate whose diff_ids lead the image's).
    pub source: String,
    /// How many leading layers of the image are the base's, when its
    /// diff_ids were matched; `None` when the base is only named, or its
    /// layers are not the image's first layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<u32>,
}

impl BaseImage {
    /// The base the image's labels name, if they do (name only: the split
    /// needs the base's layers).
    pub fn from_labels(labels: &std::collections::BTreeMap<String, String>) -> Option<BaseImage> {
        let name = labels
            .get(BASE_NAME_LABEL)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        let digest = labels
            .get(BASE_DIGEST_LABEL)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        if name.is_none() && digest.is_none() {
            return None;
        }
        Some(BaseImage {
            name: name.or(digest).unwrap_or_default().to_string(),
            digest: digest.map(str::to_string),
            source: "label".into(),
            layers: None,
        })
    }

    /// Where a package of this layer comes from.
    pub fn origin(&self, layer: Option<u32>) -> Origin {
        match (self.layers, layer) {
            (Some(n), Some(l)) if l < n => Origin::Base,
            (Some(_), Some(_)) => Origin::Application,
            _ => Origin::Unknown,
        }
    }
}

/// Where a finding's package comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A layer of the base image.
    Base,
    /// A layer built on the base.
    Application,
    /// The package's layer, or the base's layers, are not known.
    Unknown,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Base => "base",
            Origin::Application => "application",
            Origin::Unknown => "unknown",
        }
    }
}

/// Counts of one side of the split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OriginCounts {
    /// Active findings.
    pub total: usize,
    /// Active findings with a fixed version.
    pub fixable: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub unknown: usize,
}

impl OriginCounts {
    fn of<'a>(findings: impl IntoIterator<Item = &'a VulnFinding> + Clone) -> OriginCounts {
        let c = SeverityCounts::of(findings.clone());
        OriginCounts {
            total: c.total(),
            fixable: findings.into_iter().filter(|f| fixable(f)).count(),
            critical: c.get(Severity::Critical),
            high: c.get(Severity::High),
            medium: c.get(Severity::Medium),
            low: c.get(Severity::Low),
            unknown: c.get(Severity::Unknown),
        }
    }

    /// HIGH and CRITICAL findings.
    pub fn high_critical(&self) -> usize {
        self.high + self.critical
    }

    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Unknown => self.unknown,
        }
    }
}

/// The findings of a report split by origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    pub base: OriginCounts,
    pub application: OriginCounts,
    /// Findings whose package's layer is not known (counted only when the
    /// base's layers are known).
    pub unknown_layer: OriginCounts,
    /// The advice, when most HIGH/CRITICAL findings come from the base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
}

impl Split {
    /// Splits the active findings; `None` when the base's layers are not
    /// known.
    pub fn of(base: &BaseImage, findings: &[VulnFinding]) -> Option<Split> {
        base.layers?;
        let active = || findings.iter().filter(|f| f.suppressed.is_none());
        let side = |o: Origin| {
            OriginCounts::of(active().filter(move |f| base.origin(f.package.layer) == o))
        };
        let base_c = side(Origin::Base);
        let app = side(Origin::Application);
        let unknown_layer = side(Origin::Unknown);
        let hc = base_c.high_critical() + app.high_critical() + unknown_layer.high_critical();
        let advice = (base_c.high_critical() * 2 > hc).then(|| advice(base_c.high_critical(), hc));
        Some(Split {
            base: base_c,
            application: app,
            unknown_layer,
            advice,
        })
    }
}

/// "change the base image: N of M HIGH/CRITICAL findings come from it".
pub fn advice(from_base: usize, total: usize) -> String {
    format!("change the base image: {from_base} of {total} HIGH/CRITICAL findings come from it")
}

impl BaseImage {
    /// `debian:12 (layers 0-1, from --base)`.
    pub fn describe(&self) -> String {
        let how = match self.source.as_str() {
            "flag" => "from --base",
            "label" => "named by the image's labels",
            "candidate" => "a candidate whose layers lead the image's",
            s => s,
        };
        let layers = match self.layers {
            Some(0) => "no layers".to_string(),
            Some(1) => "layer 0".to_string(),
            Some(n) => format!("layers 0-{}", n - 1),
            None if self.source == "label" => {
                "its layers not known: give --base to split the findings".to_string()
            }
            None => "its layers are not the image's first layers: findings not split".to_string(),
        };
        format!("{} ({layers}; {how})", self.name)
    }
}

const ORIGIN_ROWS: [(Origin, &str); 3] = [
    (Origin::Base, "base image"),
    (Origin::Application, "your layers"),
    (Origin::Unknown, "layer unknown"),
];

fn side(split: &Split, o: Origin) -> &OriginCounts {
    match o {
        Origin::Base => &split.base,
        Origin::Application => &split.application,
        Origin::Unknown => &split.unknown_layer,
    }
}

/// The base-image section of the table report.
pub(crate) fn write_table(
    report: &crate::ScanReport,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use comfy_table::CellAlignment;
    let Some(base) = &report.base else {
        return Ok(());
    };
    writeln!(out)?;
    let title = format!("Base image: {}", base.describe());
    writeln!(out, "{title}")?;
    writeln!(out, "{}", "-".repeat(title.chars().count()))?;
    let Some(split) = Split::of(base, &report.vulnerabilities) else {
        return Ok(());
    };
    let mut t = crate::table::new_table(None);
    let mut header = vec!["From".to_string(), "Total".to_string()];
    header.extend(Severity::ALL.iter().rev().map(|s| s.as_str().to_string()));
    header.push("Fixable".into());
    t.set_header(header);
    for (o, label) in ORIGIN_ROWS {
        let c = side(&split, o);
        if o == Origin::Unknown && c.total == 0 {
            continue;
        }
        let mut row = vec![label.to_string(), c.total.to_string()];
        row.extend(Severity::ALL.iter().rev().map(|s| c.get(*s).to_string()));
        row.push(c.fixable.to_string());
        t.add_row(row);
    }
    for i in 1..8 {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{t}")?;
    if let Some(a) = &split.advice {
        writeln!(out, "Advice: {a}")?;
    }
    Ok(())
}

/// The base-image section of the Markdown report.
pub(crate) fn write_markdown(
    report: &crate::ScanReport,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use crate::markdown::cell;
    let Some(base) = &report.base else {
        return Ok(());
    };
    writeln!(out, "### Base image")?;
    writeln!(out)?;
    writeln!(out, "{}", cell(&base.describe()))?;
    let Some(split) = Split::of(base, &report.vulnerabilities) else {
        writeln!(out)?;
        return Ok(());
    };
    writeln!(out)?;
    writeln!(
        out,
        "| From | Total | CRITICAL | HIGH | MEDIUM | LOW | UNKNOWN | Fixable |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
    for (o, label) in ORIGIN_ROWS {
        let c = side(&split, o);
        if o == Origin::Unknown && c.total == 0 {
            continue;
        }
        writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} | {} | {} |",
            c.total, c.critical, c.high, c.medium, c.low, c.unknown, c.fixable
        )?;
    }
    if let Some(a) = &split.advice {
        writeln!(out)?;
        writeln!(out, "> **Advice:** {}", cell(a))?;
    }
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_base() {
        let mut l = std::collections::BTreeMap::new();
        assert!(BaseImage::from_labels(&l).is_none());
        l.insert(BASE_NAME_LABEL.to_string(), "debian:12".to_string());
        l.insert(BASE_DIGEST_LABEL.to_string(), "sha256:ab".to_string());
        let b = BaseImage::from_labels(&l).unwrap();
        assert_eq!(b.name, "debian:12");
        assert_eq!(b.digest.as_deref(), Some("sha256:ab"));
        assert_eq!(b.layers, None);
        assert_eq!(b.origin(Some(0)), Origin::Unknown);
    }

    #[test]
    fn origin_by_layer() {
        let b = BaseImage {
            name: "b".into(),
            digest: None,
            source: "flag".into(),
            layers: Some(2),
        };
        assert_eq!(b.origin(Some(0)), Origin::Base);
        assert_eq!(b.origin(Some(1)), Origin::Base);
        assert_eq!(b.origin(Some(2)), Origin::Application);
        assert_eq!(b.origin(None), Origin::Unknown);
    }
}
