//! What the binary analyzers share: which files they want, the executable
//! format from the first bytes, and the layout of an executable (named
//! sections, the address map) read through a seekable reader, so that a
//! large binary is never loaded whole.
//!
//! ELF, the format of nearly every binary in a Linux image, is read with
//! `object`'s low-level API: only the file header, the program and section
//! headers and the section-name table are read. Mach-O and PE go through
//! `object`'s generic parser, which also reads the symbol table; they are
//! rare in container images.

use std::io::{self, Read, Seek, SeekFrom};

use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::{Endianness, FileKind, Object, ObjectSection, ObjectSegment, ReadCache, ReadRef, elf};

use crate::FileInfo;

/// Smaller executables are scripts or tiny tools, not Go or Rust programs.
pub(crate) const MIN_SIZE: u64 = 64 << 10;
/// Bigger files are not looked at (they would be spooled whole first).
pub(crate) const MAX_SIZE: u64 = 1 << 30;

/// Executable regular files of a plausible size that are not shared
/// libraries (`libfoo.so`, `libfoo.so.1.2`).
pub(crate) fn is_candidate(file: &FileInfo<'_>) -> bool {
    file.is_executable()
        && !is_shared_library_name(file.file_name())
        && (MIN_SIZE..=MAX_SIZE).contains(&file.size)
}

fn is_shared_library_name(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.")
}

/// The container format, from the magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Elf,
    MachO,
    Pe,
}

impl Format {
    pub(crate) fn sniff(head: &[u8]) -> Option<Format> {
        let magic: [u8; 4] = head.get(..4)?.try_into().ok()?;
        match magic {
            [0x7f, b'E', b'L', b'F'] => Some(Format::Elf),
            [0xfe, 0xed, 0xfa, 0xce | 0xcf]
            | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
            | [0xca, 0xfe, 0xba, 0xbe] => Some(Format::MachO),
            [b'M', b'Z', ..] => Some(Format::Pe),
            _ => None,
        }
    }
}

/// Reads the first bytes of `r` and rewinds.
pub(crate) fn sniff<R: Read + Seek>(r: &mut R) -> io::Result<Option<Format>> {
    let mut head = [0u8; 4];
    r.seek(SeekFrom::Start(0))?;
    let n = read_up_to(r, &mut head)?;
    r.seek(SeekFrom::Start(0))?;
    Ok(Format::sniff(&head[..n]))
}

/// A byte range of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub offset: u64,
    pub size: u64,
}

/// Where a range of virtual addresses sits in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mapping {
    pub address: u64,
    pub offset: u64,
    pub size: u64,
}

/// What the analyzers need from an executable's headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The section the caller asked for, when present and backed by file
    /// bytes.
    pub section: Option<Region>,
    /// The start of the data: the first writable, non-executable `PT_LOAD`
    /// segment of an ELF file, the `__DATA` segment of a Mach-O file, the
    /// `.data` section of a PE file (where Go puts its build info when it
    /// has no section of its own).
    pub data: Option<Region>,
    /// Address-to-offset map (ELF `PT_LOAD` segments, Mach-O segments, PE
    /// sections).
    pub mappings: Vec<Mapping>,
}

impl Layout {
    /// The file offset of a virtual address, and how many bytes of file
    /// data follow it in its mapping.
    pub(crate) fn offset_of(&self, address: u64) -> Option<(u64, u64)> {
        self.mappings.iter().find_map(|m| {
            let delta = address.checked_sub(m.address)?;
            (delta < m.size).then(|| (m.offset + delta, m.size - delta))
        })
    }
}

/// Reads the layout of an executable. `section` names the wanted section
/// per format. The reader is only used through a cache of the ranges read
/// (headers, not contents), and is handed back.
pub(crate) fn layout<R: Read + Seek>(
    reader: R,
    format: Format,
    section: &SectionNames,
) -> (R, Result<Layout, LayoutError>) {
    let cache = ReadCache::new(reader);
    let result = match format {
        Format::Elf => match FileKind::parse(&cache) {
            Ok(FileKind::Elf32) => {
                elf_layout::<elf::FileHeader32<Endianness>, _>(&cache, section).map_err(Into::into)
            }
            Ok(FileKind::Elf64) => {
                elf_layout::<elf::FileHeader64<Endianness>, _>(&cache, section).map_err(Into::into)
            }
            Ok(_) => Err(LayoutError::NotElf),
            Err(e) => Err(e.into()),
        },
        Format::MachO | Format::Pe => generic_layout(&cache, format, section).map_err(Into::into),
    };
    (cache.into_inner(), result)
}

/// Why the headers of an executable could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LayoutError {
    #[error("{0}")]
    Object(#[from] object::Error),
    #[error("an ELF magic number, but not a 32- or 64-bit ELF file")]
    NotElf,
}

/// The name of one section in each format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SectionNames {
    pub elf: &'static str,
    pub macho: &'static str,
    pub pe: &'static str,
}

