//! Errors of the secret scanner.
//!
//! No error message ever carries a scanned value: errors only come from
//! configuration (rule ids, regex patterns written by the user, file paths)
//! and never from scanned content.

use std::path::PathBuf;

/// Everything that can go wrong while building a [`crate::Scanner`] or loading a
/// `--secret-config` file. Scanning itself never fails: unreadable or
/// malformed content simply yields no findings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The config file could not be read.
    #[error("cannot read secret config {path}: {source}")]
    ReadConfig {
        /// File that was read.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has fields of the wrong type.
    #[error("invalid secret config {origin}: {message}")]
    ParseConfig {
        /// File name (or other origin label) of the config text.
        origin: String,
        /// Parser message (line/column and what was expected).
        message: String,
    },
    /// A rule's regex (or path regex) does not compile.
    #[error("rule {rule_id:?}: {what} does not compile: {message}")]
    RuleRegex {
        /// Id of the rule holding the regex.
        rule_id: String,
        /// Which regex of the rule (`regex`, `path`, `allowlist regex`, ...).
        what: &'static str,
        /// Compiler message.
        message: String,
    },
    /// A global allow-list regex or glob does not compile.
    #[error("allowlist {what} {pattern:?} does not compile: {message}")]
    AllowlistPattern {
        /// `path regex`, `path glob`, `regex`.
        what: &'static str,
        /// The user's pattern.
        pattern: String,
        /// Compiler message.
        message: String,
    },
    /// A rule is invalid for another reason (no id, no regex and no path, ...).
    #[error("rule {rule_id:?} in {origin}: {message}")]
    InvalidRule {
        /// Rule id (may be empty when the id itself is missing).
        rule_id: String,
        /// File name of the config.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// Severity string not one of CRITICAL, HIGH, MEDIUM, LOW.
    #[error("unknown severity {0:?} (expected CRITICAL, HIGH, MEDIUM or LOW)")]
    UnknownSeverity(String),
    /// `[extend] path` chains too deep or looping.
    #[error("secret config {origin}: {message}")]
    Extend {
        /// File name of the config.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The keyword prefilter could not be built.
    #[error("keyword prefilter: {0}")]
    Prefilter(String),
}
