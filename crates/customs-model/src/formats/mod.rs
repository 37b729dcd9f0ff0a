//! Model file formats: detection by extension and magic, and the scan of each.

mod archive;
mod keras;
mod numpy;
mod safetensors;

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use flate2::read::{MultiGzDecoder, ZlibDecoder};

use crate::limits::Limits;
use crate::pickle::{self, PickleScan, WalkOptions};
use crate::report::{Finding, FindingKind, ModelFormat, ModelReport, Severity};

/// Extensions of files that may be models. Cheap prefilter for the layer walker.
const CANDIDATE_EXTENSIONS: &[&str] = &[
    "pkl",
    "pickle",
    "joblib",
    "dill",
    "sav",
    "pt",
    "pth",
    "ckpt",
    "bin",
    "npy",
    "npz",
    "keras",
    "h5",
    "hdf5",
    "safetensors",
    "gguf",
    "onnx",
    "mar",
];

/// Extensions whose content is a pickle stream when it is not a zip.
const PICKLE_EXTENSIONS: &[&str] = &[
    "pkl", "pickle", "joblib", "dill", "sav", "pt", "pth", "ckpt",
];

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
const NPY_MAGIC: &[u8] = b"\x93NUMPY";
const HDF5_MAGIC: &[u8] = b"\x89HDF\r\n\x1a\n";
/// `torch.save`'s legacy format starts with a protocol-2 pickle of this LONG1 magic number.
const TORCH_LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
const HEAD_LEN: usize = 1024;

/// Lower-cased extension of the last path component.
fn extension(path: &str) -> Option<String> {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let (stem, ext) = file.rsplit_once('.')?;
    if stem.is_empty() && !file.starts_with('.') {
        return None;
    }
    Some(ext.to_ascii_lowercase())
}

/// Whether `path` (any path inside an image) has an extension of a model format. Cheap; no I/O.
pub fn is_candidate(path: &str) -> bool {
    extension(path).is_some_and(|e| CANDIDATE_EXTENSIONS.contains(&e.as_str()))
}

/// What the first bytes of a candidate file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniff {
    /// The likely format (a zip's final format is known only after reading its directory).
    pub format: ModelFormat,
    /// Whether the scan needs random access (zip-based). Callers with big files should then
    /// spool to a temporary file and call [`crate::scan_model_seekable`].
    pub needs_random_access: bool,
}

fn is_pickle_proto(head: &[u8]) -> bool {
    head.len() >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1])
}

