//! Unit tests of the store: round trip, replacement, damaged files, package
//! and advisory queries against a real (imported) advisory database, and
//! rescans.

use std::path::Path;

use customs_advisory::Db;
use customs_types::{Inventory, OsInfo, Package, PackageKind};

use crate::{Error, Store, StoredInventory, VersionRange};

fn bookworm() -> OsInfo {
    OsInfo {
        id: "debian".into(),
        version: Some("12".into()),
        codename: Some("bookworm".into()),
        source: "/etc/os-release".into(),
        ..Default::default()
    }
}

fn deb(name: &str, version: &str, source: Option<&str>, layer: u32) -> Package {
    let mut p = Package::new(
        PackageKind::Deb,
        name,
        version,
        format!("pkg:deb/debian/{name}@{version}?distro=debian-12"),
        "/var/lib/dpkg/status",
        "dpkg",
    );
    p.source_name = source.map(str::to_owned);
    p.layer = Some(layer);
    p.files = vec![format!("/usr/share/doc/{name}/copyright")];
    p
}

fn py(name: &str, version: &str, layer: u32) -> Package {
    let mut p = Package::new(
        PackageKind::Python,
        name,
        version,
        format!("pkg:pypi/{}@{version}", name.to_lowercase()),
        format!("/usr/local/lib/python3.11/site-packages/{name}-{version}.dist-info/METADATA"),
        "python",
    );
    p.layer = Some(layer);
    p
}

fn stored(digest: &str, reference: &str, packages: Vec<Package>) -> StoredInventory {
    StoredInventory {
        digest: digest.into(),
        reference: reference.into(),
        source: "oci-dir".into(),
        added_at: "2026-12-05T00:00:00Z".into(),
        inventory: Inventory {
            os: Some(bookworm()),
            packages,
            unknowns: Vec::new(),
        },
    }
}

/// app: requests 2.25.1, libssl3/openssl (source openssl 3.0.9-1), urllib3;
/// base: libssl3 only; other: requests 2.31.0.
fn three_images(store: &mut Store) {
    store
        .add(&stored(
            "sha256:aaaa",
            "app:1",
            vec![
                deb("libssl3", "3.0.9-1", Some("openssl"), 0),
                deb("openssl", "3.0.9-1", None, 0),
                deb("libc6", "2.36-9+deb12u4", Some("glibc"), 0),
                py("requests", "2.25.1", 2),
                py("urllib3", "1.26.5", 2),
            ],
        ))
        .unwrap();
    store
        .add(&stored(
            "sha256:bbbb",
            "base:12",
            vec![
                deb("libssl3", "3.0.11-1~deb12u2", Some("openssl"), 0),
                deb("libc6", "2.36-9+deb12u4", Some("glibc"), 0),
            ],
        ))
        .unwrap();
    store
        .add(&stored(
            "sha256:cccc",
            "other:2",
            vec![py("Requests", "2.31.0", 1)],
        ))
        .unwrap();
}

const PYSEC: &str = r#"{"id": "PYSEC-2099-1", "modified": "2099-01-01T00:00:00Z",
  "aliases": ["CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"],
  "summary": "requests leaks",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]}"#;

