//! Which OSV ecosystem, package name and version a [`Package`] is matched
//! under (see the crate docs for the table).

use customs_advisory::ecosystem_base;
use customs_types::{OsInfo, Package, PackageKind};
use customs_version::Scheme;
use serde::Serialize;

/// How the ecosystem string of an advisory's `affected` entry must relate to
/// [`Target::ecosystem`] (always compared ASCII case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EcosystemMatch {
    /// The same string: `Debian:12` accepts `Debian:12` only, never
    /// `Debian:11`; `PyPI` accepts `PyPI` only.
    Exact,
    /// The same string, or it followed by `:` and anything. Used where the
    /// suffix names a registry (`Maven:https://maven.google.com`,
    /// `Packagist:https://packages.drupal.org/8`) or a product stream of the
    /// release (`Red Hat:enterprise_linux:9::appstream` for RHEL 9).
    Prefix,
}

/// What a package is matched as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The OSV ecosystem (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`,
    /// `PyPI`, `Red Hat:enterprise_linux:9`).
    pub ecosystem: String,
    /// How advisory ecosystems are compared with [`Target::ecosystem`].
    pub matching: EcosystemMatch,
    /// Names to look up, the preferred first (the source package for
    /// distributions; Red Hat names binary and source rpms, so both).
    pub names: Vec<String>,
    /// The version compared with the advisories (the source version for
    /// Debian and Ubuntu).
    pub version: String,
    /// The version ordering of the ecosystem (for `ECOSYSTEM` ranges and
    /// `versions` lists).
    pub scheme: Scheme,
}

impl Target {
    /// The ecosystem string to pass to
    /// [`AdvisoryStore::affected_for`](customs_advisory::AdvisoryStore::affected_for):
    /// the full string for an exact release (so that only that release's
    /// entries are read), the base otherwise.
    pub fn query_ecosystem(&self) -> &str {
        match self.matching {
            EcosystemMatch::Exact => &self.ecosystem,
            EcosystemMatch::Prefix => ecosystem_base(&self.ecosystem),
        }
    }

    /// Whether an `affected` entry with this ecosystem string applies.
    pub fn accepts(&self, ecosystem: &str) -> bool {
        let ecosystem = ecosystem.trim();
        let want = self.ecosystem.as_str();
        if ecosystem.eq_ignore_ascii_case(want) {
            return true;
        }
        match self.matching {
            EcosystemMatch::Exact => false,
            EcosystemMatch::Prefix => {
                ecosystem.len() > want.len()
                    && ecosystem.is_char_boundary(want.len())
                    && ecosystem[..want.len()].eq_ignore_ascii_case(want)
                    && ecosystem[want.len()..].starts_with(':')
            }
        }
    }
}

/// Why a package is not matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SkipReason {
    /// A language package whose files belong to an OS package: the
    /// distribution back-ports fixes, so it is matched through the owning
    /// OS package (Debian advisories), not against upstream advisories.
    OsManaged {
        /// The owning OS package.
        owner: String,
    },
    /// No OSV ecosystem applies (ML runtime components, a conda package
    /// without a PyPI name, a Maven artifact without a group, a distribution
    /// OSV does not cover).
    NoEcosystem {
        /// Why, for the report.
        why: String,
    },
    /// An OS package, but the inventory has no usable OS information (no
    /// os-release, or no version in it), so the release is unknown.
    NoOsRelease {
        /// Why, for the report.
        why: String,
    },
}

impl SkipReason {
    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            SkipReason::OsManaged { owner } => format!(
                "managed by the OS package {owner}; matched through the distribution's advisories"
            ),
            SkipReason::NoEcosystem { why } | SkipReason::NoOsRelease { why } => why.clone(),
        }
    }
}

/// The outcome of [`target_for`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Match it as this.
    Match(Target),
    /// Do not match it, for this reason.
    Skip(SkipReason),
}

