//! Progress bars on stderr while layers are pulled and read.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use customs_layer::Progress;
use customs_types::LayerMeta;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One bar per layer, shown only when stderr is a terminal.
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<u32, ProgressBar>>,
}

impl Bars {
    /// Bars when stderr is a terminal and not quiet; `None` otherwise.
    pub fn for_stderr(quiet: bool) -> Option<Bars> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        })
    }
}

impl Progress for Bars {
    fn start(&self, layer: &LayerMeta) {
        let bar = match layer.compressed_size {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::no_length(),
        };
        let style = ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        let name = layer
            .digest
            .as_ref()
            .map(|d| d.short().to_string())
            .unwrap_or_else(|| format!("layer {}", layer.index));
        bar.set_prefix(name);
        let bar = self.multi.add(bar);
        self.bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(layer.index, bar);
    }

    fn advance(&self, layer: u32, bytes: u64) {
        if let Some(b) = self
            .bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&layer)
        {
            b.inc(bytes);
        }
    }

    fn finish(&self, layer: u32, _ok: bool) {
        if let Some(b) = self
            .bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&layer)
        {
            b.finish_and_clear();
        }
    }
}
