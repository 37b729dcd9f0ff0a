//! Streaming one layer (or a root directory) and walking many in parallel.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use customs_source::verify::{Hasher, VerifyingReader};
use customs_source::{Layers, OpenedImage, SourceError};
use customs_types::path::{file_name, normalize_entry_path, parent};
use customs_types::{FileEntry, FileKind, LayerMeta, LayerSummary, Unknown};

const ORIGIN: &str = "layer-walk";

/// Bounds against hostile layers.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Uncompressed bytes one layer may expand to.
    pub max_layer_bytes: u64,
    /// Largest expansion ratio (uncompressed / compressed) allowed once a
    /// layer has expanded past `ratio_grace` bytes; a gzip bomb is ~1000:1,
    /// real layers 2–10:1.
    pub max_ratio: u64,
    pub ratio_grace: u64,
    /// Bytes of one file that a visitor may read into memory.
    pub max_file_read: u64,
    /// Tar entries one layer may hold.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_layer_bytes: 64 << 30,
            max_ratio: 200,
            ratio_grace: 512 << 20,
            max_file_read: 64 << 20,
            max_entries: 5_000_000,
        }
    }
}

/// How to walk an image.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub limits: Limits,
    /// Layers walked at once (default: the number of cores).
    pub parallel: usize,
    /// For a root directory: skip what its `.gitignore` files (and
    /// `.git/info/exclude`) ignore, and the `.git` directory itself, as a
    /// project scan wants. Image layers are never filtered.
    pub respect_gitignore: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            limits: Limits::default(),
            parallel: std::thread::available_parallelism().map_or(2, |n| n.get()),
            respect_gitignore: false,
        }
    }
}

/// Why a layer could not be walked to its end.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("layer {layer}: {source}")]
    Source {
        layer: u32,
        #[source]
        source: SourceError,
    },
    #[error("layer {layer} ({digest}): {detail}")]
    Integrity {
        layer: u32,
        digest: String,
        detail: String,
    },
    #[error("layer {layer} ({digest}): corrupt: {detail}")]
    Corrupt {
        layer: u32,
        digest: String,
        detail: String,
    },
    #[error("layer {layer} ({digest}): {detail}")]
    Limit {
        layer: u32,
        digest: String,
        detail: String,
    },
    #[error("layer {layer} ({digest}): unsupported compression (first bytes {magic})")]
    UnsupportedCompression {
        layer: u32,
        digest: String,
        magic: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// One entry as the walk sees it, before a visitor decides to read it.
#[derive(Debug, Clone, Copy)]
pub struct EntryInfo<'a> {
    pub layer: u32,
    pub path: &'a str,
    pub kind: FileKind,
    pub size: u64,
    pub mode: u32,
    pub link: Option<&'a str>,
}

/// Receives the entries of one layer. `wants` must be cheap: it is called
/// for every entry, and only wanted entries are read.
pub trait LayerVisitor: Send {
    fn wants(&mut self, entry: &EntryInfo<'_>) -> bool;
    /// Reads a wanted entry. An error becomes an "unknown" of that file; the
    /// walk goes on.
    fn visit(&mut self, entry: &EntryInfo<'_>, content: &mut dyn Read) -> Result<(), String>;
}

/// Makes one visitor per layer.
pub trait VisitorFactory: Sync {
    type Visitor: LayerVisitor;
    fn for_layer(&self, layer: &LayerMeta) -> Self::Visitor;
}

/// A visitor that reads nothing (`customs inspect`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoVisitor;

impl LayerVisitor for NoVisitor {
    fn wants(&mut self, _: &EntryInfo<'_>) -> bool {
        false
    }
    fn visit(&mut self, _: &EntryInfo<'_>, _: &mut dyn Read) -> Result<(), String> {
        Ok(())
    }
}

impl VisitorFactory for NoVisitor {
    type Visitor = NoVisitor;
    fn for_layer(&self, _: &LayerMeta) -> NoVisitor {
        NoVisitor
    }
}

/// Reports progress (download and decompression) per layer.
pub trait Progress: Sync {
    fn start(&self, _layer: &LayerMeta) {}
    /// `bytes` more of the stored blob were read.
    fn advance(&self, _layer: u32, _bytes: u64) {}
    fn finish(&self, _layer: u32, _ok: bool) {}
}

/// No progress output.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// Everything one layer holds. Plain data: the per-layer cache stores it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LayerIndex {
    pub summary: LayerSummary,
    /// Entries in tar order (whiteouts excluded).
    pub entries: Vec<FileEntry>,
    /// Paths a whiteout deletes from lower layers.
    pub whiteouts: Vec<String>,
    /// Directories whose lower-layer contents an opaque whiteout hides.
    pub opaque_dirs: Vec<String>,
    pub unknowns: Vec<Unknown>,
}

impl LayerIndex {
    fn new(meta: &LayerMeta) -> Self {
        LayerIndex {
            summary: LayerSummary {
                meta: meta.clone(),
                uncompressed_size: 0,
                entries: 0,
                files: 0,
                whiteouts: 0,
            },
            entries: Vec::new(),
            whiteouts: Vec::new(),
            opaque_dirs: Vec::new(),
            unknowns: Vec::new(),
        }
    }

