//! `--secret-config`: customs TOML and gitleaks TOML.

mod common;

use std::io::Write;

use common::{ids, scanner};
use customs_secret::{AllowCondition, RegexTarget, Scanner, SecretConfig, SecretError, Severity};

/// A realistic gitleaks config: extends the defaults, adds rules with
/// keywords, secretGroup, entropy, path, per-rule allow-lists in both the old
/// and the new table spelling, and a global allow-list.
const GITLEAKS: &str = r#"
title = "acme gitleaks config"

[extend]
useDefault = true
disabledRules = ["generic-api-key", "jwt"]

[[rules]]
id = "acme-internal-token"
description = "ACME internal service token"
regex = '''(?i)\b(acme_(?:live|test)_[a-z0-9]{32})(?:['"\s;]|\\[nr]|$)'''
secretGroup = 1
entropy = 3.2
keywords = ["acme_live_", "acme_test_"]
tags = ["acme", "token"]

    [[rules.allowlists]]
    description = "test tokens in fixtures"
    condition = "AND"
    regexTarget = "match"
    regexes = ['''acme_test_''']
    paths = ['''(?:^|/)fixtures/''']

[[rules]]
id = "acme-db-password"
description = "ACME database password in a properties file"
regex = '''db\.password\s*=\s*(\S+)'''
path = '''\.properties$'''
keywords = ["db.password"]

    [rules.allowlist]
    stopwords = ["dummy"]

[[rules]]
id = "pkcs12-file"
description = "PKCS #12 file"
path = '''(?i)(?:^|/)[^/]+\.p(?:12|fx)$'''

[allowlist]
description = "global allow list"
paths = ['''(?:^|/)vendor/''']
regexes = ['''^acme_live_0{32}$''']
stopwords = ["notarealsecret"]
"#;

#[test]
fn gitleaks_config_parses() {
    let cfg = SecretConfig::from_toml_str(GITLEAKS, "gitleaks.toml").unwrap();
    assert!(cfg.use_builtin_rules);
    assert_eq!(cfg.disabled_rules, ["generic-api-key", "jwt"]);
    assert_eq!(cfg.rules.len(), 3);
    let r = &cfg.rules[0];
    assert_eq!(
        (r.id.as_str(), r.title.as_str()),
        ("acme-internal-token", "ACME internal service token")
    );
    assert_eq!(r.secret_group, Some(1));
    assert_eq!(r.entropy, Some(3.2));
    assert_eq!(r.severity, Severity::High);
    assert_eq!(r.allowlists[0].condition, AllowCondition::And);
    assert_eq!(r.allowlists[0].regex_target, RegexTarget::Match);
    assert_eq!(cfg.rules[1].allowlists[0].stopwords, ["dummy"]);
    assert!(cfg.rules[2].regex.is_none() && cfg.rules[2].path.is_some());
    assert_eq!(cfg.allowlists.len(), 1);
}

#[test]
fn gitleaks_config_scans() {
    let cfg = SecretConfig::from_toml_str(GITLEAKS, "gitleaks.toml").unwrap();
    let s = Scanner::new(cfg).unwrap();
    let names: Vec<String> = s.rules().into_iter().map(|r| r.id).collect();
    assert!(names.iter().any(|n| n == "github-pat"), "defaults kept");
    assert!(
        !names.iter().any(|n| n == "jwt" || n == "generic-api-key"),
        "disabled rules gone"
    );

    let live = "token = \"acme_live_q8zfake9x7tnw2rlp9vby3cmd5ksh1jg\"\n";
    let f = s.scan_bytes("/app/config.py", live.as_bytes());
    assert_eq!(ids(&f), ["acme-internal-token"]);
    assert_eq!(f[0].redacted, "acme****************");
    // per-rule allowlist: AND of path + match regex
    let test = "x = \"acme_test_q8zfake9x7tnw2rlp9vby3cmd5ksh1jg\"\n";
    assert!(
        s.scan_bytes("/app/fixtures/a.py", test.as_bytes())
            .is_empty()
    );
    assert_eq!(
        ids(&s.scan_bytes("/app/src/a.py", test.as_bytes())),
        ["acme-internal-token"]
    );
    // global allowlist: regex on the secret, path
    assert!(
        s.scan_bytes(
            "/app/a.py",
            b"x = 'acme_live_00000000000000000000000000000000'\n"
        )
        .is_empty()
    );
    assert!(
        s.scan_bytes("/app/vendor/lib/a.py", live.as_bytes())
            .is_empty()
    );
    // entropy
    assert!(
        s.scan_bytes(
            "/app/a.py",
            b"x = 'acme_live_abababababababababababababababab'\n"
        )
        .is_empty()
    );
    // path-gated rule + stopwords
    assert_eq!(
        ids(&s.scan_bytes("/app/app.properties", b"db.password = Zq8-fAkE-9xL\n")),
        ["acme-db-password"]
    );
    assert!(
        !ids(&s.scan_bytes("/app/app.yaml", b"db.password = Zq8-fAkE-9xL\n"))
            .contains(&"acme-db-password")
    );
    assert!(
        s.scan_bytes("/app/app.properties", b"db.password = dummy-Zq8\n")
            .is_empty()
    );
    // path-only rule: the file is the finding
    let f = s.scan_bytes("/app/certs/client.p12", b"not really pkcs12");
    assert_eq!(ids(&f), ["pkcs12-file"]);
    assert_eq!(f[0].redacted, "");
}

