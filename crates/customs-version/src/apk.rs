//! Alpine (apk) versions, also used by Wolfi, Chainguard and MinimOS.
//!
//! Grammar (apk-tools `version.c`): `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}`
//! with suffixes ordered `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn
//! < _git < _hg < _p`. Versions are compared token by token as apk-tools 3
//! does: equal token kinds compare by value (a non-initial number with a
//! leading zero compares as a string, others numerically); when the kinds
//! differ, a pre-release suffix is smaller, otherwise the kind that comes
//! later in the grammar is smaller, which gives `1.2_rc1 < 1.2 < 1.2-r1 <
//! 1.2~c0ffee < 1.2_p1 < 1.2a < 1.2.1`.
//!
//! apk accepts invalid strings too (`apk version -t` compares them). Where a
//! string stops following the grammar we keep a garbage token, and give it
//! an order so that the result is still a total order:
//! * garbage in the version part (e.g. `1.2_blah`, `0..8`, `1.2.0A`) keeps the
//!   rest of the string and compares it byte-wise with other such garbage;
//!   it sorts below the end of a version;
//! * the release part after the first `-` is read as `-`-separated fields: the
//!   first must be `r<digits>` (`-r` alone is `-r0`); any further field, or a
//!   first field that is not `r<digits>`, is garbage whose content is ignored
//!   and which sorts below the end of a version.
//!
//! Numbers have no size limit (apk-tools uses 64-bit integers).

use std::cmp::Ordering;

use crate::num::{Num, split_digits};

/// Suffixes in apk order. The first four are pre-release suffixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    Alpha,
    Beta,
    Pre,
    Rc,
    Cvs,
    Svn,
    Git,
    Hg,
    P,
}

impl Suffix {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "alpha" => Suffix::Alpha,
            "beta" => Suffix::Beta,
            "pre" => Suffix::Pre,
            "rc" => Suffix::Rc,
            "cvs" => Suffix::Cvs,
            "svn" => Suffix::Svn,
            "git" => Suffix::Git,
            "hg" => Suffix::Hg,
            "p" => Suffix::P,
            _ => return None,
        })
    }

    fn is_pre_release(self) -> bool {
        self <= Suffix::Rc
    }
}

#[derive(Clone, Debug)]
enum Token {
    /// The first number, compared numerically.
    Initial(Num),
    /// A later number, kept verbatim because of the leading-zero rule.
    Digit(Box<str>),
    Letter(u8),
    Suffix(Suffix),
    SuffixNo(Num),
    Hash(Box<str>),
    Revision(Num),
    End,
    /// Garbage in the release part; its content is ignored.
    BadRelease,
    /// Garbage in the version part: the rest of the string.
    Invalid(Box<str>),
}

impl Token {
    /// Position in the grammar; later kinds sort lower when kinds differ.
    fn rank(&self) -> u8 {
        match self {
            Token::Initial(_) => 0,
            Token::Digit(_) => 1,
            Token::Letter(_) => 2,
            Token::Suffix(_) => 3,
            Token::SuffixNo(_) => 4,
            Token::Hash(_) => 5,
            Token::Revision(_) => 6,
            Token::End => 7,
            Token::BadRelease => 8,
            Token::Invalid(_) => 9,
        }
    }

    fn is_terminal(&self) -> bool {
        matches!(self, Token::End | Token::BadRelease | Token::Invalid(_))
    }

    fn is_pre_release_suffix(&self) -> bool {
        matches!(self, Token::Suffix(s) if s.is_pre_release())
    }