    fn unknown(&mut self, path: Option<&str>, message: impl Into<String>) {
        self.unknowns.push(Unknown {
            layer: Some(self.summary.meta.index),
            path: path.map(str::to_string),
            origin: ORIGIN.into(),
            message: message.into(),
        });
    }
}

/// The walk of one layer: what was seen (even when the walk broke off), the
/// visitor with its results, and the error that stopped it, if any.
pub struct LayerOutcome<V> {
    pub index: LayerIndex,
    pub visitor: V,
    pub error: Option<LayerError>,
}

/// Reads at most `limit` bytes of a file into memory; a bigger file is an
/// error naming the limit.
pub fn read_bounded(r: &mut dyn Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > limit {
        return Err(format!(
            "file larger than the {limit}-byte read limit; skipped"
        ));
    }
    Ok(buf)
}

/// Counts bytes that pass and reports them as progress.
struct Counting<'a, R> {
    inner: R,
    count: Arc<AtomicU64>,
    progress: &'a dyn Progress,
    layer: u32,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        self.progress.advance(self.layer, n as u64);
        Ok(n)
    }
}

/// The decompressed stream: counted against the limits and hashed for the
/// diff_id check.
struct Expanded<R> {
    inner: R,
    hasher: Option<Hasher>,
    total: u64,
    compressed: Arc<AtomicU64>,
    limits: Limits,
    tripped: Option<String>,
}

impl<R: Read> Read for Expanded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(t) = &self.tripped {
            return Err(io::Error::other(t.clone()));
        }
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        let msg = if self.total > self.limits.max_layer_bytes {
            Some(format!(
                "decompression limit: layer expands past {} bytes",
                self.limits.max_layer_bytes
            ))
        } else if self.total > self.limits.ratio_grace {
            let c = self.compressed.load(Ordering::Relaxed).max(1);
            (self.total / c > self.limits.max_ratio).then(|| {
                format!(
                    "decompression bomb: {} bytes from {c} compressed (ratio over {}:1)",
                    self.total, self.limits.max_ratio
                )
            })
        } else {
            None
        };
        if let Some(m) = msg {
            self.tripped = Some(m.clone());
            return Err(io::Error::other(m));
        }
        Ok(n)
    }
}

enum Compression {
    Gzip,
    Zstd,
    None,
}

fn sniff(head: &[u8]) -> Result<Compression, String> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Compression::Gzip)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Ok(Compression::Zstd)
    } else if head.starts_with(b"BZh") || head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Err(head
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "))
    } else {
        Ok(Compression::None)
    }
}

fn digest_label(meta: &LayerMeta) -> String {
    meta.digest
        .as_ref()
        .or(meta.diff_id.as_ref())
        .map_or_else(|| "no digest".to_string(), |d| d.to_string())
}

