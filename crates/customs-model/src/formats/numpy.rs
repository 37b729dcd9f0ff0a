//! NumPy `.npy`: the header is a Python dict literal; an object dtype (`'descr': '|O'`) means
//! the data that follows is a pickle.

use std::io::Read;

use super::Ctx;
use crate::pickle::{self, WalkOptions};
use crate::report::{Finding, FindingKind, Severity};

/// A parsed Python literal (the subset NumPy writes in `.npy` headers).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    List(Vec<Lit>),
    Tuple(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

struct LitParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl LitParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: u32) -> Option<Lit> {
        if depth > 32 {
            return None;
        }
        self.ws();
        let c = *self.s.get(self.i)?;
        match c {
            b'{' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    if self.eat(b'}') {
                        return Some(Lit::Dict(items));
                    }
                    let k = self.value(depth + 1)?;
                    if !self.eat(b':') {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                    if !self.eat(b',') {
                        return self.eat(b'}').then_some(Lit::Dict(items));
                    }
                }
            }
            b'[' | b'(' => {
                let close = if c == b'[' { b']' } else { b')' };
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    if self.eat(close) {
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    if !self.eat(b',') {
                        if !self.eat(close) {
                            return None;
                        }
                        break;
                    }
                }
                Some(if c == b'[' {
                    Lit::List(items)
                } else {
                    Lit::Tuple(items)
                })
            }
            b'\'' | b'"' => {
                self.i += 1;
                let mut out = Vec::new();
                while let Some(&b) = self.s.get(self.i) {
                    self.i += 1;
                    if b == c {
                        return Some(Lit::Str(String::from_utf8_lossy(&out).into_owned()));
                    }
                    if b == b'\\' {
                        out.push(*self.s.get(self.i)?);
                        self.i += 1;
                    } else {
                        out.push(b);
                    }
                }
                None
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
                if self.s.get(self.i) == Some(&b'L') {
                    self.i += 1;
                }
                text.parse().ok().map(Lit::Int)
            }
            _ => {
                for (word, lit) in [
                    (&b"True"[..], Lit::Bool(true)),
                    (b"False", Lit::Bool(false)),
                    (b"None", Lit::None),
                ] {
                    if self.s[self.i..].starts_with(word) {
                        self.i += word.len();
                        return Some(lit);
                    }
                }
                None
            }
        }
    }
}

/// Parses a Python literal; trailing whitespace (NumPy pads headers) is allowed.
pub(crate) fn parse_literal(s: &[u8]) -> Option<Lit> {
    let mut p = LitParser { s, i: 0 };
    let v = p.value(0)?;
    p.ws();
    (p.i == s.len()).then_some(v)
}

/// Whether a `.npy` `descr` holds Python objects.
fn descr_has_object(descr: &Lit, depth: u32) -> bool {
    if depth > 32 {
        return true;
    }
    match descr {
        Lit::Str(s) => s.trim_start_matches(['<', '>', '|', '=']).starts_with('O'),
        // Structured: [(name, type[, shape]), ...]; name may be a (title, name) tuple.
        Lit::List(fields) => fields.iter().any(|f| match f {
            Lit::Tuple(parts) | Lit::List(parts) => {
                parts.get(1).is_some_and(|t| descr_has_object(t, depth + 1))
            }
            _ => false,
        }),
        _ => false,
    }
}

/// Scans a `.npy` stream.
pub(crate) fn scan_npy(ctx: &mut Ctx<'_>, r: &mut dyn Read, inner: Option<&str>, depth: u32) {
    let malformed = |reason: String| {
        Finding::new(
            Severity::Medium,
            FindingKind::MalformedContainer,
            "Malformed .npy header",
        )
        .with_detail(reason)
    };
    let mut pre = [0u8; 8];
    if r.read_exact(&mut pre).is_err() || &pre[..6] != super::NPY_MAGIC {
        ctx.add(malformed("missing \\x93NUMPY magic".into()), inner);
        return;
    }
    let header_len = match pre[6] {
        1 => {
            let mut b = [0u8; 2];
            if r.read_exact(&mut b).is_err() {
                ctx.add(malformed("truncated header length".into()), inner);
                return;
            }
            u64::from(u16::from_le_bytes(b))
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            if r.read_exact(&mut b).is_err() {
                ctx.add(malformed("truncated header length".into()), inner);
                return;
            }
            u64::from(u32::from_le_bytes(b))
        }
        v => {
            ctx.add(malformed(format!("unknown format version {v}")), inner);
            return;
        }
    };
    if header_len > 1 << 20 {
        ctx.add(malformed(format!("header of {header_len} bytes")), inner);
        return;
    }
    let mut header = Vec::new();
    if r.take(header_len).read_to_end(&mut header).is_err() || header.len() as u64 != header_len {
        ctx.add(malformed("truncated header".into()), inner);
        return;
    }
    let Some(Lit::Dict(items)) = parse_literal(&header) else {
        ctx.add(malformed("header is not a dict literal".into()), inner);
        return;
    };
    let Some(descr) = items
        .iter()
        .find(|(k, _)| *k == Lit::Str("descr".into()))
        .map(|(_, v)| v)
    else {
        ctx.add(malformed("header has no 'descr'".into()), inner);
        return;
    };
    if !descr_has_object(descr, 0) {
        return;
    }
    // Object arrays: the data is one pickle.
    let opts = WalkOptions {
        max_pickles: Some(1),
        ..WalkOptions::default()
    };
    let scan = pickle::walk(r, ctx.limits, opts);
    ctx.absorb_pickle(scan, inner, depth);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_headers() {
        let h = b"{'descr': '|O', 'fortran_order': False, 'shape': (3,), }          \n";
        let Some(Lit::Dict(items)) = parse_literal(h) else {
            panic!()
        };
        assert_eq!(items[0].1, Lit::Str("|O".into()));
        assert!(descr_has_object(&items[0].1, 0));
        let s = parse_literal(b"[('O', '<f8'), ('b', [('c', '|O')])]").unwrap();
        assert!(descr_has_object(&s, 0));
        let s = parse_literal(b"[('O', '<f8'), ('b', '<i4', (2,))]").unwrap();
        assert!(!descr_has_object(&s, 0));
        assert!(parse_literal(b"{'a': ").is_none());
    }
}
