//! Test helpers: locating the shared OSV data, expected counts computed from
//! the zips themselves, and a loopback HTTP server with request counting,
//! ETags, stalls and truncated bodies.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use customs_testutil::osv_server::{etag, percent_decode};

/// `shared/vulndb/osv`: `$CUSTOMS_SHARED/vulndb/osv`, else `shared/` beside
/// the repository checkout, else `/work/shared`.
pub fn shared_osv() -> PathBuf {
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("CUSTOMS_SHARED") {
        candidates.push(PathBuf::from(p));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    candidates.push(manifest.join("../../../shared"));
    candidates.push(manifest.join("../../shared"));
    candidates.push(PathBuf::from("/work/shared"));
    for c in candidates {
        let osv = c.join("vulndb/osv");
        if osv.join("ecosystems.txt").is_file() {
            return osv;
        }
    }
    panic!("shared/vulndb/osv not found; set CUSTOMS_SHARED to the shared/ directory");
}

pub fn ecosystems(osv: &Path) -> Vec<String> {
    std::fs::read_to_string(osv.join("ecosystems.txt"))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Per zip: (json entries, withdrawn ids, all ids), read independently of
/// the crate with serde_json::Value.
pub struct ZipFacts {
    pub entries: usize,
    pub withdrawn: Vec<String>,
    pub ids: Vec<String>,
}

pub fn zip_facts(zip_path: &Path) -> ZipFacts {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut facts = ZipFacts {
        entries: 0,
        withdrawn: Vec::new(),
        ids: Vec::new(),
    };
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        facts.entries += 1;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        if v.get("withdrawn")
            .and_then(|w| w.as_str())
            .is_some_and(|w| !w.is_empty())
        {
            facts.withdrawn.push(id.clone());
        }
        facts.ids.push(id);
    }
    facts
}

/// Expected stored records per feed: zip entries minus withdrawn.
pub fn expected_counts(osv: &Path, feeds: &[String]) -> BTreeMap<String, u64> {
    feeds
        .iter()
        .map(|e| {
            let f = zip_facts(&osv.join(e).join("all.zip"));
            (e.clone(), (f.entries - f.withdrawn.len()) as u64)
        })
        .collect()
}

/// Copies a directory tree, making the copies writable.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
            let mut perms = std::fs::metadata(&dest).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&dest, perms).unwrap();
        }
    }
}

/// Files in `dir` whose names start with `.<db name>.` (temporary files).
pub fn temp_files(dir: &Path, db_name: &str) -> Vec<String> {
    let prefix = format!(".{db_name}.");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    pub ok: u64,
    pub not_modified: u64,
    pub not_found: u64,
}

#[derive(Default)]
pub struct ServerState {
    root: PathBuf,
    counts: Mutex<HashMap<String, Counts>>,
    stall: Mutex<HashSet<String>>,
    truncate: Mutex<HashSet<String>>,
}

/// A static file server on 127.0.0.1 with strong ETags (content hash) and
/// `If-None-Match` support.
pub struct TestServer {
    pub base: String,
    pub state: Arc<ServerState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn start(root: &Path) -> TestServer {
        let state = Arc::new(ServerState {
            root: root.to_path_buf(),
            ..ServerState::default()
        });
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestServer {
            base: format!("http://{addr}"),
            state,
            task,
        }
    }

    pub fn counts(&self, path: &str) -> Counts {
        self.state
            .counts
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or_default()
    }

    pub fn all_counts(&self) -> HashMap<String, Counts> {
        self.state.counts.lock().unwrap().clone()
    }

    pub fn total_requests(&self) -> u64 {
        self.state
            .counts
            .lock()
            .unwrap()
            .values()
            .map(|c| c.requests)
            .sum()
    }

    /// Requests to `path` hang (until the client gives up).
    pub fn stall(&self, path: &str, on: bool) {
        let mut s = self.state.stall.lock().unwrap();
        if on {
            s.insert(path.to_owned());
        } else {
            s.remove(path);
        }
    }

    /// Responses for `path` announce the full length, send half the body and
    /// then drop the connection.
    pub fn truncate(&self, path: &str, on: bool) {
        let mut s = self.state.truncate.lock().unwrap();
        if on {
            s.insert(path.to_owned());
        } else {
            s.remove(path);
        }
    }
}

async fn serve(State(st): State<Arc<ServerState>>, req: Request) -> Response {
    let path = percent_decode(req.uri().path());
    let bump = |f: &dyn Fn(&mut Counts)| {
        let mut c = st.counts.lock().unwrap();
        f(c.entry(path.clone()).or_default());
    };
    bump(&|c| c.requests += 1);
    let stalled = st.stall.lock().unwrap().contains(&path);
    if stalled {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
    let rel = path.trim_start_matches('/');
    if rel.split('/').any(|c| c == ".." || c.is_empty()) {
        bump(&|c| c.not_found += 1);
        return StatusCode::NOT_FOUND.into_response();
    }
    let bytes = match tokio::fs::read(st.root.join(rel)).await {
        Ok(b) => b,
        Err(_) => {
            bump(&|c| c.not_found += 1);
            return StatusCode::NOT_FOUND.into_response();
        }
    };
    let etag = etag(&bytes);
    let inm = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if inm == Some(etag.as_str()) {
        bump(&|c| c.not_modified += 1);
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .unwrap();
    }
    bump(&|c| c.ok += 1);
    let truncated = st.truncate.lock().unwrap().contains(&path);
    let len = bytes.len();
    let body = if truncated {
        let half = bytes::Bytes::from(bytes[..len / 2].to_vec());
        Body::from_stream(futures_util::stream::iter(vec![
            Ok(half),
            Err(std::io::Error::other("test server drops the connection")),
        ]))
    } else {
        Body::from(bytes)
    };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).unwrap());
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    resp
}
