//! Helpers for the vulnerability end-to-end tests: a DB imported once per
//! test binary from `shared/vulndb/osv` through `customs db import`, scans
//! of the shared images, and finding sets read from the JSON report.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

pub fn customs() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_customs"));
    c.env_remove("CUSTOMS_USERNAME")
        .env_remove("CUSTOMS_PASSWORD")
        .env_remove("CUSTOMS_CACHE_DIR")
        .env_remove("CUSTOMS_DB_REPOSITORY")
        .env("NO_COLOR", "1");
    c
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `shared/vulndb/osv`.
pub fn osv() -> PathBuf {
    customs_testutil::shared_dir().join("vulndb/osv")
}

pub fn image(name: &str) -> String {
    format!(
        "oci-dir:{}",
        customs_testutil::test_images()
            .join(name)
            .join("oci")
            .display()
    )
}

/// A cache directory with the DB `customs db import shared/vulndb/osv`
/// built, once per test binary.
pub fn cache_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("e2e-vuln-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cache dir");
        let out = customs()
            .arg("db")
            .arg("import")
            .arg("--cache-dir")
            .arg(&dir)
            .arg(osv())
            .output()
            .expect("run customs db import");
        assert!(
            out.status.success(),
            "customs db import failed ({:?}):\n{}",
            out.status.code(),
            stderr(&out)
        );
        assert!(
            dir.join("db/customs.db").is_file(),
            "no DB file after import"
        );
        dir
    })
}

/// Runs `customs <args> --cache-dir <imported> --offline -q` (the command
/// must be a scanning one), in `cwd` when given (default: a fresh empty
/// directory, so no stray `.customsignore` applies).
pub fn scan_in(cwd: Option<&Path>, args: &[&str]) -> Output {
    let empty;
    let cwd = match cwd {
        Some(c) => c,
        None => {
            empty = tempfile::tempdir().expect("tempdir");
            empty.path()
        }
    };
    // these tests are about vulnerabilities: the gate over secrets and
    // models is tested in e2e_findings
    let only_vulns: &[&str] = if args.first() == Some(&"image") {
        &["--scanners", "vuln"]
    } else {
        &[]
    };
    customs()
        .current_dir(cwd)
        .args(args)
        .args(only_vulns)
        .arg("--cache-dir")
        .arg(cache_dir())
        .arg("--offline")
        .output()
        .expect("run customs")
}

pub fn scan(args: &[&str]) -> Output {
    scan_in(None, args)
}

/// Runs a scan expecting exit 0 and JSON on stdout.
pub fn scan_json(args: &[&str]) -> Value {
    let out = scan(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "customs {args:?} failed:\n{}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "customs {args:?}: stdout is not JSON ({e}):\n{}",
            stdout(&out)
        )
    })
}

/// The ml-app image's JSON report with every finding (no filters), once.
pub fn ml_app() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| scan_json(&["image", &image("ml-app"), "--format", "json", "-q"]))
}

pub fn findings(report: &Value) -> &Vec<Value> {
    report["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities array")
}

/// (advisory, package, version) of every OSV record matched to a package
/// of `kind`.
pub fn triples(report: &Value, kind: &str) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for f in findings(report) {
        if f["package"]["kind"] != kind {
            continue;
        }
        let name = f["package"]["name"].as_str().expect("name").to_string();
        let version = f["package"]["version"]
            .as_str()
            .expect("version")
            .to_string();
        for a in f["advisories"].as_array().expect("advisories") {
            out.insert((
                a.as_str().expect("advisory id").to_string(),
                name.clone(),
                version.clone(),
            ));
        }
    }
    out
}

/// (id, package, version, location) of every finding: one finding per
/// vulnerability per installed package.
pub fn keys(report: &Value) -> BTreeSet<(String, String, String, String)> {
    findings(report).iter().map(key).collect()
}

pub fn key(f: &Value) -> (String, String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        s(&f["id"]),
        s(&f["package"]["name"]),
        s(&f["package"]["version"]),
        s(&f["package"]["location"]),
    )
}

/// The ids of the findings not suppressed.
pub fn active_ids(report: &Value) -> BTreeSet<String> {
    findings(report)
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .map(|f| f["id"].as_str().expect("id").to_string())
        .collect()
}

/// Severity rank: UNKNOWN 0 … CRITICAL 4.
pub fn rank(sev: &str) -> u8 {
    match sev {
        "LOW" => 1,
        "MEDIUM" => 2,
        "HIGH" => 3,
        "CRITICAL" => 4,
        _ => 0,
    }
}

/// (name, version) of the report's packages of `kind`, de-duplicated.
pub fn package_pairs(report: &Value, kind: &str) -> Vec<(String, String)> {
    let set: BTreeSet<(String, String)> = report["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["kind"] == kind && p["os_managed"].is_null())
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_string(),
                p["version"].as_str().expect("version").to_string(),
            )
        })
        .collect();
    set.into_iter().collect()
}
