//! Java archives: `*.jar`, `*.war`, `*.ear`, and Jenkins plugins (`*.jpi`,
//! `*.hpi`), with the archives nested in them (`BOOT-INF/lib/*.jar`,
//! `WEB-INF/lib/*.jar`, `lib/*.jar`, anywhere in the archive).
//!
//! Per archive:
//! 1. one package per `META-INF/maven/**/pom.properties` (`groupId`,
//!    `artifactId`, `version`; the first two default to the directory names
//!    `META-INF/maven/<group>/<artifact>/`). A shaded jar yields every
//!    artifact it bundles.
//! 2. else `META-INF/MANIFEST.MF`: `Implementation-Title` or
//!    `Bundle-SymbolicName` as artifact, `Implementation-Version` or
//!    `Bundle-Version` as version, `Implementation-Vendor-Id` as group. A
//!    title with spaces (a display name) gives way to the file name's
//!    artifact when the file name parses.
//! 3. else the file name (`commons-lang3-3.12.0.jar`).
//!
//! `name` is the artifactId, `properties["group"]` the groupId, the purl
//! `pkg:maven/<group>/<artifact>@<version>`. `location` is always the real
//! file in the image (the outer archive), so the inventory's survival check
//! works; a package from a nested archive has
//! `properties["archive_path"] = "/app/app.jar!/BOOT-INF/lib/inner.jar"`.
//! `properties["evidence"]` says which of the three sources named it.
//!
//! Bounded: nesting depth, size of one nested archive, total bytes
//! decompressed per file, number of entries looked at, size of one metadata
//! entry. An archive over a bound is skipped with an unknown.

use std::io::{Cursor, Read, Seek};

use customs_types::{Package, PackageKind};
use zip::ZipArchive;

use super::LangError;
use crate::{Analyzer, Content, FileInfo, Sink};

const ID: &str = "java-archive";
const ARCHIVE_EXTS: &[&str] = &[".jar", ".war", ".ear", ".jpi", ".hpi"];

/// Bounds of the archive walk.
#[derive(Debug, Clone, Copy)]
pub struct JavaLimits {
    /// Archives inside archives: the file itself is depth 0.
    pub max_depth: u32,
    /// Largest nested archive read (decompressed, into memory).
    pub max_nested_size: u64,
    /// Bytes decompressed per file, over all nested archives and metadata
    /// entries.
    pub max_total: u64,
    /// Entries of one archive looked at.
    pub max_entries: usize,
    /// Largest `pom.properties` or `MANIFEST.MF` read.
    pub max_meta_size: u64,
}

impl Default for JavaLimits {
    fn default() -> Self {
        JavaLimits {
            max_depth: 3,
            max_nested_size: 128 << 20,
            max_total: 512 << 20,
            max_entries: 200_000,
            max_meta_size: 1 << 20,
        }
    }
}

/// Reads Java archives.
#[derive(Debug, Clone, Copy, Default)]
pub struct JavaArchive {
    pub limits: JavaLimits,
}

pub(crate) fn is_archive_name(name: &str) -> bool {
    ARCHIVE_EXTS.iter().any(|e| super::has_ext(name, e))
}

impl Analyzer for JavaArchive {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        is_archive_name(file.file_name())
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let reader = content
            .reader()
            .map_err(|e| LangError::read("Java archive", e).to_string())?;
        let archive = ZipArchive::new(reader).map_err(|source| {
            LangError::Zip {
                archive: file.path.to_string(),
                source,
            }
            .to_string()
        })?;
        let mut walk = Walk {
            limits: self.limits,
            remaining: self.limits.max_total,
            location: file.path,
            sink,
        };
        walk.archive(archive, file.path, file.file_name(), 0);
        Ok(())
    }
}

/// State of the walk over one file and its nested archives.
struct Walk<'s, 'a> {
    limits: JavaLimits,
    /// Decompression budget left.
    remaining: u64,
    /// The real file.
    location: &'s str,
    sink: &'s mut Sink<'a>,
}

/// What reading one entry gave.
enum EntryRead {
    Data(Vec<u8>),
    /// Over the size limit or the budget (message for the unknown).
    TooBig(String),
}

