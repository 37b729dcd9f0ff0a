//! Python distributions installed in an image: the core metadata of
//! `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO` (setuptools,
//! as a directory), `*.egg-info` as a single file (distutils, Debian's
//! python3-* packages) and `*.egg/EGG-INFO/PKG-INFO` (unzipped eggs).
//!
//! - `name` is the `Name:` as written; the purl carries the PEP 503 name.
//! - `licenses`: `License-Expression:` when present; else `License:` when it
//!   is a valid SPDX expression or an obvious alias of one (`Apache 2.0`);
//!   else the `License ::` classifiers when every one of them maps to an
//!   SPDX id; else a short one-line `License:` as written; else the
//!   classifiers (mapped where obvious, else their last part as written).
//! - `depends_on`: the PEP 503 names of `Requires-Dist:` requirements, without
//!   version specifiers, extras or markers. Requirements that only apply to
//!   an extra (`; extra == "docs"`) are left out: they are optional features,
//!   not installed by default. Other markers (`python_version`, platform) are
//!   not evaluated: those requirements are kept.
//! - `properties["site_packages"]`: the directory holding the metadata dir
//!   (or the `.egg-info` file); `author`, `author_email`, `maintainer`,
//!   `maintainer_email` from the fields of those names, when not empty or
//!   `UNKNOWN` (the reports name the supplier from them).
//! - `files` is left empty: `RECORD` is a separate file and analyzers see one
//!   file at a time. The inventory's OS-ownership check works from the
//!   metadata file's location, which needs no file list.

use customs_types::{Package, PackageKind};

use super::LangError;
use crate::{Analyzer, Content, FileInfo, Sink};

/// The header of a METADATA file is at the top; the body (long description)
/// can be large and is not needed.
const HEADER_LIMIT: u64 = 1 << 20;
const ID: &str = "python-dist";

/// Reads Python core metadata files.
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonDist;

/// Which kind of metadata file a path is.
fn metadata_kind(path: &str) -> Option<&'static str> {
    let name = customs_types::path::file_name(path);
    let dir = customs_types::path::file_name(customs_types::path::parent(path));
    if name == "METADATA" && super::has_ext(dir, ".dist-info") {
        Some("dist-info")
    } else if name == "PKG-INFO" && super::has_ext(dir, ".egg-info") {
        Some("egg-info")
    } else if name == "PKG-INFO" && dir == "EGG-INFO" {
        let egg = customs_types::path::file_name(customs_types::path::parent(
            customs_types::path::parent(path),
        ));
        super::has_ext(egg, ".egg").then_some("egg")
    } else if super::has_ext(name, ".egg-info") {
        Some("egg-info-file")
    } else {
        None
    }
}

impl Analyzer for PythonDist {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        3
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        metadata_kind(file.path).is_some()
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        analyze(file, content, sink).map_err(|e| e.to_string())
    }
}

