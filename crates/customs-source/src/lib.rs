//! Image sources: everything that turns a user's argument into an image
//! (manifest, config, layer blobs) that the layer walk can stream.
//!
//! Sources: a registry (OCI distribution v2), a `docker save` archive, an OCI
//! layout directory or archive, the Docker or Podman daemon's socket, and a
//! plain root filesystem directory. Every manifest and blob a source hands
//! out is checked against its digest.

pub mod archive;
pub mod auth;
pub mod config;
pub mod daemon;
pub mod docker_archive;
pub mod error;
pub mod image;
pub mod manifest;
pub mod oci_layout;
pub mod registry;
pub mod spec;
pub mod tls;
pub mod verify;

pub use error::SourceError;
pub use image::{BlobOpener, Layers, OpenOptions, OpenedImage, SourceKind, open};
pub use spec::SourceSpec;
