//! Go binaries: the build info the Go linker embeds (what `go version -m`
//! prints): the toolchain version, the main module, the dependency modules
//! with their replacements, and the build settings.
//!
//! # Format (Go's `debug/buildinfo`)
//!
//! A 32-byte header, 16-byte aligned, starting with `\xff Go buildinf:`,
//! then the pointer size (byte 14) and flags (byte 15). With flag bit 2
//! (Go ≥ 1.18) two varint-length-prefixed strings follow the header: the
//! toolchain version and the module info. Before 1.18, bytes 16.. hold two
//! pointers (virtual addresses, endianness per flag bit 1) to Go string
//! headers; the address map of the executable turns them into file offsets.
//! The module info is wrapped in two 16-byte sentinels.
//!
//! The header is looked for where Go looks: the `.go.buildinfo` section
//! (ELF), `__go_buildinfo` (Mach-O), else the start of the data (the first
//! writable non-executable ELF segment, the Mach-O `__DATA` segment, the PE
//! `.data` section); when the headers cannot be read, in the whole file. The
//! search streams 64 KiB chunks and reads only what follows a header, so
//! memory stays flat whatever the size of the binary.
//!
//! # Packages
//!
//! - The toolchain as `stdlib` with the version OSV's Go records use:
//!   `go1.21.5` → `1.21.5`, `go1.21` → `1.21.0`, `go1.21rc2` →
//!   `1.21.0-rc.2` (the conversion of golang.org/x/vuln; OSV writes
//!   `"fixed": "1.21.5"`, `"introduced": "1.22.0-0"`, never `go1.x` nor a
//!   `v`). Purl `pkg:golang/stdlib@1.21.5`. Build settings are properties
//!   (`build.GOOS`, `build.-ldflags`, ...), with the raw `toolchain` string.
//! - The main module with the version Go recorded (`v1.2.3`); `(devel)`
//!   becomes an empty version (property `version` keeps it). It
//!   `depends_on` every dependency and `stdlib`.
//! - Each `dep`, or its `=>` replacement (property `replaces` names the
//!   original). Replacements by a local directory have no version and are
//!   not packages; the main module lists them (`local_replacements`).
//!
//! Module versions keep Go's `v` (`pkg:golang/github.com/foo/bar@v1.2.3`);
//! the version schemes read both spellings.

use std::io::{self, Read, Seek};

use customs_types::{Package, PackageKind};

use super::exe::{self, Layout, Region, SectionNames};
use crate::{Analyzer, Content, FileInfo, Sink};

const ID: &str = "go-binary";
const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const ALIGN: u64 = 16;
const CHUNK: usize = 64 << 10;
const MAX_VERSION_LEN: u64 = 4 << 10;
const MAX_MODINFO_LEN: u64 = 16 << 20;
const SECTIONS: SectionNames = SectionNames {
    elf: ".go.buildinfo",
    macho: "__go_buildinfo",
    pe: ".go.buildinfo",
};

/// A problem reading the build info of one binary.
#[derive(Debug, thiserror::Error)]
pub enum GoError {
    #[error("reading the binary: {0}")]
    Io(#[from] io::Error),
    #[error("Go build info at offset {offset:#x}: {reason}")]
    Malformed { offset: u64, reason: String },
    #[error(
        "Go build info at offset {offset:#x}: the {what} is {len} bytes, over the {limit}-byte limit"
    )]
    TooLong {
        offset: u64,
        what: &'static str,
        len: u64,
        limit: u64,
    },
    #[error(
        "Go build info at offset {offset:#x}: pointer format (Go < 1.18), but the executable's address map could not be read"
    )]
    NoAddressMap { offset: u64 },
    #[error(
        "Go build info at offset {offset:#x}: the {what} address {address:#x} is outside the file's segments"
    )]
    Unmapped {
        offset: u64,
        what: &'static str,
        address: u64,
    },
}

/// A module of the build info.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    pub version: String,
    pub sum: String,
    pub replace: Option<Box<Module>>,
}

