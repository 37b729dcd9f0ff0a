//! rpm's "ndb" package database (`Packages.db`, SUSE).
//!
//! Layout (all integers little-endian):
//! - a 32-byte header: magic `RpmP`, version 0, generation, the number of
//!   4096-byte slot pages, the next package index;
//! - after it, up to the end of the slot pages, 16-byte slots: magic
//!   `Slot`, package index, block offset, block count (a block is 16
//!   bytes; offset 0 marks a free slot);
//! - each package blob at its block offset: a 16-byte head (magic `BlbS`,
//!   package index, timestamp, length), the header blob, zero padding, and
//!   a 12-byte tail (adler32 of everything before it, length, magic
//!   `BlbE`).

use super::Blobs;

const HEADER_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_HEAD_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const BLOB_TAIL_MAGIC: u32 = u32::from_le_bytes(*b"BlbE");
const HEADER_SIZE: usize = 32;
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: u64 = 16;
const BLOB_HEAD: u64 = 16;
const BLOB_TAIL: u64 = 12;
/// rpm refuses more (`rpmpkgReadSlots` has no limit, but 2048 pages is
/// over half a million packages).
const MAX_SLOT_PAGES: u32 = 2048;

/// Why the database cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NdbError {
    #[error("not an ndb package database (bad magic)")]
    BadMagic,
    #[error("unsupported ndb version {0}")]
    Version(u32),
    #[error("{0} slot pages: the file has {1} bytes")]
    SlotPages(u32, usize),
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Does the file start like an ndb database?
pub fn sniff(data: &[u8]) -> bool {
    le32(data, 0) == Some(HEADER_MAGIC)
}

/// Adler-32 (RFC 1950), as rpm computes it over a blob.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Reads every package blob.
pub fn read(data: &[u8]) -> Result<Blobs, NdbError> {
    if data.len() < HEADER_SIZE || le32(data, 0) != Some(HEADER_MAGIC) {
        return Err(NdbError::BadMagic);
    }
    let version = le32(data, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(NdbError::Version(version));
    }
    let npages = le32(data, 12).unwrap_or(0);
    if npages == 0 || npages > MAX_SLOT_PAGES || npages as usize * PAGE_SIZE > data.len() {
        return Err(NdbError::SlotPages(npages, data.len()));
    }
    let slots_end = npages as usize * PAGE_SIZE;
    let min_blkoff = slots_end as u64 / BLK_SIZE;
    let mut out = Blobs::default();
    let mut bad_magic = 0usize;
    for at in (HEADER_SIZE..slots_end).step_by(SLOT_SIZE) {
        let (Some(magic), Some(pkgidx), Some(blkoff), Some(blkcnt)) = (
            le32(data, at),
            le32(data, at + 4),
            le32(data, at + 8),
            le32(data, at + 12),
        ) else {
            break;
        };
        if magic != SLOT_MAGIC {
            bad_magic += 1;
            continue;
        }
        if blkoff == 0 {
            continue; // free slot
        }
        let slot = (at / SLOT_SIZE) as u64;
        if pkgidx == 0 || blkcnt == 0 || u64::from(blkoff) < min_blkoff {
            out.problems
                .push(format!("slot {slot}: bad entry (package {pkgidx})"));
            continue;
        }
        match read_blob(data, pkgidx, u64::from(blkoff), u64::from(blkcnt)) {
            Ok(b) => out.blobs.push((pkgidx, b.to_vec())),
            Err(e) => out.problems.push(format!("package {pkgidx}: {e}")),
        }
    }
    if bad_magic > 0 {
        out.problems
            .push(format!("{bad_magic} slots with a bad magic skipped"));
    }
    Ok(out)
}

fn read_blob(data: &[u8], pkgidx: u32, blkoff: u64, blkcnt: u64) -> Result<&[u8], String> {
    let start = blkoff * BLK_SIZE;
    let end = start + blkcnt * BLK_SIZE;
    if end > data.len() as u64 {
        return Err("blob past the end of the file (truncated database)".into());
    }
    if blkcnt * BLK_SIZE < BLOB_HEAD + BLOB_TAIL {
        return Err("blob too small".into());
    }
    // both fit: end <= data.len()
    let (start, end) = (start as usize, end as usize);
    let area = &data[start..end];
    if le32(area, 0) != Some(BLOB_HEAD_MAGIC) {
        return Err("bad blob head magic".into());
    }
    if le32(area, 4) != Some(pkgidx) {
        return Err("blob belongs to another package".into());
    }
    let len = u64::from(le32(area, 12).unwrap_or(0));
    if blkcnt != (BLOB_HEAD + len + BLOB_TAIL).div_ceil(BLK_SIZE) {
        return Err(format!(
            "blob length {len} does not fit its {blkcnt} blocks"
        ));
    }
    let tail = area.len() - BLOB_TAIL as usize;
    if le32(area, tail + 8) != Some(BLOB_TAIL_MAGIC) || le32(area, tail + 4) != Some(len as u32) {
        return Err("bad blob tail".into());
    }
    if le32(area, tail) != Some(adler32(&area[..tail])) {
        return Err("blob checksum mismatch".into());
    }
    // len + head + tail <= area.len() by the block count check
    Ok(&area[BLOB_HEAD as usize..BLOB_HEAD as usize + len as usize])
}

