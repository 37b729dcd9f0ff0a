//! Package queries: which ecosystem a user means, and version ranges
//! (`<2.0`, `>=1.2,<1.3`, `1.2.3`) compared with the ecosystem's own order
//! from `customs-version`.

use std::cmp::Ordering;
use std::fmt;

use customs_advisory::{ecosystem_base, normalize_name};
use customs_types::PackageKind;
use customs_version::{ParsedVersion, Scheme};
use serde::Serialize;

use crate::error::{Error, Result};

/// OSV base ecosystems, as OSV spells them (user input is compared
/// case-insensitively).
const OSV_ECOSYSTEMS: &[&str] = &[
    "Debian",
    "Ubuntu",
    "Alpine",
    "Wolfi",
    "Chainguard",
    "MinimOS",
    "Red Hat",
    "Rocky Linux",
    "AlmaLinux",
    "SUSE",
    "openSUSE",
    "Mageia",
    "openEuler",
    "Photon OS",
    "Azure Linux",
    "PyPI",
    "npm",
    "Go",
    "crates.io",
    "Maven",
    "RubyGems",
    "NuGet",
    "Packagist",
    "Hex",
];

const KINDS: &[PackageKind] = &[
    PackageKind::Deb,
    PackageKind::Apk,
    PackageKind::Rpm,
    PackageKind::Python,
    PackageKind::Conda,
    PackageKind::Npm,
    PackageKind::Go,
    PackageKind::Cargo,
    PackageKind::Maven,
    PackageKind::Gem,
    PackageKind::Composer,
    PackageKind::Nuget,
    PackageKind::MlRuntime,
];

/// The version order of a package kind (for kind-keyed queries).
pub(crate) fn kind_scheme(kind: PackageKind) -> Option<Scheme> {
    Some(match kind {
        PackageKind::Deb => Scheme::Debian,
        PackageKind::Apk => Scheme::Alpine,
        PackageKind::Rpm => Scheme::Rpm,
        PackageKind::Python | PackageKind::Conda => Scheme::Pep440,
        PackageKind::Npm | PackageKind::Cargo => Scheme::SemVer,
        PackageKind::Go => Scheme::Go,
        PackageKind::Maven => Scheme::Maven,
        PackageKind::Gem => Scheme::RubyGems,
        PackageKind::Composer => Scheme::Packagist,
        PackageKind::Nuget => Scheme::NuGet,
        PackageKind::MlRuntime => return None,
    })
}

/// How a name is normalised under a package kind's key.
pub(crate) fn kind_name(kind: PackageKind, name: &str) -> String {
    match kind {
        PackageKind::Python | PackageKind::Conda => normalize_name("PyPI", name),
        PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm | PackageKind::Nuget => {
            name.trim().to_lowercase()
        }
        PackageKind::Composer => name.trim().to_lowercase(),
        _ => name.trim().to_owned(),
    }
}

/// The ecosystem a package query names, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcosystemQuery {
    /// The key the store's package index is searched under: an OSV base
    /// ecosystem as OSV spells it, or a package kind.
    pub key: String,
    /// A full OSV ecosystem with a release (`Debian:12`): only packages
    /// matched in it.
    pub release: Option<String>,
    /// The version order of the ecosystem, when it has one.
    #[serde(skip)]
    pub scheme: Option<Scheme>,
    /// Set for a package kind (`deb`, `python`) rather than an OSV ecosystem.
    pub kind: Option<PackageKind>,
}

impl EcosystemQuery {
    /// Resolves `PyPI`, `pypi`, `Debian:12`, `deb`, `python`, ...
    pub fn parse(s: &str) -> Result<EcosystemQuery> {
        let t = s.trim();
        let base = ecosystem_base(t);
        if let Some(canon) = OSV_ECOSYSTEMS.iter().find(|e| e.eq_ignore_ascii_case(base)) {
            let release = t
                .split_once(':')
                .map(|(_, rest)| format!("{canon}:{}", rest.trim()))
                .filter(|r| !r.ends_with(':'));
            return Ok(EcosystemQuery {
                key: (*canon).to_owned(),
                release,
                scheme: Scheme::for_ecosystem(canon),
                kind: None,
            });
        }
        if !t.contains(':')
            && let Some(kind) = KINDS.iter().find(|k| k.as_str().eq_ignore_ascii_case(t))
        {
            return Ok(EcosystemQuery {
                key: kind.as_str().to_owned(),
                release: None,
                scheme: kind_scheme(*kind),
                kind: Some(*kind),
            });
        }
        Err(Error::UnknownEcosystem(s.to_owned()))
    }

    /// A package name normalised the way the index stores it.
    pub fn normalize(&self, name: &str) -> String {
        match self.kind {
            Some(k) => kind_name(k, name),
            None => normalize_name(&self.key, name),
        }
    }
}