const DSA: &str = r#"{"id": "DSA-9999-1", "modified": "2099-01-01T00:00:00Z",
  "related": ["CVE-2099-0002"],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]},
   {"package": {"ecosystem": "Debian:11", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1w-0+deb11u1"}]}]}]}"#;

const URLLIB: &str = r#"{"id": "PYSEC-2099-2", "modified": "2099-01-02T00:00:00Z",
  "aliases": ["CVE-2099-0003"],
  "affected": [{"package": {"ecosystem": "PyPI", "name": "urllib3"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.26.0"}, {"fixed": "1.26.18"}]}]}]}"#;

/// A real advisory DB (through `customs_advisory::import`) of these records.
fn db_of(dir: &Path, name: &str, records: &[&str]) -> Db {
    let json = dir.join(format!("{name}.json"));
    std::fs::write(&json, format!("[{}]", records.join(","))).unwrap();
    let path = dir.join(format!("{name}.db"));
    let _ = std::fs::remove_file(&path);
    customs_advisory::import(&json, &path).unwrap();
    Db::open(&path).unwrap()
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/inventory.db");
    let mut store = Store::open(&path).unwrap();
    let inv = stored(
        "sha256:aaaa",
        "oci-dir:/x/app",
        vec![
            deb("libssl3", "3.0.9-1", Some("openssl"), 0),
            py("requests", "2.25.1", 3),
        ],
    );
    let out = store.add(&inv).unwrap();
    assert!(!out.replaced);
    assert_eq!(out.image.packages, 2);
    assert_eq!(out.image.findings, None, "never matched");
    drop(store);

    let store = Store::open(&path).unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.len(), 1);
    let img = &list[0];
    assert_eq!(img.digest, "sha256:aaaa");
    assert_eq!(img.reference, "oci-dir:/x/app");
    assert_eq!(img.references, vec!["oci-dir:/x/app".to_string()]);
    assert_eq!(img.source, "oci-dir");
    assert_eq!(img.added_at, "2026-12-05T00:00:00Z");
    assert_eq!(img.os.as_ref(), Some(&bookworm()));

    let back = store.inventory("sha256:aaaa").unwrap().unwrap();
    // every field survives but the file lists
    let mut want = inv.inventory.packages.clone();
    for p in &mut want {
        p.files.clear();
    }
    assert_eq!(back.packages, want);
    assert_eq!(back.packages[0].source_name.as_deref(), Some("openssl"));
    assert_eq!(back.packages[1].layer, Some(3));
    assert_eq!(back.os, Some(bookworm()));
    assert!(store.inventory("sha256:nope").unwrap().is_none());
}

#[test]
fn digest_of_prefers_manifest_then_config_then_name() {
    use customs_types::{Digest, ImageSummary};
    let m: Digest = format!("sha256:{}", "1".repeat(64)).parse().unwrap();
    let c: Digest = format!("sha256:{}", "2".repeat(64)).parse().unwrap();
    let mut s = ImageSummary {
        name: "dir:/srv/root".into(),
        manifest_digest: Some(m.clone()),
        config_digest: Some(c.clone()),
        ..Default::default()
    };
    assert_eq!(StoredInventory::digest_of(&s), m.to_string());
    s.manifest_digest = None;
    assert_eq!(StoredInventory::digest_of(&s), c.to_string());
    s.config_digest = None;
    let d = StoredInventory::digest_of(&s);
    assert!(d.starts_with("sha256:") && d.len() == 7 + 64, "{d}");
    assert_eq!(d, StoredInventory::digest_of(&s), "stable");
}

#[test]
fn re_adding_a_digest_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("inv.db")).unwrap();
    three_images(&mut store);
    assert_eq!(store.list().unwrap().len(), 3);
    let hit = store.affected_by_package("urllib3", None, "PyPI").unwrap();
    assert_eq!(hit.images.len(), 1);

    // the same digest under another reference, without urllib3
    let mut again = stored(
        "sha256:aaaa",
        "registry.example/app:1",
        vec![py("requests", "2.25.1", 2)],
    );
    again.added_at = "2026-12-06T00:00:00Z".into();
    let out = store.add(&again).unwrap();
    assert!(out.replaced);
    let list = store.list().unwrap();
    assert_eq!(list.len(), 3, "one row per digest: {list:#?}");
    let app = store.image("sha256:aaaa").unwrap().unwrap();
    assert_eq!(app.reference, "registry.example/app:1");
    assert_eq!(
        app.references,
        vec!["app:1".to_string(), "registry.example/app:1".to_string()]
    );
    assert_eq!(app.packages, 1);
    assert_eq!(app.added_at, "2026-12-06T00:00:00Z");
    let hit = store.affected_by_package("urllib3", None, "PyPI").unwrap();
    assert!(hit.images.is_empty(), "old packages left: {hit:#?}");
    // the same reference again: not listed twice
    store.add(&again).unwrap();
    let app = store.image("sha256:aaaa").unwrap().unwrap();
    assert_eq!(app.references.len(), 2);
}

#[test]
fn damaged_or_foreign_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();

    // garbage
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    let e = Store::open(&garbage).unwrap_err();
    assert!(matches!(e, Error::NotAStore { .. }), "{e:?}");
    assert!(e.to_string().contains("garbage.db"), "{e}");

    // another SQLite database (customs's advisory DB)
    let db = db_of(dir.path(), "adv", &[PYSEC]);
    let e = Store::open(db.path()).unwrap_err();
    assert!(matches!(e, Error::NotAStore { .. }), "{e:?}");
    assert!(e.to_string().contains("adv.db"), "{e}");

    // a directory
    let e = Store::open(dir.path()).unwrap_err();
    assert!(matches!(e, Error::NotAStore { .. }), "{e:?}");

    // a store of another schema version
    let other = dir.path().join("v99.db");
    drop(Store::open(&other).unwrap());
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    }
    let e = Store::open(&other).unwrap_err();
    assert!(matches!(e, Error::SchemaMismatch { .. }), "{e:?}");
    assert!(e.to_string().contains("v99.db"), "{e}");

    // a real store, truncated and with its pages overwritten: an error at
    // open or at the first query, never a panic
    let real = dir.path().join("real.db");
    let mut store = Store::open(&real).unwrap();
    for i in 0..40 {
        store
            .add(&stored(
                &format!("sha256:{i:04}"),
                &format!("img:{i}"),
                (0..50).map(|j| py(&format!("pkg{j}"), "1.0", 1)).collect(),
            ))
            .unwrap();
    }
    drop(store);
    let bytes = std::fs::read(&real).unwrap();
    assert!(bytes.len() > 3 * 4096);
    let mut broken = bytes.clone();
    for b in broken.iter_mut().skip(4096).take(bytes.len() / 2) {
        *b = 0xff;
    }
    std::fs::write(&real, &broken).unwrap();
    let outcome = Store::open(&real).and_then(|s| {
        s.list()?;
        s.affected_by_package("pkg1", None, "PyPI")?;
        s.inventory("sha256:0001")
    });
    let e = outcome.expect_err("a damaged store read without error");
    assert!(e.to_string().contains("real.db"), "{e}");

    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let outcome = Store::open(&truncated).and_then(|s| {
        s.list()?;
        s.affected_by_package("pkg1", None, "PyPI")?;
        s.inventory("sha256:0039")
    });
    if let Err(e) = outcome {
        assert!(e.to_string().contains("truncated.db"), "{e}");
    }
}

