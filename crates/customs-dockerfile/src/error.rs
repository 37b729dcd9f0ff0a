//! Errors returned by [`crate::parse`].

use thiserror::Error;

/// A Dockerfile that cannot be parsed. Every variant that points into the
/// file names its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// `# escape=` with a value other than `\` or `` ` ``.
    #[error("line {line}: invalid escape directive {value:?}: it must be `\\` or `` ` ``")]
    InvalidEscape {
        /// Line of the directive.
        line: usize,
        /// The value that was given.
        value: String,
    },
    /// The same parser directive twice at the top of the file.
    #[error("line {line}: parser directive `{name}` is given more than once")]
    DuplicateDirective {
        /// Line of the second occurrence.
        line: usize,
        /// Directive name, lower case.
        name: String,
    },
    /// A heredoc whose closing delimiter never comes.
    #[error("line {line}: heredoc `{delimiter}` is not terminated before the end of the file")]
    UnterminatedHeredoc {
        /// Line of the instruction that opened the heredoc.
        line: usize,
        /// The delimiter word that was expected.
        delimiter: String,
    },
    /// An instruction without the arguments it needs.
    #[error("line {line}: {instruction} requires {expected}")]
    MissingArguments {
        /// First line of the instruction.
        line: usize,
        /// Instruction keyword, upper case.
        instruction: String,
        /// What was expected, in words.
        expected: &'static str,
    },
    /// An instruction whose arguments are malformed.
    #[error("line {line}: {instruction}: {message}")]
    InvalidInstruction {
        /// First line of the instruction.
        line: usize,
        /// Instruction keyword, upper case.
        instruction: String,
        /// What is wrong.
        message: String,
    },
    /// An instruction other than `ARG` before the first `FROM`.
    #[error("line {line}: {instruction} comes before the first FROM (only ARG may)")]
    InstructionBeforeFrom {
        /// First line of the instruction.
        line: usize,
        /// Instruction keyword, upper case.
        instruction: String,
    },
    /// The file has no `FROM` at all.
    #[error("the Dockerfile has no FROM instruction")]
    NoStages,
}

impl ParseError {
    /// The 1-based line the error points at, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::InvalidEscape { line, .. }
            | Self::DuplicateDirective { line, .. }
            | Self::UnterminatedHeredoc { line, .. }
            | Self::MissingArguments { line, .. }
            | Self::InvalidInstruction { line, .. }
            | Self::InstructionBeforeFrom { line, .. } => Some(*line),
            Self::NoStages => None,
        }
    }
}
