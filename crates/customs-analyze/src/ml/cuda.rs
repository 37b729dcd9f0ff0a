//! The CUDA runtime: `version.json` (CUDA ≥ 11.1) or `version.txt` of a
//! `cuda*` toolkit directory, `cuda_runtime_api.h` (`CUDART_VERSION`, major
//! and minor), and `libcudart.so.X.Y.Z` by name anywhere (the Debian
//! `libcudart11.0` package, the `nvidia-cuda-runtime-cu12` wheel's
//! `nvidia/cuda_runtime/lib/libcudart.so.12`, whose name gives only the
//! major).
//!
//! The version is the runtime's (`cuda_cudart.version` of `version.json`,
//! `11.8.89`), which is what `libcudart`'s file name says too; the
//! toolkit's own version (`cuda.version`, `11.8.20220929`) is the property
//! `toolkit_version`. Purl `pkg:generic/nvidia/cuda@11.8.89`.

use super::common::{Finding, Runtime, Spec, define_number, defines};
use crate::FileInfo;

pub(crate) static SPEC: Spec = Spec {
    id: "cuda",
    name: "cuda",
    library: "cudart",
    suffixed: false,
    metadata,
    parse,
};

pub(crate) fn analyzer() -> Runtime {
    Runtime(&SPEC)
}

fn metadata(file: &FileInfo<'_>) -> bool {
    match file.file_name() {
        "version.json" | "version.txt" => {
            let dir = customs_types::path::file_name(customs_types::path::parent(file.path));
            dir.starts_with("cuda")
        }
        "cuda_runtime_api.h" => true,
        _ => false,
    }
}

fn parse(file_name: &str, text: &str) -> Result<Option<Finding>, String> {
    match file_name {
        "version.json" => {
            let v: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("version.json: {e}"))?;
            let toolkit = v["cuda"]["version"].as_str().unwrap_or("");
            let runtime = v["cuda_cudart"]["version"].as_str().unwrap_or("");
            let version = if runtime.is_empty() { toolkit } else { runtime };
            if version.is_empty() {
                return Err("version.json names no CUDA version".into());
            }
            Ok(Some(
                Finding::new(version)
                    .with("version_from", "version.json")
                    .with("toolkit_version", toolkit),
            ))
        }
        "version.txt" => {
            let version = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("CUDA Version "))
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
                .ok_or("version.txt has no `CUDA Version` line")?;
            Ok(Some(
                Finding::new(version)
                    .with("version_from", "version.txt")
                    .with("toolkit_version", version),
            ))
        }
        _ => {
            // cuda_runtime_api.h: CUDART_VERSION = 1000 * major + 10 * minor
            let defs = defines(text);
            Ok(define_number(&defs, "CUDART_VERSION").map(|n| {
                Finding::new(format!("{}.{}", n / 1000, (n % 1000) / 10))
                    .with("version_from", "cuda_runtime_api.h")
            }))
        }
    }
}
