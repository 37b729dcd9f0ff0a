//! `docker:` and `podman:` sources against a fake daemon on a unix socket
//! that speaks the engine API's `GET /images/{name}/get`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;

use common::*;
use customs_testutil::{Compression, Entry, TestImage};

/// Serves one export per connection: chunked, for the image named `name`.
fn fake_daemon(
    sock: PathBuf,
    name: &'static str,
    archive: Vec<u8>,
) -> std::thread::JoinHandle<Vec<String>> {
    let listener = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        let mut requests = Vec::new();
        for _ in 0..3 {
            let Ok((mut s, _)) = listener.accept() else {
                break;
            };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
            }
            requests.push(line.trim().to_string());
            let want = format!("GET /images/{name}/get HTTP/1.1");
            if line.trim() == want {
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
                for chunk in archive.chunks(7000) {
                    write!(s, "{:x}\r\n", chunk.len()).unwrap();
                    s.write_all(chunk).unwrap();
                    s.write_all(b"\r\n").unwrap();
                }
                s.write_all(b"0\r\n\r\n").unwrap();
            } else {
                let body = br#"{"message":"No such image: nothere:1"}"#;
                write!(
                    s,
                    "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .unwrap();
                s.write_all(body).unwrap();
            }
        }
        requests
    })
}

#[test]
fn docker_and_podman_sources_read_the_daemon_export() {
    let img = TestImage::build(
        &[(
            vec![
                Entry::dir("etc"),
                Entry::file("etc/hostname", "daemon-test\n"),
            ],
            Compression::Gzip,
        )],
        "amd64",
    );
    let work = tempfile::tempdir().unwrap();
    let tarp = work.path().join("save.tar");
    img.write_docker_archive(&tarp, "app:1");
    let archive = std::fs::read(&tarp).unwrap();
    let sock = work.path().join("docker.sock");
    let server = fake_daemon(sock.clone(), "app:1", archive);

    // --docker-host
    let r = json(&[
        "inspect",
        "docker:app:1",
        "--docker-host",
        &format!("unix://{}", sock.display()),
        "--format",
        "json",
        "--files",
    ]);
    assert_eq!(r["source"], "docker");
    assert_eq!(r["layers"][0]["diff_id"], img.diff_ids[0]);
    assert!(file_set(&r).contains(&("/etc/hostname".into(), "file".into(), 12)));

    // DOCKER_HOST is honoured
    let out = customs()
        .args(["inspect", "docker:app:1", "--format", "json"])
        .env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // an image the daemon does not have: its message, exit 2
    let out = run(&[
        "inspect",
        "podman:nothere:1",
        "--podman-host",
        &format!("unix://{}", sock.display()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("No such image"), "{}", stderr(&out));

    let requests = server.join().unwrap();
    assert_eq!(requests.len(), 3);

    // no daemon at all
    let out = run(&[
        "inspect",
        "docker:app:1",
        "--docker-host",
        "unix:///nonexistent/docker.sock",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot connect"), "{}", stderr(&out));
}
