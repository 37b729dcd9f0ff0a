//! Exact version ordering for every ecosystem the vulnerability matcher
//! needs.
//!
//! A [`Scheme`] is a family of version strings with one ordering rule
//! (several OSV ecosystems share one: Ubuntu uses [`Scheme::Debian`], Rocky
//! Linux uses [`Scheme::Rpm`], ...). Parse a version once with
//! [`Scheme::parse`] and compare the resulting [`ParsedVersion`]s as often as
//! needed, or call [`compare`] for a one-off comparison.
//!
//! ```
//! use std::cmp::Ordering;
//! use customs_version::{Scheme, compare};
//!
//! let scheme = Scheme::for_ecosystem("Debian:12").unwrap();
//! assert_eq!(compare(scheme, "1.0~rc1", "1.0").unwrap(), Ordering::Less);
//!
//! let installed = Scheme::Pep440.parse("1.0.post1").unwrap();
//! let fixed = Scheme::Pep440.parse("1.0").unwrap();
//! assert!(installed > fixed);
//! ```
//!
//! # OSV ranges
//!
//! Every order here is total (antisymmetric and transitive, with equality
//! meaning "same version", e.g. `1.0 = 1.0.0` in PEP 440; for Maven this
//! takes a small departure from Maven itself, see [`Scheme::Maven`]), so a
//! matcher can
//! walk `introduced`/`fixed`/`last_affected` events directly. The event
//! `introduced: "0"` means "from the first version"; parse it with
//! [`Scheme::parse_introduced`], which returns [`ParsedVersion::minimum`],
//! a value below every version of the scheme. (Parsed as a plain version,
//! `"0"` is not the lowest: `0~rc1 < 0` in Debian, `0.dev0 < 0` in PEP 440.)
//!
//! # Inputs
//!
//! Leading and trailing whitespace is ignored and an empty string is an
//! error in every scheme. Where the ecosystem's own tool orders any string,
//! so does this crate: RPM, Alpine, PEP 440 (non-PEP 440 strings become
//! legacy versions) and Maven accept every string, Packagist every string
//! with a letter or digit. Debian, SemVer, Go, RubyGems and
//! NuGet reject strings outside their grammar, which is lenient where real
//! data needs it (see each scheme's notes in the source).
//!
//! No input makes this crate panic.

