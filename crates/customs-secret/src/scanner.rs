//! The scanning engine: one Aho-Corasick keyword pass selects the rules whose
//! regexes run; findings are filtered (entropy, validators, allow-lists),
//! overlapping findings are resolved by priority, and AWS key ids are paired
//! with nearby secret keys.

use std::sync::OnceLock;

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternID, PatternSet, meta};

use crate::allow::{DEFAULT_ALLOW_PATHS, PACKAGE_TREE_PATHS, is_placeholder};
use crate::config::{AllowCondition, AllowlistSpec, RegexTarget, SecretConfig};
use crate::finding::{SecretFinding, Severity, fingerprint, redact, redact_bytes, shannon_entropy};
use crate::keyname::{is_plausible_secret_value, is_secret_key_name, value_span};
use crate::keyword::KeywordIndex;
use crate::rules::{BUILTIN_RULES, RuleKind, Validator};
use crate::{SecretError, is_binary, validate};

/// AWS pairing: an id and a secret key at most this many lines apart are a pair.
const AWS_PAIR_MAX_LINES: usize = 5;
/// Hard cap on raw candidate hits per chunk (bounds the overlap resolution).
const MAX_RAW_HITS: usize = 20_000;
/// Byte ranges (start, end) of content a line-local rule searches.
type Windows = Vec<(usize, usize)>;

/// Keyword windows closer than this are merged into one regex search.
const WINDOW_MERGE_GAP: usize = 1024;
/// A line longer than this (minified JavaScript, one-line JSON indexes of
/// megabytes) is not searched whole by a line-local rule: only
/// [`LONG_LINE_RADIUS`] bytes either side of each of the rule's keywords.
/// Otherwise one keyword anywhere in an 8 MB one-line file makes every rule
/// with that keyword search all 8 MB.
const LONG_LINE: usize = 64 * 1024;
/// Bytes searched either side of a keyword in a [`LONG_LINE`]: more than any
/// line-local secret and its key name (JWTs included) are long.
const LONG_LINE_RADIUS: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exec {
    Regex,
    PathOnly,
    EnvFile,
    Dockerfile,
    ShellHistory,
    ConfigKeyName,
    AwsPair,
}

#[derive(Debug, Clone, Copy)]
enum GroupSel {
    /// Named `secret` group (index), falling back to `Auto` when it did not
    /// take part in the match.
    Named(usize),
    Index(usize),
    Auto,
}

/// A rule's content regex and the group holding the secret.
#[derive(Debug)]
enum RuleRegex {
    /// Not a regex rule.
    None,
    /// Compiled when the scanner was built (user rules: a bad regex is an
    /// error of the config, reported at once).
    Ready(meta::Regex, GroupSel),
    /// A built-in rule's regex, compiled the first time its keywords occur:
    /// many of the 200 rules never run on a given image, a warm re-scan (image
    /// config and history only) runs almost none, and compiling them all up
    /// front took 27 ms. Every built-in regex is tested to compile
    /// (`built_in_regexes_compile`).
    Lazy(&'static str, OnceLock<Option<(meta::Regex, GroupSel)>>),
}

impl RuleRegex {
    fn get(&self) -> Option<(&meta::Regex, GroupSel)> {
        match self {
            Self::None => None,
            Self::Ready(re, g) => Some((re, *g)),
            Self::Lazy(src, cell) => cell
                .get_or_init(|| {
                    build_regex(src).ok().map(|re| {
                        let g = secret_group(&re);
                        (re, g)
                    })
                })
                .as_ref()
                .map(|(re, g)| (re, *g)),
        }
    }
}

/// The named `secret` group if the regex has one.
fn secret_group(re: &meta::Regex) -> GroupSel {
    re.group_info()
        .to_index(PatternID::ZERO, "secret")
        .map_or(GroupSel::Auto, GroupSel::Named)
}

#[derive(Debug)]
struct CompiledRule {
    id: String,
    title: String,
    severity: Severity,
    exec: Exec,
    regex: RuleRegex,
    entropy: Option<f64>,
    has_keywords: bool,
    path: Option<meta::Regex>,
    path_src: Option<String>,
    allow_values: Vec<meta::Regex>,
    allowlists: Vec<CompiledAllowlist>,
    priority: u8,
    validator: Option<Validator>,
    skip_in_packages: bool,
    /// Runs only on windows around the lines holding its keywords.
    line_local: bool,
}

#[derive(Debug)]
struct CompiledAllowlist {
    condition: AllowCondition,
    target: RegexTarget,
    regexes: Vec<meta::Regex>,
    paths: Vec<meta::Regex>,
    globs: Option<GlobSet>,
    stopwords: Vec<String>,
    /// Global allow-lists only: rule indices it applies to (`None`: all).
    targets: Option<Vec<usize>>,
}

/// Public description of a loaded rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// Rule id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// True for built-in rules.
    pub builtin: bool,
}

