//! The rpm analyzer against databases written by rpm (see
//! `testdata/rpm/regenerate.sh`), compared with what `rpm -qa` printed
//! for them (`testdata/rpm/expected.txt`).

use std::io::Write;

use proptest::prelude::*;

use super::header::build::{Value, blob};
use super::header::*;
use super::*;
use crate::testing::{FixtureFile, run};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/rpm");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap()
}

/// `rpm -qa` lines: name, epoch, version, release, arch, license, source
/// rpm, file count.
fn expected() -> Vec<String> {
    let text = std::fs::read_to_string(format!("{DIR}/expected.txt")).unwrap();
    let v: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(v.len(), 5);
    v
}

/// The same line for a package we found.
fn line(p: &Package) -> String {
    let (epoch, vr) = match p.version.split_once(':') {
        Some((e, vr)) => (e.to_string(), vr),
        None => ("0".to_string(), p.version.as_str()),
    };
    let (v, r) = vr.rsplit_once('-').unwrap();
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        p.name,
        epoch,
        v,
        r,
        p.arch.as_deref().unwrap_or("(none)"),
        p.licenses.join(" "),
        p.properties
            .get("source_rpm")
            .map_or("(none)", String::as_str),
        p.files.len()
    )
}

fn analyze(path: &str, data: Vec<u8>) -> crate::LayerAnalysis {
    run(Rpm, &[FixtureFile::new(path, data)])
}

fn check_database(path: &str, data: Vec<u8>) {
    let a = analyze(path, data);
    assert!(a.unknowns.is_empty(), "{path}: {:?}", a.unknowns);
    let mut got: Vec<String> = a.packages.iter().map(line).collect();
    got.sort();
    assert_eq!(got, expected(), "{path}");

    let p = |n: &str| a.packages.iter().find(|p| p.name == n).unwrap();
    let libfoo = p("libfoo");
    assert_eq!(libfoo.version, "2:3.1-4.fc39");
    assert_eq!(libfoo.source_name.as_deref(), Some("foo"));
    assert_eq!(libfoo.source_version.as_deref(), Some("3.1-4.fc39"));
    assert_eq!(libfoo.licenses, ["LGPL-2.1-or-later"]);
    assert_eq!(
        libfoo.properties.get("epoch").map(String::as_str),
        Some("2")
    );
    assert_eq!(libfoo.location, path);
    assert_eq!(libfoo.kind, PackageKind::Rpm);
    assert_eq!(libfoo.analyzer, "rpm");
    assert_eq!(
        libfoo.purl,
        "pkg:rpm/redhat/libfoo@3.1-4.fc39?arch=x86_64&epoch=2&upstream=foo-3.1-4.fc39.src.rpm"
    );
    let hello = p("hello");
    assert_eq!(hello.version, "1.0-1");
    assert_eq!(
        hello.files,
        [
            "/usr/bin/hello",
            "/usr/share/doc/hello",
            "/usr/share/doc/hello/README"
        ]
    );
    // Requires: /bin/sh (a file of fakesh) and libfoo.so.1()(64bit) (a
    // Provides of libfoo)
    let mut deps = hello.depends_on.clone();
    deps.sort();
    assert_eq!(deps, ["fakesh", "libfoo"]);
    assert_eq!(p("foo").depends_on, ["libfoo"]);
    let big = p("bigpkg");
    assert_eq!(big.files.len(), 401);
    assert!(
        big.files
            .contains(&"/usr/share/bigpkg/data-file-number-400.txt".to_string())
    );
    assert_eq!(big.arch.as_deref(), Some("noarch"));
}

#[test]
fn sqlite_database() {
    check_database("/var/lib/rpm/rpmdb.sqlite", fixture("rpmdb.sqlite"));
    check_database(
        "/usr/lib/sysimage/rpm/rpmdb.sqlite",
        fixture("rpmdb.sqlite"),
    );
}

#[test]
fn berkeley_db_databases() {
    // 4 KiB pages: every header off-page, bigpkg over 15 overflow pages
    check_database("/var/lib/rpm/Packages", fixture("Packages"));
    // 16 KiB pages: small headers inline on the bucket page
    check_database("/var/lib/rpm/Packages", fixture("Packages-16k"));
}

#[test]
fn ndb_database() {
    check_database("/usr/lib/sysimage/rpm/Packages.db", fixture("Packages.db"));
    check_database("/var/lib/rpm/Packages.db", fixture("Packages.db"));
}

#[test]
fn the_format_is_found_by_content_not_name() {
    // an ndb file where a BDB one would be
    check_database("/var/lib/rpm/Packages", fixture("Packages.db"));
}

