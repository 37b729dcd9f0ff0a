//! OSV range semantics, ecosystem mapping, alias merging and severity, on
//! records built in code (and the real GHSA samples).

mod common;

use std::io::Read;

use common::{deb, inventory, os, pkg, record};
use customs_advisory::{
    AdvisoryStore, AffectedCandidate, MemoryStore, Vulnerability, ecosystem_base,
};
use customs_match::{
    MatchOutput, MatchedBy, Resolution, SkipReason, affects, ecosystem_for, match_inventory,
    score_cvss, target_for,
};
use customs_types::{FixStatus, Inventory, OsManaged, PackageKind, Severity};
use customs_version::Scheme;
use serde_json::json;

fn store(records: Vec<Vulnerability>) -> MemoryStore {
    records.into_iter().collect()
}

fn run(inv: &Inventory, s: &dyn AdvisoryStore) -> MatchOutput {
    match_inventory(inv, s).expect("match")
}

/// One PyPI record for `foo` with these ranges (and versions).
fn pypi(id: &str, ranges: serde_json::Value, versions: serde_json::Value) -> Vulnerability {
    record(json!({
        "id": id, "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
                      "ranges": ranges, "versions": versions}]
    }))
}

/// Is `foo==version` matched by `r`?
fn hit(r: &Vulnerability, version: &str) -> bool {
    let s = store(vec![r.clone()]);
    let inv = inventory(None, vec![pkg(PackageKind::Python, "Foo", version)]);
    let out = run(&inv, &s);
    !out.findings.is_empty()
}

fn eco(events: serde_json::Value) -> serde_json::Value {
    json!([{"type": "ECOSYSTEM", "events": events}])
}

#[test]
fn introduced_fixed() {
    let r = pypi(
        "R",
        eco(json!([{"introduced": "1.0"}, {"fixed": "1.5"}])),
        json!([]),
    );
    for (v, want) in [
        ("0.9", false),
        ("1.0.dev1", false),
        ("1.0", true),
        ("1.0.0", true),
        ("1.4.9", true),
        ("1.5rc1", true),
        ("1.5", false),
        ("1.5.post1", false),
        ("2.0", false),
    ] {
        assert_eq!(hit(&r, v), want, "foo {v}");
    }
}

#[test]
fn last_affected_and_limit() {
    let la = pypi(
        "LA",
        eco(json!([{"introduced": "0"}, {"last_affected": "1.5"}])),
        json!([]),
    );
    assert!(hit(&la, "0.1") && hit(&la, "1.5") && hit(&la, "1.5.0"));
    assert!(!hit(&la, "1.5.post1") && !hit(&la, "1.6"));

    let lim = pypi(
        "LIM",
        eco(json!([{"introduced": "1.0"}, {"limit": "2.0"}])),
        json!([]),
    );
    assert!(!hit(&lim, "0.5") && hit(&lim, "1.0") && hit(&lim, "1.9.9"));
    assert!(!hit(&lim, "2.0") && !hit(&lim, "3.0"));

    let star = pypi(
        "STAR",
        eco(json!([{"introduced": "1.0"}, {"limit": "*"}])),
        json!([]),
    );
    assert!(hit(&star, "99.0") && !hit(&star, "0.9"));

    // Several limits: below any one of them is enough.
    let two = pypi(
        "TWO",
        eco(json!([{"introduced": "0"}, {"limit": "1.0"}, {"limit": "3.0"}])),
        json!([]),
    );
    assert!(hit(&two, "2.0") && !hit(&two, "3.0"));
}

#[test]
fn several_intervals_ranges_and_entries() {
    // Two intervals in one range.
    let r = pypi(
        "MULTI",
        eco(
            json!([{"introduced": "1.0"}, {"fixed": "1.2"}, {"introduced": "2.0"}, {"fixed": "2.2"}]),
        ),
        json!([]),
    );
    for (v, want) in [
        ("0.9", false),
        ("1.1", true),
        ("1.2", false),
        ("1.9", false),
        ("2.1", true),
        ("2.2", false),
    ] {
        assert_eq!(hit(&r, v), want, "{v}");
    }
    // Two ranges; any one matching is enough.
    let r = pypi(
        "RANGES",
        json!([
            {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.2"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "3.0"}, {"last_affected": "3.1"}]}
        ]),
        json!([]),
    );
    assert!(hit(&r, "1.1") && hit(&r, "3.1") && !hit(&r, "2.0") && !hit(&r, "3.2"));
    // Two affected entries for the same package.
    let r = record(json!({
        "id": "ENTRIES", "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {"package": {"ecosystem": "PyPI", "name": "foo"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]},
            {"package": {"ecosystem": "PyPI", "name": "other"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
            {"package": {"ecosystem": "PyPI", "name": "FOO"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "5.0"}, {"fixed": "5.1"}]}]}
        ]
    }));
    assert!(hit(&r, "0.5") && hit(&r, "5.0") && !hit(&r, "2.0"));
    // One finding per advisory, with every fixed version of both entries.
    let s = store(vec![r]);
    let out = run(
        &inventory(None, vec![pkg(PackageKind::Python, "foo", "0.5")]),
        &s,
    );
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].fixed_versions, ["1.0", "5.1"]);
    assert_eq!(out.findings[0].fixed_version.as_deref(), Some("1.0"));
    assert_eq!(out.findings[0].status, FixStatus::Fixed);
}