/// The compiled secret scanner. Build it once ([`Scanner::new`]) and share
/// it between threads (`Send + Sync`); scanning never allocates regexes.
#[derive(Debug)]
pub struct Scanner {
    rules: Vec<CompiledRule>,
    builtin_flags: Vec<bool>,
    prefilter: Option<KeywordIndex>,
    pattern_rules: Vec<Vec<usize>>,
    path_set: Option<meta::Regex>,
    path_set_rules: Vec<usize>,
    default_paths: Option<meta::Regex>,
    package_trees: Option<meta::Regex>,
    default_values: bool,
    skip_paths: Vec<meta::Regex>,
    skip_globs: Option<GlobSet>,
    finding_allowlists: Vec<CompiledAllowlist>,
    env_line: meta::Regex,
    docker_line: meta::Regex,
    assign_word: meta::Regex,
    pair_rule: Option<usize>,
    aws_id_rule: Option<usize>,
    aws_secret_rule: Option<usize>,
    config_rule: Option<usize>,
    max_file_size: u64,
    max_findings: usize,
    scan_binary: bool,
}

/// A path in the two forms allow-lists are tried against.
pub(crate) struct PathForms {
    /// `/app/.env`
    abs: String,
    /// `app/.env`
    rel: String,
    /// False for [`Scanner::scan_kv`] contexts: path-gated rules never run.
    real: bool,
}

impl PathForms {
    fn new(path: &str) -> Self {
        let mut p = path.trim();
        while let Some(rest) = p.strip_prefix("./") {
            p = rest;
        }
        let rel = p.trim_start_matches('/').to_owned();
        Self {
            abs: format!("/{rel}"),
            rel,
            real: true,
        }
    }

    fn none() -> Self {
        Self {
            abs: String::new(),
            rel: String::new(),
            real: false,
        }
    }

    fn regex_match(&self, re: &meta::Regex) -> bool {
        self.real && (re.is_match(self.abs.as_str()) || re.is_match(self.rel.as_str()))
    }

    fn glob_match(&self, g: &GlobSet) -> bool {
        self.real && (g.is_match(&self.abs) || g.is_match(&self.rel))
    }
}

#[derive(Debug, Clone)]
struct Hit {
    rule: usize,
    start: usize,
    end: usize,
    mstart: usize,
    mend: usize,
    key: Option<String>,
}

/// Where a chunk comes from (for notebook findings).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ChunkOrigin {
    pub(crate) cell: Option<usize>,
    pub(crate) output: Option<usize>,
}

pub(crate) fn build_regex(pattern: &str) -> Result<meta::Regex, String> {
    let attempt = |unicode: bool| {
        meta::Builder::new()
            .configure(
                meta::Config::new()
                    .utf8_empty(false)
                    .nfa_size_limit(Some(64 << 20)),
            )
            .syntax(syntax::Config::new().unicode(unicode).utf8(false))
            .build(pattern)
            .map_err(|e| e.to_string())
    };
    match attempt(false) {
        Ok(re) => Ok(re),
        Err(first) => attempt(true).map_err(|_| first),
    }
}

fn build_set(patterns: &[&str]) -> Result<meta::Regex, String> {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::All)
                .utf8_empty(false),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build_many(patterns)
        .map_err(|e| e.to_string())
}

fn rule_regex(
    rule_id: &str,
    what: &'static str,
    pattern: &str,
) -> Result<meta::Regex, SecretError> {
    build_regex(pattern).map_err(|message| SecretError::RuleRegex {
        rule_id: rule_id.to_owned(),
        what,
        message,
    })
}

fn build_globs(globs: &[String]) -> Result<Option<GlobSet>, SecretError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| SecretError::AllowlistPattern {
            what: "path glob",
            pattern: g.clone(),
            message: e.to_string(),
        })?;
        b.add(glob);
    }
    b.build()
        .map(Some)
        .map_err(|e| SecretError::AllowlistPattern {
            what: "path glob",
            pattern: globs.join(", "),
            message: e.to_string(),
        })
}

fn compile_allowlist(
    spec: &AllowlistSpec,
    rule_id: Option<&str>,
) -> Result<CompiledAllowlist, SecretError> {
    let err = |what: &'static str, p: &str, message: String| match rule_id {
        Some(id) => SecretError::RuleRegex {
            rule_id: id.to_owned(),
            what,
            message,
        },
        None => SecretError::AllowlistPattern {
            what,
            pattern: p.to_owned(),
            message,
        },
    };
    let mut regexes = Vec::new();
    for p in &spec.regexes {
        regexes.push(build_regex(p).map_err(|m| err("allowlist regex", p, m))?);
    }
    let mut paths = Vec::new();
    for p in &spec.paths {
        paths.push(build_regex(p).map_err(|m| err("allowlist path", p, m))?);
    }
    Ok(CompiledAllowlist {
        condition: spec.condition,
        target: spec.regex_target,
        regexes,
        paths,
        globs: build_globs(&spec.path_globs)?,
        stopwords: spec
            .stopwords
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect(),
        targets: None,
    })
}

