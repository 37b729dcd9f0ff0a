//! # customs-secret — the secret scanner engine of customs
//!
//! ```
//! use customs_secret::{Scanner, SecretConfig};
//!
//! let scanner = Scanner::new(SecretConfig::default()).unwrap();   // compile once, share
//! let token = concat!("ghp_", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6");
//! let findings = scanner.scan_bytes("/app/run.sh", format!("export GH={token}\n").as_bytes());
//! assert_eq!(findings[0].rule_id, "github-pat");
//! assert_eq!(findings[0].redacted, "ghp_****************");
//! assert!(!format!("{findings:?}").contains(token));
//! ```
//!
//! ## How a file is scanned
//! 1. Size limit, path allow-lists ([`allow::DEFAULT_ALLOW_PATHS`] plus the
//!    user's), and the binary check ([`is_binary`]) may skip the file.
//! 2. One Aho-Corasick pass over the content finds every rule keyword
//!    (ASCII case-insensitive). Only rules with a keyword hit — plus rules
//!    gated on the file's path (`.netrc`, `.env`, `kaggle.json`, ...) and
//!    user rules without keywords — run their regex (`regex-automata`
//!    `meta::Regex`, compiled once in [`Scanner::new`]).
//! 3. Each match's secret is checked: entropy threshold, format validator,
//!    placeholder/example allow-list, rule and global allow-lists.
//! 4. Overlapping findings keep the most specific rule; an AWS access key id
//!    and a secret access key within 5 lines become one
//!    `aws-access-key-pair` finding.
//!
//! [`SecretFinding`] holds only the redacted secret and its SHA-256
//! fingerprint; the secret itself never leaves the scan.
//!
//! ## Allow-list policy
//! See [`allow`]: placeholders and documented example values are never
//! findings; documentation trees and the test/fixture directories of
//! third-party packages (`site-packages/*/tests/`, `node_modules/*/test/`,
//! Go `testdata/`) are not scanned. Words like "fake" or "test" inside a
//! value never suppress it.

pub mod allow;
pub mod config;
mod error;
mod finding;
pub mod keyname;
mod keyword;
mod notebook;
pub mod rules;
mod scanner;
mod validate;

pub use config::{AllowCondition, AllowlistSpec, RegexTarget, RuleSpec, SecretConfig};
pub use error::SecretError;
pub use finding::{
    REDACT_KEEP_MAX, REDACT_MASK_MAX, SecretFinding, Severity, fingerprint, redact, shannon_entropy,
};
pub use rules::{BUILTIN_RULES, BuiltinRule, RuleKind, Validator};
pub use scanner::{RuleInfo, Scanner};

/// Bytes looked at by [`is_binary`].
pub const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// True when the first 8 KiB contain a NUL byte.
#[must_use]
pub fn is_binary(content: &[u8]) -> bool {
    content[..content.len().min(BINARY_SNIFF_LEN)].contains(&0)
}

impl Scanner {
    /// Scans a Jupyter notebook (nbformat 4, or 3's `worksheets`) cell by cell.
    ///
    /// * `cell`: 1-based position among *all* cells (markdown and raw cells
    ///   included), top to bottom as the file lists them; not Jupyter's
    ///   `execution_count` (`In [n]`), which markdown cells lack and which
    ///   changes on re-execution.
    /// * `cell_output`: `None` for the cell's source, `Some(n)` for its n-th
    ///   output (1-based).
    /// * `line`/`column`: within that source, or within the output's text:
    ///   stream `text`, then the textual `data` entries (`text/*`,
    ///   `application/json`, `application/javascript`, `*+json`; images and
    ///   other binary payloads are skipped) in key order, then `ename`,
    ///   `evalue` and the `traceback` lines, joined by newlines.
    ///
    /// Content that is not notebook JSON is scanned as plain text. Unlike
    /// [`Scanner::scan_bytes`], this does not apply the size, binary or path
    /// allow-list checks.
    #[must_use]
    pub fn scan_notebook(&self, path: &str, content: &[u8]) -> Vec<SecretFinding> {
        notebook::scan(self, path, content).unwrap_or_else(|| {
            self.scan_chunk(
                path,
                &Scanner::path_forms(path),
                content,
                scanner::ChunkOrigin::default(),
            )
        })
    }
}

#[cfg(test)]
mod tests;
