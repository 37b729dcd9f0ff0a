//! `customs db update --db-repository http://127.0.0.1:PORT` against a
//! loopback server serving a copy of a few ecosystems of
//! `../shared/vulndb/osv`: a full download, an incremental one fetching only
//! what an edited `modified_id.csv` lists, a conditional no-op, and an
//! update killed mid-download that leaves the previous DB working.

mod vuln_common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use customs_testutil::osv_server::{OsvServer, copy_tree};
use serde_json::{Value, json};
use vuln_common::{customs, findings, image, osv, stderr, stdout};

const FEEDS: [&str; 2] = ["PyPI", "npm"];

/// Records a feed's zip holds, withdrawn ones excluded, read with the zip
/// crate.
fn live_records(zip: &Path) -> usize {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut n = 0;
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        if !e.name().unwrap().ends_with(".json") {
            continue;
        }
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).unwrap();
        let v: Value = serde_json::from_slice(&buf).unwrap();
        if v.get("withdrawn")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            n += 1;
        }
    }
    n
}

fn db(cache: &Path, args: &[&str]) -> Output {
    customs()
        .arg("db")
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .output()
        .expect("run customs db")
}

fn update(cache: &Path, base: &str, extra: &[&str]) -> Output {
    let out = customs()
        .args(["db", "update", "--db-repository", base])
        .args(extra)
        .arg("--cache-dir")
        .arg(cache)
        .output()
        .expect("run customs db update");
    assert!(
        out.status.success(),
        "db update failed ({:?}):\n{}",
        out.status.code(),
        stderr(&out)
    );
    out
}

/// `customs db status`: records per feed.
fn status_counts(cache: &Path) -> Vec<(String, usize)> {
    let out = db(cache, &["status"]);
    assert!(out.status.success(), "db status: {}", stderr(&out));
    let text = stdout(&out);
    let mut v = Vec::new();
    for feed in FEEDS {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(feed))
            .unwrap_or_else(|| panic!("no {feed} line in db status:\n{text}"));
        let n: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        v.push((feed.to_string(), n));
    }
    v
}

/// The first live record of a zip: (id, record).
fn first_record(zip: &Path) -> (String, Value) {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).unwrap();
        let v: Value = serde_json::from_slice(&buf).unwrap();
        if v.get("withdrawn").is_none() {
            return (v["id"].as_str().unwrap().to_string(), v);
        }
    }
    panic!("no live record in {}", zip.display())
}

/// An RFC 3339 time `ago` seconds in the past, in whole seconds.
fn recent(ago: u64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - ago;
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let days = (t / 86_400) as i64;
    let secs = t % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn prepend_csv(root: &Path, feed: &str, lines: &[(&str, &str)]) {
    let path = root.join(feed).join("modified_id.csv");
    let old = std::fs::read_to_string(&path).unwrap();
    let mut new: String = lines.iter().map(|(t, id)| format!("{t},{id}\n")).collect();
    new.push_str(&old);
    std::fs::write(path, new).unwrap();
}

fn record(eco: &str, id: &str, pkg: &str, fixed: &str, t: &str) -> Value {
    json!({
        "schema_version": "1.6.0",
        "id": id, "modified": t, "published": t,
        "summary": format!("test record for {pkg}"),
        "affected": [{"package": {"ecosystem": eco, "name": pkg},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}],
        "database_specific": {"severity": "HIGH"}
    })
}

fn write_record(root: &Path, feed: &str, v: &Value) {
    let id = v["id"].as_str().unwrap();
    std::fs::write(
        root.join(feed).join(format!("{id}.json")),
        serde_json::to_vec_pretty(v).unwrap(),
    )
    .unwrap();
}

/// A small SBOM with one package of ml-app per feed.
fn sbom(dir: &Path) -> String {
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [
            {"type": "library", "name": "tqdm", "version": "4.65.0", "purl": "pkg:pypi/tqdm@4.65.0"},
            {"type": "library", "name": "node-fetch", "version": "2.6.0", "purl": "pkg:npm/node-fetch@2.6.0"}
        ]
    });
    let p = dir.join("sbom.json");
    std::fs::write(&p, doc.to_string()).unwrap();
    p.display().to_string()
}