fn analyze(
    file: &FileInfo<'_>,
    content: &mut Content<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), LangError> {
    const WHAT: &str = "Python metadata";
    let Some(kind) = metadata_kind(file.path) else {
        return Ok(());
    };
    let data = super::read_prefix(content, HEADER_LIMIT, WHAT)?;
    let text = String::from_utf8_lossy(&data);
    let meta = Metadata::parse(&text);
    let name = meta
        .get("Name")
        .filter(|n| !n.is_empty())
        .ok_or(LangError::Missing {
            what: WHAT,
            field: "Name",
        })?;
    let version = meta
        .get("Version")
        .filter(|v| !v.is_empty())
        .ok_or(LangError::Missing {
            what: WHAT,
            field: "Version",
        })?;
    if name.contains(char::is_whitespace) {
        return Err(LangError::Invalid {
            what: WHAT,
            message: format!("Name {name:?} is not a distribution name"),
        });
    }
    let mut p = Package::new(
        PackageKind::Python,
        name,
        version,
        crate::purl::pypi(name, version),
        file.path,
        ID,
    );
    p.licenses = licenses(&meta);
    p.depends_on = requirements(&meta);
    let site = match kind {
        "egg-info-file" => customs_types::path::parent(file.path),
        "egg" => customs_types::path::parent(customs_types::path::parent(
            customs_types::path::parent(file.path),
        )),
        _ => customs_types::path::parent(customs_types::path::parent(file.path)),
    };
    p.properties
        .insert("site_packages".into(), site.to_string());
    p.properties.insert("metadata".into(), kind.to_string());
    for (field, key) in [
        ("Author", "author"),
        ("Author-email", "author_email"),
        ("Maintainer", "maintainer"),
        ("Maintainer-email", "maintainer_email"),
    ] {
        if let Some(v) = meta
            .get(field)
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "UNKNOWN")
        {
            p.properties.insert(key.into(), v.to_string());
        }
    }
    // the project's home page: `Home-page`, else a `Project-URL` named
    // Homepage, Source or Repository (`Label, https://...`)
    let home = meta
        .get("Home-page")
        .map(str::trim)
        .filter(|v| v.starts_with("http"))
        .map(str::to_string)
        .or_else(|| {
            meta.all("Project-URL").find_map(|v| {
                let (label, url) = v.split_once(',')?;
                let label = label.trim().to_ascii_lowercase();
                [
                    "homepage",
                    "home",
                    "source",
                    "source code",
                    "repository",
                    "code",
                ]
                .contains(&label.as_str())
                .then(|| url.trim().to_string())
                .filter(|u| u.starts_with("http"))
            })
        });
    if let Some(h) = home {
        p.properties.insert("homepage".into(), h);
    }
    if let Some(mv) = meta.get("Metadata-Version") {
        p.properties
            .insert("metadata_version".into(), mv.to_string());
    }
    sink.package(p);
    Ok(())
}

/// The header fields of a core metadata file (RFC 822 style: `Key: value`,
/// continuation lines start with whitespace, the header ends at the first
/// empty line).
#[derive(Debug, Default)]
pub struct Metadata {
    fields: Vec<(String, String)>,
}

impl Metadata {
    pub fn parse(text: &str) -> Metadata {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            // A whitespace-only line continues a field (distutils writes the
            // empty lines of a Description so); only an empty line ends the
            // header.
            if line.starts_with([' ', '\t']) {
                if let Some((_, v)) = fields.last_mut() {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                continue;
            }
            if line.is_empty() {
                if fields.is_empty() {
                    continue;
                }
                break;
            }
            match line.split_once(':') {
                Some((k, v)) if !k.is_empty() && !k.contains(' ') => {
                    fields.push((k.to_string(), v.trim().to_string()));
                }
                // not a header line: the header is over (a body without
                // the blank separator line)
                _ => break,
            }
        }
        Metadata { fields }
    }