/// The OSV ecosystem, name and version a package is matched under, or
/// `None` when it is not matched (see [`target_for`] for the reason).
///
/// For packages looked up under several names (Red Hat: binary and source
/// rpm) this returns the first.
pub fn ecosystem_for(pkg: &Package, os: Option<&OsInfo>) -> Option<(String, String, String)> {
    match target_for(pkg, os) {
        Resolution::Match(t) => {
            let name = t.names.into_iter().next()?;
            Some((t.ecosystem, name, t.version))
        }
        Resolution::Skip(_) => None,
    }
}

/// How a package is matched, or why it is not.
pub fn target_for(pkg: &Package, os: Option<&OsInfo>) -> Resolution {
    if !pkg.kind.is_os()
        && let Some(owner) = &pkg.os_managed
    {
        return Resolution::Skip(SkipReason::OsManaged {
            owner: format!("{} {}", owner.package, owner.version),
        });
    }
    let lang = |eco: &str, matching: EcosystemMatch, name: String| -> Resolution {
        language(eco, matching, name, pkg.version.trim().to_owned())
    };
    match pkg.kind {
        PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm => os_target(pkg, os),
        PackageKind::Python => lang("PyPI", EcosystemMatch::Exact, pkg.name.clone()),
        PackageKind::Npm => lang("npm", EcosystemMatch::Exact, pkg.name.clone()),
        PackageKind::Cargo => lang("crates.io", EcosystemMatch::Exact, pkg.name.clone()),
        PackageKind::Gem => lang("RubyGems", EcosystemMatch::Exact, pkg.name.clone()),
        PackageKind::Composer => lang("Packagist", EcosystemMatch::Prefix, pkg.name.clone()),
        PackageKind::Nuget => lang("NuGet", EcosystemMatch::Exact, pkg.name.clone()),
        PackageKind::Go => {
            let mut version = pkg.version.trim();
            if pkg.name == "stdlib" {
                // The toolchain records `go1.22.3`; the Go vulndb writes `1.22.3`.
                version = version.strip_prefix("go").unwrap_or(version);
            }
            language(
                "Go",
                EcosystemMatch::Exact,
                pkg.name.clone(),
                version.to_owned(),
            )
        }
        PackageKind::Maven => {
            if pkg.name.contains(':') {
                return lang("Maven", EcosystemMatch::Prefix, pkg.name.clone());
            }
            let group = pkg
                .properties
                .get("group")
                .or_else(|| pkg.properties.get("groupId"))
                .map(|g| g.trim())
                .filter(|g| !g.is_empty());
            match group {
                Some(g) => lang("Maven", EcosystemMatch::Prefix, format!("{g}:{}", pkg.name)),
                None => {
                    skip_eco("Maven artifact without a group id (OSV names are group:artifact)")
                }
            }
        }
        PackageKind::Conda => match pkg
            .properties
            .get("pypi_name")
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
        {
            Some(n) => lang("PyPI", EcosystemMatch::Exact, n.to_owned()),
            None => skip_eco("conda package without a PyPI name (OSV has no conda ecosystem)"),
        },
        PackageKind::MlRuntime => skip_eco("ML runtime component (no OSV ecosystem)"),
    }
}

fn skip_eco(why: &str) -> Resolution {
    Resolution::Skip(SkipReason::NoEcosystem { why: why.into() })
}

fn language(eco: &str, matching: EcosystemMatch, name: String, version: String) -> Resolution {
    match Scheme::for_ecosystem(eco) {
        Some(scheme) => Resolution::Match(Target {
            ecosystem: eco.to_owned(),
            matching,
            names: vec![name.trim().to_owned()],
            version,
            scheme,
        }),
        None => skip_eco("no version scheme for the ecosystem"),
    }
}

/// The name of a source rpm: `openssl` of `openssl-3.0.7-24.el9.src.rpm`;
/// a bare name is returned as it is.
pub(crate) fn srpm_name(s: &str) -> &str {
    let s = s.trim();
    let Some(stem) = s
        .strip_suffix(".src.rpm")
        .or_else(|| s.strip_suffix(".nosrc.rpm"))
    else {
        return s;
    };
    // name-version-release: the name may contain dashes, version and
    // release may not.
    let mut parts = stem.rsplitn(3, '-');
    let (_release, _version, name) = (parts.next(), parts.next(), parts.next());
    name.filter(|n| !n.is_empty()).unwrap_or(stem)
}

