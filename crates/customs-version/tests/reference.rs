//! Differential tests against reference crates: on every input those
//! crates accept, this crate must agree with them.
//!
//! * PEP 440 against `pep440_rs` (uv's implementation);
//! * SemVer, Go and NuGet against `semver::Version::cmp_precedence`.

use std::cmp::Ordering;
use std::str::FromStr;

use customs_version::Scheme;
use proptest::prelude::*;

const PEP440: &str = "[vV]?([0-9]!)?(0|1|2|10|[0-9]{1,6})(\\.(0|1|2|10|[0-9]{1,6})){0,4}([-_.]?(a|b|c|rc|alpha|beta|pre|preview|A|Rc)[-_.]?(0|1|2|[0-9]{1,3})?)?(-(0|1|[0-9]{1,3})|[-_.]?(post|rev|r|POST)[-_.]?(0|1|[0-9]{1,3})?)?([-_.]?(dev|Dev)[-_.]?(0|1|[0-9]{1,3})?)?(\\+([a-z0-9]{1,3}|0|1)([-_.]([a-zA-Z0-9]{1,3}|0|1)){0,2})?";

const SEMVER: &str = "(0|1|2|[1-9][0-9]{0,5})\\.(0|1|[1-9][0-9]{0,5})\\.(0|1|[1-9][0-9]{0,5})(-(0|1|[1-9][0-9]{0,4}|alpha|beta|rc|[0-9A-Za-z-]{1,5})(\\.(0|1|[1-9][0-9]{0,4}|alpha|beta|rc|[0-9A-Za-z-]{1,5})){0,3})?(\\+[0-9A-Za-z-]{1,5}(\\.[0-9A-Za-z-]{1,5}){0,2})?";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn pep440_matches_pep440_rs(a in PEP440, b in PEP440) {
        let (Ok(ra), Ok(rb)) = (pep440_rs::Version::from_str(&a), pep440_rs::Version::from_str(&b)) else {
            // Values beyond pep440_rs' u64 limit and the like: nothing to compare.
            return Ok(());
        };
        let ours = Scheme::Pep440.compare(&a, &b);
        prop_assert_eq!(ours, Ok(ra.cmp(&rb)), "{} vs {} (pep440_rs: {} vs {})", a, b, ra, rb);
    }

    /// Both spellings of the same pep440_rs version are equal for us too.
    #[test]
    fn pep440_normalisation_matches(a in PEP440) {
        if let Ok(normal) = pep440_rs::Version::from_str(&a) {
            let normal = normal.to_string();
            prop_assert_eq!(Scheme::Pep440.compare(&a, &normal), Ok(Ordering::Equal), "{} vs {}", a, normal);
        }
    }

    #[test]
    fn semver_matches_semver_crate(a in SEMVER, b in SEMVER) {
        let (Ok(sa), Ok(sb)) = (semver::Version::parse(&a), semver::Version::parse(&b)) else {
            return Ok(());
        };
        let expected = sa.cmp_precedence(&sb);
        prop_assert_eq!(Scheme::SemVer.compare(&a, &b), Ok(expected), "SemVer {} vs {}", a, b);
        prop_assert_eq!(Scheme::Go.compare(&format!("v{a}"), &format!("v{b}")), Ok(expected), "Go {} vs {}", a, b);
        // NuGet ignores case, which keeps ASCII order for lower-case labels.
        let (la, lb) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
        if let (Ok(sa), Ok(sb)) = (semver::Version::parse(&la), semver::Version::parse(&lb)) {
            prop_assert_eq!(Scheme::NuGet.compare(&la, &lb), Ok(sa.cmp_precedence(&sb)), "NuGet {} vs {}", la, lb);
        }
    }

    /// Go rejects what strict SemVer rejects (with `v`), except the `v1`
    /// and `v1.2` shorthands.
    #[test]
    fn go_accepts_strict_semver_only(a in "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(-[0-9a-z.]{0,4})?(\\+[0-9a-z.]{0,3})?") {
        let strict = semver::Version::parse(&a).is_ok();
        let shorthand = a.split('.').count() < 3
            && a.split('.').all(|n| n == "0" || (!n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())));
        prop_assert_eq!(Scheme::Go.parse(&format!("v{a}")).is_ok(), strict || shorthand, "v{}", a);
    }
}
