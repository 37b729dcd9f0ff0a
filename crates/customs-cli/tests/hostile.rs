//! Hostile inputs: a misbehaving registry (served in-process) and hostile
//! files. Each one is a clear error naming the cause, or handled safely; no
//! panic, nothing written anywhere.

mod common;

use std::io::Write;
use std::time::Duration;

use common::*;
use customs_testutil::registry::{AuthMode, FakeRegistry, Fault};
use customs_testutil::{Compression, Entry, TestImage, layer_tar, sha256, write_layout};

fn small_image() -> TestImage {
    TestImage::build(
        &[
            (
                vec![
                    Entry::dir("etc"),
                    Entry::file("etc/os-release", "ID=test\n"),
                    Entry::dir("root"),
                    Entry::file("root/secret.txt", "x".repeat(5000)),
                ],
                Compression::Gzip,
            ),
            (vec![Entry::whiteout("root/secret.txt")], Compression::Gzip),
        ],
        "amd64",
    )
}

fn no_panic(out: &std::process::Output) {
    let e = stderr(out);
    assert!(!e.contains("panicked"), "customs panicked: {e}");
    assert_ne!(out.status.code(), Some(101), "panic exit code: {e}");
}

/// Inspects through the fake registry; returns the process output.
fn pull(reg: &FakeRegistry, reference: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["inspect", reference, "--insecure", "--format", "json", "-q"];
    args.extend_from_slice(extra);
    let out = customs().args(&args).output().unwrap();
    no_panic(&out);
    let _ = reg;
    out
}

#[test]
fn wrong_blob_digest_is_an_integrity_error() {
    let img = small_image();
    let reg = FakeRegistry::start(AuthMode::None);
    reg.push("app", "v1", &img);
    let (layer_digest, blob) = img.layers[0].clone();
    let mut evil = blob.clone();
    // same length, different bytes: only the digest can tell
    let last = evil.len() - 9;
    evil[last] ^= 0xff;
    reg.fault(
        &format!("/v2/app/blobs/{layer_digest}"),
        Fault::Replace(evil),
    );
    let out = pull(&reg, &format!("{}/app:v1", reg.host()), &[]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("layer 0"), "{e}");
    assert!(
        e.contains("digest mismatch") || e.contains("corrupt"),
        "{e}"
    );
}

#[test]
fn wrong_blob_digest_with_valid_gzip_is_a_digest_mismatch() {
    let img = small_image();
    let other = TestImage::build(
        &[(vec![Entry::file("etc/other", "y")], Compression::Gzip)],
        "amd64",
    );
    let reg = FakeRegistry::start(AuthMode::None);
    reg.push("app", "v1", &img);
    let layer_digest = img.layers[0].0.clone();
    // a perfectly valid layer, but not the one the manifest names
    reg.fault(
        &format!("/v2/app/blobs/{layer_digest}"),
        Fault::Replace(other.layers[0].1.clone()),
    );
    let out = pull(&reg, &format!("{}/app:v1", reg.host()), &[]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("layer 0") && e.contains(&layer_digest), "{e}");
    assert!(
        e.contains("size mismatch") || e.contains("digest mismatch"),
        "{e}"
    );
}

#[test]
fn wrong_manifest_digest_is_refused() {
    let img = small_image();
    let reg = FakeRegistry::start(AuthMode::None);
    reg.push("app", "v1", &img);
    let md = img.manifest_digest();
    let mut evil = img.manifest.clone();
    evil.push(b' ');
    // by digest: the bytes must hash to the digest asked for
    reg.fault(
        &format!("/v2/app/manifests/{md}"),
        Fault::Replace(evil.clone()),
    );
    let out = pull(&reg, &format!("{}/app@{md}", reg.host()), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("digest mismatch"), "{}", stderr(&out));
    // by tag: the bytes must hash to Docker-Content-Digest
    reg.fault("/v2/app/manifests/v1", Fault::Replace(evil));
    let out = pull(&reg, &format!("{}/app:v1", reg.host()), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("digest mismatch"), "{}", stderr(&out));
}

