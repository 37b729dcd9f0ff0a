//! Secrets and unsafe model files, found in the same single pass as the
//! packages: [`SecretAnalyzer`] and [`ModelAnalyzer`] are analyzers like the
//! others, so every regular file of every layer (files a later layer deleted
//! or overwrote included) reaches them once. [`collect`] then marks the
//! findings whose file did not survive into the final image, and
//! [`config_secrets`] scans the image config and history.

use std::collections::HashMap;
use std::sync::Arc;

use customs_layer::MergedView;
use customs_model::Limits;
use customs_secret::Scanner;
use customs_types::{
    ImageSummary, ModelFinding, ModelIssue, ModelVerdict, RemovedIn, SecretFinding, SecretOrigin,
    SecretScanStats, Severity,
};

use crate::{Analyzer, Content, FileInfo, LayerAnalysis, Sink};

/// Bump when secret results change for the same rules (keys the cache).
const SECRET_ANALYZER_VERSION: u32 = 1;
/// Bump when model results change (keys the cache).
const MODEL_ANALYZER_VERSION: u32 = 2;

fn severity_of_secret(s: customs_secret::Severity) -> Severity {
    match s {
        customs_secret::Severity::Low => Severity::Low,
        customs_secret::Severity::Medium => Severity::Medium,
        customs_secret::Severity::High => Severity::High,
        customs_secret::Severity::Critical => Severity::Critical,
    }
}

fn severity_of_model(s: customs_model::Severity) -> Severity {
    match s {
        customs_model::Severity::Low => Severity::Low,
        customs_model::Severity::Medium => Severity::Medium,
        customs_model::Severity::High => Severity::High,
        customs_model::Severity::Critical => Severity::Critical,
    }
}

/// A secret of the scanner as the shared type.
pub fn secret_finding(
    f: customs_secret::SecretFinding,
    origin: SecretOrigin,
    layer: Option<u32>,
) -> SecretFinding {
    SecretFinding {
        rule_id: f.rule_id,
        title: f.title,
        severity: severity_of_secret(f.severity),
        origin,
        path: f.path,
        layer,
        line: f.line,
        end_line: f.end_line,
        column: f.column,
        cell: f.cell,
        cell_output: f.cell_output,
        key: f.key,
        redacted: f.redacted,
        fingerprint: f.fingerprint,
        removed: None,
    }
}

/// Every regular file (but allow-listed paths) through the secret rules.
pub struct SecretAnalyzer {
    scanner: Arc<Scanner>,
    max_size: u64,
}

impl SecretAnalyzer {
    pub fn new(scanner: Arc<Scanner>) -> Self {
        let max_size = scanner.max_file_size();
        SecretAnalyzer { scanner, max_size }
    }

    fn too_large(&self, size: u64) -> bool {
        self.max_size > 0 && size > self.max_size
    }
}

impl Analyzer for SecretAnalyzer {
    fn id(&self) -> &'static str {
        "secret"
    }

    fn version(&self) -> u32 {
        SECRET_ANALYZER_VERSION
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        file.size > 0 && !self.too_large(file.size) && self.scanner.wants_path(file.path)
    }

    fn parallel(&self) -> bool {
        true
    }

    /// A file over the size limit is only counted, never read.
    fn path_only(&self, file: &FileInfo<'_>) -> bool {
        self.too_large(file.size) && self.scanner.wants_path(file.path)
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        if self.too_large(file.size) {
            sink.analysis.secret_stats.skipped_too_large += 1;
            return Ok(());
        }
        let bytes = content.bytes(self.max_size.max(file.size))?;
        let notebook = file.path.ends_with(".ipynb");
        if !notebook && customs_secret::is_binary(&bytes) {
            sink.analysis.secret_stats.skipped_binary += 1;
            return Ok(());
        }
        sink.analysis.secret_stats.files_scanned += 1;
        for f in self.scanner.scan_bytes(file.path, &bytes) {
            let layer = sink.analysis.layer;
            sink.analysis
                .secrets
                .push(secret_finding(f, SecretOrigin::File, Some(layer)));
        }
        Ok(())
    }
}

/// Pickle-based and other model files, parsed, never loaded.
pub struct ModelAnalyzer {
    limits: Limits,
}

impl ModelAnalyzer {
    pub fn new(limits: Limits) -> Self {
        ModelAnalyzer { limits }
    }
}

impl Default for ModelAnalyzer {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

fn format_name(f: customs_model::ModelFormat) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{f:?}"))
}