#[test]
fn versions_list_uses_the_ecosystem_equality() {
    let r = pypi(
        "LIST",
        json!([{"type": "GIT", "repo": "https://example.invalid/foo",
                "events": [{"introduced": "0123456789012345678901234567890123456789"}]}]),
        json!(["1.0", "2.0rc1", "3.0-1"]),
    );
    assert!(hit(&r, "1.0") && hit(&r, "1.0.0") && hit(&r, "v1.0"));
    assert!(hit(&r, "2.0.0rc1") && hit(&r, "2.0c1"));
    assert!(hit(&r, "3.0.post1"), "3.0-1 is 3.0.post1 in PEP 440");
    assert!(!hit(&r, "1.0.1") && !hit(&r, "1.0+local") && !hit(&r, "2.0"));
    // The GIT range alone never matches (and is not an unknown).
    let s = store(vec![r]);
    let out = run(
        &inventory(None, vec![pkg(PackageKind::Python, "foo", "9.9")]),
        &s,
    );
    assert!(out.findings.is_empty() && out.unknowns.is_empty());
    assert_eq!(out.stats.ranges_skipped, 0);

    // npm: SemVer equality ignores build metadata, nothing else.
    let v = record(
        json!({"id": "N", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.2.3"]}]}),
    );
    let s = store(vec![v]);
    for (ver, want) in [
        ("1.2.3", true),
        ("1.2.3+build.7", true),
        ("1.2.3-rc.1", false),
        ("1.2.4", false),
    ] {
        let out = run(
            &inventory(None, vec![pkg(PackageKind::Npm, "left-pad", ver)]),
            &s,
        );
        assert_eq!(!out.findings.is_empty(), want, "left-pad {ver}");
    }
}

#[test]
fn unsorted_events_are_sorted_first() {
    let sorted = pypi(
        "S",
        eco(
            json!([{"introduced": "0"}, {"fixed": "1.2"}, {"introduced": "2.0"}, {"fixed": "2.2"}]),
        ),
        json!([]),
    );
    let unsorted = pypi(
        "U",
        eco(
            json!([{"fixed": "2.2"}, {"introduced": "2.0"}, {"fixed": "1.2"}, {"introduced": "0"}]),
        ),
        json!([]),
    );
    for v in ["0.1", "1.1", "1.2", "1.5", "2.0", "2.1.9", "2.2", "3.0"] {
        assert_eq!(hit(&sorted, v), hit(&unsorted, v), "{v}");
    }
    assert!(hit(&unsorted, "1.1") && hit(&unsorted, "2.1") && !hit(&unsorted, "1.5"));
    // Sorting is by version, not by string: "10.0" > "9.0".
    let r = pypi(
        "NUM",
        eco(json!([{"fixed": "10.0"}, {"introduced": "9.0"}])),
        json!([]),
    );
    assert!(hit(&r, "9.5") && !hit(&r, "10.0") && !hit(&r, "8.0"));
}

#[test]
fn introduced_zero_is_below_every_version() {
    // dpkg: 0~rc1 < 0; parsed as a version, "0" would miss it.
    let d = record(
        json!({"id": "DSA-1", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Debian:12", "name": "foo"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]}]}),
    );
    let s = store(vec![d]);
    let out = run(
        &inventory(
            Some(os("debian", "12")),
            vec![deb("foo", "0~rc1", "foo", "0~rc1")],
        ),
        &s,
    );
    assert_eq!(out.findings.len(), 1);
    // PEP 440: 0.dev0 < 0.
    let r = pypi(
        "Z",
        eco(json!([{"introduced": "0"}, {"fixed": "0.1"}])),
        json!([]),
    );
    assert!(hit(&r, "0.dev0") && hit(&r, "0") && !hit(&r, "0.1"));
}

#[test]
fn semver_ranges_use_semver_precedence() {
    // PEP 440 reads 1.0.0-1 as a post-release (after 1.0.0), SemVer as a
    // pre-release (before it).
    let as_eco = pypi(
        "E",
        eco(json!([{"introduced": "0"}, {"fixed": "1.0.0"}])),
        json!([]),
    );
    let as_semver = pypi(
        "SV",
        json!([{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]),
        json!([]),
    );
    assert!(!hit(&as_eco, "1.0.0-1"));
    assert!(hit(&as_semver, "1.0.0-1"));
    // A PyPI version SemVer cannot read skips the SEMVER range (unknown).
    let s = store(vec![as_semver]);
    let out = run(
        &inventory(None, vec![pkg(PackageKind::Python, "foo", "1!1.0")]),
        &s,
    );
    assert!(out.findings.is_empty());
    assert_eq!(out.stats.ranges_skipped, 1);
    assert!(
        out.unknowns[0]
            .message
            .contains("installed version does not parse")
    );
}

#[test]
fn withdrawn_records_are_ignored() {
    let w = record(json!({"id": "W-1", "modified": "2024-01-01T00:00:00Z",
        "withdrawn": "2024-02-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}));
    assert!(!hit(&w, "1.0"));

    // A store that still returns the entries of a withdrawn record.
    struct Stale(Vulnerability);
    impl AdvisoryStore for Stale {
        fn affected_for(
            &self,
            ecosystem: &str,
            _name: &str,
        ) -> customs_advisory::Result<Vec<AffectedCandidate>> {
            Ok(self
                .0
                .affected
                .iter()
                .filter(|a| ecosystem_base(a.ecosystem()) == ecosystem_base(ecosystem))
                .map(|a| AffectedCandidate {
                    vuln_id: self.0.id.clone(),
                    ecosystem: a.ecosystem().into(),
                    affected: a.clone(),
                })
                .collect())
        }
        fn vulnerability(&self, id: &str) -> customs_advisory::Result<Option<Vulnerability>> {
            Ok((id == self.0.id).then(|| self.0.clone()))
        }
    }
    let out = run(
        &inventory(None, vec![pkg(PackageKind::Python, "foo", "1.0")]),
        &Stale(w),
    );
    assert!(out.findings.is_empty());
    assert_eq!(out.stats.withdrawn_ignored, 1);
}

/// A store that ignores the release: returns every entry of the base
/// ecosystem (so the matcher's own release check is what is tested).
struct Loose(MemoryStore);

impl AdvisoryStore for Loose {
    fn affected_for(
        &self,
        ecosystem: &str,
        name: &str,
    ) -> customs_advisory::Result<Vec<AffectedCandidate>> {
        self.0.affected_for(ecosystem_base(ecosystem), name)
    }
    fn vulnerability(&self, id: &str) -> customs_advisory::Result<Option<Vulnerability>> {
        self.0.vulnerability(id)
    }
}

#[test]
fn another_release_never_matches() {
    let r = record(
        json!({"id": "DSA-9", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Debian:11", "name": "openssl"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1n-0+deb11u4"}]}]}]}),
    );
    let pkgs = vec![deb(
        "libssl3",
        "3.0.11-1~deb12u2",
        "openssl",
        "3.0.11-1~deb12u2",
    )];
    let s = store(vec![r]);
    let loose = Loose(s.clone());
    for st in [&s as &dyn AdvisoryStore, &loose] {
        let out = run(&inventory(Some(os("debian", "12")), pkgs.clone()), st);
        assert!(
            out.findings.is_empty(),
            "Debian:11 record matched Debian 12"
        );
        // The same package on Debian 11 (3.0.11 > 1.1.1n: not affected) and an
        // older one are told apart by version, not by release.
        let old = vec![deb(
            "libssl1.1",
            "1.1.1n-0+deb11u3",
            "openssl",
            "1.1.1n-0+deb11u3",
        )];
        let out = run(&inventory(Some(os("debian", "11")), old), st);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].ecosystem, "Debian:11");
    }
    // Ubuntu: 22.04 is LTS, and a record for 20.04 does not apply.
    let u = record(
        json!({"id": "USN-1", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Ubuntu:20.04:LTS", "name": "curl"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9"}]}]},
        {"package": {"ecosystem": "Ubuntu:Pro:22.04:LTS", "name": "curl"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9"}]}]}]}),
    );
    let loose = Loose(store(vec![u.clone()]));
    let curl = vec![deb(
        "curl",
        "7.81.0-1ubuntu1.15",
        "curl",
        "7.81.0-1ubuntu1.15",
    )];
    let out = run(
        &inventory(Some(os("ubuntu", "22.04")), curl.clone()),
        &loose,
    );
    assert!(out.findings.is_empty());
    let out = run(&inventory(Some(os("ubuntu", "20.04")), curl), &loose);
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].ecosystem, "Ubuntu:20.04:LTS");
}

