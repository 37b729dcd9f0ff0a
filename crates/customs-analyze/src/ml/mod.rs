//! ML runtime parts: CUDA, cuDNN, NCCL, TensorRT, the torch build.
//!
//! Each NVIDIA part has its module (`cuda`, `cudnn`, `nccl`,
//! `tensorrt`) with the files that give its version; `common` reads
//! them and merges the findings of one install into one `MlRuntime`
//! package. Libraries are recognised by name only and never read.

mod common;
mod cuda;
mod cudnn;
mod nccl;
mod tensorrt;
pub mod torch;

#[cfg(test)]
mod tests;

use crate::Analyzer;

/// The analyzers of this family.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(cuda::analyzer()),
        Box::new(cudnn::analyzer()),
        Box::new(nccl::analyzer()),
        Box::new(tensorrt::analyzer()),
        Box::new(torch::TorchBuild),
    ]
}