/// Walks one layer blob. Returns what was seen and the error that stopped the
/// walk, if any.
pub fn walk_layer_blob<V: LayerVisitor>(
    meta: &LayerMeta,
    raw: Box<dyn Read + Send>,
    limits: &Limits,
    visitor: &mut V,
    progress: &dyn Progress,
) -> (LayerIndex, Option<LayerError>) {
    let mut index = LayerIndex::new(meta);
    let label = digest_label(meta);
    let compressed = Arc::new(AtomicU64::new(0));
    let counted = Counting {
        inner: raw,
        count: compressed.clone(),
        progress,
        layer: meta.index,
    };
    let what = format!("layer {} blob", meta.index);
    let verifying = match &meta.digest {
        Some(d) => Blob::Verified(Box::new(VerifyingReader::new(
            counted,
            what,
            d.clone(),
            meta.compressed_size,
        ))),
        None => Blob::Plain(counted),
    };
    let mut buf = BufReader::with_capacity(256 * 1024, verifying);
    let head = match buf.fill_buf() {
        Ok(h) => h.to_vec(),
        Err(e) => {
            let err = LayerError::Corrupt {
                layer: meta.index,
                digest: label,
                detail: format!("cannot read the blob: {e}"),
            };
            return (index, Some(err));
        }
    };
    let compression = match sniff(&head) {
        Ok(c) => c,
        Err(magic) => {
            let err = LayerError::UnsupportedCompression {
                layer: meta.index,
                digest: label,
                magic,
            };
            return (index, Some(err));
        }
    };
    // When the blob is the plain tar its digest already is the diff_id; hash
    // the expanded stream only when it differs from the blob.
    let needs_diff_hash = match (&meta.diff_id, &meta.digest, &compression) {
        (Some(_), Some(_), Compression::None) => meta.diff_id != meta.digest,
        (Some(_), _, _) => true,
        (None, _, _) => false,
    };
    let hasher = if needs_diff_hash {
        meta.diff_id.as_ref().map(|d| Hasher::new(d.algorithm()))
    } else {
        None
    };
    let decoded: Box<dyn Read + '_> = match compression {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(&mut buf)),
        Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(&mut buf) {
            Ok(d) => Box::new(d),
            Err(e) => {
                let err = LayerError::Corrupt {
                    layer: meta.index,
                    digest: label,
                    detail: format!("zstd: {e}"),
                };
                return (index, Some(err));
            }
        },
        Compression::None => Box::new(&mut buf),
    };
    let expanded = Expanded {
        inner: decoded,
        hasher,
        total: 0,
        compressed: compressed.clone(),
        limits: limits.clone(),
        tripped: None,
    };
    let mut archive = tar::Archive::new(expanded);
    let walk_err = walk_tar(&mut archive, meta, limits, visitor, &mut index);
    let mut expanded = archive.into_inner();
    // Read the rest (tar padding, trailing blocks) so both digests cover
    // every byte.
    let drain_err = if walk_err.is_none() {
        io::copy(&mut expanded, &mut io::sink()).err()
    } else {
        None
    };
    index.summary.uncompressed_size = expanded.total;
    let tripped = expanded.tripped.take();
    let diff_hasher = expanded.hasher.take();
    drop(expanded);
    let raw_drain_err = if walk_err.is_none() && drain_err.is_none() && tripped.is_none() {
        io::copy(&mut buf, &mut io::sink()).err()
    } else {
        None
    };
    // Integrity failures first: they explain any tar error they caused.
    let failure = buf.get_ref().failure();
    let error = if let Some(f) = failure {
        Some(LayerError::Integrity {
            layer: meta.index,
            digest: label.clone(),
            detail: f,
        })
    } else if let Some(t) = tripped {
        Some(LayerError::Limit {
            layer: meta.index,
            digest: label.clone(),
            detail: t,
        })
    } else {
        walk_err
            .or(drain_err)
            .or(raw_drain_err)
            .map(|e| LayerError::Corrupt {
                layer: meta.index,
                digest: label.clone(),
                detail: e.to_string(),
            })
    };
    if error.is_some() {
        return (index, error);
    }
    if let (Some(h), Some(want)) = (diff_hasher, &meta.diff_id) {
        let got = h.finish();
        if &got != want {
            let err = LayerError::Integrity {
                layer: meta.index,
                digest: label,
                detail: format!("diff_id mismatch: config says {want}, layer content is {got}"),
            };
            return (index, Some(err));
        }
    }
    (index, None)
}

