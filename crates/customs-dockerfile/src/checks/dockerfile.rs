//! Dockerfile checks (`CUS-DF-*`).

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::*;
use super::commands::{
    Credential, apt_assume_yes, chmod_world_writable, command_credentials, command_tls_issue,
    entrypoint_scripts, env_pip_issue, env_tls_issue, exposes_ssh, insecure_index_url,
    is_root_user, jupyter_issues, parse_pip, pip_args, pipe_to_shell, requirement_name, subcommand,
    unpinned_requirement, world_writable_mode,
};
use super::{CheckContext, Emitter};
use crate::dockerignore::DockerIgnore;
use crate::finding::CheckInfo;
use crate::model::{
    BaseImage, Body, CommandForm, CopySource, Dockerfile, Instruction, Keyword, Stage,
};
use crate::secrets::{redact, secret_name, token_kind};
use crate::shell::{Command, Program, Script, referenced_vars, run_scripts};

/// Variables known at one point of a stage.
#[derive(Debug, Clone, Default)]
struct Vars {
    args: BTreeSet<String>,
    env: BTreeMap<String, String>,
}

pub(super) fn run(df: &Dockerfile, ctx: &CheckContext<'_>, em: &mut Emitter<'_>) {
    let chain = df.shipped_chain();
    let mut stage_env: Vec<BTreeMap<String, String>> = Vec::new();

    for ins in &df.global_args {
        check_env_arg(None, ins, em);
    }

    for stage in &df.stages {
        let shipped = chain.contains(&stage.index);
        let mut vars = Vars::default();
        if let BaseImage::Stage(p) = stage.base
            && let Some(env) = stage_env.get(p)
        {
            vars.env = env.clone();
        }
        let mut recommends_off = false;
        let mut cmds = Vec::new();
        let mut entrypoints = Vec::new();

        for ins in &stage.instructions {
            match ins.keyword {
                Keyword::From => check_from(stage, ins, em),
                Keyword::Env | Keyword::Arg => {
                    check_env_arg(Some(stage), ins, em);
                    update_vars(&mut vars, ins);
                }
                Keyword::Copy | Keyword::Add => check_copy(ctx, stage, ins, shipped, em),
                Keyword::Expose if shipped => check_expose(stage, ins, em),
                Keyword::Workdir => check_workdir(stage, ins, em),
                Keyword::Maintainer => em.emit(
                    &DF025,
                    Some(stage),
                    ins,
                    "MAINTAINER is deprecated; use an org.opencontainers.image.authors label"
                        .to_string(),
                    &[],
                ),
                Keyword::Run => {
                    let text = format!(
                        "{}{}",
                        ins.arguments,
                        ins.heredocs
                            .iter()
                            .map(|h| h.content.as_str())
                            .collect::<String>()
                    );
                    if text.contains("Install-Recommends") {
                        recommends_off = true;
                    }
                    check_run(stage, ins, shipped, &vars, recommends_off, em);
                }
                Keyword::Cmd => cmds.push(ins),
                Keyword::Entrypoint => entrypoints.push(ins),
                _ => {}
            }
        }

        for list in [&cmds, &entrypoints] {
            if let Some((_, earlier)) = list.split_last() {
                for ins in earlier {
                    em.emit(
                        &DF023,
                        Some(stage),
                        ins,
                        format!(
                            "this {} is overridden by a later one in the same stage and has no effect",
                            ins.keyword.as_str()
                        ),
                        &[],
                    );
                }
            }
        }
        stage_env.push(vars.env);
    }

    check_final_stage(df, &chain, em);
}

fn update_vars(vars: &mut Vars, ins: &Instruction) {
    match &ins.body {
        Body::KeyValues(kvs) if ins.keyword == Keyword::Env => {
            for kv in kvs {
                vars.env.insert(kv.key.clone(), kv.value.value.clone());
            }
        }
        Body::Args(decls) => {
            for d in decls {
                vars.args.insert(d.name.clone());
            }
        }
        _ => {}
    }
}

/// The last instruction of `keyword` across the shipped chain.
fn last_in_chain<'a>(
    df: &'a Dockerfile,
    chain: &[usize],
    keyword: Keyword,
) -> Option<(&'a Stage, &'a Instruction)> {
    chain.iter().rev().find_map(|&i| {
        let stage = df.stages.get(i)?;
        stage
            .instructions
            .iter()
            .rev()
            .find(|ins| ins.keyword == keyword)
            .map(|ins| (stage, ins))
    })
}

