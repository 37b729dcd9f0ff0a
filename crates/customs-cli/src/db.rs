//! `customs db update|import|status`: the local advisory database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use customs_advisory::{Db, UpdateOptions};

use crate::args::{DbArgs, DbCommand, DbLocation};

/// Where the database lives: `--cache-dir`, `CUSTOMS_CACHE_DIR`,
/// `$XDG_CACHE_HOME/customs`, `~/.cache/customs`; the file is `db/customs.db`.
pub fn cache_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(p).join("customs");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/customs")
}

pub fn db_path(loc: &DbLocation) -> PathBuf {
    cache_dir(loc.cache_dir.as_deref()).join("db/customs.db")
}

fn ensure_parent(p: &Path) -> anyhow::Result<()> {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    Ok(())
}

/// Downloads or refreshes the database.
pub fn update(loc: &DbLocation, ecosystems: Option<&[String]>, quiet: bool) -> anyhow::Result<()> {
    let path = db_path(loc);
    ensure_parent(&path)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    if !quiet {
        eprintln!(
            "customs: updating the vulnerability DB from {} ...",
            loc.db_repository
        );
    }
    let summary = rt
        .block_on(customs_advisory::update(
            &loc.db_repository,
            ecosystems,
            &path,
            &UpdateOptions::default(),
        ))
        .with_context(|| format!("db update from {}", loc.db_repository))?;
    if !quiet {
        for f in &summary.ecosystems {
            eprintln!(
                "  {:<12} {:<11} fetched {:>6}  added {:>6}  updated {:>5}  withdrawn {:>4}  records {:>6}",
                f.ecosystem,
                format!("{:?}", f.mode).to_lowercase(),
                f.fetched,
                f.added,
                f.updated,
                f.withdrawn,
                f.records
            );
        }
        eprintln!(
            "customs: DB {} ({} requests, {:.1} MB downloaded, {:.1} s)",
            path.display(),
            summary.requests,
            summary.downloaded_bytes as f64 / 1e6,
            summary.elapsed.as_secs_f64()
        );
    }
    Ok(())
}

/// Opens the database for a scan: updates it first when it is missing,
/// unless offline.
pub fn open_for_scan(loc: &DbLocation, offline: bool, quiet: bool) -> anyhow::Result<Db> {
    let path = db_path(loc);
    if !path.exists() {
        if offline {
            bail!(
                "no vulnerability DB at {}: run `customs db update`, or on an air-gapped machine \
                 `customs db import DIR` with a copy of osv.dev's exports \
                 (<Ecosystem>/all.zip), or scan without --offline/--skip-db-update",
                path.display()
            );
        }
        update(loc, None, quiet)?;
    }
    let db = Db::open(&path).with_context(|| format!("cannot open the DB {}", path.display()))?;
    if !quiet
        && let Some(age) = db.status().age
        && age > Duration::from_secs(7 * 86_400)
    {
        eprintln!(
            "customs: warning: the vulnerability DB is {} days old; run `customs db update`",
            age.as_secs() / 86_400
        );
    }
    Ok(db)
}

pub fn run(args: &DbArgs, quiet: bool) -> anyhow::Result<u8> {
    match &args.command {
        DbCommand::Update { loc, ecosystems } => {
            let list = if ecosystems.is_empty() {
                None
            } else {
                Some(ecosystems.as_slice())
            };
            update(loc, list, quiet)?;
            Ok(0)
        }
        DbCommand::Import { loc, path } => {
            let db = db_path(loc);
            ensure_parent(&db)?;
            let r = customs_advisory::import(path, &db)
                .with_context(|| format!("import of {}", path.display()))?;
            for (eco, f) in &r.ecosystems {
                println!(
                    "{eco:<12} records {:>6}  withdrawn {:>4}  invalid {:>3}",
                    f.records, f.withdrawn, f.invalid
                );
            }
            for w in r.warnings.iter().take(20) {
                eprintln!("customs: warning: {w}");
            }
            println!(
                "imported into {} ({:.1} MB, {:.1} s)",
                db.display(),
                r.db_size as f64 / 1e6,
                r.elapsed.as_secs_f64()
            );
            Ok(0)
        }
        DbCommand::Status { loc } => {
            let path = db_path(loc);
            let db = Db::open(&path).with_context(|| {
                format!(
                    "no usable DB at {} (run `customs db update`)",
                    path.display()
                )
            })?;
            let s = db.status();
            println!("DB:       {}", s.path.display());
            println!("Schema:   {}", s.schema_version);
            println!("Source:   {}", s.source);
            if let Some(t) = s.built_at {
                println!("Built:    {t}");
            }
            if let Some(t) = s.checked_at {
                println!("Checked:  {t}");
            }
            println!(
                "Records:  {} ({} affected entries)",
                s.total_records, s.total_affected
            );
            for e in &s.ecosystems {
                println!(
                    "  {:<12} {:>6} records  last modified {}",
                    e.ecosystem,
                    e.records,
                    e.last_modified.map_or("-".to_string(), |t| t.to_string())
                );
            }
            if let Some(age) = s.age {
                let days = age.as_secs() / 86_400;
                println!("Age:      {days} days");
                if days > 7 {
                    eprintln!(
                        "customs: warning: the DB is older than 7 days; run `customs db update`"
                    );
                }
            }
            Ok(0)
        }
    }
}
