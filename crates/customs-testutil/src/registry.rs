//! An in-process fake registry (plain HTTP on loopback) that can misbehave
//! on purpose: wrong digests, 401-then-token, 429 with Retry-After,
//! truncated blobs, redirects to another host.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

/// How the registry checks credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    None,
    /// Basic auth with this user and password.
    Basic(String, String),
    /// Bearer tokens from `/token`; `/token` itself wants these basic
    /// credentials when given, else serves anyone.
    Bearer(Option<(String, String)>),
}

/// A deliberate fault for one path (`/v2/<repo>/blobs/<digest>` or
/// `/v2/<repo>/manifests/<ref>`).
#[derive(Debug, Clone)]
pub enum Fault {
    /// Serve these bytes instead of the real ones.
    Replace(Vec<u8>),
    /// Answer 429 with `Retry-After: secs` this many times first.
    TooManyRequests { times: u32, retry_after_secs: u64 },
    /// Answer 503 this many times first (no Retry-After).
    Unavailable { times: u32 },
    /// Send this many bytes, then break the connection.
    Truncate(usize),
    /// Redirect to the other server (`FakeRegistry::redirect_target`).
    RedirectElsewhere,
}

/// One request as the registry saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
    pub status: u16,
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Inner {
    /// (repo, tag or digest) → (media type, bytes)
    manifests: HashMap<(String, String), (String, Vec<u8>)>,
    /// digest → bytes (blobs are shared across repositories here)
    blobs: HashMap<String, Vec<u8>>,
    faults: HashMap<String, Fault>,
    seen: Vec<Seen>,
    redirect_seen: Vec<Seen>,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    auth: AuthMode,
    addr: Arc<Mutex<String>>,
    other: Arc<Mutex<String>>,
}

/// A running fake registry. Dropping it stops both servers.
pub struct FakeRegistry {
    pub addr: SocketAddr,
    /// Address of the second server that redirects land on.
    pub redirect_target: SocketAddr,
    shared: Shared,
    _rt: tokio::runtime::Runtime,
}

const TOKEN: &str = "fake-registry-token-0123456789";

impl FakeRegistry {
    pub fn start(auth: AuthMode) -> FakeRegistry {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let shared = Shared {
            inner: Arc::new(Mutex::new(Inner::default())),
            auth,
            addr: Arc::new(Mutex::new(String::new())),
            other: Arc::new(Mutex::new(String::new())),
        };
        let (addr, other) = rt.block_on(async {
            let l1 = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let l2 = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let a1 = l1.local_addr().expect("addr");
            let a2 = l2.local_addr().expect("addr");
            let app = axum::Router::new()
                .fallback(handle)
                .with_state(shared.clone());
            let other_app = axum::Router::new()
                .fallback(handle_other)
                .with_state(shared.clone());
            tokio::spawn(async move {
                let _ = axum::serve(l1, app).await;
            });
            tokio::spawn(async move {
                let _ = axum::serve(l2, other_app).await;
            });
            (a1, a2)
        });
        *shared.addr.lock().expect("lock") = addr.to_string();
        *shared.other.lock().expect("lock") = other.to_string();
        FakeRegistry {
            addr,
            redirect_target: other,
            shared,
            _rt: rt,
        }
    }

    /// Publishes an image (manifest under `tag` and its digest, and blobs).
    pub fn push(&self, repo: &str, tag: &str, img: &crate::TestImage) {
        let mut g = self.shared.inner.lock().expect("lock");
        for (d, b) in img.blobs() {
            g.blobs.insert(d, b);
        }
        let mt = "application/vnd.oci.image.manifest.v1+json".to_string();
        g.manifests.insert(
            (repo.into(), tag.into()),
            (mt.clone(), img.manifest.clone()),
        );
        g.manifests.insert(
            (repo.into(), img.manifest_digest()),
            (mt, img.manifest.clone()),
        );
    }

    /// Publishes an index under `tag` (its images pushed separately).
    pub fn push_index(&self, repo: &str, tag: &str, index: &[u8]) {
        let mut g = self.shared.inner.lock().expect("lock");
        let mt = "application/vnd.oci.image.index.v1+json".to_string();
        g.manifests
            .insert((repo.into(), tag.into()), (mt.clone(), index.to_vec()));
        g.manifests
            .insert((repo.into(), crate::sha256(index)), (mt, index.to_vec()));
    }

    pub fn fault(&self, path: &str, f: Fault) {
        self.shared
            .inner
            .lock()
            .expect("lock")
            .faults
            .insert(path.to_string(), f);
    }

    /// Requests seen by the registry.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.inner.lock().expect("lock").seen.clone()
    }

    /// Requests seen by the redirect target.
    pub fn redirect_seen(&self) -> Vec<Seen> {
        self.shared
            .inner
            .lock()
            .expect("lock")
            .redirect_seen
            .clone()
    }

    /// `127.0.0.1:PORT`, for references.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }
}

fn auth_ok(shared: &Shared, headers: &HeaderMap) -> bool {
    let got = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match &shared.auth {
        AuthMode::None => true,
        AuthMode::Basic(u, p) => {
            got == format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        }
        AuthMode::Bearer(_) => got == format!("Bearer {TOKEN}"),
    }
}