fn check_final_stage(df: &Dockerfile, chain: &[usize], em: &mut Emitter<'_>) {
    let Some(final_stage) = df.final_stage() else {
        return;
    };
    let Some(from) = final_stage.from_instruction() else {
        return;
    };

    // CUS-DF-001: the effective USER of the final image.
    match last_in_chain(df, chain, Keyword::User) {
        None => em.emit(
            &DF001,
            Some(final_stage),
            from,
            "the final stage sets no USER, so the container runs as root unless the base image sets another user"
                .to_string(),
            &[],
        ),
        Some((stage, ins)) => {
            if let Body::Value(v) = &ins.body
                && v.is_resolved()
                && is_root_user(&v.value)
            {
                em.emit(
                    &DF001,
                    Some(stage),
                    ins,
                    format!("the last USER of the final image is `{}`", v.value),
                    &[],
                );
            }
        }
    }

    // CUS-DF-016: HEALTHCHECK anywhere in the shipped chain (NONE counts as a decision).
    if last_in_chain(df, chain, Keyword::Healthcheck).is_none() {
        em.emit(
            &DF016,
            Some(final_stage),
            from,
            "the final image defines no HEALTHCHECK".to_string(),
            &[],
        );
    }

    let cmd = last_in_chain(df, chain, Keyword::Cmd);
    let ep = last_in_chain(df, chain, Keyword::Entrypoint);
    let form = |x: Option<(&Stage, &Instruction)>| -> Option<CommandForm> {
        match x.map(|(_, i)| &i.body) {
            Some(Body::Command(f)) => Some(f.clone()),
            _ => None,
        }
    };
    let (cmd_form, ep_form) = (form(cmd), form(ep));

    // CUS-DF-026 / 027: Jupyter in what the image runs.
    let scripts = entrypoint_scripts(ep_form.as_ref(), cmd_form.as_ref());
    let issues = jupyter_issues(&scripts);
    let jupyter_at = [cmd, ep].into_iter().flatten().find(|(_, i)| {
        let single = match &i.body {
            Body::Command(f) => entrypoint_scripts(None, Some(f)),
            _ => Vec::new(),
        };
        let j = jupyter_issues(&single);
        j.no_auth || j.allow_root
    });
    let at = jupyter_at.or(cmd).or(ep);
    if let Some((stage, ins)) = at {
        if issues.no_auth {
            em.emit(
                &DF026,
                Some(stage),
                ins,
                "Jupyter listens on all interfaces with an empty token and no password".to_string(),
                &[],
            );
        }
        if issues.allow_root {
            em.emit(
                &DF027,
                Some(stage),
                ins,
                "Jupyter is started with --allow-root".to_string(),
                &[],
            );
        }
    }

    // CUS-DF-036: shell-form ENTRYPOINT, or shell-form CMD without an ENTRYPOINT.
    if let (Some((stage, ins)), Some(CommandForm::Shell(_))) = (ep, &ep_form) {
        em.emit(
            &DF036,
            Some(stage),
            ins,
            "ENTRYPOINT uses the shell form, so the process does not receive SIGTERM".to_string(),
            &[],
        );
    }
    if ep.is_none()
        && let (Some((stage, ins)), Some(CommandForm::Shell(_))) = (cmd, &cmd_form)
    {
        em.emit(
            &DF036,
            Some(stage),
            ins,
            "CMD uses the shell form, so the process does not receive SIGTERM".to_string(),
            &[],
        );
    }
}

fn check_from(stage: &Stage, ins: &Instruction, em: &mut Emitter<'_>) {
    let BaseImage::Image(image) = &stage.base else {
        return;
    };
    if image.digest.is_none() {
        match image.tag.as_deref() {
            None => em.emit(
                &DF002,
                Some(stage),
                ins,
                format!("`{}` has no tag, so it means `latest`", image.reference),
                &[],
            ),
            Some("latest") => em.emit(
                &DF002,
                Some(stage),
                ins,
                format!("`{}` uses the `latest` tag", image.reference),
                &[],
            ),
            Some(_) => {}
        }
        em.emit(
            &DF003,
            Some(stage),
            ins,
            format!("`{}` is not pinned by digest", image.reference),
            &[],
        );
    }
}

