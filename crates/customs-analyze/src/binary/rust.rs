//! Rust binaries built with `cargo auditable`: the crate graph it embeds,
//! zlib-compressed JSON in a `.dep-v0` section.
//!
//! A binary held in memory (up to the dispatch's memory limit, 32 MiB by
//! default: nearly every Rust binary) is read with `auditable-info`. A
//! bigger, spooled one is not loaded: its section is located from the
//! headers ([`super::exe::layout`]), read alone, inflated with a limit and
//! parsed into the same `auditable-serde` type.
//!
//! Every crate becomes a `Cargo` package `pkg:cargo/<name>@<version>` with
//! the property `source` (`crates.io`, `git`, `local`, `registry`, or
//! another registry's name): only `crates.io` crates are the ones
//! crates.io advisories speak of. The root crate has `root=true`; build
//! dependencies (proc macros, build scripts) `dependency_kind=build`;
//! `depends_on` follows the embedded graph.

use std::io::{self, Read, Seek};

use auditable_serde::{DependencyKind, VersionInfo};
use customs_types::{Package, PackageKind};

use super::exe::{self, Format, SectionNames};
use crate::{Analyzer, Content, FileInfo, Sink};

const ID: &str = "cargo-auditable";
/// Largest compressed section read from a spooled binary.
const MAX_COMPRESSED: u64 = 8 << 20;
/// Largest JSON inflated (as `auditable-info`'s default).
const MAX_JSON: usize = 8 << 20;
const SECTIONS: SectionNames = SectionNames {
    elf: ".dep-v0",
    macho: ".dep-v0",
    pe: ".dep-v0",
};

/// A problem reading the audit data of one binary.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("reading the binary: {0}")]
    Io(#[from] io::Error),
    #[error("cargo-auditable data: {0}")]
    Info(auditable_info::Error),
    #[error(
        "cargo-auditable data at offset {offset:#x}: {size}-byte section, over the {limit}-byte limit"
    )]
    SectionTooLarge { offset: u64, size: u64, limit: u64 },
    #[error("cargo-auditable data at offset {offset:#x}: inflating: {source}")]
    Inflate { offset: u64, source: io::Error },
    #[error("cargo-auditable data at offset {offset:#x}: over {limit} bytes once inflated")]
    InflatedTooLarge { offset: u64, limit: usize },
    #[error("cargo-auditable data at offset {offset:#x}: {source}")]
    Json {
        offset: u64,
        source: serde_json::Error,
    },
}

/// Reads the audit data of a binary. `Ok(None)`: none (not built with
/// `cargo auditable`, or not an executable the readers understand).
pub fn read_audit_info(content: &mut Content<'_>) -> Result<Option<VersionInfo>, AuditError> {
    if let Some(bytes) = content.as_slice() {
        if Format::sniff(bytes).is_none() {
            return Ok(None);
        }
        return match auditable_info::audit_info_from_slice(bytes, MAX_JSON) {
            Ok(info) => Ok(Some(info)),
            Err(auditable_info::Error::NoAuditData) => Ok(None),
            Err(auditable_info::Error::BinaryParsing(e)) => {
                tracing::debug!("not a binary cargo-auditable data can be read from: {e}");
                Ok(None)
            }
            Err(e) => Err(AuditError::Info(e)),
        };
    }
    let reader = content.reader().map_err(io::Error::other)?;
    read_spooled(reader)
}

/// The `.dep-v0` section of a binary read through `reader`, without
/// loading the rest.
fn read_spooled<R: Read + Seek>(mut reader: R) -> Result<Option<VersionInfo>, AuditError> {
    let Some(format) = exe::sniff(&mut reader)? else {
        return Ok(None);
    };
    let (mut reader, layout) = exe::layout(reader, format, &SECTIONS);
    let Some(section) = layout.ok().and_then(|l| l.section) else {
        return Ok(None);
    };
    let offset = section.offset;
    if section.size > MAX_COMPRESSED {
        return Err(AuditError::SectionTooLarge {
            offset,
            size: section.size,
            limit: MAX_COMPRESSED,
        });
    }
    let compressed = exe::read_at(&mut reader, offset, section.size as usize)?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[..])
        .take(MAX_JSON as u64 + 1)
        .read_to_end(&mut json)
        .map_err(|source| AuditError::Inflate { offset, source })?;
    if json.len() > MAX_JSON {
        return Err(AuditError::InflatedTooLarge {
            offset,
            limit: MAX_JSON,
        });
    }
    serde_json::from_slice(&json)
        .map(Some)
        .map_err(|source| AuditError::Json { offset, source })
}

/// `pkg:cargo/<name>@<version>`
pub fn purl(name: &str, version: &str) -> String {
    crate::purl::build("cargo", None, name, Some(version), &[], None)
}

/// The packages of the audit data, with `location` left for the sink.
pub fn packages(info: &VersionInfo) -> Vec<Package> {
    info.packages
        .iter()
        .map(|c| {
            let version = c.version.to_string();
            let mut p = Package::new(
                PackageKind::Cargo,
                &c.name,
                &version,
                purl(&c.name, &version),
                "",
                ID,
            );
            p.properties
                .insert("source".into(), String::from(c.source.clone()));
            if c.root {
                p.properties.insert("root".into(), "true".into());
            }
            if c.kind == DependencyKind::Build {
                p.properties
                    .insert("dependency_kind".into(), "build".into());
            }
            let mut deps: Vec<String> = c
                .dependencies
                .iter()
                .filter_map(|i| info.packages.get(*i))
                .map(|d| d.name.clone())
                .collect();
            deps.sort();
            deps.dedup();
            p.depends_on = deps;
            p
        })
        .collect()
}

/// Rust binaries built with `cargo auditable`.
pub struct CargoAuditable;

impl Analyzer for CargoAuditable {
    fn id(&self) -> &'static str {
        ID
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        exe::is_candidate(file)
    }

    fn analyze(
        &self,
        _file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let Some(info) = read_audit_info(content).map_err(|e| e.to_string())? else {
            return Ok(());
        };
        for p in packages(&info) {
            sink.package(p);
        }
        Ok(())
    }
}