#[test]
fn deb_matches_by_source_name_and_version() {
    let r = record(
        json!({"id": "DSA-5000-1", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Debian:12", "name": "openssl"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]}),
    );
    let s = store(vec![r]);
    // The binary version (u2+b1) is not below the fix, the source version
    // (u1) is: the source version decides.
    let binary = deb(
        "libssl3",
        "3.0.11-1~deb12u2+b1",
        "openssl",
        "3.0.11-1~deb12u1",
    );
    let mut nosrc = deb("openssl", "3.0.11-1~deb12u1", "x", "y");
    nosrc.source_name = None;
    nosrc.source_version = None;
    let out = run(
        &inventory(Some(os("debian", "12.5")), vec![binary, nosrc]),
        &s,
    );
    assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
    let f = &out.findings[0];
    assert_eq!(f.package.name, "libssl3");
    assert_eq!(f.package.matched_name.as_deref(), Some("openssl"));
    assert_eq!(
        f.package.matched_version.as_deref(),
        Some("3.0.11-1~deb12u1")
    );
    assert_eq!(f.fixed_version.as_deref(), Some("3.0.11-1~deb12u2"));
    assert_eq!(f.id, "DSA-5000-1");
    let g = &out.findings[1];
    assert_eq!(g.package.name, "openssl");
    assert_eq!(g.package.matched_name, None);
    assert_eq!(g.package.matched_version, None);
    // The lookup was made once per source package.
    assert_eq!(out.stats.lookups, 1);
}

#[test]
fn os_managed_ml_runtime_conda_and_no_os() {
    let r = pypi("PYSEC-1", eco(json!([{"introduced": "0"}])), json!([]));
    let s = store(vec![r]);
    let mut managed = pkg(PackageKind::Python, "foo", "1.0");
    managed.os_managed = Some(OsManaged {
        package: "python3-foo".into(),
        version: "1.0-2".into(),
        purl: "pkg:deb/debian/python3-foo@1.0-2".into(),
    });
    let mut conda = pkg(PackageKind::Conda, "foo-conda", "1.0");
    conda.properties.insert("pypi_name".into(), "foo".into());
    let plain_conda = pkg(PackageKind::Conda, "bar", "1.0");
    let ml = pkg(PackageKind::MlRuntime, "cuda", "12.1");
    let debpkg = deb("libc6", "2.36-9", "glibc", "2.36-9");
    let out = run(
        &inventory(None, vec![managed, conda, plain_conda, ml, debpkg]),
        &s,
    );
    assert_eq!(out.stats.packages_considered, 5);
    assert_eq!(out.stats.skipped_os_managed, 1);
    assert_eq!(out.stats.skipped_no_ecosystem, 2);
    assert_eq!(out.stats.skipped_no_os_release, 1);
    assert_eq!(out.stats.packages_matched, 1);
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].package.name, "foo-conda");
    assert_eq!(out.findings[0].package.matched_name.as_deref(), Some("foo"));
    assert_eq!(out.findings[0].ecosystem, "PyPI");
    // The unmatchable deb is reported.
    assert!(
        out.unknowns.iter().any(
            |u| u.message.contains("OS of the image is unknown") && u.message.contains("libc6")
        ),
        "{:#?}",
        out.unknowns
    );
}

