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

/// CPU time of this thread so far (Linux `/proc/thread-self/schedstat`), to
/// report alongside wall time on a shared, loaded machine.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn run(
    src: &Path,
    out: &Path,
    lookups: usize,
    packages: Option<&Path>,
) -> Result<(), Box<dyn std::error::Error>> {
    let cpu0 = cpu_time();
    let report = import(src, out)?;
    let cpu = cpu_time().zip(cpu0).map(|(b, a)| b - a).unwrap_or_default();
    println!(
        "built {} in {:.3} s wall ({:.3} s CPU), {} bytes ({:.1} MiB)",
        out.display(),
        report.elapsed.as_secs_f64(),
        cpu.as_secs_f64(),
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

    // Several rounds; each query's latency is its best round (the machine
    // is shared, so single samples are noisy).
    const ROUNDS: usize = 5;
    let mut best: Vec<Duration> = vec![Duration::MAX; queries.len()];
    let mut round_totals = Vec::with_capacity(ROUNDS);
    let mut candidates = 0usize;
    for _ in 0..ROUNDS {
        candidates = 0;
        let total = Instant::now();
        for (i, (eco, name)) in queries.iter().enumerate() {
            let t = Instant::now();
            candidates += db.affected_for(eco, name)?.len();
            best[i] = best[i].min(t.elapsed());
        }
        round_totals.push(total.elapsed());
    }
    round_totals.sort();
    let mut times = best;
    times.sort();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{} lookups ({} distinct packages in index), {} candidates: round total min {:.2} ms, median {:.2} ms; per lookup (best of {ROUNDS}) mean {:.1} us, p50 {:.1} us, p90 {:.1} us, p99 {:.1} us, max {:.1} us",
        queries.len(),
        all.len(),
        candidates,
        round_totals[0].as_secs_f64() * 1e3,
        round_totals[ROUNDS / 2].as_secs_f64() * 1e3,
        times.iter().sum::<Duration>().as_secs_f64() * 1e6 / times.len() as f64,
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
        let mut totals = Vec::new();
        let (mut found, mut hit_pkgs) = (0usize, 0usize);
        for _ in 0..ROUNDS {
            let t = Instant::now();
            found = 0;
            hit_pkgs = 0;
            for (eco, name) in &pkgs {
                let n = db.affected_for(eco, name)?.len();
                found += n;
                hit_pkgs += usize::from(n > 0);
            }
            totals.push(t.elapsed());
        }
        let first = totals[0];
        totals.sort();
        println!(
            "workload {}: {} packages, {hit_pkgs} with candidates, {found} candidates; open {:.2} ms, first pass {:.2} ms, best {:.2} ms, median {:.2} ms ({ROUNDS} passes)",
            list.display(),
            pkgs.len(),
            open.as_secs_f64() * 1e3,
            first.as_secs_f64() * 1e3,
            totals[0].as_secs_f64() * 1e3,
            totals[ROUNDS / 2].as_secs_f64() * 1e3,
        );
    }
    Ok(())
}
