//! Test helpers: small images built in code (layer tars, OCI layouts, docker
//! archives), a fake registry, and the location of the shared test images.
//!
//! Test-only code: it panics on setup failures, which is what a test wants.
#![allow(clippy::missing_panics_doc)]

pub mod osv_server;
pub mod reference;
pub mod registry;
pub mod schemas;
pub mod validators;

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` of some bytes.
pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// The project's `../shared` folder.
pub fn shared_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.join("../../../shared")
        .canonicalize()
        .expect("../shared beside the checkout (read-only project material)")
}

/// Where `../shared/images/build.sh` wrote the test images:
/// `$CUSTOMS_TEST_IMAGES`, else `~/.cache/customs-test-images`. Panics with
/// the command to build them when they are missing: the end-to-end tests
/// need them and must not pass without them.
pub fn test_images() -> PathBuf {
    let dir = std::env::var_os("CUSTOMS_TEST_IMAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home =
                std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
            home.join(".cache/customs-test-images")
        });
    for img in ["debian-base", "ml-app"] {
        let oci = dir.join(img).join("oci/index.json");
        assert!(
            oci.is_file(),
            "test images missing at {}: build them with `sudo ../shared/images/build.sh {}` \
             (or set CUSTOMS_TEST_IMAGES); .ci/run does this",
            dir.display(),
            dir.display()
        );
    }
    dir
}

/// One entry of a layer tar built in a test.
#[derive(Debug, Clone)]
pub enum Entry {
    File(String, Vec<u8>),
    Dir(String),
    Symlink(String, String),
    Hardlink(String, String),
    /// Raw path bytes written straight into the header, bypassing the tar
    /// crate's checks (for `../` and absolute-path attacks).
    RawFile(Vec<u8>, Vec<u8>),
    RawHardlink(Vec<u8>, Vec<u8>),
}

impl Entry {
    pub fn file(p: &str, data: impl Into<Vec<u8>>) -> Entry {
        Entry::File(p.into(), data.into())
    }
    pub fn dir(p: &str) -> Entry {
        Entry::Dir(p.into())
    }
    pub fn symlink(p: &str, target: &str) -> Entry {
        Entry::Symlink(p.into(), target.into())
    }
    pub fn hardlink(p: &str, target: &str) -> Entry {
        Entry::Hardlink(p.into(), target.into())
    }
    /// A whiteout deleting `p` from lower layers.
    pub fn whiteout(p: &str) -> Entry {
        let (dir, name) = match p.rfind('/') {
            Some(i) => (&p[..i], &p[i + 1..]),
            None => ("", p),
        };
        let wh = if dir.is_empty() {
            format!(".wh.{name}")
        } else {
            format!("{dir}/.wh.{name}")
        };
        Entry::File(wh, Vec::new())
    }
}

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_747_699_200);
    h
}

fn raw_name(h: &mut tar::Header, name: &[u8]) {
    let gnu = h.as_gnu_mut().expect("gnu header");
    gnu.name = [0; 100];
    gnu.name[..name.len()].copy_from_slice(name);
}

/// Builds an uncompressed layer tar.
pub fn layer_tar(entries: &[Entry]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            Entry::File(p, data) => {
                let mut h = header(tar::EntryType::Regular, data.len() as u64, 0o644);
                b.append_data(&mut h, p, &data[..]).expect("append file");
            }
            Entry::Dir(p) => {
                let mut h = header(tar::EntryType::Directory, 0, 0o755);
                b.append_data(&mut h, p, &[][..]).expect("append dir");
            }
            Entry::Symlink(p, t) => {
                let mut h = header(tar::EntryType::Symlink, 0, 0o777);
                b.append_link(&mut h, p, t).expect("append symlink");
            }
            Entry::Hardlink(p, t) => {
                let mut h = header(tar::EntryType::Link, 0, 0o644);
                b.append_link(&mut h, p, t).expect("append hardlink");
            }
            Entry::RawFile(name, data) => {
                let mut h = header(tar::EntryType::Regular, data.len() as u64, 0o644);
                raw_name(&mut h, name);
                h.set_cksum();
                b.append(&h, &data[..]).expect("append raw");
            }
            Entry::RawHardlink(name, target) => {
                let mut h = header(tar::EntryType::Link, 0, 0o644);
                raw_name(&mut h, name);
                let gnu = h.as_gnu_mut().expect("gnu header");
                gnu.linkname = [0; 100];
                gnu.linkname[..target.len()].copy_from_slice(target);
                h.set_cksum();
                b.append(&h, &[][..]).expect("append raw link");
            }
        }
    }
    b.into_inner().expect("finish tar")
}

/// How a layer blob is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

pub fn compress(data: &[u8], c: Compression) -> Vec<u8> {
    match c {
        Compression::None => data.to_vec(),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(data).expect("gzip");
            e.finish().expect("gzip")
        }
        Compression::Zstd => zstd::encode_all(data, 1).expect("zstd"),
    }
}

pub fn layer_media_type(c: Compression) -> &'static str {
    match c {
        Compression::None => "application/vnd.oci.image.layer.v1.tar",
        Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

/// A small image held in memory: its blobs, manifest and config.
#[derive(Debug, Clone)]
pub struct TestImage {
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
    /// (digest, bytes) of each layer blob.
    pub layers: Vec<(String, Vec<u8>)>,
    pub diff_ids: Vec<String>,
}

impl TestImage {
    /// Builds an image from layers (entries and compression), for `arch`.
    pub fn build(layers: &[(Vec<Entry>, Compression)], arch: &str) -> TestImage {
        let parts = layers
            .iter()
            .map(|(entries, c)| {
                let tar = layer_tar(entries);
                let diff_id = sha256(&tar);
                (
                    compress(&tar, *c),
                    diff_id,
                    layer_media_type(*c).to_string(),
                )
            })
            .collect();
        TestImage::assemble(parts, arch)
    }

    /// Builds an image from ready layer blobs: (blob, diff_id, media type).
    /// The diff_id is taken as given, so a test can make it wrong.
    pub fn assemble(layers: Vec<(Vec<u8>, String, String)>, arch: &str) -> TestImage {
        let mut blobs = Vec::new();
        let mut diff_ids = Vec::new();
        let mut descs = Vec::new();
        let mut history = Vec::new();
        for (i, (blob, diff_id, media_type)) in layers.into_iter().enumerate() {
            diff_ids.push(diff_id);
            let d = sha256(&blob);
            descs.push(serde_json::json!({
                "mediaType": media_type, "digest": d, "size": blob.len()
            }));
            history.push(serde_json::json!({"created_by": format!("RUN layer {i}")}));
            blobs.push((d, blob));
        }
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": arch, "os": "linux",
            "config": {"User": "1000", "Env": ["PATH=/usr/bin", "API_TOKEN=tok-1234567890abcdef"],
                       "Cmd": ["/bin/sh"], "ExposedPorts": {"80/tcp": {}}, "Labels": {"x": "y"}},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        }))
        .expect("config json");
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": sha256(&config), "size": config.len()},
            "layers": descs,
        }))
        .expect("manifest json");
        TestImage {
            config,
            manifest,
            layers: blobs,
            diff_ids,
        }
    }

    pub fn manifest_digest(&self) -> String {
        sha256(&self.manifest)
    }

    /// Every blob (config, layers, manifest) by digest.
    pub fn blobs(&self) -> Vec<(String, Vec<u8>)> {
        let mut v = vec![
            (sha256(&self.config), self.config.clone()),
            (self.manifest_digest(), self.manifest.clone()),
        ];
        v.extend(self.layers.iter().cloned());
        v
    }

    /// Writes an OCI layout directory holding this image under `tag`.
    pub fn write_oci_dir(&self, dir: &Path, tag: &str) {
        write_layout(dir, &[self], None, &[tag]);
    }

    /// Writes a classic `docker save` archive.
    pub fn write_docker_archive(&self, path: &Path, repo_tag: &str) {
        let mut b = tar::Builder::new(std::fs::File::create(path).expect("create archive"));
        let cfg_name = format!("{}.json", &sha256(&self.config)[7..]);
        let mut names = Vec::new();
        for (i, (_d, blob)) in self.layers.iter().enumerate() {
            // docker save stores layers uncompressed, named by diff_id
            let tar = decompress_any(blob);
            let name = format!("{}.tar", &self.diff_ids[i][7..]);
            let mut h = header(tar::EntryType::Regular, tar.len() as u64, 0o644);
            b.append_data(&mut h, &name, &tar[..]).expect("layer");
            names.push(name);
        }
        let mut h = header(tar::EntryType::Regular, self.config.len() as u64, 0o644);
        b.append_data(&mut h, &cfg_name, &self.config[..])
            .expect("config");
        let manifest = serde_json::to_vec(&serde_json::json!([
            {"Config": cfg_name, "RepoTags": [repo_tag], "Layers": names}
        ]))
        .expect("manifest");
        let mut h = header(tar::EntryType::Regular, manifest.len() as u64, 0o644);
        b.append_data(&mut h, "manifest.json", &manifest[..])
            .expect("manifest");
        b.finish().expect("finish");
    }
}

/// Decompresses gzip or zstd blobs (or returns plain ones as they are).
pub fn decompress_any(blob: &[u8]) -> Vec<u8> {
    use std::io::Read;
    if blob.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(blob)
            .read_to_end(&mut out)
            .expect("gunzip");
        out
    } else if blob.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        zstd::decode_all(blob).expect("unzstd")
    } else {
        blob.to_vec()
    }
}

/// An image index over several images, each entry with its platform.
pub fn index_json(images: &[(&TestImage, &str, &str, Option<&str>)]) -> Vec<u8> {
    let manifests: Vec<serde_json::Value> = images
        .iter()
        .map(|(img, os, arch, variant)| {
            let mut p = serde_json::json!({"os": os, "architecture": arch});
            if let Some(v) = variant {
                p["variant"] = serde_json::json!(v);
            }
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": img.manifest_digest(), "size": img.manifest.len(), "platform": p
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }))
    .expect("index json")
}

/// Writes an OCI layout. With `nested_index`, `index.json` points (under the
/// first tag) at that index blob; otherwise it lists each image with a tag.
pub fn write_layout(dir: &Path, images: &[&TestImage], nested_index: Option<&[u8]>, tags: &[&str]) {
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("mkdir");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("oci-layout");
    for img in images {
        for (d, bytes) in img.blobs() {
            std::fs::write(dir.join("blobs/sha256").join(&d[7..]), bytes).expect("blob");
        }
    }
    let top = match nested_index {
        Some(idx) => {
            std::fs::write(dir.join("blobs/sha256").join(&sha256(idx)[7..]), idx).expect("idx");
            serde_json::json!({"schemaVersion": 2, "manifests": [{
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": sha256(idx), "size": idx.len(),
                "annotations": {"org.opencontainers.image.ref.name": tags.first().copied().unwrap_or("latest")}
            }]})
        }
        None => {
            let m: Vec<serde_json::Value> = images
                .iter()
                .zip(tags)
                .map(|(img, tag)| {
                    serde_json::json!({
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": img.manifest_digest(), "size": img.manifest.len(),
                        "annotations": {"org.opencontainers.image.ref.name": tag}
                    })
                })
                .collect();
            serde_json::json!({"schemaVersion": 2, "manifests": m})
        }
    };
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&top).expect("json"),
    )
    .expect("index.json");
}

/// Packs a directory (an OCI layout) into a tar file: an OCI archive.
pub fn tar_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(out).expect("create"));
    b.append_dir_all(".", dir).expect("append");
    b.finish().expect("finish");
}
