//! Error types. Problems in a scanned file become findings; these errors carry the context
//! (offset, opcode, inner path) that those findings quote.

use std::io;

/// Why the pickle opcode reader or walker stopped early.
#[derive(Debug, thiserror::Error)]
pub enum PickleError {
    /// The stream ended in the middle of an opcode or its argument.
    #[error("pickle data truncated at offset {offset} while reading {context}")]
    Truncated {
        /// Byte offset where more data was needed.
        offset: u64,
        /// What was being read.
        context: &'static str,
    },
    /// A byte that is no pickle opcode.
    #[error("unknown opcode byte {byte:#04x} at offset {offset}")]
    UnknownOpcode {
        /// Byte offset of the opcode.
        offset: u64,
        /// The byte.
        byte: u8,
    },
    /// An opcode argument Python's unpickler would reject.
    #[error("invalid {opcode} argument at offset {offset}: {reason}")]
    BadArgument {
        /// Byte offset of the opcode.
        offset: u64,
        /// `pickletools` name of the opcode.
        opcode: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A configured bound was reached; the rest of the stream was not inspected.
    #[error("{what} limit of {limit} reached at offset {offset}")]
    Limit {
        /// Which bound.
        what: &'static str,
        /// Its value.
        limit: u64,
        /// Byte offset where it was reached.
        offset: u64,
    },
    /// The underlying reader failed.
    #[error("read error at offset {offset}: {source}")]
    Io {
        /// Byte offset of the failed read.
        offset: u64,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

impl PickleError {
    /// Whether this error means "a bound was hit" rather than "the data is malformed".
    pub fn is_limit(&self) -> bool {
        matches!(self, Self::Limit { .. })
    }

    /// The byte offset the error refers to.
    pub fn offset(&self) -> u64 {
        match self {
            Self::Truncated { offset, .. }
            | Self::UnknownOpcode { offset, .. }
            | Self::BadArgument { offset, .. }
            | Self::Limit { offset, .. }
            | Self::Io { offset, .. } => *offset,
        }
    }
}

/// Problems with a model container (zip, npy header, safetensors header, …).
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    /// The zip archive could not be opened or an entry could not be read.
    #[error("zip archive {inner}: {source}")]
    Zip {
        /// Archive path (or inner path for nested archives).
        inner: String,
        /// The zip error.
        #[source]
        source: zip::result::ZipError,
    },
    /// Reading the file failed.
    #[error("reading {inner}: {source}")]
    Io {
        /// File or inner path.
        inner: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is larger than the configured in-memory bound.
    #[error("{inner} is larger than the {limit}-byte in-memory bound")]
    TooLarge {
        /// File or inner path.
        inner: String,
        /// The bound.
        limit: u64,
    },
    /// A header or structure is malformed.
    #[error("{inner}: {reason}")]
    Malformed {
        /// File or inner path.
        inner: String,
        /// What is wrong.
        reason: String,
    },
}
