//! Property tests: every scheme is a total order on the versions it
//! accepts, the minimum is below all of them, and no input panics.

use std::cmp::Ordering;

use customs_version::{ParsedVersion, Scheme};
use proptest::prelude::*;
use proptest::sample::select;

/// Plausible (and some implausible) versions per scheme, as regexes.
fn shapes(scheme: Scheme) -> Vec<&'static str> {
    match scheme {
        Scheme::Debian => vec![
            "([0-9]:)?[0-9]{1,3}([.+~]?[0-9a-z~]{1,3}){0,3}(-[0-9a-z]{1,3}([.+~][0-9a-z~]{0,2}){0,2})?",
            "[0-9][0-9a-zA-Z.+~_]{0,8}",
        ],
        Scheme::Rpm => vec![
            "([0-9]{1,2}:)?[0-9a-z]{1,3}([._+~^]?[0-9a-z~^]{0,3}){0,3}(-[0-9a-z]{0,3}([.~^][0-9a-z]{0,3}){0,2})?",
            "[0-9a-zA-Z.:+_~^-]{1,10}",
        ],
        Scheme::Alpine => vec![
            "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p|bogus)[0-9]{0,2}){0,2}(~[0-9a-f]{1,4})?(-r[0-9]{0,2})?",
            "[0-9a-z._~A-]{1,10}",
        ],
        Scheme::Pep440 => vec![
            "[vV]?([0-9]!)?[0-9]{1,3}(\\.[0-9]{1,3}){0,3}([-_.]?(a|b|c|rc|alpha|beta|pre|preview|RC)[0-9]{0,2})?([-_.]?(post|rev|r)[0-9]{0,2}|-[0-9]{1,2})?([-_.]?dev[0-9]{0,2})?(\\+[a-z0-9]{1,3}([-_.][a-zA-Z0-9]{1,3}){0,2})?",
            "[0-9a-z.!+_-]{1,10}",
        ],
        Scheme::SemVer => vec![
            "[v=]?[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-[0-9A-Za-z-]{1,4}(\\.[0-9A-Za-z-]{1,4}){0,3})?(\\+[0-9A-Za-z]{1,3})?",
        ],
        Scheme::Go => vec![
            "v?(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){2}(-([a-z-]{1,4}|0|[1-9][0-9]{0,2})(\\.([a-z-]{1,4}|0|[1-9][0-9]{0,14})){0,3})?(\\+incompatible)?",
            "v(0|[1-9])(\\.(0|[1-9]))?",
        ],
        Scheme::Maven => vec![
            "[0-9]{1,3}([.-]?([0-9]{1,2}|alpha|a|beta|b|milestone|m|rc|cr|snapshot|ga|final|release|sp|foo|x|SP)){0,5}",
            "[0-9a-zA-Z.-]{1,10}",
        ],
        Scheme::RubyGems => vec!["[0-9]{1,3}([.-]?([0-9]{1,2}|[a-zA-Z]{1,4})){0,5}"],
        Scheme::NuGet => vec![
            "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-[0-9A-Za-z-]{1,4}(\\.[0-9A-Za-z-]{1,4}){0,3})?(\\+[0-9A-Za-z]{1,3})?",
        ],
        Scheme::Packagist => vec![
            "[vV]?[0-9]{1,3}([._+-]?([0-9]{1,2}|dev|alpha|a|beta|b|RC|rc|pl|p|patch|x)){0,5}",
            "[0-9a-zA-Z._+#-]{1,10}",
        ],
    }
}

/// A scheme together with versions it accepts.
fn scheme_and_versions(max: usize) -> impl Strategy<Value = (Scheme, Vec<ParsedVersion>)> {
    select(Scheme::ALL.to_vec()).prop_flat_map(move |scheme| {
        let shapes: Vec<BoxedStrategy<String>> = shapes(scheme)
            .into_iter()
            .map(|re| {
                proptest::string::string_regex(re)
                    .unwrap_or_else(|e| panic!("{re}: {e}"))
                    .boxed()
            })
            .collect();
        let version = proptest::strategy::Union::new(shapes)
            .prop_filter_map("scheme rejects it", move |s| scheme.parse(&s).ok());
        (Just(scheme), proptest::collection::vec(version, 1..max))
    })
}

fn symbol(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Sorting then checking every pair finds any cycle (a non-transitive
    /// order has no consistent arrangement); each pair is also checked for
    /// antisymmetry and each element for reflexivity.
    #[test]
    fn total_order((scheme, mut versions) in scheme_and_versions(16)) {
        versions.sort();
        for (i, a) in versions.iter().enumerate() {
            prop_assert_eq!(a.cmp(a), Ordering::Equal, "{} {}: not reflexive", scheme, a);
            for b in &versions[i + 1..] {
                let ab = a.cmp(b);
                prop_assert!(ab != Ordering::Greater,
                    "{}: sorted order has {} > {} (not transitive)", scheme, a, b);
                prop_assert_eq!(b.cmp(a), ab.reverse(),
                    "{}: {} {} {} but reversed {}", scheme, a, symbol(ab), b, symbol(b.cmp(a)));
                prop_assert_eq!(a == b, ab == Ordering::Equal);
            }
        }
    }

    #[test]
    fn minimum_is_lowest((scheme, versions) in scheme_and_versions(4)) {
        let min = ParsedVersion::minimum(scheme);
        for v in &versions {
            prop_assert!(min < *v, "{}: minimum is not below {}", scheme, v);
            prop_assert!(*v > min);
        }
    }

    /// Arbitrary Unicode never panics, and what parses compares consistently.
    #[test]
    fn arbitrary_strings_never_panic(a in any::<String>(), b in any::<String>()) {
        for scheme in Scheme::ALL {
            let _ = scheme.parse_introduced(&a);
            if let (Ok(x), Ok(y)) = (scheme.parse(&a), scheme.parse(&b)) {
                prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
            }
        }
    }

    /// Version-like ASCII noise reaches deeper into the parsers.
    #[test]
    fn version_like_noise_never_panics(
        a in "[ -~]{0,16}",
        b in "[0-9.:~^_+!#a-zA-Z-]{0,16}",
    ) {
        for scheme in Scheme::ALL {
            if let (Ok(x), Ok(y)) = (scheme.parse(&a), scheme.parse(&b)) {
                prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
                prop_assert_eq!(x.cmp(&x), Ordering::Equal);
            }
        }
    }
}
