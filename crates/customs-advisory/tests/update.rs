//! `update` against a loopback HTTP server serving a copy of the shared
//! osv.dev-layout data.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{TestServer, copy_tree, ecosystems, expected_counts, shared_osv, temp_files};
use customs_advisory::{Db, Error, UpdateMode, UpdateOptions, UpdateSummary, update};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn opts() -> UpdateOptions {
    UpdateOptions {
        read_timeout: Duration::from_secs(20),
        concurrency: 4,
        ..UpdateOptions::default()
    }
}

fn mode_of(s: &UpdateSummary, feed: &str) -> UpdateMode {
    s.ecosystems
        .iter()
        .find(|r| r.ecosystem == feed)
        .unwrap_or_else(|| panic!("no report for {feed}"))
        .mode
}

fn report<'a>(s: &'a UpdateSummary, feed: &str) -> &'a customs_advisory::FeedReport {
    s.ecosystems.iter().find(|r| r.ecosystem == feed).unwrap()
}

/// A recent, non-future RFC 3339 time (whole seconds, like osv.dev's csv).
fn recent() -> String {
    let t = OffsetDateTime::now_utc() - Duration::from_secs(60);
    t.replace_nanosecond(0).unwrap().format(&Rfc3339).unwrap()
}

fn write_record(root: &Path, feed: &str, id: &str, body: &serde_json::Value) {
    std::fs::write(
        root.join(feed).join(format!("{id}.json")),
        serde_json::to_vec_pretty(body).unwrap(),
    )
    .unwrap();
}

fn prepend_csv(root: &Path, feed: &str, lines: &[(String, &str)]) {
    let path = root.join(feed).join("modified_id.csv");
    let old = std::fs::read_to_string(&path).unwrap();
    let mut new = String::new();
    for (t, id) in lines {
        new.push_str(&format!("{t},{id}\n"));
    }
    new.push_str(&old);
    std::fs::write(path, new).unwrap();
}