impl Walk<'_, '_> {
    /// Reads one entry, at most `limit` bytes and within the budget.
    fn read_entry<R: Read + Seek>(
        &mut self,
        zip: &mut ZipArchive<R>,
        index: usize,
        limit: u64,
    ) -> Result<EntryRead, zip::result::ZipError> {
        let cap = limit.min(self.remaining);
        let mut f = zip.by_index(index)?;
        if f.size() > cap {
            return Ok(EntryRead::TooBig(format!(
                "{} bytes, over the {cap}-byte limit",
                f.size()
            )));
        }
        let mut buf = Vec::new();
        // the recorded size may lie: never read more than the cap
        (&mut f).take(cap + 1).read_to_end(&mut buf)?;
        self.remaining = self.remaining.saturating_sub(buf.len() as u64);
        if buf.len() as u64 > cap {
            return Ok(EntryRead::TooBig(format!(
                "more than {cap} bytes decompressed"
            )));
        }
        Ok(EntryRead::Data(buf))
    }

    /// Records the packages of one archive and walks the archives in it.
    /// `display` is the archive's path (`/app/a.jar!/lib/b.jar`),
    /// `file_name` its last component.
    fn archive<R: Read + Seek>(
        &mut self,
        mut zip: ZipArchive<R>,
        display: &str,
        file_name: &str,
        depth: u32,
    ) {
        let total = zip.len();
        if total > self.limits.max_entries {
            self.sink.unknown(format!(
                "{display}: {total} entries, only the first {} looked at",
                self.limits.max_entries
            ));
        }
        let mut poms: Vec<(usize, String)> = Vec::new();
        let mut manifest: Option<usize> = None;
        let mut nested: Vec<(usize, String)> = Vec::new();
        for i in 0..total.min(self.limits.max_entries) {
            let Some(Ok(name)) = zip.name_for_index(i) else {
                continue;
            };
            if name.ends_with('/') {
                continue;
            }
            if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
                poms.push((i, name.into_owned()));
            } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest.get_or_insert(i);
            } else if is_archive_name(&name) {
                nested.push((i, name.into_owned()));
            }
        }

        let mut found = 0usize;
        for (i, name) in &poms {
            let data = match self.read_entry(&mut zip, *i, self.limits.max_meta_size) {
                Ok(EntryRead::Data(d)) => d,
                Ok(EntryRead::TooBig(msg)) => {
                    self.sink.unknown(format!("{display}!/{name}: {msg}"));
                    continue;
                }
                Err(e) => {
                    self.sink.unknown(format!("{display}!/{name}: {e}"));
                    continue;
                }
            };
            let props = parse_properties(&String::from_utf8_lossy(&data));
            // META-INF/maven/<group>/<artifact>/pom.properties
            let mut dirs = name.split('/').skip(2);
            let (dir_group, dir_artifact) = (dirs.next(), dirs.next());
            let get = |k: &str| {
                props
                    .iter()
                    .find(|(pk, _)| pk == k)
                    .map(|(_, v)| v.as_str())
                    .filter(|v| !v.is_empty() && !v.contains("${"))
            };
            let group = get("groupId").or(dir_group).unwrap_or("");
            let artifact = get("artifactId").or(dir_artifact).unwrap_or("");
            let Some(version) = get("version") else {
                continue;
            };
            if artifact.is_empty() {
                continue;
            }
            self.emit(group, artifact, version, display, depth, "pom.properties");
            found += 1;
        }

        if found == 0 {
            let mf = match manifest {
                Some(i) => match self.read_entry(&mut zip, i, self.limits.max_meta_size) {
                    Ok(EntryRead::Data(d)) => parse_manifest(&String::from_utf8_lossy(&d)),
                    Ok(EntryRead::TooBig(msg)) => {
                        self.sink
                            .unknown(format!("{display}!/META-INF/MANIFEST.MF: {msg}"));
                        Vec::new()
                    }
                    Err(e) => {
                        self.sink
                            .unknown(format!("{display}!/META-INF/MANIFEST.MF: {e}"));
                        Vec::new()
                    }
                },
                None => Vec::new(),
            };
            match identify(&mf, file_name) {
                Some(id) => {
                    self.emit(
                        &id.group,
                        &id.artifact,
                        &id.version,
                        display,
                        depth,
                        id.evidence,
                    );
                }
                None if depth == 0 && nested.is_empty() => {
                    self.sink.unknown(format!(
                        "{display}: no Maven coordinates (no pom.properties, manifest or versioned file name)"
                    ));
                }
                None => {}
            }
        }

        for (i, name) in nested {
            let inner = format!("{display}!/{name}");
            if depth + 1 > self.limits.max_depth {
                self.sink.unknown(format!(
                    "{inner}: nested deeper than {} archives, not read",
                    self.limits.max_depth
                ));
                continue;
            }
            let data = match self.read_entry(&mut zip, i, self.limits.max_nested_size) {
                Ok(EntryRead::Data(d)) => d,
                Ok(EntryRead::TooBig(msg)) => {
                    self.sink.unknown(format!("{inner}: {msg}"));
                    continue;
                }
                Err(e) => {
                    self.sink.unknown(format!("{inner}: {e}"));
                    continue;
                }
            };
            match ZipArchive::new(Cursor::new(data)) {
                Ok(z) => {
                    let fname = name.rsplit('/').next().unwrap_or(&name).to_string();
                    self.archive(z, &inner, &fname, depth + 1);
                }
                Err(e) => self
                    .sink
                    .unknown(format!("{inner}: not a zip archive: {e}")),
            }
        }
    }

    fn emit(
        &mut self,
        group: &str,
        artifact: &str,
        version: &str,
        display: &str,
        depth: u32,
        evidence: &str,
    ) {
        let ns = (!group.is_empty()).then_some(group);
        let purl = crate::purl::build("maven", ns, artifact, Some(version), &[], None);
        let mut p = Package::new(
            PackageKind::Maven,
            artifact,
            version,
            purl,
            self.location,
            ID,
        );
        if !group.is_empty() {
            p.properties.insert("group".into(), group.to_string());
        }
        if depth > 0 {
            p.properties
                .insert("archive_path".into(), display.to_string());
        }
        p.properties.insert("evidence".into(), evidence.to_string());
        self.sink.package(p);
    }
}

