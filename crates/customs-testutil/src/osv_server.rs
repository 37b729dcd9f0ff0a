//! A static file server on 127.0.0.1 for `customs db update` tests: serves a
//! directory in osv.dev's layout, with strong ETags and `If-None-Match`,
//! logs every request, and can stall a path half-way through its body (so a
//! test can kill the client mid-download).
//!
//! It runs on its own tokio runtime, so blocking tests can use it while they
//! run the `customs` binary as a child process.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// The decoded path (`/PyPI/all.zip`).
    pub path: String,
    /// 200, 304, 404; 0 for a stalled response.
    pub status: u16,
    /// Did the request carry `If-None-Match` or `If-Modified-Since`?
    pub conditional: bool,
}

#[derive(Default)]
struct ServerState {
    root: PathBuf,
    log: Mutex<Vec<Logged>>,
    stall: Mutex<HashSet<String>>,
}

/// The server; stops when dropped.
pub struct OsvServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    state: Arc<ServerState>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for OsvServer {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl OsvServer {
    /// Serves `root` (a directory in osv.dev's layout).
    pub fn start(root: &Path) -> OsvServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        let state = Arc::new(ServerState {
            root: root.to_path_buf(),
            ..ServerState::default()
        });
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(state.clone());
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        OsvServer {
            base: format!("http://{addr}"),
            state,
            rt: Some(rt),
        }
    }

    /// Every request so far, in order.
    pub fn log(&self) -> Vec<Logged> {
        self.state.log.lock().expect("log").clone()
    }

    /// Forgets the requests so far.
    pub fn clear_log(&self) {
        self.state.log.lock().expect("log").clear();
    }

    /// The paths requested so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.log().into_iter().map(|l| l.path).collect()
    }

    /// Responses for `path` send the headers and half the body, then hang.
    pub fn stall(&self, path: &str, on: bool) {
        let mut s = self.state.stall.lock().expect("stall");
        if on {
            s.insert(path.to_owned());
        } else {
            s.remove(path);
        }
    }

    /// Waits until a request for `path` was logged; false on timeout.
    pub fn wait_for(&self, path: &str, timeout: Duration) -> bool {
        let t = Instant::now();
        while t.elapsed() < timeout {
            if self.log().iter().any(|l| l.path == path) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// A URL path with its `%XX` escapes decoded (OSV ecosystems such as
/// `Red%20Hat`).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A strong ETag for a body: a hash of the bytes and their length.
pub fn etag(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("\"{h:016x}-{}\"", bytes.len())
}

async fn serve(State(st): State<Arc<ServerState>>, req: Request) -> Response {
    let path = percent_decode(req.uri().path());
    let conditional = req.headers().contains_key(header::IF_NONE_MATCH)
        || req.headers().contains_key(header::IF_MODIFIED_SINCE);
    let log = |status: u16| {
        st.log.lock().expect("log").push(Logged {
            path: path.clone(),
            status,
            conditional,
        });
    };
    let rel = path.trim_start_matches('/');
    if rel.split('/').any(|c| c == ".." || c.is_empty()) {
        log(404);
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(bytes) = tokio::fs::read(st.root.join(rel)).await else {
        log(404);
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = etag(&bytes);
    let inm = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if inm == Some(etag.as_str()) {
        log(304);
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .expect("304");
    }
    let len = bytes.len();
    let stalled = st.stall.lock().expect("stall").contains(&path);
    log(if stalled { 0 } else { 200 });
    let body = if stalled {
        let half = Bytes::from(bytes[..len / 2].to_vec());
        let first = futures_util::stream::iter(vec![Ok::<Bytes, std::io::Error>(half)]);
        Body::from_stream(futures_util::StreamExt::chain(
            first,
            futures_util::stream::pending(),
        ))
    } else {
        Body::from(bytes)
    };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("etag"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

/// Copies a directory tree, making the copies writable.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
            let mut perms = std::fs::metadata(&dest).expect("metadata").permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&dest, perms).expect("chmod");
        }
    }
}
