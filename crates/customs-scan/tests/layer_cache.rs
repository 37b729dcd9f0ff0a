//! The per-layer cache: a warm re-scan reads no layer and gives the same
//! result; images sharing a base read only their own layers; a new analyzer
//! version or a damaged entry means the layer is read again.

use std::path::Path;

use customs_analyze::dispatch::{AnalyzeFactory, DispatchOptions};
use customs_analyze::{Analyzer, Content, FileInfo, Sink};
use customs_layer::{NoProgress, WalkOptions};
use customs_scan::{LayerCache, ScanOutput, scan_image_cached};
use customs_source::{OpenOptions, SourceSpec, open};

fn oci(image: &str) -> String {
    format!(
        "oci-dir:{}",
        customs_testutil::test_images()
            .join(image)
            .join("oci")
            .display()
    )
}

fn scan(spec: &str, factory: &AnalyzeFactory, cache: Option<&LayerCache>) -> ScanOutput {
    let img = open(&SourceSpec::parse(spec).unwrap(), &OpenOptions::default()).unwrap();
    let out = scan_image_cached(&img, &WalkOptions::default(), factory, &NoProgress, cache);
    assert!(out.layer_errors.is_empty(), "{:?}", out.layer_errors);
    out
}

/// Everything a report is made of, as comparable text.
fn result(out: &ScanOutput) -> String {
    let files: Vec<String> = out
        .view
        .iter()
        .map(|e| format!("{} {:?} {} {}", e.path, e.kind, e.size, e.layer))
        .collect();
    let removed: Vec<String> = out
        .view
        .removed()
        .iter()
        .map(|r| {
            format!(
                "{} {} {:?} {}",
                r.entry.path, r.entry.layer, r.removal, r.removed_in
            )
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "inventory": out.inventory,
        "layers": out.layers,
        "files": files,
        "removed": removed,
        "secrets": out.findings.secrets,
        "models": out.findings.models,
    }))
    .unwrap()
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "zst"))
        .collect();
    v.sort();
    v
}

#[test]
fn warm_rescan_reads_no_layer_and_gives_the_same_result() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(tmp.path(), 0).unwrap();
    let f = AnalyzeFactory::builtin();
    let fresh = scan(&oci("ml-app"), &f, None);
    let cold = scan(&oci("ml-app"), &f, Some(&cache));
    assert_eq!(cold.stats.layers_cached, 0);
    assert_eq!(cold.stats.layers_walked, cold.stats.layers);
    assert_eq!(entries(tmp.path()).len(), cold.stats.layers);
    let warm = scan(&oci("ml-app"), &f, Some(&cache));
    assert_eq!(warm.stats.layers_walked, 0);
    assert_eq!(warm.stats.layers_cached, warm.stats.layers);
    assert_eq!(result(&fresh), result(&cold));
    assert_eq!(result(&fresh), result(&warm));
}

#[test]
fn a_second_image_on_the_same_base_reads_only_its_own_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(tmp.path(), 0).unwrap();
    let f = AnalyzeFactory::builtin();
    let base = scan(&oci("debian-base"), &f, Some(&cache));
    assert_eq!(base.stats.layers_walked, base.stats.layers);
    let fresh = scan(&oci("ml-app"), &f, None);
    let app = scan(&oci("ml-app"), &f, Some(&cache));
    // the base's layers are shared (same diff_ids at the bottom of ml-app)
    let shared = base
        .layers
        .iter()
        .zip(&app.layers)
        .take_while(|(a, b)| a.meta.diff_id == b.meta.diff_id)
        .count();
    assert!(shared >= 1);
    assert_eq!(app.stats.layers_cached, shared);
    assert_eq!(app.stats.layers_walked, app.stats.layers - shared);
    assert_eq!(result(&fresh), result(&app));
}

/// An analyzer whose version the test sets.
struct Versioned(u32);
impl Analyzer for Versioned {
    fn id(&self) -> &'static str {
        "test-versioned"
    }
    fn version(&self) -> u32 {
        self.0
    }
    fn required(&self, file: &FileInfo<'_>) -> bool {
        file.path == "/etc/debian_version"
    }
    fn analyze(
        &self,
        _: &FileInfo<'_>,
        _: &mut Content<'_>,
        _: &mut Sink<'_>,
    ) -> Result<(), String> {
        Ok(())
    }
}

fn with_versioned(v: u32) -> AnalyzeFactory {
    let mut a = customs_analyze::builtin();
    a.push(Box::new(Versioned(v)));
    AnalyzeFactory::new(a, DispatchOptions::default())
}

#[test]
fn a_new_analyzer_version_reanalyses_the_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(tmp.path(), 0).unwrap();
    let v1 = scan(&oci("debian-base"), &with_versioned(1), Some(&cache));
    assert_eq!(v1.stats.layers_walked, 1);
    let again = scan(&oci("debian-base"), &with_versioned(1), Some(&cache));
    assert_eq!(
        (again.stats.layers_walked, again.stats.layers_cached),
        (0, 1)
    );
    let v2 = scan(&oci("debian-base"), &with_versioned(2), Some(&cache));
    assert_eq!((v2.stats.layers_walked, v2.stats.layers_cached), (1, 0));
    assert_eq!(result(&v1), result(&v2));
    // both versions' entries now exist side by side
    assert_eq!(entries(tmp.path()).len(), 2);
}

#[test]
fn a_damaged_entry_is_discarded_and_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(tmp.path(), 0).unwrap();
    let f = AnalyzeFactory::builtin();
    let first = scan(&oci("debian-base"), &f, Some(&cache));
    let [entry] = entries(tmp.path()).try_into().unwrap();
    let good = std::fs::read(&entry).unwrap();

    // damage of several kinds: a flipped payload byte, a truncation, the
    // header, an entry of another layer under this key
    let mut flipped = good.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 0x55;
    let damaged: Vec<Vec<u8>> = vec![
        flipped,
        good[..good.len() / 2].to_vec(),
        [b"customs-layer-cache 999\n".as_slice(), &good[24..]].concat(),
        b"garbage".to_vec(),
        Vec::new(),
    ];
    for bad in damaged {
        std::fs::write(&entry, &bad).unwrap();
        let out = scan(&oci("debian-base"), &f, Some(&cache));
        assert_eq!((out.stats.layers_walked, out.stats.layers_cached), (1, 0));
        assert_eq!(result(&first), result(&out));
        // rebuilt: the next scan trusts it again
        let again = scan(&oci("debian-base"), &f, Some(&cache));
        assert_eq!(
            (again.stats.layers_walked, again.stats.layers_cached),
            (0, 1)
        );
    }
}

#[test]
fn the_size_bound_drops_the_least_recently_used() {
    let tmp = tempfile::tempdir().unwrap();
    let unbounded = LayerCache::open(tmp.path(), 0).unwrap();
    let f = AnalyzeFactory::builtin();
    scan(&oci("ml-app"), &f, Some(&unbounded));
    let all = entries(tmp.path());
    let total: u64 = all.iter().map(|p| p.metadata().unwrap().len()).sum();
    let bounded = LayerCache::open(tmp.path(), total / 2).unwrap();
    let stats = bounded.trim().unwrap();
    assert!(stats.removed > 0);
    let left: u64 = entries(tmp.path())
        .iter()
        .map(|p| p.metadata().unwrap().len())
        .sum();
    assert!(left <= total / 2);
    let left_n = entries(tmp.path()).len();
    assert_eq!(bounded.clean().unwrap().removed, left_n);
    assert!(entries(tmp.path()).is_empty());
}
