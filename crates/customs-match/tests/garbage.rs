//! No input makes the matcher panic, and an event that does not parse never
//! turns into a match.

mod common;

use common::{inventory, os, pkg, record};
use customs_advisory::MemoryStore;
use customs_match::{MatchedBy, affects, match_inventory, score_cvss};
use customs_types::PackageKind;
use customs_version::Scheme;
use proptest::prelude::*;
use serde_json::json;

/// Version-ish strings: mostly plausible pieces, sometimes anything.
fn version() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
        3 => "[0-9a-z.+~:_!*-]{0,12}",
        1 => "\\PC{0,16}",
        1 => Just("0".to_string()),
        1 => Just(String::new()),
    ]
}

fn event() -> impl Strategy<Value = serde_json::Value> {
    (0..6u8, version()).prop_map(|(k, v)| match k {
        0 | 1 => json!({"introduced": v}),
        2 => json!({"fixed": v}),
        3 => json!({"last_affected": v}),
        4 => json!({"limit": v}),
        _ => json!({"mystery": v}),
    })
}

fn range_type() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("ECOSYSTEM"), Just("SEMVER"), Just("GIT"), Just("NEW")]
}

const ECOSYSTEMS: [(&str, PackageKind); 7] = [
    ("PyPI", PackageKind::Python),
    ("npm", PackageKind::Npm),
    ("Go", PackageKind::Go),
    ("crates.io", PackageKind::Cargo),
    ("Debian:12", PackageKind::Deb),
    ("RubyGems", PackageKind::Gem),
    ("NuGet", PackageKind::Nuget),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn match_inventory_never_panics(
        eco in 0..ECOSYSTEMS.len(),
        ranges in proptest::collection::vec(
            (range_type(), proptest::collection::vec(event(), 0..6)), 0..3),
        versions in proptest::collection::vec(version(), 0..4),
        installed in version(),
        aliases in proptest::collection::vec("[A-Z]{1,4}-[0-9]{1,3}", 0..3),
        vector in "\\PC{0,40}",
    ) {
        let (ecosystem, kind) = ECOSYSTEMS[eco];
        let ranges: Vec<_> = ranges
            .into_iter()
            .map(|(t, events)| json!({"type": t, "events": events}))
            .collect();
        let r = record(json!({
            "id": "G-1", "modified": "2024-01-01T00:00:00Z", "aliases": aliases,
            "severity": [{"type": "CVSS_V3", "score": vector}],
            "affected": [{"package": {"ecosystem": ecosystem, "name": "x"},
                          "ranges": ranges, "versions": versions}]
        }));
        let store: MemoryStore = [r.clone()].into_iter().collect();
        let mut p = pkg(kind, "x", &installed);
        p.source_name = Some("x".into());
        let out = match_inventory(&inventory(Some(os("debian", "12")), vec![p]), &store)
            .expect("memory store does not fail");
        prop_assert!(out.findings.len() <= 1);

        // No range with an unparseable event ever matches.
        let scheme = Scheme::for_ecosystem(ecosystem).unwrap();
        if let Ok(v) = affects(&r.affected[0], scheme, &installed) {
            for m in &v.matched_by {
                if let MatchedBy::Range { index } = m {
                    let range = &r.affected[0].ranges[*index];
                    let rs = if range.kind.as_str() == "SEMVER" { Scheme::SemVer } else { scheme };
                    for e in &range.events {
                        let s = e.version().unwrap_or("");
                        let ok = match e {
                            customs_advisory::Event::Introduced(s) if s.trim() == "0" => true,
                            customs_advisory::Event::Limit(s) if s.contains('*') => true,
                            customs_advisory::Event::Unknown { .. } => false,
                            _ => rs.parse(s).is_ok(),
                        };
                        prop_assert!(ok, "range {index} matched with event {e:?}");
                    }
                }
            }
            prop_assert_eq!(v.affected, !v.matched_by.is_empty());
        }
    }

    #[test]
    fn cvss_scoring_never_panics(vector in "(CVSS:[0-9.]{1,4}/)?([A-Z]{1,3}:[A-Z]{1,2}/){0,14}[A-Z]{0,3}:?[A-Z]?") {
        if let Ok(r) = score_cvss(&vector) {
            prop_assert!((0.0..=10.0).contains(&r.score));
        }
    }
}
