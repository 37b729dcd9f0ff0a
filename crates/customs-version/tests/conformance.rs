//! Runs the shared version-ordering corpora (osv-scalibr's
//! `semantic/testdata`) from `../shared/conformance/versions`.
//!
//! Each line is `A < B`, `A = B` or `A > B`; blank lines and lines starting
//! with `#` or `//` are comments (several files use `//`). Every line is
//! checked in both directions, and a failing test lists every failing line.
//!
//! Two lines cannot hold for a faithful implementation; they are listed in
//! [`DIVERGENCES`] with the result the ecosystem's own tool gives, and the
//! test checks that we give exactly that result instead.

use std::cmp::Ordering;
use std::path::PathBuf;

use customs_version::Scheme;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/versions")
}

/// Corpus lines we knowingly do not satisfy: (file, line, our result, why).
const DIVERGENCES: &[(&str, &str, Ordering, &str)] = &[
    (
        "maven-versions.txt",
        "1-1 = 1-ga-1",
        Ordering::Greater,
        "this is the POM reference's example, but Maven's ComparableVersion (3.8.6, \
         which generated the corpus, and 3.8.7) gives 1-1 > 1-ga-1: `ga` is dropped \
         inside its list, leaving [[1]] against [1], and a list sorts below a number",
    ),
    (
        "packagist-versions.txt",
        "1.2.3.# = 1.2.3.1",
        Ordering::Less,
        "no total order satisfies it together with `1.2.3.# = 1.2.3` from the same \
         file, since 1.2.3 < 1.2.3.1; PHP's version_compare also gives <",
    ),
];

fn symbol(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

/// Checks one corpus file; returns the number of comparisons checked.
fn run(file: &str, scheme: Scheme) -> usize {
    let path = corpus_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read corpus {}: {e}", path.display()));
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut diverging = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let number = index + 1;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [a, op, b] = fields[..] else {
            failures.push(format!("{file}:{number}: malformed line {line:?}"));
            continue;
        };
        let expected = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => {
                failures.push(format!("{file}:{number}: unknown operator in {line:?}"));
                continue;
            }
        };
        checked += 1;
        let (pa, pb) = match (scheme.parse(a), scheme.parse(b)) {
            (Ok(pa), Ok(pb)) => (pa, pb),
            (Err(e), _) | (_, Err(e)) => {
                failures.push(format!("{file}:{number}: {line}  -- parse error: {e}"));
                continue;
            }
        };
        let forward = pa.cmp(&pb);
        let backward = pb.cmp(&pa);
        let divergence = DIVERGENCES
            .iter()
            .find(|(f, l, _, _)| *f == file && *l == line);
        if let Some((_, _, ours, why)) = divergence {
            diverging += 1;
            if forward != *ours || backward != ours.reverse() {
                failures.push(format!(
                    "{file}:{number}: {line}  -- documented divergence expected {a} {} {b}, got {}; ({why})",
                    symbol(*ours),
                    symbol(forward)
                ));
            }
            continue;
        }
        if forward != expected {
            failures.push(format!(
                "{file}:{number}: {line}  -- got {a} {} {b}",
                symbol(forward)
            ));
        } else if backward != expected.reverse() {
            failures.push(format!(
                "{file}:{number}: {line}  -- reverse direction got {b} {} {a}",
                symbol(backward)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} comparisons in {file} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 0, "{file} has no comparisons");
    for (f, l, _, _) in DIVERGENCES {
        assert!(
            *f != file || text.lines().any(|x| x.trim() == *l),
            "divergence {l:?} not found in {file}"
        );
    }
    eprintln!(
        "{file}: {} comparisons hold, {diverging} documented divergence(s) as expected",
        checked - diverging
    );
    checked
}

#[test]
fn alpine() {
    run("alpine-versions.txt", Scheme::Alpine);
}

#[test]
fn debian() {
    run("debian-versions.txt", Scheme::Debian);
}

#[test]
fn maven() {
    run("maven-versions.txt", Scheme::Maven);
}

#[test]
fn nuget() {
    run("nuget-versions.txt", Scheme::NuGet);
}

#[test]
fn packagist() {
    run("packagist-versions.txt", Scheme::Packagist);
}

#[test]
fn pypi() {
    run("pypi-versions.txt", Scheme::Pep440);
}

#[test]
fn redhat() {
    run("redhat-versions.txt", Scheme::Rpm);
}

#[test]
fn rubygems() {
    run("rubygems-versions.txt", Scheme::RubyGems);
}

#[test]
fn semver() {
    run("semver-versions.txt", Scheme::SemVer);
}
