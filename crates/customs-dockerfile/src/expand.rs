//! ARG/ENV substitution in instruction words, as BuildKit does it:
//! `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
//! `${VAR+alt}`, `${VAR:?msg}`, literal `${VAR#prefix}` / `${VAR%suffix}`,
//! single quotes (no substitution), double quotes and the escape character.

use std::collections::BTreeMap;

use crate::model::Value;

/// Deepest `${A:-${B:-...}}` nesting that is expanded; deeper text is kept as is.
const MAX_DEPTH: usize = 32;

/// The state of a variable at one point of the Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Has a value.
    Set(String),
    /// Declared by `ARG` without a default: only `--build-arg` can give it one.
    DeclaredUnset,
    /// Never declared in the Dockerfile: empty, unless the base image's
    /// ENV sets it, so it counts as unresolved.
    Undeclared,
}

/// Variables visible at one point: `ENV` wins over `ARG`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) args: BTreeMap<String, Option<String>>,
}

impl Scope {
    pub(crate) fn lookup(&self, name: &str) -> Lookup {
        if let Some(v) = self.env.get(name) {
            return Lookup::Set(v.clone());
        }
        match self.args.get(name) {
            Some(Some(v)) => Lookup::Set(v.clone()),
            Some(None) => Lookup::DeclaredUnset,
            None => Lookup::Undeclared,
        }
    }

    pub(crate) fn expand(&self, word: &str, escape: char) -> Value {
        expand(word, escape, &|n| self.lookup(n))
    }
}

/// Substitute variables in `word` and remove quotes.
pub(crate) fn expand(word: &str, escape: char, lookup: &dyn Fn(&str) -> Lookup) -> Value {
    run_expander(word, escape, lookup, true)
}

fn run_expander(
    word: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Lookup,
    substitute: bool,
) -> Value {
    let mut ex = Expander {
        s: word.chars().collect(),
        i: 0,
        escape,
        lookup,
        unresolved: Vec::new(),
        depth: 0,
        substitute,
    };
    let value = ex.run(false);
    let mut unresolved = ex.unresolved;
    unresolved.dedup();
    Value {
        raw: word.to_string(),
        value,
        unresolved,
    }
}

/// Remove quotes and escapes, leaving `$VAR` references as they are.
pub(crate) fn unquote(word: &str, escape: char) -> String {
    run_expander(word, escape, &|_| Lookup::Undeclared, false).value
}

struct Expander<'a> {
    s: Vec<char>,
    i: usize,
    escape: char,
    lookup: &'a dyn Fn(&str) -> Lookup,
    unresolved: Vec<String>,
    depth: usize,
    substitute: bool,
}