#[test]
fn unauthorized_then_token_with_credentials() {
    let img = small_image();
    let reg = FakeRegistry::start(AuthMode::Bearer(Some((
        "alice".into(),
        "s3cret-pass".into(),
    ))));
    reg.push("private/app", "v1", &img);
    let reference = format!("{}/private/app:v1", reg.host());
    let out = pull(
        &reg,
        &reference,
        &["--username", "alice", "--password", "s3cret-pass"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = reg.seen();
    assert_eq!(seen[0].status, 401, "first request is challenged");
    assert!(seen.iter().any(|s| s.path == "/token" && s.status == 200));

    // wrong password: the token service refuses, customs says so
    let out = pull(
        &reg,
        &reference,
        &["--username", "alice", "--password", "wrong"],
    );
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("unauthorized"), "{e}");
    assert!(!e.contains("wrong"), "password echoed: {e}");
}

#[test]
fn too_many_requests_honours_retry_after() {
    let img = small_image();
    let reg = FakeRegistry::start(AuthMode::None);
    reg.push("app", "v1", &img);
    let blob_path = format!("/v2/app/blobs/{}", img.layers[1].0);
    reg.fault(
        "/v2/app/manifests/v1",
        Fault::TooManyRequests {
            times: 1,
            retry_after_secs: 1,
        },
    );
    reg.fault(
        &blob_path,
        Fault::TooManyRequests {
            times: 2,
            retry_after_secs: 1,
        },
    );
    let out = pull(&reg, &format!("{}/app:v1", reg.host()), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = reg.seen();
    let blob_hits: Vec<_> = seen.iter().filter(|s| s.path == blob_path).collect();
    assert_eq!(
        blob_hits.iter().map(|s| s.status).collect::<Vec<_>>(),
        vec![429, 429, 200]
    );
    // the client waited as told between attempts (not a timing benchmark:
    // a check that Retry-After was read)
    for w in blob_hits.windows(2) {
        assert!(w[1].at - w[0].at >= Duration::from_millis(900));
    }
}

#[test]
fn server_errors_are_retried_then_reported() {
    let img = small_image();
    let reg = FakeRegistry::start(AuthMode::None);
    reg.push("app", "v1", &img);
    reg.fault("/v2/app/manifests/v1", Fault::Unavailable { times: 2 });
    let out = pull(&reg, &format!("{}/app:v1", reg.host()), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    reg.fault("/v2/app/manifests/v1", Fault::Unavailable { times: 100 });
    let out = pull(&reg, &format!("{}/app:v1", reg.host()), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("HTTP 503"), "{}", stderr(&out));
}

#[test]
fn truncated_blob_is_an_error_naming_the_layer() {
    let img = small_image();
    let reg = FakeRegistry::start(AuthMode::None);
    reg.push("app", "v1", &img);
    let (d, blob) = img.layers[0].clone();
    reg.fault(
        &format!("/v2/app/blobs/{d}"),
        Fault::Truncate(blob.len() / 2),
    );
    let out = pull(&reg, &format!("{}/app:v1", reg.host()), &[]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("layer 0"), "{e}");
}

#[test]
fn redirect_to_another_host_drops_credentials() {
    let img = small_image();
    let reg = FakeRegistry::start(AuthMode::Bearer(None));
    reg.push("app", "v1", &img);
    for (d, _) in &img.layers {
        reg.fault(&format!("/v2/app/blobs/{d}"), Fault::RedirectElsewhere);
    }
    let out = pull(&reg, &format!("{}/app:v1", reg.host()), &["--files"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let other = reg.redirect_seen();
    assert_eq!(other.len(), 2, "both layers fetched from the storage host");
    for s in &other {
        assert_eq!(s.status, 200);
        assert!(
            s.authorization.is_none(),
            "registry token leaked to another host: {:?}",
            s.authorization
        );
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(file_set(&r).iter().any(|(p, _, _)| p == "/etc/os-release"));
}

fn inspect_layout(img: &TestImage) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[img], None, &["t"]);
    let out = customs()
        .args([
            "inspect",
            &format!("oci-dir:{}", dir.path().display()),
            "--format",
            "json",
            "--files",
        ])
        .output()
        .unwrap();
    no_panic(&out);
    out
}

#[test]
fn path_traversal_entries_are_skipped_and_nothing_is_written() {
    let work = tempfile::tempdir().unwrap();
    let img = TestImage::build(
        &[(
            vec![
                Entry::dir("etc"),
                Entry::RawFile(
                    b"../../../../tmp/customs-evil-dotdot".to_vec(),
                    b"pwned".to_vec(),
                ),
                Entry::RawFile(b"a/../../escape".to_vec(), b"pwned".to_vec()),
                Entry::RawFile(b"/abs/ok".to_vec(), b"fine".to_vec()),
                Entry::symlink("lnk", "/tmp"),
                Entry::file("lnk/customs-evil-through-link", "pwned"),
                Entry::symlink("etc/passwd-link", "../../../../../../etc/passwd"),
            ],
            Compression::None,
        )],
        "amd64",
    );
    let out = customs()
        .current_dir(work.path())
        .args({
            let dir = work.path().join("layout");
            write_layout(&dir, &[&img], None, &["t"]);
            vec![
                "inspect".to_string(),
                format!("oci-dir:{}", dir.display()),
                "--format".into(),
                "json".into(),
                "--files".into(),
            ]
        })
        .output()
        .unwrap();
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = file_set(&r);
    let paths: Vec<&str> = files.iter().map(|(p, _, _)| p.as_str()).collect();
    assert!(paths.contains(&"/abs/ok"));
    // the file "under" the symlink stays a path of the image, not of the host
    assert!(paths.contains(&"/lnk/customs-evil-through-link"));
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("..") || p.contains("escape") && !p.starts_with('/'))
    );
    let unknowns = r["unknowns"].to_string();
    assert!(
        unknowns.contains("climbs above the image root"),
        "{unknowns}"
    );
    assert!(!std::path::Path::new("/tmp/customs-evil-dotdot").exists());
    assert!(!std::path::Path::new("/tmp/customs-evil-through-link").exists());
    assert!(!std::path::Path::new("/escape").exists());
    // nothing was written next to the test either
    let mut names: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, vec!["layout"]);
}

#[test]
fn hardlink_to_a_missing_file_is_an_unknown() {
    let img = TestImage::build(
        &[(
            vec![
                Entry::dir("bin"),
                Entry::file("bin/real", "abc"),
                Entry::hardlink("bin/ok", "bin/real"),
                Entry::RawHardlink(b"bin/dangling".to_vec(), b"bin/nowhere".to_vec()),
                Entry::RawHardlink(b"bin/out".to_vec(), b"../../etc/shadow".to_vec()),
            ],
            Compression::Gzip,
        )],
        "amd64",
    );
    let out = inspect_layout(&img);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = file_set(&r);
    assert!(files.contains(&("/bin/ok".into(), "file".into(), 3)));
    assert!(
        !files
            .iter()
            .any(|(p, _, _)| p == "/bin/dangling" || p == "/bin/out")
    );
    let u = r["unknowns"].to_string();
    assert!(u.contains("/bin/nowhere"), "{u}");
    assert!(u.contains("climbs above"), "{u}");
}

/// A gzip stream of `n` zero bytes inside one tar entry, built without
/// holding it in memory.
fn zero_bomb(n: u64) -> (Vec<u8>, String) {
    let mut header = tar::Header::new_gnu();
    header.set_path("bomb.bin").unwrap();
    header.set_size(n);
    header.set_mode(0o644);
    header.set_cksum();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    let mut feed = |data: &[u8]| {
        enc.write_all(data).unwrap();
        sha2::Digest::update(&mut hasher, data);
    };
    feed(header.as_bytes());
    let zeros = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(zeros.len() as u64) as usize;
        feed(&zeros[..k]);
        left -= k as u64;
    }
    let pad = (512 - (n % 512) as usize) % 512;
    feed(&vec![0u8; pad + 1024]);
    let diff = format!("sha256:{}", hex::encode(sha2::Digest::finalize(hasher)));
    (enc.finish().unwrap(), diff)
}

