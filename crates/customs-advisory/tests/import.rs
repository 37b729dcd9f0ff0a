//! Import of the shared osv.dev-layout data and of small crafted inputs.

mod common;

use std::io::Write;
use std::path::Path;

use common::{ecosystems, expected_counts, shared_osv, temp_files, zip_facts};
use customs_advisory::{Db, Event, RangeType, SeverityType, UpdateMode, import, parse_timestamp};

#[test]
fn import_whole_shared_osv() {
    let osv = shared_osv();
    let feeds = ecosystems(&osv);
    assert!(feeds.len() >= 6, "ecosystems.txt lists {feeds:?}");
    let expected = expected_counts(&osv, &feeds);

    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("advisory.db");
    let report = import(&osv, &db_path).unwrap();

    // Per-feed counts: zip contents minus withdrawn.
    let got: std::collections::BTreeMap<String, u64> = report
        .ecosystems
        .iter()
        .map(|(k, r)| (k.clone(), r.records))
        .collect();
    assert_eq!(got, expected);
    for (feed, r) in &report.ecosystems {
        let facts = zip_facts(&osv.join(feed).join("all.zip"));
        assert_eq!(r.mode, UpdateMode::Full);
        assert_eq!(r.fetched as usize, facts.entries, "{feed}");
        assert_eq!(r.withdrawn as usize, facts.withdrawn.len(), "{feed}");
        // Schema-invalid but well-formed records (the 4 PyPI GIT ones, the
        // bad CVSS vector) are kept: nothing in the shared data fails to parse.
        assert_eq!(r.invalid, 0, "{feed}: {:?}", report.warnings);
    }
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(report.db_size > 0);
    assert_eq!(std::fs::metadata(&db_path).unwrap().len(), report.db_size);
    assert!(temp_files(dir.path(), "advisory.db").is_empty());

    let db = Db::open(&db_path).unwrap();
    let status = db.status();
    let status_counts: std::collections::BTreeMap<String, u64> = status
        .ecosystems
        .iter()
        .map(|e| (e.ecosystem.clone(), e.records))
        .collect();
    assert_eq!(status_counts, expected);
    assert_eq!(status.total_records, expected.values().sum::<u64>());
    assert_eq!(status.source, osv.display().to_string());
    assert!(status.built_at.is_some() && status.age.is_some());

    // The four PyPI records that fail the OSV schema are stored and parse.
    for id in [
        "PYSEC-2017-27",
        "PYSEC-2019-155",
        "PYSEC-2021-371",
        "PYSEC-2023-80",
    ] {
        let v = db
            .vulnerability(id)
            .unwrap()
            .unwrap_or_else(|| panic!("{id} missing"));
        assert!(
            v.affected
                .iter()
                .flat_map(|a| &a.ranges)
                .any(|r| r.kind == RangeType::Git),
            "{id} has a GIT range"
        );
    }
    let v = db.vulnerability("PYSEC-2017-27").unwrap().unwrap();
    assert!(v.affected[0].ranges[0].events.contains(&Event::Fixed(
        "b27f38a67573f4c989710c9bfb726dd4c1eeb929.patch".into()
    )));
    // Found through PEP 503 normalisation of the query name.
    let c = db.affected_for("PyPI", "Python_Fedora").unwrap();
    assert!(c.iter().any(|c| c.vuln_id == "PYSEC-2017-27"));

    // x_NSWG-ECO-504 with its invalid CVSS vector is kept verbatim.
    let v = db.vulnerability("x_NSWG-ECO-504").unwrap().unwrap();
    assert_eq!(v.severity[0].kind, SeverityType::CvssV3);
    assert_eq!(
        v.severity[0].score,
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:U/A:U"
    );
    let c = db.affected_for("npm", "statics-server").unwrap();
    assert!(c.iter().any(|c| c.vuln_id == "x_NSWG-ECO-504"), "{c:?}");

    // Withdrawn records are not stored.
    for feed in ["PyPI", "Go", "crates.io"] {
        let facts = zip_facts(&osv.join(feed).join("all.zip"));
        let id = facts.withdrawn.first().expect("feed has withdrawn records");
        assert!(db.vulnerability(id).unwrap().is_none(), "{id} is withdrawn");
    }

    // Stored record bytes are the original zip entry.
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(osv.join("Go/all.zip")).unwrap()).unwrap();
    let mut original = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name("GO-2020-0001.json").unwrap(),
        &mut original,
    )
    .unwrap();
    assert_eq!(db.raw_record("GO-2020-0001").unwrap().unwrap(), original);

    // Base and full ecosystem lookups (Debian: source packages per release).
    let all = db.affected_for("Debian", "openssl").unwrap();
    let eleven = db.affected_for("Debian:11", "openssl").unwrap();
    assert!(!eleven.is_empty());
    assert!(eleven.iter().all(|c| c.ecosystem == "Debian:11"));
    assert!(all.len() > eleven.len());
    let releases: std::collections::BTreeSet<_> = all.iter().map(|c| c.ecosystem.clone()).collect();
    assert!(releases.len() > 3, "{releases:?}");
    assert_eq!(
        db.affected_for("debian:11", "OpenSSL").unwrap().len(),
        eleven.len()
    );
    assert!(db.affected_for("Alpine:v3.11", "openssl").unwrap().len() > 1);
    assert!(db.affected_for("Debian:12", "openssl").unwrap().is_empty());
    assert!(
        db.affected_for("PyPI", "no-such-package-anywhere")
            .unwrap()
            .is_empty()
    );
    assert!(!db.affected_for("crates.io", "hyper").unwrap().is_empty());
    // Go modules are case-sensitive.
    let go = db.affected_for("Go", "github.com/gin-gonic/gin").unwrap();
    assert!(!go.is_empty());
    assert!(
        db.affected_for("Go", "github.com/Gin-Gonic/Gin")
            .unwrap()
            .is_empty()
    );

    // The lookup statement is served by the (ecosystem_base, name) index.
    let conn = rusqlite::Connection::open(&db_path).unwrap();
    let mut stmt = conn
        .prepare(&format!(
            "EXPLAIN QUERY PLAN {}",
            customs_advisory::schema::SELECT_AFFECTED
        ))
        .unwrap();
    for full in [None, Some("Debian:11")] {
        let plan: Vec<String> = stmt
            .query_map(rusqlite::params!["Debian", "openssl", full], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.contains("USING INDEX affected_lookup")),
            "{plan:?}"
        );
    }

    // A fresh build trains and stores a zstd dictionary.
    let dicts: i64 = conn
        .query_row("SELECT count(*) FROM zstd_dict", [], |r| r.get(0))
        .unwrap();
    assert_eq!(dicts, 1);

    // Cursor: the newest csv time that is not in the future (PyPI has two
    // records dated 2027 that must not become the cursor).
    let now = time::OffsetDateTime::now_utc();
    for e in &status.ecosystems {
        let csv = std::fs::read_to_string(osv.join(&e.ecosystem).join("modified_id.csv")).unwrap();
        let head = csv
            .lines()
            .filter_map(|l| parse_timestamp(l.split(',').next().unwrap()))
            .filter(|t| *t <= now)
            .max();
        assert_eq!(e.last_modified, head, "{}", e.ecosystem);
    }
}

