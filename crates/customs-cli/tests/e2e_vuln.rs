//! End-to-end vulnerability scanning through the `customs` binary, with a DB
//! built by `customs db import ../shared/vulndb/osv`:
//!
//! - ml-app's PyPI and npm findings equal what the independent reference
//!   scripts (PyPA `packaging`, npm `semver`) compute over the same OSV files
//!   for the package set the report lists;
//! - the bookworm images get nothing from Debian 9/10/11 records;
//! - the gate: exit codes, `--severity`, `--ignore-unfixed`, `--fail-on`,
//!   ignore files (explicit and `.customsignore`, expiry), OpenVEX and
//!   CycloneDX VEX;
//! - SARIF and CycloneDX validate against the official schemas; Markdown and
//!   table name the findings;
//! - a scan with no DB and `--offline` says how to import one;
//! - `customs sbom-scan` of customs's CycloneDX and SPDX SBOMs finds what
//!   `customs image` finds, and reads a Syft-style CycloneDX document.

mod vuln_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};
use vuln_common::*;

// ------------------------------------------------------------ references

#[test]
fn ml_app_pypi_and_npm_findings_equal_the_references() {
    let report = ml_app();
    let tmp = tempfile::tempdir().expect("tempdir");
    let npm_cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-semver");

    let py = package_pairs(report, "python");
    assert!(py.len() >= 20, "only {} Python packages: {py:?}", py.len());
    let reference =
        customs_testutil::reference::pypi(&osv().join("PyPI/all.zip"), &py, &tmp.path().join("py"));
    assert!(
        reference.len() >= 20,
        "PyPI reference found only {reference:?}"
    );
    customs_testutil::reference::assert_same("PyPI", &triples(report, "python"), &reference);

    let npm = package_pairs(report, "npm");
    assert!(
        npm.iter().filter(|(n, _)| n == "minimist").count() >= 2,
        "both minimist copies: {npm:?}"
    );
    let reference = customs_testutil::reference::npm(
        &osv().join("npm/all.zip"),
        &npm,
        &npm_cache,
        &tmp.path().join("npm"),
    );
    assert!(!reference.is_empty(), "npm reference found nothing");
    customs_testutil::reference::assert_same("npm", &triples(report, "npm"), &reference);

    // Every finding is PyPI or npm: ml-app is bookworm, which the shared
    // data has no Debian:12 records for.
    for f in findings(report) {
        let eco = f["ecosystem"].as_str().unwrap_or_default();
        assert!(eco == "PyPI" || eco == "npm", "unexpected finding {f:#}");
    }
}

/// Source package names with a record for `Debian:9|10|11` in the shared
/// Debian dump.
fn old_debian_sources() -> BTreeSet<String> {
    let f = std::fs::File::open(osv().join("Debian/all.zip")).expect("Debian/all.zip");
    let mut z = zip::ZipArchive::new(f).expect("zip");
    let mut out = BTreeSet::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).expect("entry");
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut buf).expect("read");
        let v: Value = serde_json::from_slice(&buf).expect("record");
        for a in v["affected"].as_array().into_iter().flatten() {
            let eco = a["package"]["ecosystem"].as_str().unwrap_or_default();
            if matches!(eco, "Debian:9" | "Debian:10" | "Debian:11") {
                out.insert(
                    a["package"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                );
            }
        }
    }
    out
}

#[test]
fn bookworm_images_get_no_finding_from_older_debian_releases() {
    let old = old_debian_sources();
    let base = scan_json(&["image", &image("debian-base"), "--format", "json", "-q"]);
    for (name, report) in [("debian-base", &base), ("ml-app", ml_app())] {
        assert_eq!(report["os"]["id"], "debian", "{name}");
        assert_eq!(
            report["os"]["version"].as_str().map(|v| &v[..2]),
            Some("12")
        );
        let debs: Vec<&Value> = report["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .filter(|p| p["kind"] == "deb")
            .collect();
        assert!(debs.len() > 50, "{name}: only {} debs", debs.len());
        let bad: Vec<&Value> = findings(report)
            .iter()
            .filter(|f| {
                let eco = f["ecosystem"].as_str().unwrap_or_default();
                eco.starts_with("Debian") || f["package"]["kind"] == "deb"
            })
            .collect();
        assert!(bad.is_empty(), "{name}: Debian findings {bad:#?}");
        // Not vacuous: many installed source packages have older-release
        // records in the DB.
        let with_old = debs
            .iter()
            .filter(|p| {
                let src = p["source_name"].as_str().or(p["name"].as_str()).unwrap();
                old.contains(src)
            })
            .count();
        assert!(
            with_old >= 20,
            "{name}: only {with_old} packages have Debian 9/10/11 records"
        );
    }
}

// ------------------------------------------------------------ gate

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

fn code(args: &[&str]) -> i32 {
    let out = scan(args);
    let c = out.status.code().expect("exit code");
    assert!(
        c == 0 || c == 1 || c == 3,
        "{args:?}: {c}\n{}",
        stderr(&out)
    );
    c
}

fn json_of(out: &std::process::Output, what: &str) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}); stderr:\n{}", stderr(out)))
}

