//! Secrets, models and image-config checks through `customs image`, in
//! every report format; the gate over them; the per-layer cache seen from
//! the command line.

use std::path::Path;
use std::process::{Command, Output};

const PLANTED: [&str; 6] = [
    "AKIAQ3FAKEK3YT2STXYZ",
    "fAkE/SeCrEt+KeY0nLy4TeStS0fScAnNeRz1234X",
    "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",
    "hf_FakeHuggingFaceTokenForScanTestsQz",
    "FAKE-db-Passw0rd-for-scanner-tests",
    "MIIEowIBAAKCAQEAu+6a1HKb/Qvibr2Xs12oFJBCLUtV+kEH1mRmjz7BhVSpuRDJ",
];

fn customs(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_customs"))
        .args(args)
        .env("CUSTOMS_CACHE_DIR", cache)
        .env_remove("CUSTOMS_LOG")
        .output()
        .unwrap()
}

fn ml_app() -> String {
    format!(
        "oci-dir:{}",
        customs_testutil::test_images().join("ml-app/oci").display()
    )
}

const SCANNERS: &str = "secret,model,misconfig";

#[test]
fn no_report_format_holds_a_planted_secret_in_full() {
    let tmp = tempfile::tempdir().unwrap();
    for format in [
        "table",
        "json",
        "sarif",
        "cyclonedx",
        "cyclonedx-1.7",
        "spdx-json",
        "markdown",
    ] {
        let out = customs(
            tmp.path(),
            &[
                "image",
                &ml_app(),
                "-q",
                "--scanners",
                SCANNERS,
                "-f",
                format,
                "-d",
            ],
        );
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let all = [out.stdout, out.stderr].concat();
        let text = String::from_utf8_lossy(&all);
        for p in PLANTED {
            assert!(!text.contains(p), "{format} output holds {p}");
        }
    }
}

#[test]
fn json_lists_the_planted_secrets_the_pickle_and_the_config_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let out = customs(
        tmp.path(),
        &[
            "image",
            &ml_app(),
            "-q",
            "--scanners",
            SCANNERS,
            "-f",
            "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let secrets = r["secrets"].as_array().unwrap();
    let has = |path: &str, rule_part: &str| {
        secrets.iter().any(|s| {
            s["path"].as_str().unwrap().starts_with(path)
                && s["rule_id"].as_str().unwrap().contains(rule_part)
        })
    };
    assert!(has("/app/.env", "aws"));
    assert!(has("/app/notebooks/train.ipynb", "github"));
    assert!(has("/app/notebooks/train.ipynb", "hugging"));
    assert!(has("config.Env", "config"));
    let key = secrets
        .iter()
        .find(|s| s["path"] == "/root/.ssh/id_rsa")
        .expect("the deleted key");
    assert_eq!(key["removed"]["removal"], "deleted");
    for s in secrets {
        assert_eq!(s["fingerprint"].as_str().unwrap().len(), 64);
    }
    assert!(r["secret_scan"]["skipped_binary"].as_u64().unwrap() > 0);
    let models = r["models"].as_array().unwrap();
    let dangerous: Vec<&str> = models
        .iter()
        .filter(|m| m["verdict"] == "dangerous")
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    assert_eq!(dangerous, ["/app/models/model.pkl"]);
    let pkl = models
        .iter()
        .find(|m| m["path"] == "/app/models/model.pkl")
        .unwrap();
    assert_eq!(pkl["severity"], "CRITICAL");
    assert!(pkl["issues"].as_array().unwrap().iter().any(|i| {
        i["callable"]
            .as_str()
            .is_some_and(|c| c.ends_with("system"))
    }));
    // every non-dangerous model file is safe (numpy's test pickles, vocab.pkl)
    for m in models {
        if m["path"] != "/app/models/model.pkl" {
            assert_eq!(m["verdict"], "safe", "{m}");
        }
    }
    let ids: Vec<&str> = r["misconfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"CUS-IC-001"), "runs as root: {ids:?}");
    assert!(ids.contains(&"CUS-IC-002"), "DB_PASSWORD in Env: {ids:?}");
}

#[test]
fn sarif_with_secrets_and_models_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let out = customs(
        tmp.path(),
        &[
            "image",
            &ml_app(),
            "-q",
            "--scanners",
            SCANNERS,
            "-f",
            "sarif",
        ],
    );
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = customs_testutil::schemas::validator("sarif-2.1.0.schema.json");
    customs_testutil::schemas::assert_valid(&v, &doc, "SARIF with secrets and models");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let env = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/.env")
        .expect("a result at /app/.env");
    assert_eq!(
        env["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "model/model-dangerous-import")
    );
}

#[test]
fn the_gate_covers_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut a = vec![
            "image",
            "-q",
            "--scanners",
            "secret",
            "-f",
            "json",
            "-o",
            "/dev/null",
        ];
        let img = ml_app();
        a.push(&img);
        a.extend_from_slice(extra);
        customs(tmp.path(), &a).status.code()
    };
    assert_eq!(run(&[]), Some(0));
    assert_eq!(run(&["--exit-code", "4"]), Some(4));
    assert_eq!(run(&["--fail-on", "CRITICAL"]), Some(1));
    assert_eq!(run(&["--exit-code", "4", "--severity", "LOW"]), Some(0));
}

#[test]
fn a_warm_rescan_reads_no_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let counts = |out: &Output| -> String {
        let err = String::from_utf8_lossy(&out.stderr);
        err.lines()
            .find(|l| l.contains("layers:") && l.contains("from the cache"))
            .unwrap_or_else(|| panic!("no layer counter in --debug output: {err}"))
            .to_string()
    };
    let args = [
        "image",
        &ml_app(),
        "-q",
        "-d",
        "--scanners",
        SCANNERS,
        "-f",
        "json",
    ];
    let cold = customs(tmp.path(), &args);
    assert!(
        counts(&cold).contains("layers: 7 read, 0 from the cache"),
        "{}",
        counts(&cold)
    );
    let warm = customs(tmp.path(), &args);
    assert!(
        counts(&warm).contains("layers: 0 read, 7 from the cache"),
        "{}",
        counts(&warm)
    );
    let strip = |o: &Output| {
        let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_object_mut().unwrap().remove("generated_at");
        v.as_object_mut().unwrap().remove("serial_number");
        v
    };
    assert_eq!(strip(&cold), strip(&warm));
    // --no-cache reads every layer; `cache clean` empties the cache
    let nc = customs(tmp.path(), &[&args[..], &["--no-cache"]].concat());
    assert!(String::from_utf8_lossy(&nc.stderr).contains("layers: 7 read, 0 from the cache"));
    let clean = customs(tmp.path(), &["cache", "clean"]);
    assert!(clean.status.success());
    assert!(String::from_utf8_lossy(&clean.stdout).contains("removed 7"));
    let again = customs(tmp.path(), &args);
    assert!(counts(&again).contains("layers: 7 read"));
}
