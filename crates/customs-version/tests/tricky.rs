//! Known tricky cases per scheme, beyond the shared corpora.

use std::cmp::Ordering;

use customs_version::{ParsedVersion, Scheme, VersionError, compare};

/// Asserts that `chain` is strictly increasing, pairwise and in reverse.
fn ascending(scheme: Scheme, chain: &[&str]) {
    let parsed: Vec<ParsedVersion> = chain
        .iter()
        .map(|v| scheme.parse(v).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    for (i, a) in parsed.iter().enumerate() {
        for (j, b) in parsed.iter().enumerate() {
            assert_eq!(
                a.cmp(b),
                i.cmp(&j),
                "{scheme}: expected {} {} {}",
                chain[i],
                match i.cmp(&j) {
                    Ordering::Less => "<",
                    Ordering::Equal => "=",
                    Ordering::Greater => ">",
                },
                chain[j]
            );
        }
    }
}

/// Asserts that all of `versions` are equal to each other.
fn equal(scheme: Scheme, versions: &[&str]) {
    for a in versions {
        for b in versions {
            assert_eq!(
                compare(scheme, a, b).unwrap_or_else(|e| panic!("{e}")),
                Ordering::Equal,
                "{scheme}: expected {a} = {b}"
            );
        }
    }
}

fn rejects(scheme: Scheme, version: &str) {
    match scheme.parse(version) {
        Err(VersionError::Invalid {
            scheme: s,
            version: v,
            ..
        }) => {
            assert_eq!(s, scheme);
            assert_eq!(v, version);
        }
        other => panic!("{scheme}: expected {version:?} to be invalid, got {other:?}"),
    }
}

#[test]
fn debian() {
    ascending(
        Scheme::Debian,
        &[
            "1.0~~",
            "1.0~~a",
            "1.0~",
            "1.0~rc1",
            "1.0",
            "1.0-1",
            "1.0-1+b1",
            "1.0a",
            "1.0+dfsg-1",
            "1.0.1",
            "2.0",
            "1:0.9",
        ],
    );
    ascending(
        Scheme::Debian,
        &["1.2.3-1~deb11u1", "1.2.3-1", "1.2.3-1ubuntu0.1"],
    );
    equal(
        Scheme::Debian,
        &["1.0", "0:1.0", "1.0-0", "1.0-00", " 1.0 "],
    );
    // Digits compare numerically, whatever their size.
    ascending(
        Scheme::Debian,
        &["1.9", "1.10", "1.99999999999999999999999"],
    );
    rejects(Scheme::Debian, "1.0 beta");
    rejects(Scheme::Debian, "1.0!");
    rejects(Scheme::Debian, "99999999999:1.0");
    rejects(Scheme::Debian, "1.0-");
    rejects(Scheme::Debian, ":1.0");
    rejects(Scheme::Debian, "a:1.0");
    rejects(Scheme::Debian, "1:");
    // Colons after the epoch belong to the upstream version.
    ascending(Scheme::Debian, &["1:2:3", "1:2:4", "2:0"]);
}

#[test]
fn rpm() {
    ascending(
        Scheme::Rpm,
        &[
            "1.0~rc1",
            "1.0~rc1^git1",
            "1.0",
            "1.0^",
            "1.0^git1",
            "1.0^git2",
            "1.0.1",
            "1.01.1",
        ],
    );
    ascending(
        Scheme::Rpm,
        &[
            "1.0",
            "1.0-",
            "1.0-1.el8",
            "1.0-2.el8",
            "1.0-10.el8",
            "1:0.1",
        ],
    );
    ascending(Scheme::Rpm, &["2.0", "2.0a", "2.0.1"]);
    equal(Scheme::Rpm, &["10.0001", "10.1", "0:10.1", "10_1"]);
    // A colon that does not follow digits is not an epoch.
    ascending(Scheme::Rpm, &["a:1", "b:1", "1:0"]);
}

#[test]
fn alpine() {
    ascending(
        Scheme::Alpine,
        &[
            "1.2_alpha",
            "1.2_alpha1",
            "1.2_beta",
            "1.2_pre2",
            "1.2_rc1",
            "1.2",
            "1.2-r1",
            "1.2-r10",
            "1.2~c0ffee",
            "1.2_cvs",
            "1.2_svn",
            "1.2_git",
            "1.2_hg",
            "1.2_p1",
            "1.2a",
            "1.2b",
            "1.2.1",
            "1.10",
        ],
    );
    // A non-initial number with a leading zero compares as a string.
    ascending(
        Scheme::Alpine,
        &["1.001", "1.01", "1.09", "1.1", "1.9", "1.10"],
    );
    equal(Scheme::Alpine, &["1.2-r0", "1.2-r", "1.2-r00"]);
    equal(Scheme::Alpine, &["01.2", "1.2"]);
    // Garbage sorts below a proper end.
    ascending(Scheme::Alpine, &["1.2_blah", "1.2", "1.2-r0"]);
}

#[test]
fn pep440() {
    ascending(
        Scheme::Pep440,
        &[
            "1.0.dev1",
            "1.0a1.dev1",
            "1.0a1",
            "1.0a1.post1.dev1",
            "1.0a1.post1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+local",
            "1.0+local.1",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1.dev1",
            "1!0.1",
        ],
    );
    equal(
        Scheme::Pep440,
        &["1.0", "1.0.0", "v1.0", "V1.0.0", " 1.0\t", "0!1.0"],
    );
    equal(
        Scheme::Pep440,
        &["1.0a1", "1.0.alpha.1", "1.0-a-1", "1.0A1", "1.0_a1"],
    );
    equal(
        Scheme::Pep440,
        &["1.0rc1", "1.0c1", "1.0pre1", "1.0preview1", "1.0-RC-1"],
    );
    equal(
        Scheme::Pep440,
        &["1.0.post1", "1.0-1", "1.0.rev1", "1.0r1", "1.0post1"],
    );
    equal(
        Scheme::Pep440,
        &["1.0.dev0", "1.0.dev", "1.0-dev", "1.0dev0"],
    );
    equal(Scheme::Pep440, &["1.0+ab.1", "1.0+AB-1", "1.0+ab_01"]);
    // Local labels: numbers beat strings, longer beats its prefix.
    ascending(
        Scheme::Pep440,
        &["1.0+abc", "1.0+abc.1", "1.0+1", "1.0+9", "1.0+10"],
    );
    // Release numbers beyond 64 bits.
    ascending(
        Scheme::Pep440,
        &["1.18446744073709551615", "1.18446744073709551616", "2"],
    );
    // Legacy (non-PEP 440) versions sort below every PEP 440 version.
    ascending(Scheme::Pep440, &["foo", "1.0-bar", "0.0.0.dev0", "0.1"]);
    ascending(Scheme::Pep440, &["1.0-fork", "1.0.x", "1.1.y"]);
}

#[test]
fn semver() {
    ascending(
        Scheme::SemVer,
        &[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "18446744073709551616.0.0",
        ],
    );
    equal(
        Scheme::SemVer,
        &[
            "1.2.3",
            "v1.2.3",
            "=1.2.3",
            "= v1.2.3",
            " 1.2.3 ",
            "1.2.3+build.5",
            "1.2.3+other",
        ],
    );
    equal(Scheme::SemVer, &["1.2", "1.2.0", "1.2.0.0"]);
    equal(
        Scheme::SemVer,
        &["1.2.3-beta+a", "1.2.3-beta+b", "1.2.3beta"],
    );
    // Pre-release identifiers are case-sensitive (ASCII order).
    ascending(Scheme::SemVer, &["1.0.0-BETA", "1.0.0-alpha"]);
    rejects(Scheme::SemVer, "1.2.3-");
    rejects(Scheme::SemVer, "1.2.3+");
    rejects(Scheme::SemVer, "1.2.3-a..b");
    rejects(Scheme::SemVer, "latest");
    rejects(Scheme::SemVer, "1.2.3 - 2.0.0");
}

#[test]
fn go() {
    ascending(
        Scheme::Go,
        &[
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.0-20201109021931-aaaaaaaaaaaa",
            "v0.1.0",
            "v1.2.3-pre",
            "v1.2.3-pre.0.20191109021931-daa7c04131f5",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4",
            "v2.0.0-rc.1+incompatible",
            "v2.0.0+incompatible",
            "v2.0.1",
        ],
    );
    equal(
        Scheme::Go,
        &["v2.0.0+incompatible", "v2.0.0", "2.0.0", "v2.0", "v2"],
    );
    rejects(Scheme::Go, "v01.2.3");
    rejects(Scheme::Go, "v1.2.3-01");
    rejects(Scheme::Go, "v1.2-pre");
    rejects(Scheme::Go, "v1.2.3.4");
    rejects(Scheme::Go, "v1.2.3+");
    rejects(Scheme::Go, "vx");
}

#[test]
fn maven() {
    ascending(
        Scheme::Maven,
        &[
            "1.0-alpha",
            "1.0-alpha-2",
            "1.0-beta",
            "1.0-milestone-1",
            "1.0-rc1",
            "1.0-SNAPSHOT",
            "1.0",
            "1.0-sp",
            "1.0-foo",
            "1.0-1",
            "1.0.1",
            "1.1",
        ],
    );
    equal(
        Scheme::Maven,
        &[
            "1",
            "1.0",
            "1.0.0",
            "1-0",
            "1.ga",
            "1-final",
            "1.RELEASE",
            "1-",
        ],
    );
    equal(Scheme::Maven, &["1a1", "1-alpha-1", "1.0-ALPHA1"]);
    equal(Scheme::Maven, &["1cr2", "1-rc-2"]);
    // maven-artifact 3.8 gives 1.0.alpha.1 > 1-1 and 1-rc1 > 1.foo.2, each
    // closing a cycle with the other two comparisons; here the order is total.
    ascending(Scheme::Maven, &["1.0.alpha.1", "1", "1-1"]);
    ascending(Scheme::Maven, &["1-rc1", "1", "1.foo.2"]);
    // Where Maven is consistent, a number still beats a list at the same place.
    ascending(Scheme::Maven, &["2.0-1", "2.0.1"]);
    // Letters and numbers split even without a separator; numbers have no size limit.
    ascending(
        Scheme::Maven,
        &[
            "1.0x",
            "1.0.1",
            "20190126.230843",
            "1234567890123456789012345",
        ],
    );
}

#[test]
fn rubygems() {
    ascending(
        Scheme::RubyGems,
        &[
            "1.0.a", "1.0.a.2", "1.0.a9", "1.0.a10", "1.0.b1", "1.0-1", "1.0.rc1", "1.0", "1.0.1",
            "1.10",
        ],
    );
    equal(Scheme::RubyGems, &["1", "1.0", "1.0.0", " 1.0 "]);
    equal(Scheme::RubyGems, &["1.0.a2", "1.0.a.2", "1.0a2"]);
    // `-` means `.pre.`.
    equal(Scheme::RubyGems, &["1.0-1", "1.0.pre.1"]);
    rejects(Scheme::RubyGems, "a1");
    rejects(Scheme::RubyGems, "1.0_1");
}

#[test]
fn nuget() {
    ascending(
        Scheme::NuGet,
        &[
            "1.0.0-alpha",
            "1.0.0-BETA",
            "1.0.0-beta.2",
            "1.0.0-Beta.10",
            "1.0.0",
            "1.0.0.1",
            "1.0.1",
        ],
    );
    equal(
        Scheme::NuGet,
        &["1.0", "1.0.0", "1.0.0.0", "1.0.00", "1.0.0+meta"],
    );
    equal(Scheme::NuGet, &["1.0.0-RC.1", "1.0.0-rc.1", "1.0.0-Rc.1+x"]);
    rejects(Scheme::NuGet, "1.0.0-");
}

#[test]
fn packagist() {
    ascending(
        Scheme::Packagist,
        &[
            "dev-master",
            "1.0.0-dev",
            "1.0.0-alpha1",
            "1.0.0-beta2",
            "1.0.0-RC1",
            "1.0.0-rc2",
            "1.0.0",
            "1.0.0.0",
            "1.0.0-pl1",
            "1.0.1",
        ],
    );
    equal(
        Scheme::Packagist,
        &["1.0.0", "v1.0.0", "V1.0.0", "1_0_0", "1+0+0"],
    );
    equal(
        Scheme::Packagist,
        &["1.0.0-beta2", "1.0.0b2", "1.0.0.beta.2", "1.0.0-b2"],
    );
    rejects(Scheme::Packagist, "--");
}

#[test]
fn minimum_is_below_everything() {
    for scheme in Scheme::ALL {
        let min = ParsedVersion::minimum(scheme);
        assert!(min.is_minimum());
        assert_eq!(min.scheme(), scheme);
        assert_eq!(min.to_string(), "0");
        let introduced = scheme
            .parse_introduced(" 0 ")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(introduced.is_minimum());
        assert_eq!(introduced, min);
        for v in ["0", "0.0.0", "0.0.1", "1.0", "1"] {
            let parsed = scheme.parse(v).unwrap_or_else(|e| panic!("{e}"));
            assert!(!parsed.is_minimum());
            assert!(min < parsed, "{scheme}: minimum must be below {v}");
        }
        // A real "0" is a version, and "introduced" keeps non-sentinel values.
        let zero = scheme.parse("0").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !scheme
                .parse_introduced("0.0.1")
                .unwrap_or_else(|e| panic!("{e}"))
                .is_minimum()
        );
        assert!(min < zero);
    }
    // Why a sentinel is needed: "0" is not the lowest version everywhere.
    assert_eq!(compare(Scheme::Debian, "0~rc1", "0"), Ok(Ordering::Less));
    assert_eq!(compare(Scheme::Pep440, "0.dev0", "0"), Ok(Ordering::Less));
    assert_eq!(
        compare(Scheme::SemVer, "0.0.0-alpha", "0"),
        Ok(Ordering::Less)
    );
    assert_eq!(compare(Scheme::Maven, "0-alpha", "0"), Ok(Ordering::Less));
}