#[test]
fn affected_by_package_compares_in_the_ecosystem_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("inv.db")).unwrap();
    three_images(&mut store);
    let refs = |name: &str, range: Option<&str>, eco: &str| -> Vec<String> {
        let r = range.map(|r| VersionRange::parse(r).unwrap());
        store
            .affected_by_package(name, r.as_ref(), eco)
            .unwrap()
            .images
            .into_iter()
            .map(|i| i.image.reference)
            .collect()
    };
    assert_eq!(refs("requests", None, "PyPI"), ["app:1", "other:2"]);
    // PEP 503 names, PEP 440 order
    assert_eq!(refs("Requests", Some("<2.31"), "pypi"), ["app:1"]);
    assert_eq!(refs("requests", Some(">=2.26,<3"), "PyPI"), ["other:2"]);
    assert_eq!(refs("requests", Some("2.31"), "PyPI"), ["other:2"]);
    assert_eq!(refs("requests", Some("!=2.31.0"), "python"), ["app:1"]);
    assert!(refs("requests", Some("<2"), "PyPI").is_empty());
    assert!(refs("requests", None, "npm").is_empty());
    // Debian: the source package with the source version ...
    assert_eq!(refs("openssl", None, "Debian"), ["app:1", "base:12"]);
    assert_eq!(
        refs("openssl", Some("<3.0.11-1"), "debian"),
        ["app:1", "base:12"]
    );
    assert_eq!(
        refs("openssl", Some("<3.0.11-1~deb12u2"), "Debian:12"),
        ["app:1"]
    );
    assert!(refs("openssl", None, "Debian:11").is_empty());
    // ... and the binary under its own name and version, and by kind
    assert_eq!(refs("libssl3", Some(">=3.0.10"), "Debian"), ["base:12"]);
    assert_eq!(
        refs("LIBC6", Some("2.36-9+deb12u4"), "deb"),
        ["app:1", "base:12"]
    );
    assert_eq!(refs("glibc", None, "deb"), ["app:1", "base:12"]);

    let r = store
        .affected_by_package("openssl", None, "Debian")
        .unwrap();
    let app = &r.images[0];
    assert_eq!(app.packages.len(), 2, "libssl3 and openssl: {app:#?}");
    assert!(app.packages.iter().all(|p| p.matched_name == "openssl"));
    assert_eq!(app.packages[0].layer, Some(0));
    assert_eq!(app.packages[0].ecosystem.as_deref(), Some("Debian:12"));

    assert!(matches!(
        store.affected_by_package("x", None, "cobol"),
        Err(Error::UnknownEcosystem(_))
    ));
    let bad = VersionRange::parse("<not:a:deb:version!")
        .unwrap_or_else(|_| VersionRange::parse("<:").unwrap());
    assert!(
        store
            .affected_by_package("openssl", Some(&bad), "Debian")
            .is_err()
    );
}