/// The build info of a Go binary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// As recorded: `go1.21.5`, `go1.23.1 X:nocoverageredesign`, `devel ...`.
    pub go_version: String,
    /// The main package path (`path` line).
    pub path: String,
    pub main: Option<Module>,
    pub deps: Vec<Module>,
    /// `build` lines, unquoted, in order.
    pub settings: Vec<(String, String)>,
    /// Lines of the module info that could not be read.
    pub bad_lines: usize,
}

/// Finds and decodes the build info. `Ok(None)`: not a Go binary.
pub fn read_build_info<R: Read + Seek>(reader: R) -> Result<Option<BuildInfo>, GoError> {
    let mut reader = reader;
    let len = reader.seek(io::SeekFrom::End(0))?;
    let Some(format) = exe::sniff(&mut reader)? else {
        return Ok(None);
    };
    let (mut reader, layout) = exe::layout(reader, format, &SECTIONS);
    let layout = match layout {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::debug!("cannot read the executable's headers ({e}); searching the whole file");
            None
        }
    };
    let region = match &layout {
        Some(l) => match l.section.or(l.data) {
            Some(r) => clamp(r, len),
            None => return Ok(None),
        },
        None => Region {
            offset: 0,
            size: len,
        },
    };
    find(&mut reader, region, layout.as_ref())
}

fn clamp(r: Region, len: u64) -> Region {
    let offset = r.offset.min(len);
    Region {
        offset,
        size: r.size.min(len - offset),
    }
}