#[test]
fn customs_format_with_globs_and_disable() {
    let text = r#"
disabled_rules = ["generic-password"]
default_allowlist = true

[[rules]]
id = "corp-key"
title = "Corp signing key"
severity = "critical"
keywords = ["corpkey-"]
regex = '''corpkey-(?P<secret>[A-Z0-9]{24})'''

[[allowlists]]
path_globs = ["/srv/static/**", "**/generated/*.txt"]

[[allowlists]]
targetRules = ["corp-key"]
regexes = ['''^TESTTESTTESTTESTTESTTEST$''']
"#;
    let cfg = SecretConfig::from_toml_str(text, "customs.toml").unwrap();
    let s = Scanner::new(cfg).unwrap();
    let hit = b"k = corpkey-Q8ZFAKE9X7TNW2RLP9VBY3CM\n";
    let f = s.scan_bytes("/app/k.txt", hit);
    assert_eq!(ids(&f), ["corp-key"]);
    assert_eq!(f[0].severity, Severity::Critical);
    assert!(s.scan_bytes("/srv/static/k.txt", hit).is_empty());
    assert!(s.scan_bytes("app/out/generated/k.txt", hit).is_empty());
    assert!(!s.wants_path("/srv/static/k.txt"));
    assert!(
        s.scan_bytes("/app/k.txt", b"k = corpkey-TESTTESTTESTTESTTESTTEST\n")
            .is_empty()
    );
    assert!(
        s.scan_bytes("/app/settings.py", b"db_password = \"Q7v-fake-9zLp2Wx\"\n")
            .is_empty()
    );
}

