//! From the layer walk to the analyzers: each wanted file is read once and
//! handed to every analyzer that asked for it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use customs_layer::{EntryInfo, LayerVisitor, VisitorFactory};
use customs_types::LayerMeta;

use crate::{Analyzer, Content, FileInfo, LayerAnalysis, Sink};

/// Files up to this size are read into memory; bigger ones are spooled to
/// a temporary file.
pub const DEFAULT_MEMORY_LIMIT: u64 = 32 << 20;

/// Settings of the dispatch.
#[derive(Debug, Clone)]
pub struct DispatchOptions {
    pub memory_limit: u64,
    /// Where big files are spooled (default: the system temp dir).
    pub spool_dir: Option<std::path::PathBuf>,
}

impl Default for DispatchOptions {
    fn default() -> Self {
        DispatchOptions {
            memory_limit: DEFAULT_MEMORY_LIMIT,
            spool_dir: None,
        }
    }
}

/// Makes one [`AnalyzeVisitor`] per layer.
#[derive(Clone)]
pub struct AnalyzeFactory {
    analyzers: Arc<Vec<Box<dyn Analyzer>>>,
    opts: DispatchOptions,
}

impl AnalyzeFactory {
    pub fn new(analyzers: Vec<Box<dyn Analyzer>>, opts: DispatchOptions) -> Self {
        AnalyzeFactory {
            analyzers: Arc::new(analyzers),
            opts,
        }
    }

    /// Every built-in analyzer.
    pub fn builtin() -> Self {
        Self::new(crate::builtin(), DispatchOptions::default())
    }

    pub fn analyzers(&self) -> &[Box<dyn Analyzer>] {
        &self.analyzers
    }

    /// `id@version` of every analyzer, sorted: part of the layer-cache key.
    pub fn fingerprint(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .analyzers
            .iter()
            .map(|a| format!("{}@{}", a.id(), a.version()))
            .collect();
        v.sort();
        v
    }
}

impl VisitorFactory for AnalyzeFactory {
    type Visitor = AnalyzeVisitor;
    fn for_layer(&self, layer: &LayerMeta) -> AnalyzeVisitor {
        AnalyzeVisitor::new(self.clone(), layer.index)
    }
}

/// Runs the analyzers over one layer.
pub struct AnalyzeVisitor {
    factory: AnalyzeFactory,
    pub analysis: LayerAnalysis,
    /// Analyzers interested in the entry `wants` last accepted.
    pending: Vec<usize>,
    buffer: Vec<u8>,
    spool: Option<File>,
}

impl AnalyzeVisitor {
    pub fn new(factory: AnalyzeFactory, layer: u32) -> Self {
        AnalyzeVisitor {
            factory,
            analysis: LayerAnalysis::new(layer),
            pending: Vec::new(),
            buffer: Vec::new(),
            spool: None,
        }
    }

    /// Reads the file into memory or the spool, then runs each pending
    /// analyzer on it.
    fn run(&mut self, info: &FileInfo<'_>, content: &mut dyn Read) -> Result<(), String> {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return Ok(());
        }
        self.analysis.files_analyzed += 1;
        let analyzers = self.factory.analyzers.clone();
        if info.size <= self.factory.opts.memory_limit {
            self.buffer.clear();
            content
                .take(self.factory.opts.memory_limit + 1)
                .read_to_end(&mut self.buffer)
                .map_err(|e| format!("reading the file: {e}"))?;
            let data = std::mem::take(&mut self.buffer);
            for i in &pending {
                let a = &analyzers[*i];
                let mut c = Content::Memory(&data);
                self.call(a.as_ref(), info, &mut c);
            }
            self.buffer = data;
        } else {
            let mut spool = match self.spool.take() {
                Some(f) => f,
                None => match &self.factory.opts.spool_dir {
                    Some(d) => tempfile::tempfile_in(d),
                    None => tempfile::tempfile(),
                }
                .map_err(|e| format!("cannot create a spool file: {e}"))?,
            };
            spool
                .set_len(0)
                .and_then(|()| spool.seek(SeekFrom::Start(0)))
                .map_err(|e| format!("spool: {e}"))?;
            let len = std::io::copy(content, &mut spool).map_err(|e| format!("spool: {e}"))?;
            spool.flush().map_err(|e| format!("spool: {e}"))?;
            for i in &pending {
                let a = &analyzers[*i];
                let mut c = Content::Spooled {
                    file: &mut spool,
                    len,
                };
                self.call(a.as_ref(), info, &mut c);
            }
            // keep the file for the next big entry, but give back its space
            let _ = spool.set_len(0);
            self.spool = Some(spool);
        }
        Ok(())
    }

    fn call(&mut self, a: &dyn Analyzer, info: &FileInfo<'_>, content: &mut Content<'_>) {
        let mut sink = Sink {
            analysis: &mut self.analysis,
            analyzer: a.id(),
            path: info.path,
        };
        if let Err(msg) = a.analyze(info, content, &mut sink) {
            sink.unknown(msg);
        }
    }
}

impl LayerVisitor for AnalyzeVisitor {
    fn wants(&mut self, entry: &EntryInfo<'_>) -> bool {
        let info = FileInfo {
            path: entry.path,
            size: entry.size,
            mode: entry.mode,
            layer: entry.layer,
        };
        self.pending.clear();
        let analyzers = self.factory.analyzers.clone();
        let mut path_only = false;
        for (i, a) in analyzers.iter().enumerate() {
            if a.path_only(&info) {
                path_only = true;
                self.call(a.as_ref(), &info, &mut Content::Memory(&[]));
            } else if a.required(&info) {
                self.pending.push(i);
            }
        }
        if path_only && self.pending.is_empty() {
            self.analysis.files_analyzed += 1;
        }
        !self.pending.is_empty()
    }

    fn visit(&mut self, entry: &EntryInfo<'_>, content: &mut dyn Read) -> Result<(), String> {
        let info = FileInfo {
            path: entry.path,
            size: entry.size,
            mode: entry.mode,
            layer: entry.layer,
        };
        self.run(&info, content)
    }
}