impl Expander<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    /// Process until the end, or until an unquoted `}` when `in_brace`.
    fn run(&mut self, in_brace: bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if in_brace && c == '}' {
                self.i += 1;
                return out;
            }
            self.i += 1;
            if c == self.escape {
                match self.peek() {
                    Some(n) => {
                        out.push(n);
                        self.i += 1;
                    }
                    None => out.push(c),
                }
            } else if c == '\'' {
                while let Some(n) = self.peek() {
                    self.i += 1;
                    if n == '\'' {
                        break;
                    }
                    out.push(n);
                }
            } else if c == '"' {
                self.double_quoted(&mut out);
            } else if c == '$' {
                let v = self.variable();
                out.push_str(&v);
            } else {
                out.push(c);
            }
        }
        out
    }

    fn double_quoted(&mut self, out: &mut String) {
        while let Some(c) = self.peek() {
            self.i += 1;
            if c == '"' {
                return;
            }
            if c == self.escape {
                match self.peek() {
                    Some(n) if n == '"' || n == '$' || n == self.escape => {
                        out.push(n);
                        self.i += 1;
                    }
                    _ => out.push(c),
                }
            } else if c == '$' {
                let v = self.variable();
                out.push_str(&v);
            } else {
                out.push(c);
            }
        }
    }

    fn read_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '_' || c.is_ascii_alphanumeric() {
                name.push(c);
                self.i += 1;
            } else {
                break;
            }
        }
        name
    }

    fn resolve(&mut self, name: &str) -> String {
        match (self.lookup)(name) {
            Lookup::Set(v) => v,
            // Undeclared names may still come from the base image's ENV.
            Lookup::DeclaredUnset | Lookup::Undeclared => {
                self.unresolved.push(name.to_string());
                String::new()
            }
        }
    }

    /// After a `$`.
    fn variable(&mut self) -> String {
        if !self.substitute {
            return "$".to_string();
        }
        match self.peek() {
            Some('{') => {
                self.i += 1;
                self.braced()
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let name = self.read_name();
                self.resolve(&name)
            }
            _ => "$".to_string(),
        }
    }

    /// Raw text up to the matching `}` (consumed), for modifiers we only
    /// apply literally.
    fn raw_to_brace(&mut self) -> String {
        let mut depth = 1usize;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return out;
                    }
                }
                _ => {}
            }
            out.push(c);
        }
        out
    }

    /// After `${`.
    fn braced(&mut self) -> String {
        let name = self.read_name();
        if name.is_empty() {
            let rest = self.raw_to_brace();
            return format!("${{{rest}}}");
        }
        match self.peek() {
            Some('}') => {
                self.i += 1;
                self.resolve(&name)
            }
            Some(':' | '-' | '+' | '?') => {
                let colon = self.peek() == Some(':');
                if colon {
                    self.i += 1;
                }
                let op = self.peek();
                if !matches!(op, Some('-' | '+' | '?')) {
                    // `${VAR:offset}` and friends: keep the value as it is.
                    self.raw_to_brace();
                    return self.resolve(&name);
                }
                self.i += 1;
                let mark = self.unresolved.len();
                let word = if self.depth < MAX_DEPTH {
                    self.depth += 1;
                    let w = self.run(true);
                    self.depth -= 1;
                    w
                } else {
                    self.raw_to_brace()
                };
                let state = (self.lookup)(&name);
                let (set, value) = match &state {
                    Lookup::Set(v) => (true, v.clone()),
                    _ => (false, String::new()),
                };
                let present = if colon { set && !value.is_empty() } else { set };
                match op {
                    Some('-') => {
                        if present {
                            self.unresolved.truncate(mark);
                            value
                        } else {
                            word
                        }
                    }
                    Some('+') => {
                        if matches!(state, Lookup::DeclaredUnset | Lookup::Undeclared) {
                            self.unresolved.truncate(mark);
                            self.unresolved.push(name);
                            String::new()
                        } else if present {
                            word
                        } else {
                            self.unresolved.truncate(mark);
                            String::new()
                        }
                    }
                    _ => {
                        self.unresolved.truncate(mark);
                        if present {
                            value
                        } else {
                            self.unresolved.push(name);
                            String::new()
                        }
                    }
                }
            }
            Some(op @ ('#' | '%')) => {
                let pattern = self.raw_to_brace();
                let longest = pattern.starts_with(op);
                let pattern = if longest { &pattern[1..] } else { &pattern[..] };
                let value = self.resolve(&name);
                let stripped = if op == '#' {
                    value.strip_prefix(pattern)
                } else {
                    value.strip_suffix(pattern)
                };
                stripped.unwrap_or(&value).to_string()
            }
            _ => {
                self.raw_to_brace();
                self.resolve(&name)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        let mut s = Scope::default();
        s.env.insert("A".into(), "alpha".into());
        s.env.insert("EMPTY".into(), String::new());
        s.args.insert("NODEF".into(), None);
        s.args.insert("TAG".into(), Some("3.11".into()));
        s
    }

    fn ex(w: &str) -> (String, Vec<String>) {
        let v = scope().expand(w, '\\');
        (v.value, v.unresolved)
    }

    #[test]
    fn plain_and_braced() {
        assert_eq!(ex("$A/${A}").0, "alpha/alpha");
        assert_eq!(ex("python:$TAG").0, "python:3.11");
        assert_eq!(
            ex("x$UNDECLARED.y"),
            ("x.y".to_string(), vec!["UNDECLARED".to_string()])
        );
    }

    #[test]
    fn defaults_and_alternatives() {
        assert_eq!(ex("${MISSING:-def}").0, "def");
        assert_eq!(ex("${EMPTY:-def}").0, "def");
        assert_eq!(ex("${EMPTY-def}").0, "");
        assert_eq!(ex("${A:-def}").0, "alpha");
        assert_eq!(ex("${A:+alt}").0, "alt");
        assert_eq!(ex("${MISSING:+alt}").0, "");
        assert_eq!(ex("${NODEF:-x${A}}").0, "xalpha");
        assert!(ex("${NODEF:-def}").1.is_empty());
    }

    #[test]
    fn unresolved_is_tracked() {
        let (v, u) = ex("img:${NODEF}");
        assert_eq!(v, "img:");
        assert_eq!(u, vec!["NODEF".to_string()]);
    }

    #[test]
    fn escapes_and_quotes() {
        assert_eq!(ex(r"\$A").0, "$A");
        assert_eq!(ex("'$A'").0, "$A");
        assert_eq!(ex("\"$A b\"").0, "alpha b");
        assert_eq!(ex(r#""\$A""#).0, "$A");
        assert_eq!(scope().expand("`$A", '`').value, "$A");
        assert_eq!(ex("$").0, "$");
        assert_eq!(ex("${").0, "${}");
    }

    #[test]
    fn unquote_keeps_variables() {
        assert_eq!(unquote("\"$A\"-'b'", '\\'), "$A-b");
        assert_eq!(unquote("${A:-x}", '\\'), "${A:-x}");
    }

    #[test]
    fn prefix_suffix() {
        assert_eq!(ex("${A#al}").0, "pha");
        assert_eq!(ex("${A%ha}").0, "alp");
    }
}
