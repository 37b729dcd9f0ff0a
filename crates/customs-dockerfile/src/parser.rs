//! Dockerfile text to [`Dockerfile`]: directives, logical lines (continuations,
//! comments inside them), heredocs, flags, exec/shell forms, stages and
//! ARG/ENV substitution.

use std::collections::BTreeSet;

use crate::error::ParseError;
use crate::expand::{Lookup, Scope, unquote};
use crate::model::{
    ArgDecl, BaseImage, Body, CommandForm, CopyFrom, CopyInstr, CopySource, Directive, Dockerfile,
    Flag, FromInstr, Heredoc, ImageRef, Instruction, KeyValue, Keyword, ParseWarning, Stage, Value,
};

/// Platform arguments BuildKit defines for every `FROM` line.
const AUTOMATIC_PLATFORM_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
];

/// Parse a Dockerfile.
///
/// Unknown instructions are kept (as [`Keyword::Unknown`]) and reported in
/// [`Dockerfile::warnings`]; malformed known instructions are errors that name
/// their line.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut reader = Reader {
        lines,
        pos: 0,
        escape: '\\',
        directives: Vec::new(),
        warnings: Vec::new(),
    };
    reader.read_directives()?;
    let mut builder = Builder {
        escape: reader.escape,
        global_args: Vec::new(),
        stages: Vec::new(),
        stage_envs: Vec::new(),
        global: Scope::default(),
        scope: Scope::default(),
    };
    for name in AUTOMATIC_PLATFORM_ARGS {
        builder.global.args.insert((*name).to_string(), None);
    }
    while let Some(raw) = reader.next_instruction()? {
        builder.add(raw, &mut reader.warnings)?;
    }
    if builder.stages.is_empty() {
        return Err(ParseError::NoStages);
    }
    Ok(Dockerfile {
        escape: reader.escape,
        directives: reader.directives,
        global_args: builder.global_args,
        stages: builder.stages,
        warnings: reader.warnings,
    })
}

/// A word of an instruction line, split on unquoted whitespace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawWord<'a> {
    pub(crate) text: &'a str,
    pub(crate) end: usize,
}

/// Split on whitespace outside quotes; the escape character protects the
/// next character. Words keep their quotes.
pub(crate) fn split_words(s: &str, escape: char) -> Vec<RawWord<'_>> {
    let mut out = Vec::new();
    let mut it = s.char_indices();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    while let Some((i, c)) = it.next() {
        if let Some(q) = quote {
            if c == escape && q == '"' {
                it.next();
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                out.push(RawWord {
                    text: &s[st..i],
                    end: i,
                });
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        if c == escape {
            it.next();
        } else if c == '\'' || c == '"' {
            quote = Some(c);
        }
    }
    if let Some(st) = start {
        out.push(RawWord {
            text: &s[st..],
            end: s.len(),
        });
    }
    out
}

/// One instruction as read from the text, before interpretation.
#[derive(Debug)]
struct RawInstruction {
    keyword_text: String,
    rest: String,
    start_line: usize,
    end_line: usize,
    original: String,
    heredocs: Vec<Heredoc>,
}

struct Reader<'a> {
    lines: Vec<&'a str>,
    pos: usize,
    escape: char,
    directives: Vec<Directive>,
    warnings: Vec<ParseWarning>,
}

