//! `Cargo.lock`: the `[[package]]` tables (`name`, `version`, `source`,
//! `dependencies`), lock format versions 1 to 4.
//!
//! - Packages without a `source` are the workspace's own crates and path
//!   dependencies: not packages.
//! - Git and other non-crates.io sources are kept with
//!   `properties["source"]`.
//! - `depends_on`: the names of `dependencies` (`"serde 1.0.188"` →
//!   `serde`).
//!
//! Cargo.lock does not say which crates are dev-dependencies.

use toml::Value;

use super::{Dedup, LockError};
use crate::{Content, FileInfo, Sink};

const ID: &str = "cargo-lock";
const WHAT: &str = "Cargo.lock";
const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
const CRATES_IO_SPARSE: &str = "sparse+https://index.crates.io/";

/// Reads `Cargo.lock`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CargoLock;

fn required(file: &FileInfo<'_>) -> bool {
    super::file_name(file) == "Cargo.lock"
        && !file.path.split('/').any(|c| c == "vendor" || c == ".cargo")
}

super::lock_analyzer!(CargoLock, ID, 1, required, analyze);

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LockError> {
    let text = super::read_text(content, WHAT)?;
    let doc = super::parse_toml(&text, WHAT)?;
    let packages = match doc.get("package") {
        Some(Value::Array(a)) => a.as_slice(),
        None => {
            return Err(LockError::invalid(WHAT, "no [[package]]"));
        }
        Some(_) => {
            return Err(LockError::invalid(
                WHAT,
                "`package` is not an array of tables",
            ));
        }
    };
    let mut out = Dedup::default();
    for (i, pkg) in packages.iter().enumerate() {
        let name = pkg.get("name").and_then(Value::as_str).unwrap_or("");
        let version = pkg.get("version").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() || version.is_empty() {
            sink.unknown(format!("{WHAT}: package #{} has no name or version", i + 1));
            continue;
        }
        let Some(source) = pkg.get("source").and_then(Value::as_str) else {
            continue; // a workspace member or path dependency
        };
        let mut p = super::package(
            customs_types::PackageKind::Cargo,
            name,
            version,
            crate::binary::rust::purl(name, version),
            file,
            ID,
            false,
        );
        if source != CRATES_IO && source != CRATES_IO_SPARSE {
            p.properties.insert("source".into(), source.to_string());
        }
        if let Some(Value::Array(deps)) = pkg.get("dependencies") {
            p.depends_on = deps
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|d| d.split_whitespace().next())
                .map(str::to_string)
                .collect();
        }
        out.push(p);
    }
    for p in out.into_vec() {
        sink.package(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::test_util::{check_common, expect, summary};
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lockfile/cargo.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lockfile/cargo-malformed.txtar");

    #[test]
    fn registry_and_git_crates() {
        let a = run_txtar(CargoLock, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        check_common(&a, "/project/Cargo.lock", ID);
        assert_eq!(
            summary(&a),
            expect(&[
                ("anyhow", "1.0.75", "pkg:cargo/anyhow@1.0.75", false),
                ("itoa", "1.0.9", "pkg:cargo/itoa@1.0.9", false),
                ("ryu", "1.0.15", "pkg:cargo/ryu@1.0.15", false),
                ("serde", "1.0.188", "pkg:cargo/serde@1.0.188", false),
                (
                    "serde_json",
                    "1.0.107",
                    "pkg:cargo/serde_json@1.0.107",
                    false
                ),
                ("smallvec", "0.6.14", "pkg:cargo/smallvec@0.6.14", false),
                ("smallvec", "1.11.1", "pkg:cargo/smallvec@1.11.1", false),
                ("tokio-util", "0.7.9", "pkg:cargo/tokio-util@0.7.9", false),
            ])
        );
        let sj = a.packages.iter().find(|p| p.name == "serde_json").unwrap();
        assert_eq!(sj.depends_on, vec!["itoa", "ryu", "serde"]);
        let git = a.packages.iter().find(|p| p.name == "tokio-util").unwrap();
        assert!(git.properties["source"].starts_with("git+https://"));
        assert!(!a.packages.iter().any(|p| p.properties.contains_key("dev")));
    }

    #[test]
    fn malformed() {
        let a = run_txtar(CargoLock, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("invalid TOML in Cargo.lock"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no [[package]]"))
        );
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("no name or version"))
        );
    }
}
