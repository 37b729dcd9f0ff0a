//! The pickle opcode table (protocols 0–5), named as in Python's `pickletools`.

use serde::Serialize;

/// How an opcode's inline argument is encoded, named after `pickletools`' argument descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// No inline argument.
    None,
    /// One unsigned byte.
    U1,
    /// Two bytes, unsigned little-endian.
    U2,
    /// Four bytes, signed little-endian.
    I4,
    /// Four bytes, unsigned little-endian.
    U4,
    /// Eight bytes, unsigned little-endian.
    U8,
    /// Eight bytes, big-endian IEEE-754 double.
    F8,
    /// `decimalnl_short`: a decimal integer line (`INT`, `GET`, `PUT`).
    DecimalShort,
    /// `decimalnl_long`: a decimal integer line with an optional trailing `L` (`LONG`).
    DecimalLong,
    /// `floatnl`: a float repr line.
    FloatNl,
    /// `stringnl`: a quoted, escaped string line (`STRING`).
    StringNl,
    /// `stringnl_noescape`: a raw line (`PERSID`).
    StringNlNoEscape,
    /// `stringnl_noescape_pair`: two raw lines, module then name (`GLOBAL`, `INST`).
    StringNlPair,
    /// `unicodestringnl`: a raw-unicode-escape line (`UNICODE`).
    UnicodeNl,
    /// One length byte, then that many bytes (`LONG1`).
    Long1,
    /// Signed four-byte length, then that many bytes (`LONG4`).
    Long4,
    /// One length byte, then bytes (`SHORT_BINSTRING`, `SHORT_BINBYTES`, `SHORT_BINUNICODE`).
    Counted1,
    /// Signed four-byte length, then bytes (`BINSTRING`).
    CountedI4,
    /// Unsigned four-byte length, then bytes (`BINBYTES`, `BINUNICODE`).
    CountedU4,
    /// Unsigned eight-byte length, then bytes (`BINBYTES8`, `BINUNICODE8`, `BYTEARRAY8`).
    CountedU8,
}

/// One pickle opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[allow(missing_docs)]
pub enum Opcode {
    Mark,
    Stop,
    Pop,
    PopMark,
    Dup,
    Float,
    Int,
    BinInt,
    BinInt1,
    Long,
    BinInt2,
    None,
    PersId,
    BinPersId,
    Reduce,
    String,
    BinString,
    ShortBinString,
    Unicode,
    BinUnicode,
    Append,
    Build,
    Global,
    Dict,
    EmptyDict,
    Appends,
    Get,
    BinGet,
    Inst,
    LongBinGet,
    List,
    EmptyList,
    Obj,
    Put,
    BinPut,
    LongBinPut,
    SetItem,
    Tuple,
    EmptyTuple,
    SetItems,
    BinFloat,
    Proto,
    NewObj,
    Ext1,
    Ext2,
    Ext4,
    Tuple1,
    Tuple2,
    Tuple3,
    NewTrue,
    NewFalse,
    Long1,
    Long4,
    BinBytes,
    ShortBinBytes,
    ShortBinUnicode,
    BinUnicode8,
    BinBytes8,
    EmptySet,
    AddItems,
    FrozenSet,
    NewObjEx,
    StackGlobal,
    Memoize,
    Frame,
    ByteArray8,
    NextBuffer,
    ReadonlyBuffer,
}

/// Static facts about an opcode.
#[derive(Debug, Clone, Copy)]
pub struct OpInfo {
    /// The opcode.
    pub op: Opcode,
    /// The byte that encodes it.
    pub code: u8,
    /// Its `pickletools` name, e.g. `STACK_GLOBAL`.
    pub name: &'static str,
    /// Its inline argument.
    pub arg: ArgKind,
    /// The protocol that introduced it.
    pub proto: u8,
}

macro_rules! table {
    ($( $op:ident, $code:expr, $name:expr, $arg:ident, $proto:expr; )*) => {
        /// Every opcode of protocols 0–5, in `pickletools` order.
        pub const OPCODES: &[OpInfo] = &[
            $( OpInfo { op: Opcode::$op, code: $code, name: $name, arg: ArgKind::$arg, proto: $proto }, )*
        ];
    };
}

