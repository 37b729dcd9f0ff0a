//! Reads pickle opcodes and their inline arguments from any `Read`, incrementally, with
//! every length checked against a byte budget. Nothing is executed or interpreted here.

use std::io::{self, BufRead, BufReader, Read};

use super::opcodes::{self, ArgKind, OpInfo, Opcode};
use crate::error::PickleError;

/// A byte string argument. `bytes` may hold only a prefix of the `len` bytes the stream had:
/// long constants are skipped over rather than kept in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// The retained bytes (a prefix when `len` is larger).
    pub bytes: Vec<u8>,
    /// Length in the stream.
    pub len: u64,
}

impl Blob {
    /// Whether every byte was retained.
    pub fn is_complete(&self) -> bool {
        self.bytes.len() as u64 == self.len
    }
}

/// A decoded inline argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// No argument.
    None,
    /// A fixed-width integer (`BININT*`, `BINGET`, `PROTO`, `EXT*`, …).
    Int(i64),
    /// `FRAME`'s eight-byte length.
    U64(u64),
    /// `BINFLOAT`.
    Float(f64),
    /// A text line without its newline (`INT`, `LONG`, `FLOAT`, `STRING`, `UNICODE`, `GET`,
    /// `PUT`, `PERSID`).
    Line(Blob),
    /// Two text lines: module then name (`GLOBAL`, `INST`).
    Pair(Blob, Blob),
    /// Counted bytes (`LONG1`/`LONG4` two's complement, strings, bytes).
    Data(Blob),
}

/// One opcode as read from the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// Byte offset of the opcode from the start of the stream.
    pub pos: u64,
    /// The opcode.
    pub op: Opcode,
    /// Its argument.
    pub arg: Arg,
}

/// Names of GLOBAL/INST lines are always kept up to this many bytes.
pub(crate) const NAME_LINE_CAP: usize = 4096;

/// Incremental opcode reader.
pub struct Lexer<R: Read> {
    src: BufReader<R>,
    pos: u64,
    max_bytes: u64,
}

impl<R: Read> Lexer<R> {
    /// Reads from `reader`, refusing to consume more than `max_bytes` bytes.
    pub fn new(reader: R, max_bytes: u64) -> Self {
        Self {
            src: BufReader::with_capacity(64 * 1024, reader),
            pos: 0,
            max_bytes,
        }
    }

