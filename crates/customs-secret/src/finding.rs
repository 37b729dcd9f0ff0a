//! Findings, severities, redaction, fingerprints and entropy.
//!
//! A [`SecretFinding`] never holds the secret itself: only a redacted form
//! (a few leading characters, the rest masked) and a SHA-256 fingerprint.
//! Its `Debug`, `Serialize` and every other output are therefore safe to log.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::SecretError;

/// Severity of a rule, ordered `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Weak signal or low-impact credential (test keys, public-ish tokens).
    Low,
    /// Generic detections that need a human look.
    Medium,
    /// A credential of a known format.
    High,
    /// A credential that gives broad access (cloud keys, private keys, admin tokens).
    Critical,
}

impl Severity {
    /// Upper-case name as used in reports and configs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = SecretError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "CRITICAL" => Ok(Severity::Critical),
            "HIGH" => Ok(Severity::High),
            "MEDIUM" | "MODERATE" => Ok(Severity::Medium),
            "LOW" | "INFO" => Ok(Severity::Low),
            _ => Err(SecretError::UnknownSeverity(s.to_owned())),
        }
    }
}

/// One detected secret.
///
/// Holds only the redacted form and the fingerprint of the secret, so it can
/// be printed, logged or serialized freely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFinding {
    /// Id of the rule that matched, e.g. `github-pat`.
    pub rule_id: String,
    /// Human title of the rule.
    pub title: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// File path as given to the scanner, or the context label given to
    /// [`crate::Scanner::scan_kv`] (for example `config.Env`).
    pub path: String,
    /// 1-based line of the start of the secret. For notebooks: line within the
    /// cell's source or within the output text (see `cell`, `cell_output`).
    pub line: usize,
    /// 1-based line of the end of the secret (differs from `line` for
    /// multi-line secrets such as PEM keys or a paired AWS key id + secret).
    pub end_line: usize,
    /// 1-based byte column of the start of the secret within its line.
    pub column: Option<usize>,
    /// Notebooks only: 1-based position of the cell among all cells of the
    /// notebook (markdown cells included), top to bottom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<usize>,
    /// Notebooks only: `None` when the secret is in the cell's source,
    /// `Some(n)` (1-based) when it is in the n-th output of the cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_output: Option<usize>,
    /// For [`crate::Scanner::scan_kv`]: the key (environment variable name,
    /// label key, or the `NAME` of a `NAME=value` found inside a history line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The secret with all but a few leading characters masked by `*`.
    pub redacted: String,
    /// Lower-case hex SHA-256 of the secret's bytes.
    pub fingerprint: String,
}

/// Most characters kept in clear at the start of a redacted secret.
pub const REDACT_KEEP_MAX: usize = 4;
/// Most `*` characters in a redacted secret (hides the length of long secrets).
pub const REDACT_MASK_MAX: usize = 16;

/// Redacts a secret: keeps at most [`REDACT_KEEP_MAX`] leading characters and
/// never more than 25% of the secret's characters, then masks the rest with
/// `*` (at most [`REDACT_MASK_MAX`] of them). Control characters in the kept
/// prefix are masked too.
#[must_use]
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = REDACT_KEEP_MAX.min(n / 4);
    let mut out = String::with_capacity(keep + REDACT_MASK_MAX);
    for c in secret.chars().take(keep) {
        out.push(if c.is_control() || c.is_whitespace() {
            '*'
        } else {
            c
        });
    }
    let mask = (n - keep).min(REDACT_MASK_MAX);
    out.extend(std::iter::repeat_n('*', mask));
    out
}

/// Redacts raw bytes (lossy UTF-8 first).
#[must_use]
pub fn redact_bytes(secret: &[u8]) -> String {
    redact(&String::from_utf8_lossy(secret))
}

/// Lower-case hex SHA-256 of the secret.
#[must_use]
pub fn fingerprint(secret: &[u8]) -> String {
    hex::encode(Sha256::digest(secret))
}

/// Shannon entropy in bits per byte.
#[must_use]
pub fn shannon_entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[usize::from(b)] += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let len = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_at_most_four_and_quarter() {
        assert_eq!(
            redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_****************"
        );
        assert_eq!(redact("abcdefgh"), "ab******");
        assert_eq!(redact("abc"), "***");
        assert_eq!(redact(""), "");
        assert_eq!(redact("a\nbcdefgh"), "a********");
        for s in ["x", "xy", "0123456789", "0123456789abcdef0123"] {
            let r = redact(s);
            let clear = r.chars().filter(|&c| c != '*').count();
            assert!(clear * 4 <= s.chars().count(), "{s} -> {r}");
            assert!(clear <= REDACT_KEEP_MAX);
        }
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        assert_eq!(
            fingerprint(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn entropy_values() {
        assert!(shannon_entropy(b"aaaaaaaa") < 0.01);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"FAKE-db-Passw0rd-for-scanner-tests") > 3.5);
    }

    #[test]
    fn severity_parse_and_order() {
        assert_eq!("high".parse::<Severity>().unwrap(), Severity::High);
        assert!("bogus".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::High && Severity::Medium > Severity::Low);
    }
}
