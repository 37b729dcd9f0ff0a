//! `go.mod`: the `require` directives (single lines and blocks), with
//! `replace` directives applied.
//!
//! - Since Go 1.17 `go.mod` lists every module the build needs (the
//!   indirect ones marked `// indirect`, kept as `properties["indirect"]`).
//!   Older files may miss indirect modules; `go.sum` is not read.
//! - `replace old [v] => new v`: the required module becomes `new` at `v`
//!   (`properties["replaces"]` names `old`, as the Go binary analyzer
//!   does); `replace old [v] => ./dir` makes it a local directory: not a
//!   package. A replacement with a version applies to that version only.
//! - The main module (`module`) is the project itself: not a package.
//! - Versions keep Go's `v` (`pkg:golang/github.com/foo/bar@v1.2.3`).
//! - A line that cannot be read is an "unknown" naming its line; an
//!   unterminated block rejects the file (Go would too).

use std::collections::HashMap;

use super::LockError;
use crate::{Content, FileInfo, Sink};

const ID: &str = "go-mod";
const WHAT: &str = "go.mod";

/// Reads `go.mod`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoMod;

fn required(file: &FileInfo<'_>) -> bool {
    super::file_name(file) == "go.mod" && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(GoMod, ID, 1, required, analyze);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Require {
    path: String,
    version: String,
    indirect: bool,
}

/// `(new path, new version)`; an empty version is a local directory.
type Replacement = (String, String);

/// Splits a line into tokens (Go's quoted strings and `//` comments).
fn tokens(line: &str) -> Result<(Vec<String>, Option<String>), String> {
    let mut out = Vec::new();
    let mut rest = line.trim();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok((out, None));
        }
        if let Some(c) = rest.strip_prefix("//") {
            return Ok((out, Some(c.trim().to_string())));
        }
        if let Some(q) = rest.strip_prefix('"') {
            let end = q
                .find('"')
                .ok_or_else(|| format!("unterminated string in {line:?}"))?;
            out.push(q[..end].to_string());
            rest = &q[end + 1..];
        } else if let Some(q) = rest.strip_prefix('`') {
            let end = q
                .find('`')
                .ok_or_else(|| format!("unterminated string in {line:?}"))?;
            out.push(q[..end].to_string());
            rest = &q[end + 1..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            let (t, r) = rest.split_at(end);
            out.push(t.to_string());
            rest = r;
        }
    }
}

fn is_local(p: &str) -> bool {
    p.starts_with("./")
        || p.starts_with("../")
        || p.starts_with('/')
        || p == "."
        || p == ".."
        || p.starts_with(".\\")
        || p.starts_with("..\\")
        || p.get(1..3) == Some(":\\")
}