#[test]
fn ecosystems() {
    let cases = [
        ("Debian:11", Scheme::Debian),
        ("Debian", Scheme::Debian),
        ("Ubuntu:22.04:LTS", Scheme::Debian),
        ("Ubuntu:Pro:18.04:LTS", Scheme::Debian),
        ("Alpine:v3.18", Scheme::Alpine),
        ("Wolfi", Scheme::Alpine),
        ("Chainguard", Scheme::Alpine),
        ("PyPI", Scheme::Pep440),
        ("npm", Scheme::SemVer),
        ("crates.io", Scheme::SemVer),
        ("Go", Scheme::Go),
        ("Maven", Scheme::Maven),
        ("RubyGems", Scheme::RubyGems),
        ("NuGet", Scheme::NuGet),
        ("Packagist", Scheme::Packagist),
        ("Red Hat", Scheme::Rpm),
        ("Red Hat:enterprise_linux:9::appstream", Scheme::Rpm),
        ("Rocky Linux:9", Scheme::Rpm),
        ("AlmaLinux:8", Scheme::Rpm),
        ("SUSE:Linux Enterprise Server 15 SP5", Scheme::Rpm),
        ("openSUSE:Tumbleweed", Scheme::Rpm),
    ];
    for (ecosystem, scheme) in cases {
        assert_eq!(
            Scheme::for_ecosystem(ecosystem),
            Some(scheme),
            "{ecosystem}"
        );
    }
    for unknown in ["", "pypi", "GIT", "Pub", "CRAN", "Linux", "Debian11"] {
        assert_eq!(Scheme::for_ecosystem(unknown), None, "{unknown}");
    }
}

