//! The OS analyzers on the real test images (read-only), compared with
//! what Debian's own tools say about the same files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::testing::{FixtureFile, run};

use super::dpkg::Dpkg;
use super::release::OsRelease;

fn rootfs(image: &str) -> PathBuf {
    customs_testutil::test_images().join(image).join("rootfs")
}

/// `dpkg-query -W` over the image's database: `name version arch`.
fn dpkg_query(root: &Path) -> BTreeSet<String> {
    let out = Command::new("dpkg-query")
        .arg("-W")
        .arg(format!(
            "--admindir={}",
            root.join("var/lib/dpkg").display()
        ))
        .arg("-f")
        .arg("${Package} ${Version} ${Architecture}\t${db:Status-Abbrev}\n")
        .output()
        .expect("dpkg-query (package dpkg) must be installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        // installed packages only (state "i": "ii ", "hi "), as the
        // analyzer reports; all of them in these images
        .filter_map(|l| l.split_once('\t'))
        .filter(|(_, abbrev)| abbrev.chars().nth(1) == Some('i'))
        .map(|(p, _)| p.to_string())
        .collect()
}

fn check_dpkg(image: &str) {
    let root = rootfs(image);
    let status = std::fs::read(root.join("var/lib/dpkg/status")).unwrap();
    let mut files = vec![FixtureFile::new("/var/lib/dpkg/status", status)];
    let info = root.join("var/lib/dpkg/info");
    for e in std::fs::read_dir(&info).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".list") {
            files.push(FixtureFile::new(
                &format!("/var/lib/dpkg/info/{name}"),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    let a = run(Dpkg, &files);
    assert!(a.unknowns.is_empty(), "{image}: {:?}", a.unknowns);

    let ours: BTreeSet<String> = a
        .packages
        .iter()
        .map(|p| {
            format!(
                "{} {} {}",
                p.name,
                p.version,
                p.arch.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(ours.len(), a.packages.len(), "{image}: duplicate packages");
    let theirs = dpkg_query(&root);
    assert!(theirs.len() > 50, "{image}: only {} packages", theirs.len());
    assert_eq!(ours, theirs, "{image}");

    // every installed package has its file list, by name or name:arch,
    // and the list names the files dpkg -L names
    for p in &a.packages {
        let qualified = format!("{}:{}", p.name, p.arch.as_deref().unwrap_or(""));
        let own = a
            .ownership
            .iter()
            .find(|o| o.package == p.name || o.package == qualified)
            .unwrap_or_else(|| panic!("{image}: no file list for {}", p.name));
        assert!(own.files.iter().all(|f| f.starts_with('/')));
        assert!(p.source_name.is_some() && p.source_version.is_some());
        assert!(p.purl.starts_with("pkg:deb/debian/"), "{}", p.purl);
    }
    // spot check against dpkg -L for one package with a big list
    let bash = a.ownership.iter().find(|o| o.package == "bash").unwrap();
    let out = Command::new("dpkg-query")
        .arg(format!(
            "--admindir={}",
            root.join("var/lib/dpkg").display()
        ))
        .args(["-L", "bash"])
        .output()
        .unwrap();
    let listed: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with('/') && *l != "/.")
        .map(str::to_string)
        .collect();
    let ours: BTreeSet<String> = bash.files.iter().cloned().collect();
    assert_eq!(ours, listed, "{image}: bash file list");
}

#[test]
fn dpkg_matches_dpkg_query_on_ml_app() {
    check_dpkg("ml-app");
}

#[test]
fn dpkg_matches_dpkg_query_on_debian_base() {
    check_dpkg("debian-base");
}

/// The os-release of the images, against what a shell reads from it.
#[test]
fn os_release_matches_the_shell() {
    for image in ["debian-base", "ml-app"] {
        let root = rootfs(image);
        let path = root.join("usr/lib/os-release");
        let out = Command::new("sh")
            .arg("-c")
            .arg(". \"$1\"; printf '%s|%s|%s|%s' \"$ID\" \"$VERSION_ID\" \"$VERSION_CODENAME\" \"$PRETTY_NAME\"")
            .arg("sh")
            .arg(&path)
            .output()
            .unwrap();
        let shell = String::from_utf8(out.stdout).unwrap();
        let a = run(
            OsRelease,
            &[
                FixtureFile::new("/usr/lib/os-release", std::fs::read(&path).unwrap()),
                FixtureFile::new(
                    "/etc/debian_version",
                    std::fs::read(root.join("etc/debian_version")).unwrap(),
                ),
            ],
        );
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        assert_eq!(a.os.len(), 2);
        let os = &a.os[0].os;
        let ours = format!(
            "{}|{}|{}|{}",
            os.id,
            os.version.as_deref().unwrap_or(""),
            os.codename.as_deref().unwrap_or(""),
            os.pretty_name.as_deref().unwrap_or("")
        );
        assert_eq!(ours, shell, "{image}");
        assert_eq!(os.source, "/usr/lib/os-release");
        // /etc/debian_version: the point release of the same major version
        let dv = &a.os[1].os;
        assert_eq!(dv.id, "debian");
        assert_eq!(dv.major(), os.major(), "{image}");
    }
}
