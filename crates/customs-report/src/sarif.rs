//! SARIF 2.1.0.
//!
//! Rules and results are built through [`SarifBuilder`], which knows
//! nothing about vulnerabilities: [`SarifBuilder::add_vulnerabilities`] is
//! one producer; misconfiguration or secret findings (a Dockerfile line, a
//! file region) add their own rules and results with [`SarifBuilder::rule`]
//! and [`SarifBuilder::result`].
//!
//! Vulnerabilities: one rule per vulnerability id (`shortDescription` the
//! title, `fullDescription` the description, `helpUri` the first https
//! reference or the OSV page, `properties.security-severity` a CVSS score
//! that agrees with the finding's severity, else 9.0/7.0/5.0/2.0 for
//! critical/high/medium/low, nothing for unknown), one result per affected
//! package located at the package's metadata file in the image:
//! `artifactLocation.uri` is the location without its leading `/`
//! (percent-encoded where URIs need it), relative to `uriBaseId: ROOTPATH`
//! = `file:///`, with `region.startLine: 1`. Levels: critical and high →
//! `error`, medium → `warning`, low and unknown → `note`. Suppressed
//! findings are kept, with a SARIF `suppressions` entry. With `--base`, each
//! vulnerability result has `properties.origin` (`base` or `application`)
//! and the run has a `baseImage` property (name, digest, source, layers).

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use customs_types::{Severity, VulnFinding};
use serde::Serialize;
use serde_json::Value;

use crate::{ScanReport, ToolInfo};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base id of paths inside the scanned image.
pub const IMAGE_ROOT: &str = "ROOTPATH";

/// SARIF result level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    None,
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn from_severity(s: Severity) -> Level {
        match s {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low | Severity::Unknown => Level::Note,
        }
    }
}

/// The `security-severity` number for a severity without a CVSS score.
pub fn severity_score(s: Severity) -> Option<f64> {
    match s {
        Severity::Critical => Some(9.0),
        Severity::High => Some(7.0),
        Severity::Medium => Some(5.0),
        Severity::Low => Some(2.0),
        Severity::Unknown => None,
    }
}

/// A rule (`reportingDescriptor`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub name: Option<String>,
    pub short_description: String,
    pub full_description: Option<String>,
    pub help_uri: Option<String>,
    pub help_text: Option<String>,
    pub help_markdown: Option<String>,
    pub level: Level,
    /// 0.0–10.0; written as a string with one decimal.
    pub security_severity: Option<f64>,
    pub tags: Vec<String>,
}

impl Rule {
    pub fn new(id: impl Into<String>, short_description: impl Into<String>, level: Level) -> Rule {
        Rule {
            id: id.into(),
            name: None,
            short_description: short_description.into(),
            full_description: None,
            help_uri: None,
            help_text: None,
            help_markdown: None,
            level,
            security_severity: None,
            tags: Vec::new(),
        }
    }
}

/// A text region; lines and columns count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start_line: u32,
    pub start_column: Option<u32>,
    pub end_line: Option<u32>,
    pub end_column: Option<u32>,
}

impl Region {
    pub fn line(n: u32) -> Region {
        Region {
            start_line: n.max(1),
            start_column: None,
            end_line: None,
            end_column: None,
        }
    }
}

/// Where a result is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// A path; a leading `/` is dropped and the rest percent-encoded.
    pub path: String,
    /// `ROOTPATH` ([`IMAGE_ROOT`]) for paths inside the image; `None` for
    /// paths relative to the repository (a Dockerfile).
    pub uri_base_id: Option<String>,
    pub region: Option<Region>,
}

/// A suppression of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    /// `external` (ignore file, VEX) or `inSource`.
    pub kind: &'static str,
    pub justification: Option<String>,
}

/// A result.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub level: Level,
    pub message: String,
    pub locations: Vec<Location>,
    pub suppression: Option<Suppressed>,
    pub properties: BTreeMap<String, Value>,
}