fn challenge(shared: &Shared) -> Response {
    let addr = shared.addr.lock().expect("lock").clone();
    let h = match &shared.auth {
        AuthMode::Basic(..) => r#"Basic realm="fake""#.to_string(),
        _ => format!(r#"Bearer realm="http://{addr}/token",service="fake-registry""#),
    };
    let mut r = (
        StatusCode::UNAUTHORIZED,
        r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
    )
        .into_response();
    r.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_str(&h).expect("header"),
    );
    r
}

async fn handle_other(State(shared): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    let path = uri.path().to_string();
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let digest = path.trim_start_matches("/storage/").to_string();
    let mut g = shared.inner.lock().expect("lock");
    let blob = g.blobs.get(&digest).cloned();
    let status = if blob.is_some() { 200 } else { 404 };
    g.redirect_seen.push(Seen {
        path,
        authorization,
        status,
        at: std::time::Instant::now(),
    });
    match blob {
        Some(b) => (StatusCode::OK, b).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let path = uri.path().to_string();
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let resp = route(&shared, &method, &headers, &path);
    shared.inner.lock().expect("lock").seen.push(Seen {
        path,
        authorization,
        status: resp.status().as_u16(),
        at: std::time::Instant::now(),
    });
    resp
}

fn route(shared: &Shared, method: &Method, headers: &HeaderMap, path: &str) -> Response {
    if path == "/token" {
        if let AuthMode::Bearer(Some((u, p))) = &shared.auth {
            let want = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            );
            let got = headers.get("authorization").and_then(|v| v.to_str().ok());
            if got != Some(want.as_str()) {
                return (StatusCode::UNAUTHORIZED, "bad credentials").into_response();
            }
        }
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#),
        )
            .into_response();
    }
    if !auth_ok(shared, headers) {
        return challenge(shared);
    }
    if path == "/v2/" || path == "/v2" {
        return (StatusCode::OK, "{}").into_response();
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // faults first
    let fault = {
        let mut g = shared.inner.lock().expect("lock");
        let f = g.faults.get(path).cloned();
        match f {
            Some(Fault::TooManyRequests {
                times,
                retry_after_secs,
            }) if times > 0 => {
                g.faults.insert(
                    path.to_string(),
                    Fault::TooManyRequests {
                        times: times - 1,
                        retry_after_secs,
                    },
                );
                let mut r = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
                r.headers_mut().insert(
                    "retry-after",
                    HeaderValue::from_str(&retry_after_secs.to_string()).expect("hv"),
                );
                return r;
            }
            Some(Fault::Unavailable { times }) if times > 0 => {
                g.faults
                    .insert(path.to_string(), Fault::Unavailable { times: times - 1 });
                return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
            }
            other => other,
        }
    };
    if let Some((repo, digest)) = rest.split_once("/blobs/") {
        let _ = repo;
        let blob = shared
            .inner
            .lock()
            .expect("lock")
            .blobs
            .get(digest)
            .cloned();
        let Some(mut blob) = blob else {
            return (
                StatusCode::NOT_FOUND,
                r#"{"errors":[{"code":"BLOB_UNKNOWN"}]}"#,
            )
                .into_response();
        };
        match fault {
            Some(Fault::Replace(b)) => blob = b,
            Some(Fault::RedirectElsewhere) => {
                let other = shared.other.lock().expect("lock").clone();
                let mut r = StatusCode::TEMPORARY_REDIRECT.into_response();
                r.headers_mut().insert(
                    "location",
                    HeaderValue::from_str(&format!("http://{other}/storage/{digest}")).expect("hv"),
                );
                return r;
            }
            Some(Fault::Truncate(n)) => {
                let head = blob[..n.min(blob.len())].to_vec();
                let total = blob.len();
                let stream = futures_stream(head);
                let mut r = Response::new(Body::from_stream(stream));
                r.headers_mut().insert(
                    "content-length",
                    HeaderValue::from_str(&total.to_string()).expect("hv"),
                );
                return r;
            }
            _ => {}
        }
        if method == Method::HEAD {
            return StatusCode::OK.into_response();
        }
        return (StatusCode::OK, blob).into_response();
    }
    if let Some((repo, reference)) = rest.split_once("/manifests/") {
        let m = shared
            .inner
            .lock()
            .expect("lock")
            .manifests
            .get(&(repo.to_string(), reference.to_string()))
            .cloned();
        let Some((mt, mut bytes)) = m else {
            return (
                StatusCode::NOT_FOUND,
                r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
            )
                .into_response();
        };
        let digest = crate::sha256(&bytes);
        if let Some(Fault::Replace(b)) = fault {
            bytes = b;
        }
        return (
            StatusCode::OK,
            [
                ("content-type", mt.as_str()),
                ("docker-content-digest", digest.as_str()),
            ],
            bytes,
        )
            .into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}

/// A body that yields `head` and then fails, so the connection breaks off.
fn futures_stream(
    head: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::iter(vec![
        Ok(head),
        Err(std::io::Error::other("truncated on purpose")),
    ])
}
