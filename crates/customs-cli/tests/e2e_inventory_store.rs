//! End-to-end tests of `customs inventory` (issue 8, acceptance 4): both
//! shared images are added to a store, a DB is imported with one extra OSV
//! record this test writes (an advisory on a PyPI package only ml-app has),
//! and `customs inventory affected` names ml-app and not debian-base while
//! the image files are no longer there to read; `rescan` reports the new
//! advisory as new for ml-app only, once.

mod vuln_common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};
use vuln_common::{customs, osv, stderr, stdout};

/// A scratch directory beside the build (same file system as the target
/// dir, so image copies can be hard links).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("e2e-inventory-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Copies a file or a directory tree (hard links where possible).
fn copy_tree(from: &Path, to: &Path) {
    let md = std::fs::metadata(from).expect("stat");
    if md.is_dir() {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("read_dir") {
            let e = e.expect("entry");
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).expect("copy");
    }
}

fn run(args: &[&str], extra: &[&std::ffi::OsStr]) -> Output {
    customs()
        .args(args)
        .args(extra)
        .output()
        .expect("run customs")
}

fn ok_json(out: &Output, what: &str) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what} failed:\n{}\n{}",
        stderr(out),
        stdout(out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{}", stdout(out)))
}

/// PEP 503 name.
fn pep503(n: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in n.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !sep {
                out.push('-');
            }
            sep = true;
        } else {
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// (name, version) of the PyPI-matched Python packages of an image
/// (`customs sbom -f json`), OS-managed ones left out.
fn pypi_packages(image: &str) -> Vec<(String, String)> {
    let out = run(&["sbom", "-q", "-f", "json", image], &[]);
    let v = ok_json(&out, "customs sbom");
    v["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["kind"] == "python" && p.get("os_managed").is_none_or(Value::is_null))
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_string(),
                p["version"].as_str().expect("version").to_string(),
            )
        })
        .collect()
}

/// `shared/vulndb/osv` with one more record in `PyPI/all.zip`, in `dir`.
fn osv_with(dir: &Path, record: &Value) -> PathBuf {
    let src = osv();
    let dst = dir.join("osv");
    std::fs::create_dir_all(&dst).expect("mkdir");
    for e in std::fs::read_dir(&src).expect("read shared osv") {
        let e = e.expect("entry");
        let name = e.file_name();
        if name == "PyPI" {
            continue;
        }
        copy_tree(&e.path(), &dst.join(&name));
    }
    let pypi = dst.join("PyPI");
    std::fs::create_dir_all(&pypi).expect("mkdir PyPI");
    let zip_path = pypi.join("all.zip");
    std::fs::copy(src.join("PyPI/all.zip"), &zip_path).expect("copy PyPI zip");
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&zip_path)
        .expect("open zip");
    let mut w = zip::ZipWriter::new_append(f).expect("append to zip");
    let id = record["id"].as_str().expect("id");
    w.start_file(
        format!("{id}.json"),
        zip::write::SimpleFileOptions::default(),
    )
    .expect("start entry");
    w.write_all(serde_json::to_string_pretty(record).unwrap().as_bytes())
        .expect("write entry");
    w.finish().expect("finish zip");
    dst
}

fn db_import(cache: &Path, dir: &Path) {
    let out = run(
        &["db", "import", "-q"],
        &["--cache-dir".as_ref(), cache.as_os_str(), dir.as_os_str()],
    );
    assert!(
        out.status.success(),
        "customs db import {} failed:\n{}",
        dir.display(),
        stderr(&out)
    );
}

/// `customs inventory <args> --cache-dir CACHE --offline` (JSON).
fn inventory(cache: &Path, args: &[&str]) -> Output {
    let mut all = vec!["inventory"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--offline", "-q"]);
    run(&all, &["--cache-dir".as_ref(), cache.as_os_str()])
}

fn manifest_digest(oci: &Path) -> String {
    let index: Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).expect("index.json"))
            .expect("index JSON");
    index["manifests"][0]["digest"]
        .as_str()
        .expect("digest")
        .to_string()
}

