//! One side of a comparison (`customs diff`, `customs recommend`): an image
//! scanned and matched, or a report or SBOM read back; and the base image
//! of an image (`--base`, the labels).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use customs_advisory::Db;
use customs_report::ScanReport;
use customs_report::base::BaseImage;
use customs_source::SourceSpec;
use customs_types::{ImageSummary, VulnFinding};

use crate::args::{DbLocation, GlobalArgs, ImageSourceArgs, Scanner};
use crate::{db, report, sbom, sbom_input};

/// What every side is read with: the source flags, the DB (opened once, on
/// first use), the per-layer cache.
pub struct Loader<'a> {
    pub global: &'a GlobalArgs,
    pub source: &'a ImageSourceArgs,
    pub db: &'a DbLocation,
    pub offline: bool,
    plan: crate::scanners::ScanPlan,
    cache: Option<customs_scan::LayerCache>,
    opened: Option<Db>,
}

/// A side, loaded.
pub struct Loaded {
    pub report: ScanReport,
    /// Ids naming the artifact, for VEX products.
    pub artifact_ids: Vec<String>,
    /// Uncompressed bytes of its layers (images only).
    pub size: Option<u64>,
    /// What it was read from: `image`, `json` (a customs JSON report),
    /// `cyclonedx` or `spdx`.
    pub kind: &'static str,
    /// Layers that could not be read (the scan is an input error).
    pub layer_errors: Vec<String>,
}

impl<'a> Loader<'a> {
    pub fn new(
        global: &'a GlobalArgs,
        source: &'a ImageSourceArgs,
        db: &'a DbLocation,
        offline: bool,
        no_cache: bool,
        cache_max_size: u64,
    ) -> anyhow::Result<Loader<'a>> {
        if source.input.is_some() {
            bail!("--input is not taken here: name each image (or report) as an argument");
        }
        Ok(Loader {
            global,
            source,
            db,
            offline,
            // the analyzers of `customs image --scanners vuln`: the same
            // per-layer cache entries
            plan: crate::scanners::ScanPlan::new(&[Scanner::Vuln], None)?,
            cache: crate::scanners::layer_cache(db.cache_dir.as_deref(), no_cache, cache_max_size),
            opened: None,
        })
    }

    fn matched(&mut self, inv: &customs_types::Inventory) -> anyhow::Result<Vec<VulnFinding>> {
        if self.opened.is_none() {
            self.opened = Some(db::open_for_scan(self.db, self.offline, self.global.quiet)?);
        }
        let db = self.opened.as_ref().expect("opened");
        Ok(customs_match::match_inventory(inv, db)
            .context("matching against the DB")?
            .findings)
    }

    /// Loads `arg`: a customs JSON report (its findings as recorded), a
    /// CycloneDX or SPDX JSON SBOM (matched now), or an image in any source
    /// syntax (scanned and matched now).
    pub fn load(&mut self, arg: &str) -> anyhow::Result<Loaded> {
        if let Some(path) = json_file(arg) {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            if customs_report::json::is_native(&v) {
                let report = customs_report::json::read_value(v).with_context(|| {
                    format!("cannot read the customs report {}", path.display())
                })?;
                let ids = report_ids(&report.artifact);
                return Ok(Loaded {
                    report,
                    artifact_ids: ids,
                    size: None,
                    kind: "json",
                    layer_errors: Vec::new(),
                });
            }
            let input = sbom_input::read(&path)?;
            let findings = self.matched(&input.inventory)?;
            return Ok(Loaded {
                report: report::build_from(input.summary, input.inventory, findings),
                artifact_ids: input.artifact_ids,
                size: None,
                kind: input.format,
                layer_errors: Vec::new(),
            });
        }
        let looks_like_a_file = arg.ends_with(".json")
            || ((arg.starts_with('/') || arg.starts_with("./") || arg.starts_with("../"))
                && !arg.contains(':'));
        if looks_like_a_file && !Path::new(arg).exists() {
            anyhow::bail!(
                "{arg}: no such file (a report, an SBOM, or an image reference with its source prefix, e.g. oci-dir:PATH)"
            );
        }
        let spec = SourceSpec::parse(arg).with_context(|| format!("cannot read {arg}"))?;
        let out = sbom::scan_with(
            self.global,
            &spec,
            self.source,
            &self.plan.factory,
            self.cache.as_ref(),
        )?;
        let findings = self.matched(&out.inventory)?;
        let size = out.layers.iter().map(|l| l.uncompressed_size).sum();
        Ok(Loaded {
            report: report::build(&out, findings),
            artifact_ids: crate::scan::artifact_ids(&out),
            size: Some(size),
            kind: "image",
            layer_errors: out.layer_errors.clone(),
        })
    }
}