/// Searches `region` for a header aligned on 16 bytes from its start and
/// decodes the first that reads well.
fn find<R: Read + Seek>(
    r: &mut R,
    region: Region,
    layout: Option<&Layout>,
) -> Result<Option<BuildInfo>, GoError> {
    let end = region.offset + region.size;
    let mut last_error = None;
    let mut pos = region.offset;
    while pos < end {
        let want = (end - pos).min(CHUNK as u64) as usize;
        let chunk = exe::read_at(r, pos, want)?;
        if chunk.is_empty() {
            break;
        }
        let mut i = 0usize;
        while i + MAGIC.len() <= chunk.len() {
            if chunk[i..i + MAGIC.len()] == MAGIC[..] {
                let at = pos + i as u64;
                match decode(r, at, end, layout) {
                    Ok(bi) => return Ok(Some(bi)),
                    Err(e) => last_error = Some(e),
                }
            }
            i += ALIGN as usize;
        }
        pos += chunk.len() as u64;
    }
    match last_error {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// Decodes the build info whose header starts at `offset`; inline strings
/// must end before `end`.
fn decode<R: Read + Seek>(
    r: &mut R,
    offset: u64,
    end: u64,
    layout: Option<&Layout>,
) -> Result<BuildInfo, GoError> {
    let malformed = |reason: &str| GoError::Malformed {
        offset,
        reason: reason.to_string(),
    };
    let header = exe::read_at(r, offset, HEADER_LEN)?;
    if header.len() < HEADER_LEN || !header.starts_with(MAGIC) {
        return Err(malformed("truncated header"));
    }
    let ptr_size = header[14] as usize;
    let flags = header[15];
    let (version, modinfo) = if flags & 2 != 0 {
        let (version, next) = inline_string(r, offset, offset + HEADER_LEN as u64, end, "version")?;
        let (modinfo, _) = inline_string(r, offset, next, end, "module info")?;
        (version, modinfo)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(malformed(&format!("pointer size {ptr_size}")));
        }
        let layout = layout.ok_or(GoError::NoAddressMap { offset })?;
        let big_endian = flags != 0;
        let ptr = |b: &[u8]| read_ptr(b, big_endian);
        let version_at = ptr(&header[16..16 + ptr_size]);
        let modinfo_at = ptr(&header[16 + ptr_size..16 + 2 * ptr_size]);
        let s = PointerStrings {
            offset,
            layout,
            ptr_size,
            big_endian,
        };
        let version = s.read(r, version_at, "version", MAX_VERSION_LEN)?;
        let modinfo = s.read(r, modinfo_at, "module info", MAX_MODINFO_LEN)?;
        (version, modinfo)
    };
    let go_version = String::from_utf8_lossy(&version).into_owned();
    if !(go_version.starts_with("go") || go_version.starts_with("devel")) {
        return Err(malformed(&format!(
            "{:?} is not a Go toolchain version",
            truncate(&go_version, 40)
        )));
    }
    let modinfo = strip_sentinels(&modinfo);
    let mut bi = parse_modinfo(&String::from_utf8_lossy(modinfo));
    bi.go_version = go_version;
    Ok(bi)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn read_ptr(b: &[u8], big_endian: bool) -> u64 {
    let mut v = 0u64;
    if big_endian {
        for &x in b {
            v = (v << 8) | u64::from(x);
        }
    } else {
        for &x in b.iter().rev() {
            v = (v << 8) | u64::from(x);
        }
    }
    v
}

/// A varint-length-prefixed string at `at`; returns it and the offset after
/// it.
fn inline_string<R: Read + Seek>(
    r: &mut R,
    offset: u64,
    at: u64,
    end: u64,
    what: &'static str,
) -> Result<(Vec<u8>, u64), GoError> {
    let limit = if what == "version" {
        MAX_VERSION_LEN
    } else {
        MAX_MODINFO_LEN
    };
    let head = exe::read_at(r, at, (end.saturating_sub(at)).min(10) as usize)?;
    let (len, n) = uvarint(&head).ok_or_else(|| GoError::Malformed {
        offset,
        reason: format!("bad length of the {what}"),
    })?;
    if len > limit {
        return Err(GoError::TooLong {
            offset,
            what,
            len,
            limit,
        });
    }
    let start = at + n as u64;
    if start.saturating_add(len) > end {
        return Err(GoError::Malformed {
            offset,
            reason: format!("the {what} ({len} bytes) runs past the end of its section"),
        });
    }
    let data = exe::read_at(r, start, len as usize)?;
    if (data.len() as u64) < len {
        return Err(GoError::Malformed {
            offset,
            reason: format!("the {what} is truncated"),
        });
    }
    Ok((data, start + len))
}

/// `encoding/binary.Uvarint`: the value and the bytes it took.
fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    let mut shift = 0u32;
    for (i, &byte) in b.iter().enumerate().take(10) {
        if byte < 0x80 {
            if i == 9 && byte > 1 {
                return None;
            }
            return Some((x | (u64::from(byte) << shift), i + 1));
        }
        x |= u64::from(byte & 0x7f) << shift;
        shift += 7;
    }
    None
}

/// Reads Go string headers (pointer format).
struct PointerStrings<'a> {
    offset: u64,
    layout: &'a Layout,
    ptr_size: usize,
    big_endian: bool,
}

impl PointerStrings<'_> {
    fn read<R: Read + Seek>(
        &self,
        r: &mut R,
        address: u64,
        what: &'static str,
        limit: u64,
    ) -> Result<Vec<u8>, GoError> {
        let unmapped = |address| GoError::Unmapped {
            offset: self.offset,
            what,
            address,
        };
        let (at, avail) = self.layout.offset_of(address).ok_or(unmapped(address))?;
        let n = 2 * self.ptr_size;
        if avail < n as u64 {
            return Err(unmapped(address));
        }
        let hdr = exe::read_at(r, at, n)?;
        if hdr.len() < n {
            return Err(unmapped(address));
        }
        let data_at = read_ptr(&hdr[..self.ptr_size], self.big_endian);
        let len = read_ptr(&hdr[self.ptr_size..], self.big_endian);
        if len == 0 {
            return Ok(Vec::new());
        }
        if len > limit {
            return Err(GoError::TooLong {
                offset: self.offset,
                what,
                len,
                limit,
            });
        }
        let (data_off, data_avail) = self.layout.offset_of(data_at).ok_or(unmapped(data_at))?;
        if data_avail < len {
            return Err(unmapped(data_at));
        }
        let data = exe::read_at(r, data_off, len as usize)?;
        if (data.len() as u64) < len {
            return Err(unmapped(data_at));
        }
        Ok(data)
    }
}

