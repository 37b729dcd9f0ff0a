//! The per-layer cache with a registry source: a re-scan downloads the
//! manifest and config only, never a cached layer blob; an image sharing
//! base layers downloads only its own layers.

mod common;

use std::collections::BTreeSet;

use common::*;
use customs_testutil::registry::{AuthMode, FakeRegistry};
use customs_testutil::{Compression, Entry, TestImage};

fn dist_info(name: &str, version: &str) -> Vec<Entry> {
    let dir = format!("usr/lib/python3/site-packages/{name}-{version}.dist-info");
    vec![
        Entry::dir("usr/lib/python3/site-packages"),
        Entry::dir(&dir),
        Entry::file(
            &format!("{dir}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        ),
    ]
}

fn base_layers() -> Vec<(Vec<Entry>, Compression)> {
    vec![
        (
            vec![
                Entry::dir("etc"),
                Entry::file(
                    "etc/os-release",
                    "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
                ),
            ],
            Compression::Gzip,
        ),
        (dist_info("requests", "2.25.1"), Compression::Gzip),
    ]
}

/// The layer blob digests an image's scan asked the registry for.
fn layer_fetches(reg: &FakeRegistry, img: &TestImage, since: usize) -> BTreeSet<String> {
    let layers: BTreeSet<&str> = img.layers.iter().map(|(d, _)| d.as_str()).collect();
    reg.seen()
        .into_iter()
        .skip(since)
        .filter(|s| s.status == 200 && s.path.contains("/blobs/"))
        .filter_map(|s| s.path.rsplit('/').next().map(str::to_string))
        .filter(|d| layers.contains(d.as_str()))
        .collect()
}

fn scan(reference: &str, cache: &std::path::Path) -> (serde_json::Value, String) {
    let out = customs()
        .args([
            "image",
            reference,
            "--insecure",
            "--scanners",
            "secret,model",
            "--cache-dir",
            cache.to_str().unwrap(),
            "-f",
            "json",
            "-d",
        ])
        .output()
        .expect("run customs");
    assert!(out.status.success(), "{}", stderr(&out));
    (
        serde_json::from_slice(&out.stdout).expect("json"),
        stderr(&out),
    )
}

fn packages(r: &serde_json::Value) -> BTreeSet<(String, String, Option<u64>)> {
    r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                p["layer"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn registry_rescan_downloads_no_cached_layer() {
    let reg = FakeRegistry::start(AuthMode::None);
    let mut layers = base_layers();
    layers.push((dist_info("urllib3", "1.26.4"), Compression::Zstd));
    let app = TestImage::build(&layers, "amd64");
    reg.push("team/app", "v1", &app);
    let reference = format!("{}/team/app:v1", reg.host());
    let cache = tempfile::tempdir().unwrap();

    let before = reg.seen().len();
    let (cold, err) = scan(&reference, cache.path());
    assert_eq!(
        layer_fetches(&reg, &app, before).len(),
        3,
        "the cold scan reads every layer"
    );
    assert!(err.contains("layers: 3 read, 0 from the cache"), "{err}");

    let before = reg.seen().len();
    let (warm, err) = scan(&reference, cache.path());
    let fetched = layer_fetches(&reg, &app, before);
    assert!(
        fetched.is_empty(),
        "the warm re-scan downloaded cached layers {fetched:?}"
    );
    assert!(err.contains("layers: 0 read, 3 from the cache"), "{err}");
    // the manifest and the config were still fetched
    let paths: Vec<String> = reg
        .seen()
        .into_iter()
        .skip(before)
        .map(|s| s.path)
        .collect();
    assert!(paths.iter().any(|p| p.contains("/manifests/")), "{paths:?}");
    assert_eq!(packages(&cold), packages(&warm));
    assert_eq!(packages(&warm).len(), 2, "{:#}", warm["packages"]);

    // another image on the same two base layers: only its own layer
    let mut layers = base_layers();
    layers.push((dist_info("numpy", "1.23.5"), Compression::Gzip));
    let other = TestImage::build(&layers, "amd64");
    assert_eq!(other.layers[..2], app.layers[..2], "base layers differ");
    reg.push("team/other", "v1", &other);
    let before = reg.seen().len();
    let (r, err) = scan(&format!("{}/team/other:v1", reg.host()), cache.path());
    let fetched = layer_fetches(&reg, &other, before);
    assert_eq!(
        fetched,
        BTreeSet::from([other.layers[2].0.clone()]),
        "only the new layer is downloaded"
    );
    assert!(err.contains("layers: 1 read, 2 from the cache"), "{err}");
    let names: BTreeSet<String> = packages(&r).into_iter().map(|p| p.0).collect();
    assert_eq!(
        names,
        BTreeSet::from(["numpy".to_string(), "requests".to_string()])
    );
}
