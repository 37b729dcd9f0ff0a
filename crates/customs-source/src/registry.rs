//! OCI distribution v2 client on `reqwest`.
//!
//! customs needs what `oci-client` does not expose: retries with backoff on
//! 429/5xx that honour `Retry-After`, re-auth on a 401 mid-pull, blob bodies
//! streamed into the synchronous layer walk with their digest checked as
//! they pass, and one HTTP client (one TLS trust, one proxy setting) for the
//! registry and its token service, so that a private CA or a pinned
//! self-signed certificate (`--ca-file`) applies to both. References are
//! parsed with `oci-spec` (the grammar `oci-client` uses). Redirects (blob
//! storage on another host) are followed by reqwest, which drops the
//! `Authorization` header when the host changes.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use customs_types::{Digest, DigestAlgorithm, LayerMeta};
use futures_util::StreamExt;
use oci_spec::distribution::Reference;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, RETRY_AFTER, WWW_AUTHENTICATE};

use crate::SourceError;
use crate::auth::{self, Credential};
use crate::config::parse_config;
use crate::error::describe_reqwest;
use crate::image::{BlobOpener, Layers, OpenOptions, OpenedImage, SourceKind, layer_metas};
use crate::manifest::{
    ACCEPT as MANIFEST_ACCEPT, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, Manifest,
    check_layer_media_type, descriptor_digest, parse_manifest, select_platform,
};
use crate::spec::SourceSpec;
use crate::verify::{check_blob, digest_of};

const DEFAULT_RETRIES: u32 = 5;
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const USER_AGENT: &str = concat!("customs/", env!("CARGO_PKG_VERSION"));

struct Inner {
    http: reqwest::Client,
    reference: Reference,
    /// `https://host` or `http://host`.
    base: String,
    credential: Credential,
    authorization: Mutex<Option<String>>,
    max_retries: u32,
}

/// A connection to one repository of one registry.
pub struct Registry {
    rt: Arc<tokio::runtime::Runtime>,
    inner: Arc<Inner>,
}

fn load_ca(opts: &OpenOptions) -> Result<Option<Vec<u8>>, SourceError> {
    match &opts.ca_file {
        None => Ok(None),
        Some(p) => std::fs::read(p)
            .map(Some)
            .map_err(|e| SourceError::io(p, e)),
    }
}

fn build_http(opts: &OpenOptions, ca: Option<&[u8]>) -> Result<reqwest::Client, SourceError> {
    let mut b = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::limited(10));
    if opts.insecure {
        b = b.danger_accept_invalid_certs(true);
    } else if let Some(pem) = ca {
        b = b.tls_backend_preconfigured(crate::tls::client_config(pem)?);
    }
    b.build().map_err(|e| SourceError::Network {
        url: "(client setup)".into(),
        detail: describe_reqwest(&e),
    })
}

/// Parses `Retry-After` (seconds or an HTTP date).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
            .min(MAX_RETRY_AFTER),
    )
}

/// Parses a `WWW-Authenticate` challenge: the scheme and its parameters
/// (`realm="…",service="…"`; quoted values may hold commas).
fn parse_challenge(h: &str) -> Option<(String, std::collections::HashMap<String, String>)> {
    let h = h.trim();
    let (scheme, rest) = match h.split_once(char::is_whitespace) {
        Some((s, r)) => (s, r),
        None => (h, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut params = std::collections::HashMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek() {
                if *c == ',' {
                    break;
                }
                value.push(*c);
                chars.next();
            }
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    Some((scheme.to_string(), params))
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << attempt.min(5))).min(Duration::from_secs(8))
}

fn retryable_status(s: StatusCode) -> bool {
    matches!(s.as_u16(), 429 | 500 | 502 | 503 | 504)
}

async fn body_snippet(resp: reqwest::Response) -> String {
    let text = resp.text().await.unwrap_or_default();
    let t: String = text.chars().take(300).collect();
    let t = t.trim().replace('\n', " ");
    if t.is_empty() { "(no body)".into() } else { t }
}

impl Inner {
    fn registry(&self) -> &str {
        self.reference.registry()
    }

