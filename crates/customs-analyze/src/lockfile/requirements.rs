//! pip requirements files: `requirements.txt`, `requirements-dev.txt`,
//! `dev-requirements.txt`,
//! `requirements_test.txt`, ... and `requirements/*.txt`.
//!
//! Only exact pins are packages: `name==1.2.3` (or `===`), with optional
//! extras (`name[socks]==1.0`, kept sorted as `properties["extras"]`) and an
//! environment marker (`; python_version < "3.8"`, kept as
//! `properties["markers"]`, not evaluated). Per-requirement options
//! (`--hash=...`) are ignored; backslash continuations are joined.
//!
//! Skipped without complaint: comments, blank lines, options (`-i`,
//! `--index-url`, `-e`, `-r`/`-c` includes, which name other files read on
//! their own if they match), unpinned or ranged requirements (`requests`,
//! `requests>=2`, `numpy==1.*`), URL and path requirements (`pkg @ https://`,
//! `./dir`, `git+https://`). A line that is none of these, or a pin whose
//! name or version is not valid, is an "unknown" naming its line.

use customs_types::Package;

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "requirements-txt";
const WHAT: &str = "requirements file";

/// Reads pinned pip requirements files.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequirementsTxt;

fn required(file: &FileInfo<'_>) -> bool {
    let name = super::file_name(file);
    if !crate::lang::has_ext(name, ".txt") {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    let parent = customs_types::path::file_name(customs_types::path::parent(file.path));
    (lower.contains("requirements") || parent == "requirements")
        && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(RequirementsTxt, ID, 1, required, analyze);

/// One line's meaning.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    Pin {
        name: String,
        version: String,
        extras: Option<String>,
        markers: Option<String>,
    },
    /// Nothing to record (comment, option, unpinned requirement, URL).
    Skip,
    Invalid(String),
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let mut out = Dedup::default();
    for (lineno, line) in logical_lines(&text) {
        match parse_line(&line) {
            Line::Pin {
                name,
                version,
                extras,
                markers,
            } => {
                let mut p: Package = super::pypi_package(&name, &version, file, ID, false);
                if let Some(e) = extras {
                    p.properties.insert("extras".into(), e);
                }
                if let Some(m) = markers {
                    p.properties.insert("markers".into(), m);
                }
                out.push(p);
            }
            Line::Skip => {}
            Line::Invalid(why) => sink.unknown(format!("{WHAT} line {lineno}: {why}")),
        }
    }
    for p in out.into_vec() {
        sink.package(p);
    }
    Ok(())
}

/// Lines with backslash continuations joined and comments removed, each
/// with the number of its first physical line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if cur.is_empty() {
            start = i + 1;
        }
        let line = strip_comment(raw);
        match line.strip_suffix('\\') {
            Some(l) => {
                cur.push_str(l);
                cur.push(' ');
            }
            None => {
                cur.push_str(line);
                out.push((start, std::mem::take(&mut cur)));
            }
        }
    }
    if !cur.trim().is_empty() {
        out.push((start, cur));
    }
    out
}

/// pip's comment rule: `#` at the start of a line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// Cuts per-requirement options (` --hash=...`) off, outside quotes.
fn strip_options(line: &str) -> &str {
    let b = line.as_bytes();
    let mut quote: Option<u8> = None;
    for i in 0..b.len() {
        match quote {
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None if b[i] == b'"' || b[i] == b'\'' => quote = Some(b[i]),
            None if b[i] == b'-'
                && i > 0
                && b[i - 1].is_ascii_whitespace()
                && b.get(i + 1) == Some(&b'-') =>
            {
                return &line[..i];
            }
            None => {}
        }
    }
    line
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A PEP 508 name: ASCII letters and digits, `-_.` inside.
fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars().all(is_name_char)
        && n.starts_with(|c: char| c.is_ascii_alphanumeric())
        && n.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A PEP 440 version as pins write them (public part and an optional local
/// label): `1.2.3`, `2.0.0rc1`, `1!2.0`, `2.1.0+cu118`, `v1.0`.
fn valid_version(v: &str) -> bool {
    !v.is_empty()
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '!'))
        && v.chars().any(|c| c.is_ascii_digit())
}

