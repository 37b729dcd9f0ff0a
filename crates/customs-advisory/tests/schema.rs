//! Opening databases that are missing, foreign, or of another schema version.

use std::io::Write;

use customs_advisory::{Db, Error, SCHEMA_VERSION, import};

fn small_db(dir: &std::path::Path) -> std::path::PathBuf {
    let json = dir.join("r.json");
    std::fs::write(
        &json,
        r#"{"id": "T-1", "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}}]}"#,
    )
    .unwrap();
    let db = dir.join("advisory.db");
    import(&json, &db).unwrap();
    db
}

#[test]
fn schema_version_mismatch_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_db(dir.path());
    let opened = Db::open(&db).unwrap();
    assert_eq!(opened.status().schema_version, SCHEMA_VERSION);
    // Built from one record: no dictionary, blobs still readable.
    assert_eq!(opened.vulnerability("T-1").unwrap().unwrap().id, "T-1");
    assert_eq!(opened.affected_for("npm", "left-pad").unwrap().len(), 1);
    drop(opened);

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE meta SET value = '999' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(conn);

    let err = Db::open(&db).unwrap_err();
    match &err {
        Error::SchemaMismatch {
            found, expected, ..
        } => {
            assert_eq!(found, "999");
            assert_eq!(*expected, SCHEMA_VERSION);
        }
        other => panic!("expected SchemaMismatch, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("customs db update"), "{msg}");
    assert!(
        msg.contains("999") && msg.contains(&db.display().to_string()),
        "{msg}"
    );
}

#[test]
fn missing_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.db");
    let err = Db::open(&missing).unwrap_err();
    assert!(matches!(err, Error::Missing { .. }), "{err:?}");
    assert!(err.to_string().contains("customs db update"));

    let garbage = dir.path().join("garbage.db");
    let mut f = std::fs::File::create(&garbage).unwrap();
    f.write_all(&[0x42; 8192]).unwrap();
    drop(f);
    let err = Db::open(&garbage).unwrap_err();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err:?}");
    assert!(err.to_string().contains("customs db update"));

    // A SQLite file of someone else's.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    let err = Db::open(&other).unwrap_err();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err:?}");

    // Importing a single record over a foreign file replaces it (with a warning).
    let json = dir.path().join("r.json");
    std::fs::write(
        &json,
        r#"{"id": "T-2", "modified": "2024-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let rep = import(&json, &garbage).unwrap();
    assert_eq!(rep.warnings.len(), 1, "{:?}", rep.warnings);
    assert!(
        Db::open(&garbage)
            .unwrap()
            .vulnerability("T-2")
            .unwrap()
            .is_some()
    );
}

#[test]
fn concurrent_writer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_db(dir.path());
    let lock = std::fs::File::open(dir.path().join("advisory.db.lock")).unwrap();
    lock.try_lock().unwrap();
    let json = dir.path().join("r.json");
    let err = import(&json, &db).unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err:?}");
    lock.unlock().unwrap();
    import(&json, &db).unwrap();
}
