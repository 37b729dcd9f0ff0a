//! Command-line analysis shared by the Dockerfile and image-config checks.

use crate::model::CommandForm;
use crate::secrets::token_kind;
use crate::shell::{Command, Program, SHELLS, Script, Word};

/// Whether a `USER` value (or image config user) means root.
pub(crate) fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "root" || name == "0"
}

/// Whether an EXPOSE entry (`22`, `22/tcp`, `20-25`) includes port 22.
pub(crate) fn exposes_ssh(port: &str) -> bool {
    let p = port.split('/').next().unwrap_or("").trim();
    match p.split_once('-') {
        Some((a, b)) => match (a.parse::<u32>(), b.parse::<u32>()) {
            (Ok(a), Ok(b)) => a <= 22 && 22 <= b,
            _ => false,
        },
        None => p == "22",
    }
}

fn is_downloader(name: &str) -> bool {
    matches!(name, "curl" | "wget" | "fetch")
}

fn is_interpreter(name: &str) -> bool {
    SHELLS.contains(&name)
        || name.starts_with("python")
        || matches!(name, "perl" | "ruby" | "node" | "php")
}

/// Whether `p` executes the program text it reads on stdin.
fn runs_stdin(p: &Program<'_>) -> bool {
    if !is_interpreter(p.name) {
        return false;
    }
    let shell = SHELLS.contains(&p.name);
    for a in p.arg_values() {
        if a == "-" || (shell && a == "--") {
            return true;
        }
        if let Some(opts) = a.strip_prefix('-') {
            if opts.starts_with('-') {
                continue;
            }
            let code_flag = if shell || p.name.starts_with("python") {
                'c'
            } else {
                'e'
            };
            if opts.contains(code_flag) {
                return false;
            }
            if shell && opts.contains('s') {
                return true;
            }
            continue;
        }
        return false;
    }
    true
}

fn script_downloads(s: &Script) -> bool {
    s.all_commands()
        .iter()
        .any(|c| c.program().is_some_and(|p| is_downloader(p.name)))
}

/// A description of the first "download and execute" in the scripts, like
/// `curl | sh` or `bash <(curl ...)`.
pub(crate) fn pipe_to_shell(scripts: &[Script]) -> Option<String> {
    for s in scripts {
        for pl in s.all_pipelines() {
            let progs: Vec<Option<Program<'_>>> =
                pl.commands.iter().map(Command::program).collect();
            let dl = progs
                .iter()
                .position(|p| p.is_some_and(|p| is_downloader(p.name)));
            if let Some(d) = dl
                && let Some(sh) = progs[d + 1..].iter().flatten().find(|p| runs_stdin(p))
                && let Some(dp) = progs[d]
            {
                return Some(format!("{} | {}", dp.name, sh.name));
            }
        }
        for c in s.all_commands() {
            let Some(p) = c.program() else { continue };
            let executes = is_interpreter(p.name) || matches!(p.name, "eval" | "source" | ".");
            if !executes {
                continue;
            }
            if p.args.iter().any(|w| w.subs.iter().any(script_downloads)) {
                return Some(format!("{} with a downloaded script", p.name));
            }
        }
    }
    None
}

/// Jupyter problems in a command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct JupyterIssues {
    pub(crate) no_auth: bool,
    pub(crate) allow_root: bool,
}