#[test]
fn unparseable_versions_skip_with_an_unknown() {
    // A fixed event Debian cannot read: the range is skipped, no finding.
    let r = record(
        json!({"id": "DSA-2", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Debian:12", "name": "foo"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "not a version!"}]}]}]}),
    );
    let s = store(vec![r]);
    let out = run(
        &inventory(
            Some(os("debian", "12")),
            vec![deb("foo", "1.0-1", "foo", "1.0-1")],
        ),
        &s,
    );
    assert!(out.findings.is_empty());
    assert_eq!(out.stats.ranges_skipped, 1);
    assert!(
        out.unknowns[0].message.contains("DSA-2"),
        "{:?}",
        out.unknowns
    );

    // An installed version npm cannot read.
    let n = record(
        json!({"id": "N-1", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "npm", "name": "x"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}),
    );
    let s = store(vec![n]);
    let out = run(
        &inventory(None, vec![pkg(PackageKind::Npm, "x", "latest")]),
        &s,
    );
    assert!(out.findings.is_empty());
    assert_eq!(out.stats.unparseable_versions, 1);
    assert_eq!(out.unknowns.len(), 1);

    // Unknown events and range types: skipped, never a match.
    let u = pypi(
        "UNK",
        json!([
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed_in_branch": "2.0"}]},
            {"type": "FUTURE", "events": [{"introduced": "0"}]}
        ]),
        json!([]),
    );
    let s = store(vec![u]);
    let out = run(
        &inventory(None, vec![pkg(PackageKind::Python, "foo", "1.0")]),
        &s,
    );
    assert!(out.findings.is_empty());
    assert_eq!(out.stats.ranges_skipped, 2);
}

#[test]
fn affects_reports_why() {
    let r = pypi(
        "X",
        json!([
            {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "2.0"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "1.5"}, {"fixed": "1.6"}]},
            {"type": "GIT", "repo": "r", "events": [{"introduced": "0"}]}
        ]),
        json!(["1.5"]),
    );
    let a = &r.affected[0];
    let v = affects(a, Scheme::Pep440, "1.5").unwrap();
    assert!(v.affected);
    assert_eq!(
        v.matched_by,
        [MatchedBy::Range { index: 0 }, MatchedBy::Range { index: 1 }]
    );
    assert_eq!(v.fixed, ["2.0", "1.6"]);
    assert_eq!(v.git_ranges, 1);
    let v = affects(a, Scheme::Pep440, "3.0").unwrap();
    assert!(!v.affected && v.matched_by.is_empty());
    // Only the versions list.
    let l = pypi("L", json!([]), json!(["7.0"]));
    let v = affects(&l.affected[0], Scheme::Pep440, "7.0.0").unwrap();
    assert_eq!(
        v.matched_by,
        [MatchedBy::Versions {
            listed: "7.0".into()
        }]
    );
    assert!(affects(a, Scheme::Debian, "not a version!").is_err());
}