mod apk;
mod deb;
mod gem;
mod golang;
mod maven;
mod num;
mod packagist;
mod pep440;
mod rpm;
mod semver_like;

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A version ordering rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// dpkg: Debian, Ubuntu.
    Debian,
    /// rpm `epoch:version-release`: Red Hat, Rocky Linux, AlmaLinux, SUSE,
    /// openSUSE, Mageia, openEuler, Photon OS, Azure Linux.
    Rpm,
    /// apk: Alpine, Wolfi, Chainguard, MinimOS.
    Alpine,
    /// PEP 440 with legacy fallback: PyPI.
    Pep440,
    /// SemVer 2.0 precedence, parsed leniently: npm, crates.io, Hex,
    /// SwiftURL, Bitnami.
    SemVer,
    /// Go module versions (SemVer with optional `v`, shorthands, pseudo-versions).
    Go,
    /// Maven `ComparableVersion` (maven-artifact 3.8). Maven's comparison
    /// is not transitive for some mixes of `-` lists and `.` qualifiers
    /// (`1.0.alpha.1 > 1-1 > 1 > 1.0.alpha.1`); such cycles are broken by
    /// how each side compares with their common prefix (here
    /// `1.0.alpha.1 < 1`). All other comparisons agree with Maven.
    Maven,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// NuGet: SemVer with four numeric parts and case-insensitive labels.
    NuGet,
    /// Packagist: PHP `version_compare`-style.
    Packagist,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 10] = [
        Scheme::Debian,
        Scheme::Rpm,
        Scheme::Alpine,
        Scheme::Pep440,
        Scheme::SemVer,
        Scheme::Go,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Packagist,
    ];

    /// The scheme for an OSV ecosystem name, e.g. `"Debian:11"`,
    /// `"Alpine:v3.18"`, `"Ubuntu:22.04:LTS"`, `"PyPI"`, `"crates.io"`.
    ///
    /// Only the part before the first `:` matters, and it must be spelled as
    /// OSV spells it. Returns `None` for ecosystems without a scheme here
    /// (e.g. `Pub`, `CRAN`, `Hackage`, `GIT`).
    pub fn for_ecosystem(osv_ecosystem: &str) -> Option<Scheme> {
        let base = osv_ecosystem
            .split_once(':')
            .map_or(osv_ecosystem, |(base, _)| base)
            .trim();
        Some(match base {
            "Debian" | "Ubuntu" => Scheme::Debian,
            "Red Hat" | "Rocky Linux" | "AlmaLinux" | "SUSE" | "openSUSE" | "Mageia"
            | "openEuler" | "Photon OS" | "Azure Linux" => Scheme::Rpm,
            "Alpine" | "Wolfi" | "Chainguard" | "MinimOS" => Scheme::Alpine,
            "PyPI" => Scheme::Pep440,
            "npm" | "crates.io" | "Hex" | "SwiftURL" | "Bitnami" => Scheme::SemVer,
            "Go" => Scheme::Go,
            "Maven" => Scheme::Maven,
            "RubyGems" => Scheme::RubyGems,
            "NuGet" => Scheme::NuGet,
            "Packagist" => Scheme::Packagist,
            _ => return None,
        })
    }

    /// A short human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Debian => "Debian",
            Scheme::Rpm => "RPM",
            Scheme::Alpine => "Alpine",
            Scheme::Pep440 => "PEP 440",
            Scheme::SemVer => "SemVer",
            Scheme::Go => "Go",
            Scheme::Maven => "Maven",
            Scheme::RubyGems => "RubyGems",
            Scheme::NuGet => "NuGet",
            Scheme::Packagist => "Packagist",
        }
    }

    /// Parses `version` under this scheme.
    pub fn parse(self, version: &str) -> Result<ParsedVersion, VersionError> {
        let trimmed = version.trim();
        if trimmed.is_empty() {
            return Err(VersionError::Empty { scheme: self });
        }
        let invalid = |reason: &'static str| VersionError::Invalid {
            scheme: self,
            version: version.to_owned(),
            reason,
        };
        let repr = match self {
            Scheme::Debian => Repr::Debian(deb::DebVersion::parse(trimmed).map_err(invalid)?),
            Scheme::Rpm => Repr::Rpm(rpm::RpmVersion::parse(trimmed).map_err(invalid)?),
            Scheme::Alpine => Repr::Alpine(apk::ApkVersion::parse(trimmed)),
            Scheme::Pep440 => Repr::Pep440(pep440::PyVersion::parse(trimmed)),
            Scheme::SemVer => Repr::SemVer(
                semver_like::SemverLike::parse(trimmed, semver_like::Case::Sensitive)
                    .map_err(invalid)?,
            ),
            Scheme::Go => Repr::Go(golang::GoVersion::parse(trimmed).map_err(invalid)?),
            Scheme::Maven => Repr::Maven(maven::MavenVersion::parse(trimmed)),
            Scheme::RubyGems => Repr::RubyGems(gem::GemVersion::parse(trimmed).map_err(invalid)?),
            Scheme::NuGet => Repr::NuGet(
                semver_like::SemverLike::parse(trimmed, semver_like::Case::Insensitive)
                    .map_err(invalid)?,
            ),
            Scheme::Packagist => {
                Repr::Packagist(packagist::PackagistVersion::parse(trimmed).map_err(invalid)?)
            }
        };
        Ok(ParsedVersion {
            text: trimmed.into(),
            repr,
        })
    }

    /// Parses the value of an OSV `introduced` event: `"0"` is the sentinel
    /// for "every version" and yields [`ParsedVersion::minimum`]; anything
    /// else is parsed as by [`Scheme::parse`].
    pub fn parse_introduced(self, version: &str) -> Result<ParsedVersion, VersionError> {
        if version.trim() == "0" {
            Ok(ParsedVersion::minimum(self))
        } else {
            self.parse(version)
        }
    }

    /// Compares two version strings under this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Compares two version strings under `scheme`.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    scheme.compare(a, b)
}

