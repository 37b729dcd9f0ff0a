//! Symbolic values on the walker's stack and in its memo. They keep just enough to name
//! callables (strings for `STACK_GLOBAL`, which import made an object) and to size joblib
//! arrays; containers keep only their first items.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use super::lexer::Blob;

/// Decoded text. `complete` is false when only a prefix was kept.
#[derive(Debug)]
pub(crate) struct Text {
    pub s: String,
    pub complete: bool,
}

/// A sequence that keeps its first items and counts the rest.
#[derive(Debug, Default)]
pub(crate) struct Seq {
    pub items: Vec<Value>,
    pub len: u64,
}

/// A mapping that keeps its first pairs and counts the rest.
#[derive(Debug, Default)]
pub(crate) struct Map {
    pub items: Vec<(Value, Value)>,
    pub len: u64,
}

/// Which callable made an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The import with this index.
    Import(usize),
    /// Something that is not an import (a call result, a persistent object, …).
    Computed,
}

/// An object produced by a call (`REDUCE`, `NEWOBJ`, `OBJ`, `INST`, …).
#[derive(Debug)]
pub(crate) struct Obj {
    pub origin: Origin,
    pub args: Value,
    /// State applied by `BUILD`.
    pub state: RefCell<Option<Value>>,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    BigInt,
    Float(f64),
    Str(Rc<Text>),
    Bytes(Rc<Blob>),
    /// An imported callable (index into the walker's imports).
    Global(usize),
    Obj(Rc<Obj>),
    Tuple(Rc<Seq>),
    List(Rc<RefCell<Seq>>),
    Dict(Rc<RefCell<Map>>),
    Set(Rc<RefCell<Seq>>),
    FrozenSet(Rc<Seq>),
    /// The result of `persistent_load(pid)`.
    Pers(Rc<Value>),
    /// An out-of-band buffer.
    Buffer,
    /// Something the walker cannot know (after a malformed step, an `EXT` code, …).
    Unknown,
}