fn check_env_arg(stage: Option<&Stage>, ins: &Instruction, em: &mut Emitter<'_>) {
    let mut entries: Vec<(&str, Option<(&str, &str)>)> = Vec::new();
    match &ins.body {
        Body::KeyValues(kvs) if ins.keyword == Keyword::Env => {
            for kv in kvs {
                entries.push((&kv.key, Some((&kv.value.raw, &kv.value.value))));
            }
        }
        Body::Args(decls) => {
            for d in decls {
                entries.push((
                    &d.name,
                    d.default
                        .as_ref()
                        .map(|v| (v.raw.as_str(), v.value.as_str())),
                ));
            }
        }
        _ => return,
    }
    let kw = ins.keyword.as_str();
    for (key, value) in entries {
        let (raw, val) = value.unwrap_or(("", ""));
        if let Some(kind) = token_kind(val).or_else(|| token_kind(raw)) {
            let shown = if token_kind(val).is_some() { val } else { raw };
            em.emit(
                &DF012,
                stage,
                ins,
                format!(
                    "{kw} {key} holds what looks like a {kind} (`{}`)",
                    redact(shown)
                ),
                &[shown],
            );
        } else if let Some(word) = secret_name(key) {
            let message = match (ins.keyword, value) {
                (Keyword::Arg, None) => format!(
                    "ARG {key} (name contains {word}): a value passed with --build-arg is recorded in the image history"
                ),
                (Keyword::Arg, Some(_)) => format!(
                    "ARG {key} (name contains {word}) has a default (`{}`) and any --build-arg value is recorded in the image history",
                    redact(val)
                ),
                _ if raw.is_empty() && val.is_empty() => continue,
                _ if raw.contains('$') => format!(
                    "ENV {key} (name contains {word}) copies `{raw}` into the image configuration, readable with docker inspect"
                ),
                _ => format!(
                    "ENV {key} (name contains {word}) stores `{}` in the image configuration",
                    redact(val)
                ),
            };
            em.emit(&DF011, stage, ins, message, &[val, raw]);
        }
        if ins.keyword == Keyword::Env {
            if let Some(msg) = env_pip_issue(key, val) {
                em.emit(&DF019, stage, ins, msg, &[]);
            }
            if let Some(msg) = env_tls_issue(key, val) {
                em.emit(&DF035, stage, ins, msg, &[]);
            }
        }
    }
}

const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".tzst",
    ".tar.lz",
    ".tar.lzma",
    ".tlz",
    ".gz",
    ".bz2",
    ".xz",
    ".zst",
];

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("ftp://")
}

fn is_git_ref(s: &str) -> bool {
    s.starts_with("git@") || s.starts_with("git://") || s.starts_with("ssh://")
}

/// `.env` files (but not `.env.example` & co), private keys and credential files.
fn sensitive_file(path: &str) -> Option<&'static str> {
    let p = path.trim_end_matches('/');
    let base = p.rsplit('/').next().unwrap_or(p);
    let lower = base.to_ascii_lowercase();
    if lower == ".env"
        || (lower.starts_with(".env.")
            && !["example", "sample", "template", "dist", "defaults"]
                .iter()
                .any(|s| lower.ends_with(s)))
    {
        return Some("an environment file with credentials");
    }
    if matches!(
        lower.as_str(),
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | ".ssh"
    ) {
        return Some("an SSH private key");
    }
    if matches!(
        lower.as_str(),
        ".npmrc"
            | ".pypirc"
            | ".netrc"
            | ".git-credentials"
            | ".htpasswd"
            | "kaggle.json"
            | ".kaggle"
            | ".aws"
    ) {
        return Some("a credentials file");
    }
    let pl = p.to_ascii_lowercase();
    if pl.ends_with(".aws/credentials")
        || pl.ends_with(".docker/config.json")
        || pl.ends_with("huggingface/token")
        || pl.ends_with(".kube/config")
    {
        return Some("a credentials file");
    }
    if [".key", ".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|e| lower.ends_with(e))
        && lower.len() > 4
    {
        return Some("a private key or keystore");
    }
    None
}