/// Why a version string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The string was empty or only whitespace.
    #[error("empty {scheme} version")]
    Empty {
        /// The scheme it was parsed under.
        scheme: Scheme,
    },
    /// The string is not a version of the scheme.
    #[error("invalid {scheme} version {version:?}: {reason}")]
    Invalid {
        /// The scheme it was parsed under.
        scheme: Scheme,
        /// The offending string, as given.
        version: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// A version parsed under one [`Scheme`], ordered by that scheme's rules.
///
/// Equality is the scheme's equality, not string equality (`1.0 == 1.0.0`
/// under PEP 440). Values of different schemes are not comparable in any
/// meaningful way; to keep `Ord` total they order by scheme first.
#[derive(Clone, Debug)]
pub struct ParsedVersion {
    /// The input without surrounding whitespace, or `"0"` for the minimum.
    text: Box<str>,
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// Below every version of its scheme.
    Minimum(Scheme),
    Debian(deb::DebVersion),
    Rpm(rpm::RpmVersion),
    Alpine(apk::ApkVersion),
    Pep440(pep440::PyVersion),
    SemVer(semver_like::SemverLike),
    Go(golang::GoVersion),
    Maven(maven::MavenVersion),
    RubyGems(gem::GemVersion),
    NuGet(semver_like::SemverLike),
    Packagist(packagist::PackagistVersion),
}

impl ParsedVersion {
    /// A value below every version of `scheme`: the meaning of OSV's
    /// `introduced: "0"`. It displays as `0`.
    pub fn minimum(scheme: Scheme) -> ParsedVersion {
        ParsedVersion {
            text: "0".into(),
            repr: Repr::Minimum(scheme),
        }
    }

    /// Whether this is [`ParsedVersion::minimum`].
    pub fn is_minimum(&self) -> bool {
        matches!(self.repr, Repr::Minimum(_))
    }

    /// The scheme this version was parsed under.
    pub fn scheme(&self) -> Scheme {
        match &self.repr {
            Repr::Minimum(scheme) => *scheme,
            Repr::Debian(_) => Scheme::Debian,
            Repr::Rpm(_) => Scheme::Rpm,
            Repr::Alpine(_) => Scheme::Alpine,
            Repr::Pep440(_) => Scheme::Pep440,
            Repr::SemVer(_) => Scheme::SemVer,
            Repr::Go(_) => Scheme::Go,
            Repr::Maven(_) => Scheme::Maven,
            Repr::RubyGems(_) => Scheme::RubyGems,
            Repr::NuGet(_) => Scheme::NuGet,
            Repr::Packagist(_) => Scheme::Packagist,
        }
    }

    /// The version as given, without surrounding whitespace.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for ParsedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for ParsedVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let by_scheme = self.scheme().cmp(&other.scheme());
        if by_scheme.is_ne() {
            return by_scheme;
        }
        match (&self.repr, &other.repr) {
            (Repr::Minimum(_), Repr::Minimum(_)) => Ordering::Equal,
            (Repr::Minimum(_), _) => Ordering::Less,
            (_, Repr::Minimum(_)) => Ordering::Greater,
            (Repr::Debian(a), Repr::Debian(b)) => a.cmp(b),
            (Repr::Rpm(a), Repr::Rpm(b)) => a.cmp(b),
            (Repr::Alpine(a), Repr::Alpine(b)) => a.cmp(b),
            (Repr::Pep440(a), Repr::Pep440(b)) => a.cmp(b),
            (Repr::SemVer(a), Repr::SemVer(b)) | (Repr::NuGet(a), Repr::NuGet(b)) => a.cmp(b),
            (Repr::Go(a), Repr::Go(b)) => a.cmp(b),
            (Repr::Maven(a), Repr::Maven(b)) => a.cmp(b),
            (Repr::RubyGems(a), Repr::RubyGems(b)) => a.cmp(b),
            (Repr::Packagist(a), Repr::Packagist(b)) => a.cmp(b),
            // Same scheme implies the same variant, so this is never reached.
            _ => Ordering::Equal,
        }
    }
}

impl PartialOrd for ParsedVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ParsedVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ParsedVersion {}
