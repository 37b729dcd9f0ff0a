//! Report types: formats, severities, verdicts, findings.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Worth a look; not a risk by itself.
    Low,
    /// Not proven safe: an unparseable file, an ML-library class outside the allow-list.
    Medium,
    /// An import outside the allow-list with no known ML purpose, or a structural trick.
    High,
    /// Runs code or touches the system when the model is loaded.
    Critical,
}

impl Severity {
    /// Upper-case name, e.g. `CRITICAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

/// The overall judgement on a model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Only allow-listed reconstruction callables (or a data-only format).
    Safe,
    /// Something outside the allow-list, or a file that could not be fully inspected.
    Suspicious,
    /// At least one CRITICAL finding.
    Dangerous,
}

impl Verdict {
    /// The verdict that a set of findings implies.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        let mut verdict = Self::Safe;
        for f in findings {
            let v = if f.severity == Severity::Critical {
                Self::Dangerous
            } else {
                Self::Suspicious
            };
            verdict = verdict.max(v);
        }
        verdict
    }
}

/// What kind of file a model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFormat {
    /// A plain pickle stream (`.pkl`, `.pickle`, `.dill`, …).
    Pickle,
    /// A joblib dump (pickle with interleaved array data, maybe zlib/gzip compressed).
    Joblib,
    /// A `torch.save` zip (`*/data.pkl`).
    TorchZip,
    /// A TorchScript zip (`*/constants.pkl` and `*/code/`).
    TorchScript,
    /// The pre-1.6 `torch.save` format: a sequence of pickles, then raw storages.
    TorchLegacy,
    /// A NumPy `.npy` array.
    Npy,
    /// A NumPy `.npz` zip of arrays.
    Npz,
    /// A Keras v3 `.keras` zip (`config.json`).
    Keras,
    /// A Keras HDF5 `.h5` model.
    KerasH5,
    /// A safetensors file.
    Safetensors,
    /// A GGUF file (llama.cpp).
    Gguf,
    /// An ONNX protobuf model.
    Onnx,
    /// Another zip holding model files.
    Zip,
}

impl ModelFormat {
    /// Whether the format can carry code that runs on load.
    pub fn can_execute_code(self) -> bool {
        !matches!(self, Self::Safetensors | Self::Gguf | Self::Onnx)
    }
}

/// What a finding is about. Serialized as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FindingKind {
    /// A pickle imports a callable on the deny-list.
    #[serde(rename = "model-dangerous-import")]
    DangerousImport,
    /// A pickle imports a callable outside the allow-list.
    #[serde(rename = "model-suspicious-import")]
    SuspiciousImport,
    /// `STACK_GLOBAL` whose module or name is computed at load time and cannot be named.
    #[serde(rename = "model-dynamic-import")]
    DynamicImport,
    /// A call through something that is not an imported callable (a call result, a
    /// persistent object).
    #[serde(rename = "model-indirect-call")]
    IndirectCall,
    /// `BUILD`/`SETITEM`/`APPEND` applied to an imported object itself (attribute or
    /// item injection into a module-level object).
    #[serde(rename = "model-global-mutation")]
    GlobalMutation,
    /// Bytes that one loader reads as data and another as pickle opcodes (joblib arrays).
    #[serde(rename = "model-loader-differential")]
    LoaderDifferential,
    /// `EXT1/2/4`: an import through the copyreg extension registry, which cannot be named.
    #[serde(rename = "model-extension-import")]
    ExtensionImport,
    /// The pickle could not be parsed to its end.
    #[serde(rename = "model-unparseable")]
    Unparseable,
    /// The pickle parses but breaks the unpickler's rules (stack underflow, missing MARK, …).
    #[serde(rename = "model-malformed")]
    Malformed,
    /// A configured bound was reached; the rest was not inspected.
    #[serde(rename = "model-limit-reached")]
    LimitReached,
    /// Bytes after the last pickle that are not a pickle.
    #[serde(rename = "model-trailing-data")]
    TrailingData,
    /// A Keras `Lambda` layer (serialized Python bytecode).
    #[serde(rename = "model-keras-lambda")]
    KerasLambda,
    /// A Keras object from a module outside Keras/TensorFlow.
    #[serde(rename = "model-keras-custom-object")]
    KerasCustomObject,
    /// A container or header that is malformed (zip, npy, safetensors, gguf).
    #[serde(rename = "model-malformed-container")]
    MalformedContainer,
    /// Part of the file could not be inspected (too large, encrypted, unsupported compression).
    #[serde(rename = "model-not-inspected")]
    NotInspected,
}

