//! `customs fs DIR` (a project scan) and `customs config PATH` (Dockerfile
//! checks), end to end, against the DB imported from `shared/vulndb/osv`.

mod vuln_common;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use vuln_common::*;

const SEED_DOCKERFILE: &str = "FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY server.py .
CMD [\"python\", \"server.py\"]
";

const PACKAGE_LOCK: &str = r#"{
  "name": "web",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": { "name": "web", "version": "1.0.0", "dependencies": { "lodash": "4.17.15" } },
    "node_modules/lodash": { "version": "4.17.15", "license": "MIT" }
  }
}
"#;

/// Assembled at run time so no scanner flags this source file.
fn fake_github_token() -> String {
    concat!("ghp_", "FAKEtokenForScannerTests0nly420uJ1nu").to_string()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A small project: pinned requirements, an npm lock file, the seed
/// Dockerfile, a notebook and a `.env` with a token, and a `.gitignore`
/// that hides a virtualenv and a file with another token.
fn project() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "requirements.txt", "requests==2.25.1\n");
    write(p, "web/package-lock.json", PACKAGE_LOCK);
    write(p, "Dockerfile", SEED_DOCKERFILE);
    write(p, "server.py", "print('hello')\n");
    write(
        p,
        ".env",
        &format!("GITHUB_TOKEN={}\n", fake_github_token()),
    );
    let nb = serde_json::json!({
        "cells": [{"cell_type": "code", "execution_count": 1, "metadata": {},
                   "source": [format!("token = \"{}\"\n", fake_github_token())],
                   "outputs": []}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    write(p, "notebooks/explore.ipynb", &nb.to_string());
    write(p, ".gitignore", "venv/\nlocal-secrets.txt\n");
    write(
        p,
        "local-secrets.txt",
        &format!("token={}\n", fake_github_token()),
    );
    write(p, "venv/requirements.txt", "urllib3==1.26.4\n");
    write(
        p,
        "venv/lib/python3.11/site-packages/urllib3-1.26.4.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.4\n",
    );
    d
}

/// `(advisory, package, version)` of the findings on these packages.
fn triples_of(report: &Value, packages: &[(&str, &str)]) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for kind in ["python", "npm"] {
        for t in triples(report, kind) {
            if packages.iter().any(|(n, v)| t.1 == *n && t.2 == *v) {
                out.insert(t);
            }
        }
    }
    out
}

fn fs_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["fs", dir.to_str().unwrap(), "--format", "json", "-q"];
    args.extend_from_slice(extra);
    scan_json(&args)
}

