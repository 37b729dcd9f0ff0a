//! End-to-end tests of `customs diff`, `customs image --base` and
//! `customs recommend` on the shared images (`../shared/images/build.sh`)
//! with the DB `customs db import ../shared/vulndb/osv` builds.
//!
//! The shared data has no Debian:12 records, so debian-base has no
//! finding; the split and recommend tests import a few more OSV records
//! they write: CRITICAL, fixable advisories on source packages of
//! debian-base's layer, chosen from its own inventory.

mod vuln_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Value, json};
use vuln_common::{cache_dir, customs, findings, image, ml_app, scan, stderr, stdout};

fn images() -> PathBuf {
    customs_testutil::test_images()
}

/// `customs sbom -f json` of a shared image (no DB needed).
fn sbom(name: &str) -> &'static Value {
    static CACHE: OnceLock<std::sync::Mutex<BTreeMap<String, &'static Value>>> = OnceLock::new();
    let m = CACHE.get_or_init(Default::default);
    let mut m = m.lock().unwrap();
    if let Some(v) = m.get(name) {
        return v;
    }
    let out = customs()
        .args(["sbom", "-q", "-f", "json", &image(name)])
        .output()
        .expect("run customs sbom");
    assert!(out.status.success(), "sbom {name}: {}", stderr(&out));
    let v: &'static Value = Box::leak(Box::new(
        serde_json::from_slice(&out.stdout).expect("sbom JSON"),
    ));
    m.insert(name.to_string(), v);
    v
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// (kind, name, arch for OS packages) → versions, as a multiset.
type Identities = BTreeMap<(String, String, String), Vec<String>>;

fn identities(report: &Value) -> Identities {
    let mut m: Identities = BTreeMap::new();
    for p in report["packages"].as_array().expect("packages") {
        let kind = s(&p["kind"]);
        let arch = if matches!(kind.as_str(), "deb" | "apk" | "rpm") {
            s(&p["arch"])
        } else {
            String::new()
        };
        m.entry((kind, s(&p["name"]), arch))
            .or_default()
            .push(s(&p["version"]));
    }
    for v in m.values_mut() {
        v.sort();
    }
    m
}

/// (kind, name, version) of a diff's package list.
fn triples(list: &Value) -> BTreeSet<(String, String, String)> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|p| (s(&p["kind"]), s(&p["name"]), s(&p["version"])))
        .collect()
}

/// (id, package, version, location) of findings in a diff list or report.
fn finding_keys(list: &[Value], nested: bool) -> BTreeSet<(String, String, String, String)> {
    list.iter()
        .map(|f| {
            let p = if nested { &f["package"] } else { f };
            let name = if nested { &p["name"] } else { &p["package"] };
            (s(&f["id"]), s(name), s(&p["version"]), s(&p["location"]))
        })
        .collect()
}

fn run_json(args: &[&str]) -> Value {
    let out = scan(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "customs {args:?}:\n{}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("customs {args:?}: not JSON ({e}):\n{}", stdout(&out)))
}

fn base_to_ml_app() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| {
        run_json(&[
            "diff",
            "-q",
            "-f",
            "json",
            &image("debian-base"),
            &image("ml-app"),
        ])
    })
}