/// The module info between its 16-byte sentinels, as `debug/buildinfo`
/// cuts it; empty when it has none.
fn strip_sentinels(m: &[u8]) -> &[u8] {
    if m.len() >= 33 && m[m.len() - 17] == b'\n' {
        &m[16..m.len() - 16]
    } else {
        &[]
    }
}

/// Parses module info text as `runtime/debug.ParseBuildInfo` does,
/// skipping (and counting) lines it cannot read.
pub fn parse_modinfo(text: &str) -> BuildInfo {
    let mut bi = BuildInfo::default();
    // Where a `=>` line attaches: None, the main module, or deps[i].
    enum Last {
        None,
        Main,
        Dep(usize),
    }
    let mut last = Last::None;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let Some((kind, rest)) = line.split_once('\t') else {
            bi.bad_lines += 1;
            continue;
        };
        match kind {
            "path" => bi.path = rest.to_string(),
            "go" => {}
            "mod" => match module(rest) {
                Some(m) => {
                    bi.main = Some(m);
                    last = Last::Main;
                }
                None => bi.bad_lines += 1,
            },
            "dep" => match module(rest) {
                Some(m) => {
                    bi.deps.push(m);
                    last = Last::Dep(bi.deps.len() - 1);
                }
                None => bi.bad_lines += 1,
            },
            "=>" => {
                let cols: Vec<&str> = rest.split('\t').collect();
                let target = match last {
                    Last::Main => bi.main.as_mut(),
                    Last::Dep(i) => bi.deps.get_mut(i),
                    Last::None => None,
                };
                match (target, cols.len()) {
                    (Some(m), 3) if m.replace.is_none() => {
                        m.replace = Some(Box::new(Module {
                            path: cols[0].to_string(),
                            version: cols[1].to_string(),
                            sum: cols[2].to_string(),
                            replace: None,
                        }));
                    }
                    _ => bi.bad_lines += 1,
                }
                last = Last::None;
            }
            "build" => match build_setting(rest) {
                Some(kv) => bi.settings.push(kv),
                None => bi.bad_lines += 1,
            },
            _ => bi.bad_lines += 1,
        }
    }
    bi
}

fn module(cols: &str) -> Option<Module> {
    let cols: Vec<&str> = cols.split('\t').collect();
    if !(cols.len() == 2 || cols.len() == 3) || cols[0].is_empty() {
        return None;
    }
    Some(Module {
        path: cols[0].to_string(),
        version: cols[1].to_string(),
        sum: cols.get(2).unwrap_or(&"").to_string(),
        replace: None,
    })
}

/// `key=value`, either side possibly Go-quoted.
fn build_setting(kv: &str) -> Option<(String, String)> {
    let (key, raw_value) = match kv.chars().next()? {
        '=' => return None,
        '"' | '`' => {
            let (key, used) = unquote_prefix(kv)?;
            (key, kv[used..].strip_prefix('=')?)
        }
        _ => {
            let (k, v) = kv.split_once('=')?;
            (k.to_string(), v)
        }
    };
    let value = if raw_value.starts_with('"') || raw_value.starts_with('`') {
        match unquote_prefix(raw_value) {
            Some((v, used)) if used == raw_value.len() => v,
            _ => return None,
        }
    } else {
        raw_value.to_string()
    };
    Some((key, value))
}