/// `# name=value` at the top of the file.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix('#')?.trim_start();
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    let value = value.trim();
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric()) || value.is_empty() {
        return None;
    }
    Some((name.to_ascii_lowercase(), value.to_string()))
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// Heredoc openers in an instruction line: words `<<EOF`, `<<-EOF`, `<<"EOF"`.
fn heredoc_markers(args: &str, escape: char) -> Vec<(String, bool, bool)> {
    let mut out = Vec::new();
    for w in split_words(args, escape) {
        let Some(rest) = w.text.strip_prefix("<<") else {
            continue;
        };
        if rest.starts_with('<') {
            continue;
        }
        let (strip_tabs, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let end = rest
            .find(['<', '>', '|', ';', '&', '(', ')'])
            .unwrap_or(rest.len());
        let raw = &rest[..end];
        let quoted = raw.contains(['\'', '"']);
        let delimiter: String = raw
            .chars()
            .filter(|c| !matches!(c, '\'' | '"') && *c != escape)
            .collect();
        if !delimiter.is_empty() {
            out.push((delimiter, strip_tabs, quoted));
        }
    }
    out
}

impl Reader<'_> {
    fn read_directives(&mut self) -> Result<(), ParseError> {
        let mut seen = BTreeSet::new();
        while let Some(line) = self.lines.get(self.pos) {
            let Some((name, value)) = directive(line) else {
                break;
            };
            if !matches!(name.as_str(), "syntax" | "escape" | "check") {
                break;
            }
            let line_no = self.pos + 1;
            if !seen.insert(name.clone()) {
                return Err(ParseError::DuplicateDirective {
                    line: line_no,
                    name,
                });
            }
            if name == "escape" {
                self.escape = match value.as_str() {
                    "\\" => '\\',
                    "`" => '`',
                    _ => {
                        return Err(ParseError::InvalidEscape {
                            line: line_no,
                            value,
                        });
                    }
                };
            }
            self.directives.push(Directive {
                name,
                value,
                line: line_no,
            });
            self.pos += 1;
        }
        Ok(())
    }

    /// Drop a trailing escape character (and whitespace after it).
    fn strip_continuation<'l>(&self, line: &'l str) -> (&'l str, bool) {
        let t = line.trim_end();
        match t.strip_suffix(self.escape) {
            Some(s) => (s, true),
            None => (t, false),
        }
    }

    fn next_instruction(&mut self) -> Result<Option<RawInstruction>, ParseError> {
        while self
            .lines
            .get(self.pos)
            .is_some_and(|l| is_blank_or_comment(l))
        {
            self.pos += 1;
        }
        let Some(first) = self.lines.get(self.pos) else {
            return Ok(None);
        };
        let start = self.pos;
        let mut end = self.pos;
        let (content, mut cont) = self.strip_continuation(first);
        let mut logical = content.to_string();
        self.pos += 1;
        while cont {
            let Some(line) = self.lines.get(self.pos) else {
                break;
            };
            if is_blank_or_comment(line) {
                if line.trim().is_empty() {
                    self.warnings.push(ParseWarning {
                        line: self.pos + 1,
                        message: "empty continuation line".to_string(),
                    });
                }
                self.pos += 1;
                continue;
            }
            let (content, c) = self.strip_continuation(line);
            logical.push_str(content);
            cont = c;
            end = self.pos;
            self.pos += 1;
        }

        let logical = logical.trim();
        let (keyword_text, rest) = match logical.find(char::is_whitespace) {
            Some(i) => (&logical[..i], logical[i..].trim_start()),
            None => (logical, ""),
        };
        let keyword = Keyword::from_word(keyword_text);

        let mut heredocs = Vec::new();
        let json_form = json_array(strip_flags(rest, self.escape)).is_some();
        if matches!(keyword, Keyword::Run | Keyword::Copy | Keyword::Add) && !json_form {
            for (delimiter, strip_tabs, quoted) in heredoc_markers(rest, self.escape) {
                let body_start = self.pos;
                let mut content = String::new();
                loop {
                    let Some(line) = self.lines.get(self.pos) else {
                        return Err(ParseError::UnterminatedHeredoc {
                            line: start + 1,
                            delimiter,
                        });
                    };
                    self.pos += 1;
                    let line = if strip_tabs {
                        line.trim_start_matches('\t')
                    } else {
                        line
                    };
                    if line.trim_end() == delimiter {
                        break;
                    }
                    content.push_str(line);
                    content.push('\n');
                }
                end = self.pos - 1;
                heredocs.push(Heredoc {
                    delimiter,
                    strip_tabs,
                    quoted,
                    content,
                    start_line: body_start + 1,
                    end_line: self.pos,
                });
            }
        }

        Ok(Some(RawInstruction {
            keyword_text: keyword_text.to_string(),
            rest: rest.to_string(),
            start_line: start + 1,
            end_line: end + 1,
            original: self.lines[start..=end].join("\n"),
            heredocs,
        }))
    }
}

