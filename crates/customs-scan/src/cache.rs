//! The per-layer analysis cache.
//!
//! What the walk and the analyzers made of one layer (its file index and
//! its [`LayerAnalysis`]) depends only on the layer's content and on the
//! analyzers that ran, so it is stored under a key derived from the layer's
//! diff_id (the digest of its uncompressed tar) and the `id@version` of
//! every analyzer. A later scan of the same image, or of another image
//! sharing layers, takes those layers from the cache and neither reads nor
//! downloads them. Vulnerability matching is never cached.
//!
//! An entry is a file `<dir>/<key>.zst`: a header line, the SHA-256 of the
//! JSON payload, then the payload compressed with zstd. Anything that does
//! not check out (header, hash, key, diff_id, analyzers, JSON) is discarded
//! and the layer is read again: a cache entry is never trusted blindly.
//! Reads refresh an entry's modification time; [`LayerCache::trim`] drops
//! the least recently used entries beyond the size bound.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use customs_analyze::LayerAnalysis;
use customs_layer::LayerIndex;
use customs_types::{Digest, LayerMeta};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Bump when the entry layout or the walk's output changes.
const FORMAT: u32 = 1;
const MAGIC: &str = "customs-layer-cache";
/// Largest payload read back (uncompressed), against a damaged entry that
/// claims to be huge.
const MAX_PAYLOAD: u64 = 4 << 30;

/// Problems with the cache directory itself. A bad entry is not an error:
/// it is dropped and the layer read again.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("layer cache {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("layer cache entry for {diff_id}: {message}")]
    Encode { diff_id: String, message: String },
}

fn io(path: &Path, source: std::io::Error) -> CacheError {
    CacheError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    format: u32,
    key: String,
    diff_id: String,
    analyzers: Vec<String>,
    index: LayerIndex,
    analysis: LayerAnalysis,
}

/// What [`LayerCache::trim`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrimStats {
    pub entries: usize,
    pub bytes: u64,
    pub removed: usize,
    pub removed_bytes: u64,
}

/// A directory of per-layer results.
#[derive(Debug, Clone)]
pub struct LayerCache {
    dir: PathBuf,
    /// Size bound in bytes (0: none).
    max_size: u64,
}

