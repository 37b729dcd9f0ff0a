//! The checks: Dockerfile checks (`CUS-DF-*`) and image-config checks
//! (`CUS-IC-*`), plus the analysis they share.

pub(crate) mod catalog;
mod commands;
mod dockerfile;
mod image_config;

pub use image_config::{ImageConfigInput, check_image_config};

use crate::finding::{CheckInfo, Finding, StageRef};
use crate::model::{Body, Dockerfile, Instruction, Stage};
use crate::secrets::{redact, redact_text, secret_name, token_kind};

/// What a Dockerfile check needs besides the Dockerfile.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// Path of the Dockerfile, copied into every finding.
    pub path: &'a str,
    /// Content of the `.dockerignore` that applies to the build, if there is one.
    pub dockerignore: Option<&'a str>,
}

impl Default for CheckContext<'_> {
    fn default() -> Self {
        Self {
            path: "Dockerfile",
            dockerignore: None,
        }
    }
}

/// Every check this crate runs, Dockerfile checks first, in id order.
pub fn all_checks() -> &'static [CheckInfo] {
    catalog::ALL
}

/// Run every Dockerfile check. Findings come sorted by line, then id.
pub fn check(dockerfile: &Dockerfile, ctx: &CheckContext<'_>) -> Vec<Finding> {
    let mut em = Emitter {
        path: ctx.path,
        findings: Vec::new(),
    };
    dockerfile::run(dockerfile, ctx, &mut em);
    let mut out = em.findings;
    out.sort_by(|a, b| (a.start_line, a.id).cmp(&(b.start_line, b.id)));
    out.dedup();
    out
}

/// Collects findings and redacts what goes into them.
pub(crate) struct Emitter<'a> {
    path: &'a str,
    findings: Vec<Finding>,
}

impl Emitter<'_> {
    /// A finding about `ins` in `stage`. `secrets` are extra strings to
    /// redact (the ones the check itself found).
    pub(crate) fn emit(
        &mut self,
        info: &'static CheckInfo,
        stage: Option<&Stage>,
        ins: &Instruction,
        message: String,
        secrets: &[&str],
    ) {
        let own = instruction_secrets(ins);
        let mut all: Vec<&str> = secrets.to_vec();
        all.extend(
            own.iter()
                .map(|(_, raw)| raw.as_str())
                .filter(|s| s.chars().count() >= 3 && !s.starts_with('$')),
        );
        let mut text = ins.original.clone();
        for (key, raw) in &own {
            for sep in ["=", " "] {
                let needle = format!("{key}{sep}{raw}");
                if !raw.is_empty() && !raw.starts_with('$') && text.contains(&needle) {
                    text = text.replace(&needle, &format!("{key}{sep}{}", redact(raw)));
                }
            }
        }
        let mut f = Finding::new(info, self.path, redact_text(&message, &all));
        f.start_line = Some(ins.start_line);
        f.end_line = Some(ins.end_line);
        f.instruction = Some(redact_text(&text, &all));
        f.stage = stage.map(|s| StageRef {
            index: s.index,
            name: s.name.clone(),
        });
        self.findings.push(f);
    }
}

/// `(key, raw value)` of ENV/ARG/LABEL entries that must not be printed:
/// secret-like names and credential-like values.
fn instruction_secrets(ins: &Instruction) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |key: &str, raw: &str, value: &str| {
        if secret_name(key).is_some() || token_kind(value).is_some() || token_kind(raw).is_some() {
            out.push((key.to_string(), raw.to_string()));
            if value != raw {
                out.push((key.to_string(), value.to_string()));
            }
        }
    };
    match &ins.body {
        Body::KeyValues(kvs) => {
            for kv in kvs {
                push(&kv.key, &kv.value.raw, &kv.value.value);
            }
        }
        Body::Args(decls) => {
            for d in decls {
                if let Some(v) = &d.default {
                    push(&d.name, &v.raw, &v.value);
                }
            }
        }
        _ => {}
    }
    out
}
