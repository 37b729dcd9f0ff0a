//! End-to-end: `customs inspect` on the real images of
//! `../shared/images/build.sh`, from every source, including a real registry
//! (distribution, TLS with its own CA, basic auth) started by
//! `../shared/images/registry.sh`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn images() -> PathBuf {
    customs_testutil::test_images()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

fn inspect(source: &str) -> serde_json::Value {
    json(&["inspect", source, "--format", "json", "--files", "-q"])
}

#[test]
fn every_local_source_gives_the_same_image() {
    let dir = images();
    for img in ["debian-base", "ml-app"] {
        let base = dir.join(img);
        let oci = inspect(&format!("oci-dir:{}", p(&base.join("oci"))));
        let docker = inspect(&format!(
            "docker-archive:{}",
            p(&base.join("docker-archive.tar"))
        ));
        let ociar = inspect(&format!("oci-archive:{}", p(&base.join("oci-archive.tar"))));
        // detected from the path alone, as `--input` (Trivy's spelling)
        let input = json(&[
            "inspect",
            "--input",
            &p(&base.join("docker-archive.tar")),
            "--format",
            "json",
            "--files",
            "-q",
        ]);
        assert_eq!(oci["source"], "oci-dir");
        assert_eq!(docker["source"], "docker-archive");
        assert_eq!(ociar["source"], "oci-archive");
        assert_eq!(input["source"], "docker-archive");
        let ids = diff_ids(&oci);
        assert!(!ids.is_empty() && ids.iter().all(|d| d.starts_with("sha256:")));
        for (name, other) in [
            ("docker-archive", &docker),
            ("oci-archive", &ociar),
            ("--input", &input),
        ] {
            assert_eq!(
                diff_ids(other),
                ids,
                "{img}: diff_ids of {name} differ from oci-dir"
            );
            assert_eq!(
                file_set(other),
                file_set(&oci),
                "{img}: merged file set of {name} differs from oci-dir"
            );
            assert_eq!(other["errors"], serde_json::json!([]), "{img} {name}");
        }
        assert_eq!(oci["manifest_digest"], ociar["manifest_digest"]);
        assert_eq!(oci["config_digest"], docker["config_digest"]);
    }
}

#[test]
fn ml_app_merged_view_equals_its_rootfs_and_history_keeps_the_deleted_key() {
    let base = images().join("ml-app");
    let report = inspect(&format!("oci-dir:{}", p(&base.join("oci"))));
    let merged = file_set(&report);
    let rootfs = rootfs_set(&base.join("rootfs"));
    let only_image: Vec<_> = merged.difference(&rootfs).take(10).collect();
    let only_rootfs: Vec<_> = rootfs.difference(&merged).take(10).collect();
    assert!(
        only_image.is_empty() && only_rootfs.is_empty(),
        "merged view != rootfs\nonly in the image: {only_image:?}\nonly in rootfs/: {only_rootfs:?}"
    );
    assert!(merged.len() > 10_000, "{} entries", merged.len());

    // /root/.ssh/id_rsa: gone from the merged view, kept in the history view
    // with the layer that brought it and the layer whose whiteout removed it.
    assert!(
        !merged
            .iter()
            .any(|(path, _, _)| path == "/root/.ssh/id_rsa")
    );
    let layers = report["layers"].as_array().unwrap();
    let layer_of = |needle: &str| {
        layers
            .iter()
            .position(|l| l["created_by"].as_str().unwrap_or("").contains(needle))
            .unwrap_or_else(|| panic!("no layer created by {needle:?}")) as u64
    };
    let added = layer_of("COPY id_rsa /root/.ssh/id_rsa");
    let deleted = layer_of("rm -f /root/.ssh/id_rsa");
    let removed = report["removed_files"].as_array().unwrap();
    let key = removed
        .iter()
        .find(|r| r["path"] == "/root/.ssh/id_rsa")
        .expect("id_rsa in the history view");
    assert_eq!(key["removal"], "deleted");
    assert_eq!(key["layer"].as_u64(), Some(added));
    assert_eq!(key["removed_in"].as_u64(), Some(deleted));
    assert_eq!(key["kind"], "file");
    assert!(key["size"].as_u64().unwrap() > 1000);
    assert_eq!(key["diff_id"], layers[deleted as usize]["diff_id"]);

    // the dir: source reads the same tree
    let dir = inspect(&format!("dir:{}", p(&base.join("rootfs"))));
    assert_eq!(file_set(&dir), rootfs);
}