fn check_copy(
    ctx: &CheckContext<'_>,
    stage: &Stage,
    ins: &Instruction,
    shipped: bool,
    em: &mut Emitter<'_>,
) {
    let Body::Copy(copy) = &ins.body else {
        return;
    };
    let kw = ins.keyword.as_str();
    let paths: Vec<&str> = copy
        .sources
        .iter()
        .filter_map(|s| match s {
            CopySource::Path(v) if v.is_resolved() => Some(v.value.as_str()),
            _ => None,
        })
        .collect();
    let unresolved = copy
        .sources
        .iter()
        .any(|s| matches!(s, CopySource::Path(v) if !v.is_resolved()));

    if ins.keyword == Keyword::Add {
        let has_checksum = ins.flag("checksum").is_some();
        for p in paths.iter().filter(|p| is_url(p)) {
            if !has_checksum {
                em.emit(
                    &DF004,
                    Some(stage),
                    ins,
                    format!("ADD fetches `{p}` without --checksum"),
                    &[],
                );
            }
        }
        let local: Vec<&&str> = paths
            .iter()
            .filter(|p| !is_url(p) && !is_git_ref(p))
            .collect();
        let all_local = !unresolved
            && copy.from.is_none()
            && local.len() == copy.sources.len()
            && !local.is_empty();
        if all_local
            && local.iter().any(|p| {
                let l = p.to_ascii_lowercase();
                !ARCHIVE_SUFFIXES.iter().any(|s| l.ends_with(s))
            })
        {
            em.emit(
                &DF005,
                Some(stage),
                ins,
                "ADD copies local files that are not archives; COPY does the same explicitly"
                    .to_string(),
                &[],
            );
        }
    }

    for mode in ins.flag_values("chmod") {
        if world_writable_mode(mode) {
            em.emit(
                &DF014,
                Some(stage),
                ins,
                format!("{kw} --chmod={mode} makes the files writable by every user"),
                &[],
            );
        }
    }

    if copy.from.is_some() {
        return;
    }
    for p in &paths {
        if let Some(what) = sensitive_file(p) {
            em.emit(
                &DF034,
                Some(stage),
                ins,
                format!("{kw} copies `{p}`, {what}"),
                &[],
            );
        }
    }
    if shipped {
        check_whole_context(ctx, stage, ins, &paths, em);
    }
}

fn check_whole_context(
    ctx: &CheckContext<'_>,
    stage: &Stage,
    ins: &Instruction,
    paths: &[&str],
    em: &mut Emitter<'_>,
) {
    let whole = paths
        .iter()
        .any(|p| matches!(p.trim_end_matches('/'), "." | "" | "./." | "*" | "./*"));
    if !whole {
        return;
    }
    let kw = ins.keyword.as_str();
    let excludes = DockerIgnore::from_patterns(ins.flag_values("exclude"));
    let Some(content) = ctx.dockerignore else {
        let leaks: Vec<&str> = [".env", ".git"]
            .into_iter()
            .filter(|p| !excludes.is_excluded(p) && !excludes.is_excluded(&format!("{p}/config")))
            .collect();
        if !leaks.is_empty() {
            em.emit(
                &DF021,
                Some(stage),
                ins,
                format!("{kw} copies the whole build context and there is no .dockerignore"),
                &[],
            );
        }
        return;
    };
    let ignore = DockerIgnore::parse(content);
    let leaks: Vec<&str> = [(".env", ".env"), (".git", ".git/config")]
        .into_iter()
        .filter(|(_, probe)| !ignore.is_excluded(probe) && !excludes.is_excluded(probe))
        .map(|(name, _)| name)
        .collect();
    if !leaks.is_empty() {
        em.emit(
            &DF021,
            Some(stage),
            ins,
            format!(
                "{kw} copies the whole build context and .dockerignore lets {} in",
                leaks.join(" and ")
            ),
            &[],
        );
    }
}

fn check_expose(stage: &Stage, ins: &Instruction, em: &mut Emitter<'_>) {
    if let Body::List(ports) = &ins.body
        && let Some(p) = ports.iter().find(|p| exposes_ssh(&p.value))
    {
        em.emit(
            &DF015,
            Some(stage),
            ins,
            format!("EXPOSE {} publishes the SSH port", p.value),
            &[],
        );
    }
}

