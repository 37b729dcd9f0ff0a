//! Secret and model findings, as reports and the per-layer cache carry
//! them. A secret finding never holds the secret: only a redacted form and
//! a SHA-256 fingerprint.

use serde::{Deserialize, Serialize};

use crate::image::Removal;
use crate::vuln::Severity;

/// Where a secret was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretOrigin {
    /// A file in a layer.
    File,
    /// The image config's `Env`.
    ConfigEnv,
    /// The image config's `Labels`.
    ConfigLabel,
    /// A history line's `created_by` (ARG/ENV leaks).
    History,
}

/// The later layer that deleted or overwrote the file a finding is in: the
/// bytes still ship in the image's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedIn {
    pub layer: u32,
    pub removal: Removal,
}

/// One secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFinding {
    /// Rule id (`aws-access-key-id`, `huggingface-token`).
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub origin: SecretOrigin,
    /// The file's path in the image; for config findings `config.Env`,
    /// `config.Labels` or `history[N]`.
    pub path: String,
    /// Index of the layer the file is in (for history findings, the layer
    /// that line made, when it made one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
    /// 1-based line (within the cell or output for notebooks).
    pub line: usize,
    pub end_line: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Notebooks: 1-based cell number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<usize>,
    /// Notebooks: 1-based output of the cell, `None` for the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_output: Option<usize>,
    /// Env/label key or `NAME` of an assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// A few leading characters, the rest masked.
    pub redacted: String,
    /// Lower-case hex SHA-256 of the secret.
    pub fingerprint: String,
    /// Set when a later layer deleted or overwrote the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<RemovedIn>,
}

/// One problem in a model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelIssue {
    pub severity: Severity,
    /// Stable code (`model-dangerous-import`).
    pub code: String,
    pub title: String,
    /// `module.name` of the callable concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callable: Option<String>,
    /// Where inside the file (`archive/data.pkl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Verdict on a model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelVerdict {
    Safe,
    Suspicious,
    Dangerous,
}

/// One model file and what its parse found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFinding {
    pub path: String,
    pub layer: u32,
    /// `pickle`, `torch_zip`, `npy`, `keras`, `safetensors`, ...
    pub format: String,
    pub verdict: ModelVerdict,
    /// The worst issue's severity (`None` when safe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Every imported callable, `module.name` (allow-listed ones too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<String>,
    pub issues: Vec<ModelIssue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<RemovedIn>,
}

/// What the secret scan did not look at, and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretScanStats {
    /// Files scanned.
    pub files_scanned: u64,
    /// Binary files (NUL in the first 8 KiB) skipped.
    pub skipped_binary: u64,
    /// Files over the size limit skipped.
    pub skipped_too_large: u64,
}

impl SecretScanStats {
    pub fn add(&mut self, o: &SecretScanStats) {
        self.files_scanned += o.files_scanned;
        self.skipped_binary += o.skipped_binary;
        self.skipped_too_large += o.skipped_too_large;
    }
}

/// What a misconfiguration check looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MisconfigTarget {
    Dockerfile,
    ImageConfig,
}

/// One Dockerfile or image-config check that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Misconfiguration {
    /// Stable check id (`CUS-DF-001`, `CUS-IC-003`).
    pub id: String,
    pub severity: Severity,
    pub title: String,
    /// Why it matters.
    pub description: String,
    /// How to fix it.
    pub resolution: String,
    /// What exactly was found (secrets redacted).
    pub message: String,
    pub target: MisconfigTarget,
    /// The Dockerfile's path, or the image for config checks.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<usize>,
    /// The offending instruction or config entry, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    /// Build stage (`0`, or `0 (builder)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}
