//! Lock files and pinned manifests of a project directory (`customs fs DIR`):
//! what a project *will* install, read from the files its package manager
//! writes, as Trivy's filesystem scan does.
//!
//! These analyzers are not part of [`crate::builtin`]: an image scan reads
//! the packages actually installed; the `fs` command adds these.
//!
//! | analyzer | reads | kind |
//! |---|---|---|
//! | `requirements-txt` | `requirements*.txt`, `requirements/*.txt` (only `==`/`===` pins) | [`PackageKind::Python`] |
//! | `poetry-lock` | `poetry.lock` | [`PackageKind::Python`] |
//! | `pipfile-lock` | `Pipfile.lock` | [`PackageKind::Python`] |
//! | `uv-lock` | `uv.lock` | [`PackageKind::Python`] |
//! | `npm-lock` | `package-lock.json`, `npm-shrinkwrap.json` (lockfile v1, v2, v3) | [`PackageKind::Npm`] |
//! | `yarn-lock` | `yarn.lock` (v1 classic and berry) | [`PackageKind::Npm`] |
//! | `pnpm-lock` | `pnpm-lock.yaml` (lockfile v5, v6, v9) | [`PackageKind::Npm`] |
//! | `cargo-lock` | `Cargo.lock` | [`PackageKind::Cargo`] |
//! | `go-mod` | `go.mod` (`require`, `replace`) | [`PackageKind::Go`] |
//! | `gemfile-lock` | `Gemfile.lock` (the `GEM` specs) | [`PackageKind::Gem`] |
//! | `composer-lock` | `composer.lock` | [`PackageKind::Composer`] |
//!
//! Every package has `location` = the lock file, the analyzer's id, and a
//! purl of its registry's type. Python names are PEP 503 normalised.
//! `properties["dev"] = "true"` marks packages the lock file itself says are
//! only needed for development (npm `dev`, pnpm `dev` or dev-only importers,
//! Poetry's `dev` category or non-`main` groups, Pipfile's `develop`, uv's
//! dev-only dependency groups, Composer's `packages-dev`). Formats that do
//! not record it (requirements, yarn, Cargo, go.mod, Gemfile.lock) never set
//! it. Local packages (workspace members, path dependencies, the project
//! itself) are not packages here.
//!
//! [`PackageKind::Python`]: customs_types::PackageKind::Python
//! [`PackageKind::Npm`]: customs_types::PackageKind::Npm
//! [`PackageKind::Cargo`]: customs_types::PackageKind::Cargo
//! [`PackageKind::Go`]: customs_types::PackageKind::Go
//! [`PackageKind::Gem`]: customs_types::PackageKind::Gem
//! [`PackageKind::Composer`]: customs_types::PackageKind::Composer

pub mod cargo;
pub mod composer;
pub mod gemfile;
pub mod gomod;
pub mod npm;
pub mod pipenv;
pub mod pnpm;
pub mod poetry;
pub mod requirements;
pub mod uv;
pub mod yarn;

use customs_types::{Package, PackageKind};

use crate::{Analyzer, Content, FileInfo};

/// Lock files are read whole; refuse anything larger than this.
pub(crate) const LIMIT: u64 = 128 << 20;

/// The analyzers of this family (not in [`crate::builtin`]).
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(requirements::RequirementsTxt),
        Box::new(poetry::PoetryLock),
        Box::new(pipenv::PipfileLock),
        Box::new(uv::UvLock),
        Box::new(npm::NpmLock),
        Box::new(yarn::YarnLock),
        Box::new(pnpm::PnpmLock),
        Box::new(cargo::CargoLock),
        Box::new(gomod::GoMod),
        Box::new(gemfile::GemfileLock),
        Box::new(composer::ComposerLock),
    ]
}

/// Why a lock file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The bytes could not be read (or are over the limit).
    #[error("reading {what}: {message}")]
    Read { what: &'static str, message: String },
    #[error("{what} is not UTF-8 text")]
    NotText { what: &'static str },
    #[error("invalid JSON in {what}: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("invalid TOML in {what}: {source}")]
    Toml {
        what: &'static str,
        #[source]
        source: toml::de::Error,
    },
    #[error("invalid YAML in {what}: {source}")]
    Yaml {
        what: &'static str,
        #[source]
        source: yaml_rust2::ScanError,
    },
    #[error("{what}: {message}")]
    Invalid { what: &'static str, message: String },
}

impl LockError {
    pub(crate) fn invalid(what: &'static str, message: impl Into<String>) -> Self {
        LockError::Invalid {
            what,
            message: message.into(),
        }
    }
}

/// The whole file as text (a UTF-8 byte-order mark dropped).
pub(crate) fn read_text(
    content: &mut Content<'_>,
    what: &'static str,
) -> Result<String, LockError> {
    let data = content
        .bytes(LIMIT)
        .map_err(|message| LockError::Read { what, message })?;
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&data);
    String::from_utf8(data.to_vec()).map_err(|_| LockError::NotText { what })
}

pub(crate) fn parse_json(text: &str, what: &'static str) -> Result<serde_json::Value, LockError> {
    serde_json::from_str(text).map_err(|source| LockError::Json { what, source })
}

pub(crate) fn parse_toml(text: &str, what: &'static str) -> Result<toml::Table, LockError> {
    toml::from_str(text).map_err(|source| LockError::Toml { what, source })
}

/// The first YAML document (an empty file is an empty mapping).
pub(crate) fn parse_yaml(text: &str, what: &'static str) -> Result<yaml_rust2::Yaml, LockError> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text)
        .map_err(|source| LockError::Yaml { what, source })?;
    Ok(docs
        .into_iter()
        .next()
        .unwrap_or(yaml_rust2::Yaml::Hash(Default::default())))
}

/// A YAML scalar as text (`1.0` is a float to YAML, `2` an integer; both are
/// versions here).
pub(crate) fn yaml_str(y: &yaml_rust2::Yaml) -> Option<String> {
    use yaml_rust2::Yaml;
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The file name, compared as lock file names are (exactly).
pub(crate) fn file_name<'a>(file: &FileInfo<'a>) -> &'a str {
    customs_types::path::file_name(file.path)
}