/// Advisory ids `customs sbom-scan` finds with the DB in `cache`.
fn scan_ids(cache: &Path, sbom: &str) -> BTreeSet<String> {
    let out = customs()
        .args(["sbom-scan", sbom, "-q", "-f", "json", "--offline"])
        .arg("--cache-dir")
        .arg(cache)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "sbom-scan: {}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    findings(&v)
        .iter()
        .flat_map(|f| f["advisories"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn full_then_incremental_then_killed_update() {
    let served = tempfile::tempdir().unwrap();
    let root = served.path().join("osv");
    for feed in FEEDS {
        copy_tree(&osv().join(feed), &root.join(feed));
    }
    std::fs::write(root.join("ecosystems.txt"), FEEDS.join("\n") + "\n").unwrap();
    let expected: Vec<(String, usize)> = FEEDS
        .iter()
        .map(|f| (f.to_string(), live_records(&root.join(f).join("all.zip"))))
        .collect();
    let server = OsvServer::start(&root);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let tmp = tempfile::tempdir().unwrap();
    let sbom = sbom(tmp.path());

    // 1. Full download: per feed its csv and its zip, nothing else.
    update(c, &server.base, &["--ecosystems", "PyPI,npm"]);
    let mut paths = server.paths();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/PyPI/all.zip",
            "/PyPI/modified_id.csv",
            "/npm/all.zip",
            "/npm/modified_id.csv"
        ]
    );
    assert!(server.log().iter().all(|l| l.status == 200));
    assert_eq!(status_counts(c), expected);
    let status = stdout(&db(c, &["status"]));
    assert!(status.contains(&server.base), "source not shown:\n{status}");
    let before = scan_ids(c, &sbom);
    assert!(
        before
            .iter()
            .any(|i| i.starts_with("PYSEC-") || i.starts_with("GHSA-")),
        "{before:?}"
    );

    // 2. The served copy changes: one new PyPI record for tqdm, one changed
    // PyPI record, one new npm record. The next update fetches exactly those.
    let t = recent(60);
    write_record(
        &root,
        "PyPI",
        &record("PyPI", "PYSEC-2099-1", "tqdm", "99.0", &t),
    );
    let (changed_id, mut changed) = first_record(&root.join("PyPI/all.zip"));
    changed["modified"] = t.clone().into();
    changed["summary"] = "changed by the test".into();
    write_record(&root, "PyPI", &changed);
    prepend_csv(
        &root,
        "PyPI",
        &[
            (t.as_str(), "PYSEC-2099-1"),
            (t.as_str(), changed_id.as_str()),
        ],
    );
    write_record(
        &root,
        "npm",
        &record("npm", "GHSA-cust-0000-0001", "node-fetch", "99.0.0", &t),
    );
    prepend_csv(&root, "npm", &[(t.as_str(), "GHSA-cust-0000-0001")]);
    server.clear_log();
    let out = update(c, &server.base, &[]);
    let mut paths = server.paths();
    paths.sort();
    let mut want = vec![
        "/PyPI/PYSEC-2099-1.json".to_string(),
        format!("/PyPI/{changed_id}.json"),
        "/PyPI/modified_id.csv".into(),
        "/npm/GHSA-cust-0000-0001.json".into(),
        "/npm/modified_id.csv".into(),
    ];
    want.sort();
    assert_eq!(
        paths,
        want,
        "incremental update fetched more than the changes:\n{}",
        stderr(&out)
    );
    assert!(
        server
            .log()
            .iter()
            .filter(|l| l.path.ends_with(".csv"))
            .all(|l| l.conditional),
        "csv requests are conditional"
    );
    let after = status_counts(c);
    assert_eq!(
        after,
        vec![
            ("PyPI".into(), expected[0].1 + 1),
            ("npm".into(), expected[1].1 + 1)
        ],
        "one record added per feed, one changed"
    );
    let ids = scan_ids(c, &sbom);
    let added: BTreeSet<&str> = ids.difference(&before).map(String::as_str).collect();
    assert_eq!(
        added,
        BTreeSet::from(["PYSEC-2099-1", "GHSA-cust-0000-0001"])
    );

    // 3. Nothing changed: only the two csvs, answered 304.
    server.clear_log();
    update(c, &server.base, &[]);
    let log = server.log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(
        log.iter()
            .all(|l| l.status == 304 && l.path.ends_with(".csv")),
        "{log:?}"
    );

    // 4. A new npm record whose download stalls half-way; the update is
    // killed while it waits. The previous DB stays in place and works. (It
    // is dated after the cursor: a csv entry at the cursor's second is not
    // read again.)
    let t = recent(30);
    write_record(
        &root,
        "npm",
        &record("npm", "GHSA-cust-0000-0002", "node-fetch", "99.0.0", &t),
    );
    prepend_csv(&root, "npm", &[(t.as_str(), "GHSA-cust-0000-0002")]);
    server.stall("/npm/GHSA-cust-0000-0002.json", true);
    server.clear_log();
    let db_file = c.join("db/customs.db");
    let db_before = std::fs::read(&db_file).unwrap();
    let mut child = customs()
        .args(["db", "update", "-q", "--db-repository", &server.base])
        .arg("--cache-dir")
        .arg(c)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        server.wait_for("/npm/GHSA-cust-0000-0002.json", Duration::from_secs(60)),
        "the update never reached the stalled record: {:?}",
        server.log()
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "update did not stall");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(&db_file).unwrap(), db_before, "DB touched");
    assert_eq!(status_counts(c), after);
    assert_eq!(scan_ids(c, &sbom), ids, "scan on the old DB");
    // A full image scan works on it as well.
    let out = customs()
        .args([
            "image",
            &image("debian-base"),
            "-q",
            "-f",
            "json",
            "--offline",
        ])
        .arg("--cache-dir")
        .arg(c)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "image scan: {}", stderr(&out));

    // The next update recovers and picks up the record.
    server.stall("/npm/GHSA-cust-0000-0002.json", false);
    update(c, &server.base, &[]);
    assert!(scan_ids(c, &sbom).contains("GHSA-cust-0000-0002"));
    let leftovers: Vec<String> = std::fs::read_dir(c.join("db"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "customs.db" && !n.ends_with(".lock"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "leftovers in the DB dir: {leftovers:?}"
    );
}

#[test]
fn killed_first_download_leaves_no_db_and_the_next_one_works() {
    let served = tempfile::tempdir().unwrap();
    let root = served.path().join("osv");
    copy_tree(&osv().join("npm"), &root.join("npm"));
    std::fs::write(root.join("ecosystems.txt"), "npm\n").unwrap();
    let server = OsvServer::start(&root);
    server.stall("/npm/all.zip", true);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let mut child = customs()
        .args(["db", "update", "-q", "--db-repository", &server.base])
        .arg("--cache-dir")
        .arg(c)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(server.wait_for("/npm/all.zip", Duration::from_secs(60)));
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!c.join("db/customs.db").exists());
    let out = db(c, &["status"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("customs db update"),
        "{}",
        stderr(&out)
    );
    server.stall("/npm/all.zip", false);
    update(c, &server.base, &[]);
    let out = db(c, &["status"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("npm"));
}

#[test]
fn a_scan_without_a_db_downloads_it_first_then_reuses_it() {
    let served = tempfile::tempdir().unwrap();
    let root = served.path().join("osv");
    copy_tree(&osv().join("npm"), &root.join("npm"));
    std::fs::write(root.join("ecosystems.txt"), "npm\n").unwrap();
    let server = OsvServer::start(&root);
    let cache = tempfile::tempdir().unwrap();
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [{"type": "library", "name": "lodash", "version": "4.17.15",
                        "purl": "pkg:npm/lodash@4.17.15"}]
    });
    let sbom = cache.path().join("sbom.json");
    std::fs::write(&sbom, doc.to_string()).unwrap();
    let run = || {
        let out = customs()
            .arg("sbom-scan")
            .arg(&sbom)
            .args(["-q", "-f", "json"])
            .arg("--cache-dir")
            .arg(cache.path())
            .env("CUSTOMS_DB_REPOSITORY", &server.base)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        findings(&v)
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect::<BTreeSet<String>>()
    };
    let first = run();
    assert!(!first.is_empty(), "lodash 4.17.15 has npm advisories");
    let mut paths = server.paths();
    paths.sort();
    assert_eq!(
        paths,
        ["/ecosystems.txt", "/npm/all.zip", "/npm/modified_id.csv"]
    );
    assert!(cache.path().join("db/customs.db").is_file());
    // The DB exists now: the next scan does not go to the network.
    server.clear_log();
    assert_eq!(run(), first);
    assert!(server.log().is_empty(), "{:?}", server.log());
}