fn check_workdir(stage: &Stage, ins: &Instruction, em: &mut Emitter<'_>) {
    let Body::Value(v) = &ins.body else {
        return;
    };
    let p = v.value.as_str();
    let windows_abs = p.len() >= 2 && p.as_bytes()[1] == b':';
    if v.is_resolved()
        && !p.is_empty()
        && !p.starts_with('/')
        && !windows_abs
        && !p.starts_with('\\')
    {
        em.emit(
            &DF022,
            Some(stage),
            ins,
            format!("WORKDIR `{p}` is relative"),
            &[],
        );
    }
}

/// Cache mount targets of a RUN.
fn cache_targets(ins: &Instruction) -> Vec<String> {
    ins.flag_values("mount")
        .filter(|m| m.split(',').any(|kv| kv == "type=cache"))
        .filter_map(|m| {
            m.split(',').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                matches!(k, "target" | "dst" | "destination").then(|| v.to_string())
            })
        })
        .collect()
}

/// Whether any `rm` in the commands removes a path under `prefix`.
fn removes(cmds: &[&Command], prefixes: &[&str]) -> bool {
    cmds.iter().any(|c| {
        c.program().is_some_and(|p| {
            p.name == "rm"
                && p.arg_values()
                    .any(|a| prefixes.iter().any(|pre| a.starts_with(pre)))
        })
    })
}

/// Emits each check at most once per RUN.
struct RunSink<'a> {
    stage: &'a Stage,
    ins: &'a Instruction,
    seen: BTreeSet<&'static str>,
}

impl RunSink<'_> {
    fn emit(
        &mut self,
        em: &mut Emitter<'_>,
        info: &'static CheckInfo,
        msg: String,
        secrets: &[&str],
    ) {
        if self.seen.insert(info.id) {
            em.emit(info, Some(self.stage), self.ins, msg, secrets);
        }
    }
}

/// Facts about one RUN shared by the command checks.
struct RunFacts<'a> {
    cmds: Vec<&'a Command>,
    caches: Vec<String>,
    shipped: bool,
}

impl RunFacts<'_> {
    fn cached(&self, dir: &str) -> bool {
        self.caches.iter().any(|t| {
            let t = t.trim_end_matches('/');
            !t.is_empty() && (dir.starts_with(t) || t.starts_with(dir))
        })
    }

    fn removes(&self, prefixes: &[&str]) -> bool {
        removes(&self.cmds, prefixes)
    }
}

