//! The torch build: `torch/version.py`, which the torch build writes:
//!
//! ```python
//! __version__ = '2.1.0+cu121'
//! debug = False
//! cuda: Optional[str] = '12.1'
//! git_version = '7bcf7da3a268b435777fe87c7794c382f444e86d'
//! hip: Optional[str] = None
//! ```
//!
//! The distribution itself (`pkg:pypi/torch@2.1.0`) is the Python
//! analyzer's; this records how it was built, as a `MlRuntime` package
//! `torch-build` with the public version and purl
//! `pkg:generic/pytorch/torch-build@2.1.0?cuda=12.1&git_revision=7bcf…`
//! (`hip` too for ROCm builds). Properties: `torch_version` (as written,
//! with its local label), `cuda`, `hip`, `git_version`, `debug`.

use std::collections::HashMap;

use customs_types::{Package, PackageKind};

use crate::{Analyzer, Content, FileInfo, Sink};

const ID: &str = "torch-build";
const MAX_SIZE: u64 = 64 << 10;

/// A Python literal on the right of `name = ...`: a string, `None`,
/// `True`/`False`. `None` for anything else.
fn literal(value: &str) -> Option<String> {
    let v = value.trim();
    for q in ["\"", "'"] {
        if let Some(s) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return (!s.contains(q)).then(|| s.to_string());
        }
    }
    match v {
        "None" => Some(String::new()),
        "True" | "False" => Some(v.to_string()),
        _ => None,
    }
}

/// `name = literal` and `name: Type = literal` assignments at the start of
/// lines.
fn assignments(text: &str) -> HashMap<&str, String> {
    let mut m = HashMap::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t', '#']) {
            continue;
        }
        let Some((lhs, rhs)) = line.split_once('=') else {
            continue;
        };
        let name = lhs.split(':').next().unwrap_or("").trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        if let Some(v) = literal(rhs) {
            m.insert(name, v);
        }
    }
    m
}

/// The torch build described by a `version.py`.
pub fn package(text: &str) -> Result<Package, String> {
    let a = assignments(text);
    let full = a
        .get("__version__")
        .filter(|v| !v.is_empty())
        .ok_or("no __version__ in torch/version.py")?;
    let public = full.split('+').next().unwrap_or(full);
    let get = |k: &str| a.get(k).map(String::as_str).unwrap_or("");
    let purl = crate::purl::build(
        "generic",
        Some("pytorch"),
        "torch-build",
        Some(public),
        &[
            ("cuda", get("cuda")),
            ("hip", get("hip")),
            ("git_revision", get("git_version")),
        ],
        None,
    );
    let mut p = Package::new(PackageKind::MlRuntime, "torch-build", public, purl, "", ID);
    for (key, prop) in [
        ("__version__", "torch_version"),
        ("cuda", "cuda"),
        ("hip", "hip"),
        ("git_version", "git_version"),
        ("debug", "debug"),
    ] {
        let v = get(key);
        if !v.is_empty() {
            p.properties.insert(prop.into(), v.into());
        }
    }
    Ok(p)
}

/// `torch/version.py`.
pub struct TorchBuild;

impl Analyzer for TorchBuild {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        file.size <= MAX_SIZE && file.path.ends_with("/torch/version.py")
    }

    fn analyze(
        &self,
        _file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let text = content.text(MAX_SIZE)?;
        sink.package(package(&text)?);
        Ok(())
    }
}