/// Collects rules and results, then writes the log.
#[derive(Debug)]
pub struct SarifBuilder {
    tool: ToolInfo,
    rules: Vec<Rule>,
    index: HashMap<String, usize>,
    results: Vec<(usize, Finding)>,
    properties: BTreeMap<String, Value>,
}

impl SarifBuilder {
    pub fn new(tool: &ToolInfo) -> SarifBuilder {
        SarifBuilder {
            tool: tool.clone(),
            rules: Vec::new(),
            index: HashMap::new(),
            results: Vec::new(),
            properties: BTreeMap::new(),
        }
    }

    /// Adds a rule, or merges it into the rule with the same id (the more
    /// severe level and security-severity win; tags are united). Returns its
    /// index.
    pub fn rule(&mut self, rule: Rule) -> usize {
        if let Some(&i) = self.index.get(&rule.id) {
            let r = &mut self.rules[i];
            r.level = r.level.max(rule.level);
            r.security_severity = match (r.security_severity, rule.security_severity) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            for t in rule.tags {
                if !r.tags.contains(&t) {
                    r.tags.push(t);
                }
            }
            return i;
        }
        let i = self.rules.len();
        self.index.insert(rule.id.clone(), i);
        self.rules.push(rule);
        i
    }

    /// Adds a result. Its rule must have been added; a result for an
    /// unknown rule gets a minimal rule so the log stays consistent.
    pub fn result(&mut self, finding: Finding) {
        let i = match self.index.get(&finding.rule_id) {
            Some(&i) => i,
            None => self.rule(Rule::new(
                finding.rule_id.clone(),
                finding.rule_id.clone(),
                finding.level,
            )),
        };
        self.results.push((i, finding));
    }

    /// Adds a run-level property.
    pub fn property(&mut self, key: impl Into<String>, value: Value) {
        self.properties.insert(key.into(), value);
    }

    /// Adds a rule per vulnerability id and a result per finding.
    pub fn add_vulnerabilities(&mut self, report: &ScanReport) {
        for f in &report.vulnerabilities {
            self.rule(vuln_rule(f));
            let mut r = vuln_result(f);
            if let Some(o) = report.origin_of(f) {
                r.properties
                    .insert("origin".into(), Value::String(o.as_str().into()));
            }
            self.result(r);
        }
        if let Some(b) = &report.base {
            // name, digest, source (how it is known), layers (its own leading layers)
            self.property("baseImage", serde_json::to_value(b).unwrap_or_default());
        }
    }

    /// Writes the SARIF log.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        crate::write_json_value(&self.log(), out)
    }

    fn log(&self) -> Log<'_> {
        let uses_root = self.results.iter().any(|(_, f)| {
            f.locations
                .iter()
                .any(|l| l.uri_base_id.as_deref() == Some(IMAGE_ROOT))
        });
        let mut bases = BTreeMap::new();
        if uses_root {
            bases.insert(IMAGE_ROOT, BaseUri { uri: "file:///" });
        }
        Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: &self.tool.name,
                        version: Some(self.tool.version.as_str()).filter(|v| !v.is_empty()),
                        information_uri: self.tool.information_uri.as_deref().filter(|u| is_uri(u)),
                        rules: self.rules.iter().map(rule_json).collect(),
                    },
                },
                original_uri_base_ids: bases,
                results: self
                    .results
                    .iter()
                    .map(|(i, f)| result_json(*i, f))
                    .collect(),
                column_kind: "utf16CodeUnits",
                properties: &self.properties,
            }],
        }
    }
}

/// Writes SARIF for the report's findings (the crate-root name of
/// [`write()`]).
pub fn write_sarif(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write(report, out)
}

/// Writes SARIF for the report's findings.
pub fn write(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let mut b = SarifBuilder::new(&report.tool);
    let a = &report.artifact;
    b.property("imageName", Value::String(a.name.clone()));
    if let Some(d) = &a.manifest_digest {
        b.property("manifestDigest", Value::String(d.to_string()));
    }
    if let Some(os) = &report.inventory.os {
        let v = os
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        b.property("os", Value::String(format!("{}{v}", os.id)));
    }
    b.add_vulnerabilities(report);
    crate::findings::add_to_sarif(&mut b, &report.findings);
    b.write(out)
}

