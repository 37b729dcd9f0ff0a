//! From the layer walk to the analyzers: each wanted file is read once and
//! handed to every analyzer that asked for it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use customs_layer::{EntryInfo, LayerVisitor, VisitorFactory};
use customs_types::LayerMeta;

use crate::{Analyzer, Content, FileInfo, LayerAnalysis, Sink};

/// Files up to this size are read into memory; bigger ones are spooled to
/// a temporary file.
pub const DEFAULT_MEMORY_LIMIT: u64 = 32 << 20;
/// Most bytes of file copies waiting for or in a worker, per layer; past
/// it, the walk thread runs the analyzer itself (memory stays bounded).
pub const PARALLEL_BYTES_LIMIT: u64 = 16 << 20;

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

/// The worker threads of parallel analyzers: one pool for the process,
/// apart from the walk's (whose threads are busy reading layers), so a
/// queued job always finds a thread.
fn workers() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("customs-analyze-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs the analyzers over one layer. Analyzers that may
/// ([`Analyzer::parallel`]) run on a worker pool while the walk goes
/// on; [`AnalyzeVisitor::finish`] waits for them and gives the layer's
/// results.
pub struct AnalyzeVisitor {
    factory: AnalyzeFactory,
    /// What the walk thread found; see [`AnalyzeVisitor::finish`].
    pub analysis: LayerAnalysis,
    /// Jobs sent to workers, and where their results come back.
    jobs: usize,
    results: (mpsc::Sender<LayerAnalysis>, mpsc::Receiver<LayerAnalysis>),
    in_flight: Arc<AtomicU64>,
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
            jobs: 0,
            results: mpsc::channel(),
            in_flight: Arc::new(AtomicU64::new(0)),
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
            let mut shared: Option<Arc<Vec<u8>>> = None;
            for i in &pending {
                let a = &analyzers[*i];
                let len = data.len() as u64;
                if let Some(pool) = workers()
                    && a.parallel()
                    && self.in_flight.load(Ordering::Relaxed) + len <= PARALLEL_BYTES_LIMIT
                {
                    let bytes = shared.get_or_insert_with(|| Arc::new(data.clone())).clone();
                    self.spawn(pool, *i, info, bytes);
                } else {
                    let mut c = Content::Memory(&data);
                    self.call(a.as_ref(), info, &mut c);
                }
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

    /// Runs analyzer `i` on a copy of the file on a worker thread.
    fn spawn(
        &mut self,
        pool: &'static rayon::ThreadPool,
        i: usize,
        info: &FileInfo<'_>,
        bytes: Arc<Vec<u8>>,
    ) {
        let analyzers = self.factory.analyzers.clone();
        let tx = self.results.0.clone();
        let in_flight = self.in_flight.clone();
        let len = bytes.len() as u64;
        in_flight.fetch_add(len, Ordering::Relaxed);
        let (path, size, mode, layer) = (info.path.to_string(), info.size, info.mode, info.layer);
        self.jobs += 1;
        pool.spawn(move || {
            let a = &analyzers[i];
            let mut piece = LayerAnalysis::new(layer);
            let info = FileInfo {
                path: &path,
                size,
                mode,
                layer,
            };
            let mut sink = Sink {
                analysis: &mut piece,
                analyzer: a.id(),
                path: &path,
            };
            if let Err(msg) = a.analyze(&info, &mut Content::Memory(&bytes), &mut sink) {
                sink.unknown(msg);
            }
            drop(bytes);
            in_flight.fetch_sub(len, Ordering::Relaxed);
            // the receiver lives until `finish` has every result
            let _ = tx.send(piece);
        });
    }

    /// Waits for the workers and gives everything found in the layer.
    pub fn finish(mut self) -> LayerAnalysis {
        for _ in 0..self.jobs {
            match self.results.1.recv() {
                Ok(piece) => self.analysis.absorb(piece),
                Err(_) => break,
            }
        }
        self.jobs = 0;
        self.analysis
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
