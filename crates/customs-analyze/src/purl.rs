//! Package URLs (purl spec), built with the `packageurl` crate so escaping
//! and normalisation follow the spec.

use packageurl::PackageUrl;

/// Builds a purl. Returns a best-effort `pkg:generic/...` when the parts are
/// invalid for the type (the crate rejects, for example, an empty name).
pub fn build(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, &str)],
    subpath: Option<&str>,
) -> String {
    let make = || -> Result<String, packageurl::Error> {
        let mut p = PackageUrl::new(ty, name)?;
        if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
            p.with_namespace(ns)?;
        }
        if let Some(v) = version.filter(|v| !v.is_empty()) {
            p.with_version(v)?;
        }
        let mut qs: Vec<&(&str, &str)> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
        qs.sort_by_key(|(k, _)| *k);
        for (k, v) in qs {
            p.add_qualifier(*k, *v)?;
        }
        if let Some(s) = subpath.filter(|s| !s.is_empty()) {
            p.with_subpath(s)?;
        }
        Ok(p.to_string())
    };
    make().unwrap_or_else(|_| {
        let mut s = format!("pkg:generic/{}", percent(name));
        if let Some(v) = version {
            s.push('@');
            s.push_str(&percent(v));
        }
        s
    })
}

fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// PEP 503 normalised name: lowercase, runs of `-`, `_`, `.` become `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl`
pub fn deb(
    distro_id: &str,
    name: &str,
    version: &str,
    arch: Option<&str>,
    distro: Option<&str>,
    source: Option<&str>,
) -> String {
    let upstream = source.filter(|s| *s != name).unwrap_or("");
    build(
        "deb",
        Some(distro_id),
        name,
        Some(version),
        &[
            ("arch", arch.unwrap_or("")),
            ("distro", distro.unwrap_or("")),
            ("upstream", upstream),
        ],
        None,
    )
}

/// The purl of an OS package once the distribution is known (analyzers see
/// one layer; os-release may sit in another, so the inventory calls this).
///
/// - deb: `pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl`
/// - apk: `pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1&upstream=musl`
/// - rpm: `pkg:rpm/redhat/openssl@3.0.7-24.el9?arch=x86_64&epoch=1&distro=rhel-9.3&upstream=openssl-3.0.7-24.el9.src.rpm`
///
/// For rpm, `version` may carry an epoch (`1:3.0.7-24.el9`); the purl
/// moves it to the `epoch` qualifier.
pub fn os_package(p: &customs_types::Package, os: Option<&customs_types::OsInfo>) -> String {
    use customs_types::PackageKind;
    let os_id = os.map(|o| o.id.as_str()).filter(|s| !s.is_empty());
    let distro = os.and_then(|o| {
        o.version
            .as_ref()
            .map(|v| format!("{}-{v}", o.id))
            .or_else(|| o.codename.as_ref().map(|c| format!("{}-{c}", o.id)))
    });
    let distro = distro.as_deref().unwrap_or("");
    let arch = p.arch.as_deref().unwrap_or("");
    match p.kind {
        PackageKind::Deb => {
            let ns = os_id.unwrap_or("debian");
            deb(
                ns,
                &p.name,
                &p.version,
                Some(arch),
                Some(distro),
                p.source_name.as_deref(),
            )
        }
        PackageKind::Apk => {
            let ns = os_id.unwrap_or("alpine");
            let upstream = p
                .source_name
                .as_deref()
                .filter(|s| *s != p.name)
                .unwrap_or("");
            build(
                "apk",
                Some(ns),
                &p.name.to_lowercase(),
                Some(&p.version),
                &[("arch", arch), ("distro", distro), ("upstream", upstream)],
                None,
            )
        }
        PackageKind::Rpm => {
            let ns = match os_id {
                Some("rhel") | None => "redhat",
                Some("amzn") => "amazon",
                Some(other) => other,
            };
            let (epoch, version) = match p.version.split_once(':') {
                Some((e, v)) if e.chars().all(|c| c.is_ascii_digit()) => (e, v),
                _ => ("", p.version.as_str()),
            };
            let epoch = if epoch == "0" { "" } else { epoch };
            let upstream = p
                .properties
                .get("source_rpm")
                .map(String::as_str)
                .unwrap_or("");
            build(
                "rpm",
                Some(ns),
                &p.name,
                Some(version),
                &[
                    ("arch", arch),
                    ("epoch", epoch),
                    ("distro", distro),
                    ("upstream", upstream),
                ],
                None,
            )
        }
        _ => p.purl.clone(),
    }
}

/// `pkg:pypi/requests@2.25.1` (name PEP 503-normalised, as the purl spec
/// asks for pypi).
pub fn pypi(name: &str, version: &str) -> String {
    build("pypi", None, &pep503(name), Some(version), &[], None)
}

/// `pkg:npm/%40scope/name@1.0.0`
pub fn npm(name: &str, version: &str) -> String {
    match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
        Some((scope, n)) => build(
            "npm",
            Some(&format!("@{scope}")),
            n,
            Some(version),
            &[],
            None,
        ),
        None => build("npm", None, name, Some(version), &[], None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deb_purl_matches_the_spec_example() {
        assert_eq!(
            deb(
                "debian",
                "libssl3",
                "3.0.11-1~deb12u2",
                Some("amd64"),
                Some("debian-12"),
                Some("openssl")
            ),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
        );
        assert_eq!(
            deb(
                "debian",
                "bash",
                "5.2.15-2+b7",
                Some("amd64"),
                None,
                Some("bash")
            ),
            "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64"
        );
    }

    #[test]
    fn pypi_and_npm() {
        assert_eq!(pypi("PyYAML", "5.3.1"), "pkg:pypi/pyyaml@5.3.1");
        assert_eq!(
            pypi("typing_extensions", "4.0"),
            "pkg:pypi/typing-extensions@4.0"
        );
        assert_eq!(npm("@babel/core", "7.0.0"), "pkg:npm/%40babel/core@7.0.0");
        assert_eq!(npm("minimist", "1.2.5"), "pkg:npm/minimist@1.2.5");
    }

    #[test]
    fn pep503_names() {
        assert_eq!(pep503("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(pep503("a-_-b"), "a-b");
    }
}