#[test]
fn gate_exit_codes_severity_unfixed_fail_on() {
    let all = ml_app();
    let img = image("ml-app");
    let fs = findings(all);
    assert!(fs.len() >= 10, "ml-app has {} findings", fs.len());
    let sev = |f: &Value| f["severity"].as_str().unwrap_or_default().to_string();
    let by_sev: BTreeMap<String, usize> = fs.iter().fold(BTreeMap::new(), |mut m, f| {
        *m.entry(sev(f)).or_default() += 1;
        m
    });
    assert!(
        by_sev.get("CRITICAL").is_some_and(|n| *n > 0) && by_sev.len() >= 3,
        "want several severities: {by_sev:?}"
    );

    // --exit-code: findings remain → N; default never fails.
    assert_eq!(code(&["image", &img, "-q", "-f", "json"]), 0);
    assert_eq!(
        code(&["image", &img, "-q", "-f", "json", "--exit-code", "1"]),
        1
    );
    assert_eq!(
        code(&["image", &img, "-q", "-f", "json", "--exit-code", "3"]),
        3
    );

    // --severity CRITICAL shows exactly the critical ones.
    let out = scan(&[
        "image",
        &img,
        "-q",
        "-f",
        "json",
        "--severity",
        "CRITICAL",
        "--exit-code",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let crit = json_of(&out, "--severity CRITICAL");
    let want: BTreeSet<_> = fs
        .iter()
        .filter(|f| sev(f) == "CRITICAL")
        .map(key)
        .collect();
    assert_eq!(keys(&crit), want);
    assert_eq!(
        crit["summary"]["vulnerabilities"]["total"].as_u64(),
        Some(want.len() as u64)
    );

    // A severity nothing has: nothing remains, exit 0 despite --exit-code.
    let absent = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
        .into_iter()
        .find(|s| !by_sev.contains_key(*s));
    if let Some(absent) = absent {
        let out = scan(&[
            "image",
            &img,
            "-q",
            "-f",
            "json",
            "--severity",
            absent,
            "--exit-code",
            "1",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(findings(&json_of(&out, "absent severity")).is_empty());
    }

    // --ignore-unfixed drops the findings without a fixed version.
    let unfixed = fs.iter().filter(|f| f["status"] == "affected").count();
    assert!(unfixed > 0, "no finding without a fix in ml-app");
    assert!(fs.iter().any(|f| f["status"] == "fixed"));
    for f in fs {
        assert_eq!(
            f["status"] == "fixed",
            f["fixed_version"].is_string(),
            "status and fixed_version disagree: {f:#}"
        );
    }
    let out = scan(&["image", &img, "-q", "-f", "json", "--ignore-unfixed"]);
    let fixed = json_of(&out, "--ignore-unfixed");
    let want: BTreeSet<_> = fs
        .iter()
        .filter(|f| f["status"] != "affected")
        .map(key)
        .collect();
    assert_eq!(keys(&fixed), want);

    // --fail-on: exit 1 only when a finding at least that severe remains.
    let max = fs.iter().map(|f| rank(&sev(f))).max().unwrap();
    assert_eq!(
        code(&["image", &img, "-q", "-f", "json", "--fail-on", "HIGH"]),
        i32::from(max >= 3)
    );
    // With every CRITICAL id ignored, --fail-on CRITICAL passes and
    // --fail-on HIGH still fails when HIGH ones remain.
    let tmp = tempfile::tempdir().expect("tempdir");
    let crit_ids: BTreeSet<&str> = fs
        .iter()
        .filter(|f| sev(f) == "CRITICAL")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let ig = write(
        tmp.path(),
        "crit.ignore",
        &crit_ids
            .iter()
            .map(|i| format!("{i} # accepted\n"))
            .collect::<String>(),
    );
    let crit_and_other: Vec<&Value> = fs
        .iter()
        .filter(|f| sev(f) != "CRITICAL" && crit_ids.contains(f["id"].as_str().unwrap()))
        .collect();
    assert!(
        crit_and_other.is_empty(),
        "an id is CRITICAL for one package and not another: {crit_and_other:#?}"
    );
    assert_eq!(
        code(&[
            "image",
            &img,
            "-q",
            "-f",
            "json",
            "--fail-on",
            "CRITICAL",
            "--exit-code",
            "3",
            "--ignorefile",
            &ig
        ]),
        0
    );
    assert_eq!(
        code(&[
            "image",
            &img,
            "-q",
            "-f",
            "json",
            "--fail-on",
            "CRITICAL",
            "--exit-code",
            "3"
        ]),
        3
    );
    let high = by_sev.get("HIGH").copied().unwrap_or(0);
    assert_eq!(
        code(&[
            "image",
            &img,
            "-q",
            "-f",
            "json",
            "--fail-on",
            "HIGH",
            "--ignorefile",
            &ig
        ]),
        i32::from(high > 0)
    );
}

/// An id of ml-app that names one finding only, with its package purl.
fn pick(n: usize) -> (String, String) {
    let fs = findings(ml_app());
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for f in fs {
        *count.entry(f["id"].as_str().unwrap()).or_default() += 1;
    }
    let f = fs
        .iter()
        .filter(|f| count[f["id"].as_str().unwrap()] == 1)
        .nth(n)
        .expect("enough single-package findings");
    (
        f["id"].as_str().unwrap().to_string(),
        f["package"]["purl"].as_str().unwrap().to_string(),
    )
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    findings(report)
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the report"))
}

#[test]
fn ignore_files_hide_until_they_expire() {
    let img = image("ml-app");
    let (a, _) = pick(0);
    let (b, _) = pick(1);
    let tmp = tempfile::tempdir().expect("tempdir");
    let ig = write(
        tmp.path(),
        "ignore",
        &format!(
            "# reviewed\n{a} exp:2999-01-01 # not reachable here\n{b} exp:2020-01-31 # stale\n"
        ),
    );
    let out = scan(&["image", &img, "-f", "json", "--ignorefile", &ig]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json_of(&out, "--ignorefile");
    let fa = finding(&r, &a);
    assert_eq!(fa["suppressed"]["kind"], "ignorefile", "{fa:#}");
    assert_eq!(fa["suppressed"]["justification"], "not reachable here");
    assert!(
        finding(&r, &b)["suppressed"].is_null(),
        "expired entry hides"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&b) && err.contains("expired") && err.contains("2020-01-31"),
        "expiry not reported: {err}"
    );
    assert!(!err.contains(&format!("entry {a} ")), "{err}");
    assert_eq!(
        active_ids(&r),
        active_ids(ml_app())
            .into_iter()
            .filter(|i| *i != a)
            .collect()
    );
    // The expired entry is in the JSON report too.
    let expired = r["policy"]["expired_ignores"]
        .as_array()
        .unwrap_or_else(|| panic!("no policy.expired_ignores: {:#}", r["policy"]));
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["id"], b.as_str());
    assert_eq!(expired[0]["expires"], "2020-01-31");

    // Every id ignored: --exit-code 1 passes.
    let every: String = active_ids(ml_app())
        .iter()
        .map(|i| format!("{i}\n"))
        .collect();
    let all = write(tmp.path(), "all", &every);
    let out = scan(&[
        "image",
        &img,
        "-q",
        "-f",
        "json",
        "--exit-code",
        "1",
        "--ignorefile",
        &all,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json_of(&out, "all ignored");
    assert!(active_ids(&r).is_empty());
    assert_eq!(
        findings(&r).len(),
        findings(ml_app()).len(),
        "suppressed findings stay"
    );

    // .customsignore in the working directory applies by default.
    let cwd = tempfile::tempdir().expect("tempdir");
    write(
        cwd.path(),
        ".customsignore",
        &format!("{a} # default file\n"),
    );
    let out = scan_in(Some(cwd.path()), &["image", &img, "-q", "-f", "json"]);
    let r = json_of(&out, ".customsignore");
    assert_eq!(
        finding(&r, &a)["suppressed"]["justification"],
        "default file"
    );
    assert_eq!(finding(&r, &a)["suppressed"]["kind"], "ignorefile");
    // ... and not elsewhere.
    assert!(finding(ml_app(), &a)["suppressed"].is_null());

    // An entry naming an alias hides the finding too.
    let fs = findings(ml_app());
    let aliased = fs
        .iter()
        .find(|f| {
            let id = f["id"].as_str().unwrap();
            fs.iter().filter(|o| o["id"] == id).count() == 1
                && f["aliases"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x != id))
        })
        .expect("a finding with aliases");
    let id = aliased["id"].as_str().unwrap();
    let alias = aliased["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| *x != id)
        .unwrap()
        .as_str()
        .unwrap();
    let al = write(tmp.path(), "alias", &format!("{alias}\n"));
    let r = json_of(
        &scan(&["image", &img, "-q", "-f", "json", "--ignorefile", &al]),
        "alias",
    );
    assert_eq!(
        finding(&r, id)["suppressed"]["kind"],
        "ignorefile",
        "{alias} of {id}"
    );
    assert_eq!(active_ids(&r).len(), active_ids(ml_app()).len() - 1);

    // A broken ignore file is an input error naming the line.
    let bad = write(tmp.path(), "bad", &format!("{a} exp:someday\n"));
    let out = scan(&["image", &img, "-q", "-f", "json", "--ignorefile", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(":1"), "{}", stderr(&out));
}

fn image_purl() -> String {
    static P: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let bom = scan_json(&["image", &image("ml-app"), "-q", "-f", "cyclonedx"]);
        let p = bom["metadata"]["component"]["purl"]
            .as_str()
            .expect("image purl")
            .to_string();
        assert!(p.starts_with("pkg:oci/"), "{p}");
        p
    })
    .clone()
}

#[test]
fn openvex_and_cyclonedx_vex_suppress_with_justification() {
    let img = image("ml-app");
    let (a, _) = pick(0);
    let (b, b_purl) = pick(1);
    let (c, _) = pick(2);
    let (d, d_purl) = pick(3);
    let (e, e_purl) = pick(4);
    let (g, _) = pick(5);
    let tmp = tempfile::tempdir().expect("tempdir");
    let openvex = json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/ml-app-1",
        "author": "platform team",
        "timestamp": "2026-01-01T00:00:00Z",
        "version": 1,
        "statements": [
            {"vulnerability": {"name": a}, "products": [{"@id": image_purl()}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
            {"vulnerability": {"name": b}, "products": [{"@id": b_purl}],
             "status": "not_affected", "justification": "component_not_present"},
            // Another image: no effect.
            {"vulnerability": {"name": c}, "products": [{"@id": "pkg:oci/other-app@sha256%3A0000000000000000000000000000000000000000000000000000000000000000"}],
             "status": "not_affected", "justification": "component_not_present"},
            // Affected: no effect.
            {"vulnerability": {"name": d}, "products": [{"@id": d_purl}], "status": "affected"},
            // The image, narrowed to a subcomponent: only that package.
            {"vulnerability": {"name": e}, "products": [{"@id": image_purl(), "subcomponents": [{"@id": e_purl}]}],
             "status": "fixed"},
            {"vulnerability": {"name": g}, "products": [{"@id": image_purl(), "subcomponents": [{"@id": "pkg:pypi/not-installed@1.0"}]}],
             "status": "not_affected", "justification": "component_not_present"}
        ]
    });
    let vex = write(tmp.path(), "openvex.json", &openvex.to_string());
    let out = scan(&["image", &img, "-q", "-f", "json", "--vex", &vex]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json_of(&out, "openvex");
    for (id, why) in [
        (&a, "vulnerable_code_not_in_execute_path"),
        (&b, "component_not_present"),
    ] {
        let s = &finding(&r, id)["suppressed"];
        assert_eq!(s["kind"], "vex", "{id}: {s:#}");
        assert_eq!(s["justification"], why, "{id}");
        assert_eq!(s["status"], "not_affected", "{id}");
    }
    assert!(
        finding(&r, &c)["suppressed"].is_null(),
        "other image's VEX applied"
    );
    assert!(
        finding(&r, &d)["suppressed"].is_null(),
        "affected suppressed"
    );
    assert_eq!(finding(&r, &e)["suppressed"]["status"], "fixed");
    assert!(
        finding(&r, &g)["suppressed"].is_null(),
        "other subcomponent's VEX applied"
    );
    assert_eq!(keys(&r), keys(ml_app()), "suppressed findings stay in JSON");
    assert_eq!(
        r["summary"]["vulnerabilities"]["suppressed"].as_u64(),
        Some(3)
    );

    // CycloneDX VEX: by the package's purl, and by the image's bom-ref.
    let cdx = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "container", "name": "ml-app", "bom-ref": "img", "purl": image_purl()}},
        "vulnerabilities": [
            {"id": c, "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
             "affects": [{"ref": "img"}]},
            {"id": d, "analysis": {"state": "false_positive", "detail": "not the same package"},
             "affects": [{"ref": d_purl}]},
            {"id": a, "analysis": {"state": "exploitable"}, "affects": [{"ref": "img"}]}
        ]
    });
    let vex = write(tmp.path(), "vex.cdx.json", &cdx.to_string());
    let out = scan(&[
        "image",
        &img,
        "-q",
        "-f",
        "json",
        "--vex",
        &vex,
        "--exit-code",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1), "other findings remain");
    let r = json_of(&out, "cyclonedx vex");
    assert_eq!(
        finding(&r, &c)["suppressed"]["justification"],
        "code_not_reachable"
    );
    assert_eq!(
        finding(&r, &d)["suppressed"]["justification"],
        "not the same package"
    );
    assert_eq!(finding(&r, &d)["suppressed"]["status"], "not_affected");
    assert!(finding(&r, &a)["suppressed"].is_null());
}

// ------------------------------------------------------------ formats

#[test]
fn sarif_and_cyclonedx_validate_markdown_and_table_name_the_findings() {
    let img = image("ml-app");
    let all_ids: BTreeSet<String> = findings(ml_app())
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();

    let sarif = scan_json(&["image", &img, "-q", "-f", "sarif"]);
    customs_testutil::schemas::assert_valid(
        &customs_testutil::schemas::validator("sarif-2.1.0.schema.json"),
        &sarif,
        "SARIF of ml-app",
    );
    let run = &sarif["runs"][0];
    let rules: BTreeSet<String> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rules, all_ids, "one rule per vulnerability");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), findings(ml_app()).len());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_default();
        assert!(!uri.is_empty(), "result without a location: {r:#}");
    }

    let bom = scan_json(&["image", &img, "-q", "-f", "cyclonedx"]);
    customs_testutil::schemas::assert_valid(
        &customs_testutil::schemas::validator("bom-1.6.schema.json"),
        &bom,
        "CycloneDX 1.6 of ml-app",
    );
    assert_eq!(bom["specVersion"], "1.6");
    let vids: BTreeSet<String> = bom["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(vids, all_ids);

    // The table lists every finding.
    let out = scan(&["image", &img, "-q", "-f", "table"]);
    assert_eq!(out.status.code(), Some(0), "table: {}", stderr(&out));
    let text = stdout(&out);
    let missing: Vec<&String> = all_ids
        .iter()
        .filter(|i| !text.contains(i.as_str()))
        .collect();
    assert!(missing.is_empty(), "table lacks {missing:?}:\n{text}");
    // The Markdown summary: the totals, then the top findings, most severe
    // first.
    let out = scan(&["image", &img, "-q", "-f", "markdown"]);
    assert_eq!(out.status.code(), Some(0), "markdown: {}", stderr(&out));
    let text = stdout(&out);
    let n = findings(ml_app()).len();
    assert!(text.contains(&format!("**{n}** vulnerabilities")), "{text}");
    let mut by_rank: Vec<&Value> = findings(ml_app()).iter().collect();
    by_rank.sort_by_key(|f| std::cmp::Reverse(rank(f["severity"].as_str().unwrap())));
    let shown: Vec<&Value> = by_rank
        .iter()
        .copied()
        .filter(|f| text.contains(&format!("[{}]", f["id"].as_str().unwrap())))
        .collect();
    assert!(!shown.is_empty(), "no finding in the Markdown:\n{text}");
    let worst_hidden = by_rank
        .iter()
        .filter(|f| !shown.iter().any(|s| s["id"] == f["id"]))
        .map(|f| rank(f["severity"].as_str().unwrap()))
        .max()
        .unwrap_or(0);
    let least_shown = shown
        .iter()
        .map(|f| rank(f["severity"].as_str().unwrap()))
        .min()
        .unwrap();
    assert!(
        least_shown >= worst_hidden,
        "Markdown shows a less severe finding first:\n{text}"
    );
    if shown.len() < n {
        assert!(
            text.contains(&format!("and {} more", n - shown.len())),
            "{text}"
        );
    }
    // -o writes the file; stdout stays empty.
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("report.sarif");
    let out = scan(&[
        "image",
        &img,
        "-q",
        "-f",
        "sarif",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        v["runs"][0]["results"].as_array().unwrap().len(),
        results.len()
    );
}

// ------------------------------------------------------------ no DB

#[test]
fn offline_scan_without_a_db_says_how_to_import_one() {
    let cache = tempfile::tempdir().expect("tempdir");
    let sbom = write(
        cache.path(),
        "sbom.json",
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "components": [{"type": "library", "name": "minimist", "version": "1.2.0",
                            "purl": "pkg:npm/minimist@1.2.0"}]}"#,
    );
    for cmd in [
        vec!["image", &image("debian-base")[..]],
        vec!["sbom-scan", &sbom[..]],
    ] {
        let out = customs()
            .args(&cmd)
            .arg("--cache-dir")
            .arg(cache.path())
            .arg("--offline")
            .args(["-q", "-f", "json"])
            .output()
            .expect("run customs");
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("customs db import") && err.contains("no vulnerability DB"),
            "{cmd:?}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(out.stdout.is_empty(), "no report without a DB");
        assert!(!cache.path().join("db/customs.db").exists());
    }
    // --skip-db-update is the same.
    let out = customs()
        .args(["image", &image("debian-base"), "--skip-db-update", "-q"])
        .arg("--cache-dir")
        .arg(cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("customs db import"));
}