/// Maven coordinates from the manifest or the file name.
#[derive(Debug, PartialEq, Eq)]
struct Identity {
    group: String,
    artifact: String,
    version: String,
    evidence: &'static str,
}

fn identify(manifest: &[(String, String)], file_name: &str) -> Option<Identity> {
    let get = |k: &str| {
        manifest
            .iter()
            .find(|(mk, _)| mk.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let from_name = split_file_name(file_name);
    let title = get("Implementation-Title");
    let symbolic = get("Bundle-SymbolicName")
        .map(|s| s.split(';').next().unwrap_or(s).trim())
        .filter(|s| !s.is_empty());
    let version = get("Implementation-Version").or(get("Bundle-Version"));
    let group = get("Implementation-Vendor-Id").unwrap_or("");
    let artifact = match (title, symbolic) {
        // a display name ("Apache Commons Lang"): the file name or the
        // symbolic name are closer to the artifactId
        (Some(t), _) if t.contains(char::is_whitespace) => from_name
            .as_ref()
            .map(|(n, _)| n.as_str())
            .or(symbolic)
            .or(Some(t)),
        (Some(t), _) => Some(t),
        (None, s) => s,
    };
    if let (Some(a), Some(v)) = (artifact, version) {
        return Some(Identity {
            group: group.to_string(),
            artifact: a.to_string(),
            version: v.to_string(),
            evidence: "manifest",
        });
    }
    let (n, v) = from_name?;
    Some(Identity {
        group: group.to_string(),
        artifact: n,
        version: v,
        evidence: "file-name",
    })
}

/// `commons-lang3-3.12.0.jar` → (`commons-lang3`, `3.12.0`): the version
/// starts at the first `-` followed by a digit.
fn split_file_name(file_name: &str) -> Option<(String, String)> {
    let stem = ARCHIVE_EXTS
        .iter()
        .find(|e| super::has_ext(file_name, e))
        .map(|e| &file_name[..file_name.len() - e.len()])?;
    let b = stem.as_bytes();
    let pos = (1..b.len()).find(|&i| b[i - 1] == b'-' && b[i].is_ascii_digit())?;
    let (name, version) = (&stem[..pos - 1], &stem[pos..]);
    (!name.is_empty() && !version.is_empty()).then(|| (name.to_string(), version.to_string()))
}

/// Java `.properties`: `key=value`, `key: value` or `key value`; `#` and
/// `!` comments. Escapes and continuation lines are not handled (Maven
/// does not write them in pom.properties).
fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let end = line.find(['=', ':', ' ', '\t']).unwrap_or(line.len());
        let key = &line[..end];
        let rest = line[end..].trim_start();
        let value = rest.strip_prefix(['=', ':']).unwrap_or(rest).trim();
        out.push((key.to_string(), value.to_string()));
    }
    out
}

