//! Independent references for vulnerability matching: the scripts in
//! `crates/customs-match/tests/reference` (PyPA's `packaging` for PyPI,
//! npm's `semver` for npm) run over the same OSV files the matcher reads.
//!
//! Shared by the matcher's tests and the CLI's end-to-end tests. They fail
//! (never skip) when python3 with `packaging` or node is missing, saying what
//! to install.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (advisory id, package name, version).
pub type Triple = (String, String, String);

/// The reference script `name` (`osv_pypi.py`, `osv_npm.js`).
pub fn script(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../customs-match/tests/reference")
        .join(name);
    assert!(p.is_file(), "reference script {} missing", p.display());
    p
}

/// Runs a command, panics with its stderr when it fails, returns stdout.
pub fn run_checked(cmd: &mut Command, what: &str) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {cmd:?} failed ({})\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn packaging_major(python: &Path) -> Option<u32> {
    let probe = Command::new(python)
        .args(["-c", "import packaging; print(packaging.__version__)"])
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    String::from_utf8_lossy(&probe.stdout)
        .trim()
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
}

/// A python with `packaging` >= 22: `$CUSTOMS_PYTHON` (the venv of
/// `scripts/python-tools.sh`), the system `python3`, or a venv made in `tmp`
/// (needs the network or a pip cache).
pub fn python_with_packaging(tmp: &Path) -> PathBuf {
    const INSTALL: &str = "the PyPI reference check needs python3 with venv and pip \
        (Debian: `apt-get install python3 python3-venv python3-pip`)";
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("CUSTOMS_PYTHON").filter(|p| !p.is_empty()) {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(PathBuf::from("python3"));
    for c in candidates {
        if packaging_major(&c).is_some_and(|m| m >= 22) {
            return c;
        }
    }
    let venv = tmp.join("venv");
    run_checked(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        INSTALL,
    );
    run_checked(
        Command::new(venv.join("bin/pip")).args(["install", "--quiet", "packaging>=22"]),
        "pip install packaging (needs the network or a pip cache)",
    );
    venv.join("bin/python")
}

/// A directory from which `require('semver')` resolves npm's semver: a copy
/// already installed in `cache`, else `npm install semver` into `cache`
/// (npm's own cache first), else the copy npm bundles inside itself.
pub fn semver_dir(cache: &Path) -> PathBuf {
    const INSTALL: &str = "the npm reference check needs node and npm \
        (Debian: `apt-get install nodejs npm`)";
    Command::new("node")
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("node not found ({e}): {INSTALL}"));
    if cache.join("node_modules/semver/package.json").is_file() {
        return cache.to_path_buf();
    }
    std::fs::create_dir_all(cache).expect("npm dir");
    let install = Command::new("npm")
        .args([
            "install",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--silent",
            "--prefix",
        ])
        .arg(cache)
        .arg("semver")
        .output()
        .unwrap_or_else(|e| panic!("npm not found ({e}): {INSTALL}"));
    if install.status.success() && cache.join("node_modules/semver/package.json").is_file() {
        return cache.to_path_buf();
    }
    // Offline: npm ships the same `semver` package inside itself.
    let root = Command::new("npm")
        .args(["root", "-g"])
        .output()
        .expect("npm root -g");
    let bundled = PathBuf::from(String::from_utf8_lossy(&root.stdout).trim()).join("npm");
    assert!(
        bundled.join("node_modules/semver/package.json").is_file(),
        "`npm install semver` failed ({}) and npm has no bundled semver: {INSTALL}, with network access",
        String::from_utf8_lossy(&install.stderr)
    );
    eprintln!(
        "npm install semver failed; using npm's bundled copy in {}",
        bundled.display()
    );
    bundled
}

fn write_pairs(path: &Path, pairs: &[(String, String)]) {
    let list: Vec<[&str; 2]> = pairs
        .iter()
        .map(|(n, v)| [n.as_str(), v.as_str()])
        .collect();
    std::fs::write(path, serde_json::to_vec(&list).expect("json")).expect("write pairs");
}

/// Parses a reference script's output: a JSON list of triples.
pub fn parse_triples(stdout: &[u8]) -> BTreeSet<Triple> {
    let v: Vec<Triple> =
        serde_json::from_slice(stdout).expect("reference output is a JSON list of triples");
    v.into_iter().collect()
}

/// The PyPI advisories of `PyPI/all.zip` affecting `(name, version)` pairs,
/// by `osv_pypi.py` with PyPA's `packaging`. `tmp` is scratch space.
pub fn pypi(all_zip: &Path, pairs: &[(String, String)], tmp: &Path) -> BTreeSet<Triple> {
    std::fs::create_dir_all(tmp).expect("tmp");
    let file = tmp.join("pypi-pairs.json");
    write_pairs(&file, pairs);
    let python = python_with_packaging(tmp);
    parse_triples(&run_checked(
        Command::new(&python)
            .arg(script("osv_pypi.py"))
            .arg(all_zip)
            .arg(&file),
        "osv_pypi.py",
    ))
}

/// The npm advisories of `npm/all.zip` affecting `(name, version)` pairs, by
/// `osv_npm.js` with npm's `semver`. `npm_cache` keeps the semver install
/// between runs; `tmp` is scratch space.
pub fn npm(
    all_zip: &Path,
    pairs: &[(String, String)],
    npm_cache: &Path,
    tmp: &Path,
) -> BTreeSet<Triple> {
    std::fs::create_dir_all(tmp).expect("tmp");
    let file = tmp.join("npm-pairs.json");
    write_pairs(&file, pairs);
    let semver = semver_dir(npm_cache);
    parse_triples(&run_checked(
        Command::new("node")
            .arg(script("osv_npm.js"))
            .arg(all_zip)
            .arg(&semver)
            .arg(&file),
        "osv_npm.js",
    ))
}

/// Panics listing the differences when the two sets differ.
pub fn assert_same(what: &str, ours: &BTreeSet<Triple>, reference: &BTreeSet<Triple>) {
    let only_ours: Vec<_> = ours.difference(reference).collect();
    let only_ref: Vec<_> = reference.difference(ours).collect();
    assert!(
        only_ours.is_empty() && only_ref.is_empty(),
        "{what}: customs and the reference disagree\n only customs: {only_ours:#?}\n only the reference: {only_ref:#?}"
    );
}