/// The text after leading `--flag` words.
fn strip_flags(rest: &str, escape: char) -> &str {
    let mut offset = 0;
    for w in split_words(rest, escape) {
        if w.text.starts_with("--") && w.text != "--" {
            offset = w.end;
        } else {
            break;
        }
    }
    rest[offset..].trim_start()
}

/// Split leading `--name[=value]` flags from the arguments.
fn take_flags(rest: &str, escape: char) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    let mut offset = 0;
    for w in split_words(rest, escape) {
        let Some(body) = w.text.strip_prefix("--") else {
            break;
        };
        if body.is_empty() {
            offset = w.end;
            break;
        }
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(unquote(v, escape))),
            None => (body.to_string(), None),
        };
        flags.push(Flag { name, value });
        offset = w.end;
    }
    (flags, rest[offset..].trim_start())
}

/// JSON array of strings, if `args` is one.
fn json_array(args: &str) -> Option<Vec<String>> {
    if !args.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(args).ok()
}

struct Builder {
    escape: char,
    global_args: Vec<Instruction>,
    stages: Vec<Stage>,
    /// ENV in force at the end of each stage (inherited by `FROM stage`).
    stage_envs: Vec<Scope>,
    global: Scope,
    scope: Scope,
}

impl Builder {
    fn add(
        &mut self,
        raw: RawInstruction,
        warnings: &mut Vec<ParseWarning>,
    ) -> Result<(), ParseError> {
        let keyword = Keyword::from_word(&raw.keyword_text);
        let in_stage = !self.stages.is_empty();
        if !in_stage && !matches!(keyword, Keyword::From | Keyword::Arg) {
            return Err(ParseError::InstructionBeforeFrom {
                line: raw.start_line,
                instruction: raw.keyword_text.to_ascii_uppercase(),
            });
        }
        if keyword == Keyword::Unknown {
            warnings.push(unknown_warning(&raw));
        }
        let instruction = self.interpret(raw, keyword, 0)?;
        match keyword {
            Keyword::From => {
                if !self.stages.is_empty() {
                    self.stage_envs.push(std::mem::take(&mut self.scope));
                }
                let (name, base) = match &instruction.body {
                    Body::From(f) => (f.alias.clone(), f.base.clone()),
                    _ => (None, BaseImage::Unresolved(String::new())),
                };
                let mut scope = Scope::default();
                if let BaseImage::Stage(p) = base
                    && let Some(parent) = self.stage_envs.get(p)
                {
                    scope.env = parent.env.clone();
                }
                self.scope = scope;
                self.stages.push(Stage {
                    index: self.stages.len(),
                    name,
                    base,
                    start_line: instruction.start_line,
                    end_line: instruction.end_line,
                    instructions: vec![instruction],
                });
            }
            _ if !in_stage => self.global_args.push(instruction),
            _ => {
                if let Some(stage) = self.stages.last_mut() {
                    stage.end_line = instruction.end_line;
                    stage.instructions.push(instruction);
                }
            }
        }
        Ok(())
    }

    fn current_scope(&self) -> &Scope {
        if self.stages.is_empty() {
            &self.global
        } else {
            &self.scope
        }
    }

    fn expand(&self, word: &str) -> Value {
        self.current_scope().expand(word, self.escape)
    }

    fn interpret(
        &mut self,
        raw: RawInstruction,
        keyword: Keyword,
        depth: usize,
    ) -> Result<Instruction, ParseError> {
        let esc = self.escape;
        let line = raw.start_line;
        let name = raw.keyword_text.to_ascii_uppercase();
        let missing = |expected: &'static str| ParseError::MissingArguments {
            line,
            instruction: name.clone(),
            expected,
        };
        let invalid = |message: String| ParseError::InvalidInstruction {
            line,
            instruction: name.clone(),
            message,
        };

        let takes_flags = matches!(
            keyword,
            Keyword::From | Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::Healthcheck
        );
        let (mut flags, args) = if takes_flags {
            take_flags(&raw.rest, esc)
        } else {
            (Vec::new(), raw.rest.as_str())
        };
        let args = args.to_string();