fn strip_quotes(v: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

fn jupyter_args<'a>(p: &Program<'a>) -> Option<(&'a [Word], bool)> {
    let args = p.args;
    let first = args.first().map(|w| w.value.as_str());
    match p.name {
        "jupyter" if matches!(first, Some("notebook" | "lab" | "server")) => {
            Some((&args[1..], false))
        }
        "jupyter-notebook" | "jupyter-lab" | "jupyter-server" => Some((args, false)),
        // Jupyter Docker Stacks scripts listen on all interfaces by default.
        "start-notebook.sh" | "start-notebook.py" | "start-singleuser.sh" => Some((args, true)),
        n if n.starts_with("python") && first == Some("-m") => {
            match args.get(1).map(|w| w.value.as_str()) {
                Some("jupyter")
                    if args.get(2).is_some_and(|w| {
                        matches!(w.value.as_str(), "notebook" | "lab" | "server")
                    }) =>
                {
                    Some((&args[3..], false))
                }
                Some("notebook" | "jupyterlab" | "jupyter_server") => Some((&args[2..], false)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Look for Jupyter started without authentication on all interfaces, or as root.
pub(crate) fn jupyter_issues(scripts: &[Script]) -> JupyterIssues {
    let mut out = JupyterIssues::default();
    for s in scripts {
        for c in s.all_commands() {
            let Some(p) = c.program() else { continue };
            let Some((args, mut public)) = jupyter_args(&p) else {
                continue;
            };
            let mut token_empty = false;
            let mut password_set = false;
            let mut i = 0;
            while i < args.len() {
                let a = args[i].value.as_str();
                i += 1;
                let Some(opt) = a.strip_prefix("--") else {
                    continue;
                };
                let (key, value) = match opt.split_once('=') {
                    Some((k, v)) => (k.to_ascii_lowercase(), Some(v.to_string())),
                    None => (opt.to_ascii_lowercase(), None),
                };
                let allow_root_opt = key.ends_with(".allow_root")
                    && value
                        .as_deref()
                        .is_none_or(|v| v.eq_ignore_ascii_case("true"));
                if key == "allow-root" || allow_root_opt {
                    out.allow_root = true;
                    continue;
                }
                let is_ip = key == "ip" || key.ends_with(".ip");
                let is_token = key == "token" || key.ends_with(".token");
                let is_password = key == "password"
                    || key.ends_with(".password")
                    || key.ends_with(".hashed_password");
                if !(is_ip || is_token || is_password) {
                    continue;
                }
                let value = match value {
                    Some(v) => v,
                    None => match args.get(i) {
                        Some(next) if !next.value.starts_with("--") => {
                            i += 1;
                            next.value.clone()
                        }
                        _ => String::new(),
                    },
                };
                let v = strip_quotes(&value);
                if is_ip {
                    public = matches!(v, "0.0.0.0" | "*" | "::" | "[::]");
                } else if is_token {
                    token_empty = v.is_empty();
                } else if !v.is_empty() {
                    password_set = true;
                }
            }
            if public && token_empty && !password_set {
                out.no_auth = true;
            }
        }
    }
    out
}

/// The scripts an image runs: ENTRYPOINT + CMD combined the way Docker does,
/// and each on its own (so `tini`/entrypoint wrappers do not hide the CMD).
pub(crate) fn entrypoint_scripts(
    entrypoint: Option<&CommandForm>,
    cmd: Option<&CommandForm>,
) -> Vec<Script> {
    let mut out = Vec::new();
    match (entrypoint, cmd) {
        (Some(CommandForm::Exec(e)), Some(CommandForm::Exec(c))) => {
            let mut argv = e.clone();
            argv.extend(c.iter().cloned());
            out.push(Script::from_argv(&argv));
        }
        (Some(CommandForm::Exec(e)), Some(CommandForm::Shell(s))) => {
            let mut argv = e.clone();
            argv.extend(["/bin/sh".to_string(), "-c".to_string(), s.clone()]);
            out.push(Script::from_argv(&argv));
        }
        _ => {}
    }
    for form in [entrypoint, cmd].into_iter().flatten() {
        out.push(match form {
            CommandForm::Exec(v) => Script::from_argv(v),
            CommandForm::Shell(s) => Script::parse(s),
        });
    }
    out
}

/// A credential found in a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    /// What it is (`Hugging Face token`, `password in URL`, ...).
    pub(crate) kind: String,
    /// The credential as written (`$HF_TOKEN` when it comes from a variable).
    pub(crate) secret: String,
    /// It comes from a variable or a command substitution.
    pub(crate) dynamic: bool,
    /// The command stores it on disk (login token files, `.git/config`).
    pub(crate) persists: bool,
}

fn is_dynamic(s: &str) -> bool {
    s.contains('$') || s.contains('`')
}

/// Credentials in `scheme://user:password@host` (or `scheme://TOKEN@host`).
fn url_credential(word: &str) -> Option<(String, &'static str)> {
    let start = word.find("://")? + 3;
    let rest = &word[start..];
    // The authority ends at the first `/` outside `$(...)` and `${...}`.
    let mut depth = 0usize;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let authority = &rest[..end];
    let at = authority.rfind('@')?;
    let userinfo = &authority[..at];
    match userinfo.split_once(':') {
        Some((_, pass)) if !pass.is_empty() => Some((pass.to_string(), "password in URL")),
        Some(_) => None,
        None => {
            let looks_secret = is_dynamic(userinfo)
                || token_kind(userinfo).is_some()
                || (userinfo.len() >= 20
                    && userinfo
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            looks_secret.then(|| (userinfo.to_string(), "token in URL"))
        }
    }
}

/// Credentials passed on a command line.
pub(crate) fn command_credentials(cmd: &Command) -> Vec<Credential> {
    let mut out: Vec<Credential> = Vec::new();
    let Some(p) = cmd.program() else {
        return out;
    };
    let vals: Vec<&str> = p.arg_values().collect();
    let push = |out: &mut Vec<Credential>, kind: &str, secret: &str, persists: bool| {
        if secret.is_empty() || out.iter().any(|c| c.secret == secret) {
            return;
        }
        out.push(Credential {
            kind: kind.to_string(),
            secret: secret.to_string(),
            dynamic: is_dynamic(secret),
            persists,
        });
    };

    let login = match p.name {
        "huggingface-cli" => vals.first() == Some(&"login"),
        "hf" => vals.first() == Some(&"auth") && vals.get(1) == Some(&"login"),
        _ => false,
    };
    if login {
        for v in p.option_values(&["--token"]) {
            push(&mut out, "Hugging Face token", v, true);
        }
    }
    if p.name == "wandb" && vals.first() == Some(&"login") {
        let mut it = vals[1..].iter();
        while let Some(v) = it.next() {
            if *v == "--host" || *v == "--cloud-host" {
                it.next();
            } else if !v.starts_with('-') {
                push(&mut out, "Weights & Biases API key", v, true);
                break;
            }
        }
    }
    let git_persists = p.name == "git"
        && vals
            .iter()
            .find(|v| !v.starts_with('-'))
            .is_some_and(|s| matches!(*s, "clone" | "remote" | "submodule" | "config"));
    for v in &vals {
        if let Some((secret, kind)) = url_credential(v) {
            push(&mut out, kind, &secret, git_persists);
        }
        if let Some(idx) = v.find("_authToken=") {
            push(&mut out, "npm auth token", &v[idx + 11..], false);
        }
    }
    if p.name == "curl" {
        for v in p.option_values(&["-u", "--user"]) {
            if let Some((_, pass)) = v.split_once(':') {
                push(&mut out, "password passed to curl -u", pass, false);
            }
        }
    }
    for w in &cmd.words {
        for m in crate::secrets::find_tokens(&w.value) {
            push(&mut out, m.kind, &w.value[m.start..m.end], false);
        }
    }
    out
}

fn falsey(v: &str) -> bool {
    matches!(
        strip_quotes(v).to_ascii_lowercase().as_str(),
        "false" | "0" | "no" | "off"
    )
}

/// A TLS-verification switch turned off by an environment variable.
pub(crate) fn env_tls_issue(key: &str, value: &str) -> Option<String> {
    let v = strip_quotes(value);
    let k = key.to_ascii_uppercase();
    let off = match k.as_str() {
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && !falsey(v),
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" | "CONDA_SSL_VERIFY" => falsey(v),
        _ => false,
    };
    off.then(|| format!("{key}={v} disables certificate verification"))
}

fn is_loopback_url(url: &str) -> bool {
    let host = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.starts_with("127.")
}

/// An `http://` package index that is not on the loopback interface.
pub(crate) fn insecure_index_url(url: &str) -> bool {
    let u = strip_quotes(url);
    u.to_ascii_lowercase().starts_with("http://") && !is_loopback_url(u)
}

/// pip pointed at an insecure index by an environment variable.
pub(crate) fn env_pip_issue(key: &str, value: &str) -> Option<String> {
    let k = key.to_ascii_uppercase();
    match k.as_str() {
        "PIP_TRUSTED_HOST" if !value.trim().is_empty() => Some(format!(
            "{key} disables certificate checks for {}",
            strip_quotes(value)
        )),
        "PIP_INDEX_URL" | "PIP_EXTRA_INDEX_URL" | "PIP_FIND_LINKS"
            if value.split_whitespace().any(insecure_index_url) =>
        {
            Some(format!("{key} uses a plain-HTTP index"))
        }
        _ => None,
    }
}

/// Short curl options that take a value (letters after them are the value).
const CURL_VALUE_LETTERS: &str = "oHduXAeTxmwbcCEFKrUYyzQtP";

/// TLS verification disabled on a command line.
pub(crate) fn command_tls_issue(cmd: &Command) -> Option<String> {
    for w in &cmd.words {
        if let Some((k, v)) = w.value.split_once('=')
            && let Some(msg) = env_tls_issue(k, v)
        {
            return Some(msg);
        }
    }
    let p = cmd.program()?;
    let vals: Vec<&str> = p.arg_values().collect();
    match p.name {
        "curl" if p.has_long("--insecure") || p.has_short('k', CURL_VALUE_LETTERS) => {
            return Some("curl -k/--insecure accepts any certificate".to_string());
        }
        "wget" if p.has_long("--no-check-certificate") => {
            return Some("wget --no-check-certificate accepts any certificate".to_string());
        }
        "git" => {
            for (i, v) in vals.iter().enumerate() {
                let lower = v.to_ascii_lowercase();
                if !lower.contains("sslverify") {
                    continue;
                }
                let value = match lower.split_once('=') {
                    Some((_, val)) => Some(val.to_string()),
                    None => vals.get(i + 1).map(|n| n.to_string()),
                };
                if value.as_deref().is_some_and(falsey) {
                    return Some("git http.sslVerify=false accepts any certificate".to_string());
                }
            }
        }
        "npm" | "yarn" | "pnpm" => {
            for (i, v) in vals.iter().enumerate() {
                let v = v.trim_start_matches('-');
                if let Some(val) = v.strip_prefix("strict-ssl") {
                    let val = val
                        .strip_prefix('=')
                        .map(str::to_string)
                        .or_else(|| vals.get(i + 1).map(|n| n.to_string()));
                    if val.as_deref().is_some_and(falsey) {
                        return Some(format!(
                            "{} strict-ssl=false accepts any certificate",
                            p.name
                        ));
                    }
                }
            }
        }
        "apt-get" | "apt"
            if vals.iter().any(|v| {
                let l = v.to_ascii_lowercase();
                (l.contains("verify-peer") || l.contains("verify-host")) && l.ends_with("=false")
            }) =>
        {
            return Some("apt Acquire::https::Verify-Peer=false accepts any certificate".into());
        }
        "conda" | "mamba" | "micromamba" => {
            if let Some(i) = vals.iter().position(|v| *v == "ssl_verify")
                && vals.get(i + 1).is_some_and(|v| falsey(v))
            {
                return Some(format!(
                    "{} ssl_verify false accepts any certificate",
                    p.name
                ));
            }
        }
        _ => {}
    }
    None
}

/// `pip` (any `pipX.Y`, or `python -m pip`) arguments after the program.
pub(crate) fn pip_args<'a>(p: &Program<'a>) -> Option<&'a [Word]> {
    let n = p.name;
    if n == "pip"
        || (n.starts_with("pip") && n[3..].chars().all(|c| c.is_ascii_digit() || c == '.'))
    {
        return Some(p.args);
    }
    if n.starts_with("python") {
        let i = p.args.iter().position(|w| w.value == "-m")?;
        let module = p.args.get(i + 1)?;
        if module.value == "pip" || module.value == "pip3" {
            return Some(&p.args[i + 2..]);
        }
    }
    None
}

const PIP_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-t",
    "--target",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--root",
    "--prefix",
    "--src",
    "--upgrade-strategy",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--cert",
    "--client-cert",
    "--cache-dir",
    "--log",
    "--log-file",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--no-binary",
    "--only-binary",
    "--progress-bar",
    "--root-user-action",
    "--report",
    "-C",
    "--config-settings",
    "--global-option",
    "--install-option",
    "--python",
    "--keyring-provider",
    "--use-feature",
    "--use-deprecated",
    "--group",
    "--build-option",
];

/// A parsed `pip install`.
#[derive(Debug, Default)]
pub(crate) struct PipInvocation<'a> {
    pub(crate) subcommand: Option<&'a str>,
    pub(crate) positionals: Vec<&'a Word>,
    pub(crate) options: Vec<(&'a str, Option<&'a str>)>,
}

impl PipInvocation<'_> {
    pub(crate) fn has(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| *n == name)
    }

    pub(crate) fn values(&self, names: &[&str]) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(n, _)| names.contains(n))
            .filter_map(|(_, v)| *v)
            .collect()
    }
}

