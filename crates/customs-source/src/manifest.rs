//! Manifests and indexes (OCI and Docker v2 schema 2), platform selection.

use customs_types::{Digest, Platform};
use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};

use crate::SourceError;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_V1: &str = "application/vnd.docker.distribution.manifest.v1+json";
pub const DOCKER_V1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// What the `Accept` header of a manifest request lists.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Manifests are small; a bigger one is hostile.
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// Configs can carry long histories, still far below this.
pub const MAX_CONFIG_BYTES: u64 = 32 << 20;

/// A manifest after parsing.
#[derive(Debug)]
pub enum Manifest {
    Image(Box<ImageManifest>),
    Index(Box<ImageIndex>),
}

#[derive(serde::Deserialize)]
struct Probe {
    #[serde(rename = "schemaVersion", default)]
    schema_version: Option<u32>,
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<serde_json::Value>,
    #[serde(default)]
    layers: Option<serde_json::Value>,
}

/// Parses manifest bytes. The media type comes from the document itself, or
/// from the `Content-Type` the registry sent when the document has none.
pub fn parse_manifest(
    what: &str,
    bytes: &[u8],
    content_type: Option<&str>,
) -> Result<Manifest, SourceError> {
    let probe: Probe =
        serde_json::from_slice(bytes).map_err(|e| SourceError::malformed(what, e))?;
    let media_type = probe
        .media_type
        .clone()
        .or_else(|| content_type.map(|c| c.split(';').next().unwrap_or(c).trim().to_string()));
    if probe.schema_version == Some(1)
        || matches!(media_type.as_deref(), Some(DOCKER_V1 | DOCKER_V1_SIGNED))
    {
        return Err(SourceError::UnsupportedMediaType {
            what: what.to_string(),
            media_type: "Docker schema 1 manifest (deprecated; re-push the image)".into(),
        });
    }
    let is_index = match media_type.as_deref() {
        Some(OCI_INDEX | DOCKER_LIST) => true,
        Some(OCI_MANIFEST | DOCKER_MANIFEST) => false,
        _ => probe.manifests.is_some() && probe.layers.is_none(),
    };
    if is_index {
        let idx: ImageIndex =
            serde_json::from_slice(bytes).map_err(|e| SourceError::malformed(what, e))?;
        Ok(Manifest::Index(Box::new(idx)))
    } else if probe.layers.is_some() {
        let m: ImageManifest =
            serde_json::from_slice(bytes).map_err(|e| SourceError::malformed(what, e))?;
        Ok(Manifest::Image(Box::new(m)))
    } else {
        Err(SourceError::UnsupportedMediaType {
            what: what.to_string(),
            media_type: media_type.unwrap_or_else(|| "unknown (no layers, no manifests)".into()),
        })
    }
}

/// The digest of a descriptor, validated.
pub fn descriptor_digest(what: &str, d: &Descriptor) -> Result<Digest, SourceError> {
    d.digest()
        .to_string()
        .parse()
        .map_err(|e| SourceError::malformed(what, e))
}

fn platform_string(d: &Descriptor) -> Option<String> {
    d.platform().as_ref().map(|p| {
        let mut s = format!("{}/{}", p.os(), p.architecture());
        if let Some(v) = p.variant() {
            s.push('/');
            s.push_str(v);
        }
        s
    })
}

/// Is this index entry an attestation or other non-image artifact?
fn is_attestation(d: &Descriptor) -> bool {
    d.annotations()
        .as_ref()
        .is_some_and(|a| a.contains_key("vnd.docker.reference.type"))
        || platform_string(d).as_deref() == Some("unknown/unknown")
}

/// Picks the entry of an index that serves `want`.
pub fn select_platform<'a>(
    what: &str,
    index: &'a ImageIndex,
    want: &Platform,
) -> Result<&'a Descriptor, SourceError> {
    let candidates: Vec<&Descriptor> = index
        .manifests()
        .iter()
        .filter(|d| !is_attestation(d))
        .collect();
    let exact = candidates.iter().find(|d| {
        d.platform().as_ref().is_some_and(|p| {
            want.matches(
                &p.os().to_string(),
                &p.architecture().to_string(),
                p.variant().as_deref(),
            )
        })
    });
    if let Some(d) = exact {
        return Ok(d);
    }
    let available: Vec<String> = candidates
        .iter()
        .filter_map(|d| platform_string(d))
        .collect();
    Err(SourceError::PlatformNotFound {
        wanted: want.to_string(),
        what: what.to_string(),
        available: if available.is_empty() {
            "no platform entries".into()
        } else {
            available.join(", ")
        },
    })
}

/// Is this a layer media type customs can read? Layers are recognised by
/// their bytes (gzip, zstd, plain tar), so any tar-ish type goes.
pub fn check_layer_media_type(what: &str, media_type: &str) -> Result<(), SourceError> {
    let ok = media_type.starts_with("application/vnd.oci.image.layer.")
        || media_type.starts_with("application/vnd.docker.image.rootfs.")
        || media_type == "application/vnd.docker.image.rootfs.diff.tar.gzip"
        || media_type.is_empty();
    if ok {
        Ok(())
    } else {
        Err(SourceError::UnsupportedMediaType {
            what: what.to_string(),
            media_type: media_type.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    const D3: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

    fn index() -> ImageIndex {
        let json = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D1}","size":1,"platform":{{"os":"linux","architecture":"amd64"}}}},
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D2}","size":1,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}},
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D3}","size":1,"platform":{{"os":"unknown","architecture":"unknown"}},
                "annotations":{{"vnd.docker.reference.type":"attestation-manifest"}}}}]}}"#
        );
        match parse_manifest("idx", json.as_bytes(), None).unwrap() {
            Manifest::Index(i) => *i,
            Manifest::Image(_) => panic!("expected an index"),
        }
    }

    #[test]
    fn selects_platforms() {
        let idx = index();
        let arm: Platform = "linux/arm64".parse().unwrap();
        assert_eq!(
            select_platform("idx", &idx, &arm)
                .unwrap()
                .digest()
                .to_string(),
            D2
        );
        let amd = Platform::default();
        assert_eq!(
            select_platform("idx", &idx, &amd)
                .unwrap()
                .digest()
                .to_string(),
            D1
        );
        let s390: Platform = "linux/s390x".parse().unwrap();
        let err = select_platform("idx", &idx, &s390).unwrap_err().to_string();
        assert!(err.contains("linux/s390x"), "{err}");
        assert!(err.contains("linux/amd64, linux/arm64/v8"), "{err}");
        assert!(!err.contains("unknown"), "{err}");
    }

    #[test]
    fn schema1_and_garbage_are_errors() {
        assert!(matches!(
            parse_manifest("m", br#"{"schemaVersion":1,"fsLayers":[]}"#, None),
            Err(SourceError::UnsupportedMediaType { .. })
        ));
        assert!(matches!(
            parse_manifest("m", b"<html>", None),
            Err(SourceError::Malformed { .. })
        ));
        assert!(matches!(
            parse_manifest("m", br#"{"schemaVersion":2}"#, None),
            Err(SourceError::UnsupportedMediaType { .. })
        ));
    }
}
