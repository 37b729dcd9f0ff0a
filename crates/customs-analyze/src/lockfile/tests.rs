//! Family-wide tests: ids, purls of every fixture, and no panic on any
//! input.

use std::str::FromStr;

use proptest::prelude::*;

use super::*;
use crate::testing::{FixtureFile, run, run_layer, txtar};

const FIXTURES: &[&str] = &[
    include_str!("../../testdata/lockfile/requirements.txtar"),
    include_str!("../../testdata/lockfile/poetry.txtar"),
    include_str!("../../testdata/lockfile/pipenv.txtar"),
    include_str!("../../testdata/lockfile/uv.txtar"),
    include_str!("../../testdata/lockfile/npm.txtar"),
    include_str!("../../testdata/lockfile/yarn.txtar"),
    include_str!("../../testdata/lockfile/pnpm.txtar"),
    include_str!("../../testdata/lockfile/cargo.txtar"),
    include_str!("../../testdata/lockfile/gomod.txtar"),
    include_str!("../../testdata/lockfile/gemfile.txtar"),
    include_str!("../../testdata/lockfile/composer.txtar"),
];

const MALFORMED: &[&str] = &[
    include_str!("../../testdata/lockfile/requirements-malformed.txtar"),
    include_str!("../../testdata/lockfile/poetry-malformed.txtar"),
    include_str!("../../testdata/lockfile/pipenv-malformed.txtar"),
    include_str!("../../testdata/lockfile/uv-malformed.txtar"),
    include_str!("../../testdata/lockfile/npm-malformed.txtar"),
    include_str!("../../testdata/lockfile/yarn-malformed.txtar"),
    include_str!("../../testdata/lockfile/pnpm-malformed.txtar"),
    include_str!("../../testdata/lockfile/cargo-malformed.txtar"),
    include_str!("../../testdata/lockfile/gomod-malformed.txtar"),
    include_str!("../../testdata/lockfile/gemfile-malformed.txtar"),
    include_str!("../../testdata/lockfile/composer-malformed.txtar"),
];

#[test]
fn ids_are_unique_and_not_builtin() {
    let mut ids: Vec<&str> = analyzers().iter().map(|a| a.id()).collect();
    let n = ids.len();
    assert_eq!(n, 11);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
    let builtin: Vec<&str> = crate::builtin().iter().map(|a| a.id()).collect();
    for id in ids {
        assert!(!builtin.contains(&id), "{id} is also a built-in id");
    }
}

#[test]
fn every_fixture_purl_parses_and_round_trips() {
    let mut count = 0;
    for fixture in FIXTURES {
        let a = run_layer(analyzers(), 0, &txtar(fixture));
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        for p in &a.packages {
            let parsed = packageurl::PackageUrl::from_str(&p.purl)
                .unwrap_or_else(|e| panic!("{:?}: {e}", p.purl));
            assert_eq!(parsed.to_string(), p.purl);
            assert_eq!(parsed.version(), Some(p.version.as_str()), "{}", p.purl);
            let ty = match p.kind {
                customs_types::PackageKind::Python => "pypi",
                customs_types::PackageKind::Npm => "npm",
                customs_types::PackageKind::Cargo => "cargo",
                customs_types::PackageKind::Go => "golang",
                customs_types::PackageKind::Gem => "gem",
                customs_types::PackageKind::Composer => "composer",
                other => panic!("unexpected kind {other:?}"),
            };
            assert_eq!(parsed.ty(), ty);
            // the purl names the package: namespace/name is the full name
            // (npm scope, Go module path, Composer vendor), PyPI names
            // normalised
            let full = match parsed.namespace() {
                Some(ns) => format!("{ns}/{}", parsed.name()),
                None => parsed.name().to_string(),
            };
            assert_eq!(full, p.name, "{}", p.purl);
            count += 1;
        }
    }
    assert!(count > 80, "{count}");
}

