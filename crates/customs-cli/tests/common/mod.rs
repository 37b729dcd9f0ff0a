//! Shared helpers for the CLI's end-to-end tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

pub fn customs() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_customs"));
    c.env_remove("CUSTOMS_USERNAME")
        .env_remove("CUSTOMS_PASSWORD")
        .env("NO_COLOR", "1");
    c
}

pub fn run(args: &[&str]) -> Output {
    customs().args(args).output().expect("run customs")
}

/// Runs customs, expects success, parses stdout as JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "customs {args:?} failed ({:?}):\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (path, kind, size) of every entry in an inspect report's merged view;
/// sizes only for files and symlinks.
pub fn file_set(report: &serde_json::Value) -> BTreeSet<(String, String, u64)> {
    report["files"]
        .as_array()
        .expect("files listed")
        .iter()
        .map(|f| {
            let kind = f["kind"].as_str().unwrap_or_default().to_string();
            let size = match kind.as_str() {
                "file" | "symlink" => f["size"].as_u64().unwrap_or(0),
                _ => 0,
            };
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                kind,
                size,
            )
        })
        .collect()
}

pub fn diff_ids(report: &serde_json::Value) -> Vec<String> {
    report["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l["diff_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The same triples, read from a root filesystem on disk.
pub fn rootfs_set(root: &Path) -> BTreeSet<(String, String, u64)> {
    use std::os::unix::fs::FileTypeExt;
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            let e = e.expect("entry");
            let p = e.path();
            let md = std::fs::symlink_metadata(&p).expect("lstat");
            let ft = md.file_type();
            let rel = format!("/{}", p.strip_prefix(root).expect("prefix").display());
            let (kind, size) = if ft.is_dir() {
                stack.push(p.clone());
                ("dir", 0)
            } else if ft.is_symlink() {
                ("symlink", md.len())
            } else if ft.is_file() {
                ("file", md.len())
            } else if ft.is_char_device() {
                ("char", 0)
            } else if ft.is_block_device() {
                ("block", 0)
            } else {
                ("fifo", 0)
            };
            out.insert((rel, kind.to_string(), size));
        }
    }
    out
}
