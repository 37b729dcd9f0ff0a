//! Helpers for analyzer tests: txtar fixtures (one readable file holding a
//! small root filesystem) and running analyzers over in-memory files as the
//! layer walk would.
//!
//! ```text
//! -- var/lib/dpkg/status --
//! Package: bash
//! ...
//! -- usr/lib/os-release --
//! ID=debian
//! ```

use customs_layer::{EntryInfo, LayerVisitor};
use customs_types::FileKind;

use crate::dispatch::{AnalyzeFactory, AnalyzeVisitor, DispatchOptions};
use crate::{Analyzer, LayerAnalysis};

/// A file of a fixture.
#[derive(Debug, Clone)]
pub struct FixtureFile {
    /// Absolute path (`/var/lib/dpkg/status`).
    pub path: String,
    pub data: Vec<u8>,
    pub mode: u32,
}

impl FixtureFile {
    pub fn new(path: &str, data: impl Into<Vec<u8>>) -> Self {
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        FixtureFile {
            path,
            data: data.into(),
            mode: 0o644,
        }
    }

    pub fn executable(mut self) -> Self {
        self.mode = 0o755;
        self
    }
}

/// Parses a txtar archive: `-- path --` lines start files; text before the
/// first marker is a comment. A path ending in ` (exec)` gets mode 0755.
pub fn txtar(text: &str) -> Vec<FixtureFile> {
    let mut files: Vec<FixtureFile> = Vec::new();
    let mut current: Option<FixtureFile> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if let Some(name) = trimmed
            .strip_prefix("-- ")
            .and_then(|r| r.strip_suffix(" --"))
        {
            if let Some(f) = current.take() {
                files.push(f);
            }
            let (name, exec) = match name.strip_suffix(" (exec)") {
                Some(n) => (n, true),
                None => (name, false),
            };
            let mut f = FixtureFile::new(name.trim(), Vec::new());
            if exec {
                f = f.executable();
            }
            current = Some(f);
        } else if let Some(f) = current.as_mut() {
            f.data.extend_from_slice(line.as_bytes());
        }
    }
    if let Some(f) = current {
        files.push(f);
    }
    files
}

/// Runs analyzers over files as one layer (`layer`), through the same
/// dispatch the layer walk uses.
pub fn run_layer(
    analyzers: Vec<Box<dyn Analyzer>>,
    layer: u32,
    files: &[FixtureFile],
) -> LayerAnalysis {
    let factory = AnalyzeFactory::new(analyzers, DispatchOptions::default());
    let mut v = AnalyzeVisitor::new(factory, layer);
    for f in files {
        let e = EntryInfo {
            layer,
            path: &f.path,
            kind: FileKind::File,
            size: f.data.len() as u64,
            mode: f.mode,
            link: None,
        };
        if v.wants(&e) {
            let mut r: &[u8] = &f.data;
            if let Err(msg) = v.visit(&e, &mut r) {
                v.analysis.unknowns.push(customs_types::Unknown {
                    layer: Some(layer),
                    path: Some(f.path.clone()),
                    origin: "test".into(),
                    message: msg,
                });
            }
        }
    }
    v.finish()
}

/// Runs one analyzer over files as layer 0.
pub fn run(analyzer: impl Analyzer + 'static, files: &[FixtureFile]) -> LayerAnalysis {
    run_layer(vec![Box::new(analyzer)], 0, files)
}

/// Runs one analyzer over a txtar fixture as layer 0.
pub fn run_txtar(analyzer: impl Analyzer + 'static, text: &str) -> LayerAnalysis {
    run(analyzer, &txtar(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txtar_parses_files() {
        let f = txtar("comment\n-- a/b --\nline1\nline2\n-- /c (exec) --\nx\n");
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].path, "/a/b");
        assert_eq!(f[0].data, b"line1\nline2\n");
        assert_eq!(f[1].path, "/c");
        assert_eq!(f[1].mode, 0o755);
    }
}