    /// The first value of a field (names compared case-insensitively).
    pub fn get<'a>(&'a self, key: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a (multiple-use) field.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Requirement names of `Requires-Dist:` (PEP 508), PEP 503 normalised,
/// deduplicated, in order; extra-only requirements left out.
fn requirements(meta: &Metadata) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for req in meta.all("Requires-Dist") {
        let (spec, marker) = match req.split_once(';') {
            Some((s, m)) => (s, m),
            None => (req, ""),
        };
        if marker_mentions_extra(marker) {
            continue;
        }
        let name: String = spec
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        if name.is_empty() {
            continue;
        }
        let n = crate::purl::pep503(&name);
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Does a PEP 508 marker test `extra`? (`extra == "x"`, `"x" == extra`)
fn marker_mentions_extra(marker: &str) -> bool {
    let bytes = marker.as_bytes();
    let mut i = 0;
    while let Some(pos) = marker[i..].find("extra") {
        let start = i + pos;
        let end = start + "extra".len();
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let before_ok = start == 0 || !word(bytes[start - 1]);
        let after_ok = end >= bytes.len() || !word(bytes[end]);
        if before_ok && after_ok {
            return true;
        }
        i = end;
    }
    false
}

/// Is `s` a valid SPDX license expression (strict: ids from the list)?
pub(crate) fn is_spdx(s: &str) -> bool {
    !s.is_empty() && spdx::Expression::parse(s).is_ok()
}

/// Common spellings of `License:` that name one SPDX license unambiguously.
/// Compared case-insensitively after trimming.
const LICENSE_ALIASES: &[(&str, &str)] = &[
    ("apache 2", "Apache-2.0"),
    ("apache 2.0", "Apache-2.0"),
    ("apache-2", "Apache-2.0"),
    ("apache2", "Apache-2.0"),
    ("apache 2.0 license", "Apache-2.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache license version 2.0", "Apache-2.0"),
    ("apache software license 2.0", "Apache-2.0"),
    ("apache software license, version 2.0", "Apache-2.0"),
    ("asl 2.0", "Apache-2.0"),
    ("mit license", "MIT"),
    ("the mit license", "MIT"),
    ("mit licence", "MIT"),
    ("new bsd", "BSD-3-Clause"),
    ("new bsd license", "BSD-3-Clause"),
    ("modified bsd", "BSD-3-Clause"),
    ("modified bsd license", "BSD-3-Clause"),
    ("3-clause bsd", "BSD-3-Clause"),
    ("3-clause bsd license", "BSD-3-Clause"),
    ("bsd 3-clause", "BSD-3-Clause"),
    ("bsd 3-clause license", "BSD-3-Clause"),
    ("bsd-3", "BSD-3-Clause"),
    ("simplified bsd", "BSD-2-Clause"),
    ("simplified bsd license", "BSD-2-Clause"),
    ("2-clause bsd", "BSD-2-Clause"),
    ("bsd 2-clause", "BSD-2-Clause"),
    ("bsd 2-clause license", "BSD-2-Clause"),
    ("mpl 2.0", "MPL-2.0"),
    ("mpl2", "MPL-2.0"),
    ("mplv2", "MPL-2.0"),
    ("mplv2.0", "MPL-2.0"),
    ("mozilla public license 2.0", "MPL-2.0"),
    ("mozilla public license 2.0 (mpl 2.0)", "MPL-2.0"),
    ("psf", "PSF-2.0"),
    ("psf license", "PSF-2.0"),
    ("python software foundation license", "PSF-2.0"),
    ("isc license", "ISC"),
    ("isc license (iscl)", "ISC"),
    ("the unlicense", "Unlicense"),
    ("unlicense", "Unlicense"),
    ("public domain (unlicense)", "Unlicense"),
    ("gplv2+", "GPL-2.0-or-later"),
    ("gplv3+", "GPL-3.0-or-later"),
    ("lgplv3+", "LGPL-3.0-or-later"),
    ("zlib/libpng", "Zlib"),
];

/// `License ::` classifiers (their last `::` part) with one obvious SPDX id.
/// `BSD License`, `GNU Library or Lesser General Public License (LGPL)` and
/// other version-less ones are not mapped.
const CLASSIFIER_LICENSES: &[(&str, &str)] = &[
    ("MIT License", "MIT"),
    ("MIT No Attribution License (MIT-0)", "MIT-0"),
    ("Apache Software License", "Apache-2.0"),
    ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
    ("Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1"),
    ("ISC License (ISCL)", "ISC"),
    ("The Unlicense (Unlicense)", "Unlicense"),
    ("Python Software Foundation License", "PSF-2.0"),
    ("Historical Permission Notice and Disclaimer (HPND)", "HPND"),
    ("GNU General Public License v2 (GPLv2)", "GPL-2.0-only"),
    (
        "GNU General Public License v2 or later (GPLv2+)",
        "GPL-2.0-or-later",
    ),
    ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
    (
        "GNU General Public License v3 or later (GPLv3+)",
        "GPL-3.0-or-later",
    ),
    (
        "GNU Lesser General Public License v2 (LGPLv2)",
        "LGPL-2.0-only",
    ),
    (
        "GNU Lesser General Public License v2 or later (LGPLv2+)",
        "LGPL-2.0-or-later",
    ),
    (
        "GNU Lesser General Public License v3 (LGPLv3)",
        "LGPL-3.0-only",
    ),
    (
        "GNU Lesser General Public License v3 or later (LGPLv3+)",
        "LGPL-3.0-or-later",
    ),
    ("GNU Affero General Public License v3", "AGPL-3.0-only"),
    (
        "GNU Affero General Public License v3 or later (AGPLv3+)",
        "AGPL-3.0-or-later",
    ),
    ("Eclipse Public License 1.0 (EPL-1.0)", "EPL-1.0"),
    ("Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
    ("Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
    ("zlib/libpng License", "Zlib"),
    ("Universal Permissive License (UPL)", "UPL-1.0"),
    (
        "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
        "CC0-1.0",
    ),
];

fn license_alias(s: &str) -> Option<&'static str> {
    let s = s.trim();
    LICENSE_ALIASES
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(s))
        .map(|(_, v)| *v)
}

fn classifier_license(classifier: &str) -> Option<&'static str> {
    let last = classifier.rsplit("::").next()?.trim();
    CLASSIFIER_LICENSES
        .iter()
        .find(|(k, _)| *k == last)
        .map(|(_, v)| *v)
}

/// See the module docs for the order.
fn licenses(meta: &Metadata) -> Vec<String> {
    if let Some(e) = meta
        .get("License-Expression")
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        return vec![e.to_string()];
    }
    let license = meta
        .get("License")
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("UNKNOWN"));
    if let Some(l) = license {
        if !l.contains('\n') && is_spdx(l) {
            return vec![l.to_string()];
        }
        if let Some(id) = license_alias(l) {
            return vec![id.to_string()];
        }
    }
    let classifiers: Vec<&str> = meta
        .all("Classifier")
        .filter_map(|c| c.trim().strip_prefix("License ::"))
        .map(str::trim)
        .filter(|c| *c != "OSI Approved")
        .collect();
    let mapped: Vec<Option<&str>> = classifiers.iter().map(|c| classifier_license(c)).collect();
    let mut out: Vec<String> = Vec::new();
    let push = |out: &mut Vec<String>, s: &str| {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    if !mapped.is_empty() && mapped.iter().all(Option::is_some) {
        for id in mapped.iter().flatten() {
            push(&mut out, id);
        }
        return out;
    }
    if let Some(l) = license
        && !l.contains('\n')
        && l.len() <= 64
    {
        return vec![l.to_string()];
    }
    for (c, m) in classifiers.iter().zip(&mapped) {
        match m {
            Some(id) => push(&mut out, id),
            None => push(&mut out, c.rsplit("::").next().unwrap_or(c).trim()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_util::assert_purl_roundtrip;
    use crate::testing::run_txtar;

    const FIXTURE: &str = include_str!("../../testdata/lang/python.txtar");
    const MALFORMED: &str = include_str!("../../testdata/lang/python-malformed.txtar");

    #[test]
    fn reads_dist_info_egg_info_and_egg_info_files() {
        let a = run_txtar(PythonDist, FIXTURE);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let mut got: Vec<(&str, &str, &str)> = a
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.location.as_str()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    "PyYAML",
                    "5.3.1",
                    "/usr/local/lib/python3.11/site-packages/PyYAML-5.3.1.dist-info/METADATA"
                ),
                (
                    "Typing_Extensions",
                    "4.7.0",
                    "/usr/lib/python3/dist-packages/typing_extensions-4.7.0.egg-info"
                ),
                (
                    "requests",
                    "2.25.1",
                    "/usr/local/lib/python3.11/site-packages/requests-2.25.1.dist-info/METADATA"
                ),
                (
                    "setuptools",
                    "66.1.1",
                    "/usr/lib/python3/dist-packages/setuptools-66.1.1.egg-info/PKG-INFO"
                ),
                (
                    "six",
                    "1.16.0",
                    "/opt/lib/site-packages/six-1.16.0-py3.11.egg/EGG-INFO/PKG-INFO"
                ),
            ]
        );
        for p in &a.packages {
            assert_purl_roundtrip(p);
            assert_eq!(p.analyzer, ID);
            assert_eq!(p.layer, Some(0));
        }
        let by = |n: &str| a.packages.iter().find(|p| p.name == n).unwrap();
        let yaml = by("PyYAML");
        assert_eq!(yaml.purl, "pkg:pypi/pyyaml@5.3.1");
        assert_eq!(yaml.licenses, vec!["MIT"]);
        assert_eq!(
            yaml.properties["site_packages"],
            "/usr/local/lib/python3.11/site-packages"
        );
        let req = by("requests");
        // License-Expression wins over License and the classifiers
        assert_eq!(req.licenses, vec!["Apache-2.0"]);
        // extras-only requirements are left out; markers stripped
        assert_eq!(
            req.depends_on,
            vec!["chardet", "idna", "urllib3", "certifi", "typing-extensions"]
        );
        let te = by("Typing_Extensions");
        assert_eq!(te.purl, "pkg:pypi/typing-extensions@4.7.0");
        assert_eq!(
            te.properties["site_packages"],
            "/usr/lib/python3/dist-packages"
        );
        // every classifier maps: MIT and PSF
        assert_eq!(te.licenses, vec!["PSF-2.0", "MIT"]);
        let st = by("setuptools");
        // long License text: the classifier instead
        assert_eq!(st.licenses, vec!["MIT"]);
        assert_eq!(
            st.properties["site_packages"],
            "/usr/lib/python3/dist-packages"
        );
        let six = by("six");
        assert_eq!(six.properties["site_packages"], "/opt/lib/site-packages");
        // not SPDX, not an alias, a classifier that does not map: as written
        assert_eq!(six.licenses, vec!["BSD-like"]);
    }

    #[test]
    fn malformed_metadata_is_an_unknown_not_a_panic() {
        let a = run_txtar(PythonDist, MALFORMED);
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        // no Name; no Version; binary garbage; a Name with spaces
        assert_eq!(a.unknowns.len(), 4, "{:?}", a.unknowns);
        assert!(a.unknowns.iter().all(|u| u.origin == ID));
        assert!(a.unknowns.iter().any(|u| u.message.contains("no Name")));
        assert!(a.unknowns.iter().any(|u| u.message.contains("no Version")));
    }

    #[test]
    fn invalid_utf8_is_an_unknown_not_a_panic() {
        let f = crate::testing::FixtureFile::new(
            "/x/site-packages/a-1.dist-info/METADATA",
            b"\xff\xfe\x00\x01garbage\n\xc3".to_vec(),
        );
        let a = crate::testing::run(PythonDist, &[f]);
        assert!(a.packages.is_empty());
        assert_eq!(a.unknowns.len(), 1, "{:?}", a.unknowns);
    }

    #[test]
    fn required_paths() {
        let yes = [
            "/x/site-packages/a-1.dist-info/METADATA",
            "/x/a-1.egg-info/PKG-INFO",
            "/x/a-1.egg-info",
            "/x/a-1-py3.egg/EGG-INFO/PKG-INFO",
        ];
        let no = [
            "/x/a-1.dist-info/RECORD",
            "/x/METADATA",
            "/x/a-1.egg-info/requires.txt",
            "/x/EGG-INFO/PKG-INFO",
            "/x/PKG-INFO",
        ];
        for p in yes {
            assert!(metadata_kind(p).is_some(), "{p}");
        }
        for p in no {
            assert!(metadata_kind(p).is_none(), "{p}");
        }
    }

    #[test]
    fn license_tables_hold_spdx_ids() {
        for (_, id) in LICENSE_ALIASES.iter().chain(CLASSIFIER_LICENSES) {
            assert!(is_spdx(id), "{id}");
        }
    }

    #[test]
    fn license_choice() {
        let l = |t: &str| licenses(&Metadata::parse(t));
        assert_eq!(l("License: Apache 2.0\n"), vec!["Apache-2.0"]);
        assert_eq!(
            l(
                "License: MPLv2.0, MIT Licences\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)\n"
            ),
            vec!["MIT", "MPL-2.0"]
        );
        assert_eq!(
            l("License: BSD\nClassifier: License :: OSI Approved :: BSD License\n"),
            vec!["BSD"]
        );
        assert_eq!(
            l(
                "Classifier: License :: OSI Approved :: Apache Software License\nClassifier: License :: OSI Approved :: BSD License\n"
            ),
            vec!["Apache-2.0", "BSD License"]
        );
        assert_eq!(l("License: UNKNOWN\n"), Vec::<String>::new());
        assert_eq!(l("Name: x\n"), Vec::<String>::new());
    }

    #[test]
    fn extra_markers() {
        assert!(marker_mentions_extra(" extra == 'docs'"));
        assert!(marker_mentions_extra(
            "python_version<'3.8' and extra==\"x\""
        ));
        assert!(!marker_mentions_extra(" python_version < '3.8'"));
        assert!(!marker_mentions_extra(" platform_extras == 'x'"));
    }
}