pub(crate) fn parse_pip(args: &[Word]) -> PipInvocation<'_> {
    let mut inv = PipInvocation::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].value.as_str();
        i += 1;
        if a.starts_with('-') && a.len() > 1 {
            if let Some((name, value)) = a.split_once('=').filter(|_| a.starts_with("--")) {
                inv.options.push((name, Some(value)));
            } else if PIP_VALUE_OPTIONS.contains(&a) {
                inv.options.push((a, args.get(i).map(|w| w.value.as_str())));
                i += 1;
            } else if let (Some(short), Some(value)) = (a.get(..2), a.get(2..))
                && !value.is_empty()
                && !a.starts_with("--")
                && PIP_VALUE_OPTIONS.contains(&short)
            {
                inv.options.push((short, Some(value)));
            } else {
                inv.options.push((a, None));
            }
        } else if inv.subcommand.is_none() {
            inv.subcommand = Some(a);
        } else {
            inv.positionals.push(&args[i - 1]);
        }
    }
    inv
}

/// Why a `pip install` argument is not a pinned requirement, if it is not.
pub(crate) fn unpinned_requirement(w: &Word) -> bool {
    let v = w.value.as_str();
    if w.dynamic || v.is_empty() {
        return false;
    }
    let local = v.starts_with(['.', '/', '~'])
        || v.contains('/')
        || v.contains("://")
        || [".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2"]
            .iter()
            .any(|e| v.ends_with(e));
    let pinned = v.contains("==") || v.contains('@');
    !(local || pinned)
}