    /// Answers a 401 challenge: a bearer token from the token service the
    /// challenge names (with basic credentials when we have them), or basic
    /// credentials.
    async fn authenticate(&self, challenge: Option<&str>) -> Result<(), SourceError> {
        let parsed = challenge.and_then(parse_challenge);
        let header = match parsed {
            Some((scheme, params)) if scheme.eq_ignore_ascii_case("bearer") => {
                format!("Bearer {}", self.fetch_token(&params).await?)
            }
            _ => self.basic_header()?,
        };
        *self.authorization.lock().unwrap_or_else(|p| p.into_inner()) = Some(header);
        Ok(())
    }

    async fn fetch_token(
        &self,
        params: &std::collections::HashMap<String, String>,
    ) -> Result<String, SourceError> {
        let unauthorized = |detail: String| SourceError::Unauthorized {
            registry: self.registry().to_string(),
            detail,
        };
        let realm = params
            .get("realm")
            .ok_or_else(|| unauthorized("bearer challenge without a realm".into()))?;
        let scope = params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:pull", self.reference.repository()));
        let mut query: Vec<(&str, String)> = vec![("scope", scope)];
        if let Some(service) = params.get("service") {
            query.push(("service", service.clone()));
        }
        let mut req = self.http.get(realm).query(&query);
        if let Credential::Basic { username, password } = &self.credential {
            req = req.basic_auth(username, Some(password));
        }
        let resp = req.send().await.map_err(|e| SourceError::Network {
            url: realm.clone(),
            detail: describe_reqwest(&e),
        })?;
        let status = resp.status();
        if !status.is_success() {
            let body = body_snippet(resp).await;
            return Err(unauthorized(format!(
                "token service {realm} answered HTTP {status} ({body})"
            )));
        }
        let body = self.read_body(realm, resp, 1 << 20).await?;
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let t: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| unauthorized(format!("token service {realm}: bad answer: {e}")))?;
        t.token
            .or(t.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized(format!("token service {realm} sent no token")))
    }

    fn basic_header(&self) -> Result<String, SourceError> {
        match &self.credential {
            Credential::Basic { username, password } => Ok(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            Credential::Anonymous => Err(SourceError::Unauthorized {
                registry: self.registry().to_string(),
                detail: "the registry wants credentials: pass --username/--password \
                         (or CUSTOMS_USERNAME/CUSTOMS_PASSWORD), or run docker login"
                    .into(),
            }),
        }
    }

    /// GET with auth, retries and backoff. Returns the response for 2xx and
    /// 404 (the caller names what was not found); every other failure is an
    /// error.
    async fn get(&self, url: &str, accept: Option<&str>) -> Result<reqwest::Response, SourceError> {
        let mut attempt = 0u32;
        let mut reauthed = false;
        loop {
            let mut req = self.http.get(url);
            if let Some(a) = accept {
                req = req.header(ACCEPT, a);
            }
            let auth = self
                .authorization
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if let Some(a) = auth {
                req = req.header(AUTHORIZATION, a);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    if attempt < self.max_retries && (e.is_connect() || e.is_timeout()) {
                        tracing::debug!("GET {url}: {e}; retrying");
                        tokio::time::sleep(backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(SourceError::Network {
                        url: url.to_string(),
                        detail: describe_reqwest(&e),
                    });
                }
            };
            let status = resp.status();
            if status.is_success() || status == StatusCode::NOT_FOUND {
                return Ok(resp);
            }
            if status == StatusCode::UNAUTHORIZED {
                if !reauthed {
                    reauthed = true;
                    let challenge = resp
                        .headers()
                        .get(WWW_AUTHENTICATE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    self.authenticate(challenge.as_deref()).await?;
                    continue;
                }
                let detail = body_snippet(resp).await;
                return Err(SourceError::Unauthorized {
                    registry: self.registry().to_string(),
                    detail: format!("credentials refused ({detail})"),
                });
            }
            if retryable_status(status) && attempt < self.max_retries {
                let wait = retry_after(resp.headers()).unwrap_or_else(|| backoff(attempt));
                tracing::debug!("GET {url}: HTTP {status}; retrying in {wait:?}");
                drop(resp);
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            let detail = body_snippet(resp).await;
            return Err(SourceError::Http {
                url: url.to_string(),
                status: status.as_u16(),
                detail,
            });
        }
    }

    fn manifest_url(&self, reference: &str) -> String {
        format!(
            "{}/v2/{}/manifests/{reference}",
            self.base,
            self.reference.repository()
        )
    }

    fn blob_url(&self, d: &Digest) -> String {
        format!("{}/v2/{}/blobs/{d}", self.base, self.reference.repository())
    }

    /// Reads a body up to `limit` bytes.
    async fn read_body(
        &self,
        url: &str,
        resp: reqwest::Response,
        limit: u64,
    ) -> Result<Vec<u8>, SourceError> {
        if resp.content_length().is_some_and(|l| l > limit) {
            return Err(SourceError::TooLarge {
                what: url.to_string(),
                limit,
            });
        }
        let mut out = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| SourceError::Network {
                url: url.to_string(),
                detail: describe_reqwest(&e),
            })?;
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(SourceError::TooLarge {
                    what: url.to_string(),
                    limit,
                });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Fetches a manifest by tag or digest and verifies it: against the
    /// digest asked for, else against `Docker-Content-Digest`.
    async fn manifest(
        &self,
        reference: &str,
        expected: Option<&Digest>,
    ) -> Result<(Vec<u8>, Option<String>, Digest), SourceError> {
        let url = self.manifest_url(reference);
        let resp = self.get(&url, Some(MANIFEST_ACCEPT)).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            let detail = body_snippet(resp).await;
            return Err(SourceError::ManifestUnknown {
                reference: format!(
                    "{}/{}:{reference}",
                    self.registry(),
                    self.reference.repository()
                ),
                detail,
            });
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<Digest>().ok());
        let bytes = self.read_body(&url, resp, MAX_MANIFEST_BYTES).await?;
        let digest = match (expected, header_digest) {
            (Some(want), _) => {
                check_blob(&url, want, &bytes)?;
                want.clone()
            }
            (None, Some(hd)) => {
                check_blob(&url, &hd, &bytes)?;
                hd
            }
            (None, None) => digest_of(DigestAlgorithm::Sha256, &bytes),
        };
        Ok((bytes, content_type, digest))
    }

    async fn small_blob(&self, d: &Digest, limit: u64) -> Result<Vec<u8>, SourceError> {
        let url = self.blob_url(d);
        let resp = self.get(&url, None).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Err(SourceError::Http {
                url,
                status: 404,
                detail: "blob unknown".into(),
            });
        }
        let bytes = self.read_body(&url, resp, limit).await?;
        check_blob(&url, d, &bytes)?;
        Ok(bytes)
    }
}

/// Streams one blob from the runtime into a synchronous reader.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                None => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

impl BlobOpener for Registry {
    fn open(&self, layer: &LayerMeta) -> Result<Box<dyn Read + Send>, SourceError> {
        let d = layer.digest.clone().ok_or_else(|| {
            SourceError::malformed(format!("layer {}", layer.index), "no blob digest")
        })?;
        let inner = self.inner.clone();
        let url = inner.blob_url(&d);
        let resp = self.rt.block_on(inner.get(&url, None))?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Err(SourceError::Http {
                url,
                status: 404,
                detail: "blob unknown".into(),
            });
        }
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(16);
        self.rt.spawn(async move {
            let mut stream = resp.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let item = chunk.map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("{url}: download broke off: {}", describe_reqwest(&e)),
                    )
                });
                let stop = item.is_err();
                if tx.send(item).await.is_err() || stop {
                    return;
                }
            }
        });
        Ok(Box::new(ChannelReader {
            rx,
            current: Bytes::new(),
            done: false,
        }))
    }
}

