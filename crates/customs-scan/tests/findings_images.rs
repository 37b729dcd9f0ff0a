//! Secrets and models in the shared images (`../shared/images/build.sh`),
//! found in the single pass with the package analyzers.

use std::path::Path;
use std::sync::Arc;

use customs_analyze::dispatch::{AnalyzeFactory, DispatchOptions};
use customs_analyze::findings::{ModelAnalyzer, SecretAnalyzer, config_secrets};
use customs_layer::{NoProgress, WalkOptions};
use customs_scan::{ScanOutput, scan_image};
use customs_source::{OpenOptions, SourceSpec, open};
use customs_types::{ModelVerdict, Removal, SecretFinding, SecretOrigin, Severity};

fn scan(spec: &str) -> (ScanOutput, Vec<SecretFinding>) {
    let spec = SourceSpec::parse(spec).unwrap();
    let img = open(&spec, &OpenOptions::default()).unwrap();
    let scanner = Arc::new(customs_secret::Scanner::with_defaults().unwrap());
    let mut analyzers = customs_analyze::builtin();
    analyzers.push(Box::new(SecretAnalyzer::new(scanner.clone())));
    analyzers.push(Box::new(ModelAnalyzer::default()));
    let factory = AnalyzeFactory::new(analyzers, DispatchOptions::default());
    let out = scan_image(&img, &WalkOptions::default(), &factory, &NoProgress);
    assert!(out.layer_errors.is_empty(), "{:?}", out.layer_errors);
    let config = config_secrets(&scanner, &out.summary);
    (out, config)
}

fn sources(image: &str) -> Vec<String> {
    let dir = customs_testutil::test_images().join(image);
    vec![
        format!("oci-dir:{}", dir.join("oci").display()),
        format!(
            "docker-archive:{}",
            dir.join("docker-archive.tar").display()
        ),
    ]
}

fn file_secrets<'a>(out: &'a ScanOutput, path: &str) -> Vec<&'a SecretFinding> {
    out.findings
        .secrets
        .iter()
        .filter(|s| s.path == path)
        .collect()
}