fn check_run(
    stage: &Stage,
    ins: &Instruction,
    shipped: bool,
    vars: &Vars,
    recommends_off: bool,
    em: &mut Emitter<'_>,
) {
    let scripts = run_scripts(ins);
    let facts = RunFacts {
        cmds: scripts.iter().flat_map(Script::all_commands).collect(),
        caches: cache_targets(ins),
        shipped,
    };
    let mut sink = RunSink {
        stage,
        ins,
        seen: BTreeSet::new(),
    };

    if ins.flag_values("security").any(|v| v == "insecure") {
        sink.emit(
            em,
            &DF032,
            "RUN --security=insecure runs this step privileged".to_string(),
            &[],
        );
    }

    let first = scripts
        .first()
        .and_then(|s| {
            s.top_commands()
                .find(|c| c.program().is_none_or(|p| p.name != "set"))
        })
        .and_then(Command::program);
    if first.is_some_and(|p| p.name == "cd")
        && matches!(ins.body, Body::Command(CommandForm::Shell(_)))
    {
        sink.emit(
            em,
            &DF024,
            "the RUN starts with `cd`; use WORKDIR instead".to_string(),
            &[],
        );
    }

    if let Some(desc) = pipe_to_shell(&scripts) {
        sink.emit(
            em,
            &DF010,
            format!("the RUN executes a downloaded script (`{desc}`)"),
            &[],
        );
    }

    let mut apt_update = false;
    let mut yum_install = false;
    for cmd in &facts.cmds {
        let Some(p) = cmd.program() else { continue };
        if p.sudo || p.name == "sudo" {
            sink.emit(em, &DF013, "the RUN uses sudo".to_string(), &[]);
        }
        if let Some(mode) = chmod_world_writable(&p) {
            sink.emit(
                em,
                &DF014,
                format!("`chmod {mode}` makes files writable by every user"),
                &[],
            );
        }
        if let Some(msg) = command_tls_issue(cmd) {
            sink.emit(em, &DF035, msg, &[]);
        }
        match p.name {
            "apt-get" | "apt" => {
                if p.name == "apt" {
                    sink.emit(
                        em,
                        &DF033,
                        "`apt` is meant for interactive use; use apt-get".to_string(),
                        &[],
                    );
                }
                let sub = subcommand(&p, APT_VALUE_OPTIONS);
                apt_update |= sub == Some("update");
                if sub == Some("install") {
                    if !apt_assume_yes(&p) {
                        sink.emit(em, &DF006, format!("`{} install` without -y", p.name), &[]);
                    }
                    let no_rec = p.has_long("--no-install-recommends")
                        || p.arg_values().any(|a| a.contains("Install-Recommends"));
                    if !no_rec && !recommends_off {
                        sink.emit(
                            em,
                            &DF007,
                            format!("`{} install` without --no-install-recommends", p.name),
                            &[],
                        );
                    }
                }
            }
            "apk" => {
                let sub = subcommand(&p, APK_VALUE_OPTIONS);
                if facts.shipped
                    && sub == Some("add")
                    && !p.has_long("--no-cache")
                    && !facts.cached("/var/cache/apk")
                    && !facts.removes(&["/var/cache/apk"])
                {
                    sink.emit(em, &DF009, "`apk add` without --no-cache".to_string(), &[]);
                }
            }
            "yum" | "dnf" | "microdnf" | "tdnf" => {
                let sub = subcommand(&p, YUM_VALUE_OPTIONS);
                if matches!(
                    sub,
                    Some("install" | "groupinstall" | "localinstall" | "reinstall")
                ) {
                    yum_install = true;
                    if p.name != "microdnf"
                        && !p.has_short('y', "cdx")
                        && !p.has_long("--assumeyes")
                    {
                        sink.emit(em, &DF030, format!("`{} install` without -y", p.name), &[]);
                    }
                }
            }
            "npm" => check_npm(&p, &mut sink, em),
            _ => {}
        }
        check_pip(&p, vars, &facts, &mut sink, em);
        for cred in command_credentials(cmd) {
            report_credential(&cred, vars, &mut sink, em);
        }
    }

    if facts.shipped
        && apt_update
        && !facts.removes(&["/var/lib/apt/lists"])
        && !facts.cached("/var/lib/apt")
    {
        sink.emit(
            em,
            &DF008,
            "`apt-get update` without `rm -rf /var/lib/apt/lists/*` in the same RUN".to_string(),
            &[],
        );
    }
    if facts.shipped && yum_install {
        let cleaned = facts.cmds.iter().filter_map(|c| c.program()).any(|p| {
            matches!(p.name, "yum" | "dnf" | "microdnf" | "tdnf")
                && subcommand(&p, YUM_VALUE_OPTIONS) == Some("clean")
        }) || facts.removes(&["/var/cache/yum", "/var/cache/dnf"])
            || facts.cached("/var/cache/yum")
            || facts.cached("/var/cache/dnf");
        if !cleaned {
            sink.emit(
                em,
                &DF031,
                "package install without `clean all` in the same RUN".to_string(),
                &[],
            );
        }
    }
}

const APT_VALUE_OPTIONS: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "-a",
    "--option",
    "--config-file",
    "--target-release",
    "--host-architecture",
];
const APK_VALUE_OPTIONS: &[&str] = &[
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--keys-dir",
];
const YUM_VALUE_OPTIONS: &[&str] = &[
    "-c",
    "--config",
    "--installroot",
    "--releasever",
    "--enablerepo",
    "--disablerepo",
    "--setopt",
    "-x",
    "--exclude",
];
const NPM_VALUE_OPTIONS: &[&str] = &[
    "--prefix",
    "--registry",
    "--cache",
    "--loglevel",
    "-w",
    "--workspace",
    "--userconfig",
    "--tag",
    "--omit",
    "--include",
    "--only",
];