/// The package name of a requirement (`torch>=2` gives `torch`).
pub(crate) fn requirement_name(v: &str) -> &str {
    let end = v
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(v.len());
    &v[..end]
}

/// The subcommand of an apt-get/apt/yum/dnf/apk command: first argument that
/// is not an option or an option value.
pub(crate) fn subcommand<'a>(p: &Program<'a>, value_options: &[&str]) -> Option<&'a str> {
    let mut it = p.args.iter();
    while let Some(w) = it.next() {
        let v = w.value.as_str();
        if value_options.contains(&v) {
            it.next();
        } else if !v.starts_with('-') {
            return Some(v);
        }
    }
    None
}

/// Whether a mode argument to chmod makes files writable by everyone.
pub(crate) fn world_writable_mode(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_ascii_digit()) {
        let Ok(bits) = u32::from_str_radix(mode, 8) else {
            return false;
        };
        let sticky = bits & 0o1000 != 0;
        return bits & 0o002 != 0 && !sticky;
    }
    let mut writable = false;
    let mut sticky = false;
    for clause in mode.split(',') {
        let who_end = clause
            .find(|c: char| !matches!(c, 'u' | 'g' | 'o' | 'a'))
            .unwrap_or(clause.len());
        let who = &clause[..who_end];
        let ops = &clause[who_end..];
        if ops.is_empty() || !ops.starts_with(['+', '=', '-']) {
            return false;
        }
        let others = who.contains('a') || who.contains('o');
        let mut adding = false;
        for c in ops.chars() {
            match c {
                '+' | '=' => adding = true,
                '-' => adding = false,
                'w' if adding && others => writable = true,
                't' if adding => sticky = true,
                _ => {}
            }
        }
    }
    writable && !sticky
}

