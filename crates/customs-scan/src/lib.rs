//! The scan pipeline, source → layers → analyzers → inventory, shared by
//! every command that reads an image or a directory.

use std::time::Instant;

pub mod cache;

pub use cache::{CacheError, LayerCache, TrimStats};

use customs_analyze::dispatch::AnalyzeFactory;
use customs_analyze::findings::{self, Findings};
use customs_analyze::inventory;
use customs_layer::{LayerIndex, MergedView, Progress, WalkOptions, walk_image_skipping};
use customs_source::OpenedImage;
use customs_types::{ImageSummary, Inventory, LayerSummary, Unknown};
use serde::Serialize;

/// How long each stage took, and how much was read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanStats {
    pub layers: usize,
    /// Layers read in this scan (downloaded, decompressed, walked).
    pub layers_walked: usize,
    /// Layers whose results came from the per-layer cache (not read).
    pub layers_cached: usize,
    pub files_analyzed: u64,
    pub walk_ms: u128,
    pub inventory_ms: u128,
}

/// Everything one pass over an image found.
pub struct ScanOutput {
    pub summary: ImageSummary,
    pub layers: Vec<LayerSummary>,
    pub view: MergedView,
    pub inventory: Inventory,
    /// Layers that could not be read to the end (integrity, corruption).
    pub layer_errors: Vec<String>,
    pub unknowns: Vec<Unknown>,
    /// Secrets and model files of every layer (empty unless the secret and
    /// model analyzers ran), deleted or overwritten files marked.
    pub findings: Findings,
    pub stats: ScanStats,
}

/// The summary reports show for an opened image.
pub fn summarize(img: &OpenedImage) -> ImageSummary {
    ImageSummary {
        name: img.reference.clone(),
        source: img.kind.to_string(),
        manifest_digest: img.manifest_digest.clone(),
        config_digest: img.config_digest.clone(),
        repo_tags: img.repo_tags.clone(),
        platform: img.platform.clone(),
        layers: img.layers.clone(),
        config: img.config.clone(),
    }
}

/// Walks every layer once with the analyzers and builds the inventory.
pub fn scan_image(
    img: &OpenedImage,
    walk: &WalkOptions,
    analyzers: &AnalyzeFactory,
    progress: &dyn Progress,
) -> ScanOutput {
    scan_image_cached(img, walk, analyzers, progress, None)
}

/// [`scan_image`] with a per-layer cache: layers whose results it holds
/// (same diff_id, same analyzer versions) are not read; the others are, and
/// their results are stored. Layers without a diff_id (`dir:` sources) and
/// layers that failed are never cached.
pub fn scan_image_cached(
    img: &OpenedImage,
    walk: &WalkOptions,
    analyzers: &AnalyzeFactory,
    progress: &dyn Progress,
    cache: Option<&LayerCache>,
) -> ScanOutput {
    let fingerprint = analyzers.fingerprint();
    let t0 = Instant::now();
    // results known from the cache, by layer index
    let mut cached: Vec<Option<(LayerIndex, customs_analyze::LayerAnalysis)>> =
        img.layers.iter().map(|_| None).collect();
    if let Some(c) = cache {
        for (slot, meta) in cached.iter_mut().zip(&img.layers) {
            *slot = c.get(meta, &fingerprint);
        }
    }
    let skip = |meta: &customs_types::LayerMeta| {
        cached.get(meta.index as usize).is_some_and(|c| c.is_some())
    };
    let outcomes = walk_image_skipping(img, walk, analyzers, progress, &skip);
    let walk_ms = t0.elapsed().as_millis();
    let t1 = Instant::now();
    let mut layer_errors = Vec::new();
    let mut unknowns = Vec::new();
    let mut indexes = Vec::with_capacity(outcomes.len());
    let mut analyses = Vec::with_capacity(outcomes.len());
    let mut files_analyzed = 0;
    let (mut layers_walked, mut layers_cached) = (0, 0);
    for ((o, from_cache), meta) in outcomes.into_iter().zip(cached).zip(&img.layers) {
        let (index, analysis) = match (o, from_cache) {
            (Some(o), _) => {
                layers_walked += 1;
                let analysis = o.visitor.finish();
                if let Some(e) = &o.error {
                    layer_errors.push(e.to_string());
                } else if let Some(c) = cache
                    && let Err(e) = c.put(meta, &fingerprint, &o.index, &analysis)
                {
                    tracing::warn!("{e}");
                }
                (o.index, analysis)
            }
            (None, Some(c)) => {
                layers_cached += 1;
                c
            }
            (None, None) => continue,
        };
        unknowns.extend(index.unknowns.iter().cloned());
        files_analyzed += analysis.files_analyzed;
        indexes.push(index);
        analyses.push(analysis);
    }
    if let Some(c) = cache
        && let Err(e) = c.trim()
    {
        tracing::warn!("{e}");
    }
    let layers: Vec<LayerSummary> = indexes.iter().map(|i| i.summary.clone()).collect();
    let view = customs_layer::merge(indexes.iter_mut());
    unknowns.extend(view.unknowns().iter().cloned());
    let inventory = inventory::build(&analyses, &view);
    unknowns.extend(inventory.unknowns.iter().cloned());
    let findings = findings::collect(&analyses, &view);
    tracing::debug!(
        "layers: {layers_walked} read, {layers_cached} from the cache, {} failed",
        layer_errors.len()
    );
    let stats = ScanStats {
        layers: img.layers.len(),
        layers_walked: layers_walked - layer_errors.len(),
        layers_cached,
        files_analyzed,
        walk_ms,
        inventory_ms: t1.elapsed().as_millis(),
    };
    ScanOutput {
        summary: summarize(img),
        layers,
        view,
        inventory,
        layer_errors,
        unknowns,
        findings,
        stats,
    }
}