fn os_target(pkg: &Package, os: Option<&OsInfo>) -> Resolution {
    let kind = pkg.kind;
    let Some(os) = os.filter(|o| !o.id.trim().is_empty()) else {
        return Resolution::Skip(SkipReason::NoOsRelease {
            why: format!("{kind} package, but the OS of the image is unknown"),
        });
    };
    let id = os.id.trim().to_ascii_lowercase();
    let version = os
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let no_release = || {
        Resolution::Skip(SkipReason::NoOsRelease {
            why: format!("{kind} package on {id} without a VERSION_ID: the release is unknown"),
        })
    };
    let no_eco = |what: &str| {
        Resolution::Skip(SkipReason::NoEcosystem {
            why: format!(
                "{kind} package on {id} {}: {what}",
                version.unwrap_or("(no version)")
            ),
        })
    };
    let src_name = pkg
        .source_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let src_version = pkg
        .source_version
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let source = || src_name.unwrap_or(pkg.name.trim()).to_owned();
    let source_version = || src_version.unwrap_or(pkg.version.trim()).to_owned();
    let make = |ecosystem: String, matching, names: Vec<String>, version: String| {
        match Scheme::for_ecosystem(&ecosystem) {
            Some(scheme) => Resolution::Match(Target {
                ecosystem,
                matching,
                names,
                version,
                scheme,
            }),
            None => no_eco("no version scheme for the ecosystem"),
        }
    };
    match (kind, id.as_str()) {
        (PackageKind::Deb, "debian") => {
            let Some(v) = version else {
                return no_release();
            };
            // `Debian:3.0`/`Debian:3.1` (woody, sarge) kept their minor.
            let release = if v.starts_with("3.") {
                v.split('.').take(2).collect::<Vec<_>>().join(".")
            } else {
                os.major().unwrap_or_else(|| v.to_owned())
            };
            make(
                format!("Debian:{release}"),
                EcosystemMatch::Exact,
                vec![source()],
                source_version(),
            )
        }
        (PackageKind::Deb, "ubuntu") => {
            let Some(v) = version else {
                return no_release();
            };
            let Some(release) = ubuntu_release(v) else {
                return no_eco("unrecognised Ubuntu VERSION_ID");
            };
            make(
                format!("Ubuntu:{release}"),
                EcosystemMatch::Exact,
                vec![source()],
                source_version(),
            )
        }
        (PackageKind::Apk, "alpine") => {
            if version.is_none() {
                return no_release();
            }
            let Some(major) = os.major() else {
                return no_release();
            };
            make(
                format!("Alpine:v{major}"),
                EcosystemMatch::Exact,
                vec![source()],
                source_version(),
            )
        }
        (PackageKind::Apk, "wolfi") => make(
            "Wolfi".into(),
            EcosystemMatch::Exact,
            vec![source()],
            source_version(),
        ),
        (PackageKind::Apk, "chainguard") => make(
            "Chainguard".into(),
            EcosystemMatch::Exact,
            vec![source()],
            source_version(),
        ),
        (PackageKind::Rpm, "rhel") => {
            let Some(major) = version.and(os.major()) else {
                return no_release();
            };
            // Red Hat names binary or source rpms, and scopes them by CPE
            // (`Red Hat:enterprise_linux:9::appstream`).
            let mut names = vec![pkg.name.trim().to_owned()];
            if let Some(s) = src_name.map(srpm_name)
                && !names.iter().any(|n| n == s)
            {
                names.push(s.to_owned());
            }
            make(
                format!("Red Hat:enterprise_linux:{major}"),
                EcosystemMatch::Prefix,
                names,
                pkg.version.trim().to_owned(),
            )
        }
        (PackageKind::Rpm, "rocky" | "almalinux" | "mageia") => {
            let Some(major) = version.and(os.major()) else {
                return no_release();
            };
            let base = match id.as_str() {
                "rocky" => "Rocky Linux",
                "almalinux" => "AlmaLinux",
                _ => "Mageia",
            };
            make(
                format!("{base}:{major}"),
                EcosystemMatch::Exact,
                vec![
                    src_name
                        .map_or_else(|| pkg.name.trim(), srpm_name)
                        .to_owned(),
                ],
                source_version(),
            )
        }
        (PackageKind::Rpm, id) if id.starts_with("sle") || id.starts_with("opensuse") => {
            // `SUSE:<PRETTY_NAME without "SUSE ">`, `openSUSE:Leap 15.5`.
            let pretty = os.pretty_name.as_deref().map(str::trim).unwrap_or("");
            let (base, release) = if let Some(r) = pretty.strip_prefix("openSUSE ") {
                ("openSUSE", r)
            } else if let Some(r) = pretty.strip_prefix("SUSE ") {
                ("SUSE", r)
            } else {
                return no_eco("PRETTY_NAME does not name a SUSE or openSUSE product");
            };
            if release.is_empty() {
                return no_release();
            }
            make(
                format!("{base}:{release}"),
                EcosystemMatch::Exact,
                vec![
                    src_name
                        .map_or_else(|| pkg.name.trim(), srpm_name)
                        .to_owned(),
                ],
                source_version(),
            )
        }
        _ => no_eco("OSV has no advisories for this distribution"),
    }
}