#[test]
fn diff_base_to_ml_app_lists_the_added_packages_and_every_finding_as_introduced() {
    let d = base_to_ml_app();
    let before = identities(sbom("debian-base"));
    let after = identities(sbom("ml-app"));

    // expected from the two inventories
    let mut added = BTreeSet::new();
    let mut removed = BTreeSet::new();
    let mut changed = BTreeSet::new();
    for (k, va) in &after {
        match before.get(k) {
            None => added.extend(va.iter().map(|v| (k.0.clone(), k.1.clone(), v.clone()))),
            Some(vb) if vb != va => {
                changed.insert((k.0.clone(), k.1.clone()));
            }
            Some(_) => {}
        }
    }
    for (k, vb) in &before {
        if !after.contains_key(k) {
            removed.extend(vb.iter().map(|v| (k.0.clone(), k.1.clone(), v.clone())));
        }
    }
    assert_eq!(triples(&d["packages"]["added"]), added);
    assert_eq!(triples(&d["packages"]["removed"]), removed);
    let got_changed: BTreeSet<(String, String)> = d["packages"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (s(&c["kind"]), s(&c["name"])))
        .collect();
    assert_eq!(got_changed, changed);
    // the added packages are debs, Python and npm packages
    for kind in ["deb", "python", "npm"] {
        assert!(
            added.iter().any(|(k, _, _)| k == kind),
            "no {kind} package added: {added:?}"
        );
    }
    assert_eq!(
        d["packages"]["added"].as_array().unwrap().len(),
        after.values().map(Vec::len).sum::<usize>() - before.values().map(Vec::len).sum::<usize>()
            + removed.len()
    );

    // every finding of ml-app is introduced (debian-base has none under
    // the shared DB), none fixed
    let ml = ml_app();
    let base = run_json(&["image", &image("debian-base"), "--format", "json", "-q"]);
    assert!(findings(&base).is_empty(), "debian-base has findings now");
    let introduced = d["vulnerabilities"]["introduced"].as_array().unwrap();
    assert!(!introduced.is_empty());
    assert_eq!(
        finding_keys(introduced, false),
        finding_keys(findings(ml), true)
    );
    assert_eq!(introduced.len(), findings(ml).len());
    assert!(d["vulnerabilities"]["fixed"].as_array().unwrap().is_empty());
    assert!(
        d["vulnerabilities"]["unchanged"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        d["total"]["after"].as_u64().unwrap() as usize,
        findings(ml).len()
    );
    assert_eq!(d["total"]["before"], 0);
    // the per-severity counts agree with ml-app's report
    for sev in d["severities"].as_array().unwrap() {
        let name = s(&sev["severity"]);
        assert_eq!(
            sev["after"], ml["summary"]["vulnerabilities"]["by_severity"][&name],
            "{name}"
        );
    }
}

#[test]
fn diff_of_an_image_with_itself_is_empty() {
    // the same image from two sources
    let archive = format!(
        "docker-archive:{}",
        images().join("ml-app/docker-archive.tar").display()
    );
    let out = scan(&[
        "diff",
        "-q",
        "-f",
        "json",
        "--exit-code",
        "3",
        &image("ml-app"),
        &archive,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["added", "removed", "changed"] {
        assert_eq!(d["packages"][k], json!([]), "{k}");
    }
    for k in ["fixed", "introduced"] {
        assert_eq!(d["vulnerabilities"][k], json!([]), "{k}");
    }
    assert_eq!(
        d["vulnerabilities"]["unchanged"].as_array().unwrap().len(),
        findings(ml_app()).len()
    );
    assert_eq!(d["total"]["change_percent"], 0.0);

    let md = scan(&["diff", "-q", "-f", "markdown", &image("ml-app"), &archive]);
    let md = stdout(&md);
    assert!(md.contains("**0** introduced · **0** fixed"), "{md}");
    assert!(md.contains("No package changes."), "{md}");
}

#[test]
fn diff_of_json_reports_equals_diff_of_images() {
    let tmp = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for name in ["debian-base", "ml-app"] {
        let path = tmp.path().join(format!("{name}.json"));
        let out = scan(&[
            "image",
            "-q",
            "-f",
            "json",
            "-o",
            path.to_str().unwrap(),
            &image(name),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        reports.push(path.to_str().unwrap().to_string());
    }
    let from_reports = run_json(&["diff", "-q", "-f", "json", &reports[0], &reports[1]]);
    let from_images = base_to_ml_app();
    for k in ["packages", "vulnerabilities", "severities", "total"] {
        assert_eq!(from_reports[k], from_images[k], "{k} differs");
    }
    assert_eq!(
        from_reports["after"]["digest"],
        from_images["after"]["digest"]
    );

    // a report against the image it was made of: nothing changed
    let same = run_json(&["diff", "-q", "-f", "json", &reports[1], &image("ml-app")]);
    assert_eq!(same["vulnerabilities"]["introduced"], json!([]));
    assert_eq!(same["packages"]["added"], json!([]));

    // a CycloneDX SBOM side is matched now: the same findings introduced
    let cdx = tmp.path().join("ml-app.cdx.json");
    let out = customs()
        .args(["sbom", "-q", "-o", cdx.to_str().unwrap(), &image("ml-app")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let from_sbom = run_json(&[
        "diff",
        "-q",
        "-f",
        "json",
        &reports[0],
        cdx.to_str().unwrap(),
    ]);
    let ids = |d: &Value| -> BTreeSet<(String, String)> {
        d["vulnerabilities"]["introduced"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (s(&f["id"]), s(&f["version"])))
            .collect()
    };
    assert_eq!(ids(&from_sbom), ids(from_images));
}

#[test]
fn exit_code_when_b_introduces_findings() {
    let base = image("debian-base");
    let ml = image("ml-app");
    let code = |args: &[&str]| {
        let out = scan(args);
        assert!(!stderr(&out).contains("error"), "{}", stderr(&out));
        out.status.code()
    };
    assert_eq!(
        code(&["diff", "-q", "--exit-code", "4", &base, &ml]),
        Some(4)
    );
    assert_eq!(
        code(&[
            "diff",
            "-q",
            "--exit-code",
            "4",
            "--severity",
            "CRITICAL",
            &base,
            &ml
        ]),
        Some(4)
    );
    assert_eq!(
        code(&["diff", "-q", "--fail-on", "CRITICAL", &base, &ml]),
        Some(1)
    );
    // B = the base: everything is fixed, nothing introduced
    assert_eq!(
        code(&["diff", "-q", "--exit-code", "4", &ml, &base]),
        Some(0)
    );
    // no --exit-code: 0
    assert_eq!(code(&["diff", "-q", &base, &ml]), Some(0));

    // the table names both sides and the counts
    let out = scan(&["diff", "-q", &base, &ml]);
    let t = stdout(&out);
    assert!(t.contains("Vulnerabilities introduced ("), "{t}");
    assert!(t.contains("Packages added ("), "{t}");
    assert!(t.contains(" → "), "{t}");
}

// ------------------------------------------------- base split, recommend

/// Source packages of debian-base's layer 0 (name → version), sorted.
fn base_sources() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for p in sbom("debian-base")["packages"].as_array().unwrap() {
        if p["kind"] != "deb" || p["layer"] != 0 {
            continue;
        }
        let name = p["source_name"].as_str().or(p["name"].as_str()).unwrap();
        let version = p["source_version"]
            .as_str()
            .or(p["version"].as_str())
            .unwrap();
        m.insert(name.to_string(), version.to_string());
    }
    m
}

/// The source packages the extra records are about: three of the base's,
/// not the ones apt, dpkg or python3 of ml-app's later layers upgrade.
fn targets() -> &'static BTreeMap<String, String> {
    static T: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t: BTreeMap<String, String> = base_sources().into_iter().take(3).collect();
        assert_eq!(t.len(), 3, "debian-base has too few source packages");
        t.retain(|_, v| !v.is_empty());
        t
    })
}

/// A source package of a deb ml-app's layer 1 brought (not the base's).
fn app_target() -> &'static (String, String) {
    static T: OnceLock<(String, String)> = OnceLock::new();
    T.get_or_init(|| {
        let base = base_sources();
        let mut m = BTreeMap::new();
        for p in sbom("ml-app")["packages"].as_array().unwrap() {
            if p["kind"] != "deb" || p["layer"] != 1 {
                continue;
            }
            let name = p["source_name"].as_str().or(p["name"].as_str()).unwrap();
            let version = p["source_version"]
                .as_str()
                .or(p["version"].as_str())
                .unwrap();
            if !base.contains_key(name) {
                m.insert(name.to_string(), version.to_string());
            }
        }
        m.into_iter().next().expect("a deb of ml-app's layer 1")
    })
}

/// A cache dir with the shared DB plus a CRITICAL, fixable Debian:12
/// record per target source package, and one on a source package of
/// ml-app's layer 1.
fn extended_cache() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("e2e-diff-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let import = |path: &Path| {
            let out = customs()
                .args(["db", "import", "-q", "--cache-dir"])
                .arg(&dir)
                .arg(path)
                .output()
                .unwrap();
            assert!(out.status.success(), "db import: {}", stderr(&out));
        };
        import(&vuln_common::osv());
        let app = app_target();
        let records: Vec<Value> = targets()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(std::iter::once((app.0.as_str(), app.1.as_str())))
            .enumerate()
            .map(|(i, (name, version))| {
                json!({
                    "schema_version": "1.6.0",
                    "id": format!("CUSTOMS-E2E-DIFF-{i}"),
                    "modified": "2026-12-01T00:00:00Z",
                    "published": "2026-12-01T00:00:00Z",
                    "aliases": [format!("CVE-2026-99{i:04}")],
                    "summary": format!("test advisory on {name}"),
                    "affected": [{
                        "package": {"ecosystem": "Debian:12", "name": name},
                        "ranges": [{"type": "ECOSYSTEM", "events": [
                            {"introduced": "0"}, {"fixed": format!("{version}+customs1")}
                        ]}]
                    }],
                    "severity": [{"type": "CVSS_V3",
                                  "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
                })
            })
            .collect();
        let file = dir.join("extra-records.json");
        std::fs::write(&file, serde_json::to_vec_pretty(&records).unwrap()).unwrap();
        import(&file);
        dir
    })
}

fn run_extended(args: &[&str]) -> std::process::Output {
    let empty = tempfile::tempdir().unwrap();
    customs()
        .current_dir(empty.path())
        .args(args)
        .arg("--cache-dir")
        .arg(extended_cache())
        .arg("--offline")
        .output()
        .unwrap()
}

fn extended_json(args: &[&str]) -> Value {
    let out = run_extended(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn ml_app_with_base_splits_findings_by_layer() {
    let base = image("debian-base");
    let ml = image("ml-app");
    let r = extended_json(&[
        "image",
        "-q",
        "--scanners",
        "vuln",
        "-f",
        "json",
        "--base",
        &base,
        &ml,
    ]);
    let fs = findings(&r);
    let layer0 = fs.iter().filter(|f| f["package"]["layer"] == 0).count();
    assert!(layer0 > 0, "the extra records matched nothing in layer 0");
    // the record on a deb of layer 1 (the first layer after the base)
    let app = app_target();
    let layer1: Vec<&Value> = fs.iter().filter(|f| f["package"]["layer"] == 1).collect();
    assert!(
        layer1
            .iter()
            .any(|f| f["package"]["matched_name"] == app.0.as_str()
                || f["package"]["name"] == app.0.as_str()),
        "no finding on {} in layer 1",
        app.0
    );
    assert!(fs.len() > layer0);
    for f in fs {
        let want = if f["package"]["layer"] == 0 {
            "base"
        } else {
            "application"
        };
        assert_eq!(f["origin"], want, "{f:#}");
        if f["package"]["layer"] == 0 {
            // exactly the records written here
            assert!(
                s(&f["advisories"][0]).starts_with("CUSTOMS-E2E-DIFF-"),
                "{f:#}"
            );
        }
    }
    let b = &r["base_image"];
    assert_eq!(b["name"], base.as_str());
    assert_eq!(b["source"], "flag");
    assert_eq!(b["layers"], 1);
    assert_eq!(b["diff_ids"][0], r["artifact"]["layers"][0]["diff_id"]);
    assert_eq!(b["findings"]["base"]["total"], layer0);
    assert_eq!(b["findings"]["base"]["critical"], layer0);
    assert_eq!(b["findings"]["application"]["total"], fs.len() - layer0);

    // the table and markdown show the split
    let out = run_extended(&["image", "-q", "--scanners", "vuln", "--base", &base, &ml]);
    let t = stdout(&out);
    assert!(t.contains("Base image: "), "{t}");
    let row = |label: &str| -> Vec<String> {
        t.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label} row:\n{t}"))
            .split('┆')
            .map(|c| {
                c.trim_matches(|c: char| c == '│' || c.is_whitespace())
                    .to_string()
            })
            .collect()
    };
    assert_eq!(row("base image")[1], layer0.to_string());
    assert_eq!(row("your layers")[1], (fs.len() - layer0).to_string());
    let out = run_extended(&[
        "image",
        "-q",
        "--scanners",
        "vuln",
        "-f",
        "markdown",
        "--base",
        &base,
        &ml,
    ]);
    let md = stdout(&out);
    assert!(md.contains("### Base image"), "{md}");
    assert!(
        md.contains(&format!("| base image | {layer0} | {layer0} |")),
        "{md}"
    );

    // SARIF and CycloneDX carry the split too, and stay valid
    let sarif = extended_json(&[
        "image",
        "-q",
        "--scanners",
        "vuln",
        "-f",
        "sarif",
        "--base",
        &base,
        &ml,
    ]);
    let v = customs_testutil::schemas::validator("sarif-2.1.0.schema.json");
    customs_testutil::schemas::assert_valid(&v, &sarif, "SARIF with --base");
    let run = &sarif["runs"][0];
    assert_eq!(run["properties"]["baseImage"]["name"], base.as_str());
    assert_eq!(run["properties"]["baseImage"]["layers"], 1);
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), fs.len());
    let sarif_base = results
        .iter()
        .filter(|r| {
            let want = if r["properties"]["layer"] == 0 {
                "base"
            } else {
                "application"
            };
            assert_eq!(r["properties"]["origin"], want, "{r:#}");
            want == "base"
        })
        .count();
    assert_eq!(sarif_base, layer0);
    let cdx = extended_json(&[
        "image",
        "-q",
        "--scanners",
        "vuln",
        "-f",
        "cyclonedx",
        "--base",
        &base,
        &ml,
    ]);
    let v = customs_testutil::schemas::validator("bom-1.6.schema.json");
    customs_testutil::schemas::assert_valid(&v, &cdx, "CycloneDX with --base");
    let prop_values = |props: &Value, name: &str| -> Vec<String> {
        props
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["name"] == name)
            .map(|p| s(&p["value"]).to_string())
            .collect()
    };
    assert_eq!(
        prop_values(&cdx["metadata"]["properties"], "customs:base:layers"),
        ["1"]
    );
    let base_ids: BTreeSet<String> = fs
        .iter()
        .filter(|f| f["package"]["layer"] == 0)
        .map(|f| s(&f["id"]).to_string())
        .collect();
    for vuln in cdx["vulnerabilities"].as_array().expect("vulnerabilities") {
        let origins = prop_values(&vuln["properties"], "customs:origin");
        let id = s(&vuln["id"]).to_string();
        let want = if base_ids.contains(&id) {
            "base"
        } else {
            "application"
        };
        assert!(origins.iter().any(|o| o == want), "{id}: {origins:?}");
    }

    // diff --base: what ml-app adds is from its own layers; the base's
    // findings are unchanged and from the base
    let d = extended_json(&["diff", "-q", "-f", "json", "--base", &base, &base, &ml]);
    let introduced = d["vulnerabilities"]["introduced"].as_array().unwrap();
    let unchanged = d["vulnerabilities"]["unchanged"].as_array().unwrap();
    assert_eq!(introduced.len(), fs.len() - layer0);
    assert_eq!(unchanged.len(), layer0);
    assert!(
        introduced.iter().all(|f| f["origin"] == "application"),
        "{d:#}"
    );
    assert!(unchanged.iter().all(|f| f["origin"] == "base"), "{d:#}");

    // without --base (ml-app has no base labels): no split
    let plain = extended_json(&["image", "-q", "--scanners", "vuln", "-f", "json", &ml]);
    assert!(plain.get("base_image").is_none());
    assert!(findings(&plain)[0].get("origin").is_none());

    // a --base whose layers do not lead the image's: named, not split
    let out = run_extended(&[
        "image",
        "-q",
        "--scanners",
        "vuln",
        "-f",
        "json",
        "--base",
        &ml,
        &base,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["base_image"].get("layers").is_none(),
        "{:#}",
        v["base_image"]
    );
    assert!(findings(&v).iter().all(|f| f.get("origin").is_none()));
}

