//! The scanned image as an SBOM subject: its reference, name, version and
//! `pkg:oci` purl.
//!
//! The purl follows the purl spec's `oci` type:
//! `pkg:oci/<name>@sha256:<hex>?arch=<arch>&repository_url=<registry/path>&tag=<tag>`:
//! the name is the last path segment of the repository, lowercased; the
//! version is the manifest digest. The whole purl is written by the
//! `packageurl` crate, in canonical form: the `:` of the digest is not
//! percent-encoded (the spec's older `oci` examples write `%3A`, but its
//! encoding rules say a colon MUST NOT be encoded), qualifiers are sorted
//! and `/` in `repository_url` is written `%2F`. So the purl round-trips:
//! parsing it and writing it again gives the same string. Without
//! a manifest digest (a directory scan, a classic `docker save` tar, which
//! holds no manifest) the image has no purl.
//!
//! In an OCI layout (`oci-dir`, `oci-archive`) the
//! `org.opencontainers.image.ref.name` of a manifest is, by the convention
//! of skopeo, umoci and buildah, usually a tag alone (`latest`): a ref name
//! with no `/` and no `:` is taken as the tag, not as an image named
//! `docker.io/library/latest`. Such an image has no repository: its name is
//! its `org.opencontainers.image.title` label, else the layout's file or
//! directory name, and its purl has a `tag` but no `repository_url`.

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

/// The tag of an image in an OCI layout whose ref name is a tag alone (see
/// the module docs).
pub fn layout_tag(a: &ImageSummary) -> Option<&str> {
    if !matches!(a.source.as_str(), "oci-dir" | "oci-archive") {
        return None;
    }
    let t = a.repo_tags.first()?.as_str();
    let tag_char = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    let is_tag =
        !t.is_empty() && t.len() <= 128 && !t.starts_with(['.', '-']) && t.chars().all(tag_char);
    is_tag.then_some(t)
}

/// The reference of the image: its name when the source is a registry or a
/// daemon, else its first repo tag (unless that is a layout's bare tag).
pub fn image_ref(a: &ImageSummary) -> Option<ImageRef> {
    if name_is_reference(&a.source)
        && let Some(r) = ImageRef::parse(&a.name)
    {
        return Some(r);
    }
    if layout_tag(a).is_some() {
        return None;
    }
    a.repo_tags.first().and_then(|t| ImageRef::parse(t))
}

/// The `org.opencontainers.image.title` label, trimmed, when set.
fn title(a: &ImageSummary) -> Option<&str> {
    a.config
        .labels
        .get("org.opencontainers.image.title")
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
}

/// The last path segment of an artifact given as a path, without a
/// `:tag` / `@digest` selector and a `.tar` extension.
fn path_stem(name: &str) -> Option<String> {
    let n = name.split('@').next().unwrap_or(name);
    let last = n.trim_end_matches('/').rsplit('/').next().unwrap_or(n);
    let last = last.split(':').next().unwrap_or(last);
    let last = last.strip_suffix(".tar").unwrap_or(last);
    (!last.is_empty()).then(|| last.to_string())
}

/// A short, lowercase name of the image for purls and identifiers: the
/// last repository segment of its reference (`ml-app`), else (a layout
/// with a bare tag) its title, else the file or directory name.
pub fn short_name(a: &ImageSummary) -> String {
    if let Some(r) = image_ref(a) {
        return r.short_name();
    }
    if layout_tag(a).is_some() {
        let t = title(a).map(str::to_string).or_else(|| path_stem(&a.name));
        if let Some(t) = t {
            return t.to_lowercase();
        }
    }
    a.repository()
}

/// The name of the image component: the reference without tag and digest,
/// as written (`localhost:5000/team/ml-app`), the title of a layout image
/// with a bare tag, or the artifact name.
pub fn display_name(a: &ImageSummary) -> String {
    if layout_tag(a).is_some()
        && !name_is_reference(&a.source)
        && let Some(t) = title(a)
    {
        return t.to_string();
    }
    let candidate = if name_is_reference(&a.source) {
        Some(a.name.as_str())
    } else if layout_tag(a).is_some() {
        None
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
        .or_else(|| layout_tag(a).map(str::to_string))
}

/// The `pkg:oci` purl of the image (see the module docs).
pub fn oci_purl(a: &ImageSummary) -> Option<String> {
    let digest = a.manifest_digest.as_ref()?.to_string();
    let r = image_ref(a);
    let name = short_name(a);
    let build = || -> Result<String, packageurl::Error> {
        let mut p = PackageUrl::new("oci", name.as_str())?;
        p.with_version(digest.as_str())?;
        if let Some(arch) = a.platform.as_ref().map(|p| p.architecture.as_str()) {
            p.add_qualifier("arch", arch)?;
        }
        if let Some(r) = &r {
            p.add_qualifier("repository_url", r.repository_url())?;
            if let Some(t) = &r.tag {
                p.add_qualifier("tag", t.as_str())?;
            }
        } else if let Some(t) = layout_tag(a) {
            p.add_qualifier("tag", t)?;
        }
        Ok(p.to_string())
    };
    build().ok()
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
            "pkg:oci/ml-app@sha256:244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b\
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
    fn layout_ref_names_that_are_only_tags() {
        let digest = "sha256:7dbfc54ff3a2250aad5c03f7e57bea18919408aa6134b1750f230de52fa3ed43";
        let mut a = ImageSummary {
            name: "/srv/images/ml-app/oci:latest".into(),
            source: "oci-dir".into(),
            repo_tags: vec!["latest".into()],
            manifest_digest: Some(customs_types::Digest::from_str(digest).unwrap()),
            platform: Some(Platform::default()),
            ..Default::default()
        };
        assert_eq!(layout_tag(&a), Some("latest"));
        assert_eq!(image_ref(&a), None, "`latest` is no image name");
        assert_eq!(display_name(&a), "/srv/images/ml-app/oci:latest");
        assert_eq!(short_name(&a), "oci");
        assert_eq!(
            oci_purl(&a).unwrap(),
            format!("pkg:oci/oci@{digest}?arch=amd64&tag=latest")
        );
        a.config
            .labels
            .insert("org.opencontainers.image.title".into(), "ML-App".into());
        assert_eq!(display_name(&a), "ML-App");
        assert_eq!(short_name(&a), "ml-app");
        let p = oci_purl(&a).unwrap();
        assert_eq!(p, format!("pkg:oci/ml-app@{digest}?arch=amd64&tag=latest"));
        assert_eq!(PackageUrl::from_str(&p).unwrap().to_string(), p);
        assert_eq!(version(&a).as_deref(), Some(digest));
        a.manifest_digest = None;
        assert_eq!(version(&a).as_deref(), Some("latest"));

        // a full reference as the ref name is a reference
        a.repo_tags = vec!["localhost:5000/team/ml-app:1".into()];
        assert_eq!(layout_tag(&a), None);
        assert_eq!(image_ref(&a).unwrap().path, "team/ml-app");
        assert_eq!(display_name(&a), "localhost:5000/team/ml-app");
        // outside a layout a repo tag is a reference, as before
        a.source = "docker-archive".into();
        a.repo_tags = vec!["ml-app".into()];
        assert_eq!(layout_tag(&a), None);
        assert_eq!(
            image_ref(&a).unwrap().repository_url(),
            "docker.io/library/ml-app"
        );
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
