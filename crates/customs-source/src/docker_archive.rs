//! `docker save` archives: the classic layout (`manifest.json`, config JSON
//! and layer tars, possibly reached through symlinks) and the OCI layout that
//! Docker 25+ writes beside it.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use customs_types::{Digest, DigestAlgorithm, LayerMeta};
use serde::Deserialize;

use crate::SourceError;
use crate::archive::TarIndex;
use crate::config::parse_config;
use crate::image::{BlobOpener, Layers, OpenOptions, OpenedImage, SourceKind, layer_metas};
use crate::manifest::{MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES};
use crate::oci_layout::{Store, open_store};
use crate::spec::SourceSpec;
use crate::verify::{check_blob, digest_of};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SaveEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

struct ArchiveBlobs {
    index: Arc<TarIndex>,
    members: Vec<String>,
    /// Keeps a spooled daemon export alive as long as the image is.
    _spool: Option<tempfile::TempPath>,
}

impl BlobOpener for ArchiveBlobs {
    fn open(&self, layer: &LayerMeta) -> Result<Box<dyn Read + Send>, SourceError> {
        let name = self.members.get(layer.index as usize).ok_or_else(|| {
            SourceError::malformed(
                self.index.path().display().to_string(),
                format!("no layer {}", layer.index),
            )
        })?;
        Ok(Box::new(self.index.open_member(name)?))
    }
}

/// The digest a member's name promises (`<hex>.tar`, `blobs/sha256/<hex>`).
fn digest_from_name(name: &str) -> Option<Digest> {
    let clean = name.trim_start_matches("./");
    if let Some(rest) = clean.strip_prefix("blobs/") {
        let (alg, hex) = rest.split_once('/')?;
        return format!("{alg}:{hex}").parse().ok();
    }
    let base = clean.rsplit('/').next()?;
    let hex = base
        .strip_suffix(".tar")
        .or_else(|| base.strip_suffix(".json"))?;
    format!("sha256:{hex}").parse().ok()
}

pub fn open_path(
    spec: &SourceSpec,
    path: &Path,
    opts: &OpenOptions,
) -> Result<OpenedImage, SourceError> {
    let index = TarIndex::open(path)?;
    open_index(spec, SourceKind::DockerArchive, index, None, opts)
}

pub(crate) fn open_index(
    spec: &SourceSpec,
    kind: SourceKind,
    index: TarIndex,
    spool: Option<tempfile::TempPath>,
    opts: &OpenOptions,
) -> Result<OpenedImage, SourceError> {
    let label = index.path().display().to_string();
    if !index.contains("manifest.json") {
        if index.contains("index.json") {
            let store: Arc<dyn Store> = Arc::new(index);
            return open_store(spec, kind, &label, store, None, opts);
        }
        return Err(SourceError::NotAnImage {
            path: index.path().to_path_buf(),
            reason: "no manifest.json (not a docker save archive)".into(),
        });
    }
    let what = format!("{label}:manifest.json");
    let bytes = index.read_member("manifest.json", MAX_MANIFEST_BYTES)?;
    let entries: Vec<SaveEntry> =
        serde_json::from_slice(&bytes).map_err(|e| SourceError::malformed(&what, e))?;
    let entry = match entries.len() {
        0 => return Err(SourceError::malformed(&what, "lists no images")),
        _ => &entries[0],
    };
    let craw = index.read_member(&entry.config, MAX_CONFIG_BYTES)?;
    let cwhat = format!("{label}:{}", entry.config);
    let config_digest = match digest_from_name(&entry.config) {
        Some(d) => {
            check_blob(&cwhat, &d, &craw)?;
            d
        }
        None => digest_of(DigestAlgorithm::Sha256, &craw),
    };
    let parsed = parse_config(&cwhat, &craw)?;
    let mut descs = Vec::new();
    for l in &entry.layers {
        let size = index.size(l)?;
        descs.push((digest_from_name(l), None, Some(size)));
    }
    let layers = layer_metas(&what, descs, &parsed.summary)?;
    let repo_tags = entry.repo_tags.clone().unwrap_or_default();
    let manifest_digest = oci_manifest_digest(&index, &config_digest);
    let reference = match (kind, repo_tags.first()) {
        (SourceKind::DockerArchive, _) => label.clone(),
        (_, Some(t)) => t.clone(),
        _ => label.clone(),
    };
    Ok(OpenedImage {
        spec: spec.clone(),
        kind,
        reference,
        manifest_digest,
        manifest_media_type: None,
        index_digest: None,
        config_digest: Some(config_digest),
        config_raw: craw,
        config: parsed.summary,
        platform: parsed.platform,
        repo_tags,
        layers,
        blobs: Layers::Blobs(Arc::new(ArchiveBlobs {
            index: Arc::new(index),
            members: entry.layers.clone(),
            _spool: spool,
        })),
    })
}

/// Docker 25+ also writes `index.json`: the manifest there whose config is
/// ours gives the image's manifest digest (verified against its blob).
fn oci_manifest_digest(index: &TarIndex, config: &Digest) -> Option<Digest> {
    let bytes = index.read_member("index.json", MAX_MANIFEST_BYTES).ok()?;
    let top: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    for m in top.get("manifests")?.as_array()? {
        let d: Digest = m.get("digest")?.as_str()?.parse().ok()?;
        let name = crate::oci_layout::blob_path(&d);
        let Ok(mbytes) = index.read_member(&name, MAX_MANIFEST_BYTES) else {
            continue;
        };
        if check_blob(&name, &d, &mbytes).is_err() {
            continue;
        }
        let mv: serde_json::Value = serde_json::from_slice(&mbytes).ok()?;
        if mv.pointer("/config/digest").and_then(|v| v.as_str()) == Some(&config.to_string()) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_from_member_names() {
        let h = "e9c66f4f9c49a03ade67defb2ddc3cdb5a8f7b2bf9fec41e83eadbb7c31fa5ad";
        assert_eq!(digest_from_name(&format!("{h}.tar")).unwrap().hex(), h);
        assert_eq!(
            digest_from_name(&format!("blobs/sha256/{h}"))
                .unwrap()
                .hex(),
            h
        );
        assert!(digest_from_name("abc/layer.tar").is_none());
    }
}
