//! End-to-end: the inventory of the shared images equals what the images'
//! own tools and files say (dpkg-query, the dist-info dirs, the npm lock).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn images() -> PathBuf {
    customs_testutil::test_images()
}

fn sbom_json(source: &str) -> serde_json::Value {
    json(&["sbom", source, "--format", "json", "-q"])
}

fn packages<'a>(r: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    r["packages"]
        .as_array()
        .expect("packages array")
        .iter()
        .filter(|p| p["kind"] == kind)
        .collect()
}

fn dpkg_query(rootfs: &Path) -> BTreeSet<(String, String, String)> {
    let out = Command::new("dpkg-query")
        .arg("-W")
        .arg(format!(
            "--admindir={}",
            rootfs.join("var/lib/dpkg").display()
        ))
        .arg("-f")
        .arg("${Package} ${Version} ${Architecture}\n")
        .output()
        .expect("dpkg-query (Debian's dpkg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split(' ');
            Some((
                it.next()?.to_string(),
                it.next()?.to_string(),
                it.next()?.to_string(),
            ))
        })
        .collect()
}

fn deb_set(r: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    packages(r, "deb")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                p["arch"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn sources(img: &str) -> Vec<String> {
    let b = images().join(img);
    vec![
        format!("oci-dir:{}", b.join("oci").display()),
        format!("docker-archive:{}", b.join("docker-archive.tar").display()),
        format!("oci-archive:{}", b.join("oci-archive.tar").display()),
    ]
}

#[test]
fn deb_packages_equal_dpkg_query() {
    for img in ["debian-base", "ml-app"] {
        let want = dpkg_query(&images().join(img).join("rootfs"));
        assert!(want.len() > 50, "{img}: dpkg-query listed {}", want.len());
        for src in sources(img) {
            let r = sbom_json(&src);
            let got = deb_set(&r);
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{src}: missing {missing:?}\nextra {extra:?}"
            );
            assert_eq!(r["os"]["id"], "debian", "{src}");
            assert_eq!(r["os"]["version"], "12", "{src}");
            // source packages and distro-aware purls
            for p in packages(&r, "deb") {
                let purl = p["purl"].as_str().unwrap();
                assert!(purl.starts_with("pkg:deb/debian/"), "{purl}");
                assert!(purl.contains("distro=debian-12"), "{purl}");
                assert!(p["source_name"].is_string(), "{p}");
            }
        }
    }
}

/// PEP 503 normalised name and version of every `*.dist-info` and `*.egg-info` dir.
fn dist_infos(rootfs: &Path) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![rootfs.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
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
            // Debian ships setuptools and wheel as `name-version.egg-info`
            // dirs (sometimes `name-version-py3.11.egg-info`)
            let stem = name.strip_suffix(".dist-info").or_else(|| {
                let s = name.strip_suffix(".egg-info")?;
                Some(match s.rsplit_once("-py") {
                    Some((head, py)) if py.chars().all(|c| c.is_ascii_digit() || c == '.') => head,
                    _ => s,
                })
            });
            if let Some(stem) = stem {
                let (n, v) = stem.rsplit_once('-').expect("name-version.dist-info");
                let dir = p
                    .parent()
                    .unwrap()
                    .strip_prefix(rootfs)
                    .unwrap()
                    .display()
                    .to_string();
                out.insert((pep503(n), v.to_string(), format!("/{dir}")));
            } else {
                stack.push(p);
            }
        }
    }
    out
}

fn pep503(n: &str) -> String {
    let mut s = String::new();
    let mut sep = false;
    for c in n.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !s.is_empty() {
                s.push('-');
            }
            sep = false;
            s.extend(c.to_lowercase());
        }
    }
    s
}

#[test]
fn ml_app_python_and_npm_packages_equal_the_files() {
    let rootfs = images().join("ml-app/rootfs");
    let want_py = dist_infos(&rootfs);
    // the pins of requirements.txt are among them
    let reqs = std::fs::read_to_string(
        customs_testutil::shared_dir().join("images/ml-app/requirements.txt"),
    )
    .unwrap();
    for line in reqs
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (n, v) = line.split_once("==").expect("pinned requirement");
        assert!(
            want_py
                .iter()
                .any(|(name, ver, _)| *name == pep503(n.trim()) && ver == v.trim()),
            "{line} not installed in the image?"
        );
    }
    let lock: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            customs_testutil::shared_dir().join("images/ml-app/package-lock.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let want_npm: BTreeSet<(String, String, String)> = lock["packages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| {
            let name = k.rsplit("node_modules/").next().unwrap().to_string();
            (
                name,
                v["version"].as_str().unwrap().to_string(),
                format!("/app/{k}/package.json"),
            )
        })
        .collect();
    assert!(want_npm.iter().filter(|(n, _, _)| n == "minimist").count() >= 2);

    let mut srcs = sources("ml-app");
    srcs.push(format!("dir:{}", rootfs.display()));
    for src in srcs {
        let r = sbom_json(&src);
        let got_py: BTreeSet<(String, String, String)> = packages(&r, "python")
            .iter()
            .map(|p| {
                let loc = p["location"].as_str().unwrap();
                let dir = Path::new(loc)
                    .parent()
                    .unwrap()
                    .parent()
                    .unwrap()
                    .display()
                    .to_string();
                (
                    pep503(p["name"].as_str().unwrap()),
                    p["version"].as_str().unwrap().to_string(),
                    dir,
                )
            })
            .collect();
        assert_eq!(got_py, want_py, "{src}: python packages");
        for p in packages(&r, "python") {
            let debian = ["pip", "setuptools", "wheel"].contains(&p["name"].as_str().unwrap())
                && p["location"]
                    .as_str()
                    .unwrap()
                    .starts_with("/usr/lib/python3/dist-packages/");
            assert_eq!(
                p["os_managed"].is_object(),
                debian,
                "{src}: os_managed of {} at {}",
                p["name"],
                p["location"]
            );
            if debian {
                assert!(
                    p["os_managed"]["purl"]
                        .as_str()
                        .unwrap()
                        .starts_with("pkg:deb/debian/python3-"),
                    "{p}"
                );
            }
        }
        let got_npm: BTreeSet<(String, String, String)> = packages(&r, "npm")
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["version"].as_str().unwrap().to_string(),
                    p["location"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got_npm, want_npm, "{src}: npm packages");
    }
}

#[test]
fn packages_carry_the_layer_that_brought_them() {
    let src = &sources("ml-app")[0];
    let r = sbom_json(src);
    let layers = r["artifact"]["layers"].as_array().expect("artifact layers");
    let created_by = |p: &serde_json::Value| {
        let i = p["layer"].as_u64().expect("layer index") as usize;
        layers[i]["created_by"].as_str().unwrap_or("").to_string()
    };
    let find = |kind: &str, name: &str| {
        packages(&r, kind)
            .into_iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} missing"))
    };
    assert!(created_by(find("deb", "bash")).contains("debootstrap"));
    assert!(created_by(find("deb", "python3")).contains("apt-get install"));
    assert!(created_by(find("python", "requests")).contains("pip install"));
    assert!(created_by(find("npm", "lodash")).contains("npm ci"));
}