#[test]
fn affected_and_rescan_name_ml_app_only_without_reading_images() {
    let images = customs_testutil::test_images();
    let dir = scratch("store");
    let cache = dir.join("cache");
    let imgs = dir.join("images");

    // Copies of the images: they are moved away before the queries.
    copy_tree(&images.join("ml-app/oci"), &imgs.join("ml-app-oci"));
    std::fs::create_dir_all(&imgs).unwrap();
    copy_tree(
        &images.join("debian-base/docker-archive.tar"),
        &imgs.join("debian-base.tar"),
    );
    let ml_ref = format!("oci-dir:{}", imgs.join("ml-app-oci").display());
    let base_ref = format!("docker-archive:{}", imgs.join("debian-base.tar").display());
    let ml_digest = manifest_digest(&imgs.join("ml-app-oci"));

    db_import(&cache, &osv());

    // add both; each is matched against the current DB (the baseline)
    let added = ok_json(
        &inventory(&cache, &["add", &ml_ref, "-f", "json"]),
        "inventory add ml-app",
    );
    assert_eq!(added["image"]["digest"], ml_digest.as_str(), "{added:#}");
    assert_eq!(added["replaced"], false);
    let ml_findings = added["image"]["findings"].as_u64().expect("matched at add");
    assert!(ml_findings > 20, "ml-app findings at add: {added:#}");
    assert!(added["image"]["packages"].as_u64().unwrap() > 50);
    let added = ok_json(
        &inventory(&cache, &["add", &base_ref, "-f", "json"]),
        "inventory add debian-base",
    );
    let base_digest = added["image"]["digest"].as_str().unwrap().to_string();
    assert_ne!(base_digest, ml_digest);
    assert_eq!(added["image"]["source"], "docker-archive");
    // adding again replaces: still one row per digest
    let again = ok_json(
        &inventory(&cache, &["add", &base_ref, "-f", "json"]),
        "inventory add debian-base again",
    );
    assert_eq!(again["replaced"], true);

    let list = ok_json(
        &inventory(&cache, &["list", "-f", "json"]),
        "inventory list",
    );
    let listed: BTreeSet<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["digest"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from([ml_digest.as_str(), base_digest.as_str()]),
        "{list:#}"
    );
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(inventory(&cache, &["list"]).status.success());

    // A PyPI package only ml-app has, chosen from the inventories.
    let base_names: BTreeSet<String> = pypi_packages(&base_ref)
        .into_iter()
        .map(|(n, _)| pep503(&n))
        .collect();
    let mut candidates: Vec<(String, String)> = pypi_packages(&ml_ref)
        .into_iter()
        .filter(|(n, _)| !base_names.contains(&pep503(n)))
        .collect();
    candidates.sort();
    let (pkg, version) = candidates
        .first()
        .cloned()
        .expect("a PyPI package only ml-app has");
    let id = "CUSTOMS-E2E-2026-0001";
    let cve = "CVE-2026-999001";
    let record = json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2026-12-01T00:00:00Z",
        "published": "2026-12-01T00:00:00Z",
        "aliases": [cve],
        "summary": format!("test advisory on {pkg}"),
        "affected": [{
            "package": {"ecosystem": "PyPI", "name": pkg},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9999"}]}]
        }],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
    });

    // Before the new DB, the id is unknown: exit 2 naming the DB.
    let out = inventory(&cache, &["affected", id]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(id), "{}", stderr(&out));

    db_import(&cache, &osv_with(&dir, &record));

    // The images go away: nothing below can read them.
    let gone = dir.join("images-moved-away");
    std::fs::rename(&imgs, &gone).expect("move the images away");
    assert!(!imgs.exists());
    let out = inventory(&cache, &["add", &ml_ref]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the image really is unreadable now"
    );

    for query in [id, cve, &cve.to_lowercase()] {
        let r = ok_json(
            &inventory(&cache, &["affected", query, "-f", "json"]),
            "inventory affected",
        );
        let hit: Vec<&str> = r["images"]
            .as_array()
            .expect("images")
            .iter()
            .map(|i| i["image"]["digest"].as_str().unwrap())
            .collect();
        assert_eq!(hit, [ml_digest.as_str()], "{query}: {r:#}");
        assert_eq!(r["records"], json!([id]));
        let f = &r["images"][0]["findings"];
        assert_eq!(f.as_array().unwrap().len(), 1, "{f:#}");
        assert_eq!(f[0]["package"]["name"], pkg.as_str());
        assert_eq!(f[0]["package"]["version"], version.as_str());
        assert_eq!(f[0]["fixed_version"], "9999");
        assert_eq!(f[0]["id"], cve);
        assert_eq!(f[0]["severity"], "CRITICAL");
        assert_eq!(r["images"][0]["image"]["reference"], ml_ref.as_str());
    }
    // the table names ml-app, not debian-base
    let out = inventory(&cache, &["affected", id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.contains("ml-app-oci"), "{table}");
    assert!(!table.contains("debian-base"), "{table}");
    assert!(table.contains(&pkg), "{table}");
    // --exit-code when something is affected
    let out = inventory(&cache, &["affected", id, "--exit-code", "5"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));

    // by package: the exact version, and a range excluding it
    let spec = format!("{pkg}@{version}");
    let r = ok_json(
        &inventory(
            &cache,
            &[
                "affected",
                "--package",
                &spec,
                "--ecosystem",
                "pypi",
                "-f",
                "json",
            ],
        ),
        "inventory affected --package",
    );
    let hit: Vec<&str> = r["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["image"]["digest"].as_str().unwrap())
        .collect();
    assert_eq!(hit, [ml_digest.as_str()], "{r:#}");
    let spec = format!("{pkg}@<{version}");
    let r = ok_json(
        &inventory(
            &cache,
            &[
                "affected",
                "--package",
                &spec,
                "--ecosystem",
                "PyPI",
                "-f",
                "json",
            ],
        ),
        "inventory affected --package",
    );
    assert!(r["images"].as_array().unwrap().is_empty(), "{r:#}");
    // a package of both images: the Debian source package of libc6
    let r = ok_json(
        &inventory(
            &cache,
            &[
                "affected",
                "--package",
                "glibc",
                "--ecosystem",
                "Debian:12",
                "-f",
                "json",
            ],
        ),
        "inventory affected --package glibc",
    );
    assert_eq!(r["images"].as_array().unwrap().len(), 2, "{r:#}");

    // rescan: the new advisory is new for ml-app only
    let r = ok_json(
        &inventory(&cache, &["rescan", "-f", "json"]),
        "inventory rescan",
    );
    let images = r["images"].as_array().expect("images");
    assert_eq!(images.len(), 2);
    for i in images {
        let digest = i["image"]["digest"].as_str().unwrap();
        let new: Vec<&str> = i["new"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        if digest == ml_digest {
            assert_eq!(new, [cve], "ml-app: {i:#}");
            assert_eq!(i["new"][0]["package"], pkg.as_str());
            assert_eq!(i["findings"].as_u64(), Some(ml_findings + 1));
        } else {
            assert!(new.is_empty(), "debian-base: {i:#}");
        }
        assert!(i["gone"].as_array().unwrap().is_empty(), "{i:#}");
        assert!(i["previous_match"].is_string(), "matched at add: {i:#}");
    }
    // the second rescan: nothing new (exit code 0 even with --exit-code)
    let out = inventory(&cache, &["rescan", "-f", "json", "--exit-code", "3"]);
    let r = ok_json(&out, "second rescan");
    for i in r["images"].as_array().unwrap() {
        assert!(i["new"].as_array().unwrap().is_empty(), "{i:#}");
        assert!(i["gone"].as_array().unwrap().is_empty(), "{i:#}");
    }
    let out = inventory(&cache, &["rescan"]);
    assert!(stdout(&out).contains("nothing new"), "{}", stdout(&out));

    std::fs::rename(&gone, &imgs).ok();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sbom_files_and_damaged_stores() {
    let images = customs_testutil::test_images();
    let dir = scratch("sbom");
    let cache = dir.join("cache");
    let store = dir.join("my-inventory.db");
    let image = format!("oci-dir:{}", images.join("debian-base/oci").display());
    let digest = manifest_digest(&images.join("debian-base/oci"));

    // an SBOM file: stored under the image's digest
    let sbom = dir.join("debian-base.cdx.json");
    let out = run(
        &["sbom", "-q", "-f", "cyclonedx", &image, "-o"],
        &[sbom.as_os_str()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let store_flag: [&std::ffi::OsStr; 4] = [
        "--inventory".as_ref(),
        store.as_os_str(),
        "--cache-dir".as_ref(),
        cache.as_os_str(),
    ];
    let sbom_arg = sbom.display().to_string();
    let added = ok_json(
        &run(
            &[
                "inventory",
                "add",
                &sbom_arg,
                "-f",
                "json",
                "-q",
                "--offline",
            ],
            &store_flag,
        ),
        "inventory add SBOM",
    );
    assert_eq!(added["image"]["source"], "sbom:cyclonedx", "{added:#}");
    assert_eq!(added["image"]["digest"], digest.as_str(), "{added:#}");
    assert!(added["image"]["packages"].as_u64().unwrap() > 50);
    assert!(store.is_file(), "--inventory names the store file");
    assert!(!cache.join("inventory.db").exists());
    // no DB in this cache dir: stored, not matched
    assert!(added["image"]["findings"].is_null(), "{added:#}");

    // the image itself has the same digest: replaced, two references
    let added = ok_json(
        &run(
            &["inventory", "add", &image, "-f", "json", "-q", "--offline"],
            &store_flag,
        ),
        "inventory add image",
    );
    assert_eq!(added["replaced"], true, "{added:#}");
    assert_eq!(
        added["image"]["references"],
        json!([sbom_arg, image]),
        "{added:#}"
    );

    // affected by id needs the DB: offline without one says how to get it
    let out = run(
        &["inventory", "affected", "CVE-2023-0001", "-q", "--offline"],
        &store_flag,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("customs db import"),
        "{}",
        stderr(&out)
    );

    // a damaged store file: exit 2, one line naming the file, no panic
    let bad = dir.join("damaged.db");
    let mut bytes = std::fs::read(&store).unwrap();
    for b in bytes.iter_mut().take(4096).skip(16) {
        *b ^= 0xa5;
    }
    std::fs::write(&bad, &bytes).unwrap();
    for args in [
        vec!["inventory", "list", "-q"],
        vec![
            "inventory",
            "affected",
            "--package",
            "bash",
            "--ecosystem",
            "deb",
            "-q",
        ],
    ] {
        let out = run(&args, &["--inventory".as_ref(), bad.as_os_str()]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains("damaged.db"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
