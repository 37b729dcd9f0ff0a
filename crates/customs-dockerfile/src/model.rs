//! The parsed form of a Dockerfile.

use serde::Serialize;

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dockerfile {
    /// The escape character in force (`\` unless `# escape=` changed it).
    pub escape: char,
    /// Parser directives found at the top of the file.
    pub directives: Vec<Directive>,
    /// `ARG` instructions before the first `FROM` (they parameterise `FROM` lines).
    pub global_args: Vec<Instruction>,
    /// Build stages in file order; the last one is the image that gets shipped.
    pub stages: Vec<Stage>,
    /// Things the parser tolerated (unknown instructions, empty continuation lines, ...).
    pub warnings: Vec<ParseWarning>,
}

impl Dockerfile {
    /// Every instruction in file order, global `ARG`s first.
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.global_args
            .iter()
            .chain(self.stages.iter().flat_map(|s| s.instructions.iter()))
    }

    /// The last stage, which is the image a plain `docker build` produces.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The value of a parser directive (`syntax`, `escape`, `check`).
    pub fn directive(&self, name: &str) -> Option<&str> {
        self.directives
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .map(|d| d.value.as_str())
    }

    /// Indices of the stages whose layers end up in the final image: the final
    /// stage and every stage it is built `FROM`, transitively. Root first.
    pub fn shipped_chain(&self) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut current = self.stages.len().checked_sub(1);
        while let Some(i) = current {
            if chain.contains(&i) {
                break;
            }
            chain.push(i);
            current = match self.stages.get(i).map(|s| &s.base) {
                Some(BaseImage::Stage(p)) if *p < i => Some(*p),
                _ => None,
            };
        }
        chain.reverse();
        chain
    }
}

/// A parser directive such as `# syntax=docker/dockerfile:1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-case name (`syntax`, `escape`, `check`).
    pub name: String,
    /// The value, trimmed.
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// Something the parser accepted but that deserves a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseWarning {
    /// 1-based line.
    pub line: usize,
    /// What was noticed.
    pub message: String,
}

/// One build stage, from its `FROM` up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    /// 0-based position among the stages (what `COPY --from=0` refers to).
    pub index: usize,
    /// The `AS name`, as written.
    pub name: Option<String>,
    /// What the stage is built on.
    pub base: BaseImage,
    /// The stage's instructions, its `FROM` first.
    pub instructions: Vec<Instruction>,
    /// First line of the `FROM`.
    pub start_line: usize,
    /// Last line of the stage's last instruction.
    pub end_line: usize,
}

impl Stage {
    /// The stage's `FROM` instruction.
    pub fn from_instruction(&self) -> Option<&Instruction> {
        self.instructions.first()
    }

    /// Whether the stage is called `name` (stage names are case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        self.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }
}

/// What a `FROM` builds on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum BaseImage {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage of the same Dockerfile, by index.
    Stage(usize),
    /// An image from a registry.
    Image(ImageRef),
    /// A reference that depends on a build argument without a default.
    Unresolved(String),
}

/// An image reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// The reference as written (after `ARG` substitution).
    pub reference: String,
    /// Repository, with registry when given (`docker.io/library/python` or `python`).
    pub repository: String,
    /// Tag, when given.
    pub tag: Option<String>,
    /// Digest (`sha256:...`), when given.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Split `registry:5000/ns/name:tag@sha256:...` into its parts.
    pub fn parse(reference: &str) -> Self {
        let (rest, digest) = match reference.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (reference, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[slash..].rfind(':') {
            Some(c) => (
                rest[..slash + c].to_string(),
                Some(rest[slash + c + 1..].to_string()),
            ),
            None => (rest.to_string(), None),
        };
        Self {
            reference: reference.to_string(),
            repository,
            tag,
            digest,
        }
    }
}

/// The instruction keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum Keyword {
    From,
    Run,
    Cmd,
    Entrypoint,
    Shell,
    Copy,
    Add,
    Env,
    Arg,
    Label,
    User,
    Workdir,
    Expose,
    Volume,
    Healthcheck,
    Maintainer,
    Stopsignal,
    Onbuild,
    /// An instruction BuildKit does not know; kept and reported as a warning.
    Unknown,
}

impl Keyword {
    /// Recognise a keyword, case-insensitively.
    pub fn from_word(word: &str) -> Self {
        match word.to_ascii_uppercase().as_str() {
            "FROM" => Self::From,
            "RUN" => Self::Run,
            "CMD" => Self::Cmd,
            "ENTRYPOINT" => Self::Entrypoint,
            "SHELL" => Self::Shell,
            "COPY" => Self::Copy,
            "ADD" => Self::Add,
            "ENV" => Self::Env,
            "ARG" => Self::Arg,
            "LABEL" => Self::Label,
            "USER" => Self::User,
            "WORKDIR" => Self::Workdir,
            "EXPOSE" => Self::Expose,
            "VOLUME" => Self::Volume,
            "HEALTHCHECK" => Self::Healthcheck,
            "MAINTAINER" => Self::Maintainer,
            "STOPSIGNAL" => Self::Stopsignal,
            "ONBUILD" => Self::Onbuild,
            _ => Self::Unknown,
        }
    }

