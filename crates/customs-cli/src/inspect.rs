//! `customs inspect IMAGE`: metadata, layers, totals, and optionally files.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use comfy_table::{Cell, ContentArrangement, Table, presets};
use customs_layer::{NoProgress, NoVisitor, Progress, merge, walk_image};
use customs_source::open;
use customs_types::{Digest, FileEntry, HistoryLine, RemovedEntry, Unknown};
use serde::Serialize;

use crate::args::{GlobalArgs, InspectArgs, InspectFormat};
use crate::output::{human_bytes, mask_env, writer};
use crate::progress::Bars;

#[derive(Serialize)]
struct LayerRow {
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff_id: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compressed_size: Option<u64>,
    uncompressed_size: u64,
    entries: u64,
    files: u64,
    whiteouts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Totals {
    layers: usize,
    compressed_size: u64,
    uncompressed_size: u64,
    /// Entries in the merged view.
    merged_entries: usize,
    merged_files: usize,
    merged_file_bytes: u64,
    /// Entries a later layer deleted or overwrote.
    removed_entries: usize,
}

#[derive(Serialize)]
struct FileRow<'a> {
    #[serde(flatten)]
    entry: &'a FileEntry,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff_id: Option<&'a Digest>,
}

#[derive(Serialize)]
struct RemovedRow<'a> {
    #[serde(flatten)]
    removed: &'a RemovedEntry,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff_id: Option<&'a Digest>,
}

#[derive(Serialize)]
struct Report<'a> {
    reference: String,
    source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    manifest_digest: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manifest_media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index_digest: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_digest: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    user: String,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
    working_dir: String,
    env: Vec<String>,
    exposed_ports: Vec<String>,
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    healthcheck: Option<Vec<String>>,
    repo_tags: Vec<String>,
    history: Vec<HistoryLine>,
    layers: Vec<LayerRow>,
    totals: Totals,
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Vec<FileRow<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_files: Option<Vec<RemovedRow<'a>>>,
    unknowns: Vec<Unknown>,
    errors: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: &InspectArgs) -> anyhow::Result<u8> {
    let spec = args.source.spec(args.image.as_deref())?;
    let opts = args.source.open_options(&spec)?;
    let image = open(&spec, &opts).with_context(|| format!("cannot open {spec}"))?;
    let walk = args.source.walk_options();
    let bars = Bars::for_stderr(global.quiet);
    let progress: &dyn Progress = match &bars {
        Some(b) => b,
        None => &NoProgress,
    };
    let mut outcomes = walk_image(&image, &walk, &NoVisitor, progress);

    let mut errors = Vec::new();
    let mut unknowns = Vec::new();
    let mut layers = Vec::new();
    for o in &outcomes {
        let s = &o.index.summary;
        let err = o.error.as_ref().map(|e| e.to_string());
        if let Some(e) = &err {
            errors.push(e.clone());
        }
        unknowns.extend(o.index.unknowns.iter().cloned());
        layers.push(LayerRow {
            index: s.meta.index,
            digest: s.meta.digest.clone(),
            diff_id: s.meta.diff_id.clone(),
            media_type: s.meta.media_type.clone(),
            compressed_size: s.meta.compressed_size,
            uncompressed_size: s.uncompressed_size,
            entries: s.entries,
            files: s.files,
            whiteouts: s.whiteouts,
            created_by: s.meta.created_by.clone(),
            error: err,
        });
    }
    let view = merge(outcomes.iter_mut().map(|o| &mut o.index));
    unknowns.extend(view.unknowns().iter().cloned());
    let diff_of = |layer: u32| {
        image
            .layers
            .get(layer as usize)
            .and_then(|l| l.diff_id.as_ref())
    };
    let totals = Totals {
        layers: image.layers.len(),
        compressed_size: image.layers.iter().filter_map(|l| l.compressed_size).sum(),
        uncompressed_size: layers.iter().map(|l| l.uncompressed_size).sum(),
        merged_entries: view.len(),
        merged_files: view
            .iter()
            .filter(|e| e.kind == customs_types::FileKind::File)
            .count(),
        merged_file_bytes: view
            .iter()
            .filter(|e| e.kind == customs_types::FileKind::File)
            .map(|e| e.size)
            .sum(),
        removed_entries: view.removed().len(),
    };
    let cfg = &image.config;
    let report = Report {
        reference: image.reference.clone(),
        source: image.kind.to_string(),
        manifest_digest: image.manifest_digest.clone(),
        manifest_media_type: image.manifest_media_type.clone(),
        index_digest: image.index_digest.clone(),
        config_digest: image.config_digest.clone(),
        platform: image.platform.as_ref().map(|p| p.to_string()),
        created: cfg.created.clone(),
        author: cfg.author.clone(),
        user: cfg.user.clone(),
        entrypoint: cfg.entrypoint.clone(),
        cmd: cfg.cmd.clone(),
        working_dir: cfg.working_dir.clone(),
        env: cfg.env.iter().map(|e| mask_env(e)).collect(),
        exposed_ports: cfg.exposed_ports.clone(),
        labels: cfg.labels.clone(),
        healthcheck: cfg.healthcheck.clone(),
        repo_tags: image.repo_tags.clone(),
        history: cfg.history.clone(),
        layers,
        totals,
        files: args.files.then(|| {
            view.iter()
                .map(|e| FileRow {
                    entry: e,
                    diff_id: diff_of(e.layer),
                })
                .collect()
        }),
        removed_files: args.files.then(|| {
            view.removed()
                .iter()
                .map(|r| RemovedRow {
                    removed: r,
                    diff_id: diff_of(r.removed_in),
                })
                .collect()
        }),
        unknowns,
        errors: errors.clone(),
    };
    let mut out = writer(args.output.as_deref())?;
    match args.format {
        InspectFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        InspectFormat::Table => write_table(&mut out, &report)?,
    }
    out.flush()?;
    drop(out);
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("customs: error: {e}");
        }
        return Ok(2);
    }
    Ok(0)
}