#[test]
fn aliases_merge_into_one_finding() {
    let range = json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5"}]}]);
    let a = record(
        json!({"id": "PYSEC-2021-1", "modified": "2021-03-01T00:00:00Z",
        "published": "2021-01-05T00:00:00Z",
        "aliases": ["CVE-2021-100", "GHSA-aaaa-bbbb-cccc"], "summary": "pysec summary",
        "references": [{"type": "WEB", "url": "https://a"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"}, "ranges": range}]}),
    );
    let b = record(
        json!({"id": "GHSA-aaaa-bbbb-cccc", "modified": "2022-01-01T00:00:00Z",
        "published": "2021-01-02T00:00:00Z",
        "aliases": ["CVE-2021-100"], "summary": "ghsa summary",
        "references": [{"type": "WEB", "url": "https://b"}, {"type": "WEB", "url": "https://a"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.4.2"}, {"introduced": "1.8"}, {"fixed": "2.0"}]}]}]}),
    );
    // Shares only a *related* id: a separate finding.
    let c = record(
        json!({"id": "PYSEC-2021-2", "modified": "2021-03-01T00:00:00Z",
        "related": ["CVE-2021-100"],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"}, "ranges": range}]}),
    );
    // Linked transitively: GO-like record aliasing the GHSA only.
    let d = record(
        json!({"id": "OSV-2021-9", "modified": "2021-03-01T00:00:00Z",
        "aliases": ["GHSA-aaaa-bbbb-cccc"],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"}, "ranges": range}]}),
    );
    let s = store(vec![a, b, c, d]);
    let out = run(
        &inventory(None, vec![pkg(PackageKind::Python, "foo", "1.4")]),
        &s,
    );
    assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
    let f = &out.findings[0];
    assert_eq!(f.id, "CVE-2021-100");
    assert_eq!(
        f.advisories,
        ["GHSA-aaaa-bbbb-cccc", "OSV-2021-9", "PYSEC-2021-1"]
    );
    assert_eq!(
        f.aliases,
        ["GHSA-aaaa-bbbb-cccc", "OSV-2021-9", "PYSEC-2021-1"]
    );
    assert_eq!(f.fixed_version.as_deref(), Some("1.4.2"));
    assert_eq!(f.fixed_versions, ["1.4.2", "1.5", "2.0"]);
    assert_eq!(f.published.as_deref(), Some("2021-01-02T00:00:00Z"));
    assert_eq!(f.modified.as_deref(), Some("2022-01-01T00:00:00Z"));
    // Text from the first record by id (GHSA < OSV < PYSEC), links merged.
    assert_eq!(f.title.as_deref(), Some("ghsa summary"));
    assert_eq!(f.references, ["https://b", "https://a"]);
    let g = &out.findings[1];
    assert_eq!(g.id, "PYSEC-2021-2");
    assert!(g.aliases.is_empty());
    assert_eq!(g.advisories, ["PYSEC-2021-2"]);

    // Above every fixed version but in a listed range: affected, no fix.
    let out = run(
        &inventory(None, vec![pkg(PackageKind::Python, "foo", "1.9")]),
        &s,
    );
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].advisories, ["GHSA-aaaa-bbbb-cccc"]);
    assert_eq!(out.findings[0].fixed_version.as_deref(), Some("2.0"));
}

#[test]
fn deterministic_order() {
    let r = pypi("PYSEC-1", eco(json!([{"introduced": "0"}])), json!([]));
    let r2 = pypi("PYSEC-0", eco(json!([{"introduced": "0"}])), json!([]));
    let r3 = record(
        json!({"id": "PYSEC-5", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "abc"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}),
    );
    let s = store(vec![r, r2, r3]);
    let inv = inventory(
        None,
        vec![
            pkg(PackageKind::Python, "foo", "1.0"),
            pkg(PackageKind::Python, "abc", "2.0"),
        ],
    );
    let a = run(&inv, &s);
    let ids: Vec<(String, String)> = a
        .findings
        .iter()
        .map(|f| (f.package.name.clone(), f.id.clone()))
        .collect();
    assert_eq!(
        ids,
        [
            ("abc".to_string(), "PYSEC-5".to_string()),
            ("foo".into(), "PYSEC-0".into()),
            ("foo".into(), "PYSEC-1".into())
        ]
    );
    let mut rev = inv.clone();
    rev.packages.reverse();
    assert_eq!(run(&rev, &s).findings, a.findings);
}

#[test]
fn ecosystem_mapping() {
    let e =
        |p: &customs_types::Package, o: Option<customs_types::OsInfo>| ecosystem_for(p, o.as_ref());
    let t = |a: &str, b: &str, c: &str| Some((a.to_string(), b.to_string(), c.to_string()));
    let d = deb(
        "libssl3",
        "3.0.11-1~deb12u2+b1",
        "openssl",
        "3.0.11-1~deb12u2",
    );
    assert_eq!(
        e(&d, Some(os("debian", "12"))),
        t("Debian:12", "openssl", "3.0.11-1~deb12u2")
    );
    assert_eq!(
        e(&d, Some(os("debian", "12.4"))),
        t("Debian:12", "openssl", "3.0.11-1~deb12u2")
    );
    assert_eq!(
        e(&d, Some(os("ubuntu", "22.04"))),
        t("Ubuntu:22.04:LTS", "openssl", "3.0.11-1~deb12u2")
    );
    assert_eq!(
        e(&d, Some(os("ubuntu", "23.10"))),
        t("Ubuntu:23.10", "openssl", "3.0.11-1~deb12u2")
    );
    assert_eq!(e(&d, None), None);
    assert_eq!(e(&d, Some(os("linuxmint", "21"))), None);
    let mut no_ver = os("debian", "x");
    no_ver.version = None;
    assert!(matches!(
        target_for(&d, Some(&no_ver)),
        Resolution::Skip(SkipReason::NoOsRelease { .. })
    ));

    let mut apk = pkg(PackageKind::Apk, "libcrypto3", "3.1.4-r1");
    apk.source_name = Some("openssl".into());
    assert_eq!(
        e(&apk, Some(os("alpine", "3.19.1"))),
        t("Alpine:v3.19", "openssl", "3.1.4-r1")
    );
    assert_eq!(
        e(&apk, Some(os("wolfi", "20230201"))),
        t("Wolfi", "openssl", "3.1.4-r1")
    );

    let mut rpm = pkg(PackageKind::Rpm, "openssl-libs", "1:3.0.7-24.el9");
    rpm.source_name = Some("openssl-3.0.7-24.el9.src.rpm".into());
    assert_eq!(
        e(&rpm, Some(os("rhel", "9.3"))),
        t(
            "Red Hat:enterprise_linux:9",
            "openssl-libs",
            "1:3.0.7-24.el9"
        )
    );
    let Resolution::Match(rh) = target_for(&rpm, Some(&os("rhel", "9.3"))) else {
        panic!()
    };
    assert_eq!(rh.names, ["openssl-libs", "openssl"]);
    assert!(rh.accepts("Red Hat:enterprise_linux:9::appstream"));
    assert_eq!(
        e(&rpm, Some(os("rocky", "9.3"))),
        t("Rocky Linux:9", "openssl", "1:3.0.7-24.el9")
    );
    assert_eq!(
        e(&rpm, Some(os("almalinux", "8.9"))),
        t("AlmaLinux:8", "openssl", "1:3.0.7-24.el9")
    );
    let mut sles = os("sles", "15.5");
    sles.pretty_name = Some("SUSE Linux Enterprise Server 15 SP5".into());
    assert_eq!(
        e(&rpm, Some(sles)),
        t(
            "SUSE:Linux Enterprise Server 15 SP5",
            "openssl",
            "1:3.0.7-24.el9"
        )
    );
    let mut leap = os("opensuse-leap", "15.5");
    leap.pretty_name = Some("openSUSE Leap 15.5".into());
    assert_eq!(
        e(&rpm, Some(leap)),
        t("openSUSE:Leap 15.5", "openssl", "1:3.0.7-24.el9")
    );
    assert!(matches!(
        target_for(&rpm, Some(&os("fedora", "39"))),
        Resolution::Skip(SkipReason::NoEcosystem { .. })
    ));

    let py = pkg(PackageKind::Python, "Jinja2", "2.11.2");
    assert_eq!(e(&py, None), t("PyPI", "Jinja2", "2.11.2"));
    assert_eq!(
        e(&pkg(PackageKind::Npm, "@babel/core", "7.0.0"), None),
        t("npm", "@babel/core", "7.0.0")
    );
    assert_eq!(
        e(&pkg(PackageKind::Go, "stdlib", "go1.21.3"), None),
        t("Go", "stdlib", "1.21.3")
    );
    assert_eq!(
        e(&pkg(PackageKind::Go, "github.com/x/y", "v1.2.3"), None),
        t("Go", "github.com/x/y", "v1.2.3")
    );
    assert_eq!(
        e(&pkg(PackageKind::Cargo, "smallvec", "1.6.0"), None),
        t("crates.io", "smallvec", "1.6.0")
    );
    let mut mvn = pkg(PackageKind::Maven, "log4j-core", "2.14.1");
    assert_eq!(e(&mvn, None), None);
    mvn.properties
        .insert("group".into(), "org.apache.logging.log4j".into());
    assert_eq!(
        e(&mvn, None),
        t("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1")
    );
    assert_eq!(
        e(&pkg(PackageKind::Gem, "rack", "2.0.0"), None),
        t("RubyGems", "rack", "2.0.0")
    );
    assert_eq!(
        e(
            &pkg(PackageKind::Composer, "guzzlehttp/guzzle", "7.0.0"),
            None
        ),
        t("Packagist", "guzzlehttp/guzzle", "7.0.0")
    );
    assert_eq!(
        e(&pkg(PackageKind::Nuget, "Newtonsoft.Json", "12.0.1"), None),
        t("NuGet", "Newtonsoft.Json", "12.0.1")
    );
    assert_eq!(e(&pkg(PackageKind::MlRuntime, "cuda", "12.1"), None), None);
    assert_eq!(e(&pkg(PackageKind::Conda, "numpy", "1.26"), None), None);
}

#[test]
fn maven_and_go_stdlib_match() {
    let m = record(
        json!({"id": "GHSA-jfh8-c2jp-5v3q", "modified": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-2021-44228"], "affected": [
        {"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}]}]}]}),
    );
    let g = record(
        json!({"id": "GO-2023-2185", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Go", "name": "stdlib"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.20.11"}, {"introduced": "1.21.0-0"}, {"fixed": "1.21.4"}]}]}]}),
    );
    let s = store(vec![m, g]);
    let mut mvn = pkg(PackageKind::Maven, "log4j-core", "2.14.1");
    mvn.properties
        .insert("group".into(), "org.apache.logging.log4j".into());
    let out = run(
        &inventory(
            None,
            vec![
                mvn,
                pkg(PackageKind::Go, "stdlib", "go1.21.3"),
                pkg(PackageKind::Go, "stdlib", "go1.20.11"),
            ],
        ),
        &s,
    );
    let got: Vec<(String, String, Option<String>)> = out
        .findings
        .iter()
        .map(|f| {
            (
                f.package.name.clone(),
                f.id.clone(),
                f.fixed_version.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "log4j-core".to_string(),
                "CVE-2021-44228".to_string(),
                Some("2.15.0".to_string())
            ),
            (
                "stdlib".into(),
                "GO-2023-2185".into(),
                Some("1.21.4".into())
            ),
        ]
    );
    assert_eq!(out.findings[1].package.version, "go1.21.3");
}

// ---------------------------------------------------------------- severity

fn severity_of(
    records: Vec<Vulnerability>,
    p: customs_types::Package,
) -> (Severity, String, Vec<customs_types::CvssScore>) {
    let s = store(records);
    let out = run(&inventory(None, vec![p]), &s);
    assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
    let f = out.findings.into_iter().next().unwrap();
    (f.severity, f.severity_source, f.cvss)
}

fn with_severity(id: &str, sev: serde_json::Value, db: serde_json::Value) -> Vulnerability {
    record(
        json!({"id": id, "modified": "2024-01-01T00:00:00Z", "severity": sev,
        "database_specific": db,
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}),
    )
}

#[test]
fn cvss_vectors_are_scored() {
    let r = score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
    assert_eq!(
        (r.version, r.score, r.severity),
        (3, 9.8, Some(Severity::Critical))
    );
    // NVD: CVE-2022-30323 8.6 HIGH.
    let r = score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:H").unwrap();
    assert_eq!((r.score, r.severity), (8.6, Some(Severity::High)));
    let r = score_cvss("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N").unwrap();
    assert_eq!((r.score, r.severity), (6.5, Some(Severity::Medium)));
    let r = score_cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
    assert_eq!(
        (r.version, r.score, r.severity),
        (2, 7.5, Some(Severity::High))
    );
    let r = score_cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
    assert_eq!(
        (r.version, r.score, r.severity),
        (4, 9.3, Some(Severity::Critical))
    );
    let r = score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").unwrap();
    assert_eq!((r.score, r.severity), (0.0, None));
    assert!(score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:U/A:U").is_err());
    assert!(score_cvss("").is_err() && score_cvss("HIGH").is_err());

    // v3 only.
    let (sev, src, cvss) = severity_of(
        vec![with_severity(
            "GHSA-1",
            json!([{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:H"}]),
            json!({"severity": "LOW"}),
        )],
        pkg(PackageKind::Python, "foo", "1.0"),
    );
    assert_eq!((sev, src.as_str()), (Severity::High, "CVSS_V3 of GHSA-1"));
    assert_eq!(cvss.len(), 1);
    assert_eq!(cvss[0].score, Some(8.6));
    assert_eq!(cvss[0].source, "GHSA-1");

    // v4 wins over v3 and v2; all are kept.
    let (sev, src, cvss) = severity_of(
        vec![with_severity(
            "PYSEC-1",
            json!([
                {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
                {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"}
            ]),
            json!(null),
        )],
        pkg(PackageKind::Python, "foo", "1.0"),
    );
    assert_eq!((sev, src.as_str()), (Severity::Low, "CVSS_V4 of PYSEC-1"));
    assert_eq!(cvss.len(), 3);

    // An invalid vector (x_NSWG-ECO-504) is kept unscored and falls through.
    let (sev, src, cvss) = severity_of(
        vec![with_severity(
            "x_NSWG-ECO-504",
            json!([{"type": "CVSS_V3", "score": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:U/A:U"}]),
            json!(null),
        )],
        pkg(PackageKind::Python, "foo", "1.0"),
    );
    assert_eq!((sev, src.as_str()), (Severity::Unknown, "none"));
    assert_eq!(cvss[0].score, None);
}

/// The GHSA sample records (real GitHub advisories, Go ecosystem).
fn ghsa_samples() -> Vec<Vulnerability> {
    let path = customs_testutil::shared_dir().join("vulndb/samples/ghsa-go-testdata.zip");
    let f = std::fs::File::open(&path).expect("ghsa-go-testdata.zip");
    let mut z = zip::ZipArchive::new(f).expect("zip");
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).expect("entry");
        if !e.name().is_ok_and(|n| n.ends_with(".json")) {
            continue;
        }
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).expect("read");
        out.push(customs_advisory::parse_record(&buf).expect("GHSA parses"));
    }
    assert_eq!(out.len(), 33);
    out
}

#[test]
fn ghsa_database_specific_severity_fallback() {
    let all = ghsa_samples();
    let s = store(all.clone());
    let go = |n: &str, v: &str| pkg(PackageKind::Go, n, v);
    let out = run(
        &inventory(
            None,
            vec![
                go("github.com/personnummer/go", "v3.0.0"),
                go("github.com/moby/moby", "v20.10.19+incompatible"),
                go("github.com/evmos/evmos/v13", "v13.0.2"),
                go("github.com/hashicorp/go-getter", "v1.6.0"),
            ],
        ),
        &s,
    );
    let by_pkg: Vec<(&str, &str, Severity, &str)> = out
        .findings
        .iter()
        .map(|f| {
            (
                f.package.name.as_str(),
                f.id.as_str(),
                f.severity,
                f.severity_source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        by_pkg,
        [
            (
                "github.com/evmos/evmos/v13",
                "GHSA-m99c-q26r-m7m7",
                Severity::Medium,
                "database_specific.severity of GHSA-m99c-q26r-m7m7"
            ),
            (
                "github.com/hashicorp/go-getter",
                "CVE-2022-30323",
                Severity::High,
                "CVSS_V3 of GHSA-28r2-q6m8-9hpx"
            ),
            (
                "github.com/moby/moby",
                "GHSA-vp35-85q5-9f25",
                Severity::Low,
                "database_specific.severity of GHSA-vp35-85q5-9f25"
            ),
            (
                "github.com/personnummer/go",
                "GHSA-hv53-vf5m-8q94",
                Severity::Low,
                "database_specific.severity of GHSA-hv53-vf5m-8q94"
            ),
        ]
    );
    // Every GHSA sample with a CVSS vector: our score gives the same rating
    // as GitHub's database_specific.severity, or a neighbouring one
    // (GitHub reviewers may override the computed rating).
    for r in &all {
        let Some(sev) = r.severity.iter().find(|s| s.kind.as_str() == "CVSS_V3") else {
            continue;
        };
        let ours = score_cvss(&sev.score).unwrap().severity.unwrap();
        let theirs: Severity = r.database_severity().unwrap().parse().unwrap();
        assert!(
            (ours as i32 - theirs as i32).abs() <= 1,
            "{}: {ours} vs {theirs}",
            r.id
        );
    }
}

#[test]
fn alias_severity_fallback() {
    // Real GHSA record as the alias (its package is another one).
    let mut records = ghsa_samples();
    records.push(record(
        json!({"id": "GO-2099-0001", "modified": "2024-01-01T00:00:00Z",
        "aliases": ["GHSA-hv53-vf5m-8q94"],
        "affected": [{"package": {"ecosystem": "Go", "name": "example.com/fork-of-personnummer"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}),
    ));
    let (sev, src, _) = severity_of(
        records,
        pkg(
            PackageKind::Go,
            "example.com/fork-of-personnummer",
            "v1.0.0",
        ),
    );
    assert_eq!(
        (sev, src.as_str()),
        (
            Severity::Low,
            "alias GHSA-hv53-vf5m-8q94: database_specific.severity of GHSA-hv53-vf5m-8q94"
        )
    );

    // CVE record with a vector; CVE is preferred over another alias.
    let cve = record(
        json!({"id": "CVE-2099-1", "modified": "2024-01-01T00:00:00Z",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}),
    );
    let other = record(json!({"id": "ALT-1", "modified": "2024-01-01T00:00:00Z",
        "database_specific": {"severity": "LOW"}}));
    let r = record(
        json!({"id": "PYSEC-2099-1", "modified": "2024-01-01T00:00:00Z",
        "aliases": ["ALT-1", "CVE-2099-1", "CVE-2099-404"],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}),
    );
    let (sev, src, cvss) = severity_of(vec![cve, other, r], pkg(PackageKind::Python, "foo", "1"));
    assert_eq!(
        (sev, src.as_str()),
        (
            Severity::Critical,
            "alias CVE-2099-1: CVSS_V3 of CVE-2099-1"
        )
    );
    assert_eq!(cvss.len(), 1);
    assert_eq!(cvss[0].source, "CVE-2099-1");
}

#[test]
fn per_package_and_unknown_severity() {
    let r = record(
        json!({"id": "DSA-1", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Debian:12", "name": "foo"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
         "ecosystem_specific": {"severity": "medium"}}]}),
    );
    let s = store(vec![r]);
    let out = run(
        &inventory(
            Some(os("debian", "12")),
            vec![deb("foo", "1-1", "foo", "1-1")],
        ),
        &s,
    );
    assert_eq!(out.findings[0].severity, Severity::Medium);
    assert_eq!(
        out.findings[0].severity_source,
        "affected[].ecosystem_specific.severity of DSA-1"
    );

    let u = record(json!({"id": "USN-1", "modified": "2024-01-01T00:00:00Z",
        "severity": [{"type": "Ubuntu", "score": "high"}],
        "affected": [{"package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "foo"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}));
    let s = store(vec![u]);
    let out = run(
        &inventory(
            Some(os("ubuntu", "22.04")),
            vec![deb("foo", "1-1", "foo", "1-1")],
        ),
        &s,
    );
    assert_eq!(out.findings[0].severity, Severity::High);
    assert_eq!(out.findings[0].severity_source, "Ubuntu priority of USN-1");

    // Nothing anywhere (an alias the store does not have): UNKNOWN.
    let n = record(json!({"id": "PYSEC-3", "modified": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-2000-1"], "database_specific": {"severity": "bogus"},
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}));
    let (sev, src, cvss) = severity_of(vec![n], pkg(PackageKind::Python, "foo", "1"));
    assert_eq!(
        (sev, src.as_str(), cvss.len()),
        (Severity::Unknown, "none", 0)
    );
}