/// Decodes the Go string literal at the start of `s` (`"..."` with Go
/// escapes, or `` `...` ``); returns it and the bytes it took.
fn unquote_prefix(s: &str) -> Option<(String, usize)> {
    let mut chars = s.char_indices();
    let (_, quote) = chars.next()?;
    if quote == '`' {
        let end = s[1..].find('`')? + 1;
        return Some((s[1..end].to_string(), end + 1));
    }
    if quote != '"' {
        return None;
    }
    let mut out = String::new();
    let mut bytes: Vec<u8> = Vec::new(); // pending \x / octal bytes
    let flush = |bytes: &mut Vec<u8>, out: &mut String| {
        if !bytes.is_empty() {
            out.push_str(&String::from_utf8_lossy(bytes));
            bytes.clear();
        }
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                flush(&mut bytes, &mut out);
                return Some((out, i + 1));
            }
            '\n' => return None,
            '\\' => {
                let (_, e) = chars.next()?;
                let simple = match e {
                    'a' => Some('\x07'),
                    'b' => Some('\x08'),
                    'f' => Some('\x0c'),
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    'v' => Some('\x0b'),
                    '\\' => Some('\\'),
                    '"' => Some('"'),
                    '\'' => Some('\''),
                    _ => None,
                };
                if let Some(c) = simple {
                    flush(&mut bytes, &mut out);
                    out.push(c);
                    continue;
                }
                match e {
                    'x' => {
                        let h = take_digits(&mut chars, 2, 16)?;
                        bytes.push(u8::try_from(h).ok()?);
                    }
                    '0'..='7' => {
                        let rest = take_digits(&mut chars, 2, 8)?;
                        let v = (e as u32 - '0' as u32) * 64 + rest;
                        bytes.push(u8::try_from(v).ok()?);
                    }
                    'u' | 'U' => {
                        let n = if e == 'u' { 4 } else { 8 };
                        let v = take_digits(&mut chars, n, 16)?;
                        flush(&mut bytes, &mut out);
                        out.push(char::from_u32(v)?);
                    }
                    _ => return None,
                }
            }
            c => {
                flush(&mut bytes, &mut out);
                out.push(c);
            }
        }
    }
    None
}

fn take_digits(chars: &mut std::str::CharIndices<'_>, n: usize, radix: u32) -> Option<u32> {
    let mut v = 0u32;
    for _ in 0..n {
        let (_, c) = chars.next()?;
        v = v.checked_mul(radix)?.checked_add(c.to_digit(radix)?)?;
    }
    Some(v)
}

/// The toolchain version as OSV's Go `stdlib` records write it: `go1.21.5`
/// → `1.21.5`, `go1.21` → `1.21.0`, `go1` → `1.0.0`, `go1.21rc2` →
/// `1.21.0-rc.2`, `go1.9beta1` → `1.9.0-beta.1`. GOEXPERIMENT suffixes
/// (`go1.23.1 X:nocoverageredesign`) and the old BoringCrypto suffix
/// (`go1.16.7b7`) are dropped. `None` for development toolchains.
pub fn stdlib_version(toolchain: &str) -> Option<String> {
    let token = toolchain.split_whitespace().next()?;
    let rest = token.strip_prefix("go")?;
    let (major, rest) = digits(rest)?;
    let (minor, rest) = match rest.strip_prefix('.') {
        Some(r) => digits(r)?,
        None => ("0", rest),
    };
    let (patch, rest) = match rest.strip_prefix('.') {
        Some(r) => digits(r)?,
        None => ("0", rest),
    };
    let mut pre = None;
    let mut rest = rest;
    for tag in ["beta", "rc"] {
        if let Some(r) = rest.strip_prefix(tag) {
            let (n, r) = digits(r)?;
            pre = Some(format!("{tag}.{n}"));
            rest = r;
            break;
        }
    }
    if pre.is_none()
        && let Some(r) = rest.strip_prefix('b')
    {
        // BoringCrypto builds of Go < 1.19: go1.16.7b7
        let (_, r) = digits(r)?;
        rest = r;
    }
    if !rest.is_empty() {
        return None;
    }
    let mut v = format!("{major}.{minor}.{patch}");
    if let Some(p) = pre {
        v.push('-');
        v.push_str(&p);
    }
    Some(v)
}

/// A run of ASCII digits at the start (non-empty), and the rest.
fn digits(s: &str) -> Option<(&str, &str)> {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    (end > 0).then(|| s.split_at(end))
}

/// `pkg:golang/github.com/foo/bar@v1.2.3`: the last path element is the
/// name, the rest the namespace.
pub fn purl(module_path: &str, version: &str) -> String {
    let (ns, name) = match module_path.rsplit_once('/') {
        Some((ns, name)) if !name.is_empty() => (Some(ns), name),
        _ => (None, module_path),
    };
    crate::purl::build("golang", ns, name, Some(version), &[], None)
}