impl Value {
    pub fn as_str(&self) -> Option<&Text> {
        match self {
            Self::Str(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            Self::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// Items of a tuple or list (the kept ones) and whether they are all kept.
    pub fn seq_items(&self) -> Option<(Vec<Value>, bool)> {
        match self {
            Self::Tuple(s) | Self::FrozenSet(s) => {
                Some((s.items.clone(), s.items.len() as u64 == s.len))
            }
            Self::List(s) | Self::Set(s) => {
                let s = s.borrow();
                Some((s.items.clone(), s.items.len() as u64 == s.len))
            }
            _ => None,
        }
    }

    /// Looks up a string key in a dict.
    pub fn dict_get(&self, key: &str) -> Option<Value> {
        match self {
            Self::Dict(d) => d
                .borrow()
                .items
                .iter()
                .find(|(k, _)| k.as_str().is_some_and(|t| t.s == key))
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    /// Whether this value is a dict (even one that keeps no items).
    pub fn is_dict(&self) -> bool {
        matches!(self, Self::Dict(_))
    }

    /// A short Python-like rendering for finding details.
    pub fn render(&self, names: &dyn Fn(usize) -> String, out: &mut String, depth: u32) {
        if out.len() > 240 {
            return;
        }
        match self {
            Self::None => out.push_str("None"),
            Self::Bool(true) => out.push_str("True"),
            Self::Bool(false) => out.push_str("False"),
            Self::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Self::BigInt => out.push_str("<int>"),
            Self::Float(f) => {
                let _ = write!(out, "{f}");
            }
            Self::Str(t) => {
                let shown: String = t.s.chars().take(120).collect();
                let _ = write!(out, "{shown:?}");
                if !t.complete || t.s.chars().count() > 120 {
                    out.push('…');
                }
            }
            Self::Bytes(b) => {
                let shown = String::from_utf8_lossy(&b.bytes[..b.bytes.len().min(60)]).into_owned();
                let _ = write!(out, "b{shown:?}");
                if b.len > 60 {
                    let _ = write!(out, "…({} bytes)", b.len);
                }
            }
            Self::Global(i) => out.push_str(&names(*i)),
            Self::Obj(o) => {
                match o.origin {
                    Origin::Import(i) => out.push_str(&names(i)),
                    Origin::Computed => out.push_str("<computed>"),
                }
                if depth < 3 {
                    out.push('(');
                    if let Some((items, _)) = o.args.seq_items() {
                        render_items(&items, names, out, depth);
                    } else {
                        o.args.render(names, out, depth + 1);
                    }
                    out.push(')');
                } else {
                    out.push_str("(…)");
                }
            }
            Self::Tuple(s) => {
                out.push('(');
                if depth < 3 {
                    render_items(&s.items, names, out, depth);
                    if s.items.len() == 1 && s.len == 1 {
                        out.push(',');
                    }
                } else {
                    out.push('…');
                }
                out.push(')');
            }
            Self::List(_) => out.push_str("[…]"),
            Self::Dict(_) => out.push_str("{…}"),
            Self::Set(_) | Self::FrozenSet(_) => out.push_str("{…}"),
            Self::Pers(p) => {
                out.push_str("persistent(");
                if depth < 3 {
                    p.render(names, out, depth + 1);
                }
                out.push(')');
            }
            Self::Buffer => out.push_str("<buffer>"),
            Self::Unknown => out.push('?'),
        }
    }
}

fn render_items(items: &[Value], names: &dyn Fn(usize) -> String, out: &mut String, depth: u32) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if i >= 6 || out.len() > 240 {
            out.push('…');
            break;
        }
        item.render(names, out, depth + 1);
    }
}

/// Decodes a `STRING` opcode line: a quoted Python 2 string literal with backslash escapes.
pub(crate) fn decode_string_literal(line: &[u8]) -> Option<Vec<u8>> {
    let (&first, rest) = line.split_first()?;
    let (&last, body) = rest.split_last()?;
    if first != last || (first != b'\'' && first != b'"') {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        i += 1;
        if b != b'\\' || i >= body.len() {
            out.push(b);
            continue;
        }
        let e = body[i];
        i += 1;
        match e {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' => {
                let hex = body.get(i..i + 2)?;
                let s = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                    v = v * 8 + u32::from(body[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Decodes `raw-unicode-escape` (the `UNICODE` opcode): latin-1 bytes, except `\uXXXX` and
/// `\UXXXXXXXX` after an odd number of backslashes.
pub(crate) fn decode_raw_unicode_escape(line: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if b != b'\\' {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let start = i;
        while i < line.len() && line[i] == b'\\' {
            i += 1;
        }
        let run = i - start;
        let next = line.get(i).copied();
        if run % 2 == 1 && matches!(next, Some(b'u' | b'U')) {
            for _ in 0..run - 1 {
                out.push('\\');
            }
            let digits = if next == Some(b'u') { 4 } else { 8 };
            let hex = line.get(i + 1..i + 1 + digits)?;
            let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            i += 1 + digits;
        } else {
            for _ in 0..run {
                out.push('\\');
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literal_escapes() {
        assert_eq!(decode_string_literal(b"'o\\x73'").unwrap(), b"os");
        assert_eq!(decode_string_literal(b"\"sys\\164em\"").unwrap(), b"system");
        assert_eq!(decode_string_literal(b"'a\\'b'").unwrap(), b"a'b");
        assert!(decode_string_literal(b"'unterminated").is_none());
        assert!(decode_string_literal(b"noquotes").is_none());
    }

    #[test]
    fn raw_unicode_escape() {
        assert_eq!(decode_raw_unicode_escape(b"o\\u0073").unwrap(), "os");
        assert_eq!(
            decode_raw_unicode_escape(b"a\\\\u0073").unwrap(),
            "a\\\\u0073"
        );
        assert_eq!(decode_raw_unicode_escape(b"\\U00000073ys").unwrap(), "sys");
        assert_eq!(decode_raw_unicode_escape(b"caf\xe9").unwrap(), "café");
    }
}
