//! Multi-platform indexes: `--platform` picks the right manifest, from an
//! OCI layout and from a registry; a platform the index lacks is a clear
//! error.

mod common;

use common::*;
use customs_testutil::registry::{AuthMode, FakeRegistry};
use customs_testutil::{Compression, Entry, TestImage, index_json, write_layout};

fn two_platforms() -> (TestImage, TestImage, Vec<u8>) {
    let amd = TestImage::build(
        &[(
            vec![Entry::dir("etc"), Entry::file("etc/arch", "amd64\n")],
            Compression::Gzip,
        )],
        "amd64",
    );
    let arm = TestImage::build(
        &[(
            vec![Entry::dir("etc"), Entry::file("etc/arch", "arm64-v8\n")],
            Compression::Zstd,
        )],
        "arm64",
    );
    let idx = index_json(&[
        (&amd, "linux", "amd64", None),
        (&arm, "linux", "arm64", Some("v8")),
    ]);
    (amd, arm, idx)
}

#[test]
fn platform_flag_selects_from_an_oci_layout_index() {
    let (amd, arm, idx) = two_platforms();
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[&amd, &arm], Some(&idx), &["multi"]);
    let src = format!("oci-dir:{}:multi", dir.path().display());

    let r = json(&[
        "inspect",
        &src,
        "--platform",
        "linux/arm64",
        "--format",
        "json",
        "--files",
    ]);
    assert_eq!(r["manifest_digest"], arm.manifest_digest());
    assert_eq!(r["platform"], "linux/arm64");
    assert_eq!(r["index_digest"], customs_testutil::sha256(&idx));
    let arch_file = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/etc/arch")
        .unwrap()
        .clone();
    assert_eq!(arch_file["size"], 9);

    // default is linux/amd64
    let r = json(&["inspect", &src, "--format", "json"]);
    assert_eq!(r["manifest_digest"], amd.manifest_digest());

    let out = run(&["inspect", &src, "--platform", "linux/s390x"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("platform linux/s390x not found"), "{e}");
    assert!(e.contains("linux/amd64, linux/arm64/v8"), "{e}");

    let out = run(&["inspect", &src, "--platform", "linux"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--platform"), "{}", stderr(&out));
}

#[test]
fn platform_flag_selects_from_a_registry_index() {
    let (amd, arm, idx) = two_platforms();
    let reg = FakeRegistry::start(AuthMode::Bearer(None));
    reg.push("team/multi", "amd-only", &amd);
    reg.push("team/multi", "arm-only", &arm);
    reg.push_index("team/multi", "v1", &idx);
    let reference = format!("{}/team/multi:v1", reg.host());

    let r = json(&[
        "inspect",
        &reference,
        "--insecure",
        "--platform",
        "linux/arm64",
        "--format",
        "json",
    ]);
    assert_eq!(r["manifest_digest"], arm.manifest_digest());
    assert_eq!(r["index_digest"], customs_testutil::sha256(&idx));

    let out = run(&[
        "inspect",
        &reference,
        "--insecure",
        "--platform",
        "windows/amd64",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("platform windows/amd64 not found"),
        "{}",
        stderr(&out)
    );

    // a single-platform image asked for another platform is an error too
    let single = format!("{}/team/multi:amd-only", reg.host());
    let out = run(&[
        "inspect",
        &single,
        "--insecure",
        "--platform",
        "linux/arm64",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("platform linux/arm64 not found"),
        "{}",
        stderr(&out)
    );

    // the bearer flow was used: a token request, then authorized pulls
    let seen = reg.seen();
    assert!(seen.iter().any(|s| s.path == "/token"));
    assert!(seen.iter().any(|s| s.status == 401));
    assert!(seen.iter().filter(|s| s.path.contains("/blobs/")).all(|s| {
        s.authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Bearer "))
    }));
}