/// A comparison of a version range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`, `==`, or a bare version
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "=",
            Op::Ne => "!=",
        }
    }

    fn holds(self, o: Ordering) -> bool {
        match self {
            Op::Lt => o == Ordering::Less,
            Op::Le => o != Ordering::Greater,
            Op::Gt => o == Ordering::Greater,
            Op::Ge => o != Ordering::Less,
            Op::Eq => o == Ordering::Equal,
            Op::Ne => o != Ordering::Equal,
        }
    }
}

/// A version range: comparisons that must all hold (`>=1.2,<1.3`); a bare
/// version means exactly that version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRange {
    /// The comparisons.
    pub constraints: Vec<(Op, String)>,
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (op, v)) in self.constraints.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}{v}", op.as_str())?;
        }
        Ok(())
    }
}

impl VersionRange {
    /// Parses `<2.0`, `>=1.2,<1.3`, `==1.2.3`, `1.2.3`, `!=1.0`.
    pub fn parse(s: &str) -> Result<VersionRange> {
        let bad = |reason: &str| Error::BadRange {
            range: s.to_owned(),
            reason: reason.to_owned(),
        };
        let mut constraints = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(bad(
                    "an empty comparison (expected e.g. <2.0 or >=1.2,<1.3)",
                ));
            }
            let (op, rest) = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("==", Op::Eq),
                ("!=", Op::Ne),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .iter()
            .find_map(|(p, op)| part.strip_prefix(p).map(|r| (*op, r)))
            .unwrap_or((Op::Eq, part));
            let v = rest.trim();
            if v.is_empty() {
                return Err(bad(&format!("no version after {:?}", op.as_str())));
            }
            if v.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '=' | '!')) {
                return Err(bad(&format!("{v:?} is not a version")));
            }
            constraints.push((op, v.to_owned()));
        }
        Ok(VersionRange { constraints })
    }

    /// Parses the range's versions under `scheme`, once, for
    /// [`CompiledRange::contains`]. Without a scheme (ML runtime components)
    /// only `=` and `!=` work, as string comparisons.
    pub fn compile(&self, scheme: Option<Scheme>) -> Result<CompiledRange> {
        let mut out = Vec::new();
        for (op, v) in &self.constraints {
            let parsed = match scheme {
                Some(s) => Some(s.parse(v).map_err(|e| Error::BadRange {
                    range: self.to_string(),
                    reason: format!("{v:?} is not a {} version: {e}", s.name()),
                })?),
                None if matches!(op, Op::Eq | Op::Ne) => None,
                None => {
                    return Err(Error::BadRange {
                        range: self.to_string(),
                        reason: "this ecosystem has no version order; only exact versions (@1.2.3)"
                            .into(),
                    });
                }
            };
            out.push((*op, v.clone(), parsed));
        }
        Ok(CompiledRange { scheme, parts: out })
    }
}

/// A [`VersionRange`] with its versions parsed.
#[derive(Debug, Clone)]
pub struct CompiledRange {
    scheme: Option<Scheme>,
    parts: Vec<(Op, String, Option<ParsedVersion>)>,
}

impl CompiledRange {
    /// Whether `version` is in the range; `None` when it does not parse in
    /// the ecosystem (never counted as a match).
    pub fn contains(&self, version: &str) -> Option<bool> {
        let installed = match self.scheme {
            Some(s) => Some(s.parse(version).ok()?),
            None => None,
        };
        Some(self.parts.iter().all(|(op, text, parsed)| {
            let ord = match (&installed, parsed) {
                (Some(i), Some(p)) => i.cmp(p),
                _ => version.trim().cmp(text.as_str()),
            };
            op.holds(ord)
        }))
    }
}