#[test]
fn errors_name_scheme_and_input() {
    assert_eq!(
        Scheme::Go.parse("  "),
        Err(VersionError::Empty { scheme: Scheme::Go })
    );
    let err = compare(Scheme::Go, "v1.0.0", "v1.x").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("invalid Go version \"v1.x\": "), "{text}");
    assert_eq!(
        Scheme::Pep440.parse("").unwrap_err().to_string(),
        "empty PEP 440 version"
    );
}

#[test]
fn parsed_versions_keep_their_text_and_scheme() {
    let v = Scheme::Debian
        .parse(" 1:2.3-4 ")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.as_str(), "1:2.3-4");
    assert_eq!(v.to_string(), "1:2.3-4");
    assert_eq!(v.scheme(), Scheme::Debian);
    // Different schemes order by scheme, so Ord stays total.
    let w = Scheme::Rpm.parse("0.1").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.cmp(&w), Ordering::Less);
    assert_eq!(w.cmp(&v), Ordering::Greater);
}

#[test]
fn scheme_serde_names() {
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};

    let names = [
        "debian",
        "rpm",
        "alpine",
        "pep440",
        "semver",
        "go",
        "maven",
        "rubygems",
        "nuget",
        "packagist",
    ];
    for (scheme, name) in Scheme::ALL.iter().zip(names) {
        let de: StrDeserializer<'_, Error> = name.into_deserializer();
        assert_eq!(Scheme::deserialize(de), Ok(*scheme));
        assert_eq!(scheme.to_string(), scheme.name());
    }
    let de: StrDeserializer<'_, Error> = "Debian".into_deserializer();
    assert!(Scheme::deserialize(de).is_err());
}
