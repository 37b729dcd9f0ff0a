//! The layer walk: one streaming pass per layer, layers in parallel.
//!
//! Each layer blob is read once: its compressed digest is checked as the
//! bytes pass, it is decompressed (gzip, zstd or none, told apart by their
//! magic bytes), its diff_id is checked, and its tar entries are listed and
//! handed to a [`LayerVisitor`] (the analyzers of later stages) that picks
//! the files it wants to read. Nothing is unpacked to disk. [`merge`] then
//! applies whiteouts to give the merged view and the history view.

mod merge;
mod walk;

pub use merge::{MergedView, merge};
pub use walk::{
    EntryInfo, LayerError, LayerIndex, LayerOutcome, LayerVisitor, Limits, NoProgress, NoVisitor,
    Progress, VisitorFactory, WalkOptions, project_walk, read_bounded, walk_image,
    walk_image_skipping, walk_layer_blob, walk_root_dir,
};