#[test]
fn use_default_false_replaces_builtins() {
    let text = "[extend]\nuseDefault = false\n[[rules]]\nid = \"only\"\nregex = '''only-[0-9]{6}'''\nkeywords = [\"only-\"]\n";
    let s = Scanner::new(SecretConfig::from_toml_str(text, "t.toml").unwrap()).unwrap();
    assert_eq!(s.rule_count(), 1);
    let gh = concat!("ghp_", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6");
    assert!(s.scan_bytes("/app/a", gh.as_bytes()).is_empty());
    assert_eq!(ids(&s.scan_bytes("/app/a", b"only-123456")), ["only"]);
}

#[test]
fn custom_rule_replaces_builtin_of_same_id() {
    let text = "[[rules]]\nid = \"github-pat\"\ndescription = \"stricter\"\nseverity = \"LOW\"\nregex = '''ghp_[A-Za-z0-9]{36}'''\nkeywords = [\"ghp_\"]\n";
    let s = Scanner::new(SecretConfig::from_toml_str(text, "t.toml").unwrap()).unwrap();
    let gh = concat!("ghp_", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6");
    let f = s.scan_bytes("/app/a", gh.as_bytes());
    assert_eq!(ids(&f), ["github-pat"]);
    assert_eq!(f[0].severity, Severity::Low);
    assert_eq!(s.rules().iter().filter(|r| r.id == "github-pat").count(), 1);
}

#[test]
fn bad_regex_names_the_rule() {
    let text =
        "[[rules]]\nid = \"broken-rule\"\nregex = '''(?<!lookbehind)x'''\nkeywords = [\"x\"]\n";
    let err = Scanner::new(SecretConfig::from_toml_str(text, "t.toml").unwrap()).unwrap_err();
    match &err {
        SecretError::RuleRegex { rule_id, what, .. } => {
            assert_eq!((rule_id.as_str(), *what), ("broken-rule", "regex"))
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("broken-rule"));
    // secretGroup beyond the groups
    let text = "[[rules]]\nid = \"g\"\nregex = '''(a)b'''\nsecretGroup = 3\n";
    assert!(matches!(
        Scanner::new(SecretConfig::from_toml_str(text, "t.toml").unwrap()),
        Err(SecretError::RuleRegex { .. })
    ));
}

#[test]
fn go_re2_syntax_compiles() {
    // features gitleaks rules use: inline flags mid-pattern, (?-i:), \z, named
    // groups, POSIX classes, Unicode classes (fallback to Unicode mode)
    let text = r#"
[extend]
useDefault = false
[[rules]]
id = "re2-a"
regex = '''dp\.pt\.(?i)[a-z0-9]{43}'''
keywords = ["dp.pt."]
[[rules]]
id = "re2-b"
regex = '''(?i)[\w.-]{0,50}?(?:(?-i:[Oo]kta|OKTA))(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(00[\w=\-]{40})(?:[\x60'"\s;]|\\[nr]|$)'''
keywords = ["okta"]
[[rules]]
id = "re2-c"
regex = '''(?P<tok>[[:alpha:]]{3}-\pL+)\z'''
keywords = ["-"]
"#;
    let s = Scanner::new(SecretConfig::from_toml_str(text, "t.toml").unwrap()).unwrap();
    assert!(
        ids(&s.scan_bytes(
            "/a",
            b"OKTA_TOKEN = \"00Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6Q8zf\"\n"
        ))
        .contains(&"re2-b")
    );
    assert_eq!(
        ids(&s.scan_bytes("/a", b"value abc-\xc3\xa9t\xc3\xa9")),
        ["re2-c"]
    );
    assert_eq!(
        ids(&s.scan_bytes(
            "/a",
            concat!("dp.pt.", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6Q8zfAkE").as_bytes()
        )),
        ["re2-a"]
    );
}

#[test]
fn invalid_configs() {
    for (text, want) in [
        ("[[rules]]\nregex = 'x'\n", "without an id"),
        ("[[rules]]\nid = \"a\"\n", "regex or a path"),
        (
            "[[rules]]\nid = \"a\"\nregex = 'x'\nseverity = \"URGENT\"\n",
            "severity",
        ),
        (
            "[[rules]]\nid = \"a\"\nregex = 'x'\n[[rules.allowlists]]\ncondition = \"XOR\"\n",
            "condition",
        ),
        ("[extend]\nurl = \"https://x\"\n", "url"),
        ("rules = 5\n", "invalid secret config"),
    ] {
        let err = SecretConfig::from_toml_str(text, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn extend_path_and_from_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.toml");
    std::fs::File::create(&base)
        .unwrap()
        .write_all(
            b"[[rules]]\nid = \"base-rule\"\nregex = '''base-[0-9]{6}'''\nkeywords = [\"base-\"]\n",
        )
        .unwrap();
    let top = dir.path().join("top.toml");
    std::fs::File::create(&top)
        .unwrap()
        .write_all(b"[extend]\npath = \"base.toml\"\n[[rules]]\nid = \"top-rule\"\nregex = '''top-[0-9]{6}'''\nkeywords = [\"top-\"]\n")
        .unwrap();
    let cfg = SecretConfig::from_file(&top).unwrap();
    let ids_: Vec<&str> = cfg.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids_, ["base-rule", "top-rule"]);
    let s = Scanner::new(cfg).unwrap();
    assert_eq!(
        ids(&s.scan_bytes("/a", b"base-123456 top-654321")),
        ["base-rule", "top-rule"]
    );
    let missing = SecretConfig::from_file(&dir.path().join("nope.toml")).unwrap_err();
    assert!(matches!(missing, SecretError::ReadConfig { .. }));
    // self-extension loops stop at the depth limit
    let me = dir.path().join("loop.toml");
    std::fs::write(&me, "[extend]\npath = \"loop.toml\"\n").unwrap();
    assert!(matches!(
        SecretConfig::from_file(&me),
        Err(SecretError::Extend { .. })
    ));
}

#[test]
fn scanner_is_send_sync_and_shared() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Scanner>();
    let s = scanner();
    let gh = concat!("ghp_", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6");
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| assert_eq!(ids(&s.scan_bytes("/app/a", gh.as_bytes())), ["github-pat"]));
        }
    });
}