/// The stored blob: checked against its digest when the source gave one.
enum Blob<R> {
    Verified(Box<VerifyingReader<R>>),
    Plain(R),
}

impl<R: Read> Read for Blob<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Blob::Verified(v) => v.read(buf),
            Blob::Plain(r) => r.read(buf),
        }
    }
}

impl<R: Read> Blob<R> {
    fn failure(&self) -> Option<String> {
        match self {
            Blob::Verified(v) => v.failure().map(str::to_string),
            Blob::Plain(_) => None,
        }
    }
}

fn kind_of(t: tar::EntryType) -> Option<FileKind> {
    Some(match t {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            FileKind::File
        }
        tar::EntryType::Directory => FileKind::Dir,
        tar::EntryType::Symlink => FileKind::Symlink,
        tar::EntryType::Link => FileKind::Hardlink,
        tar::EntryType::Char => FileKind::CharDevice,
        tar::EntryType::Block => FileKind::BlockDevice,
        tar::EntryType::Fifo => FileKind::Fifo,
        _ => return None,
    })
}

/// Lists the entries of a layer tar, handing wanted files to the visitor.
/// Returns the error that stopped it.
fn walk_tar<R: Read, V: LayerVisitor>(
    archive: &mut tar::Archive<R>,
    meta: &LayerMeta,
    limits: &Limits,
    visitor: &mut V,
    index: &mut LayerIndex,
) -> Option<io::Error> {
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => return Some(e),
    };
    let mut seen: u64 = 0;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => return Some(e),
        };
        seen += 1;
        if seen > limits.max_entries {
            return Some(io::Error::other(format!(
                "more than {} entries in one layer",
                limits.max_entries
            )));
        }
        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let etype = entry.header().entry_type();
        if matches!(
            etype,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader
        ) {
            continue;
        }
        let path = match normalize_entry_path(&raw_path) {
            Ok(p) => p,
            Err(e) => {
                index.unknown(Some(&raw_path), format!("{e}; entry skipped"));
                continue;
            }
        };
        let name = file_name(&path);
        if let Some(hidden) = name.strip_prefix(".wh.") {
            index.summary.whiteouts += 1;
            let dir = parent(&path).to_string();
            if hidden == ".wh..opq" {
                index.opaque_dirs.push(dir);
            } else if hidden.is_empty() || hidden == "." || hidden == ".." {
                index.unknown(Some(&path), "malformed whiteout; ignored");
            } else {
                let target = if dir == "/" {
                    format!("/{hidden}")
                } else {
                    format!("{dir}/{hidden}")
                };
                index.whiteouts.push(target);
            }
            continue;
        }
        if path == "/" {
            continue;
        }
        let Some(kind) = kind_of(etype) else {
            index.unknown(
                Some(&path),
                format!("unsupported tar entry type {etype:?}; skipped"),
            );
            continue;
        };
        let header = entry.header();
        let mode = header.mode().unwrap_or(0);
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let link = match kind {
            FileKind::Symlink | FileKind::Hardlink => entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            _ => None,
        };
        let link = match (kind, link) {
            (FileKind::Hardlink, Some(l)) => match normalize_entry_path(&l) {
                Ok(p) => Some(p),
                Err(e) => {
                    index.unknown(Some(&path), format!("hardlink target {e}; entry skipped"));
                    continue;
                }
            },
            (FileKind::Hardlink | FileKind::Symlink, None) => {
                index.unknown(Some(&path), "link without a target; entry skipped");
                continue;
            }
            (_, l) => l,
        };
        let size = match kind {
            FileKind::File => entry.size(),
            FileKind::Symlink => link.as_ref().map_or(0, |l| l.len() as u64),
            _ => 0,
        };
        index.summary.entries += 1;
        if matches!(kind, FileKind::File | FileKind::Hardlink) {
            index.summary.files += 1;
        }
        let info = EntryInfo {
            layer: meta.index,
            path: &path,
            kind,
            size,
            mode,
            link: link.as_deref(),
        };
        if kind == FileKind::File && visitor.wants(&info) {
            let res = visitor.visit(&info, &mut entry);
            if let Err(msg) = res {
                index.unknown(Some(&path), msg);
            }
            // A failing read of the stream itself (not of the visitor's own
            // parsing) surfaces on the next entry read.
        }
        index.entries.push(FileEntry {
            path,
            kind,
            size,
            mode,
            uid,
            gid,
            link,
            layer: meta.index,
        });
    }
    None
}

