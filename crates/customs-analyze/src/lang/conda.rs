//! Packages of a conda environment: one `conda-meta/<name>-<version>-<build>.json`
//! per installed package, in the environment's prefix (`/opt/conda`,
//! `/opt/conda/envs/x`).
//!
//! - purl: `pkg:conda/<name>@<version>?build=..&channel=..&subdir=..&type=..`
//!   (the purl spec's conda type; `channel` is the channel *name*:
//!   `conda-forge`, `main`).
//! - `properties`: `build`, `build_number`, `channel` (name), `channel_url`
//!   (when the metadata holds a URL), `subdir`, `prefix` (the environment).
//! - `files`: the `files` list made absolute under the prefix.
//! - `depends_on`: package names of `depends`, virtual packages (`__glibc`)
//!   left out.
//! - Python packages: when the files hold a `site-packages/*.dist-info` (or
//!   `.egg-info`), `properties["pypi_name"]` is the PEP 503 name of that
//!   distribution (conda's `pytorch` ships `torch-*.dist-info`); else, when
//!   the package has files under `site-packages/`, the conda name. The same
//!   dist-info is also reported by the `python-dist` analyzer as a Python
//!   package: both are kept (dedup is left to matching/reporting), and the
//!   dist-info one links back through its `location` being in this package's
//!   `files`.

use customs_types::{Package, PackageKind};
use serde::Deserialize;

use super::LangError;
use crate::{Analyzer, Content, FileInfo, Sink};

/// conda-meta files of big packages list tens of thousands of files (and
/// `paths_data` with hashes).
const LIMIT: u64 = 256 << 20;
const ID: &str = "conda-meta";
const WHAT: &str = "conda-meta JSON";

/// Reads `conda-meta/*.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CondaMeta;

#[derive(Debug, Deserialize)]
struct Meta {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    build: Option<String>,
    #[serde(default)]
    build_number: Option<serde_json::Value>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    subdir: Option<String>,
    #[serde(default)]
    license: Option<String>,
    #[serde(default, rename = "fn")]
    file_name: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    depends: Vec<String>,
    #[serde(default)]
    files: Vec<String>,
    // Everything else (`paths_data` with its hashes, ...) is skipped.
}

impl Analyzer for CondaMeta {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        super::has_ext(file.path, ".json")
            && customs_types::path::file_name(customs_types::path::parent(file.path))
                == "conda-meta"
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

/// Subdirs (platforms) of conda channels.
fn is_subdir(s: &str) -> bool {
    s == "noarch"
        || [
            "linux-",
            "osx-",
            "win-",
            "freebsd-",
            "zos-",
            "emscripten-",
            "wasi-",
        ]
        .iter()
        .any(|p| s.starts_with(p))
}

/// The channel name and subdir of a channel as conda-meta records it: a
/// name (`conda-forge`, `pkgs/main`) or a URL
/// (`https://conda.anaconda.org/conda-forge/linux-64`,
/// `https://repo.anaconda.com/pkgs/main/linux-64`).
fn channel_name(raw: &str) -> (String, Option<String>) {
    let raw = raw.trim().trim_end_matches('/');
    let (host, path) = match raw.split_once("://") {
        Some((_, rest)) => match rest.split_once('/') {
            Some((h, p)) => (Some(h), p),
            None => (Some(rest), ""),
        },
        None => (None, raw),
    };
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let subdir = match parts.last() {
        Some(last) if is_subdir(last) => parts.pop().map(str::to_string),
        _ => None,
    };
    let name = match host {
        // conda.anaconda.org/<channel>[/label/<x>]
        Some(h) if h.ends_with("anaconda.org") => parts.first().copied(),
        _ => parts.last().copied(),
    }
    .or(host)
    .unwrap_or("");
    (name.to_string(), subdir)
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LangError> {
    let data = super::read_all(content, LIMIT, WHAT)?;
    let meta: Meta = super::parse_json(&data, WHAT)?;
    let name = meta
        .name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(LangError::Missing {
            what: WHAT,
            field: "name",
        })?;
    let version = meta
        .version
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(LangError::Missing {
            what: WHAT,
            field: "version",
        })?;
    let build = meta.build.as_deref().unwrap_or("").trim();
    let raw_channel = meta
        .channel
        .as_deref()
        .or(meta.url.as_deref())
        .unwrap_or("")
        .trim();
    let (channel, url_subdir) = if raw_channel.is_empty() {
        (String::new(), None)
    } else {
        channel_name(raw_channel)
    };
    let subdir = meta
        .subdir
        .clone()
        .filter(|s| !s.is_empty())
        .or(url_subdir)
        .unwrap_or_default();
    let pkg_type = match meta.file_name.as_deref().or(meta.url.as_deref()) {
        Some(f) if f.ends_with(".conda") => "conda",
        Some(f) if f.ends_with(".tar.bz2") => "tar.bz2",
        _ => "",
    };
    let purl = crate::purl::build(
        "conda",
        None,
        name,
        Some(version),
        &[
            ("build", build),
            ("channel", &channel),
            ("subdir", &subdir),
            ("type", pkg_type),
        ],
        None,
    );
    let mut p = Package::new(PackageKind::Conda, name, version, purl, file.path, ID);
    if let Some(l) = meta
        .license
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        p.licenses = vec![l.to_string()];
    }
    let prefix = customs_types::path::parent(customs_types::path::parent(file.path));
    p.files = meta
        .files
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| super::join(prefix, f))
        .collect();
    for d in &meta.depends {
        let dep = d.split_whitespace().next().unwrap_or("");
        if !dep.is_empty() && !dep.starts_with("__") && !p.depends_on.iter().any(|x| x == dep) {
            p.depends_on.push(dep.to_string());
        }
    }
    let props = &mut p.properties;
    props.insert("prefix".into(), prefix.to_string());
    if !build.is_empty() {
        props.insert("build".into(), build.to_string());
    }
    match &meta.build_number {
        Some(serde_json::Value::Number(n)) => {
            props.insert("build_number".into(), n.to_string());
        }
        Some(serde_json::Value::String(s)) if !s.is_empty() => {
            props.insert("build_number".into(), s.clone());
        }
        _ => {}
    }
    if !channel.is_empty() {
        props.insert("channel".into(), channel.clone());
    }
    if raw_channel.contains("://") {
        props.insert("channel_url".into(), raw_channel.to_string());
    }
    if !subdir.is_empty() {
        props.insert("subdir".into(), subdir);
    }
    if let Some(py) = pypi_name(name, &meta.files) {
        props.insert("pypi_name".into(), py);
    }
    sink.package(p);
    Ok(())
}

