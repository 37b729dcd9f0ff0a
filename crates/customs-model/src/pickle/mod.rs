//! Pickle streams: the opcode table, an incremental opcode reader, and the symbolic walker.

pub mod lexer;
pub mod opcodes;
mod value;
mod walker;

pub use lexer::{Arg, Blob, Lexer, Op, disassemble};
pub use opcodes::{OPCODES, OpInfo, Opcode};
pub use walker::{NestedPayload, PickleScan, scan_pickle_with};
pub(crate) use walker::{WalkOptions, walk};