        let body = match keyword {
            Keyword::From => {
                let words = split_words(&args, esc);
                let (image_word, alias) = match words.as_slice() {
                    [img] => (img.text, None),
                    [img, as_kw, alias] if as_kw.text.eq_ignore_ascii_case("as") => {
                        (img.text, Some(unquote(alias.text, esc)))
                    }
                    [] => return Err(missing("an image")),
                    _ => {
                        return Err(invalid(
                            "expected `FROM image` or `FROM image AS name`".to_string(),
                        ));
                    }
                };
                for f in &mut flags {
                    if let Some(v) = &f.value {
                        let expanded = self.global.expand(v, esc);
                        if expanded.is_resolved() {
                            f.value = Some(expanded.value);
                        }
                    }
                }
                let image = self.global.expand(image_word, esc);
                let base = self.base_for(&image);
                Body::From(FromInstr {
                    platform: flags
                        .iter()
                        .find(|f| f.name == "platform")
                        .and_then(|f| f.value.clone()),
                    image,
                    alias,
                    base,
                })
            }
            Keyword::Run | Keyword::Cmd | Keyword::Entrypoint => {
                if keyword == Keyword::Run && args.is_empty() && raw.heredocs.is_empty() {
                    return Err(missing("a command"));
                }
                Body::Command(command_form(&args))
            }
            Keyword::Shell => match json_array(&args) {
                Some(v) if !v.is_empty() => Body::Command(CommandForm::Exec(v)),
                _ => return Err(invalid("SHELL requires a JSON array".to_string())),
            },
            Keyword::Copy | Keyword::Add => {
                for f in &mut flags {
                    if f.name == "from"
                        && let Some(v) = &f.value
                    {
                        let expanded = self.expand(v);
                        if expanded.is_resolved() {
                            f.value = Some(expanded.value);
                        }
                    }
                }
                Body::Copy(self.copy_body(&args, &flags, &raw.heredocs, &missing)?)
            }
            Keyword::Env | Keyword::Label => {
                let pairs = self.key_values(&args, keyword, &missing, &invalid)?;
                if keyword == Keyword::Env {
                    let scope = if self.stages.is_empty() {
                        &mut self.global
                    } else {
                        &mut self.scope
                    };
                    for kv in &pairs {
                        scope.env.insert(kv.key.clone(), kv.value.value.clone());
                    }
                }
                Body::KeyValues(pairs)
            }
            Keyword::Arg => Body::Args(self.arg_decls(&args, &missing, &invalid)?),
            Keyword::User | Keyword::Workdir | Keyword::Stopsignal => {
                if args.is_empty() {
                    return Err(missing("a value"));
                }
                Body::Value(self.expand(&args))
            }
            Keyword::Maintainer => {
                if args.is_empty() {
                    return Err(missing("a name"));
                }
                Body::Value(Value {
                    raw: args.clone(),
                    value: args.clone(),
                    unresolved: Vec::new(),
                })
            }
            Keyword::Expose => {
                let words = split_words(&args, esc);
                if words.is_empty() {
                    return Err(missing("at least one port"));
                }
                Body::List(words.iter().map(|w| self.expand(w.text)).collect())
            }
            Keyword::Volume => {
                let list = match json_array(&args) {
                    Some(v) => v.iter().map(|p| self.expand(p)).collect::<Vec<_>>(),
                    None => split_words(&args, esc)
                        .iter()
                        .map(|w| self.expand(w.text))
                        .collect(),
                };
                if list.is_empty() {
                    return Err(missing("at least one path"));
                }
                Body::List(list)
            }
            Keyword::Healthcheck => {
                let (first, rest) = match args.find(char::is_whitespace) {
                    Some(i) => (&args[..i], args[i..].trim_start()),
                    None => (args.as_str(), ""),
                };
                if first.eq_ignore_ascii_case("none") {
                    Body::Healthcheck(None)
                } else if first.eq_ignore_ascii_case("cmd") && !rest.is_empty() {
                    Body::Healthcheck(Some(command_form(rest)))
                } else {
                    return Err(missing("`NONE` or `CMD command`"));
                }
            }
            Keyword::Onbuild => {
                let inner_text = args.trim();
                let (kw, rest) = match inner_text.find(char::is_whitespace) {
                    Some(i) => (&inner_text[..i], inner_text[i..].trim_start()),
                    None => (inner_text, ""),
                };
                if kw.is_empty() {
                    return Err(missing("an instruction"));
                }
                let inner_kw = Keyword::from_word(kw);
                if matches!(
                    inner_kw,
                    Keyword::Onbuild | Keyword::From | Keyword::Maintainer
                ) || depth > 0
                {
                    return Err(invalid(format!("{} is not allowed in ONBUILD", kw)));
                }
                let inner = RawInstruction {
                    keyword_text: kw.to_string(),
                    rest: rest.to_string(),
                    start_line: raw.start_line,
                    end_line: raw.end_line,
                    original: raw.original.clone(),
                    heredocs: Vec::new(),
                };
                // Deferred instructions run in another build: keep the current
                // variables untouched.
                let saved = (self.scope.clone(), self.global.clone());
                let parsed = self.interpret(inner, inner_kw, depth + 1);
                (self.scope, self.global) = saved;
                Body::Onbuild(Box::new(parsed?))
            }
            Keyword::Unknown => Body::Unknown,
        };