#[test]
fn gzip_bomb_is_stopped_with_a_clear_error() {
    // 1 GiB of zeros in ~1 MB of gzip: over the 200:1 ratio guard
    let (blob, diff) = zero_bomb(1 << 30);
    assert!(blob.len() < 8 << 20);
    let img = TestImage::assemble(
        vec![(
            blob,
            diff,
            customs_testutil::layer_media_type(Compression::Gzip).into(),
        )],
        "amd64",
    );
    let out = inspect_layout(&img);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("decompression bomb"), "{e}");
    assert!(e.contains("layer 0"), "{e}");
}

#[test]
fn layer_size_limit_is_enforced() {
    let img = TestImage::build(
        &[(
            vec![Entry::file("big", vec![7u8; 300_000])],
            Compression::Zstd,
        )],
        "amd64",
    );
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[&img], None, &["t"]);
    let out = run(&[
        "inspect",
        &format!("oci-dir:{}", dir.path().display()),
        "--max-layer-size",
        "100000",
    ]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("decompression limit"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn corrupted_files_on_disk_are_clear_errors() {
    let img = small_image();
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[&img], None, &["t"]);
    let src = format!("oci-dir:{}", dir.path().display());

    // a layer blob changed on disk
    let blob_path = dir.path().join("blobs/sha256").join(&img.layers[0].0[7..]);
    let mut bytes = std::fs::read(&blob_path).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0x55;
    std::fs::write(&blob_path, &bytes).unwrap();
    let out = run(&["inspect", &src]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("layer 0"), "{}", stderr(&out));

    // garbage instead of a tar, with a matching digest and diff_id
    let garbage = vec![0x42u8; 4096];
    let img2 = TestImage::assemble(
        vec![(
            garbage.clone(),
            sha256(&garbage),
            "application/vnd.oci.image.layer.v1.tar".into(),
        )],
        "amd64",
    );
    let out = inspect_layout(&img2);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("corrupt"), "{}", stderr(&out));

    // a config whose diff_id does not match the layer
    let tar = layer_tar(&[Entry::file("a", "b")]);
    let img3 = TestImage::assemble(
        vec![(
            customs_testutil::compress(&tar, Compression::Gzip),
            sha256(b"something else"),
            "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        )],
        "amd64",
    );
    let out = inspect_layout(&img3);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("diff_id mismatch"),
        "{}",
        stderr(&out)
    );

    // a truncated docker-archive
    let arch = tempfile::tempdir().unwrap();
    let tarp = arch.path().join("img.tar");
    img.write_docker_archive(&tarp, "app:1");
    let full = std::fs::read(&tarp).unwrap();
    std::fs::write(&tarp, &full[..full.len() / 3]).unwrap();
    let out = run(&["inspect", &format!("docker-archive:{}", tarp.display())]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));

    // not an image at all
    let junk = arch.path().join("junk");
    std::fs::write(&junk, b"hello").unwrap();
    let out = run(&["inspect", &junk.display().to_string()]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not an image") || stderr(&out).contains("not a tar"),
        "{}",
        stderr(&out)
    );

    // an unreachable registry
    let out = run(&["inspect", "127.0.0.1:9/none:latest"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}