impl FindingKind {
    /// The stable code, e.g. `model-dangerous-import`.
    pub fn code(self) -> &'static str {
        match self {
            Self::DangerousImport => "model-dangerous-import",
            Self::SuspiciousImport => "model-suspicious-import",
            Self::DynamicImport => "model-dynamic-import",
            Self::IndirectCall => "model-indirect-call",
            Self::GlobalMutation => "model-global-mutation",
            Self::LoaderDifferential => "model-loader-differential",
            Self::ExtensionImport => "model-extension-import",
            Self::Unparseable => "model-unparseable",
            Self::Malformed => "model-malformed",
            Self::LimitReached => "model-limit-reached",
            Self::TrailingData => "model-trailing-data",
            Self::KerasLambda => "model-keras-lambda",
            Self::KerasCustomObject => "model-keras-custom-object",
            Self::MalformedContainer => "model-malformed-container",
            Self::NotInspected => "model-not-inspected",
        }
    }
}

/// One problem found in a model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// What it is about.
    pub kind: FindingKind,
    /// A short human title, e.g. `Dangerous import os.system`.
    pub title: String,
    /// The callable concerned, as `module.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callable: Option<String>,
    /// Where inside the file: `archive/data.pkl` in a zip, `arr_0.npy` in an npz,
    /// `outer.zip!inner/data.pkl` for nested archives. `None` for the file itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_path: Option<String>,
    /// Byte offset inside the pickle stream (or inner file) where it was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// More detail: how it was imported and called, the first call's arguments, the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Finding {
    /// A finding with no callable, inner path, offset or detail.
    pub fn new(severity: Severity, kind: FindingKind, title: impl Into<String>) -> Self {
        Self {
            severity,
            kind,
            title: title.into(),
            callable: None,
            inner_path: None,
            offset: None,
            detail: None,
        }
    }

    /// Sets the detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Sets the offset.
    pub fn at(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Prefixes (or sets) the inner path: used when a scan result is placed inside a container.
    pub(crate) fn nest(mut self, outer: Option<&str>) -> Self {
        if let Some(outer) = outer {
            self.inner_path = Some(match self.inner_path.take() {
                Some(inner) => format!("{outer}!{inner}"),
                None => outer.to_string(),
            });
        }
        self
    }
}

/// How an import was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportSafety {
    /// On the allow-list of ML reconstruction callables.
    Allowed,
    /// Outside the allow-list.
    Suspicious,
    /// On the deny-list.
    Dangerous,
}

/// One callable a pickle imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRef {
    /// Module as written in the pickle.
    pub module: String,
    /// Name as written in the pickle (may be dotted).
    pub name: String,
    /// Inner path of the pickle inside the model file, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_path: Option<String>,
    /// How it was judged.
    pub safety: ImportSafety,
    /// `pickletools` name of the opcode that first imported it (`GLOBAL`, `STACK_GLOBAL`, `INST`).
    pub opcode: &'static str,
    /// Offset of that opcode.
    pub offset: u64,
    /// How often it was called (`REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `OBJ`, `INST`) or had state
    /// or items applied to an instance it made (`BUILD`, `SETITEM(S)`, `APPEND(S)`, `ADDITEMS`).
    pub calls: u64,
}

impl ImportRef {
    /// `module.name`.
    pub fn callable(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// The result of scanning one model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelReport {
    /// The path given to [`crate::scan_model`].
    pub path: String,
    /// The detected format.
    pub format: ModelFormat,
    /// The overall verdict.
    pub verdict: Verdict,
    /// Every finding, worst first.
    pub findings: Vec<Finding>,
    /// Every import of every pickle inside, allowed ones included.
    pub imports: Vec<ImportRef>,
    /// Pickle streams walked (including nested ones).
    pub pickles_scanned: u32,
}

impl ModelReport {
    pub(crate) fn new(path: &str, format: ModelFormat) -> Self {
        Self {
            path: path.to_string(),
            format,
            verdict: Verdict::Safe,
            findings: Vec::new(),
            imports: Vec::new(),
            pickles_scanned: 0,
        }
    }

    /// Sorts findings worst first and computes the verdict.
    pub(crate) fn finish(mut self) -> Self {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.inner_path.cmp(&b.inner_path))
        });
        self.verdict = Verdict::from_findings(&self.findings);
        self
    }

    /// The worst severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}
