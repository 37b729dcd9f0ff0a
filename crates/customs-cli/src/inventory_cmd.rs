//! `customs inventory add|list|affected|rescan`: a store of image
//! inventories (SQLite, `<cache dir>/inventory.db` by default) that answers
//! "which of my images have CVE-X?" under the current DB without reading
//! any image again.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{ContentArrangement, Table, presets};
use customs_advisory::Db;
use customs_analyze::dispatch::AnalyzeFactory;
use customs_inventory::{Store, StoredInventory, VersionRange, db_label, split_package_spec};
use serde::Serialize;

use crate::args::{DbLocation, GlobalArgs, ImageSourceArgs, parse_size};
use crate::output::writer;
use crate::{db, report, sbom, sbom_input, scanners};

/// `customs inventory ...`.
#[derive(Args, Debug)]
pub struct InventoryArgs {
    #[command(subcommand)]
    pub command: InventoryCommand,
}

#[derive(Subcommand, Debug)]
pub enum InventoryCommand {
    /// Store the inventory (OS, packages with purls and layers) of an image
    /// (any source `image` takes) or of a CycloneDX/SPDX JSON SBOM file.
    Add(InventoryAddArgs),
    /// List the stored images.
    List(InventoryListArgs),
    /// Stored images affected by an advisory (`customs inventory affected
    /// CVE-…`) or holding a package version (`--package NAME[@RANGE]
    /// --ecosystem ECO`), under the current DB; no image is read.
    Affected(InventoryAffectedArgs),
    /// Re-match every stored inventory against the current DB and report
    /// what is new (and what is gone) since the last run.
    Rescan(InventoryRescanArgs),
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryFormat {
    Table,
    Json,
}

/// Flags of every `inventory` command.
#[derive(Args, Debug, Clone)]
pub struct InventoryCommon {
    /// The inventory store (default: `<cache dir>/inventory.db`).
    #[arg(long, value_name = "PATH", env = "CUSTOMS_INVENTORY")]
    pub inventory: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbLocation,
    /// Never download the vulnerability DB (use the local one, or fail saying how to import one).
    #[arg(long, alias = "skip-db-update")]
    pub offline: bool,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = InventoryFormat::Table)]
    pub format: InventoryFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct InventoryAddArgs {
    /// The image (see `customs inspect --help` for the sources), or a path to
    /// a CycloneDX or SPDX JSON SBOM.
    #[arg(value_name = "IMAGE|SBOM", required_unless_present = "input")]
    pub image: Option<String>,
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Neither read nor write the per-layer cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Bound of the per-layer cache.
    #[arg(long, value_name = "SIZE", default_value = "5GiB", value_parser = parse_size)]
    pub cache_max_size: u64,
    #[command(flatten)]
    pub common: InventoryCommon,
}

#[derive(Args, Debug)]
pub struct InventoryListArgs {
    #[command(flatten)]
    pub common: InventoryCommon,
}

#[derive(Args, Debug)]
pub struct InventoryAffectedArgs {
    /// An advisory id or alias: `CVE-…`, `GHSA-…`, `PYSEC-…`, any OSV id.
    #[arg(
        value_name = "ID",
        required_unless_present = "package",
        conflicts_with = "package"
    )]
    pub id: Option<String>,
    /// A package instead of an advisory: `NAME` or `NAME@RANGE` (`@1.2.3`
    /// exactly, `@<2.0`, `@>=1.2,<1.3`), compared in the ecosystem's order.
    #[arg(long, value_name = "NAME[@RANGE]", requires = "ecosystem")]
    pub package: Option<String>,
    /// The package's ecosystem: an OSV ecosystem (`PyPI`, `npm`, `Debian`,
    /// `Debian:12`, ...) or a package kind (`deb`, `python`, ...).
    #[arg(long, value_name = "ECO")]
    pub ecosystem: Option<String>,
    /// Exit code when a stored image is affected (default 0).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: u8,
    #[command(flatten)]
    pub common: InventoryCommon,
}

#[derive(Args, Debug)]
pub struct InventoryRescanArgs {
    /// Exit code when a rescan finds something new (default 0).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: u8,
    #[command(flatten)]
    pub common: InventoryCommon,
}