#[test]
fn affected_by_id_matches_like_a_scan() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("inv.db")).unwrap();
    three_images(&mut store);
    let db = db_of(dir.path(), "db", &[PYSEC, DSA, URLLIB]);

    for id in ["PYSEC-2099-1", "CVE-2099-0001", "ghsa-aaaa-bbbb-cccc"] {
        let r = store.affected_by_id(&db, id).unwrap();
        assert_eq!(r.records, ["PYSEC-2099-1"], "{id}");
        assert_eq!(r.candidates, 2, "app and other hold requests");
        let refs: Vec<_> = r
            .images
            .iter()
            .map(|i| i.image.reference.as_str())
            .collect();
        assert_eq!(refs, ["app:1"], "{id}: {r:#?}");
        let f = &r.images[0].findings;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].package.name, "requests");
        assert_eq!(f[0].package.version, "2.25.1");
        assert_eq!(f[0].fixed_version.as_deref(), Some("2.31.0"));
        assert_eq!(f[0].id, "CVE-2099-0001");
    }

    // Debian: matched through the source package, per binary
    let r = store.affected_by_id(&db, "DSA-9999-1").unwrap();
    let refs: Vec<_> = r
        .images
        .iter()
        .map(|i| i.image.reference.as_str())
        .collect();
    assert_eq!(refs, ["app:1"], "base:12 has the fix: {r:#?}");
    let names: Vec<_> = r.images[0]
        .findings
        .iter()
        .map(|f| f.package.name.as_str())
        .collect();
    assert_eq!(names, ["libssl3", "openssl"]);

    // the same findings as matching the whole stored inventory
    let full = store.inventory("sha256:aaaa").unwrap().unwrap();
    let all = customs_match::match_inventory(&full, &db).unwrap();
    let want: Vec<_> = all
        .findings
        .iter()
        .filter(|f| f.all_ids().any(|i| i == "DSA-9999-1"))
        .cloned()
        .collect();
    assert_eq!(r.images[0].findings, want);

    let e = store.affected_by_id(&db, "CVE-1999-9999").unwrap_err();
    assert!(matches!(e, Error::UnknownAdvisory { .. }), "{e:?}");
    assert!(e.to_string().contains("db.db"), "{e}");
}

#[test]
fn rescan_reports_what_is_new_and_gone() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("inv.db")).unwrap();
    three_images(&mut store);
    let db1 = db_of(dir.path(), "one", &[PYSEC]);

    // first match: everything is new
    let r = store.rescan(&db1, "2026-12-05T01:00:00Z").unwrap();
    assert_eq!(r.images.len(), 3);
    let app = &r.images[0];
    assert_eq!(app.image.reference, "app:1");
    assert_eq!(app.previous_match, None);
    assert_eq!(app.new.len(), 1);
    assert_eq!(app.image.findings, Some(1));
    assert_eq!(r.with_new().count(), 1);

    // nothing changed
    let r = store.rescan(&db1, "2026-12-05T02:00:00Z").unwrap();
    assert_eq!(r.with_new().count(), 0, "{r:#?}");
    assert!(r.images.iter().all(|i| i.gone.is_empty()));
    assert_eq!(
        r.images[0].previous_match.as_deref(),
        Some("2026-12-05T01:00:00Z")
    );

    // a new DB: the urllib3 and openssl advisories are new, the requests one
    // is gone
    drop(db1);
    let db2 = db_of(dir.path(), "two", &[DSA, URLLIB]);
    let r = store.rescan(&db2, "2026-12-05T03:00:00Z").unwrap();
    let app = &r.images[0];
    let new: Vec<_> = app
        .new
        .iter()
        .map(|f| (f.id.as_str(), f.package.as_str()))
        .collect();
    assert_eq!(
        new,
        [
            ("CVE-2099-0003", "urllib3"),
            ("DSA-9999-1", "libssl3"),
            ("DSA-9999-1", "openssl")
        ]
    );
    let gone: Vec<_> = app.gone.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(gone, ["CVE-2099-0001"]);
    assert_eq!(app.new[0].fixed_version.as_deref(), Some("1.26.18"));
    assert!(r.images[1].new.is_empty() && r.images[2].new.is_empty());
    assert_eq!(store.findings("sha256:aaaa").unwrap().unwrap().len(), 3);

    let r = store.rescan(&db2, "2026-12-05T04:00:00Z").unwrap();
    assert_eq!(r.with_new().count(), 0);
}

#[test]
fn record_findings_sets_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("inv.db")).unwrap();
    three_images(&mut store);
    let db = db_of(dir.path(), "db", &[PYSEC]);
    let inv = store.inventory("sha256:aaaa").unwrap().unwrap();
    let m = customs_match::match_inventory(&inv, &db).unwrap();
    assert!(
        store
            .record_findings("sha256:aaaa", &m.findings, "2026-12-05T00:00:00Z", "test")
            .unwrap()
    );
    assert!(
        !store
            .record_findings("sha256:zzzz", &[], "t", "test")
            .unwrap()
    );
    let r = store.rescan(&db, "2026-12-05T01:00:00Z").unwrap();
    assert!(r.images[0].new.is_empty(), "{r:#?}");
}