pub(crate) fn parse_line(line: &str) -> Line {
    let line = line.trim();
    if line.is_empty() || line.starts_with('-') {
        return Line::Skip;
    }
    let line = strip_options(line).trim();
    // URL, path and VCS requirements: not registry pins.
    if line.contains("://")
        || line.starts_with('.')
        || line.starts_with('/')
        || line.starts_with("git+")
        || line.contains(" @ ")
        || line.contains('$')
    {
        return Line::Skip;
    }
    let (req, markers) = match line.split_once(';') {
        Some((r, m)) => (r.trim(), Some(m.trim()).filter(|m| !m.is_empty())),
        None => (line, None),
    };
    let name_end = req.find(|c: char| !is_name_char(c)).unwrap_or(req.len());
    let name = &req[..name_end];
    let mut rest = req[name_end..].trim_start();
    let mut extras = None;
    if let Some(r) = rest.strip_prefix('[') {
        let Some((e, after)) = r.split_once(']') else {
            return Line::Invalid(format!("unclosed extras in {req:?}"));
        };
        let mut e: Vec<&str> = e
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        e.sort_unstable();
        if !e.is_empty() {
            extras = Some(e.join(","));
        }
        rest = after.trim_start();
    }
    if !valid_name(name) {
        if name.is_empty() && rest.starts_with(['=', '<', '>', '!', '~']) {
            return Line::Invalid(format!("a version specifier without a name: {req:?}"));
        }
        // A local archive (`./pkg.whl`), a bare path: not a pin.
        if req.ends_with(".whl") || req.ends_with(".tar.gz") || req.ends_with(".zip") {
            return Line::Skip;
        }
        return Line::Invalid(format!("not a requirement: {req:?}"));
    }
    if rest.is_empty() {
        return Line::Skip; // unpinned
    }
    // A parenthesised specifier list (`name (==1.0)`) is old but valid.
    let spec = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest)
        .trim();
    if spec.contains(',') {
        return Line::Skip; // a range, even if one of its parts pins
    }
    let version = if let Some(v) = spec.strip_prefix("===") {
        v.trim()
    } else if let Some(v) = spec.strip_prefix("==") {
        v.trim()
    } else if spec.starts_with(['<', '>', '!', '~']) {
        return Line::Skip;
    } else {
        return Line::Invalid(format!("unexpected text after {name:?}: {spec:?}"));
    };
    if version.ends_with(".*") {
        return Line::Skip; // a prefix match, not a pin
    }
    if !valid_version(version) {
        return Line::Invalid(format!("{name}: {version:?} is not a version"));
    }
    Line::Pin {
        name: name.to_string(),
        version: version.to_string(),
        extras,
        markers: markers.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::test_util::{check_common, expect, summary};
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lockfile/requirements.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/requirements-malformed.txtar");

    #[test]
    fn pins_only() {
        let a = run_txtar(RequirementsTxt, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let main: Vec<_> = a
            .packages
            .iter()
            .filter(|p| p.location == "/project/requirements.txt")
            .cloned()
            .collect();
        let dev: Vec<_> = a
            .packages
            .iter()
            .filter(|p| p.location == "/project/requirements-dev.txt")
            .cloned()
            .collect();
        assert_eq!(main.len() + dev.len(), a.packages.len());
        let only = |ps: Vec<customs_types::Package>| {
            let mut x = crate::LayerAnalysis::new(0);
            x.packages = ps;
            x
        };
        let (m, d) = (only(main), only(dev));
        check_common(&m, "/project/requirements.txt", ID);
        check_common(&d, "/project/requirements-dev.txt", ID);
        assert_eq!(
            summary(&m),
            expect(&[
                ("requests", "2.25.1", "pkg:pypi/requests@2.25.1", false),
                ("urllib3", "1.26.5", "pkg:pypi/urllib3@1.26.5", false),
                ("pyyaml", "5.3.1", "pkg:pypi/pyyaml@5.3.1", false),
                (
                    "typing-extensions",
                    "4.7.1",
                    "pkg:pypi/typing-extensions@4.7.1",
                    false
                ),
                (
                    "torch",
                    "2.1.0+cu118",
                    "pkg:pypi/torch@2.1.0%2Bcu118",
                    false
                ),
                (
                    "importlib-metadata",
                    "6.8.0",
                    "pkg:pypi/importlib-metadata@6.8.0",
                    false
                ),
                (
                    "cryptography",
                    "41.0.3",
                    "pkg:pypi/cryptography@41.0.3",
                    false
                ),
                ("jinja2", "2.11.2", "pkg:pypi/jinja2@2.11.2", false),
            ])
        );
        assert_eq!(
            summary(&d),
            expect(&[
                ("pytest", "7.4.0", "pkg:pypi/pytest@7.4.0", false),
                ("black", "23.7.0", "pkg:pypi/black@23.7.0", false),
            ])
        );
        let get = |n: &str| a.packages.iter().find(|p| p.name == n).unwrap();
        assert_eq!(
            get("importlib-metadata")
                .properties
                .get("markers")
                .map(String::as_str),
            Some("python_version < \"3.10\"")
        );
        assert_eq!(
            get("requests").properties.get("extras").map(String::as_str),
            Some("security,socks")
        );
        assert_eq!(
            get("pyyaml").properties.get("name").map(String::as_str),
            Some("PyYAML")
        );
    }

    #[test]
    fn malformed_lines_are_unknowns() {
        let a = run_txtar(RequirementsTxt, MALFORMED);
        assert_eq!(
            summary(&a),
            expect(&[("flask", "2.0.1", "pkg:pypi/flask@2.0.1", false)])
        );
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
        assert!(a.unknowns.iter().any(|u| u.message.contains("line 2")));
        assert!(a.unknowns.iter().all(|u| u.origin == ID));
    }

    #[test]
    fn line_table() {
        let pin = |n: &str, v: &str| Line::Pin {
            name: n.into(),
            version: v.into(),
            extras: None,
            markers: None,
        };
        assert_eq!(parse_line("requests==2.25.1"), pin("requests", "2.25.1"));
        assert_eq!(parse_line("requests == 2.25.1"), pin("requests", "2.25.1"));
        assert_eq!(parse_line("requests===2.25.1"), pin("requests", "2.25.1"));
        assert_eq!(parse_line("requests (==2.25.1)"), pin("requests", "2.25.1"));
        assert_eq!(
            parse_line("requests==2.25.1 --hash=sha256:abc --hash=sha256:def"),
            pin("requests", "2.25.1")
        );
        for skip in [
            "requests",
            "requests>=2.0",
            "requests>=2.0,<3",
            "numpy==1.*",
            "-r base.txt",
            "-c constraints.txt",
            "--index-url https://example.invalid/simple",
            "-e .",
            "-e git+https://example.invalid/x.git#egg=x",
            "pkg @ https://example.invalid/pkg-1.0.tar.gz",
            "git+https://example.invalid/x.git@v1.0#egg=x",
            "./local/pkg",
            "./wheels/x-1.0-py3-none-any.whl",
            "foo==${FOO_VERSION}",
            "",
            "   ",
        ] {
            assert_eq!(parse_line(skip), Line::Skip, "{skip:?}");
        }
        for bad in [
            "==1.0",
            "requests==",
            "requests=1.0",
            "reque sts==1.0",
            "a[b==1",
        ] {
            assert!(matches!(parse_line(bad), Line::Invalid(_)), "{bad:?}");
        }
    }

    #[test]
    fn which_files() {
        let f = |path| FileInfo {
            path,
            size: 1,
            mode: 0o644,
            layer: 0,
        };
        for yes in [
            "/p/requirements.txt",
            "/p/requirements-dev.txt",
            "/p/requirements_test.txt",
            "/p/requirements/base.txt",
            "/p/dev-requirements.txt",
        ] {
            assert!(required(&f(yes)), "{yes}");
        }
        for no in [
            "/p/requirements.in",
            "/p/dev-requirements.md",
            "/p/requirements.txt.bak",
            "/p/notes.txt",
            "/p/.venv/lib/python3.11/site-packages/x/requirements.txt",
        ] {
            assert!(!required(&f(no)), "{no}");
        }
    }
}