/// A package of a lock file with `location` = the lock file.
pub(crate) fn package(
    kind: PackageKind,
    name: &str,
    version: &str,
    purl: String,
    file: &FileInfo<'_>,
    id: &str,
    dev: bool,
) -> Package {
    let mut p = Package::new(kind, name, version, purl, file.path, id);
    if dev {
        p.properties.insert("dev".into(), "true".into());
    }
    p
}

/// A PyPI package: the name PEP 503 normalised (the spelling in the lock
/// file kept as `properties["name"]` when it differs).
pub(crate) fn pypi_package(
    name: &str,
    version: &str,
    file: &FileInfo<'_>,
    id: &str,
    dev: bool,
) -> Package {
    let norm = crate::purl::pep503(name);
    let mut p = package(
        PackageKind::Python,
        &norm,
        version,
        crate::purl::pypi(&norm, version),
        file,
        id,
        dev,
    );
    if norm != name {
        p.properties.insert("name".into(), name.to_string());
    }
    p
}

/// Is `s` a plausible registry version (starts with a digit, no spaces)?
pub(crate) fn looks_like_version(s: &str) -> bool {
    let s = s.strip_prefix('v').unwrap_or(s);
    s.starts_with(|c: char| c.is_ascii_digit()) && !s.contains(char::is_whitespace)
}

/// Is a lock file under a `node_modules` or `vendor` tree (a dependency's
/// own lock file, not the project's)?
pub(crate) fn in_dependency_tree(path: &str) -> bool {
    path.split('/')
        .any(|c| c == "node_modules" || c == "vendor" || c == "site-packages")
}

/// Adds each `(name, version)` once; the later copy's `dev` flag clears the
/// earlier one's when either is not dev (a package needed in production is
/// not dev-only).
#[derive(Default)]
pub(crate) struct Dedup {
    packages: Vec<Package>,
    index: std::collections::HashMap<(String, String, String), usize>,
}

impl Dedup {
    pub(crate) fn push(&mut self, p: Package) {
        let key = (p.name.clone(), p.version.clone(), p.purl.clone());
        match self.index.get(&key) {
            Some(&i) => {
                let old = &mut self.packages[i];
                if !p.properties.contains_key("dev") {
                    old.properties.remove("dev");
                }
            }
            None => {
                self.index.insert(key, self.packages.len());
                self.packages.push(p);
            }
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Package> {
        self.packages
    }
}

/// Runs an analysis that returns its packages and sends them to the sink.
macro_rules! lock_analyzer {
    ($ty:ident, $id:expr, $version:expr, $required:expr, $analyze:path) => {
        impl $crate::Analyzer for $ty {
            fn id(&self) -> &'static str {
                $id
            }

            fn version(&self) -> u32 {
                $version
            }

            fn required(&self, file: &$crate::FileInfo<'_>) -> bool {
                let f: fn(&$crate::FileInfo<'_>) -> bool = $required;
                f(file)
            }

            fn analyze(
                &self,
                file: &$crate::FileInfo<'_>,
                content: &mut $crate::Content<'_>,
                sink: &mut $crate::Sink<'_>,
            ) -> Result<(), String> {
                $analyze(file, content, sink).map_err(|e| e.to_string())
            }
        }
    };
}
pub(crate) use lock_analyzer;

#[cfg(test)]
pub(crate) mod test_util {
    use std::collections::BTreeSet;

    use crate::LayerAnalysis;

    /// `(name, version, purl, dev)` of every package, as a set.
    pub fn summary(a: &LayerAnalysis) -> BTreeSet<(String, String, String, bool)> {
        a.packages
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.version.clone(),
                    p.purl.clone(),
                    p.properties.get("dev").is_some_and(|d| d == "true"),
                )
            })
            .collect()
    }

    /// Builds the expected set from a table.
    pub fn expect(rows: &[(&str, &str, &str, bool)]) -> BTreeSet<(String, String, String, bool)> {
        rows.iter()
            .map(|(n, v, p, d)| (n.to_string(), v.to_string(), p.to_string(), *d))
            .collect()
    }

    /// The packages read from one lock file of a multi-file fixture,
    /// checked with [`check_common`].
    pub fn of(a: &LayerAnalysis, location: &str, id: &str) -> LayerAnalysis {
        let mut x = LayerAnalysis::new(0);
        x.packages = a
            .packages
            .iter()
            .filter(|p| p.location == location)
            .cloned()
            .collect();
        check_common(&x, location, id);
        x
    }

    /// Every package has the lock file as location, the analyzer id, a
    /// purl that round-trips, and no duplicate.
    pub fn check_common(a: &LayerAnalysis, location: &str, id: &str) {
        let mut seen = BTreeSet::new();
        for p in &a.packages {
            assert_eq!(p.location, location, "{}", p.name);
            assert_eq!(p.analyzer, id, "{}", p.name);
            crate::lang::test_util::assert_purl_roundtrip(p);
            assert!(
                seen.insert((p.name.clone(), p.version.clone(), p.purl.clone())),
                "duplicate {} {}",
                p.name,
                p.version
            );
        }
    }
}

#[cfg(test)]
mod tests;
