//! Identifiers: serial numbers, CycloneDX `bom-ref`s and SPDX ids.
//!
//! - **Serial number / document namespace**: the caller's serial, or a UUID
//!   derived from `sha256(manifest digest (or name) "\n" generated_at)`: the
//!   first 16 bytes, with the version nibble set to 5 and the RFC 4122
//!   variant bits, so it has the shape of a name-based UUID.
//! - **bom-ref**: the package's purl when no other package has the same
//!   purl; when several do (two `minimist@1.2.5` copies in different
//!   `node_modules`), every one of them gets
//!   `<purl>?package-id=<16 hex of sha256(kind, name, version, location)>`
//!   (`&package-id=` when the purl has qualifiers). Which copy comes first
//!   does not change any ref.
//! - **SPDXID**: `SPDXRef-Package-<kind>-<name>-<8 hex>` with every
//!   character outside `[A-Za-z0-9.-]` replaced by `-`; the hash covers kind,
//!   name, version, location and purl.
//!
//! All of them are made unique inside a document by [`Uniquifier`].

use std::collections::HashSet;

use customs_types::Package;
use sha2::{Digest as _, Sha256};

use crate::{ReportError, ScanReport};

/// Lowercase hex sha256 of the parts, separated by NUL bytes.
pub fn hash_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0u8]);
        }
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The UUID derived from the content of a report (see the module docs).
pub fn derived_uuid(report: &ScanReport) -> String {
    let subject = report
        .artifact
        .manifest_digest
        .as_ref()
        .map(|d| d.to_string())
        .unwrap_or_else(|| report.artifact.name.clone());
    let mut h = Sha256::new();
    h.update(subject.as_bytes());
    h.update(b"\n");
    h.update(report.generated_at.as_bytes());
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// `urn:uuid:<uuid>` from a caller's serial (with or without the prefix).
pub fn normalize_serial(s: &str) -> Result<String, ReportError> {
    let t = s.trim();
    let bare = t
        .strip_prefix("urn:uuid:")
        .or_else(|| t.strip_prefix("URN:UUID:"))
        .unwrap_or(t)
        .to_ascii_lowercase();
    let ok = bare.len() == 36
        && bare.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if ok {
        Ok(format!("urn:uuid:{bare}"))
    } else {
        Err(ReportError::BadSerial(s.to_string()))
    }
}

/// The bare UUID of a `urn:uuid:` serial.
pub fn uuid_of(urn: &str) -> &str {
    urn.strip_prefix("urn:uuid:").unwrap_or(urn)
}

/// Replaces every character outside `[A-Za-z0-9.-]` with `-` (the SPDX id
/// and `LicenseRef-` alphabet).
pub fn spdx_sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() { "x".into() } else { out }
}

/// The idstring of a `LicenseRef-` for a free-text license: `+` reads
/// `-plus`, other characters outside `[A-Za-z0-9.-]` become `-`, runs of
/// `-` collapse and none ends the id (`GPL-2+` → `GPL-2-plus`).
pub fn license_ref_idstring(s: &str) -> String {
    let raw = spdx_sanitize(&s.replace('+', "-plus"));
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let t = out.trim_matches('-');
    if t.is_empty() {
        "x".into()
    } else {
        t.to_string()
    }
}

/// The hash that tells two packages with the same purl apart.
pub fn package_hash(p: &Package) -> String {
    hash_hex(&[p.kind.as_str(), &p.name, &p.version, &p.location])
}

/// The bom-ref of a package whose purl is shared with another package.
pub fn disambiguated_ref(p: &Package) -> String {
    let id = &package_hash(p)[..16];
    if p.purl.is_empty() {
        format!(
            "customs:{}/{}@{}?package-id={id}",
            p.kind.as_str(),
            p.name,
            p.version
        )
    } else if p.purl.contains('?') {
        format!("{}&package-id={id}", p.purl)
    } else {
        format!("{}?package-id={id}", p.purl)
    }
}

/// The SPDX id of a package.
pub fn spdx_package_id(p: &Package) -> String {
    let h = hash_hex(&[p.kind.as_str(), &p.name, &p.version, &p.location, &p.purl]);
    spdx_sanitize(&format!(
        "SPDXRef-Package-{}-{}-{}",
        p.kind.as_str(),
        p.name,
        &h[..8]
    ))
}

/// Makes identifiers unique within one document: a repeat gets `-2`, `-3`,
/// ... appended (only when two packages are identical in every identifying
/// field, which a clean inventory never has).
#[derive(Debug, Default)]
pub struct Uniquifier {
    seen: HashSet<String>,
}

impl Uniquifier {
    pub fn unique(&mut self, id: String) -> String {
        if self.seen.insert(id.clone()) {
            return id;
        }
        let mut n = 2u32;
        loop {
            let candidate = format!("{id}-{n}");
            if self.seen.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }

    /// Reserves an id that must not be handed out again.
    pub fn reserve(&mut self, id: &str) {
        self.seen.insert(id.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use customs_types::PackageKind;

    #[test]
    fn serials() {
        assert_eq!(
            normalize_serial("3E671687-395B-41F5-A30F-A58921A69B79").unwrap(),
            "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
        );
        assert!(normalize_serial("urn:uuid:nope").is_err());
        assert!(normalize_serial("3e671687395b41f5a30fa58921a69b79").is_err());
    }

    #[test]
    fn license_ref_ids() {
        assert_eq!(license_ref_idstring("GPL-2+"), "GPL-2-plus");
        assert_eq!(license_ref_idstring("LGPL-2.1+"), "LGPL-2.1-plus");
        assert_eq!(license_ref_idstring(" public  domain "), "public-domain");
        assert_eq!(license_ref_idstring("(c)"), "c");
        assert_eq!(license_ref_idstring("++"), "plus-plus");
        assert_eq!(license_ref_idstring("--"), "x");
    }

    #[test]
    fn sanitize() {
        assert_eq!(spdx_sanitize("@babel/core_x+1"), "-babel-core-x-1");
        assert_eq!(spdx_sanitize(""), "x");
    }

    #[test]
    fn refs_for_shared_purls() {
        let a = Package::new(
            PackageKind::Npm,
            "minimist",
            "1.2.5",
            "pkg:npm/minimist@1.2.5",
            "/a/node_modules/minimist/package.json",
            "npm",
        );
        let mut b = a.clone();
        b.location = "/b/node_modules/minimist/package.json".into();
        assert_ne!(disambiguated_ref(&a), disambiguated_ref(&b));
        assert!(disambiguated_ref(&a).starts_with("pkg:npm/minimist@1.2.5?package-id="));
        b.purl = "pkg:npm/minimist@1.2.5?x=y".into();
        assert!(disambiguated_ref(&b).contains("?x=y&package-id="));
        assert_ne!(spdx_package_id(&a), spdx_package_id(&b));
    }

    #[test]
    fn uniquifier() {
        let mut u = Uniquifier::default();
        assert_eq!(u.unique("a".into()), "a");
        assert_eq!(u.unique("a".into()), "a-2");
        u.reserve("b");
        assert_eq!(u.unique("b".into()), "b-2");
    }
}