/// The PyPI name of a conda package holding a Python distribution.
fn pypi_name(conda_name: &str, files: &[String]) -> Option<String> {
    let mut in_site = false;
    for f in files {
        let Some(idx) = f.find("site-packages/") else {
            continue;
        };
        let rest = &f[idx + "site-packages/".len()..];
        if rest.is_empty() || rest == "README.txt" {
            continue;
        }
        in_site = true;
        let first = rest.split('/').next().unwrap_or("");
        for ext in [".dist-info", ".egg-info"] {
            if let Some(stem) = first.strip_suffix(ext) {
                // `<name>-<version>`: names in these dir names have `-`
                // escaped to `_`, so the first `-` ends the name
                let n = stem.split('-').next().unwrap_or(stem);
                if !n.is_empty() {
                    return Some(crate::purl::pep503(n));
                }
            }
        }
    }
    in_site.then(|| crate::purl::pep503(conda_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_util::assert_purl_roundtrip;
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lang/conda.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lang/conda-malformed.txtar");

    #[test]
    fn reads_conda_meta() {
        let a = run_txtar(CondaMeta, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let mut names: Vec<(&str, &str)> = a
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                ("openssl", "3.1.2"),
                ("python", "3.11.4"),
                ("pytorch", "2.0.1")
            ]
        );
        for p in &a.packages {
            assert_purl_roundtrip(p);
            assert_eq!(p.kind, PackageKind::Conda);
            assert_eq!(p.properties["prefix"], "/opt/conda");
        }
        let by = |n: &str| a.packages.iter().find(|p| p.name == n).unwrap();
        let torch = by("pytorch");
        assert_eq!(
            torch.purl,
            "pkg:conda/pytorch@2.0.1?build=py3.11_cuda11.8_cudnn8.7.0_0&channel=pytorch&subdir=linux-64&type=tar.bz2"
        );
        assert_eq!(torch.properties["pypi_name"], "torch");
        assert_eq!(torch.properties["build"], "py3.11_cuda11.8_cudnn8.7.0_0");
        assert_eq!(torch.properties["build_number"], "0");
        assert_eq!(torch.properties["channel"], "pytorch");
        assert_eq!(torch.licenses, vec!["BSD-3-Clause"]);
        assert_eq!(torch.depends_on, vec!["python", "numpy", "pytorch-cuda"]);
        assert!(torch.files.contains(
            &"/opt/conda/lib/python3.11/site-packages/torch-2.0.1.dist-info/METADATA".to_string()
        ));
        let ssl = by("openssl");
        assert!(!ssl.properties.contains_key("pypi_name"));
        assert_eq!(ssl.properties["channel"], "conda-forge");
        assert_eq!(
            ssl.properties["channel_url"],
            "https://conda.anaconda.org/conda-forge/linux-64"
        );
        assert_eq!(ssl.properties["subdir"], "linux-64");
        assert_eq!(
            ssl.purl,
            "pkg:conda/openssl@3.1.2?build=hd590300_0&channel=conda-forge&subdir=linux-64&type=conda"
        );
        assert_eq!(ssl.files, vec!["/opt/conda/lib/libssl.so.3"]);
        // python itself only has site-packages/README.txt: no PyPI name
        assert!(!by("python").properties.contains_key("pypi_name"));
        assert_eq!(by("python").properties["channel"], "main");
    }

    #[test]
    fn malformed_conda_meta() {
        let a = run_txtar(CondaMeta, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
    }

    #[test]
    fn channels() {
        assert_eq!(
            channel_name("https://conda.anaconda.org/conda-forge/linux-64"),
            ("conda-forge".into(), Some("linux-64".into()))
        );
        assert_eq!(
            channel_name("https://repo.anaconda.com/pkgs/main/noarch/"),
            ("main".into(), Some("noarch".into()))
        );
        assert_eq!(channel_name("conda-forge"), ("conda-forge".into(), None));
        assert_eq!(channel_name("pkgs/main"), ("main".into(), None));
        assert_eq!(
            channel_name("https://conda.anaconda.org/pytorch"),
            ("pytorch".into(), None)
        );
    }
}