/// `22.04:LTS` for `22.04`, `23.10` for `23.10`: LTS releases are the April
/// releases of even years (and 6.06).
fn ubuntu_release(version: &str) -> Option<String> {
    // VERSION_ID is `22.04`; tolerate `22.04.3`.
    let mut parts = version.split('.');
    let yy = parts.next()?.trim();
    let mm = parts.next()?.trim();
    if yy.is_empty() || mm.is_empty() || !yy.bytes().chain(mm.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: u32 = yy.parse().ok()?;
    let lts = (mm == "04" && year.is_multiple_of(2)) || (year == 6 && mm == "06");
    Some(if lts {
        format!("{yy}.{mm}:LTS")
    } else {
        format!("{yy}.{mm}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ubuntu_lts() {
        assert_eq!(ubuntu_release("22.04").as_deref(), Some("22.04:LTS"));
        assert_eq!(ubuntu_release("24.04").as_deref(), Some("24.04:LTS"));
        assert_eq!(ubuntu_release("23.04").as_deref(), Some("23.04"));
        assert_eq!(ubuntu_release("22.10").as_deref(), Some("22.10"));
        assert_eq!(ubuntu_release("20.04.6").as_deref(), Some("20.04:LTS"));
        assert_eq!(ubuntu_release("6.06").as_deref(), Some("6.06:LTS"));
        assert_eq!(ubuntu_release("jammy"), None);
        assert_eq!(ubuntu_release("22"), None);
    }

    #[test]
    fn srpm_names() {
        assert_eq!(srpm_name("openssl-3.0.7-24.el9.src.rpm"), "openssl");
        assert_eq!(
            srpm_name("python3.11-pip-22.3.1-4.el9.src.rpm"),
            "python3.11-pip"
        );
        assert_eq!(srpm_name("openssl"), "openssl");
        assert_eq!(srpm_name("x.src.rpm"), "x");
        assert_eq!(srpm_name(".src.rpm"), "");
    }

    #[test]
    fn prefix_accepts() {
        let t = Target {
            ecosystem: "Red Hat:enterprise_linux:9".into(),
            matching: EcosystemMatch::Prefix,
            names: vec!["openssl".into()],
            version: "1:3.0.7-24.el9".into(),
            scheme: Scheme::Rpm,
        };
        assert!(t.accepts("Red Hat:enterprise_linux:9::appstream"));
        assert!(t.accepts("red hat:enterprise_linux:9"));
        assert!(!t.accepts("Red Hat:enterprise_linux:90::appstream"));
        assert!(!t.accepts("Red Hat:enterprise_linux:8::appstream"));
        assert_eq!(t.query_ecosystem(), "Red Hat");
        let d = Target {
            ecosystem: "Debian:12".into(),
            matching: EcosystemMatch::Exact,
            ..t
        };
        assert!(d.accepts("debian:12") && !d.accepts("Debian:12:x") && !d.accepts("Debian:11"));
        assert_eq!(d.query_ecosystem(), "Debian:12");
    }
}
