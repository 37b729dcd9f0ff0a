//! Installed Ruby gems: the `specifications/*.gemspec` files RubyGems writes
//! for each installed gem (`specifications/default/` for default gems).
//! These are generated Ruby with one assignment per line:
//!
//! ```ruby
//! Gem::Specification.new do |s|
//!   s.name = "rake".freeze
//!   s.version = "13.0.6"
//!   s.licenses = ["MIT".freeze]
//!   s.add_runtime_dependency(%q<json>.freeze, [">= 0"])
//! ```
//!
//! The file is read as text, never evaluated: `name`, `version`,
//! `license`/`licenses`, `platform` (as the purl's `platform` qualifier
//! when not `ruby`) and runtime dependencies (`add_runtime_dependency`,
//! `add_dependency`; not `add_development_dependency`). The `# stub:` line
//! is the fallback for name and version.

use customs_types::{Package, PackageKind};

use super::LangError;
use crate::{Analyzer, Content, FileInfo, Sink};

const LIMIT: u64 = 4 << 20;
const ID: &str = "gem-spec";
const WHAT: &str = "gemspec";

/// Reads installed gem specifications.
#[derive(Debug, Clone, Copy, Default)]
pub struct GemSpec;

impl Analyzer for GemSpec {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        if !super::has_ext(file.path, ".gemspec") {
            return false;
        }
        let dir = customs_types::path::parent(file.path);
        let name = customs_types::path::file_name(dir);
        name == "specifications"
            || (name == "default"
                && customs_types::path::file_name(customs_types::path::parent(dir))
                    == "specifications")
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        analyze(file, content, sink).map_err(|e| e.to_string())
    }
}

/// The string literals of a Ruby expression, in order: `"x"`, `'x'`,
/// `%q{x}`, `%q<x>`, `%q(x)`, `%q[x]`, `%Q..`. Escapes are taken literally
/// except `\"`/`\'`.
fn ruby_strings(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                let mut s = Vec::new();
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    s.push(b[i]);
                    i += 1;
                }
                out.push(String::from_utf8_lossy(&s).into_owned());
                i += 1;
            }
            b'%' if i + 2 < b.len() && matches!(b[i + 1], b'q' | b'Q') => {
                let close = match b[i + 2] {
                    b'{' => b'}',
                    b'<' => b'>',
                    b'(' => b')',
                    b'[' => b']',
                    other => other,
                };
                let start = i + 3;
                match b[start.min(b.len())..].iter().position(|c| *c == close) {
                    Some(len) => {
                        out.push(String::from_utf8_lossy(&b[start..start + len]).into_owned());
                        i = start + len + 1;
                    }
                    None => break,
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// `s.<field> = <expr>` for any receiver name: returns `<expr>`.
fn assignment<'a>(line: &'a str, field: &str) -> Option<&'a str> {
    let line = line.trim_start();
    let (recv, rest) = line.split_once('.')?;
    if recv.is_empty() || !recv.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let rest = rest.strip_prefix(field)?;
    let rest = rest.trim_start();
    let expr = rest.strip_prefix('=')?;
    if expr.starts_with('=') {
        return None;
    }
    Some(expr.trim())
}