/// The line (1-based) of the first line of `file` in the rootfs that holds `needle`.
fn line_of(rootfs: &Path, file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(rootfs.join(file.trim_start_matches('/'))).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn ml_app_planted_secrets_and_unsafe_pickle_are_found() {
    let rootfs = customs_testutil::test_images().join("ml-app/rootfs");
    for src in sources("ml-app") {
        let (out, config) = scan(&src);
        let layer_of = |created_by: &str| -> u32 {
            out.summary
                .config
                .created_by_per_layer(out.layers.len())
                .iter()
                .position(|c| c.as_deref().is_some_and(|c| c.contains(created_by)))
                .unwrap_or_else(|| panic!("no layer made by {created_by}")) as u32
        };
        let app_layer = layer_of("COPY . /app/");

        // the AWS pair in /app/.env
        let env = file_secrets(&out, "/app/.env");
        let rules: Vec<&str> = env.iter().map(|s| s.rule_id.as_str()).collect();
        assert!(
            env.iter().any(|s| s.rule_id.contains("aws")
                && s.line == line_of(&rootfs, "/app/.env", "AKIAQ3FAKEK3YT2STXYZ")),
            "{src}: {rules:?}"
        );
        assert!(
            env.iter().any(|s| s.rule_id.contains("aws")
                && s.end_line >= line_of(&rootfs, "/app/.env", "AWS_SECRET_ACCESS_KEY")),
            "{src}: the secret key of the pair: {env:#?}"
        );
        assert!(
            env.iter()
                .all(|s| s.layer == Some(app_layer) && s.removed.is_none())
        );

        // the GitHub and Hugging Face tokens in the notebook's output cell
        let nb = file_secrets(&out, "/app/notebooks/train.ipynb");
        for (what, rule_part) in [("GitHub", "github"), ("Hugging Face", "hugging")] {
            let f = nb
                .iter()
                .find(|s| s.rule_id.contains(rule_part))
                .unwrap_or_else(|| panic!("{src}: no {what} token in the notebook: {nb:#?}"));
            assert_eq!(f.cell, Some(1), "{what}");
            assert_eq!(f.cell_output, Some(1), "{what}");
            assert_eq!(f.layer, Some(app_layer));
        }

        // the RSA key, deleted by a later layer
        let key = file_secrets(&out, "/root/.ssh/id_rsa");
        assert!(!key.is_empty(), "{src}: no private key");
        let rm_layer = layer_of("rm -f /root/.ssh/id_rsa");
        for k in &key {
            assert!(
                k.rule_id.contains("private-key") || k.rule_id.contains("rsa"),
                "{k:?}"
            );
            // the key body: the line after `-----BEGIN RSA PRIVATE KEY-----`
            // to the end marker
            assert_eq!((k.line, k.end_line), (2, 26), "{k:#?}");
            let r = k.removed.expect("reported as removed");
            assert_eq!(r.layer, rm_layer);
            assert_eq!(r.removal, Removal::Deleted);
        }
        assert!(out.view.get("/root/.ssh/id_rsa").is_none());

        // DB_PASSWORD in the image config
        assert!(
            config
                .iter()
                .any(|s| s.origin == SecretOrigin::ConfigEnv
                    && s.key.as_deref() == Some("DB_PASSWORD")),
            "{src}: {config:#?}"
        );

        // nothing holds a planted secret in full
        let all = serde_json::to_string(&(&out.findings.secrets, &config)).unwrap();
        for planted in [
            "AKIAQ3FAKEK3YT2STXYZ",
            "fAkE/SeCrEt+KeY0nLy4TeStS0fScAnNeRz1234X",
            "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",
            "hf_FakeHuggingFaceTokenForScanTestsQz",
            "FAKE-db-Passw0rd-for-scanner-tests",
            "MIIEowIBAAKCAQEAu+6a1HKb/Qvibr2Xs12oFJBCLUtV+kEH1mRmjz7BhVSpuRDJ",
        ] {
            assert!(!all.contains(planted), "{planted} in the findings");
        }

        // no other secrets: every file finding is one of the planted files
        let planted_files = [
            "/app/.env",
            "/app/notebooks/train.ipynb",
            "/root/.ssh/id_rsa",
        ];
        let others: Vec<_> = out
            .findings
            .secrets
            .iter()
            .filter(|s| !planted_files.contains(&s.path.as_str()))
            .collect();
        assert!(
            others.is_empty(),
            "{src}: secrets beyond the planted ones: {others:#?}"
        );
        assert!(out.findings.secret_stats.files_scanned > 1000);
        assert!(out.findings.secret_stats.skipped_binary > 0);

        // the unsafe pickle: CRITICAL, naming os.system
        let model = out
            .findings
            .models
            .iter()
            .find(|m| m.path == "/app/models/model.pkl")
            .expect("model.pkl scanned");
        assert_eq!(model.verdict, ModelVerdict::Dangerous);
        assert_eq!(model.severity, Some(Severity::Critical));
        assert!(
            model.issues.iter().any(|i| i.severity == Severity::Critical
                && i.callable.as_deref().is_some_and(|c| c.ends_with("system"))
                && i.callable
                    .as_deref()
                    .is_some_and(|c| c.starts_with("os") || c.starts_with("posix"))),
            "{model:#?}"
        );
        // vocab.pkl and numpy's own test pickles are not dangerous
        let vocab = out
            .findings
            .models
            .iter()
            .find(|m| m.path == "/app/models/vocab.pkl")
            .expect("vocab.pkl scanned");
        assert_eq!(vocab.verdict, ModelVerdict::Safe, "{vocab:#?}");
        let dangerous: Vec<&str> = out
            .findings
            .models
            .iter()
            .filter(|m| m.verdict == ModelVerdict::Dangerous)
            .map(|m| m.path.as_str())
            .collect();
        assert_eq!(dangerous, ["/app/models/model.pkl"], "{src}");
    }
}

#[test]
fn debian_base_has_no_secrets() {
    for src in sources("debian-base") {
        let (out, config) = scan(&src);
        assert!(
            out.findings.secrets.is_empty() && config.is_empty(),
            "{src}: {:#?} {config:#?}",
            out.findings.secrets
        );
        assert!(out.findings.secret_stats.files_scanned > 1000);
        assert!(
            out.findings
                .models
                .iter()
                .all(|m| m.verdict != ModelVerdict::Dangerous)
        );
    }
}
