//! `uv.lock`: TOML, one `[[package]]` per resolved distribution (`name`,
//! `version`, `source`, `dependencies`, `optional-dependencies`,
//! `dev-dependencies`).
//!
//! - The project and its workspace members (`source = { editable = ... }` or
//!   `{ virtual = ... }`) and local path packages (`directory`, `path`) are
//!   not packages; they are the roots of the dependency graph.
//! - dev: a package reached from the roots' `dev-dependencies` (any group)
//!   and not from their `dependencies` or `optional-dependencies` (walked
//!   transitively, extras included). Without a root nothing is dev.
//! - Git and direct-URL sources are kept with `properties["source"]`.
//! - A package may appear more than once with different versions (forked
//!   resolutions); a dependency naming a `version` picks that one.

use std::collections::{HashMap, HashSet, VecDeque};

use toml::Value;

use super::LockError;
use crate::{Content, FileInfo, Sink};

const ID: &str = "uv-lock";
const WHAT: &str = "uv.lock";

/// Reads `uv.lock`.
#[derive(Debug, Clone, Copy, Default)]
pub struct UvLock;

fn required(file: &FileInfo<'_>) -> bool {
    super::file_name(file) == "uv.lock" && !super::in_dependency_tree(file.path)
}

super::lock_analyzer!(UvLock, ID, 1, required, analyze);

