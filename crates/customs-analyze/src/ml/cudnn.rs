//! cuDNN: `cudnn_version.h` (cuDNN ≥ 8; `cudnn_version_v8.h` in NVIDIA's
//! Debian packages), `cudnn.h` (cuDNN 7 has the defines there) and
//! `cudnn_v8.h`, read for `CUDNN_MAJOR`, `CUDNN_MINOR`,
//! `CUDNN_PATCHLEVEL`; `libcudnn*.so.X[.Y.Z]` by name. Purl
//! `pkg:generic/nvidia/cudnn@8.9.2`.

use super::common::{Finding, Runtime, Spec, defines, header_version};
use crate::FileInfo;

pub(crate) static SPEC: Spec = Spec {
    id: "cudnn",
    name: "cudnn",
    library: "cudnn",
    suffixed: true,
    metadata,
    parse,
};

pub(crate) fn analyzer() -> Runtime {
    Runtime(&SPEC)
}

fn metadata(file: &FileInfo<'_>) -> bool {
    let name = file.file_name();
    let Some(stem) = name.strip_suffix(".h") else {
        return false;
    };
    stem == "cudnn"
        || stem.starts_with("cudnn_version")
        || stem
            .strip_prefix("cudnn_v")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

fn parse(file_name: &str, text: &str) -> Result<Option<Finding>, String> {
    let defs = defines(text);
    Ok(
        header_version(&defs, "CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL")
            .map(|v| Finding::new(v).with("version_from", file_name)),
    )
}
