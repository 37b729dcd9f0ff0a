//! An opened image: what every source hands to the layer walk.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use customs_types::{Digest, ImageConfigSummary, LayerMeta, Platform};

use crate::spec::{Engine, SourceSpec};
use crate::{SourceError, daemon, docker_archive, oci_layout, registry};

/// Settings that apply to every source.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// The platform to pick out of a multi-platform index (default
    /// linux/amd64).
    pub platform: Option<Platform>,
    /// Registry credentials given on the command line or in the environment.
    pub username: Option<String>,
    pub password: Option<String>,
    /// Extra CA certificate (PEM) for registries with a private CA.
    pub ca_file: Option<PathBuf>,
    /// Accept invalid TLS certificates and fall back to plain HTTP.
    pub insecure: bool,
    /// The daemon endpoint (`unix:///var/run/docker.sock`, `tcp://h:p`);
    /// `None` uses `DOCKER_HOST`/`CONTAINER_HOST` or the default socket.
    pub daemon_host: Option<String>,
    /// Where a daemon export is spooled (default: the system temp dir).
    pub temp_dir: Option<PathBuf>,
    /// Retries of a registry request on 429/5xx/connection errors.
    pub max_retries: Option<u32>,
}

impl OpenOptions {
    pub fn platform(&self) -> Platform {
        self.platform.clone().unwrap_or_default()
    }
}

/// Which kind of source an image came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Registry,
    DockerArchive,
    OciDir,
    OciArchive,
    DockerDaemon,
    PodmanDaemon,
    Dir,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Registry => "registry",
            SourceKind::DockerArchive => "docker-archive",
            SourceKind::OciDir => "oci-dir",
            SourceKind::OciArchive => "oci-archive",
            SourceKind::DockerDaemon => "docker",
            SourceKind::PodmanDaemon => "podman",
            SourceKind::Dir => "dir",
        })
    }
}

/// Opens the raw (possibly compressed) bytes of a layer blob.
pub trait BlobOpener: Send + Sync {
    /// A fresh stream of the layer's blob. The layer walk checks its digest
    /// against `layer.digest` as it reads.
    fn open(&self, layer: &LayerMeta) -> Result<Box<dyn Read + Send>, SourceError>;
}

/// The file systems of an image.
#[derive(Clone)]
pub enum Layers {
    /// Layer blobs, in order.
    Blobs(Arc<dyn BlobOpener>),
    /// A root filesystem on disk (`dir:`), seen as one layer.
    RootDir(PathBuf),
}

impl fmt::Debug for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layers::Blobs(_) => f.write_str("Layers::Blobs"),
            Layers::RootDir(p) => write!(f, "Layers::RootDir({})", p.display()),
        }
    }
}

/// Everything known about an image before its layers are read.
#[derive(Debug, Clone)]
pub struct OpenedImage {
    pub spec: SourceSpec,
    pub kind: SourceKind,
    /// The reference as the user would recognise it.
    pub reference: String,
    pub manifest_digest: Option<Digest>,
    pub manifest_media_type: Option<String>,
    /// The index (manifest list) the manifest was picked from, if any.
    pub index_digest: Option<Digest>,
    pub config_digest: Option<Digest>,
    pub config_raw: Vec<u8>,
    pub config: ImageConfigSummary,
    pub platform: Option<Platform>,
    pub repo_tags: Vec<String>,
    pub layers: Vec<LayerMeta>,
    pub blobs: Layers,
}

/// Opens the image a spec names.
pub fn open(spec: &SourceSpec, opts: &OpenOptions) -> Result<OpenedImage, SourceError> {
    let img = match spec {
        SourceSpec::Registry(r) => registry::open(spec, r, opts)?,
        SourceSpec::DockerArchive(path) => docker_archive::open_path(spec, path, opts)?,
        SourceSpec::OciDir { path, selector } => {
            oci_layout::open_dir(spec, path, selector.as_ref(), opts)?
        }
        SourceSpec::OciArchive { path, selector } => {
            oci_layout::open_archive(spec, path, selector.as_ref(), opts)?
        }
        SourceSpec::Daemon { engine, reference } => daemon::open(spec, *engine, reference, opts)?,
        SourceSpec::Dir(path) => open_dir(spec, path)?,
    };
    if let (Some(want), Some(have)) = (&opts.platform, &img.platform)
        && !want.matches(&have.os, &have.architecture, have.variant.as_deref())
    {
        return Err(SourceError::PlatformNotFound {
            wanted: want.to_string(),
            what: img.reference.clone(),
            available: have.to_string(),
        });
    }
    Ok(img)
}

fn open_dir(spec: &SourceSpec, path: &std::path::Path) -> Result<OpenedImage, SourceError> {
    let meta = std::fs::metadata(path).map_err(|e| SourceError::io(path, e))?;
    if !meta.is_dir() {
        return Err(SourceError::NotAnImage {
            path: path.to_path_buf(),
            reason: "dir: needs a directory (a root filesystem)".into(),
        });
    }
    Ok(OpenedImage {
        spec: spec.clone(),
        kind: SourceKind::Dir,
        reference: path.display().to_string(),
        manifest_digest: None,
        manifest_media_type: None,
        index_digest: None,
        config_digest: None,
        config_raw: Vec::new(),
        config: ImageConfigSummary::default(),
        platform: None,
        repo_tags: Vec::new(),
        layers: vec![LayerMeta {
            index: 0,
            digest: None,
            diff_id: None,
            media_type: None,
            compressed_size: None,
            created_by: None,
        }],
        blobs: Layers::RootDir(path.to_path_buf()),
    })
}

/// Builds the layer list from manifest descriptors and the config, checking
/// that they agree.
pub(crate) fn layer_metas(
    what: &str,
    descriptors: Vec<(Option<Digest>, Option<String>, Option<u64>)>,
    config: &ImageConfigSummary,
) -> Result<Vec<LayerMeta>, SourceError> {
    if descriptors.len() != config.diff_ids.len() {
        return Err(SourceError::malformed(
            what,
            format!(
                "the manifest lists {} layers but the config has {} diff_ids",
                descriptors.len(),
                config.diff_ids.len()
            ),
        ));
    }
    let created_by = config.created_by_per_layer(descriptors.len());
    Ok(descriptors
        .into_iter()
        .enumerate()
        .map(|(i, (digest, media_type, size))| LayerMeta {
            index: i as u32,
            digest,
            diff_id: config.diff_ids.get(i).cloned(),
            media_type,
            compressed_size: size,
            created_by: created_by.get(i).cloned().flatten(),
        })
        .collect())
}

/// Unused-engine helper for messages.
pub(crate) fn engine_kind(engine: Engine) -> SourceKind {
    match engine {
        Engine::Docker => SourceKind::DockerDaemon,
        Engine::Podman => SourceKind::PodmanDaemon,
    }
}
