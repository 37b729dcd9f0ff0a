//! A minimal ELF64 little-endian executable writer for tests: named
//! sections, each in its own `PT_LOAD` segment.

pub(crate) const PF_X: u32 = 1;
pub(crate) const PF_W: u32 = 2;
pub(crate) const PF_R: u32 = 4;

pub(crate) struct Section<'a> {
    pub name: &'a str,
    /// Virtual address, a multiple of 16.
    pub addr: u64,
    pub data: &'a [u8],
    /// `PF_*` flags of its segment.
    pub flags: u32,
}

fn align(v: &mut Vec<u8>, to: usize) {
    while !v.len().is_multiple_of(to) {
        v.push(0);
    }
}

/// Writes the executable; `section_headers: false` leaves the section
/// header table out (as `sstrip` does). Padded with zeros to `min_size`.
pub(crate) fn elf64(sections: &[Section<'_>], section_headers: bool, min_size: usize) -> Vec<u8> {
    let phnum = sections.len();
    let mut out = vec![0u8; 64 + 56 * phnum];
    let mut offsets = Vec::new();
    for s in sections {
        align(&mut out, 16);
        offsets.push(out.len() as u64);
        out.extend_from_slice(s.data);
    }
    // section names
    align(&mut out, 16);
    let shstrtab_off = out.len() as u64;
    let mut names = vec![0u8];
    let mut name_idx = Vec::new();
    for s in sections {
        name_idx.push(names.len() as u32);
        names.extend_from_slice(s.name.as_bytes());
        names.push(0);
    }
    let shstrtab_name = names.len() as u32;
    names.extend_from_slice(b".shstrtab\0");
    out.extend_from_slice(&names);
    align(&mut out, 8);
    let shoff = out.len() as u64;
    let shnum = if section_headers {
        sections.len() + 2
    } else {
        0
    };
    if section_headers {
        out.extend_from_slice(&[0u8; 64]); // null section
        for (i, s) in sections.iter().enumerate() {
            let mut h = Vec::new();
            h.extend_from_slice(&name_idx[i].to_le_bytes());
            h.extend_from_slice(&1u32.to_le_bytes()); // SHT_PROGBITS
            let flags: u64 = 2 | if s.flags & PF_W != 0 { 1 } else { 0 }; // ALLOC|WRITE
            h.extend_from_slice(&flags.to_le_bytes());
            h.extend_from_slice(&s.addr.to_le_bytes());
            h.extend_from_slice(&offsets[i].to_le_bytes());
            h.extend_from_slice(&(s.data.len() as u64).to_le_bytes());
            h.extend_from_slice(&0u32.to_le_bytes());
            h.extend_from_slice(&0u32.to_le_bytes());
            h.extend_from_slice(&16u64.to_le_bytes());
            h.extend_from_slice(&0u64.to_le_bytes());
            out.extend_from_slice(&h);
        }
        let mut h = Vec::new();
        h.extend_from_slice(&shstrtab_name.to_le_bytes());
        h.extend_from_slice(&3u32.to_le_bytes()); // SHT_STRTAB
        h.extend_from_slice(&0u64.to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes());
        h.extend_from_slice(&shstrtab_off.to_le_bytes());
        h.extend_from_slice(&(names.len() as u64).to_le_bytes());
        h.extend_from_slice(&[0u8; 24]);
        out.extend_from_slice(&h);
    }
    // file header
    let mut eh = Vec::new();
    eh.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    eh.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    eh.extend_from_slice(&0x3eu16.to_le_bytes()); // x86-64
    eh.extend_from_slice(&1u32.to_le_bytes());
    eh.extend_from_slice(&sections.first().map_or(0, |s| s.addr).to_le_bytes());
    eh.extend_from_slice(&64u64.to_le_bytes()); // phoff
    eh.extend_from_slice(&(if section_headers { shoff } else { 0 }).to_le_bytes());
    eh.extend_from_slice(&0u32.to_le_bytes());
    eh.extend_from_slice(&64u16.to_le_bytes());
    eh.extend_from_slice(&56u16.to_le_bytes());
    eh.extend_from_slice(&(phnum as u16).to_le_bytes());
    eh.extend_from_slice(&64u16.to_le_bytes());
    eh.extend_from_slice(&(shnum as u16).to_le_bytes());
    eh.extend_from_slice(
        &(if section_headers {
            sections.len() as u16 + 1
        } else {
            0
        })
        .to_le_bytes(),
    );
    out[..64].copy_from_slice(&eh);
    for (i, s) in sections.iter().enumerate() {
        let mut p = Vec::new();
        p.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        p.extend_from_slice(&s.flags.to_le_bytes());
        p.extend_from_slice(&offsets[i].to_le_bytes());
        p.extend_from_slice(&s.addr.to_le_bytes());
        p.extend_from_slice(&s.addr.to_le_bytes());
        p.extend_from_slice(&(s.data.len() as u64).to_le_bytes());
        p.extend_from_slice(&(s.data.len() as u64).to_le_bytes());
        p.extend_from_slice(&16u64.to_le_bytes());
        let at = 64 + 56 * i;
        out[at..at + 56].copy_from_slice(&p);
    }
    if out.len() < min_size {
        out.resize(min_size, 0);
    }
    out
}
