//! The Berkeley DB hash database rpm used up to RHEL 8 (`Packages`).
//!
//! No Berkeley DB library: the pages are read directly.
//! - Page 0 is the hash metadata page: magic `0x061561` at offset 12 (its
//!   byte order tells the file's), page size at 20, encryption at 24, page
//!   type 8 at 25, flags at 26 (checksums), last page number at 32.
//! - Every page has a 26-byte header (`lsn`, `pgno`, `prev`, `next`,
//!   `entries` u16 at 20, `hf_offset` u16 at 22, `level`, `type` at 25),
//!   plus 6 bytes when the database has checksums. An array of `entries`
//!   u16 item offsets follows.
//! - Hash pages (type 13, or 2 for old unsorted ones) hold key/value item
//!   pairs. An item starts with its kind: 1 = inline data (the item runs to
//!   the previous item's offset, or the page end for the first), 3 = off
//!   page (`pgno` u32 at +4, total length u32 at +8).
//! - Off-page data is a chain of overflow pages (type 7): `hf_offset`
//!   bytes of data after the header, `next` the following page, 0 at the
//!   end.
//!
//! Keys of rpm's `Packages` are 4-byte header numbers; key 0 is rpm's own
//! bookkeeping record and is skipped. Values are header blobs.

use std::collections::HashSet;

use super::Blobs;

const HASH_MAGIC: u32 = 0x0006_1561;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_DUPLICATE: u8 = 2;
const H_OFFPAGE: u8 = 3;
const H_OFFDUP: u8 = 4;
const DBMETA_CHKSUM: u8 = 0x01;
const PAGE_HEADER: usize = 26;
/// `PG_CHKSUM`: 2 bytes of alignment and a 4-byte checksum.
const CHKSUM_EXTRA: usize = 6;

/// Why the database cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BdbError {
    #[error("not a Berkeley DB hash database")]
    NotHash,
    #[error("invalid page size {0}")]
    PageSize(u32),
    #[error("encrypted database (algorithm {0})")]
    Encrypted(u8),
    #[error("metadata page has type {0}, not hash metadata")]
    MetaType(u8),
}

#[derive(Debug, Clone, Copy)]
struct Layout {
    big_endian: bool,
    page_size: usize,
    /// Offset of the item index on a page.
    overhead: usize,
    pages: usize,
}

impl Layout {
    fn u16(&self, b: &[u8], at: usize) -> Option<u16> {
        let s = b.get(at..at.checked_add(2)?)?;
        let a = [s[0], s[1]];
        Some(if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    }

    fn u32(&self, b: &[u8], at: usize) -> Option<u32> {
        let s = b.get(at..at.checked_add(4)?)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }

    fn page<'a>(&self, data: &'a [u8], pgno: u32) -> Option<&'a [u8]> {
        let n = pgno as usize;
        if n >= self.pages {
            return None;
        }
        data.get(n * self.page_size..(n + 1) * self.page_size)
    }
}

/// Does the file look like a Berkeley DB hash database?
pub fn sniff(data: &[u8]) -> bool {
    data.get(12..16).is_some_and(|m| {
        let m = [m[0], m[1], m[2], m[3]];
        u32::from_le_bytes(m) == HASH_MAGIC || u32::from_be_bytes(m) == HASH_MAGIC
    })
}

fn layout(data: &[u8]) -> Result<Layout, BdbError> {
    let m = data.get(12..16).ok_or(BdbError::NotHash)?;
    let m = [m[0], m[1], m[2], m[3]];
    let big_endian = if u32::from_le_bytes(m) == HASH_MAGIC {
        false
    } else if u32::from_be_bytes(m) == HASH_MAGIC {
        true
    } else {
        return Err(BdbError::NotHash);
    };
    let mut l = Layout {
        big_endian,
        page_size: 0,
        overhead: PAGE_HEADER,
        pages: 0,
    };
    let page_size = l.u32(data, 20).ok_or(BdbError::NotHash)?;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(BdbError::PageSize(page_size));
    }
    let encrypt = data.get(24).copied().unwrap_or(0);
    if encrypt != 0 {
        return Err(BdbError::Encrypted(encrypt));
    }
    let ty = data.get(25).copied().unwrap_or(0);
    if ty != P_HASHMETA {
        return Err(BdbError::MetaType(ty));
    }
    if data.get(26).copied().unwrap_or(0) & DBMETA_CHKSUM != 0 {
        l.overhead += CHKSUM_EXTRA;
    }
    l.page_size = page_size as usize;
    let last = l.u32(data, 32).unwrap_or(0) as usize;
    // a file cut short keeps its whole pages
    l.pages = last.saturating_add(1).min(data.len() / l.page_size);
    Ok(l)
}

/// Reads every value of the database (rpm header blobs), keyed by header
/// number.
pub fn read(data: &[u8]) -> Result<Blobs, BdbError> {
    let l = layout(data)?;
    let mut out = Blobs::default();
    for pgno in 1..l.pages as u32 {
        let Some(page) = l.page(data, pgno) else {
            break;
        };
        let ty = page[25];
        if ty != P_HASH && ty != P_HASH_UNSORTED {
            continue;
        }
        read_hash_page(&l, data, pgno, page, &mut out);
    }
    Ok(out)
}