/// `arg` as a JSON file (a report or an SBOM), if it is one: an existing
/// regular file whose first non-blank byte is `{`.
fn json_file(arg: &str) -> Option<PathBuf> {
    use std::io::Read;
    let p = Path::new(arg);
    if !p.is_file() {
        return None;
    }
    let mut head = [0u8; 512];
    let n = std::fs::File::open(p).ok()?.read(&mut head).ok()?;
    let first = head[..n]
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)?;
    (first == b'{').then(|| p.to_path_buf())
}

fn report_ids(a: &ImageSummary) -> Vec<String> {
    let mut ids = vec![a.name.clone()];
    ids.extend(customs_report::image::oci_purl(a));
    ids.extend(a.manifest_digest.iter().map(|d| d.to_string()));
    ids.extend(a.config_digest.iter().map(|d| d.to_string()));
    ids.extend(a.repo_tags.iter().cloned());
    ids
}

/// The diff_ids of an image's layers (empty strings for layers without one).
pub fn diff_ids(s: &ImageSummary) -> Vec<String> {
    s.layers
        .iter()
        .map(|l| {
            l.diff_id
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// How many leading layers of `image` are `base`'s: `Some(n)` when the
/// base's diff_ids are all known and lead the image's.
pub fn base_prefix(base: &[String], image: &[String]) -> Option<u32> {
    let ok = !base.is_empty()
        && base.len() <= image.len()
        && base.iter().all(|d| !d.is_empty())
        && base.iter().zip(image).all(|(b, i)| b == i);
    ok.then_some(base.len() as u32)
}

/// The summary (layers, digest) of a base image: a customs JSON report's
/// artifact, or the image opened (manifest and config only: no layer is
/// read).
pub fn base_summary(arg: &str, source: &ImageSourceArgs) -> anyhow::Result<ImageSummary> {
    if let Some(path) = json_file(arg) {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let r = customs_report::json::read(&text)
            .with_context(|| format!("--base {}: not a customs JSON report", path.display()))?;
        return Ok(r.artifact);
    }
    let spec = SourceSpec::parse(arg).with_context(|| format!("--base {arg}"))?;
    let opts = source.open_options(&spec)?;
    let img = customs_source::open(&spec, &opts).with_context(|| format!("cannot open {spec}"))?;
    Ok(customs_scan::summarize(&img))
}

/// The base image of a scanned image: `--base REF` (matched by diff_ids),
/// else what the `org.opencontainers.image.base.*` labels name.
pub fn for_image(
    base: Option<&str>,
    source: &ImageSourceArgs,
    image: &ImageSummary,
    quiet: bool,
) -> anyhow::Result<Option<BaseImage>> {
    let Some(arg) = base else {
        return Ok(BaseImage::from_labels(&image.config.labels));
    };
    let b = base_summary(arg, source)?;
    let layers = base_prefix(&diff_ids(&b), &diff_ids(image));
    if layers.is_none() && !quiet {
        eprintln!(
            "customs: warning: the layers of the base {arg} are not the first layers of {}: \
             findings are not split",
            image.name
        );
    }
    Ok(Some(BaseImage {
        name: arg.to_string(),
        digest: b.manifest_digest.map(|d| d.to_string()),
        source: "flag".into(),
        layers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(base_prefix(&s(&["a"]), &s(&["a", "b"])), Some(1));
        assert_eq!(base_prefix(&s(&["a", "b"]), &s(&["a", "b"])), Some(2));
        assert_eq!(base_prefix(&s(&["b"]), &s(&["a", "b"])), None);
        assert_eq!(base_prefix(&s(&["a", "b", "c"]), &s(&["a", "b"])), None);
        assert_eq!(base_prefix(&s(&[]), &s(&["a"])), None);
        assert_eq!(base_prefix(&s(&[""]), &s(&[""])), None);
    }
}