#[test]
fn malformed_inputs_give_unknowns_not_panics() {
    for fixture in MALFORMED {
        let a = run_layer(analyzers(), 0, &txtar(fixture));
        assert!(!a.unknowns.is_empty(), "{fixture}");
        for u in &a.unknowns {
            assert!(!u.message.is_empty());
            assert!(u.path.is_some());
        }
    }
}

/// The lock file names, each with a path the analyzers want.
const NAMES: &[&str] = &[
    "/p/requirements.txt",
    "/p/poetry.lock",
    "/p/Pipfile.lock",
    "/p/uv.lock",
    "/p/package-lock.json",
    "/p/yarn.lock",
    "/p/pnpm-lock.yaml",
    "/p/Cargo.lock",
    "/p/go.mod",
    "/p/Gemfile.lock",
    "/p/composer.lock",
];

#[test]
fn each_file_name_has_one_analyzer() {
    let all = analyzers();
    for path in NAMES {
        let f = FileInfo {
            path,
            size: 10,
            mode: 0o644,
            layer: 0,
        };
        let wanted: Vec<&str> = all
            .iter()
            .filter(|a| a.required(&f))
            .map(|a| a.id())
            .collect();
        assert_eq!(wanted.len(), 1, "{path}: {wanted:?}");
    }
}

/// Mutations of real fixture content: truncations and byte flips.
fn mutated(text: &str, cut: usize, flips: &[(usize, u8)]) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    b.truncate(cut % (b.len() + 1));
    for &(at, byte) in flips {
        if !b.is_empty() {
            let i = at % b.len();
            b[i] = byte;
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        for path in NAMES {
            let _ = run(
                NoPanic,
                &[FixtureFile::new(path, data.clone())],
            );
        }
    }

    #[test]
    fn mangled_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        cut in any::<usize>(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
    ) {
        for f in txtar(FIXTURES[which]) {
            let data = mutated(std::str::from_utf8(&f.data).unwrap(), cut, &flips);
            let _ = run_layer(analyzers(), 0, &[FixtureFile::new(&f.path, data)]);
        }
    }

    #[test]
    fn pypi_purls_round_trip(
        name in "[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?",
        version in "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\\+[a-z0-9]{1,6})?",
    ) {
        let p = pypi_package(&name, &version, &FileInfo { path: "/r.txt", size: 0, mode: 0, layer: 0 }, "t", false);
        let parsed = packageurl::PackageUrl::from_str(&p.purl).unwrap();
        prop_assert_eq!(parsed.to_string(), p.purl.clone());
        prop_assert_eq!(parsed.name(), p.name.as_str());
        prop_assert_eq!(parsed.version(), Some(version.as_str()));
    }

    #[test]
    fn npm_purls_round_trip(
        scope in proptest::option::of("[a-z0-9][a-z0-9._-]{0,10}"),
        name in "[a-z0-9][a-z0-9._-]{0,15}",
        version in "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-[a-z]{1,5}\\.[0-9])?",
    ) {
        let full = match &scope {
            Some(s) => format!("@{s}/{name}"),
            None => name.clone(),
        };
        let purl = crate::purl::npm(&full, &version);
        prop_assert!(!purl.starts_with("pkg:generic/"), "{}", purl);
        let parsed = packageurl::PackageUrl::from_str(&purl).unwrap();
        prop_assert_eq!(parsed.to_string(), purl.clone());
        prop_assert_eq!(parsed.namespace().map(str::to_string), scope.map(|s| format!("@{s}")));
        prop_assert_eq!(parsed.version(), Some(version.as_str()));
    }
}

/// Every lock file analyzer at once, as one (for the byte-level proptest).
struct NoPanic;

impl Analyzer for NoPanic {
    fn id(&self) -> &'static str {
        "all-lockfiles"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, file: &FileInfo<'_>) -> bool {
        analyzers().iter().any(|a| a.required(file))
    }
    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut crate::Content<'_>,
        sink: &mut crate::Sink<'_>,
    ) -> Result<(), String> {
        for a in analyzers() {
            if a.required(file) {
                a.analyze(file, content, sink)?;
            }
        }
        Ok(())
    }
}
