//! `customs diff A B`: what changed from A to B (packages and
//! vulnerabilities), and a gate over what B introduces.
//!
//! Each side is an image in any source syntax (scanned and matched against
//! the local DB now), a customs JSON report (`customs image -f json`; its
//! findings as recorded), or a CycloneDX/SPDX JSON SBOM (matched now). The
//! policy flags (`--severity`, `--ignore-unfixed`, `--ignorefile`, `--vex`)
//! apply to both sides alike; `--exit-code N` (or `--fail-on SEVERITY`)
//! looks only at the findings B introduces. With `--base REF`, each side
//! the base's layers lead gets its findings marked as from the base or from
//! its own layers (a report made with `--base` carries its own).

use std::io::Write;

use crate::args::{DiffArgs, DiffFormat, GlobalArgs};
use crate::output::writer;
use crate::scan::Policy;
use crate::side::Loader;

pub fn run(global: &GlobalArgs, args: &DiffArgs) -> anyhow::Result<u8> {
    let policy = Policy::from_args(&args.gate)?;
    let mut loader = Loader::new(
        global,
        &args.source,
        &args.db,
        args.offline,
        args.no_cache,
        args.cache_max_size,
    )?;
    let mut before = loader.load(&args.before)?;
    let mut after = loader.load(&args.after)?;
    tracing::debug!(
        "diff: {} read as {}, {} read as {}",
        args.before,
        before.kind,
        args.after,
        after.kind
    );
    for side in [&mut before, &mut after] {
        // images and reports (they have layers) get the base of --base
        if let Some(b) = &args.base
            && !side.report.artifact.layers.is_empty()
        {
            side.report.base =
                crate::side::for_image(Some(b), &args.source, &side.report.artifact, global.quiet)?;
        }
        let s = policy.apply(
            &mut side.report.vulnerabilities,
            &side.artifact_ids,
            global.quiet,
        );
        side.report.policy = Some(s);
    }
    let d = customs_report::diff::diff(&before.report, &after.report);
    let mut w = writer(args.output.as_deref())?;
    match args.format {
        DiffFormat::Table => customs_report::diff::write_table(&d, None, &mut w)?,
        DiffFormat::Json => customs_report::diff::write_json(&d, &mut w)?,
        DiffFormat::Markdown => customs_report::diff::write_markdown(&d, &mut w)?,
    }
    w.flush()?;
    drop(w);

    let errors: Vec<&String> = before
        .layer_errors
        .iter()
        .chain(&after.layer_errors)
        .collect();
    if !errors.is_empty() {
        for e in errors {
            eprintln!("customs: error: {e}");
        }
        return Ok(2);
    }
    // the gate over what B introduces (they passed the filters already)
    let introduced: Vec<_> = after
        .report
        .vulnerabilities
        .iter()
        .filter(|f| {
            d.vulnerabilities.introduced.iter().any(|e| {
                e.id == f.id
                    && e.kind == f.package.kind
                    && e.package == f.package.name
                    && e.location == f.package.location
                    && e.version == f.package.version
            })
        })
        .collect();
    Ok(policy.gate.exit_code_for(introduced))
}