    /// Compares two tokens of the same kind.
    fn cmp_same_kind(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Token::Initial(a), Token::Initial(b))
            | (Token::SuffixNo(a), Token::SuffixNo(b))
            | (Token::Revision(a), Token::Revision(b)) => a.cmp(b),
            (Token::Digit(a), Token::Digit(b)) => {
                if a.starts_with('0') || b.starts_with('0') {
                    a.as_bytes().cmp(b.as_bytes())
                } else {
                    Num::from_digits(a).cmp(&Num::from_digits(b))
                }
            }
            (Token::Letter(a), Token::Letter(b)) => a.cmp(b),
            (Token::Suffix(a), Token::Suffix(b)) => a.cmp(b),
            (Token::Hash(a), Token::Hash(b)) | (Token::Invalid(a), Token::Invalid(b)) => {
                a.as_bytes().cmp(b.as_bytes())
            }
            _ => Ordering::Equal,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ApkVersion {
    /// Always ends with exactly one terminal token.
    tokens: Vec<Token>,
}

impl ApkVersion {
    /// Never fails: strings outside the grammar get garbage tokens.
    pub(crate) fn parse(s: &str) -> Self {
        let mut tokens = Vec::new();
        let (first, mut rest) = split_digits(s);
        if first.is_empty() {
            tokens.push(Token::Invalid(s.into()));
            return ApkVersion { tokens };
        }
        tokens.push(Token::Initial(Num::from_digits(first)));
        // The rank of the previous token drives what may follow it.
        let mut prev = 0u8;
        loop {
            let Some(c) = rest.chars().next() else {
                tokens.push(Token::End);
                break;
            };
            let token = match c {
                'a'..='z' if prev <= 1 => {
                    rest = &rest[1..];
                    Token::Letter(c as u8)
                }
                '.' if prev <= 1 => {
                    let (digits, after) = split_digits(&rest[1..]);
                    if digits.is_empty() {
                        Token::Invalid(rest.into())
                    } else {
                        rest = after;
                        Token::Digit(digits.into())
                    }
                }
                '0'..='9' if prev == 3 => {
                    let (digits, after) = split_digits(rest);
                    rest = after;
                    Token::SuffixNo(Num::from_digits(digits))
                }
                '_' if prev <= 4 => {
                    let name_len = rest[1..]
                        .find(|c: char| !c.is_ascii_lowercase())
                        .unwrap_or(rest.len() - 1);
                    match Suffix::from_name(&rest[1..1 + name_len]) {
                        Some(suffix) => {
                            rest = &rest[1 + name_len..];
                            Token::Suffix(suffix)
                        }
                        None => Token::Invalid(rest.into()),
                    }
                }
                '~' if prev < 5 => {
                    let hex_len = rest[1..]
                        .find(|c: char| !matches!(c, '0'..='9' | 'a'..='f'))
                        .unwrap_or(rest.len() - 1);
                    if hex_len == 0 {
                        Token::Invalid(rest.into())
                    } else {
                        let hash = &rest[1..1 + hex_len];
                        rest = &rest[1 + hex_len..];
                        Token::Hash(hash.into())
                    }
                }
                '-' => {
                    push_release(&mut tokens, &rest[1..]);
                    break;
                }
                _ => Token::Invalid(rest.into()),
            };
            let terminal = token.is_terminal();
            prev = token.rank();
            tokens.push(token);
            if terminal {
                break;
            }
        }
        ApkVersion { tokens }
    }
}

/// Reads the release part (after the first `-`) into tokens, ending with a
/// terminal token.
fn push_release(tokens: &mut Vec<Token>, release: &str) {
    let mut fields = release.split('-');
    let first = fields.next().unwrap_or_default();
    match first.strip_prefix('r') {
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            tokens.push(Token::Revision(Num::from_digits(digits)));
            tokens.push(if fields.next().is_some() {
                Token::BadRelease
            } else {
                Token::End
            });
        }
        _ => tokens.push(Token::BadRelease),
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.tokens.iter().zip(&other.tokens) {
            if a.rank() == b.rank() {
                match a.cmp_same_kind(b) {
                    Ordering::Equal if a.is_terminal() => return Ordering::Equal,
                    Ordering::Equal => continue,
                    unequal => return unequal,
                }
            }
            if a.is_pre_release_suffix() {
                return Ordering::Less;
            }
            if b.is_pre_release_suffix() {
                return Ordering::Greater;
            }
            return b.rank().cmp(&a.rank());
        }
        // Unreachable: both token lists end with a terminal token, and
        // equal terminals return above.
        self.tokens.len().cmp(&other.tokens.len())
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion {}