/// The mode argument of a chmod command, if it is world-writable.
pub(crate) fn chmod_world_writable(p: &Program<'_>) -> Option<String> {
    if p.name != "chmod" {
        return None;
    }
    let mode = p.args.iter().find(|w| {
        let v = w.value.as_str();
        !(v.starts_with("--")
            || (v.starts_with('-') && v[1..].chars().all(|c| "RvcfH".contains(c)) && v.len() > 1))
    })?;
    (!mode.dynamic && world_writable_mode(&mode.value)).then(|| mode.value.clone())
}

/// Whether a short option cluster of apt-get says "assume yes" (`-y`, or
/// `-qq`, which implies it).
pub(crate) fn apt_assume_yes(p: &Program<'_>) -> bool {
    p.has_short('y', "octa")
        || p.has_long("--yes")
        || p.has_long("--assume-yes")
        || p.has_long("--force-yes")
        || p.arg_values().any(|a| {
            a == "-q=2"
                || (a.starts_with('-') && !a.starts_with("--") && a.matches('q').count() >= 2)
                || a.to_ascii_lowercase().contains("assume-yes=true")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(s: &str) -> Vec<Script> {
        vec![Script::parse(s)]
    }

    #[test]
    fn pipes() {
        assert!(pipe_to_shell(&script("curl -fsSL https://x/install.sh | sh")).is_some());
        assert!(pipe_to_shell(&script("wget -qO- https://x | sudo -E bash -s -- -y")).is_some());
        assert!(pipe_to_shell(&script("curl https://x | tee log | python3 -")).is_some());
        assert!(pipe_to_shell(&script("bash <(curl -s https://x)")).is_some());
        assert!(pipe_to_shell(&script("sh -c \"$(curl -fsSL https://x)\"")).is_some());
        assert!(pipe_to_shell(&script("curl -s https://x | python3 -c 'import json'")).is_none());
        assert!(pipe_to_shell(&script("curl -o x.sh https://x && sh x.sh")).is_none());
        assert!(pipe_to_shell(&script("curl -s https://x | grep sh")).is_none());
    }

    #[test]
    fn modes() {
        for m in ["777", "0777", "666", "a+rwx", "o+w", "ugo=rwx", "u+x,o+w"] {
            assert!(world_writable_mode(m), "{m}");
        }
        for m in ["755", "1777", "+w", "a+rwxt", "g+w", "o-w", "u+rwx"] {
            assert!(!world_writable_mode(m), "{m}");
        }
    }

    #[test]
    fn ports_and_users() {
        assert!(exposes_ssh("22/tcp"));
        assert!(exposes_ssh("20-30"));
        assert!(!exposes_ssh("2222"));
        assert!(is_root_user("0:0"));
        assert!(is_root_user("root"));
        assert!(!is_root_user("1000:0"));
        assert!(!is_root_user("app"));
    }

    #[test]
    fn jupyter() {
        let s = script("jupyter lab --ip=0.0.0.0 --NotebookApp.token='' --allow-root");
        assert_eq!(
            jupyter_issues(&s),
            JupyterIssues {
                no_auth: true,
                allow_root: true
            }
        );
        let s = script("jupyter notebook --ip 0.0.0.0 --ServerApp.token=");
        assert!(jupyter_issues(&s).no_auth);
        let s = script("jupyter lab --ip=127.0.0.1 --ServerApp.token=");
        assert!(!jupyter_issues(&s).no_auth);
        let s = script("jupyter lab --ip=0.0.0.0 --ServerApp.token= --ServerApp.password=sha1:ab");
        assert!(!jupyter_issues(&s).no_auth);
        let s = vec![Script::from_argv(&[
            "jupyter".into(),
            "lab".into(),
            "--ip=*".into(),
            "--IdentityProvider.token=''".into(),
        ])];
        assert!(jupyter_issues(&s).no_auth);
    }

    #[test]
    fn credentials() {
        let s = Script::parse(
            "git clone https://me:tok3n@github.com/x.git && huggingface-cli login --token $HF_TOKEN",
        );
        let creds: Vec<_> = s
            .all_commands()
            .iter()
            .flat_map(|c| command_credentials(c))
            .collect();
        assert_eq!(creds.len(), 2);
        assert_eq!(creds[0].secret, "tok3n");
        assert!(creds[0].persists && !creds[0].dynamic);
        assert_eq!(creds[1].secret, "$HF_TOKEN");
        assert!(creds[1].dynamic && creds[1].persists);
    }

    #[test]
    fn pip_non_ascii_short_option() {
        let s = Script::parse("pip install -é -iéx x");
        let p = s.all_commands()[0].program().unwrap();
        let inv = parse_pip(pip_args(&p).unwrap());
        assert_eq!(inv.positionals.len(), 1);
    }

    #[test]
    fn pip_parsing() {
        let s =
            Script::parse("python3 -m pip install --no-cache-dir -r req.txt torch==2.1 numpy -e .");
        let c = s.all_commands()[0];
        let p = c.program().unwrap();
        let inv = parse_pip(pip_args(&p).unwrap());
        assert_eq!(inv.subcommand, Some("install"));
        assert!(inv.has("--no-cache-dir"));
        let unpinned: Vec<_> = inv
            .positionals
            .iter()
            .filter(|w| unpinned_requirement(w))
            .map(|w| w.value.as_str())
            .collect();
        assert_eq!(unpinned, vec!["numpy"]);
    }
}
