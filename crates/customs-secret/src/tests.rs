//! Table-driven rule tests: every built-in rule's own examples.

use std::collections::HashSet;

use crate::rules::{BUILTIN_RULES, BuiltinRule, RuleKind};
use crate::{Scanner, SecretFinding};

fn run(scanner: &Scanner, rule: &BuiltinRule, example: &str) -> Vec<SecretFinding> {
    match rule.kind {
        RuleKind::ConfigKeyName => {
            let (k, v) = example.split_once('=').unwrap_or((example, ""));
            scanner.scan_kv(rule.example_path, k, v)
        }
        _ => scanner.scan_bytes(rule.example_path, example.as_bytes()),
    }
}

#[test]
fn every_rule_has_working_examples() {
    let scanner = Scanner::with_defaults().expect("built-in rules compile");
    let mut failures = Vec::new();
    for rule in BUILTIN_RULES {
        if rule.examples_positive.is_empty() {
            failures.push(format!("{}: no positive example", rule.id));
        }
        if rule.examples_negative.is_empty() {
            failures.push(format!("{}: no negative example", rule.id));
        }
        for (i, ex) in rule.examples_positive.iter().enumerate() {
            let found = run(&scanner, rule, ex);
            if !found.iter().any(|f| f.rule_id == rule.id) {
                let ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
                failures.push(format!(
                    "{}: positive example #{i} not found (found {ids:?})",
                    rule.id
                ));
            }
        }
        for (i, ex) in rule.examples_negative.iter().enumerate() {
            let found = run(&scanner, rule, ex);
            if found.iter().any(|f| f.rule_id == rule.id) {
                failures.push(format!(
                    "{}: negative example #{i} gives a finding",
                    rule.id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule example failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_ids_are_unique_and_plenty() {
    let mut seen = HashSet::new();
    for r in BUILTIN_RULES {
        assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
        assert!(!r.title.is_empty(), "{} has no title", r.id);
        assert!(
            r.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "bad id {}",
            r.id
        );
        if r.kind == RuleKind::Regex {
            assert!(!r.regex.is_empty(), "{} has no regex", r.id);
            assert!(
                !r.keywords.is_empty() || r.path.is_some(),
                "{} runs on every file",
                r.id
            );
            assert!(
                r.keywords.iter().all(|k| *k == k.to_ascii_lowercase()),
                "{} keyword not lower-case",
                r.id
            );
        }
    }
    assert!(
        BUILTIN_RULES.len() >= 100,
        "only {} rules",
        BUILTIN_RULES.len()
    );
    assert_eq!(
        Scanner::with_defaults().unwrap().rule_count(),
        BUILTIN_RULES.len()
    );
}

/// Keywords must occur in every positive example (else the prefilter would
/// hide the rule), checked ASCII case-insensitively.
#[test]
fn keywords_appear_in_positive_examples() {
    for r in BUILTIN_RULES
        .iter()
        .filter(|r| r.kind == RuleKind::Regex && !r.keywords.is_empty())
    {
        for ex in r.examples_positive {
            let lower = ex.to_ascii_lowercase();
            assert!(
                r.keywords.iter().any(|k| lower.contains(k)),
                "{}: no keyword in a positive example",
                r.id
            );
        }
    }
}

#[test]
fn text_without_keywords_runs_no_regex() {
    let scanner = Scanner::with_defaults().unwrap();
    let text = "lorem ipsum dolor sit amet, consectetur adipiscing elit\n".repeat(1000);
    assert!(
        scanner
            .scan_bytes("/app/readme.txt", text.as_bytes())
            .is_empty()
    );
}

/// The same examples inside a larger file: keyword windows (lines merged
/// around keyword hits) must find what a whole-file search finds.
#[test]
fn examples_are_found_inside_larger_files() {
    let scanner = Scanner::with_defaults().unwrap();
    let before: String = (0..200)
        .map(|i| format!("line {i}: the token and password handling lives elsewhere\n"))
        .collect();
    let after: String = (0..200)
        .map(|i| format!("# {i} see docs for the api_key and secret rotation\n"))
        .collect();
    let mut failures = Vec::new();
    for rule in BUILTIN_RULES
        .iter()
        .filter(|r| r.kind == RuleKind::Regex && r.path.is_none())
    {
        for (i, ex) in rule.examples_positive.iter().enumerate() {
            let alone = scanner.scan_bytes(rule.example_path, ex.as_bytes());
            let want = alone
                .iter()
                .find(|f| f.rule_id == rule.id)
                .map_or(1, |f| f.line)
                + 200;
            let text = format!("{before}{ex}\n{after}");
            let found = scanner.scan_bytes(rule.example_path, text.as_bytes());
            match found.iter().find(|f| f.rule_id == rule.id) {
                Some(f) if f.line == want => {}
                Some(f) => failures.push(format!(
                    "{}: example #{i} at line {} instead of {want}",
                    rule.id, f.line
                )),
                None => failures.push(format!(
                    "{}: example #{i} not found inside a larger file",
                    rule.id
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Line-local rules search only the neighbourhood of their keywords in
/// lines longer than 64 KiB (minified bundles, one-line JSON indexes). Every
/// single-line positive example that is found between a few bytes of filler
/// on its line must still be found in the middle of a 400 KB line.
#[test]
fn long_lines_still_give_every_rules_findings() {
    let scanner = Scanner::with_defaults().expect("built-in rules compile");
    let filler = "zq, ".repeat(50_000);
    let mut checked = 0;
    let mut failures = Vec::new();
    for rule in BUILTIN_RULES {
        if rule.kind == RuleKind::ConfigKeyName {
            continue;
        }
        for ex in rule.examples_positive.iter().filter(|e| !e.contains('\n')) {
            let short = format!("zq, {ex} zq,\n");
            let long = format!("{filler}{ex} {filler}\n");
            let found = |text: &str| {
                scanner
                    .scan_bytes(rule.example_path, text.as_bytes())
                    .iter()
                    .any(|f| f.rule_id == rule.id)
            };
            if found(&short) {
                checked += 1;
                if !found(&long) {
                    failures.push(format!("{}: {ex:?}", rule.id));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} examples checked");
    assert!(
        failures.is_empty(),
        "lost in a long line:\n{}",
        failures.join("\n")
    );
}

/// Built-in regexes are compiled on first use, so a scan never reports one
/// that does not compile: each must compile here.
#[test]
fn built_in_regexes_compile() {
    for rule in BUILTIN_RULES {
        if rule.kind == RuleKind::Regex
            && let Err(e) = crate::scanner::build_regex(rule.regex)
        {
            panic!("{}: {e}", rule.id);
        }
    }
}