impl CompiledAllowlist {
    fn has_path_part(&self) -> bool {
        !self.paths.is_empty() || self.globs.is_some()
    }

    fn only_paths(&self) -> bool {
        self.has_path_part() && self.regexes.is_empty() && self.stopwords.is_empty()
    }

    fn path_matches(&self, path: &PathForms) -> bool {
        self.paths.iter().any(|re| path.regex_match(re))
            || self.globs.as_ref().is_some_and(|g| path.glob_match(g))
    }

    fn allows(&self, path: &PathForms, secret: &[u8], full: &[u8], line: &[u8]) -> bool {
        let mut parts = [None; 3];
        if self.has_path_part() {
            parts[0] = Some(self.path_matches(path));
        }
        if !self.regexes.is_empty() {
            let target = match self.target {
                RegexTarget::Secret => secret,
                RegexTarget::Match => full,
                RegexTarget::Line => line,
            };
            parts[1] = Some(self.regexes.iter().any(|re| re.is_match(target)));
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            parts[2] = Some(
                self.stopwords
                    .iter()
                    .any(|w| contains(&lower, w.as_bytes())),
            );
        }
        let mut set = parts.iter().flatten().peekable();
        if set.peek().is_none() {
            return false;
        }
        match self.condition {
            AllowCondition::Or => set.any(|&b| b),
            AllowCondition::And => set.all(|&b| b),
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Byte range of the line(s) holding `[start, end)`.
fn line_bounds(content: &[u8], start: usize, end: usize) -> &[u8] {
    let s = content[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let e = content[end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(content.len(), |p| end + p);
    &content[s..e]
}

struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(content: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            content
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    /// 1-based (line, byte column).
    fn locate(&self, offset: usize) -> (usize, usize) {
        let idx = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        (idx + 1, offset - self.starts[idx] + 1)
    }
}

impl Scanner {
    /// Compiles all enabled rules, the keyword prefilter and the allow-lists.
    ///
    /// # Errors
    /// A rule or allow-list pattern that does not compile (the error names the
    /// rule), a custom `secretGroup` larger than the regex's group count.
    pub fn new(config: SecretConfig) -> Result<Self, SecretError> {
        let disabled = |id: &str| config.disabled_rules.iter().any(|d| d == id);
        let mut rules: Vec<CompiledRule> = Vec::new();
        let mut builtin_flags = Vec::new();
        let mut keywords: Vec<(String, usize)> = Vec::new();

        if config.use_builtin_rules {
            for b in BUILTIN_RULES {
                if disabled(b.id) || config.rules.iter().any(|r| r.id == b.id) {
                    continue;
                }
                let idx = rules.len();
                let exec = match b.kind {
                    RuleKind::Regex => Exec::Regex,
                    RuleKind::EnvFile => Exec::EnvFile,
                    RuleKind::Dockerfile => Exec::Dockerfile,
                    RuleKind::ShellHistory => Exec::ShellHistory,
                    RuleKind::ConfigKeyName => Exec::ConfigKeyName,
                    RuleKind::AwsPair => Exec::AwsPair,
                };
                let regex = if exec == Exec::Regex {
                    RuleRegex::Lazy(b.regex, OnceLock::new())
                } else {
                    RuleRegex::None
                };
                let path = b.path.map(|p| rule_regex(b.id, "path", p)).transpose()?;
                let mut allow_values = Vec::new();
                for a in b.allow {
                    allow_values.push(rule_regex(b.id, "allow regex", a)?);
                }
                for k in b.keywords {
                    keywords.push(((*k).to_owned(), idx));
                }
                rules.push(CompiledRule {
                    id: b.id.to_owned(),
                    title: b.title.to_owned(),
                    severity: b.severity,
                    exec,
                    regex,
                    entropy: b.entropy,
                    has_keywords: !b.keywords.is_empty(),
                    path,
                    path_src: b.path.map(str::to_owned),
                    allow_values,
                    allowlists: Vec::new(),
                    priority: b.priority,
                    validator: b.validator,
                    skip_in_packages: b.skip_in_packages,
                    line_local: exec == Exec::Regex && !b.multiline && !b.keywords.is_empty(),
                });
                builtin_flags.push(true);
            }
        }
        for r in &config.rules {
            if disabled(&r.id) {
                continue;
            }
            let idx = rules.len();
            let regex = r
                .regex
                .as_deref()
                .map(|p| rule_regex(&r.id, "regex", p))
                .transpose()?;
            let group = match (&regex, r.secret_group) {
                (Some(re), Some(g)) => {
                    if g >= re.group_info().group_len(PatternID::ZERO) {
                        return Err(SecretError::RuleRegex {
                            rule_id: r.id.clone(),
                            what: "secretGroup",
                            message: format!("group {g} does not exist in the regex"),
                        });
                    }
                    GroupSel::Index(g)
                }
                _ => GroupSel::Auto,
            };
            let path = r
                .path
                .as_deref()
                .map(|p| rule_regex(&r.id, "path", p))
                .transpose()?;
            let mut allowlists = Vec::new();
            for a in &r.allowlists {
                allowlists.push(compile_allowlist(a, Some(&r.id))?);
            }
            for k in &r.keywords {
                keywords.push((k.to_ascii_lowercase(), idx));
            }
            rules.push(CompiledRule {
                id: r.id.clone(),
                title: r.title.clone(),
                severity: r.severity,
                exec: if regex.is_some() {
                    Exec::Regex
                } else {
                    Exec::PathOnly
                },
                regex: match (regex, group) {
                    (Some(re), g) => RuleRegex::Ready(re, g),
                    (None, _) => RuleRegex::None,
                },
                entropy: r.entropy,
                has_keywords: !r.keywords.is_empty(),
                path,
                path_src: r.path.clone(),
                allow_values: Vec::new(),
                allowlists,
                priority: 1,
                validator: None,
                skip_in_packages: false,
                line_local: false,
            });
            builtin_flags.push(false);
        }

        // keyword prefilter: one automaton over all distinct keywords
        let mut distinct: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
        for (k, idx) in keywords {
            match distinct.iter().position(|d| *d == k) {
                Some(p) => {
                    if !pattern_rules[p].contains(&idx) {
                        pattern_rules[p].push(idx);
                    }
                }
                None => {
                    distinct.push(k);
                    pattern_rules.push(vec![idx]);
                }
            }
        }
        let prefilter = if distinct.is_empty() {
            None
        } else {
            Some(KeywordIndex::new(&distinct).map_err(|e| SecretError::Prefilter(e.to_string()))?)
        };

        let gated: Vec<(usize, &str)> = rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.path_src.as_deref().map(|p| (i, p)))
            .collect();
        // A set regex finds all gated rules of a path in one pass; rules whose
        // path pattern only compiles in Unicode mode are checked one by one.
        let set_patterns: Vec<&str> = gated.iter().map(|&(_, p)| p).collect();
        let (path_set, path_set_rules) = match build_set(&set_patterns) {
            Ok(re) if !set_patterns.is_empty() => {
                (Some(re), gated.iter().map(|&(i, _)| i).collect())
            }
            _ => (None, Vec::new()),
        };

        let default_paths = if config.use_default_allowlist {
            Some(
                build_set(DEFAULT_ALLOW_PATHS).map_err(|m| SecretError::AllowlistPattern {
                    what: "path regex",
                    pattern: "built-in".to_owned(),
                    message: m,
                })?,
            )
        } else {
            None
        };

        let package_trees = if config.use_default_allowlist {
            Some(
                build_set(PACKAGE_TREE_PATHS).map_err(|m| SecretError::AllowlistPattern {
                    what: "path regex",
                    pattern: "built-in package trees".to_owned(),
                    message: m,
                })?,
            )
        } else {
            None
        };

        let mut skip_paths = Vec::new();
        let mut skip_glob_list = Vec::new();
        let mut finding_allowlists = Vec::new();
        for spec in &config.allowlists {
            let mut al = compile_allowlist(spec, None)?;
            if spec.target_rules.is_empty() && al.only_paths() && al.condition == AllowCondition::Or
            {
                skip_paths.append(&mut al.paths);
                skip_glob_list.extend(spec.path_globs.iter().cloned());
                continue;
            }
            if !spec.target_rules.is_empty() {
                al.targets = Some(
                    rules
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| spec.target_rules.contains(&r.id))
                        .map(|(i, _)| i)
                        .collect(),
                );
            }
            finding_allowlists.push(al);
        }

        let helper = |p: &str| {
            build_regex(p).map_err(|message| SecretError::RuleRegex {
                rule_id: "(internal)".to_owned(),
                what: "helper",
                message,
            })
        };
        let find = |id: &str| rules.iter().position(|r| r.id == id);
        let pair_rule = find("aws-access-key-pair").filter(|&i| rules[i].exec == Exec::AwsPair);
        Ok(Self {
            pair_rule,
            aws_id_rule: find("aws-access-key-id"),
            aws_secret_rule: find("aws-secret-access-key"),
            config_rule: find("config-secret-key-name")
                .filter(|&i| rules[i].exec == Exec::ConfigKeyName),
            env_line: helper(
                r"(?m)^[ \t]*(?:export[ \t]+|setenv[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*([^\r\n]*)",
            )?,
            docker_line: helper(r"(?im)^[ \t]*(?:ENV|ARG)[ \t]+([^\r\n]*)")?,
            assign_word: helper(
                r#"(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s;&|)'"]+)"#,
            )?,
            rules,
            builtin_flags,
            prefilter,
            pattern_rules,
            path_set,
            path_set_rules,
            default_paths,
            package_trees,
            default_values: config.use_default_allowlist,
            skip_paths,
            skip_globs: build_globs(&skip_glob_list)?,
            finding_allowlists,
            max_file_size: config.max_file_size,
            max_findings: config.max_findings_per_file,
            scan_binary: config.scan_binary,
        })
    }

    /// A scanner with the default configuration (all built-in rules).
    ///
    /// # Errors
    /// Only if a built-in rule failed to compile (a bug; tested).
    pub fn with_defaults() -> Result<Self, SecretError> {
        Self::new(SecretConfig::default())
    }

    /// The loaded rules, in evaluation order.
    #[must_use]
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.rules
            .iter()
            .zip(&self.builtin_flags)
            .map(|(r, &b)| RuleInfo {
                id: r.id.clone(),
                title: r.title.clone(),
                severity: r.severity,
                builtin: b,
            })
            .collect()
    }

    /// Number of loaded rules.
    #[must_use]
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// False when the path is allow-listed (built-in documentation/test paths
    /// or user path allow-lists): the caller need not even read the file.
    #[must_use]
    pub fn wants_path(&self, path: &str) -> bool {
        let p = PathForms::new(path);
        !self.path_skipped(&p)
    }

    /// Files larger than this are not scanned (0: no limit).
    #[must_use]
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// False when a file of this path and size would not be scanned.
    #[must_use]
    pub fn wants(&self, path: &str, size: u64) -> bool {
        (self.max_file_size == 0 || size <= self.max_file_size) && self.wants_path(path)
    }

    fn path_skipped(&self, p: &PathForms) -> bool {
        self.default_paths
            .as_ref()
            .is_some_and(|re| re.is_match(p.abs.as_str()))
            || self.skip_paths.iter().any(|re| p.regex_match(re))
            || self.skip_globs.as_ref().is_some_and(|g| p.glob_match(g))
    }

    /// Scans one file. Binary files (NUL in the first 8 KiB), files over the
    /// size limit and allow-listed paths give no findings. `.ipynb` files are
    /// scanned cell by cell ([`Scanner::scan_notebook`]).
    #[must_use]
    pub fn scan_bytes(&self, path: &str, content: &[u8]) -> Vec<SecretFinding> {
        if self.max_file_size > 0 && content.len() as u64 > self.max_file_size {
            return Vec::new();
        }
        let forms = PathForms::new(path);
        if self.path_skipped(&forms) {
            return Vec::new();
        }
        if !self.scan_binary && is_binary(content) {
            return Vec::new();
        }
        if path.to_ascii_lowercase().ends_with(".ipynb")
            && let Some(f) = crate::notebook::scan(self, path, content)
        {
            return f;
        }
        self.scan_chunk(path, &forms, content, ChunkOrigin::default())
    }

    /// Scans one text chunk of a file (a whole file, or a notebook cell part).
    pub(crate) fn scan_chunk(
        &self,
        path: &str,
        forms: &PathForms,
        content: &[u8],
        origin: ChunkOrigin,
    ) -> Vec<SecretFinding> {
        let mut hits = Vec::new();
        for (idx, windows) in self.candidates(forms, content) {
            self.run_rule(idx, windows.as_deref(), forms, content, &mut hits);
            if hits.len() >= MAX_RAW_HITS {
                break;
            }
        }
        self.finish(path, forms, content, hits, origin)
    }

    pub(crate) fn path_forms(path: &str) -> PathForms {
        PathForms::new(path)
    }

    /// Scans one image-config entry: `context` labels it in findings (for
    /// example `config.Env`, `config.Labels`, `history[3].created_by`), `key`
    /// is the variable/label name (or `created_by`), `value` its value.
    ///
    /// Runs every keyword-gated rule over `key=value`, then judges the key
    /// name (`DB_PASSWORD`, `HF_TOKEN`, ...) and every `NAME=value` word found
    /// inside the value (history lines such as `/bin/sh -c #(nop) ENV
    /// DB_PASSWORD=...` or `|1 HF_TOKEN=... /bin/sh -c ...`).
    #[must_use]
    pub fn scan_kv(&self, context: &str, key: &str, value: &str) -> Vec<SecretFinding> {
        let text = format!("{key}={value}");
        let content = text.as_bytes();
        let forms = PathForms::none();
        let mut hits = Vec::new();
        for (idx, windows) in self.candidates(&forms, content) {
            self.run_rule(idx, windows.as_deref(), &forms, content, &mut hits);
        }
        if let Some(rule) = self.config_rule {
            let base = key.len() + 1;
            if is_secret_key_name(key) && is_plausible_secret_value(value) {
                let (off, len) = value_span(value);
                hits.push(Hit {
                    rule,
                    start: base + off,
                    end: base + off + len,
                    mstart: 0,
                    mend: content.len(),
                    key: Some(key.to_owned()),
                });
            }
            for caps in self.assign_word.captures_iter(value.as_bytes()) {
                let (Some(k), Some(v)) = (caps.get_group(1), caps.get_group(2)) else {
                    continue;
                };
                let (Some(name), Some(raw)) = (value.get(k.range()), value.get(v.range())) else {
                    continue;
                };
                if is_secret_key_name(name) && is_plausible_secret_value(raw) {
                    let (off, len) = value_span(raw);
                    hits.push(Hit {
                        rule,
                        start: base + v.start + off,
                        end: base + v.start + off + len,
                        mstart: base + k.start,
                        mend: base + v.end,
                        key: Some(name.to_owned()),
                    });
                }
            }
        }
        let mut out = self.finish(context, &forms, content, hits, ChunkOrigin::default());
        for f in &mut out {
            if f.key.is_none() {
                f.key = Some(key.to_owned());
            }
        }
        out
    }

    /// Rules to run on this content: keyword hits, path-gated rules whose
    /// path matches, and keyword-less/path-less rules. Line-local rules get
    /// the windows (lines holding their keywords, merged) they run on.
    fn candidates(&self, forms: &PathForms, content: &[u8]) -> Vec<(usize, Option<Windows>)> {
        let n = self.rules.len();
        let mut kw = vec![false; n];
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        if let Some(ac) = &self.prefilter {
            let mut line = (usize::MAX, 0usize);
            for (p, pattern) in ac.find(content) {
                if !(line.0 <= p && p < line.1) {
                    let ls = content[..p]
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |i| i + 1);
                    let le = content[p..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(content.len(), |i| p + i + 1);
                    line = (ls, le);
                }
                for &r in &self.pattern_rules[pattern as usize] {
                    kw[r] = true;
                    if self.rules[r].line_local {
                        // one byte of context before the line for `(?:^|[^x])` prefixes
                        let (s, e) = if line.1 - line.0 > LONG_LINE {
                            (
                                p.saturating_sub(LONG_LINE_RADIUS)
                                    .max(line.0)
                                    .saturating_sub(1),
                                (p + LONG_LINE_RADIUS).min(line.1),
                            )
                        } else {
                            (line.0.saturating_sub(1), line.1)
                        };
                        match windows[r].last_mut() {
                            Some(last) if s <= last.1 + WINDOW_MERGE_GAP => last.1 = last.1.max(e),
                            _ => windows[r].push((s, e)),
                        }
                    }
                }
            }
        }
        let mut path_ok = vec![false; n];
        if forms.real {
            if let Some(set) = &self.path_set {
                let mut ps = PatternSet::new(set.pattern_len());
                set.which_overlapping_matches(&Input::new(forms.abs.as_str()), &mut ps);
                set.which_overlapping_matches(&Input::new(forms.rel.as_str()), &mut ps);
                for pid in ps.iter() {
                    path_ok[self.path_set_rules[pid.as_usize()]] = true;
                }
            } else {
                for (i, r) in self.rules.iter().enumerate() {
                    if let Some(p) = &r.path {
                        path_ok[i] = forms.regex_match(p);
                    }
                }
            }
        }
        let in_package = forms.real
            && self
                .package_trees
                .as_ref()
                .is_some_and(|re| re.is_match(forms.abs.as_str()));
        let mut out = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            if matches!(r.exec, Exec::ConfigKeyName | Exec::AwsPair)
                || (in_package && r.skip_in_packages)
            {
                continue;
            }
            let kw_ok = !r.has_keywords || kw[i];
            let p_ok = r.path.is_none() || path_ok[i];
            // rules with neither keywords nor a path (user rules) always run
            if kw_ok && p_ok {
                let w = if r.line_local {
                    Some(std::mem::take(&mut windows[i]))
                } else {
                    None
                };
                out.push((i, w));
            }
        }
        out
    }

    fn run_rule(
        &self,
        idx: usize,
        windows: Option<&[(usize, usize)]>,
        forms: &PathForms,
        content: &[u8],
        hits: &mut Vec<Hit>,
    ) {
        let rule = &self.rules[idx];
        match rule.exec {
            Exec::Regex => {
                let Some((re, group)) = rule.regex.get() else {
                    return;
                };
                let whole = [(0, content.len())];
                for &(s, e) in windows.unwrap_or(&whole) {
                    for caps in re.captures_iter(Input::new(content).range(s..e)) {
                        let Some(m) = caps.get_match() else { continue };
                        let span = match group {
                            GroupSel::Index(g) => caps.get_group(g),
                            GroupSel::Named(g) => caps.get_group(g).or_else(|| first_group(&caps)),
                            GroupSel::Auto => first_group(&caps),
                        }
                        .unwrap_or(m.span());
                        hits.push(Hit {
                            rule: idx,
                            start: span.start,
                            end: span.end,
                            mstart: m.start(),
                            mend: m.end(),
                            key: None,
                        });
                        if hits.len() >= MAX_RAW_HITS {
                            return;
                        }
                    }
                }
            }
            Exec::PathOnly => {
                if forms.real {
                    hits.push(Hit {
                        rule: idx,
                        start: 0,
                        end: content.len(),
                        mstart: 0,
                        mend: content.len(),
                        key: None,
                    });
                }
            }
            Exec::EnvFile => {
                for caps in self.env_line.captures_iter(content) {
                    let (Some(k), Some(v)) = (caps.get_group(1), caps.get_group(2)) else {
                        continue;
                    };
                    self.keyname_hit(idx, content, k.range(), v.range(), hits);
                }
            }
            Exec::Dockerfile => {
                for caps in self.docker_line.captures_iter(content) {
                    let Some(rest) = caps.get_group(1) else {
                        continue;
                    };
                    let line = &content[rest.range()];
                    let before = hits.len();
                    for w in self.assign_word.captures_iter(line) {
                        let (Some(k), Some(v)) = (w.get_group(1), w.get_group(2)) else {
                            continue;
                        };
                        self.keyname_hit(
                            idx,
                            content,
                            k.start + rest.start..k.end + rest.start,
                            v.start + rest.start..v.end + rest.start,
                            hits,
                        );
                    }
                    // legacy form `ENV KEY value with spaces`
                    if hits.len() == before
                        && !line.contains(&b'=')
                        && let Some(sp) = line.iter().position(|b| b.is_ascii_whitespace())
                    {
                        let vstart = rest.start + sp + 1;
                        self.keyname_hit(
                            idx,
                            content,
                            rest.start..rest.start + sp,
                            vstart..rest.end,
                            hits,
                        );
                    }
                }
            }
            Exec::ShellHistory => {
                for caps in self.assign_word.captures_iter(content) {
                    let (Some(k), Some(v)) = (caps.get_group(1), caps.get_group(2)) else {
                        continue;
                    };
                    self.keyname_hit(idx, content, k.range(), v.range(), hits);
                }
            }
            Exec::ConfigKeyName | Exec::AwsPair => {}
        }
    }

    fn keyname_hit(
        &self,
        idx: usize,
        content: &[u8],
        k: std::ops::Range<usize>,
        v: std::ops::Range<usize>,
        hits: &mut Vec<Hit>,
    ) {
        let (Ok(name), Ok(raw)) = (
            std::str::from_utf8(&content[k.clone()]),
            std::str::from_utf8(&content[v.clone()]),
        ) else {
            return;
        };
        if !is_secret_key_name(name) {
            return;
        }
        let (off, len) = value_span(raw);
        let value = &raw[off..off + len];
        if !is_plausible_secret_value(value) {
            return;
        }
        let start = v.start + off;
        hits.push(Hit {
            rule: idx,
            start,
            end: start + len,
            mstart: k.start,
            mend: v.end,
            key: Some(name.to_owned()),
        });
    }

    fn accept(&self, forms: &PathForms, content: &[u8], h: &Hit) -> bool {
        let rule = &self.rules[h.rule];
        let secret = &content[h.start..h.end];
        if rule.exec == Exec::PathOnly {
            return !self.finding_allowlists.iter().any(|al| {
                al.targets.as_ref().is_none_or(|t| t.contains(&h.rule)) && al.path_matches(forms)
            });
        }
        if secret.is_empty() {
            return false;
        }
        if let Some(e) = rule.entropy
            && shannon_entropy(secret) < e
        {
            return false;
        }
        let full = &content[h.mstart..h.mend];
        if let Some(v) = rule.validator
            && !validate::check(v, secret, full)
        {
            return false;
        }
        if self.default_values && is_placeholder(secret) {
            return false;
        }
        if rule.allow_values.iter().any(|re| re.is_match(secret)) {
            return false;
        }
        if rule.allowlists.is_empty() && self.finding_allowlists.is_empty() {
            return true;
        }
        // the line is only looked up when an allow-list targets it (a minified
        // file is one multi-megabyte line)
        let needs_line = rule
            .allowlists
            .iter()
            .chain(&self.finding_allowlists)
            .any(|al| al.target == RegexTarget::Line && !al.regexes.is_empty());
        let line = if needs_line {
            line_bounds(content, h.mstart, h.mend)
        } else {
            &[][..]
        };
        if rule
            .allowlists
            .iter()
            .any(|al| al.allows(forms, secret, full, line))
        {
            return false;
        }
        !self.finding_allowlists.iter().any(|al| {
            al.targets.as_ref().is_none_or(|t| t.contains(&h.rule))
                && al.allows(forms, secret, full, line)
        })
    }

    /// Filters, resolves overlaps, pairs AWS keys and builds findings.
    fn finish(
        &self,
        path: &str,
        forms: &PathForms,
        content: &[u8],
        hits: Vec<Hit>,
        origin: ChunkOrigin,
    ) -> Vec<SecretFinding> {
        let mut hits: Vec<Hit> = hits
            .into_iter()
            .filter(|h| self.accept(forms, content, h))
            .collect();
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.rule));
        let rank = |h: &Hit| {
            let r = &self.rules[h.rule];
            (r.priority, r.severity, std::cmp::Reverse(h.rule))
        };
        let mut kept: Vec<Hit> = Vec::new();
        for h in hits {
            let overlapping: Vec<usize> = kept
                .iter()
                .enumerate()
                .filter(|(_, k)| {
                    (h.start < k.end && k.start < h.end) || (h.start == k.start && h.end == k.end)
                })
                .map(|(i, _)| i)
                .collect();
            if overlapping.iter().any(|&i| rank(&kept[i]) >= rank(&h)) {
                continue;
            }
            for i in overlapping.into_iter().rev() {
                kept.remove(i);
            }
            kept.push(h);
        }
        kept.sort_by_key(|h| (h.start, h.rule));