fn record(id: &str, eco: &str, name: &str, extra: &str) -> String {
    format!(
        r#"{{"id": "{id}", "modified": "2024-01-02T03:04:05Z", "summary": "s {id}"{extra},
            "affected": [{{"package": {{"ecosystem": "{eco}", "name": "{name}"}},
                           "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "2.0"}}]}}]}}]}}"#
    )
}

/// A zip with 2 good records, 1 withdrawn, 1 structurally invalid, 1 not
/// JSON at all, and a non-JSON file that must be ignored.
fn crafted_zip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("crafted.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    let mut add = |name: &str, body: &str| {
        w.start_file(name, opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    };
    add("GOOD-1.json", &record("GOOD-1", "PyPI", "Some_Pkg", ""));
    add("GOOD-2.json", &record("GOOD-2", "NewEco:3", "Thing", ""));
    add(
        "GONE-1.json",
        &record(
            "GONE-1",
            "PyPI",
            "x",
            r#", "withdrawn": "2024-02-01T00:00:00Z""#,
        ),
    );
    add("BROKEN-1.json", r#"{"id": "BROKEN-1", "affected": 5}"#);
    add("garbage.json", "this is not json");
    add("README.md", "ignored");
    w.finish().unwrap();
    path
}

#[test]
fn invalid_records_are_counted_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("a.db");
    let zip = crafted_zip(dir.path());
    let report = import(&zip, &db_path).unwrap();
    let r = &report.ecosystems["crafted"];
    assert_eq!(r.fetched, 5);
    assert_eq!(r.records, 2);
    assert_eq!(r.withdrawn, 1);
    assert_eq!(r.invalid, 2);
    assert_eq!(report.warnings.len(), 2);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.id.as_deref() == Some("BROKEN-1") && w.location.ends_with("!BROKEN-1.json"))
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.location.ends_with("!garbage.json") && w.id.as_deref() == Some("garbage"))
    );

    let db = Db::open(&db_path).unwrap();
    // Unknown ecosystems are stored and found, by base or full string.
    assert_eq!(db.affected_for("NewEco", "Thing").unwrap().len(), 1);
    assert_eq!(db.affected_for("NewEco:3", "Thing").unwrap().len(), 1);
    assert!(db.affected_for("NewEco:4", "Thing").unwrap().is_empty());
    assert_eq!(
        db.affected_for("PyPI", "some.pkg").unwrap()[0].vuln_id,
        "GOOD-1"
    );
    assert!(db.vulnerability("GONE-1").unwrap().is_none());
}