fn kv_table(rows: &[(&str, String)]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    for (k, v) in rows {
        t.add_row(vec![Cell::new(k), Cell::new(v)]);
    }
    t
}

fn write_table(out: &mut dyn Write, r: &Report<'_>) -> anyhow::Result<()> {
    let opt = |d: &Option<Digest>| d.as_ref().map_or_else(|| "-".into(), |d| d.to_string());
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            serde_json::to_string(v).unwrap_or_default()
        }
    };
    let mut rows = vec![
        ("Reference", r.reference.clone()),
        ("Source", r.source.clone()),
        ("Manifest digest", opt(&r.manifest_digest)),
        ("Config digest", opt(&r.config_digest)),
        ("Platform", r.platform.clone().unwrap_or_else(|| "-".into())),
        ("Created", r.created.clone().unwrap_or_else(|| "-".into())),
        (
            "User",
            if r.user.is_empty() {
                "(unset: root)".into()
            } else {
                r.user.clone()
            },
        ),
        ("Entrypoint", list(&r.entrypoint)),
        ("Cmd", list(&r.cmd)),
        (
            "Workdir",
            if r.working_dir.is_empty() {
                "-".into()
            } else {
                r.working_dir.clone()
            },
        ),
        (
            "Exposed ports",
            if r.exposed_ports.is_empty() {
                "-".into()
            } else {
                r.exposed_ports.join(", ")
            },
        ),
    ];
    if let Some(i) = &r.index_digest {
        rows.insert(3, ("Index digest", i.to_string()));
    }
    writeln!(out, "{}", kv_table(&rows))?;
    if !r.env.is_empty() {
        writeln!(out, "\nEnv")?;
        for e in &r.env {
            writeln!(out, "  {e}")?;
        }
    }
    if !r.labels.is_empty() {
        writeln!(out, "\nLabels")?;
        for (k, v) in &r.labels {
            writeln!(out, "  {k}={v}")?;
        }
    }
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "#",
            "Diff ID",
            "Compressed",
            "Size",
            "Files",
            "Created by",
        ]);
    for l in &r.layers {
        let created = l.created_by.clone().unwrap_or_default();
        let created: String = if created.chars().count() > 80 {
            format!("{}…", created.chars().take(79).collect::<String>())
        } else {
            created
        };
        t.add_row(vec![
            Cell::new(l.index),
            Cell::new(
                l.diff_id
                    .as_ref()
                    .map_or("-".into(), |d| d.short().to_string()),
            ),
            Cell::new(l.compressed_size.map_or("-".into(), human_bytes)),
            Cell::new(human_bytes(l.uncompressed_size)),
            Cell::new(l.entries),
            Cell::new(match &l.error {
                Some(e) => format!("ERROR: {e}"),
                None => created,
            }),
        ]);
    }
    writeln!(out, "\nLayers\n{t}")?;
    let tt = &r.totals;
    writeln!(
        out,
        "\nTotal: {} layers, {} compressed, {} uncompressed; merged view {} entries ({} files, {}); {} removed by later layers",
        tt.layers,
        human_bytes(tt.compressed_size),
        human_bytes(tt.uncompressed_size),
        tt.merged_entries,
        tt.merged_files,
        human_bytes(tt.merged_file_bytes),
        tt.removed_entries
    )?;
    if let Some(files) = &r.files {
        writeln!(out, "\nFiles (merged view)")?;
        for f in files {
            writeln!(
                out,
                "  {:<8} {:>12} L{} {}{}",
                f.entry.kind.as_str(),
                f.entry.size,
                f.entry.layer,
                f.entry.path,
                f.entry
                    .link
                    .as_ref()
                    .map_or(String::new(), |l| format!(" -> {l}"))
            )?;
        }
    }
    if let Some(removed) = &r.removed_files {
        writeln!(out, "\nRemoved by later layers (history view)")?;
        for f in removed {
            writeln!(
                out,
                "  {:<8} {:>12} L{} {} ({:?} in layer {})",
                f.removed.entry.kind.as_str(),
                f.removed.entry.size,
                f.removed.entry.layer,
                f.removed.entry.path,
                f.removed.removal,
                f.removed.removed_in
            )?;
        }
    }
    if !r.unknowns.is_empty() {
        writeln!(out, "\nUnknowns ({})", r.unknowns.len())?;
        for u in &r.unknowns {
            writeln!(
                out,
                "  layer {} {}: {}",
                u.layer.map_or("-".into(), |l| l.to_string()),
                u.path.as_deref().unwrap_or("-"),
                u.message
            )?;
        }
    }
    Ok(())
}
