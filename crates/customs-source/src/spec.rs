//! What the user typed: a scheme-prefixed source (`docker-archive:PATH`), a
//! path we recognise by its contents, or a registry reference.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use customs_types::Digest;
use oci_spec::distribution::Reference;

use crate::SourceError;

/// Which daemon a `docker:`/`podman:` source talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

/// Picks one image out of a layout holding several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Tag(String),
    Digest(Digest),
}

/// A parsed source argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A registry reference, normalised (`ubuntu` → `docker.io/library/ubuntu:latest`).
    Registry(Box<Reference>),
    DockerArchive(PathBuf),
    OciDir {
        path: PathBuf,
        selector: Option<Selector>,
    },
    OciArchive {
        path: PathBuf,
        selector: Option<Selector>,
    },
    Daemon {
        engine: Engine,
        reference: String,
    },
    Dir(PathBuf),
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sel = |s: &Option<Selector>| match s {
            None => String::new(),
            Some(Selector::Tag(t)) => format!(":{t}"),
            Some(Selector::Digest(d)) => format!("@{d}"),
        };
        match self {
            SourceSpec::Registry(r) => write!(f, "{}", r.whole()),
            SourceSpec::DockerArchive(p) => write!(f, "docker-archive:{}", p.display()),
            SourceSpec::OciDir { path, selector } => {
                write!(f, "oci-dir:{}{}", path.display(), sel(selector))
            }
            SourceSpec::OciArchive { path, selector } => {
                write!(f, "oci-archive:{}{}", path.display(), sel(selector))
            }
            SourceSpec::Daemon { engine, reference } => match engine {
                Engine::Docker => write!(f, "docker:{reference}"),
                Engine::Podman => write!(f, "podman:{reference}"),
            },
            SourceSpec::Dir(p) => write!(f, "dir:{}", p.display()),
        }
    }
}

/// Parses a registry reference per the distribution reference grammar
/// (default registry `docker.io`, `library/` for official images, tag
/// `latest` when neither tag nor digest is given).
pub fn parse_reference(s: &str) -> Result<Reference, SourceError> {
    let bad = |reason: String| SourceError::BadReference {
        reference: s.to_string(),
        reason,
    };
    if s.is_empty() {
        return Err(bad("empty reference".into()));
    }
    let r = Reference::from_str(s).map_err(|e| bad(e.to_string()))?;
    if let Some(d) = r.digest() {
        d.parse::<Digest>().map_err(|e| bad(e.to_string()))?;
    }
    Ok(r)
}

impl SourceSpec {
    /// Parses an argument. Scheme prefixes win; a bare argument that names an
    /// existing path is recognised by its contents; anything else is a
    /// registry reference.
    pub fn parse(arg: &str) -> Result<SourceSpec, SourceError> {
        if let Some((scheme, rest)) = arg.split_once(':') {
            match scheme {
                "registry" | "docker-registry" => {
                    return Ok(SourceSpec::Registry(Box::new(parse_reference(
                        rest.trim_start_matches("//"),
                    )?)));
                }
                "docker-archive" => return Ok(SourceSpec::DockerArchive(path_part(rest)?)),
                "oci-dir" | "oci" => {
                    let (path, selector) = split_selector(rest)?;
                    return Ok(SourceSpec::OciDir { path, selector });
                }
                "oci-archive" => {
                    let (path, selector) = split_selector(rest)?;
                    return Ok(SourceSpec::OciArchive { path, selector });
                }
                "docker" | "docker-daemon" => {
                    return Ok(SourceSpec::Daemon {
                        engine: Engine::Docker,
                        reference: nonempty(rest, arg)?,
                    });
                }
                "podman" => {
                    return Ok(SourceSpec::Daemon {
                        engine: Engine::Podman,
                        reference: nonempty(rest, arg)?,
                    });
                }
                "dir" | "rootfs" => return Ok(SourceSpec::Dir(path_part(rest)?)),
                _ => {}
            }
        }
        let p = Path::new(arg);
        if p.exists() {
            return detect_path(p);
        }
        Ok(SourceSpec::Registry(Box::new(parse_reference(arg)?)))
    }

