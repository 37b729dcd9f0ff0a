//! Scanner configuration and `--secret-config` loading.
//!
//! One TOML reader accepts both the customs format and gitleaks' format
//! (field names in either spelling: `description`/`title`,
//! `secretGroup`/`secret_group`, `useDefault`/`use_default`,
//! `disabledRules`/`disabled_rules`, `regexTarget`/`regex_target`, ...):
//!
//! ```toml
//! title = "my rules"                 # ignored
//! [extend]
//! useDefault = true                  # keep built-in rules (default: true, see below)
//! disabledRules = ["generic-token"]  # built-in or earlier rule ids to drop
//! path = "base.toml"                 # gitleaks: extend another file (relative to this one)
//!
//! [[rules]]
//! id = "acme-token"
//! description = "ACME internal token"   # or: title
//! severity = "HIGH"                  # customs only; default HIGH
//! regex = '''acme_[a-z0-9]{32}'''
//! secretGroup = 1                    # default: first group that matched, else whole match
//! entropy = 3.5
//! keywords = ["acme_"]               # none: the rule runs on every file (or only on `path`)
//! path = '''(?:^|/)acme\.conf$'''    # optional path regex; with no regex, the file itself is the finding
//! [[rules.allowlists]]               # or [rules.allowlist]
//! condition = "OR"                   # or AND
//! regexTarget = "secret"             # secret | match | line
//! regexes = ['''EXAMPLE''']
//! paths = ['''/fixtures/''']         # path regexes
//! path_globs = ["**/testdata/**"]    # customs: path globs
//! stopwords = ["dummy"]
//!
//! [allowlist]                        # global; or [[allowlists]] (with optional targetRules)
//! paths = ['''^/opt/vendor/''']
//! path_globs = ["/srv/static/**"]
//! regexes = ['''^sk_test_''']
//! ```
//!
//! Differences from gitleaks, on purpose: a config without `[extend]` keeps
//! the built-in rules (a scanner that silently loses its defaults because a
//! user added one rule would be worse); write `useDefault = false` to replace
//! them. Top-level `disabled_rules = [...]` and `default_allowlist = false`
//! (drop the built-in path/placeholder allow-lists) are customs extensions.
//! `[extend] url` is not supported (gitleaks does not implement it either).
//! Regexes are Go RE2 syntax in gitleaks; they are compiled with
//! regex-automata, ASCII-only like RE2 (`\w`, `\b`, `\s` ASCII), falling back
//! to Unicode mode for patterns that need it (`\pL`). A pattern that does not
//! compile makes [`crate::Scanner::new`] fail with the rule's id.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::SecretError;
use crate::finding::Severity;

/// Default for [`SecretConfig::max_file_size`]: 32 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 << 20;
/// Default for [`SecretConfig::max_findings_per_file`].
pub const DEFAULT_MAX_FINDINGS_PER_FILE: usize = 1000;

/// Everything a [`crate::Scanner`] needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretConfig {
    /// Include the built-in rules.
    pub use_builtin_rules: bool,
    /// Rule ids (built-in or custom) that are not run.
    pub disabled_rules: Vec<String>,
    /// Custom rules; a custom rule with a built-in's id replaces it.
    pub rules: Vec<RuleSpec>,
    /// Global allow-lists.
    pub allowlists: Vec<AllowlistSpec>,
    /// Apply the built-in allow-lists (documentation/test-fixture paths of
    /// third-party packages, placeholder values). See [`crate::allow`].
    pub use_default_allowlist: bool,
    /// Files larger than this are not scanned (0: no limit).
    pub max_file_size: u64,
    /// At most this many findings are reported per file.
    pub max_findings_per_file: usize,
    /// Scan files that look binary (NUL byte in the first 8 KiB).
    pub scan_binary: bool,
}

impl Default for SecretConfig {
    fn default() -> Self {
        Self {
            use_builtin_rules: true,
            disabled_rules: Vec::new(),
            rules: Vec::new(),
            allowlists: Vec::new(),
            use_default_allowlist: true,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_findings_per_file: DEFAULT_MAX_FINDINGS_PER_FILE,
            scan_binary: false,
        }
    }
}

/// A user rule (customs or gitleaks TOML).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    /// Rule id.
    pub id: String,
    /// Title (gitleaks `description`).
    pub title: String,
    /// Severity (gitleaks has none: HIGH).
    pub severity: Severity,
    /// Prefilter keywords (matched ASCII case-insensitively).
    pub keywords: Vec<String>,
    /// Regex; `None` for a path-only rule (the file itself is the finding).
    pub regex: Option<String>,
    /// Capture group holding the secret (0 = whole match); `None`: first
    /// group that took part in the match, else the whole match.
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy of the secret.
    pub entropy: Option<f64>,
    /// Path regex restricting the rule.
    pub path: Option<String>,
    /// Rule allow-lists.
    pub allowlists: Vec<AllowlistSpec>,
}

