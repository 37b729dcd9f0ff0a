//! Image-config checks (`CUS-IC-*`), for images scanned without their
//! Dockerfile.

use serde::{Deserialize, Serialize};

use super::catalog::*;
use super::commands::{
    command_credentials, entrypoint_scripts, env_pip_issue, env_tls_issue, exposes_ssh,
    is_root_user, jupyter_issues, pipe_to_shell,
};
use crate::finding::{CheckInfo, Finding};
use crate::model::CommandForm;
use crate::secrets::{redact, redact_text, secret_name, token_kind};
use crate::shell::Script;

/// The parts of an OCI image configuration the checks look at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfigInput {
    /// What to put in each finding's `path` (an image reference, a file name).
    pub source: String,
    /// `config.User` (empty when unset).
    pub user: String,
    /// `config.Env`, each `KEY=VALUE`.
    pub env: Vec<String>,
    /// `config.Cmd`.
    pub cmd: Vec<String>,
    /// `config.Entrypoint`.
    pub entrypoint: Vec<String>,
    /// Whether `config.Healthcheck` is set (to anything, `NONE` included).
    pub has_healthcheck: bool,
    /// `config.ExposedPorts` keys (`8080/tcp`).
    pub exposed_ports: Vec<String>,
    /// `history[].created_by`, oldest first.
    pub history: Vec<String>,
}

struct Sink<'a> {
    source: &'a str,
    findings: Vec<Finding>,
}

impl Sink<'_> {
    fn emit(&mut self, info: &'static CheckInfo, message: String, entry: String, secrets: &[&str]) {
        let mut f = Finding::new(info, self.source, redact_text(&message, secrets));
        f.instruction = Some(redact_text(&entry, secrets));
        self.findings.push(f);
    }
}

/// Run every image-config check.
pub fn check_image_config(input: &ImageConfigInput) -> Vec<Finding> {
    let mut sink = Sink {
        source: &input.source,
        findings: Vec::new(),
    };

    if is_root_user(&input.user) {
        let shown = if input.user.trim().is_empty() {
            "(not set)"
        } else {
            input.user.trim()
        };
        sink.emit(
            &IC001,
            format!("the image user is {shown}, so the container runs as root"),
            format!("User: {shown}"),
            &[],
        );
    }

    let env: Vec<(&str, &str)> = input
        .env
        .iter()
        .map(|e| e.split_once('=').unwrap_or((e.as_str(), "")))
        .collect();
    for (key, value) in &env {
        let entry = || format!("{key}={value}");
        if let Some(kind) = token_kind(value) {
            sink.emit(
                &IC003,
                format!(
                    "Env {key} holds what looks like a {kind} (`{}`)",
                    redact(value)
                ),
                entry(),
                &[value],
            );
        } else if let Some(word) = secret_name(key)
            && !value.is_empty()
        {
            sink.emit(
                &IC002,
                format!(
                    "Env {key} (name contains {word}) is set to `{}` in the image configuration",
                    redact(value)
                ),
                entry(),
                &[value],
            );
        }
        if let Some(msg) = env_tls_issue(key, value).or_else(|| env_pip_issue(key, value)) {
            sink.emit(&IC011, msg, entry(), &[]);
        }
    }

    if !input.has_healthcheck {
        sink.emit(
            &IC004,
            "the image configuration has no HEALTHCHECK".to_string(),
            "Healthcheck: (not set)".to_string(),
            &[],
        );
    }

    for port in &input.exposed_ports {
        if exposes_ssh(port) {
            sink.emit(
                &IC008,
                format!("the image exposes {port}"),
                format!("ExposedPorts: {port}"),
                &[],
            );
        }
    }

    let form = |v: &[String]| (!v.is_empty()).then(|| CommandForm::Exec(v.to_vec()));
    let scripts = entrypoint_scripts(form(&input.entrypoint).as_ref(), form(&input.cmd).as_ref());
    let jupyter = jupyter_issues(&scripts);
    let command_text = || format!("Entrypoint: {:?} Cmd: {:?}", input.entrypoint, input.cmd);
    if jupyter.no_auth {
        sink.emit(
            &IC007,
            "the image command starts Jupyter on all interfaces with an empty token and no password"
                .to_string(),
            command_text(),
            &[],
        );
    }
    if jupyter.allow_root {
        sink.emit(
            &IC010,
            "the image command starts Jupyter with --allow-root".to_string(),
            command_text(),
            &[],
        );
    }

    for (i, line) in input.history.iter().enumerate() {
        check_history_line(i, line, &env, &mut sink);
    }
    sink.findings
}

