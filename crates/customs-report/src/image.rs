//! The scanned image as an SBOM subject: its reference, name, version and
//! `pkg:oci` purl.
//!
//! The purl follows the purl spec's `oci` type:
//! `pkg:oci/<name>@sha256%3A<hex>?arch=<arch>&repository_url=<registry/path>&tag=<tag>`:
//! the name is the last path segment of the repository, lowercased; the
//! version is the manifest digest with its `:` percent-encoded, as in the
//! spec's examples; qualifiers are sorted and percent-encoded by the
//! `packageurl` crate (so `/` in `repository_url` is written `%2F`). Without
//! a manifest digest (a directory scan) the image has no purl.

use customs_types::ImageSummary;
use packageurl::PackageUrl;

/// An image reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (`docker.io` when the reference names none).
    pub registry: String,
    /// Repository path (`library/python`, `team/ml-app`).
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses `[registry/]path[:tag][@digest]`. Returns `None` for strings
    /// that cannot be references (empty, or with characters references do
    /// not allow, such as a file path with spaces).
    pub fn parse(s: &str) -> Option<ImageRef> {
        let s = s.trim();
        if s.is_empty()
            || s.starts_with('/')
            || s.starts_with('.')
            || s.contains(char::is_whitespace)
        {
            return None;
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let (rest, tag) = match rest.rfind(':') {
            Some(i) if !rest[i + 1..].contains('/') => {
                (&rest[..i], Some(rest[i + 1..].to_string()))
            }
            _ => (rest, None),
        };
        let mut segs: Vec<&str> = rest.split('/').collect();
        if segs.iter().any(|p| p.is_empty()) {
            return None;
        }
        let first = segs.first().copied().unwrap_or_default();
        let registry = if segs.len() > 1
            && (first.contains('.') || first.contains(':') || first == "localhost")
        {
            segs.remove(0).to_string()
        } else {
            "docker.io".to_string()
        };
        let mut path = segs.join("/");
        if registry == "docker.io" && !path.contains('/') {
            path = format!("library/{path}");
        }
        let valid = |c: char| c.is_ascii_alphanumeric() || "._-/".contains(c);
        if path.is_empty() || !path.chars().all(valid) {
            return None;
        }
        Some(ImageRef {
            registry,
            path,
            tag: tag.filter(|t| !t.is_empty()),
            digest: digest.filter(|d| !d.is_empty()),
        })
    }

    /// `registry/path`.
    pub fn repository_url(&self) -> String {
        format!("{}/{}", self.registry, self.path)
    }

    /// The last path segment, lowercased (the purl name).
    pub fn short_name(&self) -> String {
        self.path
            .rsplit('/')
            .next()
            .unwrap_or(&self.path)
            .to_lowercase()
    }
}

/// Sources whose `name` is an image reference (the others name files).
fn name_is_reference(source: &str) -> bool {
    matches!(source, "registry" | "docker" | "podman")
}

/// The reference of the image: its name when the source is a registry or a
/// daemon, else its first repo tag.
pub fn image_ref(a: &ImageSummary) -> Option<ImageRef> {
    if name_is_reference(&a.source)
        && let Some(r) = ImageRef::parse(&a.name)
    {
        return Some(r);
    }
    a.repo_tags.first().and_then(|t| ImageRef::parse(t))
}

/// The name of the image component: the reference without tag and digest,
/// as written (`localhost:5000/team/ml-app`), or the artifact name.
pub fn display_name(a: &ImageSummary) -> String {
    let candidate = if name_is_reference(&a.source) {
        Some(a.name.as_str())
    } else {
        a.repo_tags.first().map(String::as_str)
    };
    if let Some(c) = candidate
        && ImageRef::parse(c).is_some()
    {
        let no_digest = c.split('@').next().unwrap_or(c);
        return match no_digest.rfind(':') {
            Some(i) if !no_digest[i + 1..].contains('/') => no_digest[..i].to_string(),
            _ => no_digest.to_string(),
        };
    }
    if a.name.is_empty() {
        a.repository()
    } else {
        a.name.clone()
    }
}

