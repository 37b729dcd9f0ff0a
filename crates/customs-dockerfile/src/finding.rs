//! Findings and the description of each check.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Hygiene, size or maintainability.
    Low,
    /// Weakens the image; fix soon.
    Medium,
    /// Exploitable or leaks something valuable.
    High,
    /// A credential in the clear or an unauthenticated remote shell.
    Critical,
}

impl Severity {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckTarget {
    /// A Dockerfile.
    Dockerfile,
    /// An image configuration (user, env, cmd, history).
    ImageConfig,
}

/// The fixed description of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckInfo {
    /// Stable id: `CUS-DF-nnn` for Dockerfiles, `CUS-IC-nnn` for image configs.
    pub id: &'static str,
    /// Severity of every finding of this check.
    pub severity: Severity,
    /// One-line title.
    pub title: &'static str,
    /// Why it matters.
    pub description: &'static str,
    /// How to fix it.
    pub resolution: &'static str,
    /// What it looks at.
    pub target: CheckTarget,
}

/// A stage a finding belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageRef {
    /// 0-based stage index.
    pub index: usize,
    /// Stage name from `FROM ... AS name`.
    pub name: Option<String>,
}

/// One problem found. Secret values never appear in full in any field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Check id (`CUS-DF-001`, ...).
    pub id: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Check title.
    pub title: &'static str,
    /// Why this is a problem.
    pub description: &'static str,
    /// How to fix it.
    pub resolution: &'static str,
    /// What exactly was found here.
    pub message: String,
    /// The file (or image) the caller named.
    pub path: String,
    /// 1-based first line of the offending instruction (none for image configs).
    pub start_line: Option<usize>,
    /// 1-based last line of the offending instruction.
    pub end_line: Option<usize>,
    /// The offending instruction (or config entry / history line), secrets redacted.
    pub instruction: Option<String>,
    /// The build stage, for Dockerfile findings.
    pub stage: Option<StageRef>,
}

impl Finding {
    pub(crate) fn new(info: &'static CheckInfo, path: &str, message: String) -> Self {
        Self {
            id: info.id,
            severity: info.severity,
            title: info.title,
            description: info.description,
            resolution: info.resolution,
            message,
            path: path.to_string(),
            start_line: None,
            end_line: None,
            instruction: None,
            stage: None,
        }
    }
}

impl Finding {
    /// As the shared type reports carry.
    pub fn to_misconfiguration(&self) -> customs_types::Misconfiguration {
        use customs_types::Severity as S;
        let target = if self.id.starts_with("CUS-IC") {
            customs_types::MisconfigTarget::ImageConfig
        } else {
            customs_types::MisconfigTarget::Dockerfile
        };
        customs_types::Misconfiguration {
            id: self.id.to_string(),
            severity: match self.severity {
                Severity::Low => S::Low,
                Severity::Medium => S::Medium,
                Severity::High => S::High,
                Severity::Critical => S::Critical,
            },
            title: self.title.to_string(),
            description: self.description.to_string(),
            resolution: self.resolution.to_string(),
            message: self.message.clone(),
            target,
            path: self.path.clone(),
            start_line: self.start_line,
            end_line: self.end_line,
            instruction: self.instruction.clone(),
            stage: self.stage.as_ref().map(|s| match &s.name {
                Some(n) => format!("{} ({n})", s.index),
                None => s.index.to_string(),
            }),
        }
    }
}