/// `s.<method>(<expr>` or `s.<method> <expr>`: returns `<expr>`.
fn call<'a>(line: &'a str, method: &str) -> Option<&'a str> {
    let line = line.trim_start();
    let (recv, rest) = line.split_once('.')?;
    if recv.is_empty() || !recv.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let rest = rest.strip_prefix(method)?;
    if rest.starts_with('(') || rest.starts_with(' ') {
        Some(rest.trim_start_matches(['(', ' ']))
    } else {
        None
    }
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LangError> {
    let text = super::read_all(content, LIMIT, WHAT)?;
    let text = String::from_utf8_lossy(&text);
    let mut name: Option<String> = None;
    let mut version: Option<String> = None;
    let mut stub: Option<(String, String)> = None;
    let mut licenses: Vec<String> = Vec::new();
    let mut platform: Option<String> = None;
    let mut deps: Vec<String> = Vec::new();
    let mut saw_spec = false;
    for line in text.lines() {
        if let Some(s) = line.strip_prefix("# stub: ") {
            let mut it = s.split_whitespace();
            if let (Some(n), Some(v)) = (it.next(), it.next()) {
                stub = Some((n.to_string(), v.to_string()));
            }
            continue;
        }
        if line.contains("Gem::Specification.new") {
            saw_spec = true;
        }
        let first = |e: &str| ruby_strings(e).into_iter().next();
        if let Some(e) = assignment(line, "name") {
            name = name.or_else(|| first(e));
        } else if let Some(e) = assignment(line, "version") {
            version = version.or_else(|| first(e));
        } else if let Some(e) = assignment(line, "licenses").or_else(|| assignment(line, "license"))
        {
            for l in ruby_strings(e) {
                if !l.is_empty() && !licenses.contains(&l) {
                    licenses.push(l);
                }
            }
        } else if let Some(e) = assignment(line, "platform") {
            platform = first(e);
        } else if let Some(e) =
            call(line, "add_runtime_dependency").or_else(|| call(line, "add_dependency"))
            && let Some(d) = first(e)
            && !d.is_empty()
            && !deps.contains(&d)
        {
            deps.push(d);
        }
    }
    if !saw_spec && name.is_none() {
        return Err(LangError::Invalid {
            what: WHAT,
            message: "no Gem::Specification".into(),
        });
    }
    let name = name
        .or_else(|| stub.as_ref().map(|s| s.0.clone()))
        .filter(|n| !n.is_empty())
        .ok_or(LangError::Missing {
            what: WHAT,
            field: "name",
        })?;
    let version = version
        .or_else(|| stub.as_ref().map(|s| s.1.clone()))
        .filter(|v| !v.is_empty())
        .ok_or(LangError::Missing {
            what: WHAT,
            field: "version",
        })?;
    let platform = platform.filter(|p| !p.is_empty() && p != "ruby");
    let purl = crate::purl::build(
        "gem",
        None,
        &name,
        Some(&version),
        &[("platform", platform.as_deref().unwrap_or(""))],
        None,
    );
    let mut p = Package::new(PackageKind::Gem, name, version, purl, file.path, ID);
    p.licenses = licenses;
    p.depends_on = deps;
    if let Some(pl) = platform {
        p.properties.insert("platform".into(), pl);
    }
    if customs_types::path::file_name(customs_types::path::parent(file.path)) == "default" {
        p.properties.insert("default_gem".into(), "true".into());
    }
    sink.package(p);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_util::assert_purl_roundtrip;
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lang/gem.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lang/gem-malformed.txtar");

    #[test]
    fn reads_gemspecs() {
        let a = run_txtar(GemSpec, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let mut got: Vec<(&str, &str)> = a
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("json", "2.6.1"),
                ("nokogiri", "1.15.3"),
                ("rails-html-sanitizer", "1.4.2"),
                ("rake", "13.0.6")
            ]
        );
        for p in &a.packages {
            assert_purl_roundtrip(p);
        }
        let by = |n: &str| a.packages.iter().find(|p| p.name == n).unwrap();
        let rake = by("rake");
        assert_eq!(rake.purl, "pkg:gem/rake@13.0.6");
        assert_eq!(rake.licenses, vec!["MIT"]);
        let nok = by("nokogiri");
        assert_eq!(nok.purl, "pkg:gem/nokogiri@1.15.3?platform=x86_64-linux");
        assert_eq!(nok.depends_on, vec!["racc"]);
        assert_eq!(nok.licenses, vec!["MIT"]);
        let san = by("rails-html-sanitizer");
        assert_eq!(san.depends_on, vec!["loofah"]);
        assert_eq!(san.licenses, vec!["MIT", "Apache-2.0"]);
        assert_eq!(by("json").properties["default_gem"], "true");
    }

    #[test]
    fn malformed_gemspecs() {
        let a = run_txtar(GemSpec, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
    }

    #[test]
    fn invalid_utf8_is_an_unknown_not_a_panic() {
        let f = crate::testing::FixtureFile::new(
            "/usr/local/bundle/specifications/x-1.gemspec",
            b"\xff\xfes.name = %q{\xc3".to_vec(),
        );
        let a = crate::testing::run(GemSpec, &[f]);
        assert!(a.packages.is_empty());
        assert_eq!(a.unknowns.len(), 1, "{:?}", a.unknowns);
    }

    #[test]
    fn ruby_string_literals() {
        assert_eq!(ruby_strings(r#""a".freeze"#), vec!["a"]);
        assert_eq!(ruby_strings("%q{b}"), vec!["b"]);
        assert_eq!(
            ruby_strings(r#"["MIT".freeze, 'Apache-2.0']"#),
            vec!["MIT", "Apache-2.0"]
        );
        assert_eq!(ruby_strings("%q<c>.freeze, [\">= 0\"]"), vec!["c", ">= 0"]);
        assert_eq!(ruby_strings("%q"), Vec::<String>::new());
        assert_eq!(ruby_strings("%q{unterminated"), Vec::<String>::new());
        assert_eq!(ruby_strings("\"unterminated"), vec!["unterminated"]);
    }
}
