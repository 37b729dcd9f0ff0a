//! ML runtime parts: CUDA, cuDNN, NCCL, TensorRT, the torch build.

use crate::Analyzer;

/// The analyzers of this family.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![]
}