/// Opens an image from a registry.
pub fn open(
    spec: &SourceSpec,
    reference: &Reference,
    opts: &OpenOptions,
) -> Result<OpenedImage, SourceError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("customs-registry")
        .build()
        .map_err(|e| SourceError::Network {
            url: "(runtime)".into(),
            detail: e.to_string(),
        })?;
    let rt = Arc::new(rt);
    let ca = load_ca(opts)?;
    let http = build_http(opts, ca.as_deref())?;
    let host = reference.resolve_registry().to_string();
    let (credential, origin) = auth::resolve(reference.registry(), opts);
    tracing::debug!("registry {host}: credentials from {origin:?}");
    let mut use_http = false;
    if opts.insecure {
        // --insecure also allows a registry that speaks plain HTTP.
        let probe = rt.block_on(async { http.get(format!("https://{host}/v2/")).send().await });
        if let Err(e) = probe
            && !e.is_timeout()
        {
            let plain = rt.block_on(async { http.get(format!("http://{host}/v2/")).send().await });
            if plain.is_ok() {
                use_http = true;
            }
        }
    }
    let base = format!("{}://{host}", if use_http { "http" } else { "https" });
    let inner = Arc::new(Inner {
        http,
        reference: reference.clone(),
        base,
        credential,
        authorization: Mutex::new(None),
        max_retries: opts.max_retries.unwrap_or(DEFAULT_RETRIES),
    });
    let pinned: Option<Digest> = match reference.digest() {
        Some(d) => Some(d.parse().map_err(|e| SourceError::BadReference {
            reference: reference.whole(),
            reason: format!("{e}"),
        })?),
        None => None,
    };
    let first_ref = pinned
        .as_ref()
        .map(|d| d.to_string())
        .or_else(|| reference.tag().map(str::to_string))
        .unwrap_or_else(|| "latest".to_string());
    let platform = opts.platform();
    rt.block_on(async {
        let (mut bytes, mut ctype, mut digest) =
            inner.manifest(&first_ref, pinned.as_ref()).await?;
        let mut index_digest = None;
        for _depth in 0..4 {
            let what = inner.manifest_url(&digest.to_string());
            match parse_manifest(&what, &bytes, ctype.as_deref())? {
                Manifest::Index(idx) => {
                    index_digest = Some(digest.clone());
                    let d = select_platform(&reference.whole(), &idx, &platform)?;
                    let want = descriptor_digest(&what, d)?;
                    let got = inner.manifest(&want.to_string(), Some(&want)).await?;
                    (bytes, ctype, digest) = got;
                }
                Manifest::Image(m) => {
                    let cdigest = descriptor_digest(&what, m.config())?;
                    let craw = inner.small_blob(&cdigest, MAX_CONFIG_BYTES).await?;
                    let parsed = parse_config(&inner.blob_url(&cdigest), &craw)?;
                    let mut descs = Vec::new();
                    for l in m.layers() {
                        let mt = l.media_type().to_string();
                        check_layer_media_type(&what, &mt)?;
                        descs.push((Some(descriptor_digest(&what, l)?), Some(mt), Some(l.size())));
                    }
                    let layers = layer_metas(&what, descs, &parsed.summary)?;
                    let media_type = m
                        .media_type()
                        .as_ref()
                        .map(|t| t.to_string())
                        .or(ctype.clone());
                    return Ok(OpenedImage {
                        spec: spec.clone(),
                        kind: SourceKind::Registry,
                        reference: reference.whole(),
                        manifest_digest: Some(digest),
                        manifest_media_type: media_type,
                        index_digest,
                        config_digest: Some(cdigest),
                        config_raw: craw,
                        config: parsed.summary,
                        platform: parsed.platform,
                        repo_tags: reference.tag().map(str::to_string).into_iter().collect(),
                        layers,
                        blobs: Layers::Blobs(Arc::new(Registry {
                            rt: rt.clone(),
                            inner: inner.clone(),
                        })),
                    });
                }
            }
        }
        Err(SourceError::malformed(
            reference.whole(),
            "indexes nested too deeply",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(RETRY_AFTER, "100000".parse().unwrap());
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/a:pull,push""#,
        )
        .unwrap();
        assert_eq!(s, "Bearer");
        assert_eq!(p["realm"], "https://auth.docker.io/token");
        assert_eq!(p["service"], "registry.docker.io");
        assert_eq!(p["scope"], "repository:library/a:pull,push");
        let (s, p) = parse_challenge(r#"Basic realm="test-registry""#).unwrap();
        assert_eq!(
            (s.as_str(), p["realm"].as_str()),
            ("Basic", "test-registry")
        );
        assert!(parse_challenge("").is_none());
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert!(backoff(0) < backoff(1));
        assert_eq!(backoff(30), Duration::from_secs(8));
    }
}
