//! Language packages: Python, conda, npm, Java, Ruby, PHP, .NET.
//!
//! One module per catalogue, each reading installed-package metadata (not
//! lock files or manifests of the application being built):
//!
//! | analyzer | reads | kind |
//! |---|---|---|
//! | `python-dist` | `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, `*.egg-info` (file), `*.egg/EGG-INFO/PKG-INFO` | [`PackageKind::Python`] |
//! | `conda-meta` | `conda-meta/*.json` | [`PackageKind::Conda`] |
//! | `npm-package` | `node_modules/<name>/package.json`, `node_modules/@scope/<name>/package.json` | [`PackageKind::Npm`] |
//! | `java-archive` | `*.jar`, `*.war`, `*.ear`, `*.jpi`, `*.hpi`, nested archives too | [`PackageKind::Maven`] |
//! | `gem-spec` | `specifications/*.gemspec`, `specifications/default/*.gemspec` | [`PackageKind::Gem`] |
//! | `composer-installed` | `vendor/composer/installed.json` | [`PackageKind::Composer`] |
//! | `dotnet-deps` | `*.deps.json` | [`PackageKind::Nuget`] |
//!
//! [`PackageKind::Python`]: customs_types::PackageKind::Python
//! [`PackageKind::Conda`]: customs_types::PackageKind::Conda
//! [`PackageKind::Npm`]: customs_types::PackageKind::Npm
//! [`PackageKind::Maven`]: customs_types::PackageKind::Maven
//! [`PackageKind::Gem`]: customs_types::PackageKind::Gem
//! [`PackageKind::Composer`]: customs_types::PackageKind::Composer
//! [`PackageKind::Nuget`]: customs_types::PackageKind::Nuget

pub mod composer;
pub mod conda;
pub mod dotnet;
pub mod gem;
pub mod java;
pub mod npm;
pub mod python;

use crate::Analyzer;

/// The analyzers of this family.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(python::PythonDist),
        Box::new(conda::CondaMeta),
        Box::new(npm::NpmPackage),
        Box::new(java::JavaArchive::default()),
        Box::new(gem::GemSpec),
        Box::new(composer::ComposerInstalled),
        Box::new(dotnet::DotnetDeps),
    ]
}

/// Why a language metadata file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LangError {
    /// The bytes could not be read (or are over the analyzer's limit).
    #[error("reading {what}: {message}")]
    Read { what: &'static str, message: String },
    #[error("invalid JSON in {what}: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{what}: no {field}")]
    Missing {
        what: &'static str,
        field: &'static str,
    },
    #[error("{what}: {message}")]
    Invalid { what: &'static str, message: String },
    #[error("zip archive {archive}: {source}")]
    Zip {
        archive: String,
        #[source]
        source: zip::result::ZipError,
    },
}

impl LangError {
    pub(crate) fn read(what: &'static str, message: impl std::fmt::Display) -> Self {
        LangError::Read {
            what,
            message: message.to_string(),
        }
    }
}

/// Reads at most `limit` bytes from the start of the file (for formats whose
/// interesting part is at the top, like a METADATA header).
pub(crate) fn read_prefix(
    content: &mut crate::Content<'_>,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, LangError> {
    use std::io::Read;
    let mut buf = Vec::new();
    content
        .reader()
        .map_err(|e| LangError::read(what, e))?
        .take(limit)
        .read_to_end(&mut buf)
        .map_err(|e| LangError::read(what, e))?;
    Ok(buf)
}

/// The whole file as bytes, refusing more than `limit`.
pub(crate) fn read_all<'c>(
    content: &'c mut crate::Content<'_>,
    limit: u64,
    what: &'static str,
) -> Result<std::borrow::Cow<'c, [u8]>, LangError> {
    content.bytes(limit).map_err(|e| LangError::read(what, e))
}

/// Parses JSON, naming the format in the error.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    data: &[u8],
    what: &'static str,
) -> Result<T, LangError> {
    // Tolerate a UTF-8 byte-order mark (written by some Windows tools).
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    serde_json::from_slice(data).map_err(|source| LangError::Json { what, source })
}

/// Does the path end with `ext` (ASCII case-insensitive, `ext` lowercase
/// with its dot)?
pub(crate) fn has_ext(path: &str, ext: &str) -> bool {
    path.len() > ext.len()
        && path
            .get(path.len() - ext.len()..)
            .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Joins an absolute directory and a relative path, resolving `.` and `..`
/// lexically and never climbing above the image root.
pub(crate) fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        return customs_types::path::resolve_link_target("/", rel);
    }
    customs_types::path::resolve_link_target(&format!("{}/x", dir.trim_end_matches('/')), rel)
}

#[cfg(test)]
pub(crate) mod test_util {
    use std::str::FromStr;

    use customs_types::Package;

    /// Every purl must parse with the `packageurl` crate, print back the
    /// same, and not be the generic fallback of [`crate::purl::build`].
    pub fn assert_purl_roundtrip(p: &Package) {
        let parsed = packageurl::PackageUrl::from_str(&p.purl)
            .unwrap_or_else(|e| panic!("purl {:?} of {} does not parse: {e}", p.purl, p.name));
        assert_eq!(parsed.to_string(), p.purl, "purl round trip of {}", p.name);
        assert!(
            !p.purl.starts_with("pkg:generic/"),
            "fallback purl {:?} for {}",
            p.purl,
            p.name
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_paths() {
        assert_eq!(join("/opt/conda", "lib/x.py"), "/opt/conda/lib/x.py");
        assert_eq!(join("/a/b", "../c"), "/a/c");
        assert_eq!(join("/a", "../../../etc/passwd"), "/etc/passwd");
        assert_eq!(join("/a/", "./x"), "/a/x");
    }

    #[test]
    fn extensions() {
        assert!(has_ext("/a/B.JAR", ".jar"));
        assert!(!has_ext(".jar", ".jar"));
        assert!(!has_ext("/a/b.jars", ".jar"));
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<&str> = analyzers().iter().map(|a| a.id()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}

#[cfg(test)]
mod ml_app_tests;
