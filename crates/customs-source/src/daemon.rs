//! The Docker or Podman daemon: `GET /images/{name}/get` over the engine's
//! socket returns a `docker save` tar. The stream is spooled to a temporary
//! file (the archive's layers come before its manifest, so it cannot be read
//! in one forward pass) and then opened as a docker-archive.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use crate::SourceError;
use crate::archive::TarIndex;
use crate::docker_archive::open_index;
use crate::image::{OpenOptions, OpenedImage, engine_kind};
use crate::spec::{Engine, SourceSpec};

/// Where a daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix://{}", p.display()),
            Endpoint::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

/// Parses `unix:///path`, `tcp://host:port` (or `http://`), or a bare path.
pub fn parse_endpoint(s: &str) -> Result<Endpoint, SourceError> {
    if let Some(p) = s.strip_prefix("unix://") {
        return Ok(Endpoint::Unix(PathBuf::from(p)));
    }
    if let Some(a) = s
        .strip_prefix("tcp://")
        .or_else(|| s.strip_prefix("http://"))
    {
        return Ok(Endpoint::Tcp(a.trim_end_matches('/').to_string()));
    }
    if s.starts_with('/') {
        return Ok(Endpoint::Unix(PathBuf::from(s)));
    }
    Err(SourceError::Daemon {
        endpoint: s.to_string(),
        detail: "unsupported daemon address (use unix:///path or tcp://host:port; TLS endpoints are not supported)".into(),
    })
}

/// The endpoint for an engine: explicit, else the engine's environment
/// variable, else its default socket.
pub fn endpoint_for(engine: Engine, explicit: Option<&str>) -> Result<Endpoint, SourceError> {
    if let Some(s) = explicit {
        return parse_endpoint(s);
    }
    match engine {
        Engine::Docker => match std::env::var("DOCKER_HOST") {
            Ok(h) if !h.is_empty() => parse_endpoint(&h),
            _ => Ok(Endpoint::Unix("/var/run/docker.sock".into())),
        },
        Engine::Podman => {
            if let Ok(h) = std::env::var("CONTAINER_HOST")
                && !h.is_empty()
            {
                return parse_endpoint(&h);
            }
            if let Ok(rt) = std::env::var("XDG_RUNTIME_DIR") {
                let p = PathBuf::from(rt).join("podman/podman.sock");
                if p.exists() {
                    return Ok(Endpoint::Unix(p));
                }
            }
            Ok(Endpoint::Unix("/run/podman/podman.sock".into()))
        }
    }
}

trait Conn: Read + Write + Send {}
impl<T: Read + Write + Send> Conn for T {}

fn connect(ep: &Endpoint) -> io::Result<Box<dyn Conn>> {
    match ep {
        #[cfg(unix)]
        Endpoint::Unix(p) => {
            let s = UnixStream::connect(p)?;
            s.set_read_timeout(Some(Duration::from_secs(300)))?;
            Ok(Box::new(s))
        }
        #[cfg(not(unix))]
        Endpoint::Unix(_) => Err(io::Error::other("unix sockets are not supported here")),
        Endpoint::Tcp(a) => {
            let s = TcpStream::connect(a)?;
            s.set_read_timeout(Some(Duration::from_secs(300)))?;
            Ok(Box::new(s))
        }
    }
}

fn encode_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A response body: fixed length, chunked, or until the peer closes.
enum Body<R> {
    Length(io::Take<R>),
    Chunked { r: R, left: u64, done: bool },
    Eof(R),
}

impl<R: BufRead> Read for Body<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Body::Length(t) => t.read(buf),
            Body::Eof(r) => r.read(buf),
            Body::Chunked { r, left, done } => {
                if *done {
                    return Ok(0);
                }
                if *left == 0 {
                    let mut line = String::new();
                    r.read_line(&mut line)?;
                    let size_str = line.trim().split(';').next().unwrap_or("");
                    let size = u64::from_str_radix(size_str, 16).map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "bad chunk size from daemon")
                    })?;
                    if size == 0 {
                        *done = true;
                        return Ok(0);
                    }
                    *left = size;
                }
                let want = buf.len().min(*left as usize);
                let n = r.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "daemon closed the connection mid-chunk",
                    ));
                }
                *left -= n as u64;
                if *left == 0 {
                    let mut crlf = [0u8; 2];
                    r.read_exact(&mut crlf)?;
                }
                Ok(n)
            }
        }
    }
}

