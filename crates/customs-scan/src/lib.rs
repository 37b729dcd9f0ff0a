//! The scan pipeline, source → layers → analyzers → inventory, shared by
//! every command that reads an image or a directory.

use std::time::Instant;

use customs_analyze::dispatch::AnalyzeFactory;
use customs_analyze::findings::{self, Findings};
use customs_analyze::inventory;
use customs_layer::{LayerOutcome, MergedView, Progress, WalkOptions, walk_image};
use customs_source::OpenedImage;
use customs_types::{ImageSummary, Inventory, LayerSummary, Unknown};
use serde::Serialize;

/// How long each stage took, and how much was read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanStats {
    pub layers: usize,
    pub layers_walked: usize,
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
    let t0 = Instant::now();
    let outcomes: Vec<LayerOutcome<_>> = walk_image(img, walk, analyzers, progress);
    let walk_ms = t0.elapsed().as_millis();
    let t1 = Instant::now();
    let mut layer_errors = Vec::new();
    let mut unknowns = Vec::new();
    let mut indexes = Vec::with_capacity(outcomes.len());
    let mut analyses = Vec::with_capacity(outcomes.len());
    let mut files_analyzed = 0;
    for o in outcomes {
        if let Some(e) = &o.error {
            layer_errors.push(e.to_string());
        }
        unknowns.extend(o.index.unknowns.iter().cloned());
        files_analyzed += o.visitor.analysis.files_analyzed;
        indexes.push(o.index);
        analyses.push(o.visitor.analysis);
    }
    let layers: Vec<LayerSummary> = indexes.iter().map(|i| i.summary.clone()).collect();
    let view = customs_layer::merge(indexes.iter_mut());
    unknowns.extend(view.unknowns().iter().cloned());
    let inventory = inventory::build(&analyses, &view);
    unknowns.extend(inventory.unknowns.iter().cloned());
    let findings = findings::collect(&analyses, &view);
    let stats = ScanStats {
        layers: img.layers.len(),
        layers_walked: layers.len() - layer_errors.len(),
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