struct Node<'a> {
    name: String,
    version: &'a str,
    /// `registry`, `git`, `url`, `editable`, `virtual`, `directory`, `path`.
    source_kind: &'a str,
    source: &'a str,
    deps: Vec<(String, Option<&'a str>)>,
    dev_deps: Vec<(String, Option<&'a str>)>,
}

fn dep_refs<'a>(v: Option<&'a Value>, out: &mut Vec<(String, Option<&'a str>)>) {
    let Some(Value::Array(a)) = v else { return };
    for d in a {
        if let Some(n) = d.get("name").and_then(Value::as_str) {
            out.push((
                crate::purl::pep503(n),
                d.get("version").and_then(Value::as_str),
            ));
        }
    }
}

/// The values of a table of groups (`{dev = [...], lint = [...]}`).
fn group_refs<'a>(v: Option<&'a Value>, out: &mut Vec<(String, Option<&'a str>)>) {
    if let Some(Value::Table(t)) = v {
        for g in t.values() {
            dep_refs(Some(g), out);
        }
    }
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let doc = super::parse_toml(&text, WHAT)?;
    if !doc.contains_key("version") {
        return Err(LockError::invalid(WHAT, "no lock `version`"));
    }
    let packages = match doc.get("package") {
        Some(Value::Array(a)) => a.as_slice(),
        None => &[],
        Some(_) => {
            return Err(LockError::invalid(
                WHAT,
                "`package` is not an array of tables",
            ));
        }
    };
    let mut nodes: Vec<Node<'_>> = Vec::new();
    for (i, pkg) in packages.iter().enumerate() {
        let Some(name) = pkg
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        else {
            sink.unknown(format!("{WHAT}: package #{} has no name", i + 1));
            continue;
        };
        let (source_kind, source) = match pkg.get("source") {
            Some(Value::Table(t)) => t
                .iter()
                .next()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
                .unwrap_or(("", "")),
            _ => ("", ""),
        };
        let mut deps = Vec::new();
        dep_refs(pkg.get("dependencies"), &mut deps);
        group_refs(pkg.get("optional-dependencies"), &mut deps);
        let mut dev_deps = Vec::new();
        group_refs(pkg.get("dev-dependencies"), &mut dev_deps);
        nodes.push(Node {
            name: crate::purl::pep503(name),
            version: pkg.get("version").and_then(Value::as_str).unwrap_or(""),
            source_kind,
            source,
            deps,
            dev_deps,
        });
    }
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        by_name.entry(n.name.as_str()).or_default().push(i);
    }
    let resolve = |name: &str, version: Option<&str>| -> Vec<usize> {
        let all = by_name.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let picked: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| version.is_none_or(|v| nodes[i].version == v))
            .collect();
        if picked.is_empty() {
            all.to_vec()
        } else {
            picked
        }
    };
    let walk = |seeds: Vec<usize>| -> HashSet<usize> {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut queue: VecDeque<usize> = seeds.into();
        while let Some(i) = queue.pop_front() {
            if !seen.insert(i) {
                continue;
            }
            for (n, v) in &nodes[i].deps {
                queue.extend(resolve(n, *v));
            }
        }
        seen
    };
    let is_root = |n: &Node<'_>| matches!(n.source_kind, "editable" | "virtual");
    let roots: Vec<usize> = (0..nodes.len()).filter(|&i| is_root(&nodes[i])).collect();
    let mut prod_seeds = Vec::new();
    let mut dev_seeds = Vec::new();
    for &r in &roots {
        for (n, v) in &nodes[r].deps {
            prod_seeds.extend(resolve(n, *v));
        }
        for (n, v) in &nodes[r].dev_deps {
            dev_seeds.extend(resolve(n, *v));
        }
    }
    let prod = walk(prod_seeds);
    let dev = walk(dev_seeds);
    for (i, n) in nodes.iter().enumerate() {
        if matches!(n.source_kind, "editable" | "virtual" | "directory" | "path") {
            continue;
        }
        if n.version.is_empty() {
            sink.unknown(format!("{WHAT}: package {} has no version", n.name));
            continue;
        }
        let is_dev = dev.contains(&i) && !prod.contains(&i);
        let mut p = super::pypi_package(&n.name, n.version, file, ID, is_dev);
        if matches!(n.source_kind, "git" | "url") {
            p.properties
                .insert("source".into(), format!("{}+{}", n.source_kind, n.source));
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

    const FIXTURE: &str = include_str!("../../testdata/lockfile/uv.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/uv-malformed.txtar");

    #[test]
    fn packages_and_dev_groups() {
        let a = run_txtar(UvLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        check_common(&a, "/project/uv.lock", ID);
        assert_eq!(
            summary(&a),
            expect(&[
                ("anyio", "4.6.2", "pkg:pypi/anyio@4.6.2", false),
                ("certifi", "2024.8.30", "pkg:pypi/certifi@2024.8.30", false),
                ("colorama", "0.4.6", "pkg:pypi/colorama@0.4.6", true),
                ("h11", "0.14.0", "pkg:pypi/h11@0.14.0", false),
                ("httpcore", "1.0.6", "pkg:pypi/httpcore@1.0.6", false),
                ("httpx", "0.27.2", "pkg:pypi/httpx@0.27.2", false),
                ("idna", "3.10", "pkg:pypi/idna@3.10", false),
                ("iniconfig", "2.0.0", "pkg:pypi/iniconfig@2.0.0", true),
                ("packaging", "24.1", "pkg:pypi/packaging@24.1", true),
                ("pluggy", "1.5.0", "pkg:pypi/pluggy@1.5.0", true),
                ("pytest", "8.3.3", "pkg:pypi/pytest@8.3.3", true),
                ("ruff", "0.7.1", "pkg:pypi/ruff@0.7.1", true),
                ("sniffio", "1.3.1", "pkg:pypi/sniffio@1.3.1", false),
                ("socksio", "1.0.0", "pkg:pypi/socksio@1.0.0", false),
                ("numpy", "1.26.4", "pkg:pypi/numpy@1.26.4", false),
                ("numpy", "2.1.2", "pkg:pypi/numpy@2.1.2", false),
                (
                    "typing-extensions",
                    "4.12.2",
                    "pkg:pypi/typing-extensions@4.12.2",
                    false
                ),
            ])
        );
    }

    #[test]
    fn malformed() {
        let a = run_txtar(UvLock, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        assert_eq!(a.unknowns.len(), 2, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("invalid TOML in uv.lock"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no lock `version`"))
        );
    }
}
