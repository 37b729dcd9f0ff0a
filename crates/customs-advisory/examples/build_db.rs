//! Builds an advisory database from local OSV data and measures lookups.
//!
//! ```text
//! cargo run --release -p customs-advisory --example build_db -- <osv-dir|all.zip|record.json> <out.db> [lookups] [packages.txt]
//! ```
//!
//! `packages.txt` (optional): one `<ecosystem> <name>` per line, a workload
//! such as an image's package list; it is looked up twice (cold, then warm)
//! and the totals are printed.
//!
//! Prints the build time, per-feed counts, the database size, the open time,
//! and latency figures for `lookups` (default 400) `affected_for` calls: names
//! sampled evenly from the database (hits) plus 10% names that do not exist
//! (misses).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use customs_advisory::{Db, import};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!(
            "usage: build_db <osv-dir|all.zip|record.json> <out.db> [lookups] [packages.txt]"
        );
        return ExitCode::from(2);
    }
    let src = PathBuf::from(&args[0]);
    let out = PathBuf::from(&args[1]);
    let lookups: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(400);
    let packages = args.get(3).map(PathBuf::from);
    match run(&src, &out, lookups, packages.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    src: &Path,
    out: &Path,
    lookups: usize,
    packages: Option<&Path>,
) -> Result<(), Box<dyn std::error::Error>> {
    let report = import(src, out)?;
    println!(
        "built {} in {:.3} s, {} bytes ({:.1} MiB)",
        out.display(),
        report.elapsed.as_secs_f64(),
        report.db_size,
        report.db_size as f64 / (1024.0 * 1024.0)
    );
    for (feed, r) in &report.ecosystems {
        println!(
            "  {feed:<12} records {:>6}  read {:>6}  withdrawn {:>4}  invalid {:>3}",
            r.records, r.fetched, r.withdrawn, r.invalid
        );
    }
    println!("  warnings: {}", report.warnings.len());
    for w in report.warnings.iter().take(10) {
        println!("    {w}");
    }

    let t = Instant::now();
    let db = Db::open(out)?;
    let open = t.elapsed();
    let status = db.status();
    println!(
        "open: {:.3} ms; {} records, {} affected rows",
        open.as_secs_f64() * 1e3,
        status.total_records,
        status.total_affected
    );

    // Sample (ecosystem, name) pairs evenly over the index.
    let conn =
        rusqlite::Connection::open_with_flags(out, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn
        .prepare("SELECT DISTINCT ecosystem_base, name_normalised FROM affected ORDER BY 1, 2")?;
    let all: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let hits = lookups - lookups / 10;
    let step = (all.len() / hits.max(1)).max(1);
    let mut queries: Vec<(String, String)> = all.iter().step_by(step).take(hits).cloned().collect();
    for i in 0..lookups / 10 {
        queries.push(("PyPI".into(), format!("no-such-package-{i}")));
    }

    let mut times: Vec<Duration> = Vec::with_capacity(queries.len());
    let mut candidates = 0usize;
    let total = Instant::now();
    for (eco, name) in &queries {
        let t = Instant::now();
        candidates += db.affected_for(eco, name)?.len();
        times.push(t.elapsed());
    }
    let total = total.elapsed();
    times.sort();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{} lookups ({} distinct packages in index), {} candidates: total {:.2} ms; per lookup mean {:.1} us, p50 {:.1} us, p90 {:.1} us, p99 {:.1} us, max {:.1} us",
        queries.len(),
        all.len(),
        candidates,
        total.as_secs_f64() * 1e3,
        us(total) / queries.len() as f64,
        us(pct(0.5)),
        us(pct(0.9)),
        us(pct(0.99)),
        us(*times.last().unwrap_or(&Duration::ZERO)),
    );

    // The heaviest package (most affected rows), decoded in full.
    let (eco, name, n): (String, String, i64) = conn.query_row(
        "SELECT ecosystem_base, name_normalised, count(*) c FROM affected GROUP BY 1, 2 ORDER BY c DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let t = Instant::now();
    let got = db.affected_for(&eco, &name)?.len();
    println!(
        "heaviest package {eco}/{name}: {n} rows, {got} candidates in {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    if let Some(list) = packages {
        let text = std::fs::read_to_string(list)?;
        let pkgs: Vec<(&str, &str)> = text
            .lines()
            .filter_map(|l| l.trim().split_once(char::is_whitespace))
            .map(|(e, n)| (e, n.trim()))
            .collect();
        let t = Instant::now();
        let db = Db::open(out)?;
        let open = t.elapsed();
        for round in ["first pass, new handle", "second pass, same handle"] {
            let t = Instant::now();
            let mut found = 0usize;
            let mut hit_pkgs = 0usize;
            for (eco, name) in &pkgs {
                let n = db.affected_for(eco, name)?.len();
                found += n;
                hit_pkgs += usize::from(n > 0);
            }
            println!(
                "workload {} ({round}): {} packages, {hit_pkgs} with candidates, {found} candidates in {:.2} ms (open {:.2} ms)",
                list.display(),
                pkgs.len(),
                t.elapsed().as_secs_f64() * 1e3,
                open.as_secs_f64() * 1e3
            );
        }
    }
    Ok(())
}