// ------------------------------------------------------------ sbom-scan

/// Findings of `kind` as (id, package, version), with Python names PEP
/// 503-normalised (SBOM purls normalise them).
fn finding_set(report: &Value, kind: &str) -> BTreeSet<(String, String, String)> {
    findings(report)
        .iter()
        .filter(|f| f["package"]["kind"] == kind)
        .map(|f| {
            let name = f["package"]["name"].as_str().unwrap();
            let name = if kind == "python" {
                name.to_lowercase().replace(['_', '.'], "-")
            } else {
                name.to_string()
            };
            (
                f["id"].as_str().unwrap().to_string(),
                name,
                f["package"]["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sbom_of(fmt: &str, dir: &Path) -> String {
    let file = dir.join(format!("ml-app.{fmt}.json"));
    let out = customs()
        .args(["sbom", &image("ml-app"), "-q", "-f", fmt, "-o"])
        .arg(&file)
        .output()
        .expect("customs sbom");
    assert!(
        out.status.success(),
        "customs sbom -f {fmt}: {}",
        stderr(&out)
    );
    file.display().to_string()
}

#[test]
fn sbom_scan_of_customs_sboms_finds_what_image_finds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let want_py = finding_set(ml_app(), "python");
    let want_npm = finding_set(ml_app(), "npm");
    assert!(!want_py.is_empty() && !want_npm.is_empty());
    for fmt in ["cyclonedx", "spdx-json"] {
        let file = sbom_of(fmt, tmp.path());
        let r = scan_json(&["sbom-scan", &file, "-q", "-f", "json"]);
        assert_eq!(finding_set(&r, "python"), want_py, "{fmt}: PyPI");
        assert_eq!(finding_set(&r, "npm"), want_npm, "{fmt}: npm");
        assert_eq!(r["os"]["id"], "debian", "{fmt}");
        // Same findings exactly, per installed copy.
        let strip = |rep: &Value| -> BTreeSet<(String, String, String, String)> {
            findings(rep)
                .iter()
                .map(|f| {
                    let (id, n, v, loc) = key(f);
                    (id, n.to_lowercase().replace(['_', '.'], "-"), v, loc)
                })
                .collect()
        };
        assert_eq!(strip(&r), strip(ml_app()), "{fmt}: findings");
        // The gate works the same: every id critical is critical here too.
        let out = scan(&[
            "sbom-scan",
            &file,
            "-q",
            "-f",
            "json",
            "--severity",
            "CRITICAL",
            "--exit-code",
            "1",
        ]);
        assert_eq!(out.status.code(), Some(1), "{fmt}: {}", stderr(&out));
        let crit = json_of(&out, "sbom-scan --severity");
        assert!(findings(&crit).iter().all(|f| f["severity"] == "CRITICAL"));
        // SARIF of an SBOM scan is valid too.
        if fmt == "cyclonedx" {
            let sarif = scan_json(&["sbom-scan", &file, "-q", "-f", "sarif"]);
            customs_testutil::schemas::assert_valid(
                &customs_testutil::schemas::validator("sarif-2.1.0.schema.json"),
                &sarif,
                "SARIF of an SBOM scan",
            );
        }
    }
}

#[test]
fn sbom_scan_reads_syft_and_trivy_style_cyclonedx() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Syft-style: OS component, deb purls with distro and upstream, Syft's
    // properties, PyPI name as the purl normalises it, an npm scope.
    let syft = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:5f1f5a8e-2a4d-4d2f-9d44-0a3f6b3c1e11",
        "version": 1,
        "metadata": {
            "timestamp": "2026-01-01T00:00:00Z",
            "tools": {"components": [{"type": "application", "author": "anchore", "name": "syft", "version": "1.18.1"}]},
            "component": {"bom-ref": "abc", "type": "container", "name": "legacy-app", "version": "sha256:1111111111111111111111111111111111111111111111111111111111111111"}
        },
        "components": [
            {"bom-ref": "pkg:pypi/pyyaml@5.3.1?package-id=1", "type": "library", "name": "PyYAML", "version": "5.3.1",
             "purl": "pkg:pypi/pyyaml@5.3.1",
             "properties": [{"name": "syft:package:type", "value": "python"},
                            {"name": "syft:location:0:path", "value": "/usr/lib/python3/site-packages/PyYAML-5.3.1.dist-info/METADATA"}]},
            {"bom-ref": "pkg:npm/lodash@4.17.15?package-id=2", "type": "library", "name": "lodash", "version": "4.17.15",
             "purl": "pkg:npm/lodash@4.17.15"},
            {"bom-ref": "pkg:npm/marked@0.3.5?package-id=6", "type": "library", "name": "marked", "version": "0.3.5",
             "purl": "pkg:npm/marked@0.3.5"},
            {"bom-ref": "pkg:npm/%40babel/traverse@7.22.0?package-id=3", "type": "library", "name": "@babel/traverse", "version": "7.22.0",
             "purl": "pkg:npm/%40babel/traverse@7.22.0"},
            {"bom-ref": "pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u1?package-id=4", "type": "library", "name": "libssl1.1",
             "version": "1.1.1n-0+deb11u1",
             "purl": "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u1?arch=amd64&upstream=openssl&distro=debian-11",
             "properties": [{"name": "syft:package:type", "value": "deb"},
                            {"name": "syft:metadata:source", "value": "openssl"}]},
            {"bom-ref": "pkg:deb/debian/bash@5.1-2+deb11u1?package-id=5", "type": "library", "name": "bash", "version": "5.1-2+deb11u1",
             "purl": "pkg:deb/debian/bash@5.1-2%2Bdeb11u1?arch=amd64&distro=debian-11"},
            {"bom-ref": "os", "type": "operating-system", "name": "debian", "version": "11",
             "description": "Debian GNU/Linux 11 (bullseye)"},
            {"bom-ref": "file-1", "type": "file", "name": "/etc/passwd"}
        ]
    });
    let file = write(tmp.path(), "syft.cdx.json", &syft.to_string());
    let r = scan_json(&["sbom-scan", &file, "-q", "-f", "json"]);
    assert_eq!(r["os"]["id"], "debian");
    assert_eq!(r["os"]["version"], "11");
    assert_eq!(r["artifact"]["name"], "legacy-app");
    // Its CycloneDX and SARIF reports validate like an image's.
    let bom = scan_json(&["sbom-scan", &file, "-q", "-f", "cyclonedx"]);
    assert_eq!(
        bom["vulnerabilities"].as_array().map(Vec::len),
        Some(findings(&r).len())
    );
    customs_testutil::schemas::assert_valid(
        &customs_testutil::schemas::validator("bom-1.6.schema.json"),
        &bom,
        "CycloneDX of a Syft SBOM scan",
    );
    let sarif = scan_json(&["sbom-scan", &file, "-q", "-f", "sarif"]);
    customs_testutil::schemas::assert_valid(
        &customs_testutil::schemas::validator("sarif-2.1.0.schema.json"),
        &sarif,
        "SARIF of a Syft SBOM scan",
    );
    let by_pkg: BTreeMap<String, BTreeSet<String>> =
        findings(&r).iter().fold(BTreeMap::new(), |mut m, f| {
            m.entry(f["package"]["name"].as_str().unwrap().to_string())
                .or_default()
                .extend(
                    f["advisories"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_string()),
                );
            m
        });
    // The references decide what PyYAML 5.3.1, lodash 4.17.15, marked 0.3.5
    // and @babel/traverse 7.22.0 must have.
    let tmpd = tmp.path().join("ref");
    let py = customs_testutil::reference::pypi(
        &osv().join("PyPI/all.zip"),
        &[("PyYAML".into(), "5.3.1".into())],
        &tmpd,
    );
    let npm = customs_testutil::reference::npm(
        &osv().join("npm/all.zip"),
        &[
            ("lodash".into(), "4.17.15".into()),
            ("marked".into(), "0.3.5".into()),
            ("@babel/traverse".into(), "7.22.0".into()),
        ],
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-semver"),
        &tmpd,
    );
    assert!(!py.is_empty() && !npm.is_empty());
    let ours: BTreeSet<(String, String, String)> = triples(&r, "python")
        .into_iter()
        .chain(triples(&r, "npm"))
        .collect();
    let reference: BTreeSet<_> = py.into_iter().chain(npm).collect();
    customs_testutil::reference::assert_same("Syft-style SBOM", &ours, &reference);
    assert_eq!(
        finding_set(&r, "python").iter().next().map(|t| t.1.clone()),
        Some("pyyaml".into())
    );
    let yaml = findings(&r)
        .iter()
        .find(|f| f["package"]["kind"] == "python")
        .unwrap();
    assert_eq!(
        yaml["package"]["location"],
        "/usr/lib/python3/site-packages/PyYAML-5.3.1.dist-info/METADATA"
    );
    // libssl1.1 matched by its source package on Debian:11; bash has none.
    let ssl = &by_pkg["libssl1.1"];
    assert!(ssl.len() >= 3, "{ssl:?}");
    assert!(
        ssl.iter()
            .all(|id| id.starts_with("DSA-") || id.starts_with("DLA-")),
        "{ssl:?}"
    );
    assert!(!by_pkg.contains_key("bash"), "{by_pkg:?}");
    assert!(
        findings(&r)
            .iter()
            .filter(|f| f["package"]["kind"] == "deb")
            .all(|f| f["ecosystem"] == "Debian:11")
    );

    // Trivy-style: the OS release from the purl's distro qualifier only,
    // the source name in Trivy's property.
    let trivy = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {"tools": {"components": [{"type": "application", "name": "trivy", "version": "0.58.0"}]},
                     "component": {"bom-ref": "img", "type": "container", "name": "legacy:1",
                                   "purl": "pkg:oci/legacy@sha256%3A2222222222222222222222222222222222222222222222222222222222222222"}},
        "components": [
            {"bom-ref": "x", "type": "library", "name": "libssl1.1", "version": "1.1.1n-0+deb11u1",
             "purl": "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u1?arch=amd64&distro=debian-11.6",
             "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "openssl"},
                            {"name": "aquasecurity:trivy:SrcVersion", "value": "1.1.1n-0+deb11u1"}]}
        ]
    });
    let file = write(tmp.path(), "trivy.cdx.json", &trivy.to_string());
    let r2 = scan_json(&["sbom-scan", &file, "-q", "-f", "json"]);
    assert_eq!(r2["os"]["version"], "11.6");
    let ids: BTreeSet<String> = findings(&r2)
        .iter()
        .flat_map(|f| f["advisories"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(&ids, ssl, "Trivy-style libssl1.1");
    // A VEX statement for the SBOM's image applies.
    let some = ids.iter().next().unwrap().clone();
    let fid = findings(&r2)
        .iter()
        .find(|f| {
            f["advisories"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == some.as_str())
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let vex = json!({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "statements": [
        {"vulnerability": {"name": fid}, "products": [{"@id": "pkg:oci/legacy@sha256%3A2222222222222222222222222222222222222222222222222222222222222222"}],
         "status": "fixed"}]});
    let vexf = write(tmp.path(), "v.json", &vex.to_string());
    let r3 = scan_json(&["sbom-scan", &file, "-q", "-f", "json", "--vex", &vexf]);
    assert_eq!(finding(&r3, &fid)["suppressed"]["status"], "fixed");

    // Not an SBOM: an input error.
    let junk = write(tmp.path(), "junk.json", "{\"hello\": 1}");
    let out = scan(&["sbom-scan", &junk, "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("CycloneDX"), "{}", stderr(&out));
}