fn is_local_path(p: &str) -> bool {
    p.starts_with("./") || p.starts_with("../") || p.starts_with('/') || p == "." || p == ".."
}

fn usable_version(v: &str) -> bool {
    !v.is_empty() && v != "(devel)"
}

/// The packages of a build info, with `location` left for the sink.
pub fn packages(bi: &BuildInfo) -> Vec<Package> {
    let mut out = Vec::new();
    let mut dep_names = Vec::new();
    let mut local = Vec::new();
    let mut deps = Vec::new();
    for d in &bi.deps {
        let (m, replaces) = match &d.replace {
            Some(r) if is_local_path(&r.path) => {
                local.push(format!("{} => {}", d.path, r.path));
                continue;
            }
            Some(r) => (&**r, Some(format!("{}@{}", d.path, d.version))),
            None => (d, None),
        };
        if !usable_version(&m.version) {
            continue;
        }
        let mut p = Package::new(
            PackageKind::Go,
            &m.path,
            &m.version,
            purl(&m.path, &m.version),
            "",
            ID,
        );
        if !m.sum.is_empty() {
            p.properties.insert("sum".into(), m.sum.clone());
        }
        if let Some(r) = replaces {
            p.properties.insert("replaces".into(), r);
        }
        dep_names.push(m.path.clone());
        deps.push(p);
    }

    let stdlib = stdlib_version(&bi.go_version);
    if let Some(v) = &stdlib {
        let mut p = Package::new(PackageKind::Go, "stdlib", v, purl("stdlib", v), "", ID);
        p.properties
            .insert("toolchain".into(), bi.go_version.clone());
        if !bi.path.is_empty() {
            p.properties.insert("path".into(), bi.path.clone());
        }
        for (k, v) in &bi.settings {
            p.properties.insert(format!("build.{k}"), v.clone());
        }
        out.push(p);
        dep_names.push("stdlib".to_string());
    }

    if let Some(main) = &bi.main {
        let m = main.replace.as_deref().unwrap_or(main);
        let version = if usable_version(&m.version) {
            m.version.as_str()
        } else {
            ""
        };
        let mut p = Package::new(
            PackageKind::Go,
            &m.path,
            version,
            purl(&m.path, version),
            "",
            ID,
        );
        p.properties.insert("main".into(), "true".into());
        p.properties
            .insert("toolchain".into(), bi.go_version.clone());
        if version.is_empty() && !m.version.is_empty() {
            p.properties.insert("version".into(), m.version.clone());
        }
        if !bi.path.is_empty() {
            p.properties.insert("path".into(), bi.path.clone());
        }
        if !m.sum.is_empty() {
            p.properties.insert("sum".into(), m.sum.clone());
        }
        for (k, v) in &bi.settings {
            if k.starts_with("vcs") {
                p.properties.insert(format!("build.{k}"), v.clone());
            }
        }
        if !local.is_empty() {
            p.properties
                .insert("local_replacements".into(), local.join(", "));
        }
        dep_names.sort();
        dep_names.dedup();
        p.depends_on = dep_names;
        out.push(p);
    }
    out.extend(deps);
    out
}

/// Go binaries.
pub struct GoBinary;

impl Analyzer for GoBinary {
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
        let reader = content.reader()?;
        let Some(bi) = read_build_info(reader).map_err(|e| e.to_string())? else {
            return Ok(());
        };
        if bi.bad_lines > 0 {
            sink.unknown(format!(
                "{} line(s) of the Go module info could not be read",
                bi.bad_lines
            ));
        }
        let packages = packages(&bi);
        if packages.is_empty() {
            sink.unknown(format!(
                "Go binary without a usable toolchain version ({:?}) or module",
                truncate(&bi.go_version, 80)
            ));
        }
        for p in packages {
            sink.package(p);
        }
        Ok(())
    }
}