pub fn run(global: &GlobalArgs, args: &InventoryArgs) -> anyhow::Result<u8> {
    match &args.command {
        InventoryCommand::Add(a) => add(global, a),
        InventoryCommand::List(a) => list(a),
        InventoryCommand::Affected(a) => affected(global, a),
        InventoryCommand::Rescan(a) => rescan(global, a),
    }
}

fn store_path(c: &InventoryCommon) -> PathBuf {
    c.inventory
        .clone()
        .unwrap_or_else(|| db::cache_dir(c.db.cache_dir.as_deref()).join("inventory.db"))
}

fn open_store(c: &InventoryCommon) -> anyhow::Result<Store> {
    let path = store_path(c);
    Store::open(&path).with_context(|| format!("cannot use the inventory store {}", path.display()))
}

/// The store when it exists (queries on a missing store answer "nothing
/// stored" without creating it).
fn existing_store(c: &InventoryCommon, quiet: bool) -> anyhow::Result<Option<Store>> {
    let path = store_path(c);
    if !path.exists() {
        if !quiet {
            eprintln!(
                "customs: no inventory store at {} yet; add images with `customs inventory add IMAGE`",
                path.display()
            );
        }
        return Ok(None);
    }
    open_store(c).map(Some)
}

fn emit_json<T: Serialize>(c: &InventoryCommon, v: &T) -> anyhow::Result<()> {
    let mut w = writer(c.output.as_deref())?;
    serde_json::to_writer_pretty(&mut w, v)?;
    writeln!(w)?;
    w.flush()?;
    Ok(())
}

fn emit_text(c: &InventoryCommon, text: &str) -> anyhow::Result<()> {
    let mut w = writer(c.output.as_deref())?;
    w.write_all(text.as_bytes())?;
    w.flush()?;
    Ok(())
}

fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    t
}

/// `sha256:0123456789ab`.
fn short(digest: &str) -> String {
    match digest.split_once(':') {
        Some((alg, hex)) if hex.len() > 12 => format!("{alg}:{}", &hex[..12]),
        _ => digest.to_string(),
    }
}

