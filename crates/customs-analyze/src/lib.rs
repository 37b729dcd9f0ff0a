//! Analyzers and the inventory.
//!
//! An [`Analyzer`] is one small module per catalogue. It declares the files
//! it needs ([`Analyzer::required`], cheap, path/size/mode only) and a
//! version that keys the per-layer cache. The single streaming pass of the
//! layer walk hands each analyzer only the files it asked for
//! ([`dispatch::AnalyzeVisitor`]); analyzers record what they find per layer
//! ([`LayerAnalysis`]). [`inventory::build`] then combines the per-layer
//! results with the merged view: only metadata files that survive in the
//! final image count, each package gets the layer that brought it, OS
//! packages own their files, and language packages whose files belong to an
//! OS package are marked OS-managed.

pub mod binary;
pub mod content;
pub mod dispatch;
pub mod findings;
pub mod inventory;
pub mod lang;
pub mod lockfile;
pub mod ml;
pub mod os;
pub mod purl;
pub mod testing;

use customs_types::{ModelFinding, OsInfo, Package, SecretFinding, SecretScanStats, Unknown};
use serde::{Deserialize, Serialize};

pub use content::Content;

/// What an analyzer knows about a file before reading it.
#[derive(Debug, Clone, Copy)]
pub struct FileInfo<'a> {
    /// Absolute path inside the image (`/var/lib/dpkg/status`).
    pub path: &'a str,
    pub size: u64,
    /// Unix mode bits (`0o755`).
    pub mode: u32,
    pub layer: u32,
}

impl FileInfo<'_> {
    /// Has any execute bit.
    pub fn is_executable(&self) -> bool {
        self.mode & 0o111 != 0
    }

    /// The last path component.
    pub fn file_name(&self) -> &str {
        customs_types::path::file_name(self.path)
    }
}

/// Files an OS package says it owns (a dpkg `info/*.list`, an rpm or apk
/// database record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileOwnership {
    /// Where the list was read.
    pub location: String,
    /// Owning package name (dpkg: `name` or `name:arch` as in the file name).
    pub package: String,
    pub files: Vec<String>,
}

/// An OS identification read from one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsCandidate {
    pub path: String,
    pub layer: u32,
    pub os: OsInfo,
}

/// Everything the analyzers found in one layer. Plain data: it can be
/// cached per layer (keyed by diff_id and analyzer versions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerAnalysis {
    pub layer: u32,
    /// Packages, each with `location` = the file it was read from and
    /// `layer` = this layer.
    pub packages: Vec<Package>,
    pub os: Vec<OsCandidate>,
    pub ownership: Vec<FileOwnership>,
    pub unknowns: Vec<Unknown>,
    /// Files handed to analyzers.
    pub files_analyzed: u64,
    /// Secrets in this layer's files ([`findings::SecretAnalyzer`]).
    #[serde(default)]
    pub secrets: Vec<SecretFinding>,
    /// Model files of this layer ([`findings::ModelAnalyzer`]).
    #[serde(default)]
    pub models: Vec<ModelFinding>,
    #[serde(default)]
    pub secret_stats: SecretScanStats,
}

impl LayerAnalysis {
    pub fn new(layer: u32) -> Self {
        LayerAnalysis {
            layer,
            ..Default::default()
        }
    }

    /// Adds what a worker found in some files of the same layer.
    pub fn absorb(&mut self, piece: LayerAnalysis) {
        self.packages.extend(piece.packages);
        self.os.extend(piece.os);
        self.ownership.extend(piece.ownership);
        self.unknowns.extend(piece.unknowns);
        self.secrets.extend(piece.secrets);
        self.models.extend(piece.models);
        self.secret_stats.add(&piece.secret_stats);
    }
}

/// Collects what one analyzer finds in one file.
pub struct Sink<'a> {
    pub(crate) analysis: &'a mut LayerAnalysis,
    pub(crate) analyzer: &'static str,
    pub(crate) path: &'a str,
}