/// A minimal HTTP/1.1 GET over any stream (the daemon API is plain HTTP on a
/// local socket).
fn http_get(ep: &Endpoint, path: &str) -> Result<(u16, Box<dyn Read + Send>), SourceError> {
    let err = |detail: String| SourceError::Daemon {
        endpoint: ep.to_string(),
        detail,
    };
    let mut conn = connect(ep).map_err(|e| err(format!("cannot connect: {e}")))?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: customs\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(req.as_bytes())
        .map_err(|e| err(format!("request failed: {e}")))?;
    let mut r = BufReader::with_capacity(256 * 1024, conn);
    let mut status_line = String::new();
    r.read_line(&mut status_line)
        .map_err(|e| err(format!("no response: {e}")))?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| err(format!("not an HTTP response: {:?}", status_line.trim())))?;
    let mut length = None;
    let mut chunked = false;
    for _ in 0..200 {
        let mut line = String::new();
        r.read_line(&mut line)
            .map_err(|e| err(format!("bad response headers: {e}")))?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim();
            if k == "content-length" {
                length = v.parse::<u64>().ok();
            } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
    }
    let body: Box<dyn Read + Send> = if chunked {
        Box::new(Body::Chunked {
            r,
            left: 0,
            done: false,
        })
    } else if let Some(n) = length {
        Box::new(Body::Length(r.take(n)))
    } else {
        Box::new(Body::Eof(r))
    };
    Ok((status, body))
}

/// Exports an image from the daemon and opens it.
pub fn open(
    spec: &SourceSpec,
    engine: Engine,
    reference: &str,
    opts: &OpenOptions,
) -> Result<OpenedImage, SourceError> {
    let ep = endpoint_for(engine, opts.daemon_host.as_deref())?;
    let path = format!("/images/{}/get", encode_name(reference));
    let (status, mut body) = http_get(&ep, &path)?;
    if status != 200 {
        let mut msg = String::new();
        let _ = body.take(64 * 1024).read_to_string(&mut msg);
        let detail = serde_json::from_str::<serde_json::Value>(&msg)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or(msg);
        return Err(SourceError::Daemon {
            endpoint: ep.to_string(),
            detail: format!("HTTP {status} for image {reference}: {}", detail.trim()),
        });
    }
    let mut spool = match &opts.temp_dir {
        Some(d) => tempfile::NamedTempFile::new_in(d),
        None => tempfile::NamedTempFile::new(),
    }
    .map_err(|e| SourceError::io(std::env::temp_dir(), e))?;
    io::copy(&mut body, spool.as_file_mut()).map_err(|e| SourceError::Daemon {
        endpoint: ep.to_string(),
        detail: format!("export of {reference} broke off: {e}"),
    })?;
    let tmp = spool.into_temp_path();
    let index = TarIndex::open(&tmp)?;
    let mut img = open_index(spec, engine_kind(engine), index, Some(tmp), opts)?;
    img.reference = reference.to_string();
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            parse_endpoint("unix:///var/run/docker.sock").unwrap(),
            Endpoint::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            parse_endpoint("tcp://127.0.0.1:2375").unwrap(),
            Endpoint::Tcp("127.0.0.1:2375".into())
        );
        assert!(parse_endpoint("ssh://host").is_err());
        assert_eq!(
            endpoint_for(Engine::Docker, Some("unix:///x.sock")).unwrap(),
            Endpoint::Unix("/x.sock".into())
        );
    }

    #[test]
    fn names_are_encoded() {
        assert_eq!(
            encode_name("docker.io/library/a:1"),
            "docker.io/library/a:1"
        );
        assert_eq!(encode_name("a b?c"), "a%20b%3Fc");
    }

    #[test]
    fn chunked_bodies_decode() {
        let raw = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        let mut b = Body::Chunked {
            r: &raw[..],
            left: 0,
            done: false,
        };
        let mut s = String::new();
        b.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello world");
        let bad = b"zz\r\n";
        let mut b = Body::Chunked {
            r: &bad[..],
            left: 0,
            done: false,
        };
        assert!(b.read_to_string(&mut String::new()).is_err());
    }
}
