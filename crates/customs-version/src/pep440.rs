//! Python versions (PEP 440), as ordered by `packaging`.
//!
//! Valid versions are normalised per PEP 440 (case, `v` prefix, optional
//! separators, `alpha`/`c`/`pre`/`preview`/`rev`/`r` spellings, implicit
//! numbers, `1.0-1` post releases, `+local` labels) and compared by the
//! `packaging` sort key: epoch, release (trailing zeros ignored), then
//! `dev < pre < final < post`, then local labels (a version with a local
//! label is greater than the same version without one).
//!
//! Strings that are not PEP 440 are "legacy" versions as `packaging` < 22
//! (setuptools' `parse_version`) ordered them: below every PEP 440 version,
//! and among themselves by setuptools' padded-part key. They remain
//! comparable because old advisories and old releases still use them.
//!
//! Numbers have no size limit (`packaging` uses Python integers), which is
//! why this is not built on `pep440_rs` (64-bit segments); the tests check
//! this module against `pep440_rs` on every version the latter accepts.

use crate::num::{Num, split_digits};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PyVersion {
    /// Ordered before every PEP 440 version (legacy epoch is -1).
    Legacy(Vec<String>),
    Pep440(Key),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PreKind {
    A,
    B,
    Rc,
}

/// The pre-release slot of the sort key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PreSlot {
    /// `1.0.dev1` (no pre, no post) sorts before `1.0a1`.
    DevOnly,
    Pre(PreKind, Num),
    Final,
}

/// The dev-release slot: a dev release sorts before the same version without.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Dev {
    Dev(Num),
    None,
}

/// One local label segment: numbers sort above strings.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Local {
    Str(String),
    Num(Num),
}

/// `packaging`'s comparison key; field order is comparison order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    epoch: Num,
    /// Trailing zeros removed.
    release: Vec<Num>,
    pre: PreSlot,
    post: Option<Num>,
    dev: Dev,
    local: Option<Vec<Local>>,
}

impl PyVersion {
    /// Never fails: non-PEP 440 strings become legacy versions.
    pub(crate) fn parse(s: &str) -> Self {
        match parse_pep440(s) {
            Some(key) => PyVersion::Pep440(key),
            None => PyVersion::Legacy(legacy_key(s)),
        }
    }
}