        Ok(Instruction {
            keyword,
            keyword_text: raw.keyword_text,
            start_line: raw.start_line,
            end_line: raw.end_line,
            original: raw.original,
            flags,
            heredocs: raw.heredocs,
            arguments: args,
            body,
        })
    }

    fn base_for(&self, image: &Value) -> BaseImage {
        if !image.is_resolved() {
            return BaseImage::Unresolved(image.value.clone());
        }
        let v = image.value.as_str();
        if v.eq_ignore_ascii_case("scratch") {
            return BaseImage::Scratch;
        }
        if let Some(s) = self.stages.iter().find(|s| s.is_named(v)) {
            return BaseImage::Stage(s.index);
        }
        BaseImage::Image(ImageRef::parse(v))
    }

    fn copy_body(
        &self,
        args: &str,
        flags: &[Flag],
        heredocs: &[Heredoc],
        missing: &dyn Fn(&'static str) -> ParseError,
    ) -> Result<CopyInstr, ParseError> {
        let (words, json): (Vec<Value>, bool) = match json_array(args) {
            Some(list) => (list.iter().map(|w| self.expand(w)).collect(), true),
            None => (
                split_words(args, self.escape)
                    .iter()
                    .map(|w| {
                        if w.text.starts_with("<<") {
                            Value {
                                raw: w.text.to_string(),
                                value: w.text.to_string(),
                                unresolved: Vec::new(),
                            }
                        } else {
                            self.expand(w.text)
                        }
                    })
                    .collect(),
                false,
            ),
        };
        let Some((dest, sources)) = words.split_last() else {
            return Err(missing("a source and a destination"));
        };
        if sources.is_empty() {
            return Err(missing("a source and a destination"));
        }
        let mut heredoc_index = 0;
        let sources = sources
            .iter()
            .map(|v| {
                if !json && v.raw.starts_with("<<") && heredoc_index < heredocs.len() {
                    heredoc_index += 1;
                    CopySource::Heredoc(heredoc_index - 1)
                } else {
                    CopySource::Path(v.clone())
                }
            })
            .collect();
        let from = flags
            .iter()
            .find(|f| f.name == "from")
            .and_then(|f| f.value.as_deref())
            .map(|v| self.copy_from(v));
        Ok(CopyInstr {
            sources,
            dest: dest.clone(),
            from,
            json,
        })
    }

    fn copy_from(&self, v: &str) -> CopyFrom {
        if let Some(s) = self.stages.iter().find(|s| s.is_named(v)) {
            return CopyFrom::Stage(s.index);
        }
        if let Ok(i) = v.parse::<usize>()
            && i < self.stages.len()
        {
            return CopyFrom::Stage(i);
        }
        CopyFrom::Image(v.to_string())
    }

    fn key_values(
        &self,
        args: &str,
        keyword: Keyword,
        missing: &dyn Fn(&'static str) -> ParseError,
        invalid: &dyn Fn(String) -> ParseError,
    ) -> Result<Vec<KeyValue>, ParseError> {
        let esc = self.escape;
        let words = split_words(args, esc);
        let Some(first) = words.first() else {
            return Err(missing("at least one KEY=value"));
        };
        if !first.text.contains('=') {
            // Legacy `ENV KEY value with spaces`.
            let value_text = args[first.end..].trim();
            if keyword == Keyword::Env && value_text.is_empty() {
                return Err(missing("a value (ENV KEY value or ENV KEY=value)"));
            }
            return Ok(vec![KeyValue {
                key: unquote(first.text, esc),
                value: self.expand(value_text),
            }]);
        }
        let mut out = Vec::new();
        for w in words {
            let Some((key, value)) = split_key_value(w.text, esc) else {
                return Err(invalid(format!("expected KEY=value, found `{}`", w.text)));
            };
            let key = unquote(key, esc);
            if key.is_empty() {
                return Err(invalid("empty name".to_string()));
            }
            out.push(KeyValue {
                key,
                value: self.expand(value),
            });
        }
        Ok(out)
    }

    fn arg_decls(
        &mut self,
        args: &str,
        missing: &dyn Fn(&'static str) -> ParseError,
        invalid: &dyn Fn(String) -> ParseError,
    ) -> Result<Vec<ArgDecl>, ParseError> {
        let esc = self.escape;
        let words = split_words(args, esc);
        if words.is_empty() {
            return Err(missing("a name"));
        }
        let mut decls = Vec::new();
        for w in words {
            let (name, default) = match split_key_value(w.text, esc) {
                Some((n, v)) => (n.to_string(), Some(self.expand(v))),
                None => (w.text.to_string(), None),
            };
            if name.is_empty() {
                return Err(invalid("empty name".to_string()));
            }
            let in_stage = !self.stages.is_empty();
            let value = match &default {
                Some(d) if d.is_resolved() => Some(d.value.clone()),
                Some(_) => None,
                None if in_stage => match self.global.lookup(&name) {
                    Lookup::Set(v) => Some(v),
                    _ => None,
                },
                None => None,
            };
            let scope = if in_stage {
                &mut self.scope
            } else {
                &mut self.global
            };
            scope.args.insert(name.clone(), value);
            decls.push(ArgDecl { name, default });
        }
        Ok(decls)
    }
}

/// Split `KEY=value` at the first `=` outside quotes.
fn split_key_value(word: &str, escape: char) -> Option<(&str, &str)> {
    let mut quote: Option<char> = None;
    let mut it = word.char_indices();
    while let Some((i, c)) = it.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == escape => {
                it.next();
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '=' => return Some((&word[..i], &word[i + 1..])),
            None => {}
        }
    }
    None
}

fn command_form(args: &str) -> CommandForm {
    match json_array(args) {
        Some(v) => CommandForm::Exec(v),
        None => CommandForm::Shell(args.to_string()),
    }
}

fn unknown_warning(raw: &RawInstruction) -> ParseWarning {
    ParseWarning {
        line: raw.start_line,
        message: format!("unknown instruction `{}`", raw.keyword_text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_quotes() {
        let w: Vec<_> = split_words(r#"a "b c" 'd e' f\ g"#, '\\')
            .iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(w, vec!["a", "\"b c\"", "'d e'", "f\\ g"]);
    }

    #[test]
    fn heredoc_marker_forms() {
        let m = heredoc_markers(r#"<<EOF <<-"END" cat <<'X'>out"#, '\\');
        assert_eq!(
            m,
            vec![
                ("EOF".to_string(), false, false),
                ("END".to_string(), true, true),
                ("X".to_string(), false, true)
            ]
        );
        assert!(heredoc_markers("cat <<<word", '\\').is_empty());
    }

    #[test]
    fn directive_syntax() {
        assert_eq!(
            directive("#  escape = `"),
            Some(("escape".into(), "`".into()))
        );
        assert_eq!(directive("# not a directive"), None);
    }
}