    /// Recognises a path (Trivy's `--input`): an OCI layout directory, a root
    /// filesystem directory, a `docker save` tar or an OCI archive.
    pub fn from_input(path: &Path) -> Result<SourceSpec, SourceError> {
        if !path.exists() {
            return Err(SourceError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
        detect_path(path)
    }
}

fn nonempty(rest: &str, arg: &str) -> Result<String, SourceError> {
    if rest.is_empty() {
        return Err(SourceError::BadReference {
            reference: arg.to_string(),
            reason: "nothing after the scheme".into(),
        });
    }
    Ok(rest.to_string())
}

fn path_part(rest: &str) -> Result<PathBuf, SourceError> {
    if rest.is_empty() {
        return Err(SourceError::BadReference {
            reference: rest.to_string(),
            reason: "empty path".into(),
        });
    }
    Ok(PathBuf::from(rest))
}

/// `PATH[:TAG|@DIGEST]`. A path that exists as typed is never split.
fn split_selector(rest: &str) -> Result<(PathBuf, Option<Selector>), SourceError> {
    if rest.is_empty() {
        return path_part(rest).map(|p| (p, None));
    }
    if Path::new(rest).exists() {
        return Ok((PathBuf::from(rest), None));
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let tail = &rest[last_slash..];
    if let Some(at) = tail.rfind('@') {
        let digest: Digest = tail[at + 1..]
            .parse()
            .map_err(|e: customs_types::DigestError| SourceError::BadReference {
                reference: rest.to_string(),
                reason: e.to_string(),
            })?;
        let path = &rest[..last_slash + at];
        return Ok((PathBuf::from(path), Some(Selector::Digest(digest))));
    }
    if let Some(colon) = tail.rfind(':') {
        let tag = &tail[colon + 1..];
        let path = &rest[..last_slash + colon];
        if !tag.is_empty() && !path.is_empty() {
            return Ok((PathBuf::from(path), Some(Selector::Tag(tag.to_string()))));
        }
    }
    Ok((PathBuf::from(rest), None))
}

fn detect_path(p: &Path) -> Result<SourceSpec, SourceError> {
    let meta = std::fs::metadata(p).map_err(|e| SourceError::io(p, e))?;
    if meta.is_dir() {
        if p.join("oci-layout").is_file() || p.join("index.json").is_file() {
            return Ok(SourceSpec::OciDir {
                path: p.to_path_buf(),
                selector: None,
            });
        }
        return Ok(SourceSpec::Dir(p.to_path_buf()));
    }
    let index = crate::archive::TarIndex::open(p)?;
    if index.contains("manifest.json") {
        Ok(SourceSpec::DockerArchive(p.to_path_buf()))
    } else if index.contains("index.json") || index.contains("oci-layout") {
        Ok(SourceSpec::OciArchive {
            path: p.to_path_buf(),
            selector: None,
        })
    } else {
        Err(SourceError::NotAnImage {
            path: p.to_path_buf(),
            reason: "a tar archive without manifest.json (docker save) or index.json (OCI layout)"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r = parse_reference(s).unwrap();
        (
            r.registry().to_string(),
            r.repository().to_string(),
            r.tag().map(str::to_string),
            r.digest().map(str::to_string),
        )
    }

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn references_follow_the_distribution_grammar() {
        assert_eq!(
            reg("ubuntu"),
            (
                "docker.io".into(),
                "library/ubuntu".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            reg("bitnami/redis:7"),
            (
                "docker.io".into(),
                "bitnami/redis".into(),
                Some("7".into()),
                None
            )
        );
        assert_eq!(
            reg("localhost:5000/ml/app:v1"),
            (
                "localhost:5000".into(),
                "ml/app".into(),
                Some("v1".into()),
                None
            )
        );
        assert_eq!(
            reg("localhost/app"),
            (
                "localhost".into(),
                "app".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            reg(&format!("ghcr.io/org/img@{D}")),
            ("ghcr.io".into(), "org/img".into(), None, Some(D.into()))
        );
        assert_eq!(
            reg(&format!("127.0.0.1:5000/a:t@{D}")),
            (
                "127.0.0.1:5000".into(),
                "a".into(),
                Some("t".into()),
                Some(D.into())
            )
        );
    }

    #[test]
    fn bad_references_are_errors() {
        for s in ["", "library/Upper", "a:b:c", "img@sha256:xyz", "/abs"] {
            assert!(parse_reference(s).is_err(), "{s} should not parse");
        }
    }

    #[test]
    fn scheme_prefixes() {
        assert_eq!(
            SourceSpec::parse("docker-archive:/tmp/x.tar").unwrap(),
            SourceSpec::DockerArchive("/tmp/x.tar".into())
        );
        assert_eq!(
            SourceSpec::parse("oci-dir:/no/such/layout:v2").unwrap(),
            SourceSpec::OciDir {
                path: "/no/such/layout".into(),
                selector: Some(Selector::Tag("v2".into()))
            }
        );
        assert_eq!(
            SourceSpec::parse(&format!("oci-archive:/no/such.tar@{D}")).unwrap(),
            SourceSpec::OciArchive {
                path: "/no/such.tar".into(),
                selector: Some(Selector::Digest(D.parse().unwrap()))
            }
        );
        assert_eq!(
            SourceSpec::parse("podman:localhost/app:1").unwrap(),
            SourceSpec::Daemon {
                engine: Engine::Podman,
                reference: "localhost/app:1".into()
            }
        );
        assert_eq!(
            SourceSpec::parse("dir:/").unwrap(),
            SourceSpec::Dir("/".into())
        );
        assert!(matches!(
            SourceSpec::parse("registry:alpine:3.19").unwrap(),
            SourceSpec::Registry(_)
        ));
        assert!(matches!(
            SourceSpec::parse("alpine:3.19").unwrap(),
            SourceSpec::Registry(_)
        ));
    }

    #[test]
    fn paths_are_detected_by_content() {
        let t = tempfile::tempdir().unwrap();
        assert_eq!(
            SourceSpec::parse(t.path().to_str().unwrap()).unwrap(),
            SourceSpec::Dir(t.path().into())
        );
        std::fs::write(
            t.path().join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .unwrap();
        assert!(matches!(
            SourceSpec::parse(t.path().to_str().unwrap()).unwrap(),
            SourceSpec::OciDir { .. }
        ));
        let f = t.path().join("junk.bin");
        std::fs::write(&f, b"not a tar at all").unwrap();
        let err = SourceSpec::parse(f.to_str().unwrap()).unwrap_err();
        assert!(matches!(err, SourceError::NotAnImage { .. }), "{err}");
    }
}
