//! NCCL: `nccl.h` (`NCCL_MAJOR`, `NCCL_MINOR`, `NCCL_PATCH`, `NCCL_SUFFIX`)
//! and `libnccl.so.X[.Y.Z]` by name. Purl `pkg:generic/nvidia/nccl@2.18.1`.

use super::common::{Finding, Runtime, Spec, defines, header_version};
use crate::FileInfo;

pub(crate) static SPEC: Spec = Spec {
    id: "nccl",
    name: "nccl",
    library: "nccl",
    suffixed: false,
    metadata,
    parse,
};

pub(crate) fn analyzer() -> Runtime {
    Runtime(&SPEC)
}

fn metadata(file: &FileInfo<'_>) -> bool {
    file.file_name() == "nccl.h"
}

fn parse(file_name: &str, text: &str) -> Result<Option<Finding>, String> {
    let defs = defines(text);
    let suffix = defs
        .get("NCCL_SUFFIX")
        .map(|s| s.trim_matches('"'))
        .unwrap_or("");
    Ok(
        header_version(&defs, "NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH").map(|v| {
            Finding::new(v)
                .with("version_from", file_name)
                .with("suffix", suffix)
        }),
    )
}