/// Split a `created_by` line into its build arguments and its command or
/// instruction text.
fn normalize_history(line: &str) -> (Vec<(String, String)>, String) {
    let mut s = line.trim();
    if let Some(r) = s.strip_prefix("RUN ") {
        s = r.trim_start();
    }
    let mut args = Vec::new();
    if let Some(r) = s.strip_prefix('|')
        && let Some((n, rest)) = r.split_once(' ')
        && let Ok(n) = n.parse::<usize>()
    {
        let mut rest = rest.trim_start();
        for _ in 0..n {
            let (word, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            match word.split_once('=') {
                Some((k, v)) => args.push((k.to_string(), v.to_string())),
                None => break,
            }
            rest = tail.trim_start();
        }
        s = rest;
    }
    for prefix in ["/bin/sh -c ", "/bin/bash -c ", "sh -c "] {
        if let Some(r) = s.strip_prefix(prefix) {
            s = r.trim_start();
            break;
        }
    }
    if let Some(r) = s.strip_prefix("#(nop)") {
        s = r.trim_start();
    }
    if let Some(r) = s.strip_suffix("# buildkit") {
        s = r.trim_end();
    }
    (args, s.to_string())
}

const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "COPY",
    "ENV",
    "ARG",
    "USER",
    "CMD",
    "ENTRYPOINT",
    "EXPOSE",
    "WORKDIR",
    "LABEL",
    "VOLUME",
    "HEALTHCHECK",
    "STOPSIGNAL",
    "SHELL",
    "ONBUILD",
    "MAINTAINER",
];

fn check_history_line(index: usize, line: &str, env: &[(&str, &str)], sink: &mut Sink<'_>) {
    let (args, text) = normalize_history(line);
    let n = index + 1;
    let first = text.split_whitespace().next().unwrap_or("");
    let instruction = INSTRUCTIONS.contains(&first);

    let mut secrets: Vec<String> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    for (k, v) in &args {
        if v.is_empty() {
            continue;
        }
        if let Some(kind) = token_kind(v) {
            reasons.push(format!("build argument {k} holds a {kind}"));
            secrets.push(v.clone());
        } else if secret_name(k).is_some() {
            reasons.push(format!("build argument {k}=`{}`", redact(v)));
            secrets.push(v.clone());
        }
    }

    if first == "ENV" {
        let body = text[3..].trim();
        for pair in body.split_whitespace() {
            let Some((k, v)) = pair.split_once('=') else {
                continue;
            };
            let still_in_env = env.iter().any(|(ek, ev)| ek == &k && ev == &v);
            if still_in_env || v.is_empty() {
                continue;
            }
            if token_kind(v).is_some() || secret_name(k).is_some() {
                reasons.push(format!(
                    "ENV {k}=`{}` (no longer in the image Env)",
                    redact(v)
                ));
                secrets.push(v.to_string());
            }
        }
    } else if first == "ADD" {
        if let Some(url) = text
            .split_whitespace()
            .skip(1)
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        {
            sink.emit(
                &IC006,
                format!("history entry {n} adds `{url}` from the network"),
                line.to_string(),
                &[],
            );
        }
    } else if !instruction {
        let script = Script::parse(&text);
        if let Some(desc) = pipe_to_shell(std::slice::from_ref(&script)) {
            sink.emit(
                &IC005,
                format!("history entry {n} runs a downloaded script (`{desc}`)"),
                line.to_string(),
                &[],
            );
        }
        for cmd in script.all_commands() {
            for cred in command_credentials(cmd) {
                if !cred.dynamic {
                    reasons.push(format!("{} `{}`", cred.kind, redact(&cred.secret)));
                    secrets.push(cred.secret);
                }
            }
        }
    }

    if !reasons.is_empty() {
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        sink.emit(
            &IC009,
            format!("history entry {n} contains {}", reasons.join(", ")),
            line.to_string(),
            &refs,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_forms() {
        let (a, t) = normalize_history("RUN |1 HF_TOKEN=abc /bin/sh -c pip install x # buildkit");
        assert_eq!(a, vec![("HF_TOKEN".to_string(), "abc".to_string())]);
        assert_eq!(t, "pip install x");
        let (_, t) = normalize_history("/bin/sh -c #(nop)  CMD [\"bash\"]");
        assert_eq!(t, "CMD [\"bash\"]");
        let (_, t) = normalize_history("ADD https://x/y.tgz / # buildkit");
        assert_eq!(t, "ADD https://x/y.tgz /");
    }
}
