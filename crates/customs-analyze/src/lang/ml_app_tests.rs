//! End-to-end checks of the Python and npm analyzers against the real
//! ml-app test image (its merged `rootfs/`, read-only), compared with what
//! the image was built from (`shared/images/ml-app/`). Versions are read
//! from the files, never written here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use customs_types::PackageKind;

use super::npm::NpmPackage;
use super::python::PythonDist;
use super::test_util::assert_purl_roundtrip;
use crate::testing::{FixtureFile, run};
use crate::{Analyzer, FileInfo};

fn rootfs() -> PathBuf {
    customs_testutil::test_images().join("ml-app/rootfs")
}

/// Every regular file under `dir` (symlinks not followed), as image paths
/// relative to `root`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if md.is_dir() {
            walk(root, &p, out);
        } else if md.is_file() {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            out.push((format!("/{rel}"), p));
        }
    }
}

/// The files of `subdirs` of the rootfs that `analyzer` asks for, read.
fn wanted(analyzer: &dyn Analyzer, subdirs: &[&str]) -> Vec<FixtureFile> {
    let root = rootfs();
    let mut files = Vec::new();
    for s in subdirs {
        walk(&root, &root.join(s), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .filter(|(path, p)| {
            let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            analyzer.required(&FileInfo {
                path,
                size,
                mode: 0o644,
                layer: 0,
            })
        })
        .map(|(path, p)| FixtureFile::new(&path, std::fs::read(&p).unwrap()))
        .collect()
}

/// Every directory under `dir` whose name ends with `ext`, as
/// (PEP 503 name, version) from `<name>-<version><ext>`.
fn metadata_dirs(dir: &Path, ext: &str, out: &mut BTreeSet<(String, String)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if !md.is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(ext) {
            let (n, v) = stem.split_once('-').expect("name-version");
            out.insert((crate::purl::pep503(n), v.to_string()));
        } else {
            metadata_dirs(&p, ext, out);
        }
    }
}

#[test]
fn python_dist_matches_the_dist_info_dirs_of_ml_app() {
    let files = wanted(&PythonDist, &["usr", "opt", "app", "root"]);
    let a = run(PythonDist, &files);
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    for p in &a.packages {
        assert_purl_roundtrip(p);
        assert_eq!(p.kind, PackageKind::Python);
        assert!(p.location.starts_with(&p.properties["site_packages"]));
    }
    let found = |suffix: &str| -> BTreeSet<(String, String)> {
        a.packages
            .iter()
            .filter(|p| p.location.ends_with(suffix))
            .map(|p| (crate::purl::pep503(&p.name), p.version.clone()))
            .collect()
    };

    let root = rootfs();
    let mut dist_info = BTreeSet::new();
    for s in ["usr", "opt", "app", "root"] {
        metadata_dirs(&root.join(s), ".dist-info", &mut dist_info);
    }
    assert!(dist_info.len() > 20, "{dist_info:?}");
    assert_eq!(found(".dist-info/METADATA"), dist_info);

    let mut egg_info = BTreeSet::new();
    for s in ["usr", "opt", "app", "root"] {
        metadata_dirs(&root.join(s), ".egg-info", &mut egg_info);
    }
    assert_eq!(found(".egg-info/PKG-INFO"), egg_info);

    // every pin the image was built from, and mlflow installed beside them
    let shared = customs_testutil::shared_dir().join("images/ml-app");
    let reqs = std::fs::read_to_string(shared.join("requirements.txt")).unwrap();
    let mut pins = 0;
    for line in reqs.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (n, v) = line.split_once("==").expect("pinned requirement");
        let key = (crate::purl::pep503(n.trim()), v.trim().to_string());
        assert!(dist_info.contains(&key), "{key:?} not installed");
        let pkg = a
            .packages
            .iter()
            .find(|p| crate::purl::pep503(&p.name) == key.0)
            .unwrap();
        assert_eq!(pkg.version, key.1);
        assert_eq!(pkg.purl, crate::purl::pypi(&key.0, &key.1));
        pins += 1;
    }
    assert!(pins >= 20, "{pins} pins");
    assert!(a.packages.iter().any(|p| p.name == "mlflow"));
    // Debian's pip is in the dpkg-managed dist-packages
    let pip = a.packages.iter().find(|p| p.name == "pip").unwrap();
    assert_eq!(
        pip.properties["site_packages"],
        "/usr/lib/python3/dist-packages"
    );
}

#[test]
fn npm_matches_the_package_lock_of_ml_app() {
    let files = wanted(&NpmPackage, &["app"]);
    let a = run(NpmPackage, &files);
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    let got: BTreeSet<(String, String, String)> = a
        .packages
        .iter()
        .map(|p| {
            assert_purl_roundtrip(p);
            (p.name.clone(), p.version.clone(), p.location.clone())
        })
        .collect();
    assert_eq!(got.len(), a.packages.len(), "duplicates");

    let shared = customs_testutil::shared_dir().join("images/ml-app");
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(shared.join("package-lock.json")).unwrap()).unwrap();
    let mut want = BTreeSet::new();
    for (key, entry) in lock["packages"].as_object().unwrap() {
        if key.is_empty() {
            continue;
        }
        let name = key.rsplit_once("node_modules/").unwrap().1;
        let version = entry["version"].as_str().unwrap();
        want.insert((
            name.to_string(),
            version.to_string(),
            format!("/app/{key}/package.json"),
        ));
    }
    assert_eq!(got, want);
    // both copies of minimist, each at its own path
    assert_eq!(
        a.packages.iter().filter(|p| p.name == "minimist").count(),
        2
    );
}