fn is_uri(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.is_empty()
            && !rest
                .chars()
                .any(|c| c.is_whitespace() || "<>\"{}|\\^`".contains(c))
    })
}

/// A path as a relative URI reference: no leading `/`, and every byte
/// outside the unreserved and sub-delimiter characters (and `/`, `@`)
/// percent-encoded, `:` included so no segment reads as a scheme.
pub fn path_uri(path: &str) -> String {
    let p = path.trim_start_matches('/');
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn help_uri(f: &VulnFinding) -> Option<String> {
    let ok = |u: &&String| u.starts_with("https://") && is_uri(u);
    // A page about this id, else the first https reference, else OSV.
    f.references
        .iter()
        .filter(ok)
        .find(|u| u.contains(f.id.as_str()))
        .or_else(|| f.references.iter().find(ok))
        .cloned()
        .or_else(|| {
            f.id.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
                .then(|| format!("https://osv.dev/vulnerability/{}", f.id))
        })
}

/// A CVSS score of the finding that agrees with its severity.
fn consistent_score(f: &VulnFinding) -> Option<f64> {
    f.cvss
        .iter()
        .filter_map(|c| c.score)
        .filter(|s| s.is_finite() && Severity::from_cvss_score(*s) == f.severity)
        .fold(None, |acc: Option<f64>, s| {
            Some(acc.map_or(s, |a| a.max(s)))
        })
}

fn vuln_rule(f: &VulnFinding) -> Rule {
    let short = f
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| f.id.clone());
    let full = f
        .description
        .clone()
        .or_else(|| f.title.clone())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| f.id.clone());
    let uri = help_uri(f);
    let mut help = format!("Vulnerability {}\nSeverity: {}\n{}", f.id, f.severity, full);
    let mut md = format!(
        "**Vulnerability {}**\n\n| Severity | Aliases |\n|---|---|\n| {} | {} |\n\n{}",
        f.id,
        f.severity,
        if f.aliases.is_empty() {
            "-".to_string()
        } else {
            f.aliases.join(", ")
        },
        full.replace('|', "\\|"),
    );
    if let Some(u) = &uri {
        help.push_str(&format!("\n{u}"));
        md.push_str(&format!("\n\n[{}]({u})", f.id));
    }
    Rule {
        id: f.id.clone(),
        name: None,
        short_description: short,
        full_description: Some(full),
        help_uri: uri,
        help_text: Some(help),
        help_markdown: Some(md),
        level: Level::from_severity(f.severity),
        security_severity: consistent_score(f).or_else(|| severity_score(f.severity)),
        tags: vec![
            "vulnerability".into(),
            "security".into(),
            f.severity.as_str().to_string(),
        ],
    }
}

fn vuln_result(f: &VulnFinding) -> Finding {
    let p = &f.package;
    let fixed = match &f.fixed_version {
        Some(v) => format!("fixed in {v}"),
        None => "no fixed version yet".into(),
    };
    let layer = p.layer.map(|l| format!(", layer {l}")).unwrap_or_default();
    let message = format!(
        "{} {} {} is affected by {} ({}); {fixed}. Location: {}{layer}",
        p.kind.as_str(),
        p.name,
        p.version,
        f.id,
        f.severity,
        p.location,
    );
    let mut properties = BTreeMap::new();
    properties.insert("purl".into(), Value::String(p.purl.clone()));
    properties.insert("packageType".into(), Value::String(p.kind.as_str().into()));
    properties.insert("installedVersion".into(), Value::String(p.version.clone()));
    if let Some(v) = &f.fixed_version {
        properties.insert("fixedVersion".into(), Value::String(v.clone()));
    }
    if let Some(l) = p.layer {
        properties.insert("layer".into(), Value::from(l));
    }
    Finding {
        rule_id: f.id.clone(),
        level: Level::from_severity(f.severity),
        message,
        locations: vec![Location {
            path: p.location.clone(),
            uri_base_id: Some(IMAGE_ROOT.into()),
            region: Some(Region::line(1)),
        }],
        suppression: f.suppressed.as_ref().map(|s| {
            let mut j = format!("{} {}", s.kind, s.source);
            if let Some(st) = &s.status {
                j.push_str(&format!(": {st}"));
            }
            if let Some(x) = &s.justification {
                j.push_str(&format!(" ({x})"));
            }
            Suppressed {
                kind: "external",
                justification: Some(j),
            }
        }),
        properties,
    }
}