#[test]
fn json_import_adds_replaces_and_removes() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("a.db");
    import(&crafted_zip(dir.path()), &db_path).unwrap();
    let cursor_before = Db::open(&db_path).unwrap().status().ecosystems[0].last_modified;

    // Replace GOOD-1 (new summary), add NEW-1, as a single record each.
    let one = dir.path().join("one.json");
    std::fs::write(
        &one,
        record("GOOD-1", "PyPI", "Some_Pkg", "").replace("s GOOD-1", "replaced"),
    )
    .unwrap();
    let rep = import(&one, &db_path).unwrap();
    assert_eq!(rep.ecosystems["PyPI"].updated, 1);
    let db = Db::open(&db_path).unwrap();
    assert_eq!(
        db.vulnerability("GOOD-1")
            .unwrap()
            .unwrap()
            .summary
            .as_deref(),
        Some("replaced")
    );
    // Still exactly one affected row for GOOD-1 (old rows replaced).
    assert_eq!(db.affected_for("PyPI", "some-pkg").unwrap().len(), 1);
    drop(db);

    // An array with a new record, a withdrawal and an invalid element.
    let arr = dir.path().join("arr.json");
    std::fs::write(
        &arr,
        format!(
            "[{}, {}, {}]",
            record("NEW-1", "PyPI", "newpkg", ""),
            record(
                "GOOD-1",
                "PyPI",
                "Some_Pkg",
                r#", "withdrawn": "2024-03-01T00:00:00Z""#
            ),
            r#"{"id": "BAD", "severity": "high"}"#
        ),
    )
    .unwrap();
    let rep = import(&arr, &db_path).unwrap();
    let r = &rep.ecosystems["PyPI"];
    assert_eq!((r.added, r.withdrawn, r.invalid), (1, 1, 1));
    assert_eq!(rep.warnings.len(), 1);
    assert_eq!(rep.warnings[0].id.as_deref(), Some("BAD"));
    let db = Db::open(&db_path).unwrap();
    assert!(db.vulnerability("GOOD-1").unwrap().is_none());
    assert!(db.affected_for("PyPI", "some-pkg").unwrap().is_empty());
    assert_eq!(
        db.affected_for("PyPI", "NewPkg").unwrap()[0].vuln_id,
        "NEW-1"
    );
    // GOOD-2 from the zip is still there; the zip feed's cursor did not move.
    assert!(db.vulnerability("GOOD-2").unwrap().is_some());
    let st = db.status();
    let crafted = st
        .ecosystems
        .iter()
        .find(|e| e.ecosystem == "crafted")
        .unwrap();
    assert_eq!(crafted.last_modified, cursor_before);
    assert_eq!(crafted.records, 1, "GOOD-1 left the crafted feed too");
    assert!(temp_files(dir.path(), "a.db").is_empty());

    // A single file that is not a record at all is an error, and the DB stays.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"id": "X", "affected": "nope"}"#).unwrap();
    let err = import(&bad, &db_path).unwrap_err().to_string();
    assert!(err.contains("bad.json") && err.contains("(X)"), "{err}");
    assert!(
        Db::open(&db_path)
            .unwrap()
            .vulnerability("NEW-1")
            .unwrap()
            .is_some()
    );
}

#[test]
fn ghsa_samples_keep_database_specific() {
    let zip_path = shared_osv().join("../samples/ghsa-go-testdata.zip");
    let facts = zip_facts(&zip_path);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("ghsa.db");
    let report = import(&zip_path, &db_path).unwrap();
    let r = &report.ecosystems["ghsa-go-testdata"];
    assert_eq!(r.fetched as usize, facts.entries);
    assert_eq!(r.records as usize, facts.entries - facts.withdrawn.len());
    assert_eq!(r.invalid, 0, "{:?}", report.warnings);

    let db = Db::open(&db_path).unwrap();
    let mut with_severity = 0;
    for id in &facts.ids {
        let Some(v) = db.vulnerability(id).unwrap() else {
            continue;
        };
        // Compare with the JSON read independently.
        let mut a = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut a.by_name(&format!("{id}.json")).unwrap(), &mut buf)
            .unwrap();
        let raw: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(
            v.database_severity(),
            raw["database_specific"]["severity"].as_str(),
            "{id}"
        );
        assert_eq!(
            v.database_specific
                .as_ref()
                .and_then(|d| d.get("github_reviewed")),
            raw["database_specific"].get("github_reviewed"),
            "{id}"
        );
        with_severity += usize::from(v.database_severity().is_some());
        for a in &v.affected {
            assert!(
                db.affected_for(a.ecosystem(), a.name())
                    .unwrap()
                    .iter()
                    .any(|c| &c.vuln_id == id),
                "{id} not found by its own package {}",
                a.name()
            );
        }
    }
    assert!(with_severity > 0);
}