/// A regular file whose first non-blank byte is `{`: an SBOM (images on
/// disk are tars or directories).
fn is_json_file(p: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    if !p.is_file() {
        return false;
    }
    let mut buf = [0u8; 512];
    let n = f.read(&mut buf).unwrap_or(0);
    buf[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

#[derive(Serialize)]
struct AddJson<'a> {
    #[serde(flatten)]
    outcome: &'a customs_inventory::AddOutcome,
    store: String,
    /// Matched against this DB at add (the baseline of the next rescan).
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_db: Option<String>,
}

fn add(global: &GlobalArgs, a: &InventoryAddArgs) -> anyhow::Result<u8> {
    let c = &a.common;
    let sbom_file = match (&a.image, &a.source.input) {
        (Some(i), None) if is_json_file(Path::new(i)) => Some(PathBuf::from(i)),
        _ => None,
    };
    let now = report::now_rfc3339();
    let stored = match sbom_file {
        Some(path) => {
            let input = sbom_input::read(&path)?;
            let mut inventory = input.inventory;
            inventory.unknowns.clear();
            StoredInventory {
                digest: StoredInventory::digest_of(&input.summary),
                reference: path.display().to_string(),
                source: input.summary.source.clone(),
                added_at: now.clone(),
                inventory,
            }
        }
        None => {
            let spec = a.source.spec(a.image.as_deref())?;
            let cache =
                scanners::layer_cache(c.db.cache_dir.as_deref(), a.no_cache, a.cache_max_size);
            let out = sbom::scan_with(
                global,
                &spec,
                &a.source,
                &AnalyzeFactory::builtin(),
                cache.as_ref(),
            )?;
            if report::finish(&out)? != 0 {
                bail!(
                    "{} was not stored: its layers did not read cleanly",
                    out.summary.name
                );
            }
            let mut inventory = out.inventory;
            inventory.unknowns.clear();
            StoredInventory {
                digest: StoredInventory::digest_of(&out.summary),
                reference: a.image.clone().unwrap_or_else(|| out.summary.name.clone()),
                source: out.summary.source.clone(),
                added_at: now.clone(),
                inventory,
            }
        }
    };
    let mut store = open_store(c)?;
    let mut outcome = store.add(&stored)?;
    // The baseline of the next rescan: a match against the local DB, when
    // there is one (`add` never downloads it).
    let db_path = db::db_path(&c.db);
    let mut matched_db = None;
    if db_path.exists() {
        let dbh = Db::open(&db_path)
            .with_context(|| format!("cannot open the DB {}", db_path.display()))?;
        let m = customs_match::match_inventory(&stored.inventory, &dbh)
            .context("matching against the DB")?;
        let label = db_label(&dbh);
        store.record_findings(&stored.digest, &m.findings, &now, &label)?;
        outcome.image = store.image(&stored.digest)?.unwrap_or(outcome.image);
        matched_db = Some(label);
    }
    match c.format {
        InventoryFormat::Json => emit_json(
            c,
            &AddJson {
                outcome: &outcome,
                store: store.path().display().to_string(),
                matched_db,
            },
        )?,
        InventoryFormat::Table => {
            let i = &outcome.image;
            let findings = match i.findings {
                Some(n) => format!("{n} findings under the current DB"),
                None => "not matched (no local DB; `customs inventory rescan` will)".into(),
            };
            emit_text(
                c,
                &format!(
                    "{} {} ({}): {} packages, {findings}; store {}\n",
                    if outcome.replaced {
                        "replaced"
                    } else {
                        "stored"
                    },
                    i.reference,
                    i.digest,
                    i.packages,
                    store.path().display()
                ),
            )?;
        }
    }
    Ok(0)
}

fn list(a: &InventoryListArgs) -> anyhow::Result<u8> {
    let c = &a.common;
    let images = match existing_store(c, false)? {
        Some(s) => s.list()?,
        None => Vec::new(),
    };
    match c.format {
        InventoryFormat::Json => emit_json(c, &images)?,
        InventoryFormat::Table => {
            let mut t = table(vec![
                "Reference",
                "Digest",
                "Source",
                "OS",
                "Packages",
                "Findings",
                "Added",
            ]);
            for i in &images {
                let os = i.os.as_ref().map_or_else(
                    || "-".to_string(),
                    |o| format!("{} {}", o.id, o.version.as_deref().unwrap_or("")),
                );
                t.add_row(vec![
                    i.reference.clone(),
                    short(&i.digest),
                    i.source.clone(),
                    os.trim().to_string(),
                    i.packages.to_string(),
                    i.findings.map_or_else(|| "-".into(), |n| n.to_string()),
                    i.added_at.clone(),
                ]);
            }
            emit_text(c, &format!("{t}\n{} images\n", images.len()))?;
        }
    }
    Ok(0)
}

fn affected(global: &GlobalArgs, a: &InventoryAffectedArgs) -> anyhow::Result<u8> {
    let c = &a.common;
    if let Some(spec) = &a.package {
        let eco = a
            .ecosystem
            .as_deref()
            .context("--package needs --ecosystem")?;
        let (name, range): (String, Option<VersionRange>) = split_package_spec(spec)?;
        let r = match existing_store(c, global.quiet)? {
            Some(s) => s.affected_by_package(&name, range.as_ref(), eco)?,
            None => {
                // still check the query
                customs_inventory::EcosystemQuery::parse(eco)?;
                return finish_empty(c, a.exit_code);
            }
        };
        let hit = !r.images.is_empty();
        match c.format {
            InventoryFormat::Json => emit_json(c, &r)?,
            InventoryFormat::Table => {
                let mut t = table(vec![
                    "Image", "Digest", "Package", "Version", "Kind", "Layer", "Location",
                ]);
                for img in &r.images {
                    for p in &img.packages {
                        let version = if p.matched_version != p.version {
                            format!(
                                "{} (source {} {})",
                                p.version, p.matched_name, p.matched_version
                            )
                        } else {
                            p.version.clone()
                        };
                        t.add_row(vec![
                            img.image.reference.clone(),
                            short(&img.image.digest),
                            p.name.clone(),
                            version,
                            p.kind.clone(),
                            p.layer.map_or_else(|| "-".into(), |l| l.to_string()),
                            p.location.clone(),
                        ]);
                    }
                }
                let range = r
                    .range
                    .as_deref()
                    .map_or_else(String::new, |r| format!(" {r}"));
                let mut text = format!(
                    "{}{range} ({}): {} stored images\n",
                    r.name,
                    r.ecosystem.release.as_deref().unwrap_or(&r.ecosystem.key),
                    r.images.len()
                );
                if hit {
                    text.push_str(&format!("{t}\n"));
                }
                if r.unparseable_versions > 0 {
                    text.push_str(&format!(
                        "{} stored versions do not parse in this ecosystem and were not compared\n",
                        r.unparseable_versions
                    ));
                }
                emit_text(c, &text)?;
            }
        }
        return Ok(if hit { a.exit_code } else { 0 });
    }
    let id =
        a.id.as_deref()
            .context("give an advisory ID or --package")?;
    let Some(store) = existing_store(c, global.quiet)? else {
        return finish_empty(c, a.exit_code);
    };
    let dbh = db::open_for_scan(&c.db, c.offline, global.quiet)?;
    let t0 = std::time::Instant::now();
    let r = store.affected_by_id(&dbh, id)?;
    tracing::debug!(
        "affected {id}: records {:?}, {} packages, {} candidate images, {} affected, {} ms",
        r.records,
        r.packages.len(),
        r.candidates,
        r.images.len(),
        t0.elapsed().as_millis()
    );
    let hit = !r.images.is_empty();
    match c.format {
        InventoryFormat::Json => emit_json(c, &r)?,
        InventoryFormat::Table => {
            let mut t = table(vec![
                "Image",
                "Digest",
                "Package",
                "Installed",
                "Fixed",
                "Severity",
                "Finding",
            ]);
            for img in &r.images {
                for f in &img.findings {
                    t.add_row(vec![
                        img.image.reference.clone(),
                        short(&img.image.digest),
                        format!("{} ({})", f.package.name, f.package.kind),
                        f.package.version.clone(),
                        f.fixed_version.clone().unwrap_or_else(|| "-".into()),
                        f.severity.as_str().to_string(),
                        f.id.clone(),
                    ]);
                }
            }
            let mut text = format!(
                "{} (records {}): {} of {} stored images holding its packages are affected\n",
                r.id,
                r.records.join(", "),
                r.images.len(),
                r.candidates
            );
            if hit {
                text.push_str(&format!("{t}\n"));
            }
            emit_text(c, &text)?;
        }
    }
    Ok(if hit { a.exit_code } else { 0 })
}

fn finish_empty(c: &InventoryCommon, _exit_code: u8) -> anyhow::Result<u8> {
    match c.format {
        InventoryFormat::Json => emit_json(c, &serde_json::json!({ "images": [] }))?,
        InventoryFormat::Table => emit_text(c, "0 stored images\n")?,
    }
    Ok(0)
}

fn rescan(global: &GlobalArgs, a: &InventoryRescanArgs) -> anyhow::Result<u8> {
    let c = &a.common;
    let Some(mut store) = existing_store(c, global.quiet)? else {
        return finish_empty(c, a.exit_code);
    };
    let dbh = db::open_for_scan(&c.db, c.offline, global.quiet)?;
    let r = store.rescan(&dbh, &report::now_rfc3339())?;
    let any_new = r.with_new().next().is_some();
    match c.format {
        InventoryFormat::Json => emit_json(c, &r)?,
        InventoryFormat::Table => {
            let mut summary = table(vec![
                "Image",
                "Digest",
                "Findings",
                "New",
                "Gone",
                "Previous match",
            ]);
            for i in &r.images {
                summary.add_row(vec![
                    i.image.reference.clone(),
                    short(&i.image.digest),
                    i.findings.to_string(),
                    i.new.len().to_string(),
                    i.gone.len().to_string(),
                    i.previous_match
                        .clone()
                        .unwrap_or_else(|| "never (all new)".into()),
                ]);
            }
            let mut text = format!("rescan against {}\n{summary}\n", r.db);
            let mut changes = table(vec![
                "Image",
                "Change",
                "Finding",
                "Package",
                "Installed",
                "Fixed",
                "Severity",
            ]);
            let mut any = false;
            for i in &r.images {
                for (what, list) in [("new", &i.new), ("gone", &i.gone)] {
                    for f in list {
                        any = true;
                        changes.add_row(vec![
                            i.image.reference.clone(),
                            what.to_string(),
                            f.id.clone(),
                            format!("{} ({})", f.package, f.kind),
                            f.version.clone(),
                            f.fixed_version.clone().unwrap_or_else(|| "-".into()),
                            f.severity.clone(),
                        ]);
                    }
                }
            }
            if any {
                text.push_str(&format!("{changes}\n"));
            } else {
                text.push_str("nothing new since the last run\n");
            }
            emit_text(c, &text)?;
        }
    }
    Ok(if any_new { a.exit_code } else { 0 })
}