fn is_zip(head: &[u8]) -> bool {
    head.starts_with(ZIP_MAGIC) || head.starts_with(ZIP_EMPTY_MAGIC)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    Zlib,
    Gzip,
    Other(&'static str),
}

fn compression(head: &[u8]) -> Option<Compression> {
    match head {
        [0x1f, 0x8b, ..] => Some(Compression::Gzip),
        [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..] => Some(Compression::Zlib),
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => Some(Compression::Other("xz")),
        [0x5d, 0, 0, ..] => Some(Compression::Other("lzma")),
        [b'B', b'Z', b'h', ..] => Some(Compression::Other("bz2")),
        [0x04, 0x22, 0x4d, 0x18, ..] => Some(Compression::Other("lz4")),
        [b'Z', b'F', ..] => Some(Compression::Other("joblib zfile")),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Zip,
    Safetensors,
    Gguf,
    Onnx,
    Npy,
    H5,
    TorchLegacy,
    Pickle,
    Compressed(Compression),
}

fn plan(ext: &str, head: &[u8]) -> Option<Plan> {
    if is_zip(head) {
        return Some(Plan::Zip);
    }
    match ext {
        "safetensors" => return Some(Plan::Safetensors),
        "gguf" => return head.starts_with(b"GGUF").then_some(Plan::Gguf),
        _ => {}
    }
    if head.starts_with(TORCH_LEGACY_MAGIC) {
        return Some(Plan::TorchLegacy);
    }
    if is_pickle_proto(head) {
        return Some(Plan::Pickle);
    }
    if head.starts_with(NPY_MAGIC) {
        return Some(Plan::Npy);
    }
    if head.starts_with(HDF5_MAGIC) || head.get(512..520) == Some(HDF5_MAGIC) {
        return matches!(ext, "h5" | "hdf5" | "keras").then_some(Plan::H5);
    }
    if ext == "onnx" {
        return Some(Plan::Onnx);
    }
    if PICKLE_EXTENSIONS.contains(&ext) {
        if let Some(c) = compression(head) {
            return Some(Plan::Compressed(c));
        }
        if !head.is_empty() {
            return Some(Plan::Pickle);
        }
    }
    None
}

/// Classifies a candidate from its path and first bytes (up to 1 KiB). `None`: not a model.
pub fn sniff(path: &str, head: &[u8]) -> Option<Sniff> {
    let ext = extension(path)?;
    if !CANDIDATE_EXTENSIONS.contains(&ext.as_str()) {
        return None;
    }
    let p = plan(&ext, head)?;
    let format = match p {
        Plan::Zip => match ext.as_str() {
            "keras" => ModelFormat::Keras,
            "npz" => ModelFormat::Npz,
            "pt" | "pth" | "ckpt" | "bin" => ModelFormat::TorchZip,
            _ => ModelFormat::Zip,
        },
        Plan::Safetensors => ModelFormat::Safetensors,
        Plan::Gguf => ModelFormat::Gguf,
        Plan::Onnx => ModelFormat::Onnx,
        Plan::Npy => ModelFormat::Npy,
        Plan::H5 => ModelFormat::KerasH5,
        Plan::TorchLegacy => ModelFormat::TorchLegacy,
        Plan::Pickle | Plan::Compressed(_) => {
            if ext == "joblib" {
                ModelFormat::Joblib
            } else {
                ModelFormat::Pickle
            }
        }
    };
    Some(Sniff {
        format,
        needs_random_access: p == Plan::Zip,
    })
}

/// Shared state of one model scan.
pub(crate) struct Ctx<'l> {
    pub limits: &'l Limits,
    pub report: ModelReport,
}

impl Ctx<'_> {
    pub fn add(&mut self, f: Finding, inner: Option<&str>) {
        self.report.findings.push(f.nest(inner));
    }

    /// Adds a pickle scan's findings and imports under `inner`, then scans its nested
    /// payloads (`pickle.loads(b"...")`).
    pub fn absorb_pickle(&mut self, scan: PickleScan, inner: Option<&str>, depth: u32) {
        self.report.pickles_scanned += scan.pickles.max(1);
        for f in scan.findings {
            self.add(f, inner);
        }
        for mut i in scan.imports {
            i.inner_path = inner.map(str::to_string);
            self.report.imports.push(i);
        }
        for payload in scan.nested {
            let label = format!("payload@{}", payload.offset);
            let nested_inner = match inner {
                Some(i) => format!("{i}#{label}"),
                None => format!("#{label}"),
            };
            if depth + 1 > self.limits.max_nesting {
                self.add(
                    Finding::new(
                        Severity::Medium,
                        FindingKind::LimitReached,
                        format!(
                            "Nested payload of {} not scanned (nesting bound)",
                            payload.callable
                        ),
                    ),
                    Some(&nested_inner),
                );
                continue;
            }
            self.scan_bytes_as_model(payload.data, &nested_inner, depth + 1);
        }
    }

    /// Scans in-memory bytes that are a zip or a pickle (nested archives and payloads).
    pub fn scan_bytes_as_model(&mut self, data: Vec<u8>, inner: &str, depth: u32) {
        if is_zip(&data) {
            archive::scan_zip(self, Cursor::new(data), Some(inner), depth);
        } else if data.starts_with(NPY_MAGIC) {
            numpy::scan_npy(self, &mut &data[..], Some(inner), depth);
        } else {
            let opts = WalkOptions {
                max_pickles: data.starts_with(TORCH_LEGACY_MAGIC).then_some(5),
                ..WalkOptions::default()
            };
            let scan = pickle::walk(&data[..], self.limits, opts);
            self.absorb_pickle(scan, Some(inner), depth);
        }
    }
}