table! {
    Int, b'I', "INT", DecimalShort, 0;
    BinInt, b'J', "BININT", I4, 1;
    BinInt1, b'K', "BININT1", U1, 1;
    BinInt2, b'M', "BININT2", U2, 1;
    Long, b'L', "LONG", DecimalLong, 0;
    Long1, 0x8a, "LONG1", Long1, 2;
    Long4, 0x8b, "LONG4", Long4, 2;
    String, b'S', "STRING", StringNl, 0;
    BinString, b'T', "BINSTRING", CountedI4, 1;
    ShortBinString, b'U', "SHORT_BINSTRING", Counted1, 1;
    BinBytes, b'B', "BINBYTES", CountedU4, 3;
    ShortBinBytes, b'C', "SHORT_BINBYTES", Counted1, 3;
    BinBytes8, 0x8e, "BINBYTES8", CountedU8, 4;
    ByteArray8, 0x96, "BYTEARRAY8", CountedU8, 5;
    NextBuffer, 0x97, "NEXT_BUFFER", None, 5;
    ReadonlyBuffer, 0x98, "READONLY_BUFFER", None, 5;
    None, b'N', "NONE", None, 0;
    NewTrue, 0x88, "NEWTRUE", None, 2;
    NewFalse, 0x89, "NEWFALSE", None, 2;
    Unicode, b'V', "UNICODE", UnicodeNl, 0;
    ShortBinUnicode, 0x8c, "SHORT_BINUNICODE", Counted1, 4;
    BinUnicode, b'X', "BINUNICODE", CountedU4, 1;
    BinUnicode8, 0x8d, "BINUNICODE8", CountedU8, 4;
    Float, b'F', "FLOAT", FloatNl, 0;
    BinFloat, b'G', "BINFLOAT", F8, 1;
    EmptyList, b']', "EMPTY_LIST", None, 1;
    Append, b'a', "APPEND", None, 0;
    Appends, b'e', "APPENDS", None, 1;
    List, b'l', "LIST", None, 0;
    EmptyTuple, b')', "EMPTY_TUPLE", None, 1;
    Tuple, b't', "TUPLE", None, 0;
    Tuple1, 0x85, "TUPLE1", None, 2;
    Tuple2, 0x86, "TUPLE2", None, 2;
    Tuple3, 0x87, "TUPLE3", None, 2;
    EmptyDict, b'}', "EMPTY_DICT", None, 1;
    Dict, b'd', "DICT", None, 0;
    SetItem, b's', "SETITEM", None, 0;
    SetItems, b'u', "SETITEMS", None, 1;
    EmptySet, 0x8f, "EMPTY_SET", None, 4;
    AddItems, 0x90, "ADDITEMS", None, 4;
    FrozenSet, 0x91, "FROZENSET", None, 4;
    Pop, b'0', "POP", None, 0;
    Dup, b'2', "DUP", None, 0;
    Mark, b'(', "MARK", None, 0;
    PopMark, b'1', "POP_MARK", None, 1;
    Get, b'g', "GET", DecimalShort, 0;
    BinGet, b'h', "BINGET", U1, 1;
    LongBinGet, b'j', "LONG_BINGET", U4, 1;
    Put, b'p', "PUT", DecimalShort, 0;
    BinPut, b'q', "BINPUT", U1, 1;
    LongBinPut, b'r', "LONG_BINPUT", U4, 1;
    Memoize, 0x94, "MEMOIZE", None, 4;
    Ext1, 0x82, "EXT1", U1, 2;
    Ext2, 0x83, "EXT2", U2, 2;
    Ext4, 0x84, "EXT4", I4, 2;
    Global, b'c', "GLOBAL", StringNlPair, 0;
    StackGlobal, 0x93, "STACK_GLOBAL", None, 4;
    Reduce, b'R', "REDUCE", None, 0;
    Build, b'b', "BUILD", None, 0;
    Inst, b'i', "INST", StringNlPair, 0;
    Obj, b'o', "OBJ", None, 1;
    NewObj, 0x81, "NEWOBJ", None, 2;
    NewObjEx, 0x92, "NEWOBJ_EX", None, 4;
    Proto, 0x80, "PROTO", U1, 2;
    Stop, b'.', "STOP", None, 0;
    Frame, 0x95, "FRAME", U8, 4;
    PersId, b'P', "PERSID", StringNlNoEscape, 0;
    BinPersId, b'Q', "BINPERSID", None, 1;
}

/// The highest pickle protocol Python knows (and this walker understands).
pub const HIGHEST_PROTOCOL: u8 = 5;

/// Looks up the opcode encoded by `byte`.
pub fn lookup(byte: u8) -> Option<&'static OpInfo> {
    static INDEX: std::sync::OnceLock<[Option<u8>; 256]> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut idx = [None; 256];
        for (i, info) in OPCODES.iter().enumerate() {
            // The table has fewer than 256 entries, so the index fits in a u8.
            idx[usize::from(info.code)] = u8::try_from(i).ok();
        }
        idx
    });
    index[usize::from(byte)].map(|i| &OPCODES[usize::from(i)])
}

impl Opcode {
    /// The static facts about this opcode.
    pub fn info(self) -> &'static OpInfo {
        // Every variant is in the table; fall back to the first entry rather than panic.
        OPCODES.iter().find(|i| i.op == self).unwrap_or(&OPCODES[0])
    }

    /// The `pickletools` name, e.g. `BINPUT`.
    pub fn name(self) -> &'static str {
        self.info().name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_pickletools_opcode_once() {
        assert_eq!(OPCODES.len(), 68);
        let mut seen = std::collections::HashSet::new();
        for info in OPCODES {
            assert!(seen.insert(info.code), "duplicate code {:#x}", info.code);
            assert_eq!(lookup(info.code).map(|i| i.op), Some(info.op));
            assert_eq!(info.op.name(), info.name);
        }
        assert!(lookup(0xff).is_none());
        assert!(lookup(b'z').is_none());
    }
}