    /// Bytes consumed so far (the offset of the next opcode).
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Whether the stream has no more bytes.
    pub fn at_eof(&mut self) -> Result<bool, PickleError> {
        let offset = self.pos;
        loop {
            match self.src.fill_buf() {
                Ok(buf) => return Ok(buf.is_empty()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(PickleError::Io { offset, source }),
            }
        }
    }

    /// The next byte without consuming it.
    pub fn peek(&mut self) -> Result<Option<u8>, PickleError> {
        let offset = self.pos;
        loop {
            match self.src.fill_buf() {
                Ok(buf) => return Ok(buf.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(PickleError::Io { offset, source }),
            }
        }
    }

    fn budget(&self, n: u64) -> Result<(), PickleError> {
        if self.pos.saturating_add(n) > self.max_bytes {
            Err(PickleError::Limit {
                what: "pickle byte",
                limit: self.max_bytes,
                offset: self.pos,
            })
        } else {
            Ok(())
        }
    }

    fn read_fixed<const N: usize>(
        &mut self,
        context: &'static str,
    ) -> Result<[u8; N], PickleError> {
        self.budget(N as u64)?;
        let mut out = [0u8; N];
        let mut filled = 0;
        while filled < N {
            let buf = self.fill(context)?;
            let n = buf.len().min(N - filled);
            out[filled..filled + n].copy_from_slice(&buf[..n]);
            self.src.consume(n);
            self.pos += n as u64;
            filled += n;
        }
        Ok(out)
    }

    /// Fills the buffer, failing with `Truncated` at end of stream.
    fn fill(&mut self, context: &'static str) -> Result<&[u8], PickleError> {
        let offset = self.pos;
        loop {
            match self.src.fill_buf() {
                Ok([]) => return Err(PickleError::Truncated { offset, context }),
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(PickleError::Io { offset, source }),
            }
        }
        // Re-borrow after the loop so the returned slice is the filled buffer.
        self.src
            .fill_buf()
            .map_err(|source| PickleError::Io { offset, source })
    }

    /// Reads `len` bytes, keeping at most `retain` of them.
    pub fn read_counted(
        &mut self,
        len: u64,
        retain: usize,
        context: &'static str,
    ) -> Result<Blob, PickleError> {
        self.budget(len)?;
        let keep = usize::try_from(len).unwrap_or(usize::MAX).min(retain);
        let mut bytes = Vec::with_capacity(keep.min(1 << 20));
        let mut left = len;
        while left > 0 {
            let buf = self.fill(context)?;
            let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
            let room = keep - bytes.len();
            bytes.extend_from_slice(&buf[..n.min(room)]);
            self.src.consume(n);
            self.pos += n as u64;
            left -= n as u64;
        }
        Ok(Blob { bytes, len })
    }

    /// Skips `len` bytes (array payloads interleaved by joblib).
    pub fn skip(&mut self, len: u64, context: &'static str) -> Result<(), PickleError> {
        self.read_counted(len, 0, context).map(|_| ())
    }

    /// Reads one byte.
    pub fn read_u8(&mut self, context: &'static str) -> Result<u8, PickleError> {
        Ok(self.read_fixed::<1>(context)?[0])
    }

    /// Reads a line up to `\n` (consumed, not returned), keeping at most `retain` bytes.
    fn read_line(&mut self, retain: usize, context: &'static str) -> Result<Blob, PickleError> {
        let mut bytes = Vec::new();
        let mut len = 0u64;
        loop {
            let max_bytes = self.max_bytes;
            let pos = self.pos;
            let buf = self.fill(context)?;
            let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (buf.len(), false),
            };
            let consumed = chunk + usize::from(found);
            if pos.saturating_add(consumed as u64) > max_bytes {
                return Err(PickleError::Limit {
                    what: "pickle byte",
                    limit: max_bytes,
                    offset: pos,
                });
            }
            let room = retain.saturating_sub(bytes.len());
            bytes.extend_from_slice(&buf[..chunk.min(room)]);
            len += chunk as u64;
            self.src.consume(consumed);
            self.pos += consumed as u64;
            if found {
                return Ok(Blob { bytes, len });
            }
        }
    }

    /// Reads the next opcode. `Ok(None)` means the stream ended cleanly before an opcode.
    /// Long constants keep at most `retain` bytes.
    pub fn next_op(&mut self, retain: usize) -> Result<Option<Op>, PickleError> {
        if self.at_eof()? {
            return Ok(None);
        }
        let pos = self.pos;
        let byte = self.read_u8("opcode")?;
        let info: &OpInfo =
            opcodes::lookup(byte).ok_or(PickleError::UnknownOpcode { offset: pos, byte })?;
        let arg = self.read_arg(info, pos, retain)?;
        Ok(Some(Op {
            pos,
            op: info.op,
            arg,
        }))
    }

    fn read_arg(&mut self, info: &OpInfo, pos: u64, retain: usize) -> Result<Arg, PickleError> {
        let ctx = info.name;
        let bad = |reason: String| PickleError::BadArgument {
            offset: pos,
            opcode: info.name,
            reason,
        };
        Ok(match info.arg {
            ArgKind::None => Arg::None,
            ArgKind::U1 => Arg::Int(i64::from(self.read_u8(ctx)?)),
            ArgKind::U2 => Arg::Int(i64::from(u16::from_le_bytes(self.read_fixed(ctx)?))),
            ArgKind::I4 => Arg::Int(i64::from(i32::from_le_bytes(self.read_fixed(ctx)?))),
            ArgKind::U4 => Arg::Int(i64::from(u32::from_le_bytes(self.read_fixed(ctx)?))),
            ArgKind::U8 => Arg::U64(u64::from_le_bytes(self.read_fixed(ctx)?)),
            ArgKind::F8 => Arg::Float(f64::from_be_bytes(self.read_fixed(ctx)?)),
            ArgKind::DecimalShort | ArgKind::DecimalLong | ArgKind::FloatNl => {
                Arg::Line(self.read_line(NAME_LINE_CAP, ctx)?)
            }
            ArgKind::StringNl | ArgKind::UnicodeNl | ArgKind::StringNlNoEscape => {
                Arg::Line(self.read_line(retain.max(NAME_LINE_CAP), ctx)?)
            }
            ArgKind::StringNlPair => {
                let module = self.read_line(NAME_LINE_CAP, ctx)?;
                let name = self.read_line(NAME_LINE_CAP, ctx)?;
                Arg::Pair(module, name)
            }
            ArgKind::Long1 | ArgKind::Counted1 => {
                let n = self.read_u8(ctx)?;
                Arg::Data(self.read_counted(u64::from(n), retain, ctx)?)
            }
            ArgKind::Long4 | ArgKind::CountedI4 => {
                let n = i32::from_le_bytes(self.read_fixed(ctx)?);
                let n = u64::try_from(n).map_err(|_| bad(format!("negative byte count {n}")))?;
                Arg::Data(self.read_counted(n, retain, ctx)?)
            }
            ArgKind::CountedU4 => {
                let n = u32::from_le_bytes(self.read_fixed(ctx)?);
                Arg::Data(self.read_counted(u64::from(n), retain, ctx)?)
            }
            ArgKind::CountedU8 => {
                let n = u64::from_le_bytes(self.read_fixed(ctx)?);
                Arg::Data(self.read_counted(n, retain, ctx)?)
            }
        })
    }
}

/// Lists the opcodes of every pickle in `reader` (like `pickletools.genops` run until the
/// stream ends), for diagnostics and differential tests against Python.
pub fn disassemble<R: Read>(reader: R, max_bytes: u64) -> (Vec<Op>, Option<PickleError>) {
    let mut lexer = Lexer::new(reader, max_bytes);
    let mut ops = Vec::new();
    loop {
        match lexer.next_op(256) {
            Ok(Some(op)) => ops.push(op),
            Ok(None) => return (ops, None),
            Err(e) => return (ops, Some(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_args_of_each_kind() {
        let data = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00cos\nsystem\nK\x07M\x01\x02J\xff\xff\xff\xff\x8c\x02hiI01\n\x8a\x02\x01\x80.";
        let (ops, err) = disassemble(&data[..], 1 << 20);
        assert!(err.is_none(), "{err:?}");
        let names: Vec<_> = ops.iter().map(|o| o.op.name()).collect();
        assert_eq!(
            names,
            [
                "PROTO",
                "FRAME",
                "GLOBAL",
                "BININT1",
                "BININT2",
                "BININT",
                "SHORT_BINUNICODE",
                "INT",
                "LONG1",
                "STOP"
            ]
        );
        assert_eq!(ops[1].arg, Arg::U64(5));
        assert_eq!(ops[5].arg, Arg::Int(-1));
        assert_eq!(ops[4].arg, Arg::Int(0x0201));
        match &ops[2].arg {
            Arg::Pair(m, n) => {
                assert_eq!((&m.bytes[..], &n.bytes[..]), (&b"os"[..], &b"system"[..]))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn truncation_and_limits_are_errors() {
        let (_, err) = disassemble(&b"X\x10\x00\x00\x00abc"[..], 1 << 20);
        assert!(matches!(err, Some(PickleError::Truncated { .. })));
        let (_, err) = disassemble(&b"X\x10\x00\x00\x00abcdefghijklmnop."[..], 8);
        assert!(matches!(err, Some(PickleError::Limit { .. })));
        let (_, err) = disassemble(&b"cos\nsys"[..], 1 << 20);
        assert!(matches!(err, Some(PickleError::Truncated { .. })));
        let (_, err) = disassemble(&b"T\xff\xff\xff\xff"[..], 1 << 20);
        assert!(matches!(err, Some(PickleError::BadArgument { .. })));
        let (_, err) = disassemble(&b"\xff"[..], 1 << 20);
        assert!(matches!(
            err,
            Some(PickleError::UnknownOpcode {
                byte: 0xff,
                offset: 0
            })
        ));
    }

    #[test]
    fn long_constants_are_skipped_not_kept() {
        let mut data = b"B\x00\x00\x10\x00".to_vec();
        data.extend(std::iter::repeat_n(b'a', 0x10_0000));
        data.push(b'.');
        let mut lexer = Lexer::new(&data[..], 1 << 30);
        let op = lexer.next_op(16).unwrap().unwrap();
        match op.arg {
            Arg::Data(b) => {
                assert_eq!(b.len, 0x10_0000);
                assert_eq!(b.bytes.len(), 16);
                assert!(!b.is_complete());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(lexer.next_op(16).unwrap().unwrap().op, Opcode::Stop);
        assert!(lexer.next_op(16).unwrap().is_none());
    }
}