#[test]
fn fs_matches_lock_files_with_the_same_advisories_as_an_image() {
    let d = project();
    let r = fs_json(d.path(), &[]);
    let pkgs: BTreeSet<(String, String, String)> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                p["location"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // the lock files, and nothing from the git-ignored virtualenv
    let want: BTreeSet<(String, String, String)> = [
        ("requests", "2.25.1", "/requirements.txt"),
        ("lodash", "4.17.15", "/web/package-lock.json"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(pkgs, want, "{:#}", r["packages"]);

    let same = [("requests", "2.25.1"), ("lodash", "4.17.15")];
    let ours = triples_of(&r, &same);
    // ml-app holds both packages, installed
    let image = triples_of(ml_app(), &same);
    assert!(
        ours.iter().any(|t| t.1 == "requests") && ours.iter().any(|t| t.1 == "lodash"),
        "no advisories for requests or lodash: {ours:?}"
    );
    assert_eq!(ours, image, "fs and image scans disagree");
}

#[test]
fn fs_finds_secrets_notebooks_and_dockerfile_checks_and_respects_gitignore() {
    let d = project();
    let r = fs_json(d.path(), &[]);
    let secrets = r["secrets"].as_array().expect("secrets ran by default");
    let paths: BTreeSet<&str> = secrets
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains("/.env"), "{paths:?}");
    assert!(paths.contains("/notebooks/explore.ipynb"), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.contains("local-secrets")),
        "a git-ignored file was scanned: {paths:?}"
    );
    let text = r.to_string();
    assert!(
        !text.contains(&fake_github_token()),
        "the token is printed in full"
    );

    let mis = r["misconfigurations"].as_array().expect("misconfig ran");
    let mut ids: Vec<&str> = mis.iter().map(|m| m["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["CUS-DF-001", "CUS-DF-003", "CUS-DF-016"], "{mis:#?}");
    for m in mis {
        assert_eq!(m["path"], "Dockerfile");
        assert_eq!(m["start_line"], 1);
    }

    // --no-gitignore scans the ignored files too
    let all = fs_json(d.path(), &["--no-gitignore", "--scanners", "vuln,secret"]);
    let paths: BTreeSet<&str> = all["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains("/local-secrets.txt"), "{paths:?}");
    assert!(
        all["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["location"] == "/venv/requirements.txt"),
        "{:#}",
        all["packages"]
    );
    assert!(all["misconfigurations"].is_null(), "misconfig did not run");
}

#[test]
fn fs_gate_counts_misconfigurations_and_secrets() {
    let d = project();
    let out = scan(&[
        "fs",
        d.path().to_str().unwrap(),
        "--scanners",
        "misconfig",
        "--exit-code",
        "3",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.contains("CUS-DF-001"), "{table}");
    // only LOW findings of the Dockerfile remain: none at HIGH
    let out = scan(&[
        "fs",
        d.path().to_str().unwrap(),
        "--scanners",
        "misconfig",
        "--severity",
        "CRITICAL",
        "--exit-code",
        "3",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn config(args: &[&str]) -> std::process::Output {
    customs()
        .arg("config")
        .args(args)
        .output()
        .expect("run customs config")
}

#[test]
fn config_on_the_seed_dockerfile_gives_exactly_three_checks() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "Dockerfile", SEED_DOCKERFILE);
    let file = d.path().join("Dockerfile");
    let out = config(&[file.to_str().unwrap(), "-f", "json", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ids: Vec<&str> = r["misconfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["CUS-DF-001", "CUS-DF-003", "CUS-DF-016"]);

    // the table names them; --exit-code gates
    let out = config(&[file.to_str().unwrap(), "--exit-code", "5"]);
    assert_eq!(out.status.code(), Some(5));
    let t = stdout(&out);
    for id in ["CUS-DF-001", "CUS-DF-003", "CUS-DF-016"] {
        assert!(t.contains(id), "{t}");
    }
    let out = config(&[file.to_str().unwrap(), "--fail-on", "CRITICAL"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn config_on_a_directory_checks_every_dockerfile_with_its_dockerignore() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "svc/Dockerfile",
        "FROM debian:bookworm\nCOPY . /src\nRUN curl -fsSL https://example.com/i.sh | sh\n",
    );
    write(
        p,
        "gpu/Containerfile.cuda",
        "FROM nvidia/cuda:12.2.0-runtime-ubuntu22.04@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nCOPY . /src\nUSER 1000\nHEALTHCHECK CMD true\n",
    );
    write(p, "gpu/.dockerignore", ".env\n.git\n**/*.pem\n");
    write(p, "notes.txt", "FROM nothing\n");
    let out = config(&[p.to_str().unwrap(), "-f", "json", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: BTreeSet<(String, String)> = r["misconfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["path"].as_str().unwrap().to_string(),
                m["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |path: &str, id: &str| got.contains(&(path.to_string(), id.to_string()));
    assert!(has("svc/Dockerfile", "CUS-DF-010"), "{got:?}");
    assert!(has("svc/Dockerfile", "CUS-DF-021"), "{got:?}");
    assert!(
        !got.iter().any(|(p, _)| p == "gpu/Containerfile.cuda"),
        "the pinned, non-root Containerfile with a .dockerignore has findings: {got:?}"
    );
    assert!(!got.iter().any(|(p, _)| p.contains("notes")), "{got:?}");
}

#[test]
fn config_sarif_validates_and_points_at_dockerfile_lines() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "Dockerfile",
        "FROM python:3.11\nRUN pip install torch\nEXPOSE 22\nCMD jupyter notebook --ip=0.0.0.0 --NotebookApp.token=''\n",
    );
    let out = config(&[d.path().to_str().unwrap(), "-f", "sarif", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    customs_testutil::schemas::assert_valid(
        &customs_testutil::schemas::validator("sarif-2.1.0.schema.json"),
        &doc,
        "customs config -f sarif",
    );
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 4, "{results:#?}");
    let mut lines = BTreeSet::new();
    for res in results {
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "Dockerfile", "{res:#}");
        let line = loc["region"]["startLine"]
            .as_u64()
            .unwrap_or_else(|| panic!("no line region: {res:#}"));
        lines.insert(line);
    }
    // FROM, the pip RUN, EXPOSE and the Jupyter CMD each have a finding
    assert!(
        lines.is_superset(&BTreeSet::from([1, 2, 3, 4])),
        "{lines:?}"
    );
}

#[test]
fn config_reports_an_unparsable_dockerfile_and_goes_on() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "a/Dockerfile",
        "FROM alpine:3.19\nRUN apk add curl\n",
    );
    std::fs::write(d.path().join("b.Dockerfile"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let out = config(&[d.path().to_str().unwrap(), "-f", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("b.Dockerfile"), "{err}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        r["misconfigurations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "CUS-DF-009" && m["path"] == "a/Dockerfile"),
        "{r:#}"
    );
}