fn check_npm(p: &Program<'_>, sink: &mut RunSink<'_>, em: &mut Emitter<'_>) {
    let vals: Vec<&str> = p.arg_values().collect();
    let Some((sub, rest)) = vals.split_first() else {
        return;
    };
    if !matches!(*sub, "install" | "i") || rest.iter().any(|v| matches!(*v, "-g" | "--global")) {
        return;
    }
    let mut it = rest.iter();
    let mut packages = 0;
    while let Some(v) = it.next() {
        if NPM_VALUE_OPTIONS.contains(v) {
            it.next();
        } else if !v.starts_with('-') {
            packages += 1;
        }
    }
    if packages == 0 {
        sink.emit(
            em,
            &DF020,
            format!(
                "`npm {sub}` without package arguments; `npm ci` installs the lockfile exactly"
            ),
            &[],
        );
    }
}

fn check_pip(
    p: &Program<'_>,
    vars: &Vars,
    facts: &RunFacts<'_>,
    sink: &mut RunSink<'_>,
    em: &mut Emitter<'_>,
) {
    let Some(args) = pip_args(p) else {
        return;
    };
    let inv = parse_pip(args);
    if inv.has("--trusted-host") {
        sink.emit(
            em,
            &DF019,
            "pip --trusted-host disables certificate checks".to_string(),
            &[],
        );
    }
    if let Some(url) = inv
        .values(&[
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
        ])
        .into_iter()
        .find(|u| insecure_index_url(u))
    {
        sink.emit(
            em,
            &DF019,
            format!("pip uses the plain-HTTP index `{url}`"),
            &[],
        );
    }
    if inv.subcommand == Some("config") {
        let vals: Vec<&str> = inv.positionals.iter().map(|w| w.value.as_str()).collect();
        let trusted = vals.iter().any(|v| v.ends_with("trusted-host"));
        let http_index = vals.iter().any(|v| v.ends_with("index-url"))
            && vals.iter().any(|v| insecure_index_url(v));
        if trusted || http_index {
            sink.emit(
                em,
                &DF019,
                "pip config sets an insecure index".to_string(),
                &[],
            );
        }
    }
    if inv.subcommand != Some("install") {
        return;
    }
    let upgrade = inv.has("-U") || inv.has("--upgrade");
    let unpinned: Vec<String> = inv
        .positionals
        .iter()
        .filter(|w| unpinned_requirement(w))
        .map(|w| w.value.as_str())
        .filter(|v| !(upgrade && matches!(requirement_name(v), "pip" | "setuptools" | "wheel")))
        .map(|v| format!("`{v}`"))
        .collect();
    if !unpinned.is_empty() {
        sink.emit(
            em,
            &DF017,
            format!(
                "pip installs {} without an exact version (==)",
                unpinned.join(", ")
            ),
            &[],
        );
    }
    let env_no_cache = vars
        .env
        .get("PIP_NO_CACHE_DIR")
        .is_some_and(|v| !v.is_empty());
    let no_cache = inv.has("--no-cache-dir")
        || env_no_cache
        || facts.cached("/root/.cache/pip")
        || facts.removes(&["/root/.cache", "~/.cache", "$HOME/.cache"]);
    if facts.shipped && !no_cache {
        sink.emit(
            em,
            &DF018,
            "pip install without --no-cache-dir".to_string(),
            &[],
        );
    }
}

fn report_credential(cred: &Credential, vars: &Vars, sink: &mut RunSink<'_>, em: &mut Emitter<'_>) {
    if !cred.dynamic {
        sink.emit(
            em,
            &DF028,
            format!(
                "{} `{}` is written in the command",
                cred.kind,
                redact(&cred.secret)
            ),
            &[cred.secret.as_str()],
        );
        return;
    }
    let names = referenced_vars(&cred.secret);
    let from_env = names.iter().find(|n| vars.env.contains_key(*n));
    let from_arg = names.iter().find(|n| vars.args.contains(*n));
    let source = match (from_env, from_arg) {
        (Some(n), _) => Some(format!(
            "ENV {n}, which is stored in the image configuration"
        )),
        (None, Some(n)) => Some(format!(
            "build argument {n}, whose value is recorded in the image history"
        )),
        (None, None) => None,
    };
    let message = match (source, cred.persists) {
        (Some(src), true) => format!(
            "the {} comes from {src}, and the command also writes it into a file in the layer",
            cred.kind
        ),
        (Some(src), false) => format!("the {} comes from {src}", cred.kind),
        (None, true) => format!(
            "the command stores the {} (`{}`) in a file inside the layer",
            cred.kind, cred.secret
        ),
        (None, false) => return,
    };
    sink.emit(em, &DF029, message, &[]);
}