#[test]
fn inspect_shows_config_with_masked_secrets() {
    let base = images().join("ml-app");
    let r = inspect(&format!("oci-dir:{}", p(&base.join("oci"))));
    assert_eq!(r["user"], "root");
    assert_eq!(r["working_dir"], "/app");
    assert_eq!(r["cmd"], serde_json::json!(["python3", "/app/app.py"]));
    assert_eq!(r["exposed_ports"], serde_json::json!(["8080/tcp"]));
    assert_eq!(r["labels"]["org.opencontainers.image.title"], "ml-app");
    assert_eq!(r["platform"], "linux/amd64");
    let env = serde_json::to_string(&r["env"]).unwrap();
    assert!(env.contains("DB_PASSWORD=FAKE*"), "{env}");
    assert!(!env.contains("Passw0rd"), "secret printed in full: {env}");
    assert!(env.contains("MODEL_DIR=/app/models"));
    let layers = r["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 7);
    for l in layers {
        assert!(l["uncompressed_size"].as_u64().unwrap() > 0);
        assert!(l["compressed_size"].as_u64().unwrap() > 0);
        assert!(l["created_by"].is_string());
    }
    // table output names the same facts
    let out = run(&["inspect", &format!("oci-dir:{}", p(&base.join("oci")))]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Manifest digest") && text.contains("Layers"));
    assert!(!text.contains("Passw0rd"));
}

/// A registry started by `../shared/images/registry.sh`, stopped on drop.
struct Registry {
    dir: tempfile::TempDir,
    env: std::collections::HashMap<String, String>,
}

impl Registry {
    fn start() -> Registry {
        let script = customs_testutil::shared_dir().join("images/registry.sh");
        let dir = tempfile::tempdir().unwrap();
        let st = Command::new("bash")
            .arg(&script)
            .arg("start")
            .env("REGISTRY_DIR", dir.path())
            .output()
            .expect("registry.sh start");
        assert!(
            st.status.success(),
            "registry.sh start failed (needs docker-registry apache2-utils skopeo openssl curl):\n{}{}",
            String::from_utf8_lossy(&st.stdout),
            String::from_utf8_lossy(&st.stderr)
        );
        let push = Command::new("bash")
            .arg(&script)
            .arg("push")
            .arg(images())
            .env("REGISTRY_DIR", dir.path())
            .output()
            .expect("registry.sh push");
        let env_text = std::fs::read_to_string(dir.path().join("registry.env")).unwrap();
        let env = env_text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let r = Registry { dir, env };
        assert!(
            push.status.success(),
            "registry.sh push failed:\n{}{}",
            String::from_utf8_lossy(&push.stdout),
            String::from_utf8_lossy(&push.stderr)
        );
        r
    }
    fn get(&self, k: &str) -> String {
        self.env[k].clone()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let script = customs_testutil::shared_dir().join("images/registry.sh");
        let _ = Command::new("bash")
            .arg(&script)
            .arg("stop")
            .env("REGISTRY_DIR", self.dir.path())
            .output();
    }
}

#[test]
fn registry_pull_matches_the_local_sources() {
    let reg = Registry::start();
    let addr = reg.get("REGISTRY_ADDR");
    let ca = reg.get("REGISTRY_CA");
    let user = reg.get("REGISTRY_USER");
    let pass = reg.get("REGISTRY_PASS");
    for img in ["debian-base", "ml-app"] {
        let local = inspect(&format!("oci-dir:{}", p(&images().join(img).join("oci"))));
        let reference = format!("{addr}/{img}:latest");

        // credentials by flags, TLS verified with the registry's CA
        let by_flags = json(&[
            "inspect",
            &reference,
            "--ca-file",
            &ca,
            "--username",
            &user,
            "--password",
            &pass,
            "--format",
            "json",
            "--files",
            "-q",
        ]);
        assert_eq!(by_flags["source"], "registry");
        assert_eq!(
            by_flags["manifest_digest"], local["manifest_digest"],
            "{img}"
        );
        assert_eq!(diff_ids(&by_flags), diff_ids(&local), "{img}");
        assert_eq!(file_set(&by_flags), file_set(&local), "{img}");

        // credentials from a docker config.json
        let cfg = tempfile::tempdir().unwrap();
        let auth = base64_encode(&format!("{user}:{pass}"));
        std::fs::write(
            cfg.path().join("config.json"),
            format!(r#"{{"auths":{{"{addr}":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        let out = customs()
            .args([
                "inspect",
                &reference,
                "--ca-file",
                &ca,
                "--format",
                "json",
                "--files",
                "-q",
            ])
            .env("DOCKER_CONFIG", cfg.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "config.json credentials: {}",
            stderr(&out)
        );
        let by_config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(diff_ids(&by_config), diff_ids(&local));
        assert_eq!(file_set(&by_config), file_set(&local));
    }

    // without credentials: a clear 401 and exit code 2
    let empty = tempfile::tempdir().unwrap();
    let out = customs()
        .args([
            "inspect",
            &format!("{addr}/ml-app:latest"),
            "--ca-file",
            &ca,
            "-q",
        ])
        .env("DOCKER_CONFIG", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unauthorized"), "{}", stderr(&out));

    // without the CA: TLS is verified by default
    let out = run(&[
        "inspect",
        &format!("{addr}/ml-app:latest"),
        "--username",
        &user,
        "--password",
        &pass,
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out).to_lowercase();
    assert!(e.contains("certificate") || e.contains("tls"), "{e}");

    // --insecure accepts the self-signed certificate
    let out = run(&[
        "inspect",
        &format!("{addr}/debian-base:latest"),
        "--insecure",
        "--username",
        &user,
        "--password",
        &pass,
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    // a tag that does not exist
    let out = run(&[
        "inspect",
        &format!("{addr}/ml-app:nope"),
        "--ca-file",
        &ca,
        "--username",
        &user,
        "--password",
        &pass,
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("manifest unknown"),
        "{}",
        stderr(&out)
    );
}

fn base64_encode(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
