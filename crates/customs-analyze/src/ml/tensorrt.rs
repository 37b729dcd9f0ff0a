//! TensorRT: `NvInferVersion.h` (`NV_TENSORRT_MAJOR`, `_MINOR`, `_PATCH`,
//! `_BUILD`; TensorRT 10 defines them through `TRT_*_ENTERPRISE`) and
//! `libnvinfer*.so.X[.Y.Z]` by name. The version is `major.minor.patch`,
//! the build number the property `build`. Purl
//! `pkg:generic/nvidia/tensorrt@8.6.1`.

use super::common::{Finding, Runtime, Spec, define_number, defines, header_version};
use crate::FileInfo;

pub(crate) static SPEC: Spec = Spec {
    id: "tensorrt",
    name: "tensorrt",
    library: "nvinfer",
    suffixed: true,
    metadata,
    parse,
};

pub(crate) fn analyzer() -> Runtime {
    Runtime(&SPEC)
}

fn metadata(file: &FileInfo<'_>) -> bool {
    file.file_name() == "NvInferVersion.h"
}

fn parse(file_name: &str, text: &str) -> Result<Option<Finding>, String> {
    let defs = defines(text);
    let build = define_number(&defs, "NV_TENSORRT_BUILD")
        .map(|b| b.to_string())
        .unwrap_or_default();
    Ok(header_version(
        &defs,
        "NV_TENSORRT_MAJOR",
        "NV_TENSORRT_MINOR",
        "NV_TENSORRT_PATCH",
    )
    .map(|v| {
        Finding::new(v)
            .with("version_from", file_name)
            .with("build", build)
    }))
}