/// debian-base's first layer plus a layer whose dpkg status drops the
/// binary packages of the targeted source packages: the same base with
/// fewer vulnerable packages, as an OCI layout.
fn slimmer_base(dir: &Path) -> String {
    use customs_testutil::{Compression, Entry, TestImage, compress, layer_media_type, sha256};
    let oci = images().join("debian-base/oci");
    let blob = |d: &str| {
        std::fs::read(
            oci.join("blobs/sha256")
                .join(d.trim_start_matches("sha256:")),
        )
        .unwrap()
    };
    let index: Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
    let manifest: Value =
        serde_json::from_slice(&blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap();
    let config: Value =
        serde_json::from_slice(&blob(manifest["config"]["digest"].as_str().unwrap())).unwrap();
    let l0 = &manifest["layers"][0];
    let layer0 = (
        blob(l0["digest"].as_str().unwrap()),
        s(&config["rootfs"]["diff_ids"][0]),
        s(&l0["mediaType"]),
    );

    let status = std::fs::read_to_string(images().join("debian-base/rootfs/var/lib/dpkg/status"))
        .expect("debian-base's dpkg status");
    let drop = targets();
    let mut kept = String::new();
    let mut dropped = 0;
    for para in status.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let field = |k: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        };
        let source = field("Source")
            .or_else(|| field("Package"))
            .unwrap_or_default();
        if drop.contains_key(&source) {
            dropped += 1;
            continue;
        }
        kept.push_str(para.trim_end_matches('\n'));
        kept.push_str("\n\n");
    }
    assert!(dropped > 0, "no package of {drop:?} in the dpkg status");
    let tar = customs_testutil::layer_tar(&[Entry::file("var/lib/dpkg/status", kept)]);
    let layer1 = (
        compress(&tar, Compression::Gzip),
        sha256(&tar),
        layer_media_type(Compression::Gzip).to_string(),
    );
    let img = TestImage::assemble(vec![layer0, layer1], "amd64");
    let out = dir.join("slim-oci");
    img.write_oci_dir(&out, "latest");
    format!("oci-dir:{}", out.display())
}