fn valid_version(v: &str) -> bool {
    v.starts_with('v') && v.len() > 1 && !v.contains(char::is_whitespace)
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let mut requires: Vec<Require> = Vec::new();
    // (old path, old version or "") → replacement
    let mut replaces: HashMap<(String, String), Replacement> = HashMap::new();
    let mut block: Option<(String, usize)> = None;
    let mut saw_module = false;
    for (i, raw) in text.lines().enumerate() {
        let lineno = i + 1;
        let (mut toks, comment) = match tokens(raw) {
            Ok(t) => t,
            Err(e) => {
                sink.unknown(format!("{WHAT} line {lineno}: {e}"));
                continue;
            }
        };
        if toks.is_empty() {
            continue;
        }
        let verb = match &block {
            Some(_) if toks == [")"] => {
                block = None;
                continue;
            }
            Some((verb, _)) => verb.clone(),
            None => {
                let verb = toks.remove(0);
                if toks == ["("] {
                    block = Some((verb, lineno));
                    continue;
                }
                verb
            }
        };
        let indirect = comment
            .as_deref()
            .is_some_and(|c| c.split(';').any(|p| p.trim() == "indirect"));
        match verb.as_str() {
            "module" => saw_module = true,
            "require" => match toks.as_slice() {
                [path, version] if valid_version(version) => requires.push(Require {
                    path: path.clone(),
                    version: version.clone(),
                    indirect,
                }),
                _ => sink.unknown(format!(
                    "{WHAT} line {lineno}: require needs a module path and a version: {:?}",
                    raw.trim()
                )),
            },
            "replace" => {
                let Some(arrow) = toks.iter().position(|t| t == "=>") else {
                    sink.unknown(format!("{WHAT} line {lineno}: replace without `=>`"));
                    continue;
                };
                let (old, new) = toks.split_at(arrow);
                let new = &new[1..];
                let old_key = match old {
                    [p] => (p.clone(), String::new()),
                    [p, v] => (p.clone(), v.clone()),
                    _ => {
                        sink.unknown(format!(
                            "{WHAT} line {lineno}: bad replace {:?}",
                            raw.trim()
                        ));
                        continue;
                    }
                };
                let target = match new {
                    [p] if is_local(p) => (p.clone(), String::new()),
                    [p, v] if valid_version(v) => (p.clone(), v.clone()),
                    _ => {
                        sink.unknown(format!(
                            "{WHAT} line {lineno}: bad replace {:?}",
                            raw.trim()
                        ));
                        continue;
                    }
                };
                replaces.insert(old_key, target);
            }
            // go, toolchain, exclude, retract, godebug, tool, ignore: nothing
            // to record
            _ => {}
        }
    }
    if let Some((verb, line)) = block {
        return Err(LockError::invalid(
            WHAT,
            format!("line {line}: `{verb} (` block is never closed"),
        ));
    }
    if !saw_module && requires.is_empty() {
        return Err(LockError::invalid(WHAT, "no module directive"));
    }
    let mut seen = std::collections::HashSet::new();
    for r in requires {
        let rep = replaces
            .get(&(r.path.clone(), r.version.clone()))
            .or_else(|| replaces.get(&(r.path.clone(), String::new())));
        let (path, version) = match rep {
            Some((_, v)) if v.is_empty() => continue, // a local directory
            Some((p, v)) => (p.clone(), v.clone()),
            None => (r.path.clone(), r.version.clone()),
        };
        if !seen.insert((path.clone(), version.clone())) {
            continue;
        }
        let mut p = super::package(
            customs_types::PackageKind::Go,
            &path,
            &version,
            crate::binary::go::purl(&path, &version),
            file,
            ID,
            false,
        );
        if path != r.path {
            p.properties.insert("replaces".into(), r.path.clone());
        }
        if r.indirect {
            p.properties.insert("indirect".into(), "true".into());
        }
        sink.package(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::test_util::{check_common, expect, summary};
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lockfile/gomod.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/gomod-malformed.txtar");

    #[test]
    fn requires_with_replacements() {
        let a = run_txtar(GoMod, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        check_common(&a, "/project/go.mod", ID);
        assert_eq!(
            summary(&a),
            expect(&[
                (
                    "github.com/gin-gonic/gin",
                    "v1.9.1",
                    "pkg:golang/github.com/gin-gonic/gin@v1.9.1",
                    false
                ),
                (
                    "github.com/pkg/errors",
                    "v0.8.1",
                    "pkg:golang/github.com/pkg/errors@v0.8.1",
                    false
                ),
                (
                    "golang.org/x/crypto",
                    "v0.14.0",
                    "pkg:golang/golang.org/x/crypto@v0.14.0",
                    false
                ),
                (
                    "golang.org/x/net",
                    "v0.17.0",
                    "pkg:golang/golang.org/x/net@v0.17.0",
                    false
                ),
                (
                    "github.com/example/yaml",
                    "v3.0.2-fork",
                    "pkg:golang/github.com/example/yaml@v3.0.2-fork",
                    false
                ),
                (
                    "github.com/google/uuid",
                    "v1.3.1",
                    "pkg:golang/github.com/google/uuid@v1.3.1",
                    false
                ),
                (
                    "gopkg.in/yaml.v2",
                    "v2.4.0",
                    "pkg:golang/gopkg.in/yaml.v2@v2.4.0",
                    false
                ),
            ])
        );
        let get = |n: &str| a.packages.iter().find(|p| p.name == n).unwrap();
        assert_eq!(
            get("golang.org/x/crypto")
                .properties
                .get("indirect")
                .map(String::as_str),
            Some("true")
        );
        assert!(
            !get("github.com/gin-gonic/gin")
                .properties
                .contains_key("indirect")
        );
        assert_eq!(
            get("github.com/example/yaml")
                .properties
                .get("replaces")
                .map(String::as_str),
            Some("gopkg.in/yaml.v3")
        );
    }

    #[test]
    fn malformed() {
        let a = run_txtar(GoMod, MALFORMED);
        assert_eq!(
            summary(&a),
            expect(&[(
                "github.com/google/uuid",
                "v1.3.1",
                "pkg:golang/github.com/google/uuid@v1.3.1",
                false
            )])
        );
        assert_eq!(a.unknowns.len(), 4, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("never closed"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no module directive"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("line 4: require needs"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("without `=>`"))
        );
    }
}