// ---- serialisation -------------------------------------------------------

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    results: Vec<ResultJson>,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: &'a BTreeMap<String, Value>,
}

#[derive(Serialize)]
struct BaseUri {
    uri: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'a str>,
    rules: Vec<RuleJson>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleJson {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    default_configuration: DefaultConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: Level,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

fn rule_json(r: &Rule) -> RuleJson {
    RuleJson {
        id: r.id.clone(),
        name: r.name.clone(),
        short_description: Text {
            text: r.short_description.clone(),
        },
        full_description: r.full_description.clone().map(|text| Text { text }),
        help_uri: r.help_uri.clone().filter(|u| is_uri(u)),
        help: r.help_text.clone().map(|text| Help {
            text,
            markdown: r.help_markdown.clone(),
        }),
        default_configuration: DefaultConfiguration { level: r.level },
        properties: RuleProperties {
            security_severity: r
                .security_severity
                .filter(|s| s.is_finite())
                .map(|s| format!("{:.1}", s.clamp(0.0, 10.0))),
            tags: r.tags.clone(),
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultJson {
    rule_id: String,
    rule_index: usize,
    level: Level,
    message: Text,
    locations: Vec<LocationJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SuppressionJson>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<String, Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationJson {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<RegionJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegionJson {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
struct SuppressionJson {
    kind: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
}

fn result_json(rule_index: usize, f: &Finding) -> ResultJson {
    ResultJson {
        rule_id: f.rule_id.clone(),
        rule_index,
        level: f.level,
        message: Text {
            text: f.message.clone(),
        },
        locations: f
            .locations
            .iter()
            .map(|l| LocationJson {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: path_uri(&l.path),
                        uri_base_id: l.uri_base_id.clone(),
                    },
                    region: l.region.map(|r| RegionJson {
                        start_line: r.start_line.max(1),
                        start_column: r.start_column.map(|c| c.max(1)),
                        end_line: r.end_line.map(|e| e.max(r.start_line.max(1))),
                        end_column: r.end_column.map(|c| c.max(1)),
                    }),
                },
            })
            .collect(),
        suppressions: f
            .suppression
            .iter()
            .map(|s| SuppressionJson {
                kind: s.kind,
                status: "accepted",
                justification: s.justification.clone(),
            })
            .collect(),
        properties: f.properties.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(path_uri("/var/lib/dpkg/status"), "var/lib/dpkg/status");
        assert_eq!(path_uri("/a b/c:d/é"), "a%20b/c%3Ad/%C3%A9");
        assert_eq!(path_uri("/app/x.jar!/lib/y.jar"), "app/x.jar!/lib/y.jar");
        assert!(is_uri("https://example.org/x"));
        assert!(!is_uri("no scheme"));
    }

    #[test]
    fn rules_merge() {
        let mut b = SarifBuilder::new(&ToolInfo::customs());
        let mut r = Rule::new("X", "x", Level::Note);
        r.security_severity = Some(2.0);
        assert_eq!(b.rule(r.clone()), 0);
        r.level = Level::Error;
        r.security_severity = Some(9.1);
        r.tags = vec!["t".into()];
        assert_eq!(b.rule(r), 0);
        assert_eq!(b.rules[0].level, Level::Error);
        assert_eq!(b.rules[0].security_severity, Some(9.1));
        b.result(Finding {
            rule_id: "Y".into(),
            level: Level::Warning,
            message: "m".into(),
            locations: Vec::new(),
            suppression: None,
            properties: BTreeMap::new(),
        });
        assert_eq!(b.rules.len(), 2);
        assert_eq!(b.results[0].0, 1);
    }
}