/// `NAME`, `NAME@RANGE` (`requests@<2.0`, `@babel/core@>=7,<7.5`,
/// `openssl@3.0.11-1~deb12u2`): the name and the range, if any.
pub fn split_package_spec(spec: &str) -> Result<(String, Option<VersionRange>)> {
    let spec = spec.trim();
    // an npm scope starts with `@`: the version separator is a later one
    let at = spec
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '@')
        .map(|(i, _)| i);
    let (name, range) = match at {
        Some(i) => (&spec[..i], Some(&spec[i + 1..])),
        None => (spec, None),
    };
    let name = name.trim();
    if name.trim_start_matches('@').is_empty() {
        return Err(Error::BadRange {
            range: spec.to_owned(),
            reason: "no package name (expected NAME or NAME@RANGE)".into(),
        });
    }
    let range = range.map(VersionRange::parse).transpose()?;
    Ok((name.to_owned(), range))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(range: &str, eco: &str, v: &str) -> Option<bool> {
        let e = EcosystemQuery::parse(eco).unwrap();
        VersionRange::parse(range)
            .unwrap()
            .compile(e.scheme)
            .unwrap()
            .contains(v)
    }

    #[test]
    fn ranges_parse() {
        let r = VersionRange::parse(">=1.2, <1.3").unwrap();
        assert_eq!(
            r.constraints,
            vec![(Op::Ge, "1.2".into()), (Op::Lt, "1.3".into())]
        );
        assert_eq!(r.to_string(), ">=1.2,<1.3");
        assert_eq!(
            VersionRange::parse("1.2.3").unwrap().constraints,
            vec![(Op::Eq, "1.2.3".into())]
        );
        assert_eq!(
            VersionRange::parse("==1.2.3").unwrap().constraints,
            vec![(Op::Eq, "1.2.3".into())]
        );
        assert_eq!(
            VersionRange::parse("!=1").unwrap().constraints,
            vec![(Op::Ne, "1".into())]
        );
        for bad in ["", "<", ">=1.2,", "<1 2", "=<1", ",<1", ">>1"] {
            assert!(VersionRange::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn ranges_use_the_ecosystem_order() {
        // PEP 440: 2.0rc1 < 2.0, 1.10 > 1.9
        assert_eq!(contains("<2.0", "PyPI", "2.0rc1"), Some(true));
        assert_eq!(contains("<2.0", "pypi", "2.0"), Some(false));
        assert_eq!(contains(">=1.2,<1.3", "PyPI", "1.2.post1"), Some(true));
        assert_eq!(contains(">=1.2,<1.3", "PyPI", "1.10"), Some(false));
        assert_eq!(contains("1.0", "PyPI", "1.0.0"), Some(true));
        // dpkg: ~ sorts before everything
        assert_eq!(
            contains("<3.0.11-1", "Debian", "3.0.11-1~deb12u2"),
            Some(true)
        );
        assert_eq!(contains("<3.0.11-1", "deb", "3.0.11-1"), Some(false));
        // SemVer: prerelease before release, numeric not lexical
        assert_eq!(contains("<1.2.10", "npm", "1.2.9"), Some(true));
        assert_eq!(contains(">=1.0.0", "npm", "1.0.0-beta"), Some(false));
        // unparseable installed version: never a match
        assert_eq!(contains("<2", "npm", "not a version"), None);
        // no scheme: exact only
        let e = EcosystemQuery::parse("ml-runtime").unwrap();
        assert!(
            VersionRange::parse("<12")
                .unwrap()
                .compile(e.scheme)
                .is_err()
        );
        let exact = VersionRange::parse("12.4").unwrap().compile(None).unwrap();
        assert_eq!(exact.contains("12.4"), Some(true));
        assert_eq!(exact.contains("12.5"), Some(false));
        // a range version that does not parse in the ecosystem
        let r = VersionRange::parse("<a b").err();
        assert!(r.is_some());
        let r = VersionRange::parse("<:::")
            .unwrap()
            .compile(Some(Scheme::Debian));
        assert!(r.is_err());
    }

    #[test]
    fn ecosystems_resolve() {
        let e = EcosystemQuery::parse("pypi").unwrap();
        assert_eq!((e.key.as_str(), e.release), ("PyPI", None));
        let e = EcosystemQuery::parse("debian:12").unwrap();
        assert_eq!(
            (e.key.as_str(), e.release.as_deref()),
            ("Debian", Some("Debian:12"))
        );
        let e = EcosystemQuery::parse("python").unwrap();
        assert_eq!(e.kind, Some(PackageKind::Python));
        assert_eq!(e.normalize("Foo_Bar"), "foo-bar");
        let e = EcosystemQuery::parse("CRATES.IO").unwrap();
        assert_eq!(e.key, "crates.io");
        assert!(EcosystemQuery::parse("cobol").is_err());
        assert!(EcosystemQuery::parse("deb:12").is_err());
    }

    #[test]
    fn package_specs_split() {
        let (n, r) = split_package_spec("requests@<2.0").unwrap();
        assert_eq!(
            (n.as_str(), r.unwrap().to_string().as_str()),
            ("requests", "<2.0")
        );
        let (n, r) = split_package_spec("@babel/core").unwrap();
        assert_eq!((n.as_str(), r), ("@babel/core", None));
        let (n, r) = split_package_spec("@babel/core@>=7,<7.5").unwrap();
        assert_eq!(n, "@babel/core");
        assert_eq!(r.unwrap().to_string(), ">=7,<7.5");
        let (n, r) = split_package_spec("openssl@3.0.11-1~deb12u2").unwrap();
        assert_eq!(n, "openssl");
        assert_eq!(
            r.unwrap().constraints,
            vec![(Op::Eq, "3.0.11-1~deb12u2".into())]
        );
        assert!(split_package_spec("@").is_err());
        assert!(split_package_spec("x@").is_err());
    }
}
