//! A small POSIX-shell reader, enough to find the commands of a RUN line:
//! pipelines, `&&`/`||`/`;` lists, quotes, `$(...)`, backticks, `<(...)`,
//! redirections (including heredocs) and `sh -c '...'` scripts.
//!
//! It never evaluates anything: variables stay as written and are marked
//! dynamic.

use crate::model::{CommandForm, Instruction};

/// How deep `$(...)` / `sh -c` scripts are followed.
const MAX_DEPTH: usize = 6;

/// Programs that run a script given on stdin or with `-c`.
pub(crate) const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh"];

/// A shell word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Word {
    /// As written.
    pub(crate) raw: String,
    /// Quotes and backslashes removed; `$VAR` and `$(...)` kept as text.
    pub(crate) value: String,
    /// Contains a variable or a substitution.
    pub(crate) dynamic: bool,
    /// Command and process substitutions inside the word, parsed.
    pub(crate) subs: Vec<Script>,
}

/// A simple command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Command {
    pub(crate) words: Vec<Word>,
    /// The script of `sh -c '...'`, parsed.
    pub(crate) inline: Option<Box<Script>>,
}

/// Commands joined by `|`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pipeline {
    pub(crate) commands: Vec<Command>,
}

/// A list of pipelines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Script {
    pub(crate) pipelines: Vec<Pipeline>,
}

/// A command with its environment assignments and wrappers (`sudo`, `env`,
/// `nice`, ...) taken off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Program<'a> {
    /// Basename of the program (`/usr/bin/pip3` gives `pip3`).
    pub(crate) name: &'a str,
    /// The arguments after the program.
    pub(crate) args: &'a [Word],
    /// Whether `sudo`/`doas` wrapped it.
    pub(crate) sudo: bool,
}

impl Program<'_> {
    /// Argument values.
    pub(crate) fn arg_values(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|w| w.value.as_str())
    }

    /// Whether any argument is exactly `flag` or `flag=...`.
    pub(crate) fn has_long(&self, flag: &str) -> bool {
        self.arg_values().any(|a| {
            a == flag
                || a.strip_prefix(flag)
                    .is_some_and(|rest| rest.starts_with('='))
        })
    }

    /// Whether a short option letter is set, alone or combined (`-qy`).
    /// `value_letters` take a value, so letters after them are not options.
    pub(crate) fn has_short(&self, letter: char, value_letters: &str) -> bool {
        self.arg_values()
            .any(|a| short_flag_set(a, letter, value_letters))
    }

    /// The value of `--name value` / `--name=value` / `-n value` options.
    pub(crate) fn option_values<'w>(&'w self, names: &[&str]) -> Vec<&'w str> {
        let mut out = Vec::new();
        let mut it = self.args.iter();
        while let Some(w) = it.next() {
            let a = w.value.as_str();
            for n in names {
                if a == *n {
                    if let Some(next) = it.clone().next() {
                        out.push(next.value.as_str());
                    }
                } else if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('='))
                    && n.starts_with("--")
                {
                    out.push(v);
                } else if n.len() == 2
                    && !n.starts_with("--")
                    && a.len() > 2
                    && a.starts_with(n)
                    && !a.starts_with("--")
                {
                    // `-ihttp://...` style.
                    out.push(&a[2..]);
                }
            }
        }
        out
    }
}

/// Whether `arg` is a short-option cluster containing `letter`.
pub(crate) fn short_flag_set(arg: &str, letter: char, value_letters: &str) -> bool {
    let Some(cluster) = arg.strip_prefix('-') else {
        return false;
    };
    if cluster.starts_with('-') {
        return false;
    }
    for c in cluster.chars() {
        if c == letter {
            return true;
        }
        if value_letters.contains(c) || !c.is_ascii_alphanumeric() {
            return false;
        }
    }
    false
}

/// The last path component.
pub(crate) fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn is_assignment(w: &Word) -> bool {
    let v = &w.value;
    match v.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
                && w.raw.starts_with(name)
        }
        None => false,
    }
}

