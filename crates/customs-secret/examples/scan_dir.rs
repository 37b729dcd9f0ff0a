//! Walks directories and prints redacted secret findings.
//!
//! ```text
//! cargo run --release -p customs-secret --example scan_dir -- [--config FILE] [--threads N] [--summary] [--no-skip] DIR...
//! ```
//!
//! `--summary` prints only counts per rule; `--slowest N` lists the N files
//! that took longest; `--no-skip` scans paths that the
//! built-in allow-lists would skip (to measure raw throughput). At the end it
//! prints files, bytes and MB/s (scan time only, excluding reading, summed
//! over threads; and wall clock).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use customs_secret::{Scanner, SecretConfig, SecretFinding};

/// Process CPU time (user + system) from `/proc/self/stat`, in seconds
/// (Linux; clock ticks assumed 100 Hz). Wall time is misleading on a shared
/// machine, CPU time is not.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dirs = Vec::new();
    let mut config = SecretConfig::default();
    let mut threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut summary = false;
    let mut slowest = 0usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => {
                let Some(p) = args.next() else {
                    eprintln!("--config needs a file");
                    return std::process::ExitCode::from(2);
                };
                match SecretConfig::from_file(&PathBuf::from(p)) {
                    Ok(c) => config = c,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return std::process::ExitCode::from(2);
                    }
                }
            }
            "--threads" => threads = args.next().and_then(|t| t.parse().ok()).unwrap_or(1).max(1),
            "--summary" => summary = true,
            "--slowest" => slowest = args.next().and_then(|t| t.parse().ok()).unwrap_or(10),
            "--no-skip" => config.use_default_allowlist = false,
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    if dirs.is_empty() {
        eprintln!(
            "usage: scan_dir [--config FILE] [--threads N] [--summary] [--slowest N] [--no-skip] DIR..."
        );
        return std::process::ExitCode::from(2);
    }
    let t0 = Instant::now();
    let scanner = match Scanner::new(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    eprintln!(
        "compiled {} rules in {:?}",
        scanner.rule_count(),
        t0.elapsed()
    );

    let mut files = Vec::new();
    for d in &dirs {
        for entry in walkdir::WalkDir::new(d)
            .follow_links(false)
            .into_iter()
            .filter_map(Result::ok)
        {
            if entry.file_type().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    let next = AtomicUsize::new(0);
    let scanned_files = AtomicUsize::new(0);
    let scanned_bytes = AtomicUsize::new(0);
    let scan_time = Mutex::new(Duration::ZERO);
    let results: Mutex<Vec<SecretFinding>> = Mutex::new(Vec::new());
    let timings: Mutex<Vec<(Duration, usize, String)>> = Mutex::new(Vec::new());
    let wall = Instant::now();
    let cpu0 = cpu_seconds();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut local = Vec::new();
                let mut spent = Duration::ZERO;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let p = path.to_string_lossy();
                    let size = std::fs::metadata(path).map_or(0, |m| m.len());
                    if !scanner.wants(&p, size) {
                        continue;
                    }
                    let Ok(content) = std::fs::read(path) else {
                        continue;
                    };
                    let t = Instant::now();
                    local.extend(scanner.scan_bytes(&p, &content));
                    let dt = t.elapsed();
                    spent += dt;
                    if slowest > 0 {
                        timings
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push((dt, content.len(), p.into_owned()));
                    }
                    scanned_files.fetch_add(1, Ordering::Relaxed);
                    scanned_bytes.fetch_add(content.len(), Ordering::Relaxed);
                }
                *scan_time
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) += spent;
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend(local);
            });
        }
    });
    let wall = wall.elapsed();
    let cpu = cpu0.zip(cpu_seconds()).map(|(a, b)| b - a);
    let mut findings = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    findings.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    if summary {
        let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &findings {
            *by_rule.entry(f.rule_id.as_str()).or_default() += 1;
        }
        for (r, n) in by_rule {
            println!("{n:6} {r}");
        }
    } else {
        for f in &findings {
            let cell = f
                .cell
                .map(|c| {
                    format!(
                        " cell {c}{}",
                        f.cell_output
                            .map(|o| format!(" output {o}"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            println!(
                "{}:{}{} [{}] {} {} sha256:{}",
                f.path,
                f.line,
                cell,
                f.severity,
                f.rule_id,
                f.redacted,
                &f.fingerprint[..12]
            );
        }
    }
    if slowest > 0 {
        let mut t = timings
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        t.sort_by_key(|x| std::cmp::Reverse(x.0));
        for (dt, len, p) in t.iter().take(slowest) {
            eprintln!("{:8.1} ms {:10} B  {p}", dt.as_secs_f64() * 1e3, len);
        }
    }
    let bytes = scanned_bytes.load(Ordering::Relaxed);
    let st = scan_time
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    if let Some(c) = cpu {
        eprintln!(
            "process CPU {c:.2}s (reading included): {:.0} MB per CPU-second",
            mb / c.max(1e-9)
        );
    }
    eprintln!(
        "{} findings; {} of {} files scanned, {:.1} MB; scan time {:.2}s ({:.0} MB/s per thread-second); wall {:.2}s ({:.0} MB/s, {} threads)",
        findings.len(),
        scanned_files.load(Ordering::Relaxed),
        files.len(),
        mb,
        st.as_secs_f64(),
        mb / st.as_secs_f64().max(1e-9),
        wall.as_secs_f64(),
        mb / wall.as_secs_f64().max(1e-9),
        threads
    );
    std::process::ExitCode::SUCCESS
}
