//! The list of checks: stable, unique ids, snapshotted.

use std::collections::BTreeSet;

use customs_dockerfile::{CheckTarget, all_checks, is_dockerfile_name};

#[test]
fn ids_are_unique_and_well_formed() {
    let mut seen = BTreeSet::new();
    for c in all_checks() {
        assert!(seen.insert(c.id), "duplicate id {}", c.id);
        let prefix = match c.target {
            CheckTarget::Dockerfile => "CUS-DF-",
            CheckTarget::ImageConfig => "CUS-IC-",
        };
        let num =
            c.id.strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{}", c.id));
        assert!(
            num.len() == 3 && num.chars().all(|d| d.is_ascii_digit()),
            "{}",
            c.id
        );
        assert!(!c.title.is_empty() && !c.description.is_empty() && !c.resolution.is_empty());
    }
    let df = all_checks()
        .iter()
        .filter(|c| c.target == CheckTarget::Dockerfile)
        .count();
    assert!(df >= 25, "only {df} Dockerfile checks");
}

#[test]
fn ids_are_numbered_without_gaps() {
    for (prefix, target) in [
        ("CUS-DF-", CheckTarget::Dockerfile),
        ("CUS-IC-", CheckTarget::ImageConfig),
    ] {
        let ids: Vec<_> = all_checks()
            .iter()
            .filter(|c| c.target == target)
            .map(|c| c.id)
            .collect();
        let expected: Vec<_> = (1..=ids.len()).map(|n| format!("{prefix}{n:03}")).collect();
        assert_eq!(ids, expected);
    }
}

#[test]
fn check_list_snapshot() {
    let list: String = all_checks()
        .iter()
        .map(|c| format!("{} {:<8} {}\n", c.id, c.severity.as_str(), c.title))
        .collect();
    insta::assert_snapshot!(list);
}

#[test]
fn dockerfile_names() {
    for p in [
        "Dockerfile",
        "dockerfile",
        "a/b/Dockerfile.prod",
        "api.Dockerfile",
        "Containerfile",
        "build/Containerfile.gpu",
        "C:\\src\\Dockerfile",
    ] {
        assert!(is_dockerfile_name(p), "{p}");
    }
    for p in [
        "Dockerfile.dockerignore",
        ".dockerignore",
        "Dockerfile.",
        ".Dockerfile",
        "Dockerfiles/x.txt",
        "MyDockerfile",
        "docker-compose.yml",
        "Dockerfile/README.md",
    ] {
        assert!(!is_dockerfile_name(p), "{p}");
    }
}