impl Command {
    /// The program being run, wrappers removed.
    pub(crate) fn program(&self) -> Option<Program<'_>> {
        let w = &self.words;
        let mut i = 0;
        let mut sudo = false;
        loop {
            while w.get(i).is_some_and(is_assignment) {
                i += 1;
            }
            let word = w.get(i)?;
            let name = if word.value.starts_with("$(") || word.value.starts_with('`') {
                word.value.as_str()
            } else {
                basename(&word.value)
            };
            match name {
                "sudo" | "doas" => {
                    sudo = true;
                    i += 1;
                    while let Some(opt) = w.get(i).map(|x| x.value.as_str()) {
                        if opt == "--" {
                            i += 1;
                            break;
                        }
                        if !opt.starts_with('-') {
                            break;
                        }
                        i += 1;
                        if matches!(
                            opt,
                            "-u" | "-g" | "-C" | "-D" | "-h" | "-p" | "-r" | "-t" | "-U"
                        ) {
                            i += 1;
                        }
                    }
                    if w.get(i).is_none() {
                        return Some(Program {
                            name: "sudo",
                            args: &[],
                            sudo,
                        });
                    }
                }
                "env" => {
                    i += 1;
                    while let Some(x) = w.get(i) {
                        let v = x.value.as_str();
                        if matches!(v, "-u" | "--unset" | "-C" | "--chdir") {
                            i += 2;
                        } else if v.starts_with('-') || is_assignment(x) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
                "nice" | "ionice" => {
                    i += 1;
                    while let Some(v) = w.get(i).map(|x| x.value.as_str()) {
                        if matches!(v, "-n" | "-c") {
                            i += 2;
                        } else if v.starts_with('-') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
                "timeout" => {
                    i += 1;
                    while w.get(i).is_some_and(|x| x.value.starts_with('-')) {
                        i += 1;
                    }
                    i += 1;
                }
                "gosu" | "su-exec" | "chpst" => {
                    // `gosu user cmd`: the next word is the user.
                    i += 1;
                    while w.get(i).is_some_and(|x| x.value.starts_with('-')) {
                        i += 1;
                    }
                    i += 1;
                }
                "nohup" | "exec" | "command" | "builtin" | "time" | "eatmydata" | "stdbuf"
                | "tini" | "dumb-init" | "catatonit" => {
                    i += 1;
                    while w.get(i).is_some_and(|x| x.value.starts_with('-')) {
                        i += 1;
                    }
                }
                _ => {
                    return Some(Program {
                        name,
                        args: &w[i + 1..],
                        sudo,
                    });
                }
            }
        }
    }
}

impl Script {
    /// Parse a script.
    pub(crate) fn parse(text: &str) -> Self {
        parse_at_depth(text, 0)
    }

    /// A single command from an exec-form argv (or the script of `sh -c`).
    pub(crate) fn from_argv(argv: &[String]) -> Self {
        Self::from_argv_at_depth(argv, 0)
    }

    fn from_argv_at_depth(argv: &[String], depth: usize) -> Self {
        let words: Vec<Word> = argv
            .iter()
            .map(|a| Word {
                raw: a.clone(),
                value: a.clone(),
                dynamic: false,
                subs: Vec::new(),
            })
            .collect();
        let mut cmd = Command {
            words,
            inline: None,
        };
        attach_inline(&mut cmd, depth);
        Self {
            pipelines: vec![Pipeline {
                commands: vec![cmd],
            }],
        }
    }

    /// Every pipeline, nested scripts (substitutions, `sh -c`) included.
    pub(crate) fn all_pipelines(&self) -> Vec<&Pipeline> {
        let mut out = Vec::new();
        self.collect_pipelines(&mut out);
        out
    }

    fn collect_pipelines<'a>(&'a self, out: &mut Vec<&'a Pipeline>) {
        for p in &self.pipelines {
            out.push(p);
            for c in &p.commands {
                for w in &c.words {
                    for s in &w.subs {
                        s.collect_pipelines(out);
                    }
                }
                if let Some(s) = &c.inline {
                    s.collect_pipelines(out);
                }
            }
        }
    }

    /// Every command, nested scripts included.
    pub(crate) fn all_commands(&self) -> Vec<&Command> {
        self.all_pipelines()
            .into_iter()
            .flat_map(|p| p.commands.iter())
            .collect()
    }

    /// Top-level commands only, in order.
    pub(crate) fn top_commands(&self) -> impl Iterator<Item = &Command> {
        self.pipelines.iter().flat_map(|p| p.commands.iter())
    }
}

/// If `cmd` is `sh -c 'script'`, parse the script.
fn attach_inline(cmd: &mut Command, depth: usize) {
    if depth >= MAX_DEPTH {
        return;
    }
    let script = {
        let Some(p) = cmd.program() else {
            return;
        };
        if !SHELLS.contains(&p.name) {
            return;
        }
        let mut it = p.args.iter();
        let mut found = None;
        while let Some(a) = it.next() {
            let v = a.value.as_str();
            if v.starts_with('-') && !v.starts_with("--") && v.contains('c') {
                // A script that is only a substitution is already in `subs`.
                found = it
                    .next()
                    .filter(|w| !w.value.starts_with("$(") || w.subs.is_empty())
                    .map(|w| w.value.clone());
                break;
            }
            if !v.starts_with('-') {
                break;
            }
        }
        found
    };
    if let Some(s) = script {
        cmd.inline = Some(Box::new(parse_at_depth(&s, depth + 1)));
    }
}

#[derive(Debug)]
enum Tok {
    Word(Word),
    Pipe,
    Sep,
}

struct Lexer {
    c: Vec<char>,
    i: usize,
    depth: usize,
    heredocs: Vec<(String, bool)>,
    toks: Vec<Tok>,
}

fn parse_at_depth(text: &str, depth: usize) -> Script {
    let mut lx = Lexer {
        c: text.chars().collect(),
        i: 0,
        depth,
        heredocs: Vec::new(),
        toks: Vec::new(),
    };
    lx.run();
    let mut script = Script::default();
    let mut pipeline = Pipeline::default();
    let mut cmd = Command::default();
    let finish_cmd = |cmd: &mut Command, pipeline: &mut Pipeline| {
        if !cmd.words.is_empty() {
            let mut c = std::mem::take(cmd);
            attach_inline(&mut c, depth);
            pipeline.commands.push(c);
        }
    };
    for t in lx.toks {
        match t {
            Tok::Word(w) => {
                if cmd.words.is_empty()
                    && matches!(
                        w.raw.as_str(),
                        "if" | "then"
                            | "else"
                            | "elif"
                            | "fi"
                            | "do"
                            | "done"
                            | "while"
                            | "until"
                            | "!"
                            | "{"
                            | "}"
                            | "esac"
                    )
                {
                    continue;
                }
                cmd.words.push(w);
            }
            Tok::Pipe => finish_cmd(&mut cmd, &mut pipeline),
            Tok::Sep => {
                finish_cmd(&mut cmd, &mut pipeline);
                if !pipeline.commands.is_empty() {
                    script.pipelines.push(std::mem::take(&mut pipeline));
                }
            }
        }
    }
    finish_cmd(&mut cmd, &mut pipeline);
    if !pipeline.commands.is_empty() {
        script.pipelines.push(pipeline);
    }
    script
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.c.get(self.i + n).copied()
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' => self.i += 1,
                '\\' if self.peek_at(1) == Some('\n') => self.i += 2,
                '\n' => {
                    self.i += 1;
                    self.toks.push(Tok::Sep);
                    self.skip_heredoc_bodies();
                }
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                ';' | '(' | ')' => {
                    self.i += 1;
                    self.toks.push(Tok::Sep);
                }
                '&' => {
                    if self.peek_at(1) == Some('>') {
                        self.redirect();
                    } else {
                        self.i += if self.peek_at(1) == Some('&') { 2 } else { 1 };
                        self.toks.push(Tok::Sep);
                    }
                }
                '|' => {
                    if self.peek_at(1) == Some('|') {
                        self.i += 2;
                        self.toks.push(Tok::Sep);
                    } else {
                        self.i += if self.peek_at(1) == Some('&') { 2 } else { 1 };
                        self.toks.push(Tok::Pipe);
                    }
                }
                '<' | '>' if self.peek_at(1) != Some('(') => self.redirect(),
                _ => {
                    let w = self.word();
                    let fd = !w.raw.is_empty()
                        && w.raw.chars().all(|c| c.is_ascii_digit())
                        && matches!(self.peek(), Some('<' | '>'));
                    if !fd {
                        self.toks.push(Tok::Word(w));
                    }
                }
            }
        }
    }

    fn redirect(&mut self) {
        let mut op = String::new();
        while let Some(c) = self.peek() {
            let ok = match c {
                '<' | '>' | '&' | '|' => op.len() < 3,
                '-' => op == "<<",
                _ => false,
            };
            if !ok {
                break;
            }
            op.push(c);
            self.i += 1;
        }
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
        if matches!(self.peek(), None | Some('\n' | ';' | '|' | '&' | ')')) {
            return;
        }
        let target = self.word();
        if op.starts_with("<<") && !op.starts_with("<<<") {
            self.heredocs.push((target.value, op.ends_with('-')));
        }
    }

    fn skip_heredoc_bodies(&mut self) {
        for (delim, strip_tabs) in std::mem::take(&mut self.heredocs) {
            loop {
                if self.peek().is_none() {
                    return;
                }
                let start = self.i;
                while self.peek().is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                let line: String = self.c[start..self.i].iter().collect();
                if self.peek() == Some('\n') {
                    self.i += 1;
                }
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                if line.trim_end() == delim {
                    break;
                }
            }
        }
    }

    /// Text up to the `)` matching an already consumed `(`.
    fn capture_parens(&mut self) -> String {
        let mut depth = 1usize;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '\\' => {
                    out.push(c);
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.i += 1;
                    }
                    continue;
                }
                '\'' | '"' => {
                    out.push(c);
                    while let Some(n) = self.peek() {
                        self.i += 1;
                        out.push(n);
                        if n == '\\' && c == '"' {
                            if let Some(m) = self.peek() {
                                out.push(m);
                                self.i += 1;
                            }
                        } else if n == c {
                            break;
                        }
                    }
                    continue;
                }
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return out;
                    }
                }
                _ => {}
            }
            out.push(c);
        }
        out
    }

    fn capture_backticks(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            if c == '\\' {
                if let Some(n) = self.peek() {
                    self.i += 1;
                    if n != '`' {
                        out.push(c);
                    }
                    out.push(n);
                }
                continue;
            }
            if c == '`' {
                break;
            }
            out.push(c);
        }
        out
    }

    fn sub(&self, text: &str) -> Option<Script> {
        (self.depth < MAX_DEPTH).then(|| parse_at_depth(text, self.depth + 1))
    }

    fn word(&mut self) -> Word {
        let mut w = Word::default();
        if matches!(self.peek(), Some('<' | '>')) && self.peek_at(1) == Some('(') {
            let open: String = self.c[self.i..self.i + 2].iter().collect();
            self.i += 2;
            let inner = self.capture_parens();
            let text = format!("{open}{inner})");
            w.raw.push_str(&text);
            w.value.push_str(&text);
            w.dynamic = true;
            w.subs.extend(self.sub(&inner));
        }
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => break,
                '\\' => {
                    self.i += 1;
                    match self.peek() {
                        Some('\n') => self.i += 1,
                        Some(n) => {
                            self.i += 1;
                            w.raw.push('\\');
                            w.raw.push(n);
                            w.value.push(n);
                        }
                        None => {
                            w.raw.push('\\');
                            w.value.push('\\');
                        }
                    }
                }
                '\'' => {
                    self.i += 1;
                    w.raw.push('\'');
                    while let Some(n) = self.peek() {
                        self.i += 1;
                        w.raw.push(n);
                        if n == '\'' {
                            break;
                        }
                        w.value.push(n);
                    }
                }
                '"' => {
                    self.i += 1;
                    w.raw.push('"');
                    self.double_quoted(&mut w);
                }
                '$' => self.dollar(&mut w),
                '`' => {
                    self.i += 1;
                    let inner = self.capture_backticks();
                    let text = format!("`{inner}`");
                    w.raw.push_str(&text);
                    w.value.push_str(&text);
                    w.dynamic = true;
                    w.subs.extend(self.sub(&inner));
                }
                _ => {
                    self.i += 1;
                    w.raw.push(c);
                    w.value.push(c);
                }
            }
        }
        w
    }

    fn double_quoted(&mut self, w: &mut Word) {
        while let Some(c) = self.peek() {
            match c {
                '"' => {
                    self.i += 1;
                    w.raw.push('"');
                    return;
                }
                '\\' => {
                    self.i += 1;
                    match self.peek() {
                        Some('\n') => self.i += 1,
                        Some(n @ ('$' | '`' | '"' | '\\')) => {
                            self.i += 1;
                            w.raw.push('\\');
                            w.raw.push(n);
                            w.value.push(n);
                        }
                        _ => {
                            w.raw.push('\\');
                            w.value.push('\\');
                        }
                    }
                }
                '$' => self.dollar(w),
                '`' => {
                    self.i += 1;
                    let inner = self.capture_backticks();
                    let text = format!("`{inner}`");
                    w.raw.push_str(&text);
                    w.value.push_str(&text);
                    w.dynamic = true;
                    w.subs.extend(self.sub(&inner));
                }
                _ => {
                    self.i += 1;
                    w.raw.push(c);
                    w.value.push(c);
                }
            }
        }
    }

    /// At a `$`.
    fn dollar(&mut self, w: &mut Word) {
        self.i += 1;
        match self.peek() {
            Some('(') => {
                self.i += 1;
                let arithmetic = self.peek() == Some('(');
                let inner = self.capture_parens();
                let text = format!("$({inner})");
                w.raw.push_str(&text);
                w.value.push_str(&text);
                w.dynamic = true;
                if !arithmetic {
                    w.subs.extend(self.sub(&inner));
                }
            }
            Some('{') => {
                self.i += 1;
                let mut depth = 1usize;
                let mut text = String::from("${");
                while let Some(c) = self.peek() {
                    self.i += 1;
                    text.push(c);
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                w.raw.push_str(&text);
                w.value.push_str(&text);
                w.dynamic = true;
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let mut text = String::from("$");
                while let Some(c) = self.peek() {
                    if c == '_' || c.is_ascii_alphanumeric() {
                        text.push(c);
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                w.raw.push_str(&text);
                w.value.push_str(&text);
                w.dynamic = true;
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.i += 1;
                w.raw.push('$');
                w.raw.push(c);
                w.value.push('$');
                w.value.push(c);
                w.dynamic = true;
            }
            _ => {
                w.raw.push('$');
                w.value.push('$');
            }
        }
    }
}

/// Variable names referenced by a dynamic word (`$A`, `${A}`, `${A:-x}`).
pub(crate) fn referenced_vars(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '$' {
            let mut j = i + 1;
            if b.get(j) == Some(&'{') {
                j += 1;
            }
            let start = j;
            while b
                .get(j)
                .is_some_and(|c| *c == '_' || c.is_ascii_alphanumeric())
            {
                j += 1;
            }
            if j > start {
                out.push(b[start..j].iter().collect());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The scripts a RUN instruction executes with a shell (heredoc bodies run by
/// a shell included; heredocs fed to other programs left out).
pub(crate) fn run_scripts(ins: &Instruction) -> Vec<Script> {
    let form = match &ins.body {
        crate::model::Body::Command(f) => f,
        _ => return Vec::new(),
    };
    match form {
        CommandForm::Exec(argv) => vec![Script::from_argv(argv)],
        CommandForm::Shell(text) => {
            let main = Script::parse(text);
            let mut out = Vec::new();
            let feeds_shell = {
                let mut cmds = main.top_commands();
                match cmds.next() {
                    None => true,
                    Some(c) => c
                        .program()
                        .is_some_and(|p| SHELLS.contains(&p.name) && c.inline.is_none()),
                }
            };
            for h in &ins.heredocs {
                if feeds_shell && heredoc_is_shell(&h.content) {
                    out.push(Script::parse(&h.content));
                }
            }
            out.insert(0, main);
            out
        }
    }
}

fn heredoc_is_shell(content: &str) -> bool {
    let Some(shebang) = content.strip_prefix("#!") else {
        return true;
    };
    let line = shebang.lines().next().unwrap_or("");
    let mut parts = line.split_whitespace();
    let interp = parts.next().map(basename).unwrap_or("");
    let interp = if interp == "env" {
        parts
            .find(|p| !p.starts_with('-'))
            .map(basename)
            .unwrap_or("")
    } else {
        interp
    };
    SHELLS.contains(&interp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Script) -> Vec<String> {
        s.all_commands()
            .iter()
            .filter_map(|c| c.program().map(|p| p.name.to_string()))
            .collect()
    }

    #[test]
    fn lists_and_pipes() {
        let s = Script::parse("apt-get update && curl -fsSL x | sudo -E bash - ; echo done");
        assert_eq!(s.pipelines.len(), 3);
        assert_eq!(s.pipelines[1].commands.len(), 2);
        assert_eq!(names(&s), vec!["apt-get", "curl", "bash", "echo"]);
        let bash = s.pipelines[1].commands[1].program().unwrap();
        assert!(bash.sudo);
    }

    #[test]
    fn quotes_and_substitutions() {
        let s = Script::parse(r#"sh -c "$(curl -s https://x)" && echo 'a b' "c$HOME""#);
        assert_eq!(names(&s), vec!["sh", "curl", "echo"]);
        let echo = s.pipelines[1].commands[0].program().unwrap();
        let vals: Vec<_> = echo.arg_values().collect();
        assert_eq!(vals, vec!["a b", "c$HOME"]);
        assert!(echo.args[1].dynamic);
    }

    #[test]
    fn process_substitution_and_inline() {
        let s = Script::parse("bash <(wget -qO- https://x) && bash -c 'pip install foo'");
        assert_eq!(names(&s), vec!["bash", "wget", "bash", "pip"]);
    }

    #[test]
    fn redirections_and_heredocs() {
        let s = Script::parse("cat <<EOF > /etc/x\nrm -rf /\nEOF\necho ok 2>&1 >/dev/null");
        assert_eq!(names(&s), vec!["cat", "echo"]);
        let echo = s.pipelines[1].commands[0].program().unwrap();
        assert_eq!(echo.arg_values().collect::<Vec<_>>(), vec!["ok"]);
    }

    #[test]
    fn wrappers_and_assignments() {
        let s = Script::parse(
            "DEBIAN_FRONTEND=noninteractive env A=1 nice -n 5 /usr/bin/pip3 install x",
        );
        let p = s.pipelines[0].commands[0].program().unwrap();
        assert_eq!(p.name, "pip3");
        assert_eq!(p.arg_values().collect::<Vec<_>>(), vec!["install", "x"]);
    }

    #[test]
    fn control_keywords_dropped() {
        let s = Script::parse("if [ -f x ]; then cd /a; fi; for f in a b; do rm $f; done");
        assert_eq!(names(&s), vec!["[", "cd", "for", "rm"]);
    }

    #[test]
    fn short_flags() {
        assert!(short_flag_set("-qy", 'y', "o"));
        assert!(!short_flag_set("-oy", 'y', "o"));
        assert!(!short_flag_set("--yes", 'y', ""));
    }

    #[test]
    fn vars() {
        assert_eq!(referenced_vars("a$B-${C:-x}$"), vec!["B", "C"]);
    }
}