/// Item `i` of a hash page: its bytes, from its offset to the previous
/// item's (or the page end).
fn item<'a>(l: &Layout, page: &'a [u8], entries: usize, i: usize) -> Option<&'a [u8]> {
    let off = usize::from(l.u16(page, l.overhead + 2 * i)?);
    let end = if i == 0 {
        page.len()
    } else {
        usize::from(l.u16(page, l.overhead + 2 * (i - 1))?)
    };
    // items live after the index array and before the page end
    if off < l.overhead + 2 * entries || off >= end || end > page.len() {
        return None;
    }
    Some(&page[off..end])
}

fn read_hash_page(l: &Layout, data: &[u8], pgno: u32, page: &[u8], out: &mut Blobs) {
    let entries = usize::from(l.u16(page, 20).unwrap_or(0));
    if l.overhead + 2 * entries > page.len() {
        out.problems
            .push(format!("page {pgno}: {entries} entries do not fit"));
        return;
    }
    for k in (0..entries.saturating_sub(1)).step_by(2) {
        let (Some(key), Some(value)) = (item(l, page, entries, k), item(l, page, entries, k + 1))
        else {
            out.problems
                .push(format!("page {pgno}: item {k} has a bad offset"));
            continue;
        };
        let hnum = match key {
            [H_KEYDATA, rest @ ..] if rest.len() == 4 => l.u32(rest, 0).unwrap_or(0),
            _ => {
                out.problems
                    .push(format!("page {pgno}: item {k}: key is not a header number"));
                continue;
            }
        };
        if hnum == 0 {
            continue;
        }
        match value {
            [H_KEYDATA, rest @ ..] => out.blobs.push((hnum, rest.to_vec())),
            [H_OFFPAGE, ..] if value.len() >= 12 => {
                let first = l.u32(value, 4).unwrap_or(0);
                let total = l.u32(value, 8).unwrap_or(0);
                match overflow(l, data, first, total) {
                    Ok(b) => out.blobs.push((hnum, b)),
                    Err(e) => out.problems.push(format!("header {hnum}: {e}")),
                }
            }
            [H_DUPLICATE | H_OFFDUP, ..] => out
                .problems
                .push(format!("header {hnum}: duplicate records are not expected")),
            _ => out
                .problems
                .push(format!("header {hnum}: unknown item kind")),
        }
    }
}

/// Follows a chain of overflow pages.
fn overflow(l: &Layout, data: &[u8], first: u32, total: u32) -> Result<Vec<u8>, String> {
    let total = total as usize;
    // the value cannot be longer than the file
    if total > data.len() {
        return Err(format!("overflow length {total} exceeds the file"));
    }
    let mut out = Vec::with_capacity(total);
    let mut seen = HashSet::new();
    let mut pgno = first;
    while out.len() < total {
        if pgno == 0 {
            return Err(format!(
                "overflow chain ends after {} of {total} bytes",
                out.len()
            ));
        }
        if !seen.insert(pgno) {
            return Err(format!("overflow chain loops at page {pgno}"));
        }
        let page = l
            .page(data, pgno)
            .ok_or_else(|| format!("overflow page {pgno} is past the end of the file"))?;
        if page[25] != P_OVERFLOW {
            return Err(format!("page {pgno} is not an overflow page"));
        }
        let len = usize::from(l.u16(page, 22).unwrap_or(0));
        let chunk = page
            .get(l.overhead..l.overhead + len)
            .ok_or_else(|| format!("overflow page {pgno} claims {len} bytes"))?;
        let take = chunk.len().min(total - out.len());
        out.extend_from_slice(&chunk[..take]);
        pgno = l.u32(page, 16).unwrap_or(0);
    }
    Ok(out)
}