fn elf_layout<'d, Elf, R>(data: R, names: &SectionNames) -> Result<Layout, object::Error>
where
    Elf: FileHeader<Endian = Endianness>,
    R: ReadRef<'d>,
{
    let header = Elf::parse(data)?;
    let endian = header.endian()?;
    let mut layout = Layout::default();
    for ph in header.program_headers(endian, data)? {
        if ph.p_type(endian) != elf::PT_LOAD {
            continue;
        }
        let offset: u64 = ph.p_offset(endian).into();
        let size: u64 = ph.p_filesz(endian).into();
        layout.mappings.push(Mapping {
            address: ph.p_vaddr(endian).into(),
            offset,
            size,
        });
        let flags = ph.p_flags(endian);
        if layout.data.is_none() && flags & (elf::PF_X | elf::PF_W) == elf::PF_W {
            layout.data = Some(Region { offset, size });
        }
    }
    let sections = header.sections(endian, data)?;
    if let Some((_, s)) = sections.section_by_name(endian, names.elf.as_bytes())
        && s.sh_type(endian) != elf::SHT_NOBITS
    {
        layout.section = Some(Region {
            offset: s.sh_offset(endian).into(),
            size: s.sh_size(endian).into(),
        });
    }
    Ok(layout)
}

fn generic_layout<'d, R: ReadRef<'d>>(
    data: R,
    format: Format,
    names: &SectionNames,
) -> Result<Layout, object::Error> {
    let file = object::File::parse(data)?;
    let mut layout = Layout::default();
    let wanted = match format {
        Format::MachO => names.macho,
        _ => names.pe,
    };
    for s in file.sections() {
        let name = s.name().unwrap_or("");
        let Some((offset, size)) = s.file_range() else {
            continue;
        };
        if name == wanted && layout.section.is_none() {
            layout.section = Some(Region { offset, size });
        }
        if format == Format::Pe {
            if name == ".data" && layout.data.is_none() {
                layout.data = Some(Region { offset, size });
            }
            layout.mappings.push(Mapping {
                address: s.address(),
                offset,
                size,
            });
        }
    }
    if format == Format::MachO {
        for seg in file.segments() {
            let (offset, size) = seg.file_range();
            if seg.name().ok().flatten() == Some("__DATA") && layout.data.is_none() {
                layout.data = Some(Region { offset, size });
            }
            layout.mappings.push(Mapping {
                address: seg.address(),
                offset,
                size,
            });
        }
    }
    Ok(layout)
}

/// Reads up to `buf.len()` bytes, fewer only at the end of the input.
pub(crate) fn read_up_to<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads up to `len` bytes at `offset` (fewer at the end of the input).
pub(crate) fn read_at<R: Read + Seek + ?Sized>(
    r: &mut R,
    offset: u64,
    len: usize,
) -> io::Result<Vec<u8>> {
    r.seek(SeekFrom::Start(offset))?;
    let mut v = Vec::new();
    r.take(len as u64).read_to_end(&mut v)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(path: &str, size: u64, mode: u32) -> FileInfo<'_> {
        FileInfo {
            path,
            size,
            mode,
            layer: 0,
        }
    }

    #[test]
    fn candidates() {
        assert!(is_candidate(&info("/usr/bin/app", 1 << 20, 0o755)));
        assert!(is_candidate(&info("/usr/bin/app", 1 << 20, 0o100)));
        assert!(!is_candidate(&info("/usr/bin/app", 1 << 20, 0o644)));
        assert!(!is_candidate(&info("/usr/bin/app", 1000, 0o755)));
        assert!(!is_candidate(&info("/usr/bin/app", MAX_SIZE + 1, 0o755)));
        assert!(!is_candidate(&info("/usr/lib/libx.so", 1 << 20, 0o755)));
        assert!(!is_candidate(&info(
            "/usr/lib/libx.so.1.2.3",
            1 << 20,
            0o755
        )));
        // only the file name counts
        assert!(is_candidate(&info("/opt/x.so.d/app", 1 << 20, 0o755)));
    }

    #[test]
    fn formats() {
        assert_eq!(Format::sniff(b"\x7fELF\x02"), Some(Format::Elf));
        assert_eq!(Format::sniff(b"\xcf\xfa\xed\xfe"), Some(Format::MachO));
        assert_eq!(Format::sniff(b"MZ\x90\x00"), Some(Format::Pe));
        assert_eq!(Format::sniff(b"#!/bin/sh"), None);
        assert_eq!(Format::sniff(b"\x7fEL"), None);
    }

    #[test]
    fn address_map() {
        let l = Layout {
            mappings: vec![Mapping {
                address: 0x1000,
                offset: 0x200,
                size: 0x100,
            }],
            ..Default::default()
        };
        assert_eq!(l.offset_of(0x1010), Some((0x210, 0xf0)));
        assert_eq!(l.offset_of(0x1100), None);
        assert_eq!(l.offset_of(0xfff), None);
    }
}