/// The main section of a manifest: `Key: value` lines, continuation lines
/// start with one space, the section ends at the first empty line.
fn parse_manifest(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(cont);
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::lang::test_util::assert_purl_roundtrip;
    use crate::testing::{FixtureFile, run};
    use zip::write::SimpleFileOptions;

    /// Builds a zip archive of (name, bytes) entries; `stored` entries are not
    /// compressed (as Spring Boot stores nested jars).
    fn zip_of(entries: &[(&str, &[u8])], stored: bool) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = if stored {
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)
        } else {
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
        };
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn pom(group: &str, artifact: &str, version: &str) -> Vec<u8> {
        format!(
            "#Generated by Maven\n#Tue Jun 01 00:00:00 UTC 2021\ngroupId={group}\nartifactId={artifact}\nversion={version}\n"
        )
        .into_bytes()
    }

    #[test]
    fn spring_boot_jar_with_nested_jars() {
        let log4j = zip_of(
            &[
                ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n\r\n"),
                (
                    "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                    &pom("org.apache.logging.log4j", "log4j-core", "2.14.1"),
                ),
                (
                    "org/apache/logging/log4j/core/Logger.class",
                    b"\xca\xfe\xba\xbe",
                ),
            ],
            false,
        );
        // no pom.properties: the manifest names it
        let guava = zip_of(
            &[(
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\r\nBundle-SymbolicName: com.google.guava\r\nBundle-Version: 31.1.0.jre\r\nImplementation-Title: Guava: Google Core Libra\r\n ries for Java\r\n\r\nName: x\r\nImplementation-Version: 0\r\n",
            )],
            false,
        );
        // nothing inside: the file name
        let plain = zip_of(&[("a/B.class", b"\xca\xfe")], false);
        // a jar in a jar in the nested jar: depth 2
        let deep_inner = zip_of(
            &[(
                "META-INF/maven/com.example/deep/pom.properties",
                &pom("com.example", "deep", "0.1"),
            )],
            true,
        );
        let middle = zip_of(
            &[
                (
                    "META-INF/maven/com.example/middle/pom.properties",
                    &pom("com.example", "middle", "1.0"),
                ),
                ("lib/deep-0.1.jar", &deep_inner),
            ],
            true,
        );
        let app = zip_of(
            &[
                (
                    "META-INF/MANIFEST.MF",
                    b"Manifest-Version: 1.0\nStart-Class: com.example.App\n\n",
                ),
                (
                    "META-INF/maven/com.example/app/pom.properties",
                    &pom("com.example", "app", "1.2.3"),
                ),
                ("BOOT-INF/lib/log4j-core-2.14.1.jar", &log4j),
                ("BOOT-INF/lib/guava-31.1-jre.jar", &guava),
                ("BOOT-INF/lib/commons-lang3-3.12.0.jar", &plain),
                ("BOOT-INF/lib/middle-1.0.jar", &middle),
                ("BOOT-INF/lib/broken-1.0.jar", b"not a zip"),
            ],
            true,
        );
        let a = run(
            JavaArchive::default(),
            &[FixtureFile::new("/app/app.jar", app)],
        );
        let mut got: Vec<(String, &str, &str, Option<&str>)> = a
            .packages
            .iter()
            .map(|p| {
                (
                    p.properties.get("group").cloned().unwrap_or_default() + ":" + &p.name,
                    p.version.as_str(),
                    p.properties["evidence"].as_str(),
                    p.properties.get("archive_path").map(String::as_str),
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    ":commons-lang3".into(),
                    "3.12.0",
                    "file-name",
                    Some("/app/app.jar!/BOOT-INF/lib/commons-lang3-3.12.0.jar")
                ),
                // the title is a display name: the file name's artifact,
                // the manifest's version
                (
                    ":guava".into(),
                    "31.1.0.jre",
                    "manifest",
                    Some("/app/app.jar!/BOOT-INF/lib/guava-31.1-jre.jar")
                ),
                ("com.example:app".into(), "1.2.3", "pom.properties", None),
                (
                    "com.example:deep".into(),
                    "0.1",
                    "pom.properties",
                    Some("/app/app.jar!/BOOT-INF/lib/middle-1.0.jar!/lib/deep-0.1.jar")
                ),
                (
                    "com.example:middle".into(),
                    "1.0",
                    "pom.properties",
                    Some("/app/app.jar!/BOOT-INF/lib/middle-1.0.jar")
                ),
                (
                    "org.apache.logging.log4j:log4j-core".into(),
                    "2.14.1",
                    "pom.properties",
                    Some("/app/app.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar")
                ),
            ]
        );
        for p in &a.packages {
            assert_purl_roundtrip(p);
            // the survival check needs the real file
            assert_eq!(p.location, "/app/app.jar");
            assert_eq!(p.kind, PackageKind::Maven);
        }
        let log4j = a.packages.iter().find(|p| p.name == "log4j-core").unwrap();
        assert_eq!(
            log4j.purl,
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        // the broken nested jar is an unknown, the rest goes on
        assert_eq!(a.unknowns.len(), 1, "{:?}", a.unknowns);
        assert!(a.unknowns[0].message.contains("broken-1.0.jar"));
    }

    #[test]
    fn depth_and_size_bounds() {
        let d2 = zip_of(
            &[("META-INF/maven/g/d2/pom.properties", &pom("g", "d2", "1"))],
            true,
        );
        let d1 = zip_of(
            &[
                ("META-INF/maven/g/d1/pom.properties", &pom("g", "d1", "1")),
                ("lib/d2-1.jar", &d2),
            ],
            true,
        );
        // a highly compressible entry: 4 MiB of zeros deflates to a few KiB
        let zeros = vec![0u8; 4 << 20];
        let bomb = zip_of(&[("zeros.jar", &zeros)], false);
        let outer = zip_of(
            &[
                ("META-INF/maven/g/d0/pom.properties", &pom("g", "d0", "1")),
                ("lib/d1-1.jar", &d1),
                ("lib/bomb-1.war", &bomb),
            ],
            true,
        );
        let limits = JavaLimits {
            max_depth: 1,
            max_nested_size: 1 << 20,
            ..JavaLimits::default()
        };
        let a = run(
            JavaArchive { limits },
            &[FixtureFile::new("/x/outer.ear", outer)],
        );
        let mut names: Vec<&str> = a.packages.iter().map(|p| p.name.as_str()).collect();
        names.sort();
        // d2 is at depth 2; bomb-1.war holds zeros.jar, which is over the
        // nested size limit (bomb itself is read: small when compressed)
        assert_eq!(names, vec!["bomb", "d0", "d1"]);
        assert!(
            a.unknowns
                .iter()
                .any(|u| u.message.contains("d2-1.jar") && u.message.contains("deeper"))
        );
        assert!(a.unknowns.iter().any(|u| u.message.contains("zeros.jar")));
    }

    #[test]
    fn not_a_zip_is_an_unknown() {
        let a = run(
            JavaArchive::default(),
            &[
                FixtureFile::new("/a/garbage.jar", b"PK\x03\x04 truncated".to_vec()),
                FixtureFile::new("/a/empty.war", Vec::new()),
            ],
        );
        assert!(a.packages.is_empty());
        assert_eq!(a.unknowns.len(), 2, "{:?}", a.unknowns);
        assert!(a.unknowns.iter().all(|u| u.origin == ID));
    }

    #[test]
    fn unidentifiable_jar_is_an_unknown() {
        let jar = zip_of(&[("a.class", b"\xca\xfe")], false);
        let a = run(
            JavaArchive::default(),
            &[FixtureFile::new("/a/app.jar", jar)],
        );
        assert!(a.packages.is_empty());
        assert_eq!(a.unknowns.len(), 1);
    }

    #[test]
    fn file_names() {
        assert_eq!(
            split_file_name("commons-lang3-3.12.0.jar"),
            Some(("commons-lang3".into(), "3.12.0".into()))
        );
        assert_eq!(
            split_file_name("spring-core-5.3.20-SNAPSHOT.JAR"),
            Some(("spring-core".into(), "5.3.20-SNAPSHOT".into()))
        );
        assert_eq!(split_file_name("app.jar"), None);
        assert_eq!(split_file_name("-1.jar"), None);
        assert_eq!(split_file_name("x-1.zip"), None);
    }

    #[test]
    fn manifest_identity() {
        let mf = parse_manifest(
            "Manifest-Version: 1.0\nImplementation-Title: Apache Commons Lang\nImplementation-Version: 3.12.0\nImplementation-Vendor-Id: org.apache.commons\n",
        );
        assert_eq!(
            identify(&mf, "commons-lang3-3.12.0.jar"),
            Some(Identity {
                group: "org.apache.commons".into(),
                artifact: "commons-lang3".into(),
                version: "3.12.0".into(),
                evidence: "manifest",
            })
        );
        let mf =
            parse_manifest("Implementation-Title: jackson-core\nImplementation-Version: 2.13.0\n");
        assert_eq!(identify(&mf, "x.jar").unwrap().artifact, "jackson-core");
        assert_eq!(identify(&[], "x.jar"), None);
        assert_eq!(
            parse_properties("a = b\n# c\nd:e\nf g\n"),
            vec![
                ("a".to_string(), "b".to_string()),
                ("d".to_string(), "e".to_string()),
                ("f".to_string(), "g".to_string()),
            ]
        );
    }
}
