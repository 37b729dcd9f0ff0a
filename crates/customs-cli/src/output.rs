//! Where reports go, and small formatting helpers shared by commands.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::Context;

/// stdout, or a file when `-o` is given.
pub fn writer(output: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

/// `1.2 MB` style sizes (SI units, like docker).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Env entries whose name says they hold a secret get their value masked:
/// the first characters (never more than a quarter, at most 4) stay.
pub fn mask_env(entry: &str) -> String {
    let Some((k, v)) = entry.split_once('=') else {
        return entry.to_string();
    };
    if v.is_empty() || !secret_name(k) {
        return entry.to_string();
    }
    format!("{k}={}", mask_value(v))
}

/// A command line (a history `created_by`) with the values of
/// secret-looking `NAME=value` words masked (`ENV DB_PASSWORD=...`,
/// `|1 HF_TOKEN=... /bin/sh -c ...`).
pub fn mask_assignments(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match word.split_once('=') {
            Some((k, v)) if !v.is_empty() && secret_name(k.trim_start_matches("--")) => {
                out.push_str(k);
                out.push('=');
                out.push_str(&mask_value(v));
            }
            _ => out.push_str(word),
        }
    }
    out
}

/// The image summary as reports show it: secret-looking Env values,
/// labels and history assignments masked, so that no report holds a
/// secret in full.
pub fn mask_summary(s: &mut customs_types::ImageSummary) {
    let c = &mut s.config;
    for e in &mut c.env {
        *e = mask_env(e);
    }
    for (k, v) in &mut c.labels {
        if secret_name(k) && !v.is_empty() {
            *v = mask_value(v);
        }
    }
    for h in &mut c.history {
        if let Some(cb) = &mut h.created_by {
            *cb = mask_assignments(cb);
        }
    }
    for l in &mut s.layers {
        if let Some(cb) = &mut l.created_by {
            *cb = mask_assignments(cb);
        }
    }
}

fn secret_name(k: &str) -> bool {
    let k = k.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "AUTH",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// Keeps at most 4 leading characters, never more than a quarter.
pub fn mask_value(v: &str) -> String {
    let n = v.chars().count();
    let keep = (n / 4).min(4);
    let head: String = v.chars().take(keep).collect();
    format!("{head}{}", "*".repeat((n - keep).clamp(4, 16)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_env_values() {
        let m = mask_env("DB_PASSWORD=FAKE-db-Passw0rd-for-scanner-tests");
        assert!(m.starts_with("DB_PASSWORD=FAKE*"), "{m}");
        assert!(!m.contains("Passw0rd"));
        assert_eq!(mask_env("PATH=/usr/bin"), "PATH=/usr/bin");
        assert_eq!(mask_env("TOKEN="), "TOKEN=");
        assert_eq!(mask_value("abc"), "****");
    }

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }
}
