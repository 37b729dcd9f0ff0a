//! `customs sbom IMAGE`: the inventory of an image (or, with `dir:PATH`, a
//! directory), as an SBOM.

use std::io::Write;

use anyhow::Context;
use customs_analyze::dispatch::AnalyzeFactory;
use customs_layer::{NoProgress, Progress};
use customs_report::{CycloneDxVersion, Format, TableOptions};
use customs_scan::ScanOutput;
use customs_source::{SourceSpec, open};

use crate::args::{GlobalArgs, ImageSourceArgs, SbomFormat};
use crate::output::writer;
use crate::progress::Bars;
use crate::report;

/// Opens the source and runs the catalogue pass.
pub fn scan(
    global: &GlobalArgs,
    spec: &SourceSpec,
    args: &ImageSourceArgs,
) -> anyhow::Result<ScanOutput> {
    scan_with(global, spec, args, &AnalyzeFactory::builtin(), None)
}

/// Opens the source and runs one pass with these analyzers, taking the
/// layers the cache holds from it.
pub fn scan_with(
    global: &GlobalArgs,
    spec: &SourceSpec,
    args: &ImageSourceArgs,
    analyzers: &AnalyzeFactory,
    cache: Option<&customs_scan::LayerCache>,
) -> anyhow::Result<ScanOutput> {
    let opts = args.open_options(spec)?;
    let image = open(spec, &opts).with_context(|| format!("cannot open {spec}"))?;
    let walk = args.walk_options();
    let bars = Bars::for_stderr(global.quiet);
    let progress: &dyn Progress = match &bars {
        Some(b) => b,
        None => &NoProgress,
    };
    let out = customs_scan::scan_image_cached(&image, &walk, analyzers, progress, cache);
    tracing::debug!(
        "scan stats: {} layers ({} read, {} from the layer cache), {} files analyzed, walk {} ms, inventory {} ms",
        out.stats.layers,
        out.stats.layers_walked,
        out.stats.layers_cached,
        out.stats.files_analyzed,
        out.stats.walk_ms,
        out.stats.inventory_ms
    );
    Ok(out)
}

fn format_of(f: SbomFormat) -> Format {
    match f {
        SbomFormat::Cyclonedx => Format::CycloneDx(CycloneDxVersion::V1_6),
        SbomFormat::Cyclonedx17 => Format::CycloneDx(CycloneDxVersion::V1_7),
        SbomFormat::SpdxJson => Format::Spdx,
        SbomFormat::Json => Format::Json,
        SbomFormat::Table => Format::Table,
    }
}

/// Writes the inventory of a scan.
pub fn write(
    out: &ScanOutput,
    format: SbomFormat,
    output: Option<&std::path::Path>,
    supplier: Option<&str>,
) -> anyhow::Result<u8> {
    let mut rep = report::build(out, Vec::new());
    rep.image_supplier = supplier.map(str::to_string);
    let mut w = writer(output)?;
    match format_of(format) {
        Format::Table => {
            customs_report::write_table_with(&rep, &TableOptions::packages_only(), &mut w)?
        }
        f => customs_report::write(f, &rep, &mut w)?,
    }
    w.flush()?;
    drop(w);
    report::finish(out)
}

pub fn run(global: &GlobalArgs, args: &crate::args::SbomArgs) -> anyhow::Result<u8> {
    let spec = args.source.spec(args.image.as_deref())?;
    let out = scan(global, &spec, &args.source)?;
    write(
        &out,
        args.format,
        args.output.as_deref(),
        args.supplier.as_deref(),
    )
}