/// Reads one record of a served zip as JSON.
fn zip_record(root: &Path, feed: &str, id: &str) -> serde_json::Value {
    let mut a = zip::ZipArchive::new(std::fs::File::open(root.join(feed).join("all.zip")).unwrap())
        .unwrap();
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut a.by_name(&format!("{id}.json")).unwrap(), &mut buf).unwrap();
    serde_json::from_slice(&buf).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_then_incremental_then_conditional() {
    let served = tempfile::tempdir().unwrap();
    let root = served.path().join("osv");
    copy_tree(&shared_osv(), &root);
    let feeds = ecosystems(&root);
    let expected = expected_counts(&root, &feeds);
    let server = TestServer::start(&root).await;
    let dbdir = tempfile::tempdir().unwrap();
    let db_path = dbdir.path().join("advisory.db");

    // 1. No database: ecosystems.txt, then per feed the csv and the zip.
    let s1 = update(&server.base, None, &db_path, &opts()).await.unwrap();
    assert!(s1.rebuilt.is_some());
    assert_eq!(s1.ecosystems.len(), feeds.len());
    for feed in &feeds {
        assert_eq!(mode_of(&s1, feed), UpdateMode::Full);
        assert_eq!(report(&s1, feed).records, expected[feed], "{feed}");
        assert_eq!(server.counts(&format!("/{feed}/all.zip")).ok, 1, "{feed}");
        assert_eq!(
            server.counts(&format!("/{feed}/modified_id.csv")).ok,
            1,
            "{feed}"
        );
    }
    assert_eq!(server.counts("/ecosystems.txt").ok, 1);
    assert_eq!(server.total_requests(), 1 + 2 * feeds.len() as u64);
    assert_eq!(s1.requests, server.total_requests());
    assert!(s1.warnings.is_empty(), "{:?}", s1.warnings);
    let db = Db::open(&db_path).unwrap();
    let st1 = db.status();
    assert_eq!(st1.source, server.base);
    let pypi_cursor = st1
        .ecosystems
        .iter()
        .find(|e| e.ecosystem == "PyPI")
        .unwrap()
        .last_modified;
    assert!(
        pypi_cursor.unwrap() <= OffsetDateTime::now_utc(),
        "future record became the cursor"
    );
    drop(db);

    // 2. Change the served copy: PyPI gets one changed and one new record,
    // crates.io one withdrawn record; the csvs list them on top.
    let t = recent();
    let mut changed = zip_record(&root, "PyPI", "PYSEC-2017-27");
    changed["modified"] = t.clone().into();
    changed["summary"] = "changed by the test".into();
    write_record(&root, "PyPI", "PYSEC-2017-27", &changed);
    let new = serde_json::json!({
        "id": "PYSEC-2099-1", "modified": t, "published": t,
        "summary": "new record from the test",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "Customs_Test.Pkg"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]
    });
    write_record(&root, "PyPI", "PYSEC-2099-1", &new);
    let crates_ids = common::zip_facts(&root.join("crates.io/all.zip"));
    let victim = crates_ids
        .ids
        .iter()
        .find(|id| !crates_ids.withdrawn.contains(id))
        .unwrap()
        .clone();
    let mut withdrawn = zip_record(&root, "crates.io", &victim);
    withdrawn["modified"] = t.clone().into();
    withdrawn["withdrawn"] = t.clone().into();
    write_record(&root, "crates.io", &victim, &withdrawn);
    prepend_csv(
        &root,
        "PyPI",
        &[(t.clone(), "PYSEC-2099-1"), (t.clone(), "PYSEC-2017-27")],
    );
    prepend_csv(&root, "crates.io", &[(t.clone(), victim.as_str())]);

    let before = server.all_counts();
    let s2 = update(&server.base, None, &db_path, &opts()).await.unwrap();
    assert!(s2.rebuilt.is_none());
    assert!(s2.warnings.is_empty(), "{:?}", s2.warnings);
    let pypi = report(&s2, "PyPI");
    assert_eq!(pypi.mode, UpdateMode::Incremental);
    assert_eq!((pypi.fetched, pypi.added, pypi.updated), (2, 1, 1));
    assert_eq!(pypi.records, expected["PyPI"] + 1);
    let cr = report(&s2, "crates.io");
    assert_eq!(cr.mode, UpdateMode::Incremental);
    assert_eq!((cr.fetched, cr.withdrawn), (1, 1));
    assert_eq!(cr.records, expected["crates.io"] - 1);
    for feed in feeds.iter().filter(|f| *f != "PyPI" && *f != "crates.io") {
        assert_eq!(mode_of(&s2, feed), UpdateMode::Unchanged, "{feed}");
        assert_eq!(report(&s2, feed).records, expected[feed], "{feed}");
    }
    // Exactly: one csv request per feed, and the three changed records.
    let after = server.all_counts();
    let mut delta: Vec<(String, u64)> = after
        .iter()
        .map(|(p, c)| {
            (
                p.clone(),
                c.requests - before.get(p).map_or(0, |b| b.requests),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    delta.sort();
    let mut want: Vec<(String, u64)> = feeds
        .iter()
        .map(|f| (format!("/{f}/modified_id.csv"), 1))
        .chain([
            ("/PyPI/PYSEC-2099-1.json".to_owned(), 1),
            ("/PyPI/PYSEC-2017-27.json".to_owned(), 1),
            (format!("/crates.io/{victim}.json"), 1),
        ])
        .collect();
    want.sort();
    assert_eq!(delta, want);
    for feed in &feeds {
        assert_eq!(
            server.counts(&format!("/{feed}/all.zip")).requests,
            1,
            "zip re-downloaded"
        );
    }
    // Unchanged csvs were answered 304 to a conditional request.
    for feed in feeds.iter().filter(|f| *f != "PyPI" && *f != "crates.io") {
        assert_eq!(
            server
                .counts(&format!("/{feed}/modified_id.csv"))
                .not_modified,
            1
        );
    }
    // The two future-dated PyPI records sit above the cursor but were not refetched.
    assert_eq!(server.counts("/PyPI/PYSEC-2025-19.json").requests, 0);

    let db = Db::open(&db_path).unwrap();
    assert_eq!(
        db.vulnerability("PYSEC-2017-27")
            .unwrap()
            .unwrap()
            .summary
            .as_deref(),
        Some("changed by the test")
    );
    let c = db.affected_for("PyPI", "customs-test-pkg").unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].vuln_id, "PYSEC-2099-1");
    assert!(db.vulnerability(&victim).unwrap().is_none());
    let st2 = db.status();
    let pypi_st = st2
        .ecosystems
        .iter()
        .find(|e| e.ecosystem == "PyPI")
        .unwrap();
    assert_eq!(
        pypi_st.last_modified.map(|t| t.format(&Rfc3339).unwrap()),
        Some(t.clone())
    );
    drop(db);

    // 3. Nothing changed: every csv request is conditional and gets a 304.
    let before = server.total_requests();
    let s3 = update(&server.base, None, &db_path, &opts()).await.unwrap();
    for feed in &feeds {
        assert_eq!(mode_of(&s3, feed), UpdateMode::Unchanged, "{feed}");
        let c = server.counts(&format!("/{feed}/modified_id.csv"));
        assert_eq!(c.requests, 3, "{feed}");
        let expect_304 = if feed == "PyPI" || feed == "crates.io" {
            1
        } else {
            2
        };
        assert_eq!(c.not_modified, expect_304, "{feed}");
    }
    assert_eq!(server.total_requests() - before, feeds.len() as u64);
    assert_eq!(s3.requests, feeds.len() as u64);
    let db = Db::open(&db_path).unwrap();
    assert_eq!(db.status().total_records, st2.total_records);
    assert!(db.status().checked_at >= st2.checked_at);
    assert!(temp_files(dbdir.path(), "advisory.db").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_updates_leave_the_previous_db() {
    let served = tempfile::tempdir().unwrap();
    let root = served.path().join("osv");
    copy_tree(&shared_osv(), &root);
    let server = TestServer::start(&root).await;
    let dbdir = tempfile::tempdir().unwrap();
    let db_path = dbdir.path().join("advisory.db");
    let feeds: Vec<String> = ["npm", "crates.io", "Go"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let expected = expected_counts(&root, &feeds);

    // A download cut off mid-body when there is no database yet: error, no
    // database, no temporary files.
    server.truncate("/Go/all.zip", true);
    let err = update(&server.base, Some(&feeds), &db_path, &opts())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Http { .. } | Error::Zip { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("/Go/all.zip"), "{err}");
    assert!(!db_path.exists());
    assert!(temp_files(dbdir.path(), "advisory.db").is_empty());
    server.truncate("/Go/all.zip", false);

    let s1 = update(&server.base, Some(&feeds), &db_path, &opts())
        .await
        .unwrap();
    assert!(s1.ecosystems.iter().all(|r| r.mode == UpdateMode::Full));
    let baseline = Db::open(&db_path)
        .unwrap()
        .affected_for("npm", "statics-server")
        .unwrap();
    assert_eq!(baseline.len(), 2);

    // A new npm record whose download stalls; the update future is dropped.
    let t = recent();
    let rec = serde_json::json!({
        "id": "x_TEST-1", "modified": t,
        "affected": [{"package": {"ecosystem": "npm", "name": "statics-server"}}]
    });
    write_record(&root, "npm", "x_TEST-1", &rec);
    prepend_csv(&root, "npm", &[(t.clone(), "x_TEST-1")]);
    server.stall("/npm/x_TEST-1.json", true);
    let r = tokio::time::timeout(
        Duration::from_secs(3),
        update(&server.base, Some(&feeds), &db_path, &opts()),
    )
    .await;
    assert!(r.is_err(), "update should still be stalled: {r:?}");
    assert_eq!(server.counts("/npm/x_TEST-1.json").requests, 1);
    let db = Db::open(&db_path).unwrap();
    assert_eq!(db.affected_for("npm", "statics-server").unwrap(), baseline);
    assert!(db.vulnerability("x_TEST-1").unwrap().is_none());
    drop(db);
    assert!(temp_files(dbdir.path(), "advisory.db").is_empty());

    // A stalled server with a short read timeout: an error, same result.
    let short = UpdateOptions {
        read_timeout: Duration::from_millis(500),
        ..opts()
    };
    let err = update(&server.base, Some(&feeds), &db_path, &short)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err:?}");
    assert!(
        Db::open(&db_path)
            .unwrap()
            .vulnerability("x_TEST-1")
            .unwrap()
            .is_none()
    );
    server.stall("/npm/x_TEST-1.json", false);

    // A forced full update whose zip is cut off: the old database stays.
    server.truncate("/crates.io/all.zip", true);
    let forced = UpdateOptions {
        force_full: true,
        ..opts()
    };
    let err = update(&server.base, Some(&feeds), &db_path, &forced)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("/crates.io/all.zip"), "{err}");
    let st = Db::open(&db_path).unwrap().status();
    for e in &st.ecosystems {
        assert_eq!(e.records, expected[&e.ecosystem], "{}", e.ecosystem);
    }
    server.truncate("/crates.io/all.zip", false);

    // Leftovers of a killed process do not break the next update, which
    // removes them.
    std::fs::write(dbdir.path().join(".advisory.db.tmp-killed"), b"garbage").unwrap();
    std::fs::write(
        dbdir.path().join(".advisory.db.dl-killed.zip"),
        b"PK garbage",
    )
    .unwrap();
    let s = update(&server.base, Some(&feeds), &db_path, &opts())
        .await
        .unwrap();
    assert_eq!(mode_of(&s, "npm"), UpdateMode::Incremental);
    assert_eq!(report(&s, "npm").added, 1);
    assert!(temp_files(dbdir.path(), "advisory.db").is_empty());
    let db = Db::open(&db_path).unwrap();
    assert_eq!(db.affected_for("npm", "statics-server").unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_schema_version_is_rebuilt_and_404s_are_handled() {
    let served = tempfile::tempdir().unwrap();
    let root = served.path().join("osv");
    copy_tree(&shared_osv(), &root);
    // No ecosystems.txt at this source: the built-in list is used, and its
    // feeds that the source lacks are skipped with a warning.
    std::fs::remove_file(root.join("ecosystems.txt")).unwrap();
    let server = TestServer::start(&root).await;
    let dbdir = tempfile::tempdir().unwrap();
    let db_path = dbdir.path().join("advisory.db");

    let s = update(&server.base, None, &db_path, &opts()).await.unwrap();
    assert_eq!(server.counts("/ecosystems.txt").not_found, 1);
    assert_eq!(mode_of(&s, "npm"), UpdateMode::Full);
    assert_eq!(mode_of(&s, "Maven"), UpdateMode::Unchanged);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.location.ends_with("/Maven/all.zip"))
    );
    let st = Db::open(&db_path).unwrap().status();
    assert!(st.ecosystems.iter().all(|e| e.ecosystem != "Maven"));

    let conn = rusqlite::Connection::open(&db_path).unwrap();
    conn.execute(
        "UPDATE meta SET value = '0' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(conn);
    assert!(matches!(
        Db::open(&db_path),
        Err(Error::SchemaMismatch { .. })
    ));

    let only = vec!["npm".to_owned()];
    let s = update(&server.base, Some(&only), &db_path, &opts())
        .await
        .unwrap();
    assert!(
        s.rebuilt.as_deref().unwrap().contains("schema version"),
        "{:?}",
        s.rebuilt
    );
    assert_eq!(mode_of(&s, "npm"), UpdateMode::Full);
    let db = Db::open(&db_path).unwrap();
    assert_eq!(db.status().ecosystems.len(), 1);
    assert_eq!(db.affected_for("npm", "statics-server").unwrap().len(), 2);
}