/// Writes an ndb database (tests only; rpm's layout, one slot page).
#[cfg(test)]
pub fn write(blobs: &[(u32, &[u8])]) -> Vec<u8> {
    let mut out = vec![0u8; PAGE_SIZE];
    out[0..4].copy_from_slice(b"RpmP");
    out[8..12].copy_from_slice(&1u32.to_le_bytes());
    out[12..16].copy_from_slice(&1u32.to_le_bytes());
    let next = blobs.iter().map(|b| b.0).max().unwrap_or(0) + 1;
    out[16..20].copy_from_slice(&next.to_le_bytes());
    for at in (HEADER_SIZE..PAGE_SIZE).step_by(SLOT_SIZE) {
        out[at..at + 4].copy_from_slice(b"Slot");
    }
    for (i, (idx, blob)) in blobs.iter().enumerate() {
        let blkoff = out.len() as u64 / BLK_SIZE;
        let blkcnt = (BLOB_HEAD + blob.len() as u64 + BLOB_TAIL).div_ceil(BLK_SIZE);
        let at = HEADER_SIZE + i * SLOT_SIZE;
        out[at + 4..at + 8].copy_from_slice(&idx.to_le_bytes());
        out[at + 8..at + 12].copy_from_slice(&(blkoff as u32).to_le_bytes());
        out[at + 12..at + 16].copy_from_slice(&(blkcnt as u32).to_le_bytes());
        let start = out.len();
        out.extend_from_slice(b"BlbS");
        out.extend_from_slice(&idx.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
        out.extend_from_slice(blob);
        let end = start + (blkcnt * BLK_SIZE) as usize;
        out.resize(end - BLOB_TAIL as usize, 0);
        let adl = adler32(&out[start..]);
        out.extend_from_slice(&adl.to_le_bytes());
        out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
        out.extend_from_slice(b"BlbE");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn adler32_known_value() {
        // RFC 1950 example value for "Wikipedia"
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn round_trip_and_damage() {
        let a = b"first blob".to_vec();
        let b = vec![7u8; 5000];
        let db = write(&[(1, &a), (2, &b)]);
        let r = read(&db).unwrap();
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.blobs, vec![(1, a.clone()), (2, b.clone())]);

        // a flipped byte inside the second blob: checksum mismatch, the
        // first one still reads
        let mut d = db.clone();
        let n = d.len();
        d[n - 100] ^= 0xff;
        let r = read(&d).unwrap();
        assert_eq!(r.blobs.len(), 1);
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].contains("checksum"), "{:?}", r.problems);

        // truncated file
        let r = read(&db[..db.len() - 20]).unwrap();
        assert_eq!(r.blobs.len(), 1);
        assert!(r.problems[0].contains("truncated"));

        // header damage
        assert_eq!(read(&db[..10]), Err(NdbError::BadMagic));
        let mut d = db.clone();
        d[4] = 1;
        assert_eq!(read(&d), Err(NdbError::Version(1)));
        let mut d = db.clone();
        d[12..16].copy_from_slice(&5000u32.to_le_bytes());
        assert!(matches!(read(&d), Err(NdbError::SlotPages(5000, _))));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn random_bytes_never_panic(mut b in proptest::collection::vec(any::<u8>(), 0..9000)) {
            let _ = read(&b);
            if b.len() >= 16 {
                b[0..4].copy_from_slice(b"RpmP");
                b[4..8].copy_from_slice(&0u32.to_le_bytes());
                b[12..16].copy_from_slice(&1u32.to_le_bytes());
                let _ = read(&b);
            }
        }

        #[test]
        fn mutated_databases_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u32>()), 1..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let big = vec![1u8; 300];
            let mut db = write(&[(1, b"abc"), (3, &big)]);
            for (i, v) in edits {
                // write whole words: hits counts and offsets, not just bytes
                let at = i.index(db.len() - 3) & !3;
                db[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            let n = cut.index(db.len() + 1);
            let _ = read(&db[..n]);
            let _ = read(&db);
        }
    }
}