/// Walks a root filesystem directory as a single layer. Symlinks are listed,
/// never followed.
pub fn walk_root_dir<V: LayerVisitor>(
    root: &Path,
    meta: &LayerMeta,
    limits: &Limits,
    respect_gitignore: bool,
    visitor: &mut V,
) -> (LayerIndex, Option<LayerError>) {
    let mut index = LayerIndex::new(meta);
    // Either walker yields the paths below the root, or an error with the
    // path it concerns.
    let items: Box<dyn Iterator<Item = WalkItem>> = if respect_gitignore {
        Box::new(project_walk(root).filter_map(|item| match item {
            Ok(e) if e.depth() == 0 => None,
            Ok(e) => Some(Ok(e.into_path())),
            Err(e) => Some(Err((ignore_error_path(&e), e.to_string()))),
        }))
    } else {
        let walker = walkdir::WalkDir::new(root).follow_links(false).min_depth(1);
        Box::new(walker.into_iter().map(|item| match item {
            Ok(e) => Ok(e.into_path()),
            Err(e) => Err((e.path().map(|p| p.display().to_string()), e.to_string())),
        }))
    };
    for item in items {
        let item = match item {
            Ok(i) => i,
            Err((p, e)) => {
                index.unknown(p.as_deref(), e);
                continue;
            }
        };
        let rel = match item.strip_prefix(root) {
            Ok(r) => r,
            Err(_) => continue,
        };
        let path = format!("/{}", rel.to_string_lossy());
        let md = match item.symlink_metadata() {
            Ok(m) => m,
            Err(e) => {
                index.unknown(Some(&path), e.to_string());
                continue;
            }
        };
        let ft = md.file_type();
        let kind = if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_symlink() {
            FileKind::Symlink
        } else if ft.is_file() {
            FileKind::File
        } else {
            special_kind(&ft)
        };
        let link = if kind == FileKind::Symlink {
            std::fs::read_link(&item)
                .ok()
                .map(|l| l.to_string_lossy().into_owned())
        } else {
            None
        };
        let size = match kind {
            FileKind::File => md.len(),
            FileKind::Symlink => link.as_ref().map_or(0, |l| l.len() as u64),
            _ => 0,
        };
        let (mode, uid, gid) = unix_ids(&md);
        index.summary.entries += 1;
        if kind == FileKind::File {
            index.summary.files += 1;
            index.summary.uncompressed_size += size;
        }
        let info = EntryInfo {
            layer: meta.index,
            path: &path,
            kind,
            size,
            mode,
            link: link.as_deref(),
        };
        if kind == FileKind::File && visitor.wants(&info) {
            match std::fs::File::open(&item) {
                Ok(f) => {
                    let mut r = f.take(size.min(limits.max_layer_bytes));
                    if let Err(msg) = visitor.visit(&info, &mut r) {
                        index.unknown(Some(&path), msg);
                    }
                }
                Err(e) => index.unknown(Some(&path), e.to_string()),
            }
        }
        index.entries.push(FileEntry {
            path,
            kind,
            size,
            mode,
            uid,
            gid,
            link,
            layer: meta.index,
        });
    }
    (index, None)
}

