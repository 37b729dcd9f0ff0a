//! Ecosystem strings and package-name normalisation.
//!
//! OSV ecosystem strings may carry a release suffix after the first `:`
//! (`Debian:11`, `Alpine:v3.11`, `Ubuntu:22.04:LTS`). The part before it is the
//! *base* ecosystem. Both are stored; lookups use either.
//!
//! Package names are normalised per base ecosystem (compared ASCII
//! case-insensitively) so that a name found in an image matches the spelling of
//! the advisory:
//!
//! | ecosystem | rule |
//! |---|---|
//! | `PyPI` | PEP 503: lowercase, runs of `-`, `_`, `.` become one `-` |
//! | `NuGet`, `Packagist`, `Debian`, `Ubuntu`, `Alpine`, `Wolfi`, `Chainguard` | lowercase (case-insensitive names) |
//! | everything else (`npm`, `Go`, `crates.io`, `Maven`, `RubyGems`, unknown, …) | as written |
//!
//! In every case surrounding whitespace is trimmed.

/// The base ecosystem: the part before the first `:`, trimmed.
pub fn ecosystem_base(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or("").trim()
}

/// Ecosystems whose package names are case-insensitive.
const LOWERCASE_ECOSYSTEMS: &[&str] = &[
    "nuget",
    "packagist",
    "debian",
    "ubuntu",
    "alpine",
    "wolfi",
    "chainguard",
];

/// Normalises a package name for lookups in `ecosystem` (full or base string).
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let base = ecosystem_base(ecosystem);
    let name = name.trim();
    if base.eq_ignore_ascii_case("PyPI") {
        pep503(name)
    } else if LOWERCASE_ECOSYSTEMS
        .iter()
        .any(|e| base.eq_ignore_ascii_case(e))
    {
        name.to_lowercase()
    } else {
        name.to_owned()
    }
}

fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
                in_sep = true;
            }
        } else {
            in_sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Used when `ecosystems.txt` is missing at the update source: the
/// ecosystems a container scanner most often needs.
pub const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "Alpine",
    "Debian",
    "Ubuntu",
    "PyPI",
    "npm",
    "Go",
    "crates.io",
    "Maven",
    "NuGet",
    "RubyGems",
    "Packagist",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base() {
        assert_eq!(ecosystem_base("Debian:11"), "Debian");
        assert_eq!(ecosystem_base("Alpine:v3.11"), "Alpine");
        assert_eq!(ecosystem_base("Ubuntu:22.04:LTS"), "Ubuntu");
        assert_eq!(ecosystem_base("PyPI"), "PyPI");
        assert_eq!(ecosystem_base(""), "");
    }

    #[test]
    fn names() {
        assert_eq!(
            normalize_name("PyPI", "Foo.Bar__baz--Qux"),
            "foo-bar-baz-qux"
        );
        assert_eq!(normalize_name("pypi", " zope.interface "), "zope-interface");
        assert_eq!(
            normalize_name("NuGet", "Newtonsoft.Json"),
            "newtonsoft.json"
        );
        assert_eq!(normalize_name("Debian:11", "OpenSSL"), "openssl");
        assert_eq!(
            normalize_name("Go", "github.com/BurntSushi/toml"),
            "github.com/BurntSushi/toml"
        );
        assert_eq!(normalize_name("crates.io", "Inflector"), "Inflector");
        assert_eq!(normalize_name("npm", "JSONStream"), "JSONStream");
        assert_eq!(normalize_name("Maven", "org.Foo:Bar"), "org.Foo:Bar");
        assert_eq!(normalize_name("SomethingNew", "Keep_Me"), "Keep_Me");
    }
}