/// The version of the image component: the manifest digest, else the tag.
pub fn version(a: &ImageSummary) -> Option<String> {
    a.manifest_digest
        .as_ref()
        .map(|d| d.to_string())
        .or_else(|| image_ref(a).and_then(|r| r.tag))
}

/// The `pkg:oci` purl of the image (see the module docs).
pub fn oci_purl(a: &ImageSummary) -> Option<String> {
    let digest = a.manifest_digest.as_ref()?.to_string();
    let r = image_ref(a);
    let name = r
        .as_ref()
        .map_or_else(|| a.repository(), ImageRef::short_name);
    let build = || -> Result<String, packageurl::Error> {
        let mut p = PackageUrl::new("oci", name.as_str())?;
        // A placeholder version without `:` so the crate leaves it alone;
        // the digest goes in below with its `:` percent-encoded.
        p.with_version("DIGEST")?;
        if let Some(arch) = a.platform.as_ref().map(|p| p.architecture.as_str()) {
            p.add_qualifier("arch", arch)?;
        }
        if let Some(r) = &r {
            p.add_qualifier("repository_url", r.repository_url())?;
            if let Some(t) = &r.tag {
                p.add_qualifier("tag", t.as_str())?;
            }
        }
        Ok(p.to_string())
    };
    let s = build().ok()?;
    Some(s.replacen("@DIGEST", &format!("@{}", digest.replace(':', "%3A")), 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use customs_types::Platform;
    use std::str::FromStr;

    #[test]
    fn parses_references() {
        let r = ImageRef::parse("localhost:5000/team/ml-app:1.2@sha256:abc").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.path, "team/ml-app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(r.short_name(), "ml-app");
        let r = ImageRef::parse("python:3.11").unwrap();
        assert_eq!(r.repository_url(), "docker.io/library/python");
        let r = ImageRef::parse("ghcr.io/Org/Tool").unwrap();
        assert_eq!(r.short_name(), "tool");
        assert_eq!(r.tag, None);
        assert!(ImageRef::parse("/tmp/image.tar").is_none());
        assert!(ImageRef::parse("my image").is_none());
        assert!(ImageRef::parse("a//b").is_none());
    }

    #[test]
    fn oci_purl_follows_the_spec() {
        let a = ImageSummary {
            name: "localhost:5000/ml-app:1".into(),
            source: "registry".into(),
            manifest_digest: Some(
                customs_types::Digest::from_str(
                    "sha256:244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b",
                )
                .unwrap(),
            ),
            platform: Some(Platform::default()),
            ..Default::default()
        };
        let p = oci_purl(&a).unwrap();
        assert_eq!(
            p,
            "pkg:oci/ml-app@sha256%3A244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b\
             ?arch=amd64&repository_url=localhost:5000%2Fml-app&tag=1"
        );
        let parsed = PackageUrl::from_str(&p).unwrap();
        assert_eq!(
            parsed.version(),
            Some("sha256:244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b")
        );
        assert_eq!(
            parsed
                .qualifiers()
                .get("repository_url")
                .map(|v| v.as_ref()),
            Some("localhost:5000/ml-app")
        );
        assert_eq!(display_name(&a), "localhost:5000/ml-app");
    }

    #[test]
    fn archives_use_repo_tags() {
        let a = ImageSummary {
            name: "/tmp/x.tar".into(),
            source: "docker-archive".into(),
            repo_tags: vec!["ml-app:2".into()],
            ..Default::default()
        };
        assert_eq!(display_name(&a), "ml-app");
        assert_eq!(version(&a).as_deref(), Some("2"));
        assert_eq!(oci_purl(&a), None);
        let d = ImageSummary {
            name: "/srv/rootfs".into(),
            source: "dir".into(),
            ..Default::default()
        };
        assert_eq!(display_name(&d), "/srv/rootfs");
        assert_eq!(version(&d), None);
    }
}
