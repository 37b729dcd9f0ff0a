//! OCI image layouts, as a directory (`oci-dir:`) or as one tar
//! (`oci-archive:`, and the layout Docker 25+ writes inside `docker save`).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use customs_types::Digest;
use oci_spec::image::Descriptor;

use crate::SourceError;
use crate::archive::TarIndex;
use crate::config::parse_config;
use crate::image::{BlobOpener, Layers, OpenOptions, OpenedImage, SourceKind, layer_metas};
use crate::manifest::{
    MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, Manifest, check_layer_media_type, descriptor_digest,
    parse_manifest, select_platform,
};
use crate::spec::{Selector, SourceSpec};
use crate::verify::{check_blob, read_limited};

/// A place holding layout files: a directory or a tar index.
pub(crate) trait Store: Send + Sync {
    fn describe(&self, name: &str) -> String;
    fn read_small(&self, name: &str, limit: u64) -> Result<Vec<u8>, SourceError>;
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send>, SourceError>;
    fn exists(&self, name: &str) -> bool;
}

pub(crate) struct DirStore(pub PathBuf);

impl Store for DirStore {
    fn describe(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
    fn read_small(&self, name: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
        let p = self.0.join(name);
        let f = File::open(&p).map_err(|e| SourceError::io(&p, e))?;
        read_limited(&p.display().to_string(), f, limit)
    }
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send>, SourceError> {
        let p = self.0.join(name);
        Ok(Box::new(
            File::open(&p).map_err(|e| SourceError::io(&p, e))?,
        ))
    }
    fn exists(&self, name: &str) -> bool {
        self.0.join(name).is_file()
    }
}

impl Store for TarIndex {
    fn describe(&self, name: &str) -> String {
        format!("{}:{name}", self.path().display())
    }
    fn read_small(&self, name: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
        self.read_member(name, limit)
    }
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send>, SourceError> {
        Ok(Box::new(self.open_member(name)?))
    }
    fn exists(&self, name: &str) -> bool {
        self.contains(name)
    }
}

pub(crate) fn blob_path(d: &Digest) -> String {
    format!("blobs/{}/{}", d.algorithm().as_str(), d.hex())
}

/// Reads a small blob and checks its digest.
pub(crate) fn read_blob(store: &dyn Store, d: &Digest, limit: u64) -> Result<Vec<u8>, SourceError> {
    let name = blob_path(d);
    let bytes = store.read_small(&name, limit)?;
    check_blob(&store.describe(&name), d, &bytes)?;
    Ok(bytes)
}

struct StoreBlobs(Arc<dyn Store>);

impl BlobOpener for StoreBlobs {
    fn open(&self, layer: &customs_types::LayerMeta) -> Result<Box<dyn Read + Send>, SourceError> {
        let d = layer.digest.as_ref().ok_or_else(|| {
            SourceError::malformed(format!("layer {}", layer.index), "no blob digest")
        })?;
        self.0.open(&blob_path(d))
    }
}

pub fn open_dir(
    spec: &SourceSpec,
    path: &Path,
    selector: Option<&Selector>,
    opts: &OpenOptions,
) -> Result<OpenedImage, SourceError> {
    if !path.is_dir() {
        return Err(SourceError::NotAnImage {
            path: path.to_path_buf(),
            reason: "not a directory (an OCI layout is a directory with index.json)".into(),
        });
    }
    let store: Arc<dyn Store> = Arc::new(DirStore(path.to_path_buf()));
    open_store(
        spec,
        SourceKind::OciDir,
        &path.display().to_string(),
        store,
        selector,
        opts,
    )
}

pub fn open_archive(
    spec: &SourceSpec,
    path: &Path,
    selector: Option<&Selector>,
    opts: &OpenOptions,
) -> Result<OpenedImage, SourceError> {
    let store: Arc<dyn Store> = Arc::new(TarIndex::open(path)?);
    open_store(
        spec,
        SourceKind::OciArchive,
        &path.display().to_string(),
        store,
        selector,
        opts,
    )
}

fn tag_of(d: &Descriptor) -> Option<String> {
    let a = d.annotations().as_ref()?;
    if let Some(t) = a.get("org.opencontainers.image.ref.name") {
        return Some(t.clone());
    }
    a.get("io.containerd.image.name").cloned()
}

fn tag_matches(d: &Descriptor, want: &str) -> bool {
    let Some(t) = tag_of(d) else { return false };
    if t == want {
        return true;
    }
    // containerd names are full references: `docker.io/library/x:tag`
    t.rsplit_once(':')
        .is_some_and(|(_, tag)| tag == want && !tag.contains('/'))
}

/// Opens the image an `index.json` and a selector point to.
pub(crate) fn open_store(
    spec: &SourceSpec,
    kind: SourceKind,
    label: &str,
    store: Arc<dyn Store>,
    selector: Option<&Selector>,
    opts: &OpenOptions,
) -> Result<OpenedImage, SourceError> {
    let index_name = "index.json";
    if !store.exists(index_name) {
        return Err(SourceError::NotAnImage {
            path: PathBuf::from(label),
            reason: "no index.json (not an OCI image layout)".into(),
        });
    }
    let bytes = store.read_small(index_name, MAX_MANIFEST_BYTES)?;
    let what = store.describe(index_name);
    let top = match parse_manifest(&what, &bytes, None)? {
        Manifest::Index(i) => i,
        Manifest::Image(_) => {
            return Err(SourceError::malformed(
                &what,
                "index.json is not an image index",
            ));
        }
    };
    let entries = top.manifests();
    let chosen: &Descriptor = match selector {
        Some(Selector::Tag(t)) => entries.iter().find(|d| tag_matches(d, t)).ok_or_else(|| {
            SourceError::ManifestUnknown {
                reference: format!("{label}:{t}"),
                detail: format!("tags in the layout: {}", list_tags(entries)),
            }
        })?,
        Some(Selector::Digest(want)) => entries
            .iter()
            .find(|d| d.digest().to_string() == want.to_string())
            .ok_or_else(|| SourceError::ManifestUnknown {
                reference: format!("{label}@{want}"),
                detail: "no such manifest in index.json".into(),
            })?,
        None if entries.len() == 1 => &entries[0],
        None if entries.is_empty() => {
            return Err(SourceError::NotAnImage {
                path: PathBuf::from(label),
                reason: "index.json lists no manifests".into(),
            });
        }
        None => {
            if entries.iter().all(|d| d.platform().is_some()) {
                select_platform(&what, &top, &opts.platform())?
            } else {
                return Err(SourceError::Ambiguous {
                    what: label.to_string(),
                    reason: format!(
                        "the layout holds {} images; pick one with :TAG or @DIGEST (tags: {})",
                        entries.len(),
                        list_tags(entries)
                    ),
                });
            }
        }
    };
    let mut repo_tags: Vec<String> = tag_of(chosen).into_iter().collect();
    let mut desc = chosen.clone();
    let mut index_digest = None;
    for _depth in 0..4 {
        let digest = descriptor_digest(&what, &desc)?;
        let mbytes = read_blob(store.as_ref(), &digest, MAX_MANIFEST_BYTES)?;
        let mwhat = store.describe(&blob_path(&digest));
        match parse_manifest(&mwhat, &mbytes, Some(desc.media_type().as_ref()))? {
            Manifest::Index(idx) => {
                index_digest = Some(digest);
                desc = select_platform(&mwhat, &idx, &opts.platform())?.clone();
            }
            Manifest::Image(m) => {
                let cdesc = m.config();
                let cdigest = descriptor_digest(&mwhat, cdesc)?;
                let craw = read_blob(store.as_ref(), &cdigest, MAX_CONFIG_BYTES)?;
                let parsed = parse_config(&store.describe(&blob_path(&cdigest)), &craw)?;
                let mut descs = Vec::new();
                for l in m.layers() {
                    let mt = l.media_type().to_string();
                    check_layer_media_type(&mwhat, &mt)?;
                    let ld = descriptor_digest(&mwhat, l)?;
                    descs.push((Some(ld), Some(mt), Some(l.size())));
                }
                let layers = layer_metas(&mwhat, descs, &parsed.summary)?;
                if repo_tags.is_empty() {
                    repo_tags = tag_of(&desc).into_iter().collect();
                }
                let reference = match repo_tags.first() {
                    Some(t) => format!("{label}:{t}"),
                    None => label.to_string(),
                };
                return Ok(OpenedImage {
                    spec: spec.clone(),
                    kind,
                    reference,
                    manifest_digest: Some(digest),
                    manifest_media_type: Some(
                        m.media_type()
                            .as_ref()
                            .map(|t| t.to_string())
                            .unwrap_or_else(|| desc.media_type().to_string()),
                    ),
                    index_digest,
                    config_digest: Some(cdigest),
                    config_raw: craw,
                    config: parsed.summary,
                    platform: parsed.platform,
                    repo_tags,
                    layers,
                    blobs: Layers::Blobs(Arc::new(StoreBlobs(store.clone()))),
                });
            }
        }
    }
    Err(SourceError::malformed(&what, "indexes nested too deeply"))
}

fn list_tags(entries: &[Descriptor]) -> String {
    let tags: Vec<String> = entries.iter().filter_map(tag_of).collect();
    if tags.is_empty() {
        "none".into()
    } else {
        tags.join(", ")
    }
}
