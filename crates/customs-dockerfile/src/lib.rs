//! Dockerfile parsing and misconfiguration checks for Dockerfiles and image
//! configurations.
//!
//! ```
//! use customs_dockerfile::{CheckContext, check, parse};
//!
//! let df = parse("FROM python:3.11-slim\nUSER 10001\nHEALTHCHECK NONE\n").unwrap();
//! let findings = check(&df, &CheckContext::default());
//! assert_eq!(findings.len(), 1); // base image not pinned by digest
//! assert_eq!(findings[0].id, "CUS-DF-003");
//! ```
//!
//! - [`parse`] reads a Dockerfile the way BuildKit does: parser directives,
//!   line continuations (with the `# escape=` character), comments inside
//!   continuations, heredocs, exec and shell forms, flags, ARG/ENV
//!   substitution and stages. Every instruction keeps its 1-based line span
//!   and original text.
//! - [`check`] runs the `CUS-DF-*` checks; [`check_image_config`] the
//!   `CUS-IC-*` checks on an image configuration; [`all_checks`] lists them.
//! - Findings never contain a secret value in full: credentials are cut to
//!   their first four characters followed by `****`.

mod checks;
mod dockerignore;
mod error;
mod expand;
mod finding;
mod model;
mod parser;
mod secrets;
mod shell;

pub use checks::{CheckContext, ImageConfigInput, all_checks, check, check_image_config};
pub use dockerignore::DockerIgnore;
pub use error::ParseError;
pub use finding::{CheckInfo, CheckTarget, Finding, Severity, StageRef};
pub use model::{
    ArgDecl, BaseImage, Body, CommandForm, CopyFrom, CopyInstr, CopySource, Directive, Dockerfile,
    Flag, FromInstr, Heredoc, ImageRef, Instruction, KeyValue, Keyword, ParseWarning, Stage, Value,
};
pub use parser::parse;

/// Whether a file name is a Dockerfile: `Dockerfile`, `Dockerfile.*`,
/// `*.Dockerfile`, `Containerfile`, `Containerfile.*` (case-insensitive;
/// `*.dockerignore` files are not).
pub fn is_dockerfile_name(path: &str) -> bool {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = base.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    ["dockerfile", "containerfile"].iter().any(|stem| {
        lower == *stem
            || lower
                .strip_prefix(stem)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|r| !r.is_empty())
            || lower
                .strip_suffix(stem)
                .and_then(|r| r.strip_suffix('.'))
                .is_some_and(|r| !r.is_empty())
    })
}
