//! No output of the scanner (Debug, JSON, Display of findings, errors) holds
//! a planted secret in full.

mod common;

use common::{fake_rsa_key, scanner};
use customs_secret::{REDACT_KEEP_MAX, SecretConfig, SecretFinding, redact};
use proptest::prelude::*;

fn shared() -> &'static customs_secret::Scanner {
    static S: std::sync::OnceLock<customs_secret::Scanner> = std::sync::OnceLock::new();
    S.get_or_init(scanner)
}

fn planted() -> Vec<String> {
    vec![
        "AKIAQ3FAKEK3YT2STXYZ".to_owned(),
        "fAkE/SeCrEt+KeY0nLy4TeStS0fScAnNeRz1234X".to_owned(),
        concat!("ghp_", "FAKEtokenForScannerTests0nly420uJ1nu").to_owned(),
        concat!("hf_", "FakeHuggingFaceTokenForScanTestsQz").to_owned(),
        "FAKE-db-Passw0rd-for-scanner-tests".to_owned(),
        concat!(
            "xoxb-",
            "123456789012-1234567890123-",
            "Zq8fAkEx7TnW2rLp9VbY3cMd"
        )
        .to_owned(),
        concat!("npm_", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6").to_owned(),
        concat!("r8_", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6Q").to_owned(),
        "Zq8-fAkE-pg-Pa55w0rd".to_owned(),
    ]
}

fn document(secrets: &[String]) -> String {
    format!(
        "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\nGITHUB_TOKEN={}\nHF_TOKEN={}\nDB_PASSWORD={}\nSLACK_BOT_TOKEN={}\n//registry.npmjs.org/:_authToken={}\nREPLICATE_API_TOKEN={}\nDATABASE_URL=postgres://app:{}@db.fake.invalid/app\n{}",
        secrets[0],
        secrets[1],
        secrets[2],
        secrets[3],
        secrets[4],
        secrets[5],
        secrets[6],
        secrets[7],
        secrets[8],
        fake_rsa_key()
    )
}

fn outputs(findings: &[SecretFinding]) -> Vec<String> {
    let mut out = vec![
        format!("{findings:?}"),
        format!("{findings:#?}"),
        serde_json::to_string(findings).unwrap(),
    ];
    for f in findings {
        out.push(format!("{f:?}"));
        out.push(serde_json::to_string_pretty(f).unwrap());
        out.push(format!(
            "{} {} {} {}",
            f.rule_id, f.title, f.redacted, f.fingerprint
        ));
    }
    out
}

#[test]
fn findings_never_contain_planted_secrets() {
    let s = scanner();
    let secrets = planted();
    let doc = document(&secrets);
    let mut findings = s.scan_bytes("/app/.env", doc.as_bytes());
    findings.extend(s.scan_bytes("/app/settings.txt", doc.as_bytes()));
    findings.extend(s.scan_kv("config.Env", "DB_PASSWORD", &secrets[4]));
    findings.extend(s.scan_kv(
        "history[1].created_by",
        "created_by",
        &format!("/bin/sh -c #(nop)  ENV HF_TOKEN={}", secrets[3]),
    ));
    let rules: std::collections::BTreeSet<&str> =
        findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert!(
        rules.len() >= 9,
        "expected many rules to fire, got {rules:?}"
    );
    let key_body: String = fake_rsa_key().lines().nth(3).unwrap().to_owned();
    for out in outputs(&findings) {
        for secret in secrets.iter().chain(std::iter::once(&key_body)) {
            assert!(
                !out.contains(secret.as_str()),
                "an output holds a planted secret (rule output len {})",
                out.len()
            );
        }
    }
    for f in &findings {
        let clear = f.redacted.chars().filter(|&c| c != '*').count();
        assert!(clear <= 2 * REDACT_KEEP_MAX + 3, "{}", f.rule_id);
        assert_eq!(f.fingerprint.len(), 64);
        assert!(f.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}

#[test]
fn config_errors_do_not_echo_content() {
    // errors come from configuration only; scanning content never errors
    let bad = "[[rules]]\nid = \"broken\"\nregex = '''(unclosed'''\n";
    let cfg = SecretConfig::from_toml_str(bad, "bad.toml").unwrap();
    let err = customs_secret::Scanner::new(cfg).unwrap_err().to_string();
    assert!(err.contains("broken"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn redaction_never_reveals_more_than_a_quarter(s in "[^*]{0,80}") {
        let r = redact(&s);
        let n = s.chars().count();
        let clear = r.chars().filter(|&c| c != '*').count();
        prop_assert!(clear <= REDACT_KEEP_MAX);
        prop_assert!(clear * 4 <= n);
        let kept: String = r.chars().take_while(|&c| c != '*').collect();
        prop_assert!(s.starts_with(&kept));
        if n >= 2 {
            prop_assert!(!r.contains(&s));
        }
    }

    #[test]
    fn scanning_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048), prefix in "(ghp_|AKIA|-----BEGIN RSA PRIVATE KEY-----|password=|hf_|\\{\"cells\":)?") {
        let s = shared();
        let mut content = prefix.into_bytes();
        content.extend(bytes.iter().map(|b| if *b == 0 { b' ' } else { *b }));
        let _ = s.scan_bytes("/app/x.txt", &content);
        let _ = s.scan_bytes("/app/x.ipynb", &content);
        let _ = s.scan_bytes("/root/.bash_history", &content);
        let _ = s.scan_bytes("/app/.env", &content);
        let _ = s.scan_bytes("/app/Dockerfile", &content);
        for p in ["/root/.npmrc", "/root/.netrc", "/root/.kaggle/kaggle.json", "/root/.cache/huggingface/token", "/root/.pypirc", "/root/.git-credentials"] {
            let _ = s.scan_bytes(p, &content);
        }
        let text = String::from_utf8_lossy(&content);
        let _ = s.scan_kv("config.Env", "API_TOKEN", &text);
    }
}