    /// Upper-case name (`UNKNOWN` for unknown instructions).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::From => "FROM",
            Self::Run => "RUN",
            Self::Cmd => "CMD",
            Self::Entrypoint => "ENTRYPOINT",
            Self::Shell => "SHELL",
            Self::Copy => "COPY",
            Self::Add => "ADD",
            Self::Env => "ENV",
            Self::Arg => "ARG",
            Self::Label => "LABEL",
            Self::User => "USER",
            Self::Workdir => "WORKDIR",
            Self::Expose => "EXPOSE",
            Self::Volume => "VOLUME",
            Self::Healthcheck => "HEALTHCHECK",
            Self::Maintainer => "MAINTAINER",
            Self::Stopsignal => "STOPSIGNAL",
            Self::Onbuild => "ONBUILD",
            Self::Unknown => "UNKNOWN",
        }
    }
}

/// One instruction with where it is and what it says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instruction {
    /// Which instruction.
    pub keyword: Keyword,
    /// The keyword as written (keeps the spelling of unknown instructions).
    pub keyword_text: String,
    /// 1-based first line.
    pub start_line: usize,
    /// 1-based last line (continuations and heredoc bodies included).
    pub end_line: usize,
    /// The original text of all its lines, heredoc bodies included.
    pub original: String,
    /// Leading `--name[=value]` flags.
    pub flags: Vec<Flag>,
    /// Heredocs opened by the instruction, in order.
    pub heredocs: Vec<Heredoc>,
    /// The arguments after the flags, continuation lines joined, comments dropped.
    pub arguments: String,
    /// The instruction-specific meaning of the arguments.
    pub body: Body,
}

impl Instruction {
    /// The first flag called `name` (without the leading `--`).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// Values of every flag called `name`.
    pub fn flag_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.flags
            .iter()
            .filter(move |f| f.name == name)
            .filter_map(|f| f.value.as_deref())
    }
}

/// A `--name=value` flag. The value has quotes removed; `--from` and
/// `--platform` values also have variables substituted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Name without `--`.
    pub name: String,
    /// Value, when there is an `=`.
    pub value: Option<String>,
}

/// A heredoc body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter word, quotes removed.
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from the body.
    pub strip_tabs: bool,
    /// The delimiter was quoted, so the body is not subject to expansion.
    pub quoted: bool,
    /// The body, each line ending in `\n`.
    pub content: String,
    /// 1-based line of the first body line.
    pub start_line: usize,
    /// 1-based line of the closing delimiter.
    pub end_line: usize,
}

/// Exec (JSON) or shell form of RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK CMD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", content = "value", rename_all = "snake_case")]
pub enum CommandForm {
    /// `["executable", "arg"]`.
    Exec(Vec<String>),
    /// `command arg && other`, run through the stage's shell.
    Shell(String),
}

/// A word after variable substitution and quote removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Value {
    /// As written.
    pub raw: String,
    /// After substitution and quote removal.
    pub value: String,
    /// Names of build arguments it depends on that have no default.
    pub unresolved: Vec<String>,
}

impl Value {
    /// Whether the value is known at parse time.
    pub fn is_resolved(&self) -> bool {
        self.unresolved.is_empty()
    }
}

/// A `KEY=value` pair of ENV or LABEL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    /// Key, quotes removed.
    pub key: String,
    /// Value.
    pub value: Value,
}

/// One name declared by ARG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArgDecl {
    /// Argument name.
    pub name: String,
    /// Default, when given.
    pub default: Option<Value>,
}

/// `FROM [--platform=...] image [AS name]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FromInstr {
    /// The image word.
    pub image: Value,
    /// The stage name after `AS`.
    pub alias: Option<String>,
    /// `--platform`, when given.
    pub platform: Option<String>,
    /// What the image word refers to.
    pub base: BaseImage,
}

/// A COPY or ADD source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum CopySource {
    /// A path in the build context (or stage), a URL or a git reference.
    Path(Value),
    /// The body of the instruction's heredoc with this index.
    Heredoc(usize),
}

/// Where `COPY --from=` copies from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum CopyFrom {
    /// An earlier stage, by index.
    Stage(usize),
    /// An image or named build context.
    Image(String),
}

/// `COPY`/`ADD` sources and destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyInstr {
    /// Sources.
    pub sources: Vec<CopySource>,
    /// Destination.
    pub dest: Value,
    /// `--from`, resolved against earlier stages.
    pub from: Option<CopyFrom>,
    /// Written in JSON form.
    pub json: bool,
}

/// What an instruction says, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Body {
    /// FROM.
    From(FromInstr),
    /// RUN, CMD, ENTRYPOINT, SHELL.
    Command(CommandForm),
    /// COPY, ADD.
    Copy(CopyInstr),
    /// ENV, LABEL.
    KeyValues(Vec<KeyValue>),
    /// ARG.
    Args(Vec<ArgDecl>),
    /// USER, WORKDIR, STOPSIGNAL, MAINTAINER.
    Value(Value),
    /// EXPOSE, VOLUME.
    List(Vec<Value>),
    /// HEALTHCHECK: `None` for `HEALTHCHECK NONE`.
    Healthcheck(Option<CommandForm>),
    /// ONBUILD and the instruction it defers.
    Onbuild(Box<Instruction>),
    /// An unknown instruction.
    Unknown,
}