#[test]
fn spooled_sqlite_database() {
    let data = fixture("rpmdb.sqlite");
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&data).unwrap();
    let mut c = Content::Spooled {
        file: &mut f,
        len: data.len() as u64,
    };
    let blobs = read_db(&mut c).unwrap();
    assert_eq!(blobs.blobs.len(), 5);
    assert!(blobs.problems.is_empty());
    let names: Vec<String> = blobs
        .blobs
        .iter()
        .map(|(_, b)| read_info(b).unwrap().name)
        .collect();
    assert!(names.contains(&"bigpkg".to_string()));
}

#[test]
fn required_paths() {
    let want = |p: &str| {
        Rpm.required(&FileInfo {
            path: p,
            size: 1,
            mode: 0o644,
            layer: 0,
        })
    };
    assert!(want("/var/lib/rpm/Packages"));
    assert!(want("/var/lib/rpm/rpmdb.sqlite"));
    assert!(want("/usr/lib/sysimage/rpm/Packages.db"));
    assert!(!want("/var/lib/rpm/Name"));
    assert!(!want("/var/lib/rpm/rpmdb.sqlite-wal"));
    assert!(!want("/opt/var/lib/rpm/Packages"));
}

#[test]
fn damaged_databases_become_unknowns() {
    // garbage and empty files
    for data in [
        vec![],
        vec![0u8; 100],
        b"hello world, not a database".to_vec(),
    ] {
        let a = analyze("/var/lib/rpm/Packages", data);
        assert!(a.packages.is_empty());
        assert_eq!(a.unknowns.len(), 1, "{:?}", a.unknowns);
        assert_eq!(a.unknowns[0].origin, "rpm");
    }

    // a truncated Berkeley DB: the headers whose pages are gone are
    // reported, the others read
    let bdb = fixture("Packages");
    let a = analyze(
        "/var/lib/rpm/Packages",
        bdb[..bdb.len() - 4096 * 3].to_vec(),
    );
    assert!(!a.unknowns.is_empty());
    assert!(a.packages.len() < 5);

    // a damaged ndb blob: checksum mismatch for it, the rest read
    let mut ndb = fixture("Packages.db");
    let n = ndb.len();
    ndb[n - 40] ^= 0x55;
    let a = analyze("/var/lib/rpm/Packages.db", ndb);
    assert_eq!(a.packages.len(), 4);
    assert_eq!(a.unknowns.len(), 1);
    assert!(
        a.unknowns[0].message.contains("checksum"),
        "{:?}",
        a.unknowns
    );

    // a truncated SQLite file
    let sq = fixture("rpmdb.sqlite");
    let a = analyze("/var/lib/rpm/rpmdb.sqlite", sq[..8192].to_vec());
    assert!(a.packages.is_empty());
    assert!(!a.unknowns.is_empty());
}

#[test]
fn bad_headers_are_reported_and_counted() {
    let good = blob(&[
        (TAG_NAME, Value::Str("ok")),
        (TAG_VERSION, Value::Str("1")),
        (TAG_RELEASE, Value::Str("2")),
    ]);
    let key = blob(&[
        (TAG_NAME, Value::Str("gpg-pubkey")),
        (TAG_VERSION, Value::Str("fd431d51")),
        (TAG_RELEASE, Value::Str("4ae0493b")),
    ]);
    let bad: Vec<Vec<u8>> = (0..30).map(|i| vec![0xff; i + 1]).collect();
    let mut entries: Vec<(u32, &[u8])> = vec![(1, &good), (2, &key)];
    for (i, b) in bad.iter().enumerate() {
        entries.push((10 + i as u32, b));
    }
    let db = ndb::write(&entries);
    let a = analyze("/var/lib/rpm/Packages.db", db);
    // the signing key is not a package
    assert_eq!(a.packages.len(), 1);
    assert_eq!(a.packages[0].name, "ok");
    assert_eq!(a.packages[0].version, "1-2");
    assert_eq!(a.packages[0].source_name.as_deref(), Some("ok"));
    assert_eq!(a.packages[0].source_version.as_deref(), Some("1-2"));
    // 20 problems one by one, then a count of the rest
    assert_eq!(a.unknowns.len(), 21);
    assert!(a.unknowns[20].message.starts_with("10 more"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Real databases with random words overwritten never panic a reader.
    #[test]
    fn damaged_real_databases_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u32>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let name = ["Packages", "Packages-16k", "Packages.db"][which];
        let mut data = fixture(name);
        for (i, v) in edits {
            let at = i.index(data.len() - 3);
            data[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        let n = cut.index(data.len() + 1);
        for d in [&data[..], &data[..n]] {
            if let Ok(b) = read_db(&mut Content::Memory(d)) {
                for (_, blob) in &b.blobs {
                    let _ = read_info(blob);
                }
            }
        }
    }
}