/// Writes a little-endian hash database the way Berkeley DB lays one out
/// (tests only: all pairs on one bucket page chain, off-page values).
#[cfg(test)]
pub fn write(values: &[(u32, &[u8])], page_size: usize) -> Vec<u8> {
    let mut pages: Vec<Vec<u8>> = Vec::new();
    let mut meta = vec![0u8; page_size];
    meta[12..16].copy_from_slice(&HASH_MAGIC.to_le_bytes());
    meta[16..20].copy_from_slice(&9u32.to_le_bytes());
    meta[20..24].copy_from_slice(&(page_size as u32).to_le_bytes());
    meta[25] = P_HASHMETA;
    pages.push(meta);
    let new_page = |pgno: usize, ty: u8| {
        let mut p = vec![0u8; page_size];
        p[8..12].copy_from_slice(&(pgno as u32).to_le_bytes());
        p[22..24].copy_from_slice(&(page_size as u16).to_le_bytes());
        p[25] = ty;
        p
    };
    pages.push(new_page(1, P_HASH));
    let mut items: Vec<Vec<u8>> = Vec::new();
    for (hnum, v) in values {
        let mut key = vec![H_KEYDATA];
        key.extend_from_slice(&hnum.to_le_bytes());
        items.push(key);
        if v.len() < 64 {
            let mut val = vec![H_KEYDATA];
            val.extend_from_slice(v);
            items.push(val);
            continue;
        }
        // overflow chain
        let first = pages.len();
        let room = page_size - PAGE_HEADER;
        let chunks: Vec<&[u8]> = v.chunks(room).collect();
        for (i, c) in chunks.iter().enumerate() {
            let pgno = pages.len();
            let mut p = new_page(pgno, P_OVERFLOW);
            p[22..24].copy_from_slice(&(c.len() as u16).to_le_bytes());
            if i + 1 < chunks.len() {
                p[16..20].copy_from_slice(&((pgno + 1) as u32).to_le_bytes());
            }
            p[PAGE_HEADER..PAGE_HEADER + c.len()].copy_from_slice(c);
            pages.push(p);
        }
        let mut val = vec![H_OFFPAGE, 0, 0, 0];
        val.extend_from_slice(&(first as u32).to_le_bytes());
        val.extend_from_slice(&(v.len() as u32).to_le_bytes());
        items.push(val);
    }
    // items packed from the end of page 1
    let page = &mut pages[1];
    let mut top = page_size;
    for (i, it) in items.iter().enumerate() {
        top -= it.len();
        page[top..top + it.len()].copy_from_slice(it);
        let at = PAGE_HEADER + 2 * i;
        page[at..at + 2].copy_from_slice(&(top as u16).to_le_bytes());
    }
    assert!(
        PAGE_HEADER + 2 * items.len() <= top,
        "test values do not fit one page"
    );
    page[20..22].copy_from_slice(&(items.len() as u16).to_le_bytes());
    page[22..24].copy_from_slice(&(top as u16).to_le_bytes());
    let last = pages.len() as u32 - 1;
    pages[0][32..36].copy_from_slice(&last.to_le_bytes());
    pages.concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip_inline_and_overflow() {
        let small = b"tiny".to_vec();
        let big: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        let db = write(&[(0, &[1, 0, 0, 0]), (1, &small), (2, &big)], 1024);
        let r = read(&db).unwrap();
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.blobs, vec![(1, small), (2, big)]);
    }

    #[test]
    fn damage_is_reported() {
        let big: Vec<u8> = vec![9; 3000];
        let db = write(&[(5, &big)], 1024);
        // cut inside the overflow chain
        let r = read(&db[..db.len() - 1024]).unwrap();
        assert!(r.blobs.is_empty());
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        // a loop in the chain: the last page points back to the first
        let mut d = db.clone();
        let last = d.len() - 1024;
        d[last + 16..last + 20].copy_from_slice(&2u32.to_le_bytes());
        d[last + 22..last + 24].copy_from_slice(&2u16.to_le_bytes());
        let r = read(&d).unwrap();
        assert!(r.blobs.is_empty());
        assert!(r.problems[0].contains("loops"), "{:?}", r.problems);
        // bad meta
        assert_eq!(read(&db[..10]).unwrap_err(), BdbError::NotHash);
        let mut d = db.clone();
        d[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(read(&d).unwrap_err(), BdbError::PageSize(1000));
        let mut d = db.clone();
        d[24] = 1;
        assert_eq!(read(&d).unwrap_err(), BdbError::Encrypted(1));
    }

    #[test]
    fn big_endian_databases() {
        // swap every integer of a small database by hand: meta and page 1
        let db = write(&[(1, b"abc")], 512);
        let mut d = db.clone();
        for at in [12usize, 16, 20, 32] {
            d[at..at + 4].reverse();
        }
        let p = 512;
        for at in [p + 8, p + 12, p + 16] {
            d[at..at + 4].reverse();
        }
        for at in [p + 20, p + 22, p + 26, p + 28] {
            d[at..at + 2].reverse();
        }
        // the key (a native-endian header number)
        let koff = usize::from(u16::from_be_bytes([d[p + 26], d[p + 27]]));
        d[p + koff + 1..p + koff + 5].reverse();
        let r = read(&d).unwrap();
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.blobs, vec![(1, b"abc".to_vec())]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn random_bytes_never_panic(mut b in proptest::collection::vec(any::<u8>(), 0..5000)) {
            let _ = read(&b);
            if b.len() >= 40 {
                b[12..16].copy_from_slice(&HASH_MAGIC.to_le_bytes());
                b[20..24].copy_from_slice(&512u32.to_le_bytes());
                b[24] = 0;
                b[25] = P_HASHMETA;
                let _ = read(&b);
            }
        }

        #[test]
        fn mutated_databases_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u16>()), 1..10),
            cut in any::<prop::sample::Index>(),
        ) {
            let big = vec![3u8; 1500];
            let mut db = write(&[(1, b"abc"), (2, &big)], 512);
            for (i, v) in edits {
                let at = i.index(db.len() - 1) & !1;
                db[at..at + 2].copy_from_slice(&v.to_le_bytes());
            }
            let n = cut.index(db.len() + 1);
            let _ = read(&db[..n]);
            let _ = read(&db);
        }
    }
}