/// A model report as the shared type.
pub fn model_finding(r: customs_model::ModelReport, layer: u32) -> ModelFinding {
    let verdict = match r.verdict {
        customs_model::Verdict::Safe => ModelVerdict::Safe,
        customs_model::Verdict::Suspicious => ModelVerdict::Suspicious,
        customs_model::Verdict::Dangerous => ModelVerdict::Dangerous,
    };
    let severity = r.max_severity().map(severity_of_model);
    let mut imports: Vec<String> = r.imports.iter().map(|i| i.callable()).collect();
    imports.sort();
    imports.dedup();
    ModelFinding {
        path: r.path,
        layer,
        format: format_name(r.format),
        verdict,
        severity,
        imports,
        issues: r
            .findings
            .into_iter()
            .map(|f| ModelIssue {
                severity: severity_of_model(f.severity),
                code: f.kind.code().to_string(),
                title: f.title,
                callable: f.callable,
                inner_path: f.inner_path,
                offset: f.offset,
                detail: f.detail,
            })
            .collect(),
        removed: None,
    }
}

/// PyTorch's extensions are shared with other files: `.pth` is also a
/// Python path-configuration file (text, in every `site-packages`), `.bin`
/// anything. Such a file is a model only when it starts like one: a zip
/// (`torch.save`) or a pickle with a protocol opcode (legacy `torch.save`
/// writes protocol 2).
fn looks_like_a_model(path: &str, content: &mut Content<'_>) -> Result<bool, String> {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(ext.as_str(), "pth" | "pt" | "bin" | "ckpt") {
        return Ok(true);
    }
    let mut head = [0u8; 4];
    let mut r = content.reader()?;
    let n = std::io::Read::read(&mut r, &mut head).map_err(|e| e.to_string())?;
    Ok(head[..n].starts_with(b"PK") || head.first() == Some(&0x80))
}

impl Analyzer for ModelAnalyzer {
    fn id(&self) -> &'static str {
        "model"
    }

    fn version(&self) -> u32 {
        MODEL_ANALYZER_VERSION
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        file.size > 0 && customs_model::is_candidate(file.path)
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        if !looks_like_a_model(file.path, content)? {
            return Ok(());
        }
        let mut reader = content.reader()?;
        // `None`: not a model after all (a `.bin` of another kind)
        if let Some(report) =
            customs_model::scan_model_seekable(file.path, &mut reader, &self.limits)
        {
            let layer = sink.analysis.layer;
            sink.analysis.models.push(model_finding(report, layer));
        }
        Ok(())
    }
}

/// Secrets and models of every layer, with the removal of files a later
/// layer deleted or overwrote; sorted by layer, path, line.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub secrets: Vec<SecretFinding>,
    pub models: Vec<ModelFinding>,
    pub secret_stats: SecretScanStats,
}

/// Gathers the findings of every layer and marks the ones whose file is
/// not in the final image.
pub fn collect(analyses: &[LayerAnalysis], view: &MergedView) -> Findings {
    let removed: HashMap<(&str, u32), RemovedIn> = view
        .removed()
        .iter()
        .map(|r| {
            (
                (r.entry.path.as_str(), r.entry.layer),
                RemovedIn {
                    layer: r.removed_in,
                    removal: r.removal,
                },
            )
        })
        .collect();
    let removal = |path: &str, layer: u32| -> Option<RemovedIn> {
        match view.get(path) {
            Some(e) if e.layer == layer => None,
            _ => removed.get(&(path, layer)).copied(),
        }
    };
    let mut out = Findings::default();
    for a in analyses {
        out.secret_stats.add(&a.secret_stats);
        for s in &a.secrets {
            let mut s = s.clone();
            if let Some(l) = s.layer {
                s.removed = removal(&s.path, l);
            }
            out.secrets.push(s);
        }
        for m in &a.models {
            let mut m = m.clone();
            m.removed = removal(&m.path, m.layer);
            out.models.push(m);
        }
    }
    out.secrets
        .sort_by(|a, b| (a.layer, &a.path, a.line).cmp(&(b.layer, &b.path, b.line)));
    out.models
        .sort_by(|a, b| (a.layer, &a.path).cmp(&(b.layer, &b.path)));
    out
}

/// Secrets in the image config's `Env` and `Labels` and in the history's
/// `created_by` lines (ARG/ENV leaks). A history line's layer is the index
/// of the layer it made, when it made one.
pub fn config_secrets(scanner: &Scanner, summary: &ImageSummary) -> Vec<SecretFinding> {
    let mut out = Vec::new();
    let cfg = &summary.config;
    for kv in &cfg.env {
        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
        for f in scanner.scan_kv("config.Env", k, v) {
            out.push(secret_finding(f, SecretOrigin::ConfigEnv, None));
        }
    }
    for (k, v) in &cfg.labels {
        for f in scanner.scan_kv("config.Labels", k, v) {
            out.push(secret_finding(f, SecretOrigin::ConfigLabel, None));
        }
    }
    let mut layer = 0u32;
    for (i, h) in cfg.history.iter().enumerate() {
        let this_layer = (!h.empty_layer).then_some(layer);
        if let Some(line) = &h.created_by {
            let context = format!("history[{i}].created_by");
            for f in scanner.scan_kv(&context, "created_by", line) {
                out.push(secret_finding(f, SecretOrigin::History, this_layer));
            }
        }
        if !h.empty_layer {
            layer += 1;
        }
    }
    out
}