/// How the parts of an allow-list combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AllowCondition {
    /// Any part that is set allows the finding.
    #[default]
    Or,
    /// Every part that is set must match.
    And,
}

/// What allow-list regexes are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegexTarget {
    /// The secret.
    #[default]
    Secret,
    /// The whole regex match.
    Match,
    /// The line(s) holding the match.
    Line,
}

/// An allow-list (global or per rule).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AllowlistSpec {
    /// Free text.
    pub description: Option<String>,
    /// How parts combine.
    pub condition: AllowCondition,
    /// Target of `regexes`.
    pub regex_target: RegexTarget,
    /// Regexes on the target.
    pub regexes: Vec<String>,
    /// Path regexes.
    pub paths: Vec<String>,
    /// Path globs (customs extension).
    pub path_globs: Vec<String>,
    /// Case-insensitive substrings of the secret.
    pub stopwords: Vec<String>,
    /// Global allow-lists only: restrict to these rule ids (gitleaks `targetRules`).
    pub target_rules: Vec<String>,
}

impl SecretConfig {
    /// Loads a customs or gitleaks TOML file (`--secret-config FILE`).
    ///
    /// # Errors
    /// Unreadable file, invalid TOML, invalid rule, `[extend]` problems.
    pub fn from_file(path: &Path) -> Result<Self, SecretError> {
        load_file(path, 0)
    }

    /// Parses TOML text; `origin` names it in errors. `[extend] path` is
    /// resolved relative to the current directory.
    ///
    /// # Errors
    /// Invalid TOML or an invalid rule.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self, SecretError> {
        from_toml(text, origin, None, 0)
    }
}

const MAX_EXTEND_DEPTH: usize = 3;