#[test]
fn recommend_ranks_the_candidate_with_fewer_fixable_high_critical_first() {
    let tmp = tempfile::tempdir().unwrap();
    let slim = slimmer_base(tmp.path());
    let base = image("debian-base");
    let ml = image("ml-app");
    let candidates = format!("{base},{slim}");
    let r = extended_json(&[
        "recommend",
        "-q",
        "-f",
        "json",
        &ml,
        "--candidates",
        &candidates,
    ]);

    let c = r["candidates"].as_array().unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0]["name"], slim.as_str(), "{r:#}");
    assert_eq!(c[0]["rank"], 1);
    assert_eq!(c[1]["name"], base.as_str());
    assert_eq!(c[1]["current_base"], true);
    assert_eq!(c[0]["current_base"], false);
    let base_fixable = c[1]["findings"]["fixable_high_critical"].as_u64().unwrap();
    assert!(base_fixable > 0, "{r:#}");
    assert_eq!(c[0]["findings"]["fixable_high_critical"], 0, "{r:#}");

    // the image's base is the candidate whose layers lead it
    let img = &r["image"];
    assert_eq!(img["base"]["name"], base.as_str());
    assert_eq!(img["base"]["source"], "candidate");
    assert_eq!(img["base"]["layers"], 1);
    let from_base = img["from_base"]["high_critical"].as_i64().unwrap();
    assert_eq!(from_base as u64, base_fixable);

    // the expected change: the base's findings go away on the slim base,
    // and stay the same on the current one
    let e = &c[0]["expected"];
    assert_eq!(e["change"]["high_critical"], -from_base);
    assert!(e["change"]["high_critical_percent"].as_f64().unwrap() < 0.0);
    assert_eq!(
        e["findings"]["total"],
        img["from_own_layers"]["total"].as_u64().unwrap()
            + c[0]["findings"]["total"].as_u64().unwrap()
    );
    assert_eq!(c[1]["expected"]["change"]["total"], 0);
    assert_eq!(
        c[1]["expected"]["findings"]["total"],
        img["findings"]["total"]
    );

    // the table ranks and recommends the same
    let out = run_extended(&["recommend", "-q", &ml, "--candidates", &candidates]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let t = stdout(&out);
    let rank1 = t
        .lines()
        .find(|l| l.contains("┆ ") && l.contains(&slim))
        .unwrap();
    assert!(rank1.trim_start_matches('│').trim().starts_with('1'), "{t}");
    let now = img["findings"]["high_critical"].as_i64().unwrap();
    assert!(
        t.contains(&format!("Recommendation: rebuild on {slim}: the image's HIGH/CRITICAL findings would go {now} → {}", now - from_base)),
        "{t}"
    );
    assert!(t.contains(&format!("{base} (current)")), "{t}");

    // --base naming something that is not the image's base fails
    let out = run_extended(&[
        "recommend",
        "-q",
        &ml,
        "--candidates",
        &slim,
        "--base",
        &slim,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn diff_and_recommend_need_no_network_and_say_what_is_wrong() {
    // a missing file is an input error (exit 2), not a registry lookup
    let out = scan(&["diff", "-q", "/nonexistent/a.json", &image("ml-app")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/nonexistent/a.json: no such file"),
        "{}",
        stderr(&out)
    );
    let _ = cache_dir();
}
