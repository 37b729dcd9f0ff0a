//! Secrets, model files and misconfigurations in the reports.
//!
//! - table and markdown: one section each (only when there is something to
//!   show, or when the scanner ran: "Secrets: 0"), rows sorted by
//!   severity then path;
//! - JSON: `secrets`, `models` (every model file scanned, with its verdict),
//!   `misconfigurations`, `secret_scan` (files scanned and skipped);
//! - SARIF: a rule per secret rule, model issue code and check id; secrets
//!   and models are located in the image (`ROOTPATH`), Dockerfile findings
//!   at their lines in the Dockerfile (relative to the repository, so GitHub
//!   annotates them).
//!
//! A secret appears only in its redacted form; the fingerprint goes to JSON
//! and SARIF (`partialFingerprints`-like property), never the value.

use std::collections::BTreeMap;
use std::io::{self, Write};

use customs_types::{
    MisconfigTarget, Misconfiguration, ModelFinding, ModelVerdict, SecretFinding, SecretOrigin,
    SecretScanStats, Severity,
};
use serde::Serialize;
use serde_json::Value;

use crate::sarif::{self, IMAGE_ROOT, Level, Location, Region, Rule, SarifBuilder};
use crate::table::{heading, new_table};

/// What the secret, model and misconfiguration scanners found. `None`
/// means the scanner did not run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OtherFindings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<SecretFinding>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_scan: Option<SecretScanStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub models: Option<Vec<ModelFinding>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misconfigurations: Option<Vec<Misconfiguration>>,
}

impl OtherFindings {
    pub fn secrets(&self) -> &[SecretFinding] {
        self.secrets.as_deref().unwrap_or_default()
    }

    pub fn models(&self) -> &[ModelFinding] {
        self.models.as_deref().unwrap_or_default()
    }

    /// Model files that are not safe.
    pub fn unsafe_models(&self) -> impl Iterator<Item = &ModelFinding> {
        self.models()
            .iter()
            .filter(|m| m.verdict != ModelVerdict::Safe)
    }

    pub fn misconfigurations(&self) -> &[Misconfiguration] {
        self.misconfigurations.as_deref().unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_none() && self.models.is_none() && self.misconfigurations.is_none()
    }
}

/// Where a secret is, for people: `/app/.env:2`, `/app/nb.ipynb cell 1
/// output 1 line 1`, `config.Env DB_PASSWORD`.
pub fn secret_place(s: &SecretFinding) -> String {
    match s.origin {
        SecretOrigin::File => {
            let mut p = s.path.clone();
            if let Some(c) = s.cell {
                p.push_str(&format!(" cell {c}"));
                if let Some(o) = s.cell_output {
                    p.push_str(&format!(" output {o}"));
                }
                p.push_str(&format!(" line {}", s.line));
            } else {
                p.push_str(&format!(":{}", s.line));
            }
            p
        }
        _ => match &s.key {
            Some(k) => format!("{} {k}", s.path),
            None => s.path.clone(),
        },
    }
}

/// The layer note of a secret or model: `4`, `4 (deleted in 6)`.
fn layer_note(layer: Option<u32>, removed: Option<customs_types::RemovedIn>) -> String {
    let base = layer.map_or_else(|| "-".to_string(), |l| l.to_string());
    match removed {
        Some(r) => format!(
            "{base} ({} in {})",
            match r.removal {
                customs_types::Removal::Deleted => "deleted",
                customs_types::Removal::Overwritten => "overwritten",
            },
            r.layer
        ),
        None => base,
    }
}

fn model_callables(m: &ModelFinding) -> String {
    let mut c: Vec<&str> = m
        .issues
        .iter()
        .filter_map(|i| i.callable.as_deref())
        .collect();
    c.sort();
    c.dedup();
    c.join(", ")
}

fn counts<'a>(sevs: impl Iterator<Item = &'a Severity>) -> String {
    let mut c: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut total = 0;
    for s in sevs {
        *c.entry(*s).or_default() += 1;
        total += 1;
    }
    let parts: Vec<String> = [
        Severity::Unknown,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ]
    .iter()
    .map(|s| format!("{}: {}", s.as_str(), c.get(s).copied().unwrap_or(0)))
    .collect();
    format!("Total: {total} ({})", parts.join(", "))
}

fn sorted_secrets(f: &OtherFindings) -> Vec<&SecretFinding> {
    let mut v: Vec<&SecretFinding> = f.secrets().iter().collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (a.layer, &a.path, a.line).cmp(&(b.layer, &b.path, b.line)))
    });
    v
}

fn sorted_misconfigs(f: &OtherFindings) -> Vec<&Misconfiguration> {
    let mut v: Vec<&Misconfiguration> = f.misconfigurations().iter().collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (&a.path, a.start_line, &a.id).cmp(&(&b.path, b.start_line, &b.id)))
    });
    v
}

