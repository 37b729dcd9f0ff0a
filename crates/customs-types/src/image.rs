//! An image as customs sees it: platform, config summary, layers and files.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Digest;

/// `os/arch[/variant]`, as `--platform` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid platform {0:?}: expected os/arch[/variant], for example linux/amd64")]
pub struct PlatformError(pub String);

impl Default for Platform {
    fn default() -> Self {
        Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }
}

impl Platform {
    /// Does an index entry with these fields serve this platform? A missing
    /// variant on either side matches (arm64 images usually omit `v8`).
    pub fn matches(&self, os: &str, architecture: &str, variant: Option<&str>) -> bool {
        if self.os != os || self.architecture != architecture {
            return false;
        }
        match (&self.variant, variant) {
            (Some(want), Some(have)) => want == have,
            _ => true,
        }
    }
}

impl FromStr for Platform {
    type Err = PlatformError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let ok = |p: &&str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: None,
            }),
            [os, arch, var] if ok(os) && ok(arch) && ok(var) => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: Some(var.to_string()),
            }),
            _ => Err(PlatformError(s.to_string())),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// One line of the image history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HistoryLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default)]
    pub empty_layer: bool,
}

/// What the image config says about how the image runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImageConfigSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub entrypoint: Vec<String>,
    #[serde(default)]
    pub cmd: Vec<String>,
    /// `KEY=VALUE` lines, as in the config.
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub working_dir: String,
    #[serde(default)]
    pub exposed_ports: Vec<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(default)]
    pub history: Vec<HistoryLine>,
    /// The uncompressed layer digests in order (`rootfs.diff_ids`).
    #[serde(default)]
    pub diff_ids: Vec<Digest>,
}

impl ImageConfigSummary {
    /// The `created_by` line of each non-empty layer, in layer order. Images
    /// without history (or with a short one) give `None` for the rest.
    pub fn created_by_per_layer(&self, layer_count: usize) -> Vec<Option<String>> {
        let mut out: Vec<Option<String>> = self
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone())
            .collect();
        out.resize(layer_count, None);
        out.truncate(layer_count);
        out
    }
}

/// One layer as the manifest and config describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerMeta {
    pub index: u32,
    /// Digest of the blob as stored (compressed); for `dir:` sources, none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// Digest of the uncompressed tar (`rootfs.diff_ids[index]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Size of the blob as stored, when the source knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compressed_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// What walking one layer found, besides its files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSummary {
    #[serde(flatten)]
    pub meta: LayerMeta,
    /// Bytes of the uncompressed tar stream.
    pub uncompressed_size: u64,
    /// Entries in the layer tar, whiteouts excluded.
    pub entries: u64,
    /// Regular files (and hardlinks) among them.
    pub files: u64,
    pub whiteouts: u64,
}

/// The type of a filesystem entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// A hardlink entry of the tar; in the merged view it shows as the file it
    /// links to.
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::File => "file",
            FileKind::Dir => "dir",
            FileKind::Symlink => "symlink",
            FileKind::Hardlink => "hardlink",
            FileKind::CharDevice => "char",
            FileKind::BlockDevice => "block",
            FileKind::Fifo => "fifo",
        }
    }
}

/// A file as it stands in the image, with the layer that brought it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Absolute, normalised path inside the image.
    pub path: String,
    pub kind: FileKind,
    /// Content size for files (a hardlink carries its target's size), the
    /// length of the target for symlinks, 0 for the rest.
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Symlink target as written, or the hardlink's target path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Index of the layer that brought this version of the file.
    pub layer: u32,
}

/// How a file left the merged view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Removal {
    /// A whiteout (or an opaque directory) in a later layer deleted it.
    Deleted,
    /// A later layer wrote another entry at the same path.
    Overwritten,
}

/// A file that a later layer deleted or overwrote; it is still in the
/// image's history (and its bytes still ship with the image).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedEntry {
    #[serde(flatten)]
    pub entry: FileEntry,
    pub removal: Removal,
    /// The layer whose whiteout or new entry removed it.
    pub removed_in: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_parses_and_matches() {
        let p: Platform = "linux/arm64".parse().unwrap();
        assert_eq!(p.to_string(), "linux/arm64");
        assert!(p.matches("linux", "arm64", Some("v8")));
        assert!(!p.matches("linux", "amd64", None));
        let v: Platform = "linux/arm/v7".parse().unwrap();
        assert!(v.matches("linux", "arm", Some("v7")));
        assert!(!v.matches("linux", "arm", Some("v6")));
        assert!("linux".parse::<Platform>().is_err());
        assert!("linux/amd64/v1/x".parse::<Platform>().is_err());
        assert!("linux//v1".parse::<Platform>().is_err());
    }

    #[test]
    fn created_by_skips_empty_layers() {
        let cfg = ImageConfigSummary {
            history: vec![
                HistoryLine {
                    created_by: Some("ADD rootfs".into()),
                    ..Default::default()
                },
                HistoryLine {
                    created_by: Some("ENV A=1".into()),
                    empty_layer: true,
                    ..Default::default()
                },
                HistoryLine {
                    created_by: Some("RUN x".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            cfg.created_by_per_layer(3),
            vec![Some("ADD rootfs".into()), Some("RUN x".into()), None]
        );
    }
}

/// What reports say about the scanned artifact (an image or a directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImageSummary {
    /// The reference or path as given.
    pub name: String,
    /// `registry`, `docker-archive`, `oci-dir`, `oci-archive`, `docker`,
    /// `podman`, `dir`, `fs`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<Digest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repo_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default)]
    pub layers: Vec<LayerMeta>,
    #[serde(default)]
    pub config: ImageConfigSummary,
}

impl ImageSummary {
    /// The repository part of the name (`ml-app` of `localhost:5000/ml-app:1`),
    /// for purls and titles.
    pub fn repository(&self) -> String {
        let n = self
            .repo_tags
            .first()
            .map_or(self.name.as_str(), String::as_str);
        let n = n.split('@').next().unwrap_or(n);
        let last = n.rsplit('/').next().unwrap_or(n);
        let last = last.split(':').next().unwrap_or(last);
        if last.is_empty() {
            "image".into()
        } else {
            last.to_lowercase()
        }
    }
}

/// A problem with one file or layer that did not stop the scan: recorded,
/// reported, and the scan went on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unknown {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Which part of customs hit it (`layer-walk`, an analyzer id, ...).
    pub origin: String,
    pub message: String,
}