impl LayerCache {
    /// Opens (creating) the cache directory.
    pub fn open(dir: &Path, max_size: u64) -> Result<LayerCache, CacheError> {
        fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        Ok(LayerCache {
            dir: dir.to_path_buf(),
            max_size,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a layer's results under a set of analyzers.
    pub fn key(diff_id: &Digest, analyzers: &[String]) -> String {
        let mut h = Sha256::new();
        h.update(format!("{MAGIC} {FORMAT}\n{diff_id}\n").as_bytes());
        for a in analyzers {
            h.update(a.as_bytes());
            h.update(b"\n");
        }
        hex::encode(h.finalize())
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.zst"))
    }

    /// True when an entry file exists (it may still fail its checks).
    pub fn contains(&self, diff_id: &Digest, analyzers: &[String]) -> bool {
        self.path(&Self::key(diff_id, analyzers)).is_file()
    }

    /// The cached results of a layer, re-labelled for `meta` (the same
    /// layer may sit at another index in another image). A damaged or
    /// foreign entry is deleted and `None` returned.
    pub fn get(
        &self,
        meta: &LayerMeta,
        analyzers: &[String],
    ) -> Option<(LayerIndex, LayerAnalysis)> {
        let diff_id = meta.diff_id.as_ref()?;
        let key = Self::key(diff_id, analyzers);
        let path = self.path(&key);
        let bytes = fs::read(&path).ok()?;
        match decode(&bytes, &key, diff_id, analyzers) {
            Ok(entry) => {
                // least recently used: a read counts as a use
                if let Ok(f) = fs::File::options().append(true).open(&path) {
                    let _ = f.set_modified(SystemTime::now());
                }
                let (mut index, mut analysis) = (entry.index, entry.analysis);
                relabel(&mut index, &mut analysis, meta);
                Some((index, analysis))
            }
            Err(why) => {
                tracing::warn!(
                    "layer cache entry {} for {diff_id} discarded: {why}",
                    path.display()
                );
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores a layer's results (written beside, then renamed into place).
    pub fn put(
        &self,
        meta: &LayerMeta,
        analyzers: &[String],
        index: &LayerIndex,
        analysis: &LayerAnalysis,
    ) -> Result<(), CacheError> {
        let Some(diff_id) = meta.diff_id.as_ref() else {
            return Ok(());
        };
        let key = Self::key(diff_id, analyzers);
        #[derive(Serialize)]
        struct EntryRef<'a> {
            format: u32,
            key: &'a str,
            diff_id: String,
            analyzers: &'a [String],
            index: &'a LayerIndex,
            analysis: &'a LayerAnalysis,
        }
        let json = serde_json::to_vec(&EntryRef {
            format: FORMAT,
            key: &key,
            diff_id: diff_id.to_string(),
            analyzers,
            index,
            analysis,
        })
        .map_err(|e| CacheError::Encode {
            diff_id: diff_id.to_string(),
            message: e.to_string(),
        })?;
        let hash = hex::encode(Sha256::digest(&json));
        let path = self.path(&key);
        let tmp = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            writeln!(f, "{MAGIC} {FORMAT}")?;
            writeln!(f, "{hash}")?;
            let mut z = zstd::Encoder::new(f, 3)?;
            z.write_all(&json)?;
            z.finish()?.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io(&path, e)
        })
    }

    /// Drops least recently used entries until the cache fits its bound.
    pub fn trim(&self) -> Result<TrimStats, CacheError> {
        let mut entries = Vec::new();
        for e in fs::read_dir(&self.dir).map_err(|e| io(&self.dir, e))? {
            let e = e.map_err(|e| io(&self.dir, e))?;
            let p = e.path();
            if p.extension().is_none_or(|x| x != "zst") {
                continue;
            }
            let Ok(md) = e.metadata() else { continue };
            let used = md.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            entries.push((used, md.len(), p));
        }
        let mut stats = TrimStats {
            entries: entries.len(),
            bytes: entries.iter().map(|e| e.1).sum(),
            ..TrimStats::default()
        };
        if self.max_size == 0 || stats.bytes <= self.max_size {
            return Ok(stats);
        }
        entries.sort();
        let mut total = stats.bytes;
        for (_, len, p) in entries {
            if total <= self.max_size {
                break;
            }
            fs::remove_file(&p).map_err(|e| io(&p, e))?;
            total -= len;
            stats.removed += 1;
            stats.removed_bytes += len;
        }
        Ok(stats)
    }

    /// Removes every entry.
    pub fn clean(&self) -> Result<TrimStats, CacheError> {
        let mut stats = TrimStats::default();
        for e in fs::read_dir(&self.dir).map_err(|e| io(&self.dir, e))? {
            let e = e.map_err(|e| io(&self.dir, e))?;
            let p = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if !(name.ends_with(".zst") || name.ends_with(".tmp")) {
                continue;
            }
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            fs::remove_file(&p).map_err(|e| io(&p, e))?;
            stats.removed += 1;
            stats.removed_bytes += len;
        }
        Ok(stats)
    }
}

fn decode(
    bytes: &[u8],
    key: &str,
    diff_id: &Digest,
    analyzers: &[String],
) -> Result<Entry, String> {
    let mut lines = bytes.splitn(3, |&b| b == b'\n');
    let header = lines.next().unwrap_or_default();
    if header != format!("{MAGIC} {FORMAT}").as_bytes() {
        return Err("unknown header".into());
    }
    let hash = std::str::from_utf8(lines.next().unwrap_or_default())
        .map_err(|_| "damaged hash line".to_string())?
        .to_string();
    let body = lines.next().ok_or("no payload")?;
    let mut json = Vec::new();
    zstd::Decoder::new(body)
        .map_err(|e| format!("zstd: {e}"))?
        .take(MAX_PAYLOAD)
        .read_to_end(&mut json)
        .map_err(|e| format!("zstd: {e}"))?;
    if hex::encode(Sha256::digest(&json)) != hash {
        return Err("payload does not match its SHA-256".into());
    }
    let entry: Entry = serde_json::from_slice(&json).map_err(|e| format!("JSON: {e}"))?;
    if entry.format != FORMAT
        || entry.key != key
        || entry.diff_id != diff_id.to_string()
        || entry.analyzers != analyzers
    {
        return Err("entry is for another layer or other analyzers".into());
    }
    Ok(entry)
}

/// Gives results read from the cache the layer number and metadata of
/// the layer in this image.
fn relabel(index: &mut LayerIndex, analysis: &mut LayerAnalysis, meta: &LayerMeta) {
    let n = meta.index;
    index.summary.meta = meta.clone();
    for e in &mut index.entries {
        e.layer = n;
    }
    for u in &mut index.unknowns {
        u.layer = Some(n);
    }
    analysis.layer = n;
    for p in &mut analysis.packages {
        p.layer = Some(n);
    }
    for o in &mut analysis.os {
        o.layer = n;
    }
    for u in &mut analysis.unknowns {
        u.layer = Some(n);
    }
    for s in &mut analysis.secrets {
        s.layer = Some(n);
    }
    for m in &mut analysis.models {
        m.layer = n;
    }
}