/// The files and directories of a project directory, in path order, as a
/// project scan sees them: dotfiles included, what its `.gitignore` files
/// (nested ones too) and `.git/info/exclude` ignore left out, and `.git`
/// itself skipped. The user's global gitignore and the parents' files do
/// not apply, so results do not depend on the machine.
pub fn project_walk(root: &Path) -> ignore::Walk {
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_global(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(std::ffi::OsStr::cmp)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
}

/// A path below a root directory, or an error with the path it concerns.
type WalkItem = Result<std::path::PathBuf, (Option<String>, String)>;

/// The path an error of the gitignore-aware walker concerns, if it says.
fn ignore_error_path(e: &ignore::Error) -> Option<String> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            ignore_error_path(err)
        }
        ignore::Error::Partial(errs) => errs.first().and_then(ignore_error_path),
        _ => None,
    }
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> FileKind {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_char_device() {
        FileKind::CharDevice
    } else if ft.is_block_device() {
        FileKind::BlockDevice
    } else {
        FileKind::Fifo
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> FileKind {
    FileKind::Fifo
}

#[cfg(unix)]
fn unix_ids(md: &std::fs::Metadata) -> (u32, u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (md.mode() & 0o7777, u64::from(md.uid()), u64::from(md.gid()))
}

#[cfg(not(unix))]
fn unix_ids(_: &std::fs::Metadata) -> (u32, u64, u64) {
    (0o644, 0, 0)
}

/// Walks every layer of an image, `opts.parallel` at a time. The outcomes
/// come back in layer order; a layer that fails does not stop the others.
pub fn walk_image<F: VisitorFactory>(
    image: &OpenedImage,
    opts: &WalkOptions,
    factory: &F,
    progress: &dyn Progress,
) -> Vec<LayerOutcome<F::Visitor>> {
    walk_image_skipping(image, opts, factory, progress, &|_| false)
        .into_iter()
        .flatten()
        .collect()
}

/// [`walk_image`], but the layers `skip` names (their results are known,
/// from a cache) are neither opened nor downloaded: their outcome is `None`.
pub fn walk_image_skipping<F: VisitorFactory>(
    image: &OpenedImage,
    opts: &WalkOptions,
    factory: &F,
    progress: &dyn Progress,
    skip: &(dyn Fn(&LayerMeta) -> bool + Sync),
) -> Vec<Option<LayerOutcome<F::Visitor>>> {
    let one = |meta: &LayerMeta| -> Option<LayerOutcome<F::Visitor>> {
        if skip(meta) {
            return None;
        }
        let mut visitor = factory.for_layer(meta);
        progress.start(meta);
        let (index, error) = match &image.blobs {
            Layers::RootDir(root) => walk_root_dir(
                root,
                meta,
                &opts.limits,
                opts.respect_gitignore,
                &mut visitor,
            ),
            Layers::Blobs(opener) => match opener.open(meta) {
                Ok(raw) => walk_layer_blob(meta, raw, &opts.limits, &mut visitor, progress),
                Err(source) => (
                    LayerIndex::new(meta),
                    Some(LayerError::Source {
                        layer: meta.index,
                        source,
                    }),
                ),
            },
        };
        progress.finish(meta.index, error.is_none());
        Some(LayerOutcome {
            index,
            visitor,
            error,
        })
    };
    let threads = opts.parallel.max(1).min(image.layers.len().max(1));
    // Biggest layers first, each thread taking the next one when it is
    // done (longest-processing-time order): the scan ends soon after the
    // biggest layer, instead of when a thread that drew two big layers in
    // index order gets through both.
    let order = largest_first(&image.layers);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<LayerOutcome<F::Visitor>>>> =
        std::sync::Mutex::new((0..image.layers.len()).map(|_| None).collect());
    let work = || {
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&i) = order.get(k) else { break };
            let out = one(&image.layers[i]);
            if let Ok(mut r) = results.lock() {
                r[i] = out;
            }
        }
    };
    std::thread::scope(|s| {
        for t in 1..threads {
            let spawned = std::thread::Builder::new()
                .name(format!("customs-layer-{t}"))
                .spawn_scoped(s, work);
            if spawned.is_err() {
                break;
            }
        }
        // this thread walks too
        work();
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Layer positions, biggest (compressed size, else unknown last) first; the
/// index order among equals.
fn largest_first(layers: &[LayerMeta]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..layers.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(layers[i].compressed_size.unwrap_or(0)));
    order
}