        let index = LineIndex::new(content);
        let mut findings = Vec::new();
        let mut paired = vec![false; kept.len()];
        if let (Some(pair), Some(id_rule), Some(sec_rule)) =
            (self.pair_rule, self.aws_id_rule, self.aws_secret_rule)
        {
            for i in 0..kept.len() {
                if kept[i].rule != id_rule || paired[i] {
                    continue;
                }
                let (id_line, id_col) = index.locate(kept[i].start);
                let best = (0..kept.len())
                    .filter(|&j| !paired[j] && kept[j].rule == sec_rule)
                    .map(|j| (j, index.locate(kept[j].start).0))
                    .filter(|&(_, l)| l.abs_diff(id_line) <= AWS_PAIR_MAX_LINES)
                    .min_by_key(|&(_, l)| l.abs_diff(id_line));
                if let Some((j, sec_line)) = best {
                    paired[i] = true;
                    paired[j] = true;
                    let id = &content[kept[i].start..kept[i].end];
                    let sec = &content[kept[j].start..kept[j].end];
                    let mut both = id.to_vec();
                    both.push(b':');
                    both.extend_from_slice(sec);
                    let r = &self.rules[pair];
                    findings.push(SecretFinding {
                        rule_id: r.id.clone(),
                        title: r.title.clone(),
                        severity: r.severity,
                        path: path.to_owned(),
                        line: id_line.min(sec_line),
                        end_line: id_line.max(sec_line),
                        column: Some(id_col),
                        cell: origin.cell,
                        cell_output: origin.output,
                        key: None,
                        redacted: format!("{} / {}", redact_bytes(id), redact_bytes(sec)),
                        fingerprint: fingerprint(&both),
                    });
                }
            }
        }
        for (h, _) in kept.iter().zip(&paired).filter(|&(_, p)| !p) {
            let r = &self.rules[h.rule];
            let secret = &content[h.start..h.end];
            let (line, column) = index.locate(h.start);
            let (end_line, _) = index.locate(h.end.saturating_sub(1).max(h.start));
            let redacted = if r.exec == Exec::PathOnly {
                String::new()
            } else {
                redact(&String::from_utf8_lossy(secret))
            };
            findings.push(SecretFinding {
                rule_id: r.id.clone(),
                title: r.title.clone(),
                severity: r.severity,
                path: path.to_owned(),
                line,
                end_line,
                column: Some(column),
                cell: origin.cell,
                cell_output: origin.output,
                key: h.key.clone(),
                redacted,
                fingerprint: fingerprint(secret),
            });
        }
        findings.sort_by_key(|f| (f.line, f.column));
        findings.truncate(self.max_findings);
        findings
    }
}

fn first_group(caps: &regex_automata::util::captures::Captures) -> Option<regex_automata::Span> {
    (1..caps.group_len())
        .filter_map(|g| caps.get_group(g))
        .find(|s| s.start < s.end)
}