/// A small cursor over the lower-cased version string.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn eat(&mut self, prefix: &str) -> bool {
        match self.rest.strip_prefix(prefix) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// Eats the first of `words` that matches (longest spellings first).
    fn eat_word(&mut self, words: &[&'static str]) -> Option<&'static str> {
        words.iter().copied().find(|w| self.eat(w))
    }

    fn eat_separator(&mut self) -> bool {
        self.eat("-") || self.eat("_") || self.eat(".")
    }

    fn digits(&mut self) -> Option<&'a str> {
        let (digits, rest) = split_digits(self.rest);
        if digits.is_empty() {
            return None;
        }
        self.rest = rest;
        Some(digits)
    }

    /// `[-_.]? word [-_.]? digits?`; restores the cursor when `word` is absent.
    ///
    /// A separator after `word` is consumed even without digits, as the
    /// regex may do: every later part starts with an optional separator of
    /// its own (or with `+`), so consuming it never rejects a valid version.
    fn labelled(&mut self, words: &[&'static str]) -> Option<(&'static str, Num)> {
        let saved = self.rest;
        self.eat_separator();
        let Some(word) = self.eat_word(words) else {
            self.rest = saved;
            return None;
        };
        self.eat_separator();
        let number = self.digits().map_or_else(Num::zero, Num::from_digits);
        Some((word, number))
    }
}

/// Parses PEP 440's canonical regular expression by hand. The optional parts
/// can be matched greedily: no part can start where the previous part could
/// have continued, so greedy matching accepts exactly what the regex does.
fn parse_pep440(s: &str) -> Option<Key> {
    let lower = s.trim().to_ascii_lowercase();
    let mut cur = Cursor { rest: &lower };
    cur.eat("v");

    let mut first = cur.digits()?;
    let epoch = if cur.eat("!") {
        let epoch = Num::from_digits(first);
        first = cur.digits()?;
        epoch
    } else {
        Num::zero()
    };
    let mut release = vec![Num::from_digits(first)];
    loop {
        let saved = cur.rest;
        if !cur.eat(".") {
            break;
        }
        match cur.digits() {
            Some(d) => release.push(Num::from_digits(d)),
            None => {
                cur.rest = saved;
                break;
            }
        }
    }
    while release.last().is_some_and(Num::is_zero) {
        release.pop();
    }

    let pre = cur
        .labelled(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])
        .map(|(word, n)| {
            let kind = match word {
                "alpha" | "a" => PreKind::A,
                "beta" | "b" => PreKind::B,
                _ => PreKind::Rc,
            };
            (kind, n)
        });

    let post = {
        let saved = cur.rest;
        let implicit = if cur.eat("-") { cur.digits() } else { None };
        match implicit {
            Some(d) => Some(Num::from_digits(d)),
            None => {
                cur.rest = saved;
                cur.labelled(&["post", "rev", "r"]).map(|(_, n)| n)
            }
        }
    };

    let dev = cur.labelled(&["dev"]).map(|(_, n)| n);

    let local = if cur.eat("+") {
        let mut segments = Vec::new();
        loop {
            let end = cur
                .rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(cur.rest.len());
            if end == 0 {
                return None;
            }
            let (segment, rest) = cur.rest.split_at(end);
            cur.rest = rest;
            segments.push(if segment.bytes().all(|b| b.is_ascii_digit()) {
                Local::Num(Num::from_digits(segment))
            } else {
                Local::Str(segment.to_owned())
            });
            if !cur.eat_separator() {
                break;
            }
        }
        Some(segments)
    } else {
        None
    };

    if !cur.rest.is_empty() {
        return None;
    }

    let pre_slot = match (&pre, &post, &dev) {
        (None, None, Some(_)) => PreSlot::DevOnly,
        (None, _, _) => PreSlot::Final,
        (Some((kind, n)), _, _) => PreSlot::Pre(*kind, n.clone()),
    };
    Some(Key {
        epoch,
        release,
        pre: pre_slot,
        post,
        dev: dev.map_or(Dev::None, Dev::Dev),
        local,
    })
}

/// setuptools' legacy key (`packaging.version.LegacyVersion`): the string is
/// lower-cased and split into digit runs, letter runs, `.` and `-` (other
/// characters stay as chunks); numbers are zero-padded to 8 places, other
/// parts get a `*` prefix, and a final `*final` is appended.
fn legacy_key(s: &str) -> Vec<String> {
    let lower = s.to_lowercase();
    let mut parts: Vec<String> = Vec::new();
    let raw = split_legacy_parts(&lower);
    for part in raw
        .iter()
        .map(String::as_str)
        .chain(std::iter::once("final"))
    {
        let part = match part {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            other => other,
        };
        if part.is_empty() || part == "." {
            continue;
        }
        let part = if part.starts_with(|c: char| c.is_ascii_digit()) {
            format!("{part:0>8}")
        } else {
            format!("*{part}")
        };
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts
}

/// `re.split(r"(\d+|[a-z]+|\.|-)", s)`: matched runs and the text between them.
fn split_legacy_parts(s: &str) -> Vec<String> {
    #[derive(PartialEq)]
    enum Class {
        Digit,
        Letter,
        Single,
        Other,
    }
    fn class(c: char) -> Class {
        match c {
            '0'..='9' => Class::Digit,
            'a'..='z' => Class::Letter,
            '.' | '-' => Class::Single,
            _ => Class::Other,
        }
    }
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_class = Class::Other;
    for c in s.chars() {
        let cls = class(c);
        let joins =
            cls == current_class && matches!(cls, Class::Digit | Class::Letter | Class::Other);
        if !joins && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        current.push(c);
        current_class = cls;
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}