/// A reader that can also seek.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

enum Input<'a> {
    Stream(&'a mut dyn Read),
    Seekable(&'a mut dyn ReadSeek),
}

fn read_head(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Scans one candidate file streamed from `reader`. Returns `None` when the content is not a
/// model format (decided by extension and magic bytes). Zip-based formats are read into memory
/// up to [`Limits::max_in_memory_bytes`]; for larger files use [`scan_model_seekable`].
pub fn scan_model(
    path: &str,
    reader: &mut dyn Read,
    size_hint: Option<u64>,
    limits: &Limits,
) -> Option<ModelReport> {
    scan_input(path, Input::Stream(reader), size_hint, limits)
}

/// Like [`scan_model`], for a seekable source (e.g. a spooled temporary file): zips are read
/// in place, with no in-memory bound.
pub fn scan_model_seekable(
    path: &str,
    reader: &mut dyn ReadSeek,
    limits: &Limits,
) -> Option<ModelReport> {
    let size = reader.seek(SeekFrom::End(0)).ok();
    if reader.seek(SeekFrom::Start(0)).is_err() {
        return None;
    }
    scan_input(path, Input::Seekable(reader), size, limits)
}

fn scan_input(
    path: &str,
    input: Input<'_>,
    size_hint: Option<u64>,
    limits: &Limits,
) -> Option<ModelReport> {
    let ext = extension(path)?;
    if !CANDIDATE_EXTENSIONS.contains(&ext.as_str()) {
        return None;
    }
    let mut input = input;
    let head = match &mut input {
        Input::Stream(r) => read_head(*r, HEAD_LEN).ok()?,
        Input::Seekable(r) => {
            let head = read_head(*r, HEAD_LEN).ok()?;
            r.seek(SeekFrom::Start(0)).ok()?;
            head
        }
    };
    let sniffed = sniff(path, &head)?;
    let plan = plan(&ext, &head)?;
    let mut ctx = Ctx {
        limits,
        report: ModelReport::new(path, sniffed.format),
    };
    if plan == Plan::Zip {
        let format = match input {
            Input::Seekable(r) => archive::scan_zip(&mut ctx, r, None, 0),
            Input::Stream(r) => {
                let mut data = Vec::new();
                let cap = limits.max_in_memory_bytes;
                match Cursor::new(head)
                    .chain(r)
                    .take(cap.saturating_add(1))
                    .read_to_end(&mut data)
                {
                    Ok(n) if n as u64 > cap => {
                        ctx.add(
                            Finding::new(
                                Severity::Medium,
                                FindingKind::NotInspected,
                                "Archive larger than the in-memory bound; not inspected",
                            )
                            .with_detail(format!("more than {cap} bytes; pass a seekable source (scan_model_seekable)")),
                            None,
                        );
                        ctx.report.format
                    }
                    Ok(_) => archive::scan_zip(&mut ctx, Cursor::new(data), None, 0),
                    Err(e) => {
                        ctx.add(
                            Finding::new(
                                Severity::Medium,
                                FindingKind::Unparseable,
                                format!("Read error: {e}"),
                            ),
                            None,
                        );
                        ctx.report.format
                    }
                }
            }
        };
        ctx.report.format = format;
        // A `.bin` zip without pickles is not a PyTorch model.
        if ext == "bin" && format == ModelFormat::Zip && ctx.report.pickles_scanned == 0 {
            return None;
        }
        return Some(ctx.report.finish());
    }
    // The full stream again: the head, then the rest (for streams), or the rewound source.
    let mut head_cursor = Cursor::new(head);
    let mut chained;
    let full: &mut dyn Read = match &mut input {
        Input::Stream(r) => {
            chained = (&mut head_cursor).chain(&mut **r);
            &mut chained
        }
        Input::Seekable(r) => &mut **r,
    };
    match plan {
        Plan::Zip => {}
        Plan::Safetensors => safetensors::scan_safetensors(&mut ctx, full, size_hint),
        Plan::Gguf => gguf_check(&mut ctx, full),
        Plan::Onnx => {}
        Plan::Npy => {
            ctx.report.format = ModelFormat::Npy;
            numpy::scan_npy(&mut ctx, full, None, 0);
        }
        Plan::H5 => keras::scan_h5(&mut ctx, full, None),
        Plan::TorchLegacy => {
            let opts = WalkOptions {
                max_pickles: Some(5),
                ..WalkOptions::default()
            };
            let scan = pickle::walk(full, limits, opts);
            ctx.absorb_pickle(scan, None, 0);
        }
        Plan::Pickle => scan_pickle_file(&mut ctx, full, &ext),
        Plan::Compressed(c) => match c {
            Compression::Zlib => scan_pickle_file(&mut ctx, &mut ZlibDecoder::new(full), &ext),
            Compression::Gzip => scan_pickle_file(&mut ctx, &mut MultiGzDecoder::new(full), &ext),
            Compression::Other(name) => ctx.add(
                Finding::new(
                    Severity::Medium,
                    FindingKind::NotInspected,
                    format!("Pickle compressed with {name}; not inspected"),
                ),
                None,
            ),
        },
    }
    Some(ctx.report.finish())
}

fn scan_pickle_file(ctx: &mut Ctx<'_>, r: &mut dyn Read, ext: &str) {
    let scan = pickle::walk(r, ctx.limits, WalkOptions::default());
    let joblib = ext == "joblib"
        || scan.joblib_arrays > 0
        || scan
            .imports
            .iter()
            .any(|i| i.module == "joblib" || i.module.starts_with("joblib."));
    ctx.report.format = if joblib {
        ModelFormat::Joblib
    } else {
        ModelFormat::Pickle
    };
    ctx.absorb_pickle(scan, None, 0);
}

fn gguf_check(ctx: &mut Ctx<'_>, r: &mut dyn Read) {
    let mut hdr = [0u8; 8];
    let ok = r.read_exact(&mut hdr).is_ok()
        && &hdr[..4] == b"GGUF"
        && (1..=3).contains(&u32::from_le_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]));
    if !ok {
        ctx.add(
            Finding::new(
                Severity::Medium,
                FindingKind::MalformedContainer,
                "Malformed GGUF header",
            )
            .with_detail("expected magic GGUF and version 1–3"),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_by_extension() {
        for p in [
            "/app/models/model.pkl",
            "a/b/pytorch_model.BIN",
            "x.safetensors",
            "m.keras",
            "w.h5",
            "c.ckpt",
            "d.npz",
        ] {
            assert!(is_candidate(p), "{p}");
        }
        for p in [
            "/usr/lib/libc.so",
            "README.md",
            "pkl",
            "/etc/passwd",
            "x.zip",
            "dir.pkl/file",
        ] {
            assert!(!is_candidate(p), "{p}");
        }
    }

    #[test]
    fn bin_needs_torch_or_pickle() {
        assert!(sniff("pytorch_model.bin", b"\x80\x02}q\x00.").is_some());
        assert!(sniff("pytorch_model.bin", b"\x80\x07garbage").is_none());
        assert!(sniff("vocab.bin", b"\x00\x01\x02").is_none());
        assert_eq!(
            sniff("model.bin", b"PK\x03\x04rest"),
            Some(Sniff {
                format: ModelFormat::TorchZip,
                needs_random_access: true
            })
        );
    }
}