/// The table sections.
pub(crate) fn write_table(
    f: &OtherFindings,
    width: Option<u16>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if let Some(secrets) = &f.secrets {
        writeln!(out)?;
        heading(out, "Secrets", '=')?;
        writeln!(out, "{}", counts(secrets.iter().map(|s| &s.severity)))?;
        if let Some(st) = &f.secret_scan {
            writeln!(
                out,
                "Files scanned: {}, skipped: {} binary, {} over the size limit",
                st.files_scanned, st.skipped_binary, st.skipped_too_large
            )?;
        }
        if !secrets.is_empty() {
            let mut t = new_table(width);
            t.set_header(vec!["Severity", "Rule", "Where", "Match", "Layer"]);
            for s in sorted_secrets(f) {
                t.add_row(vec![
                    s.severity.as_str().to_string(),
                    s.rule_id.clone(),
                    secret_place(s),
                    s.redacted.clone(),
                    layer_note(s.layer, s.removed),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    if f.models.is_some() {
        writeln!(out)?;
        heading(out, "Models", '=')?;
        let unsafe_models: Vec<&ModelFinding> = f.unsafe_models().collect();
        writeln!(
            out,
            "Model files: {}, dangerous: {}, suspicious: {}",
            f.models().len(),
            unsafe_models
                .iter()
                .filter(|m| m.verdict == ModelVerdict::Dangerous)
                .count(),
            unsafe_models
                .iter()
                .filter(|m| m.verdict == ModelVerdict::Suspicious)
                .count()
        )?;
        if !unsafe_models.is_empty() {
            let mut t = new_table(width);
            t.set_header(vec![
                "Severity",
                "Verdict",
                "Path",
                "Format",
                "Callables",
                "Layer",
            ]);
            let mut rows = unsafe_models;
            rows.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then_with(|| a.path.cmp(&b.path))
            });
            for m in rows {
                t.add_row(vec![
                    m.severity.map_or("-", |s| s.as_str()).to_string(),
                    format!("{:?}", m.verdict).to_lowercase(),
                    m.path.clone(),
                    m.format.clone(),
                    model_callables(m),
                    layer_note(Some(m.layer), m.removed),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    if let Some(mc) = &f.misconfigurations {
        writeln!(out)?;
        heading(out, "Misconfigurations", '=')?;
        writeln!(out, "{}", counts(mc.iter().map(|m| &m.severity)))?;
        if !mc.is_empty() {
            let mut t = new_table(width);
            t.set_header(vec!["Severity", "ID", "Title", "Where", "Message"]);
            for m in sorted_misconfigs(f) {
                let place = match (m.start_line, m.end_line) {
                    (Some(s), Some(e)) if e > s => format!("{}:{s}-{e}", m.path),
                    (Some(s), _) => format!("{}:{s}", m.path),
                    _ => m.path.clone(),
                };
                t.add_row(vec![
                    m.severity.as_str().to_string(),
                    m.id.clone(),
                    m.title.clone(),
                    place,
                    m.message.clone(),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    Ok(())
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The markdown sections.
pub(crate) fn write_markdown(f: &OtherFindings, out: &mut dyn Write) -> io::Result<()> {
    if let Some(secrets) = &f.secrets {
        writeln!(out, "\n### Secrets\n")?;
        writeln!(out, "{}\n", counts(secrets.iter().map(|s| &s.severity)))?;
        if !secrets.is_empty() {
            writeln!(out, "| Severity | Rule | Where | Match | Layer |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for s in sorted_secrets(f) {
                writeln!(
                    out,
                    "| {} | {} | `{}` | `{}` | {} |",
                    s.severity.as_str(),
                    md_cell(&s.rule_id),
                    md_cell(&secret_place(s)),
                    md_cell(&s.redacted),
                    layer_note(s.layer, s.removed)
                )?;
            }
        }
    }
    if f.models.is_some() {
        writeln!(out, "\n### Models\n")?;
        let unsafe_models: Vec<&ModelFinding> = f.unsafe_models().collect();
        writeln!(
            out,
            "{} model files, {} not safe.\n",
            f.models().len(),
            unsafe_models.len()
        )?;
        if !unsafe_models.is_empty() {
            writeln!(out, "| Severity | Verdict | Path | Callables | Layer |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for m in unsafe_models {
                writeln!(
                    out,
                    "| {} | {:?} | `{}` | {} | {} |",
                    m.severity.map_or("-", |s| s.as_str()),
                    m.verdict,
                    md_cell(&m.path),
                    md_cell(&model_callables(m)),
                    layer_note(Some(m.layer), m.removed)
                )?;
            }
        }
    }
    if let Some(mc) = &f.misconfigurations {
        writeln!(out, "\n### Misconfigurations\n")?;
        writeln!(out, "{}\n", counts(mc.iter().map(|m| &m.severity)))?;
        if !mc.is_empty() {
            writeln!(out, "| Severity | ID | Title | Where |")?;
            writeln!(out, "|---|---|---|---|")?;
            for m in sorted_misconfigs(f) {
                let place = match m.start_line {
                    Some(l) => format!("{}:{l}", m.path),
                    None => m.path.clone(),
                };
                writeln!(
                    out,
                    "| {} | {} | {} | `{}` |",
                    m.severity.as_str(),
                    m.id,
                    md_cell(&m.title),
                    md_cell(&place)
                )?;
            }
        }
    }
    Ok(())
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Adds rules and results for secrets, unsafe models and misconfigurations.
pub(crate) fn add_to_sarif(b: &mut SarifBuilder, f: &OtherFindings) {
    for s in f.secrets() {
        let mut rule = Rule::new(
            format!("secret/{}", s.rule_id),
            s.title.clone(),
            Level::from_severity(s.severity),
        );
        rule.name = Some(s.rule_id.clone());
        rule.security_severity = sarif::severity_score(s.severity);
        rule.tags = vec!["security".into(), "secret".into()];
        b.rule(rule);
        let removed = s
            .removed
            .map(|r| {
                format!(
                    "; the file was removed in layer {}, but its bytes ship in the image's history",
                    r.layer
                )
            })
            .unwrap_or_default();
        let mut properties = BTreeMap::new();
        properties.insert("fingerprint".into(), Value::String(s.fingerprint.clone()));
        if let Some(l) = s.layer {
            properties.insert("layer".into(), Value::from(l));
        }
        let locations = match s.origin {
            SecretOrigin::File => vec![Location {
                path: s.path.clone(),
                uri_base_id: Some(IMAGE_ROOT.into()),
                region: Some(Region {
                    start_line: u32_of(s.line),
                    start_column: s.column.map(u32_of),
                    end_line: Some(u32_of(s.end_line.max(s.line))),
                    end_column: None,
                }),
            }],
            _ => Vec::new(),
        };
        b.result(sarif::Finding {
            rule_id: format!("secret/{}", s.rule_id),
            level: Level::from_severity(s.severity),
            message: format!(
                "{} ({}) at {}: {}{removed}",
                s.title,
                s.severity.as_str(),
                secret_place(s),
                s.redacted
            ),
            locations,
            suppression: None,
            properties,
        });
    }
    for m in f.unsafe_models() {
        for i in &m.issues {
            let id = format!("model/{}", i.code);
            let mut rule = Rule::new(
                id.clone(),
                i.code.replace('-', " "),
                Level::from_severity(i.severity),
            );
            rule.security_severity = sarif::severity_score(i.severity);
            rule.tags = vec!["security".into(), "model".into()];
            b.rule(rule);
            let mut properties = BTreeMap::new();
            properties.insert("layer".into(), Value::from(m.layer));
            properties.insert("format".into(), Value::String(m.format.clone()));
            if let Some(c) = &i.callable {
                properties.insert("callable".into(), Value::String(c.clone()));
            }
            let inner = i
                .inner_path
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            b.result(sarif::Finding {
                rule_id: id,
                level: Level::from_severity(i.severity),
                message: format!("{}{inner}: {}", m.path, i.title),
                locations: vec![Location {
                    path: m.path.clone(),
                    uri_base_id: Some(IMAGE_ROOT.into()),
                    region: None,
                }],
                suppression: None,
                properties,
            });
        }
    }
    for c in f.misconfigurations() {
        let mut rule = Rule::new(
            c.id.clone(),
            c.title.clone(),
            Level::from_severity(c.severity),
        );
        rule.full_description = Some(c.description.clone());
        rule.help_text = Some(c.resolution.clone());
        rule.security_severity = sarif::severity_score(c.severity);
        rule.tags = vec!["security".into(), "misconfiguration".into()];
        b.rule(rule);
        let locations = match c.target {
            MisconfigTarget::Dockerfile => vec![Location {
                path: c.path.trim_start_matches("./").to_string(),
                uri_base_id: None,
                region: c.start_line.map(|s| Region {
                    start_line: u32_of(s),
                    start_column: None,
                    end_line: c.end_line.map(u32_of),
                    end_column: None,
                }),
            }],
            MisconfigTarget::ImageConfig => Vec::new(),
        };
        b.result(sarif::Finding {
            rule_id: c.id.clone(),
            level: Level::from_severity(c.severity),
            message: format!("{}: {}", c.title, c.message),
            locations,
            suppression: None,
            properties: BTreeMap::new(),
        });
    }
}