fn load_file(path: &Path, depth: usize) -> Result<SecretConfig, SecretError> {
    let text = std::fs::read_to_string(path).map_err(|source| SecretError::ReadConfig {
        path: path.to_path_buf(),
        source,
    })?;
    from_toml(&text, &path.display().to_string(), path.parent(), depth)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    extend: Option<RawExtend>,
    rules: Vec<RawRule>,
    allowlist: Option<RawAllowlist>,
    allowlists: Vec<RawAllowlist>,
    #[serde(alias = "disabledRules", alias = "disable")]
    disabled_rules: Vec<String>,
    #[serde(
        alias = "defaultAllowlist",
        alias = "use_default_allowlist",
        alias = "useDefaultAllowlist"
    )]
    default_allowlist: Option<bool>,
    #[serde(alias = "maxFileSize")]
    max_file_size: Option<u64>,
    #[serde(alias = "maxFindingsPerFile")]
    max_findings_per_file: Option<usize>,
    #[serde(alias = "scanBinary")]
    scan_binary: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct RawExtend {
    #[serde(alias = "useDefault")]
    use_default: Option<bool>,
    path: Option<String>,
    url: Option<String>,
    #[serde(alias = "disabledRules", alias = "disable")]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    #[allow(clippy::cast_precision_loss)]
    fn as_f64(&self) -> f64 {
        match *self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct RawRule {
    id: String,
    #[serde(alias = "description")]
    title: Option<String>,
    severity: Option<String>,
    regex: Option<String>,
    #[serde(alias = "secretGroup")]
    secret_group: Option<i64>,
    entropy: Option<Num>,
    keywords: Vec<String>,
    path: Option<String>,
    allowlist: Option<RawAllowlist>,
    allowlists: Vec<RawAllowlist>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct RawAllowlist {
    description: Option<String>,
    condition: Option<String>,
    #[serde(alias = "regexTarget")]
    regex_target: Option<String>,
    regexes: Vec<String>,
    paths: Vec<String>,
    #[serde(alias = "pathGlobs", alias = "globs")]
    path_globs: Vec<String>,
    stopwords: Vec<String>,
    #[serde(alias = "targetRules")]
    target_rules: Vec<String>,
}

fn convert_allowlist(
    raw: RawAllowlist,
    origin: &str,
    rule_id: &str,
) -> Result<AllowlistSpec, SecretError> {
    let condition = match raw
        .condition
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("OR" | "") => AllowCondition::Or,
        Some("AND" | "&&") => AllowCondition::And,
        Some(other) => {
            return Err(SecretError::InvalidRule {
                rule_id: rule_id.to_owned(),
                origin: origin.to_owned(),
                message: format!("allowlist condition {other:?} is not OR or AND"),
            });
        }
    };
    let regex_target = match raw
        .regex_target
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("secret" | "") => RegexTarget::Secret,
        Some("match") => RegexTarget::Match,
        Some("line") => RegexTarget::Line,
        Some(other) => {
            return Err(SecretError::InvalidRule {
                rule_id: rule_id.to_owned(),
                origin: origin.to_owned(),
                message: format!("allowlist regexTarget {other:?} is not secret, match or line"),
            });
        }
    };
    Ok(AllowlistSpec {
        description: raw.description,
        condition,
        regex_target,
        regexes: raw.regexes,
        paths: raw.paths,
        path_globs: raw.path_globs,
        stopwords: raw.stopwords,
        target_rules: raw.target_rules,
    })
}

fn from_toml(
    text: &str,
    origin: &str,
    base_dir: Option<&Path>,
    depth: usize,
) -> Result<SecretConfig, SecretError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| SecretError::ParseConfig {
        origin: origin.to_owned(),
        message: e.to_string(),
    })?;

    let mut cfg = SecretConfig::default();
    let mut extend_disabled = Vec::new();
    if let Some(ext) = raw.extend {
        if ext.url.is_some() {
            return Err(SecretError::Extend {
                origin: origin.to_owned(),
                message: "[extend] url is not supported".to_owned(),
            });
        }
        if let Some(p) = ext.path {
            if depth >= MAX_EXTEND_DEPTH {
                return Err(SecretError::Extend {
                    origin: origin.to_owned(),
                    message: format!("[extend] path nested deeper than {MAX_EXTEND_DEPTH} files"),
                });
            }
            let mut full = PathBuf::from(&p);
            if full.is_relative()
                && let Some(dir) = base_dir
            {
                full = dir.join(full);
            }
            cfg = load_file(&full, depth + 1)?;
        }
        if let Some(u) = ext.use_default {
            cfg.use_builtin_rules = u;
        }
        extend_disabled = ext.disabled_rules;
    }
    cfg.disabled_rules.extend(extend_disabled);
    cfg.disabled_rules.extend(raw.disabled_rules);
    if let Some(b) = raw.default_allowlist {
        cfg.use_default_allowlist = b;
    }
    if let Some(m) = raw.max_file_size {
        cfg.max_file_size = m;
    }
    if let Some(m) = raw.max_findings_per_file {
        cfg.max_findings_per_file = m;
    }
    if let Some(b) = raw.scan_binary {
        cfg.scan_binary = b;
    }

    for r in raw.rules {
        let spec = convert_rule(r, origin)?;
        cfg.rules.retain(|old| old.id != spec.id);
        cfg.rules.push(spec);
    }
    for a in raw.allowlist.into_iter().chain(raw.allowlists) {
        cfg.allowlists.push(convert_allowlist(a, origin, "")?);
    }
    Ok(cfg)
}

fn convert_rule(r: RawRule, origin: &str) -> Result<RuleSpec, SecretError> {
    let invalid = |id: &str, message: String| SecretError::InvalidRule {
        rule_id: id.to_owned(),
        origin: origin.to_owned(),
        message,
    };
    let id = r.id.trim().to_owned();
    if id.is_empty() {
        return Err(invalid("", "rule without an id".to_owned()));
    }
    if r.regex.as_deref().is_none_or(str::is_empty) && r.path.as_deref().is_none_or(str::is_empty) {
        return Err(invalid(&id, "rule needs a regex or a path".to_owned()));
    }
    let severity = match r.severity.as_deref() {
        None => Severity::High,
        Some(s) => s
            .parse::<Severity>()
            .map_err(|_| invalid(&id, format!("unknown severity {s:?}")))?,
    };
    let secret_group = match r.secret_group {
        None => None,
        Some(g) => Some(
            usize::try_from(g).map_err(|_| invalid(&id, format!("secretGroup {g} is negative")))?,
        ),
    };
    let entropy = r.entropy.map(|n| n.as_f64());
    if let Some(e) = entropy
        && !(0.0..=8.0).contains(&e)
    {
        return Err(invalid(&id, format!("entropy {e} outside 0..=8")));
    }
    let mut allowlists = Vec::new();
    for a in r.allowlist.into_iter().chain(r.allowlists) {
        allowlists.push(convert_allowlist(a, origin, &id)?);
    }
    Ok(RuleSpec {
        title: r
            .title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| id.clone()),
        id,
        severity,
        keywords: r
            .keywords
            .into_iter()
            .map(|k| k.to_ascii_lowercase())
            .filter(|k| !k.is_empty())
            .collect(),
        regex: r.regex.filter(|s| !s.is_empty()),
        secret_group,
        entropy,
        path: r.path.filter(|s| !s.is_empty()),
        allowlists,
    })
}