impl Sink<'_> {
    /// Records a package. `location` defaults to the file being analyzed and
    /// `layer` to its layer; `analyzer` is set to the analyzer's id.
    pub fn package(&mut self, mut p: Package) {
        if p.location.is_empty() {
            p.location = self.path.to_string();
        }
        p.layer = Some(self.analysis.layer);
        p.analyzer = self.analyzer.to_string();
        self.analysis.packages.push(p);
    }

    pub fn os(&mut self, os: OsInfo) {
        self.analysis.os.push(OsCandidate {
            path: self.path.to_string(),
            layer: self.analysis.layer,
            os,
        });
    }

    pub fn ownership(&mut self, package: impl Into<String>, files: Vec<String>) {
        self.analysis.ownership.push(FileOwnership {
            location: self.path.to_string(),
            package: package.into(),
            files,
        });
    }

    /// A problem with part of the file that did not stop the analyzer.
    pub fn unknown(&mut self, message: impl Into<String>) {
        self.analysis.unknowns.push(Unknown {
            layer: Some(self.analysis.layer),
            path: Some(self.path.to_string()),
            origin: self.analyzer.to_string(),
            message: message.into(),
        });
    }

    /// The path being analyzed.
    pub fn path(&self) -> &str {
        self.path
    }

    /// The packages this analyzer has recorded so far in this layer, to
    /// merge findings spread over several files into one package (the
    /// header and the libraries of one CUDA or cuDNN install).
    pub fn recorded_mut(&mut self) -> impl Iterator<Item = &mut Package> + '_ {
        let analyzer = self.analyzer;
        self.analysis
            .packages
            .iter_mut()
            .filter(move |p| p.analyzer == analyzer)
    }
}

/// One catalogue.
pub trait Analyzer: Send + Sync {
    /// Stable id (`dpkg`, `python-dist`, `go-binary`).
    fn id(&self) -> &'static str;
    /// Bump when results change: it keys the per-layer cache.
    fn version(&self) -> u32;
    /// Does this analyzer want the file? Called for every regular file of
    /// every layer: decide from the path, size and mode alone.
    fn required(&self, file: &FileInfo<'_>) -> bool;
    /// Does the path alone tell what the analyzer needs (a library whose
    /// version is in its name, `libcudart.so.11.8.89`)? Then the file is not
    /// read: `analyze` is called at once with empty content, and `required`
    /// is not asked for this file. Cheap, like `required`.
    fn path_only(&self, _file: &FileInfo<'_>) -> bool {
        false
    }
    /// May this analyzer run on a worker thread, on its own copy of a file
    /// held in memory, while the walk goes on (the secret rules)? Its
    /// results must not depend on the order of files.
    fn parallel(&self) -> bool {
        false
    }
    /// Reads one wanted file. An `Err` becomes an "unknown" naming the file
    /// and layer; the scan goes on.
    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String>;
}

/// The analyzers of a project scan (`customs fs DIR`), as Trivy's
/// filesystem scan chooses them: what the project's lock files say it will
/// install ([`lockfile::analyzers`]), OS package databases, and Java
/// archives (an artifact in both modes); not the installed-package metadata
/// that would repeat a lock file (Python dist-info, `node_modules`
/// package.json, gemspecs, Composer's installed.json, Go and Rust binaries,
/// conda-meta, deps.json, CUDA libraries), which is what an image or
/// `rootfs` scan reads instead.
pub fn project() -> Vec<Box<dyn Analyzer>> {
    let mut v: Vec<Box<dyn Analyzer>> = Vec::new();
    v.extend(os::analyzers());
    v.extend(lockfile::analyzers());
    v.push(Box::new(lang::java::JavaArchive::default()));
    v
}

/// Every built-in analyzer.
pub fn builtin() -> Vec<Box<dyn Analyzer>> {
    let mut v: Vec<Box<dyn Analyzer>> = Vec::new();
    v.extend(os::analyzers());
    v.extend(lang::analyzers());
    v.extend(binary::analyzers());
    v.extend(ml::analyzers());
    v
}
