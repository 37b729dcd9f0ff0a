//! The rpm header blob, as the rpm databases store it (no lead, no header
//! magic): `il` (index entries) and `dl` (data bytes), both big-endian
//! u32, then `il` 16-byte entries `tag, type, offset, count`, then the
//! data store.
//!
//! Every count and offset is checked against the blob; a malformed blob is
//! an error, never a panic.

use std::collections::HashMap;

/// rpm's own limits (`hdrchkTags`, `hdrchkData`).
const MAX_ENTRIES: u32 = 0xffff;
const MAX_DATA: u32 = 256 << 20;

pub const TAG_NAME: u32 = 1000;
pub const TAG_VERSION: u32 = 1001;
pub const TAG_RELEASE: u32 = 1002;
pub const TAG_EPOCH: u32 = 1003;
pub const TAG_LICENSE: u32 = 1014;
pub const TAG_ARCH: u32 = 1022;
pub const TAG_OLDFILENAMES: u32 = 1027;
pub const TAG_SOURCERPM: u32 = 1044;
pub const TAG_PROVIDENAME: u32 = 1047;
pub const TAG_REQUIRENAME: u32 = 1049;
pub const TAG_VENDOR: u32 = 1011;
pub const TAG_DIRINDEXES: u32 = 1116;
pub const TAG_BASENAMES: u32 = 1117;
pub const TAG_DIRNAMES: u32 = 1118;
pub const TAG_MODULARITYLABEL: u32 = 5096;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// Why a header blob cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("header blob of {0} bytes is too short")]
    TooShort(usize),
    #[error("header declares {0} index entries (at most {MAX_ENTRIES})")]
    TooManyEntries(u32),
    #[error("header declares {0} data bytes (at most {MAX_DATA})")]
    DataTooLong(u32),
    #[error("header declares {declared} bytes but the blob has {actual}")]
    Truncated { declared: u64, actual: usize },
    #[error("tag {tag}: {what}")]
    BadEntry { tag: u32, what: &'static str },
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    ty: u32,
    offset: u32,
    count: u32,
}

/// A parsed header: the index, and the data store it points into.
#[derive(Debug)]
pub struct Header<'a> {
    index: HashMap<u32, Entry>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    /// Parses the index. Entries are checked lazily for their data (a tag
    /// nobody asks for may be garbage), but every offset must lie inside
    /// the data store.
    pub fn parse(blob: &'a [u8]) -> Result<Header<'a>, HeaderError> {
        let il = be32(blob, 0).ok_or(HeaderError::TooShort(blob.len()))?;
        let dl = be32(blob, 4).ok_or(HeaderError::TooShort(blob.len()))?;
        if il > MAX_ENTRIES {
            return Err(HeaderError::TooManyEntries(il));
        }
        if dl > MAX_DATA {
            return Err(HeaderError::DataTooLong(dl));
        }
        let index_end = 8 + u64::from(il) * 16;
        let declared = index_end + u64::from(dl);
        if declared > blob.len() as u64 {
            return Err(HeaderError::Truncated {
                declared,
                actual: blob.len(),
            });
        }
        // both fit in usize: they are at most blob.len()
        let index_end = index_end as usize;
        let data = &blob[index_end..index_end + dl as usize];
        let mut index = HashMap::with_capacity(il as usize);
        for i in 0..il as usize {
            let at = 8 + i * 16;
            let (Some(tag), Some(ty), Some(offset), Some(count)) = (
                be32(blob, at),
                be32(blob, at + 4),
                be32(blob, at + 8),
                be32(blob, at + 12),
            ) else {
                return Err(HeaderError::TooShort(blob.len()));
            };
            // region tags (61-63) have their trailer in the data store;
            // like any other entry their offset must be inside it
            if offset > dl {
                return Err(HeaderError::BadEntry {
                    tag,
                    what: "offset past the data store",
                });
            }
            // a tag repeated after the region (a "dribble" entry) wins
            index.insert(tag, Entry { ty, offset, count });
        }
        Ok(Header { index, data })
    }

    /// Is the tag present?
    pub fn has(&self, tag: u32) -> bool {
        self.index.contains_key(&tag)
    }

    fn entry(&self, tag: u32, types: &[u32]) -> Result<Option<Entry>, HeaderError> {
        match self.index.get(&tag) {
            None => Ok(None),
            Some(e) if types.contains(&e.ty) => Ok(Some(*e)),
            Some(_) => Err(HeaderError::BadEntry {
                tag,
                what: "unexpected type",
            }),
        }
    }

    /// `count` NUL-terminated strings from `offset`.
    fn strings_at(&self, tag: u32, e: Entry) -> Result<Vec<String>, HeaderError> {
        let mut rest = &self.data[e.offset as usize..];
        // each string takes at least one byte
        if e.count as usize > rest.len() {
            return Err(HeaderError::BadEntry {
                tag,
                what: "more strings than bytes",
            });
        }
        let mut out = Vec::with_capacity(e.count as usize);
        for _ in 0..e.count {
            let nul = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or(HeaderError::BadEntry {
                    tag,
                    what: "string without its NUL",
                })?;
            out.push(String::from_utf8_lossy(&rest[..nul]).into_owned());
            rest = &rest[nul + 1..];
        }
        Ok(out)
    }

    /// A STRING (or the first of an I18NSTRING / STRING_ARRAY).
    pub fn string(&self, tag: u32) -> Result<Option<String>, HeaderError> {
        let Some(mut e) = self.entry(tag, &[TYPE_STRING, TYPE_I18NSTRING, TYPE_STRING_ARRAY])?
        else {
            return Ok(None);
        };
        if e.count == 0 {
            return Ok(None);
        }
        e.count = 1;
        Ok(self.strings_at(tag, e)?.pop())
    }

    /// A STRING_ARRAY (a single STRING counts as one).
    pub fn strings(&self, tag: u32) -> Result<Vec<String>, HeaderError> {
        match self.entry(tag, &[TYPE_STRING_ARRAY, TYPE_STRING, TYPE_I18NSTRING])? {
            None => Ok(Vec::new()),
            Some(mut e) => {
                if e.ty != TYPE_STRING_ARRAY {
                    e.count = e.count.min(1);
                }
                self.strings_at(tag, e)
            }
        }
    }

    /// An INT32 array.
    pub fn int32s(&self, tag: u32) -> Result<Vec<u32>, HeaderError> {
        let Some(e) = self.entry(tag, &[TYPE_INT32])? else {
            return Ok(Vec::new());
        };
        let start = e.offset as usize;
        let len = (e.count as usize)
            .checked_mul(4)
            .filter(|l| {
                start
                    .checked_add(*l)
                    .is_some_and(|end| end <= self.data.len())
            })
            .ok_or(HeaderError::BadEntry {
                tag,
                what: "INT32 array past the data store",
            })?;
        Ok(self.data[start..start + len]
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// The first INT32 value.
    pub fn int32(&self, tag: u32) -> Result<Option<u32>, HeaderError> {
        Ok(self.int32s(tag)?.first().copied())
    }

    /// Every tag and type, for debugging and tests.
    pub fn tags(&self) -> Vec<(u32, u32)> {
        let mut v: Vec<(u32, u32)> = self.index.iter().map(|(t, e)| (*t, e.ty)).collect();
        v.sort_unstable();
        v
    }
}

/// What an installed package's header says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RpmInfo {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub arch: Option<String>,
    pub license: Option<String>,
    pub source_rpm: Option<String>,
    pub vendor: Option<String>,
    pub modularity_label: Option<String>,
    /// Owned paths (files and directories).
    pub files: Vec<String>,
    pub provides: Vec<String>,
    pub requires: Vec<String>,
}

impl RpmInfo {
    /// `[epoch:]version-release`.
    pub fn evr(&self) -> String {
        let vr = if self.release.is_empty() {
            self.version.clone()
        } else {
            format!("{}-{}", self.version, self.release)
        };
        match self.epoch {
            Some(e) => format!("{e}:{vr}"),
            None => vr,
        }
    }
}

fn none_if_placeholder(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty() && s != "(none)")
}

/// Reads what we need from a header blob.
pub fn read_info(blob: &[u8]) -> Result<RpmInfo, HeaderError> {
    let h = Header::parse(blob)?;
    let name = h
        .string(TAG_NAME)?
        .filter(|n| !n.is_empty())
        .ok_or(HeaderError::BadEntry {
            tag: TAG_NAME,
            what: "missing",
        })?;
    let version = h.string(TAG_VERSION)?.ok_or(HeaderError::BadEntry {
        tag: TAG_VERSION,
        what: "missing",
    })?;
    let release = h.string(TAG_RELEASE)?.unwrap_or_default();
    let files = files(&h)?;
    Ok(RpmInfo {
        name,
        epoch: h.int32(TAG_EPOCH)?,
        version,
        release,
        arch: none_if_placeholder(h.string(TAG_ARCH)?),
        license: none_if_placeholder(h.string(TAG_LICENSE)?),
        source_rpm: none_if_placeholder(h.string(TAG_SOURCERPM)?),
        vendor: none_if_placeholder(h.string(TAG_VENDOR)?),
        modularity_label: none_if_placeholder(h.string(TAG_MODULARITYLABEL)?),
        files,
        provides: h.strings(TAG_PROVIDENAME)?,
        requires: h.strings(TAG_REQUIRENAME)?,
    })
}

/// DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or the old OLDFILENAMES.
fn files(h: &Header<'_>) -> Result<Vec<String>, HeaderError> {
    let base = h.strings(TAG_BASENAMES)?;
    if base.is_empty() {
        return h.strings(TAG_OLDFILENAMES);
    }
    let dirs = h.strings(TAG_DIRNAMES)?;
    let idx = h.int32s(TAG_DIRINDEXES)?;
    if idx.len() != base.len() {
        return Err(HeaderError::BadEntry {
            tag: TAG_DIRINDEXES,
            what: "not one per basename",
        });
    }
    base.iter()
        .zip(idx)
        .map(|(b, i)| {
            let d = dirs.get(i as usize).ok_or(HeaderError::BadEntry {
                tag: TAG_DIRINDEXES,
                what: "index past DIRNAMES",
            })?;
            Ok(format!("{d}{b}"))
        })
        .collect()
}

/// `openssl-3.0.7-24.el9.src.rpm` -> (`openssl`, `3.0.7-24.el9`).
pub fn split_source_rpm(s: &str) -> Option<(&str, &str)> {
    let nvr = s
        .strip_suffix(".src.rpm")
        .or_else(|| s.strip_suffix(".nosrc.rpm"))?;
    let (nv, _release) = nvr.rsplit_once('-')?;
    let (name, _version) = nv.rsplit_once('-')?;
    if name.is_empty() {
        return None;
    }
    Some((name, &nvr[name.len() + 1..]))
}

/// Builds header blobs for tests.
#[cfg(test)]
pub mod build {
    use super::*;

    /// One tag's value.
    pub enum Value {
        Str(&'static str),
        Strs(Vec<&'static str>),
        Int32(Vec<u32>),
    }

    /// A header blob with the given tags (in order).
    pub fn blob(tags: &[(u32, Value)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, v) in tags {
            let (ty, count) = match v {
                Value::Str(s) => {
                    index.push((*tag, TYPE_STRING, data.len() as u32, 1u32));
                    data.extend_from_slice(s.as_bytes());
                    data.push(0);
                    continue;
                }
                Value::Strs(v) => (TYPE_STRING_ARRAY, v.len() as u32),
                Value::Int32(v) => {
                    while data.len() % 4 != 0 {
                        data.push(0);
                    }
                    (TYPE_INT32, v.len() as u32)
                }
            };
            index.push((*tag, ty, data.len() as u32, count));
            match v {
                Value::Strs(v) => {
                    for s in v {
                        data.extend_from_slice(s.as_bytes());
                        data.push(0);
                    }
                }
                Value::Int32(v) => {
                    for i in v {
                        data.extend_from_slice(&i.to_be_bytes());
                    }
                }
                Value::Str(_) => {}
            }
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(index.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        for (t, ty, o, c) in index {
            for x in [t, ty, o, c] {
                out.extend_from_slice(&x.to_be_bytes());
            }
        }
        out.extend_from_slice(&data);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::build::{Value, blob};
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Vec<u8> {
        blob(&[
            (TAG_NAME, Value::Str("openssl-libs")),
            (TAG_VERSION, Value::Str("3.0.7")),
            (TAG_RELEASE, Value::Str("24.el9")),
            (TAG_EPOCH, Value::Int32(vec![1])),
            (TAG_ARCH, Value::Str("x86_64")),
            (TAG_LICENSE, Value::Str("ASL 2.0")),
            (TAG_SOURCERPM, Value::Str("openssl-3.0.7-24.el9.src.rpm")),
            (TAG_DIRINDEXES, Value::Int32(vec![0, 1, 1])),
            (TAG_BASENAMES, Value::Strs(vec!["libssl.so.3", "a", "b"])),
            (TAG_DIRNAMES, Value::Strs(vec!["/usr/lib64/", "/etc/x/"])),
            (
                TAG_PROVIDENAME,
                Value::Strs(vec!["libssl.so.3()(64bit)", "openssl-libs"]),
            ),
        ])
    }

    #[test]
    fn reads_a_header() {
        let info = read_info(&sample()).unwrap();
        assert_eq!(info.name, "openssl-libs");
        assert_eq!(info.evr(), "1:3.0.7-24.el9");
        assert_eq!(info.arch.as_deref(), Some("x86_64"));
        assert_eq!(info.license.as_deref(), Some("ASL 2.0"));
        assert_eq!(
            info.files,
            ["/usr/lib64/libssl.so.3", "/etc/x/a", "/etc/x/b"]
        );
        assert_eq!(info.provides.len(), 2);
        assert!(info.requires.is_empty());
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            split_source_rpm("openssl-3.0.7-24.el9.src.rpm"),
            Some(("openssl", "3.0.7-24.el9"))
        );
        assert_eq!(
            split_source_rpm("python3.11-pip-22.3.1-4.el9.src.rpm"),
            Some(("python3.11-pip", "22.3.1-4.el9"))
        );
        assert_eq!(split_source_rpm("x-1.nosrc.rpm"), None);
        assert_eq!(split_source_rpm("a-1-2.nosrc.rpm"), Some(("a", "1-2")));
        assert_eq!(split_source_rpm("-1-2.src.rpm"), None);
        assert_eq!(split_source_rpm("openssl.rpm"), None);
    }

    #[test]
    fn malformed_headers_are_errors() {
        let good = sample();
        // truncated anywhere
        for n in 0..good.len() {
            assert!(read_info(&good[..n]).is_err(), "prefix {n}");
        }
        // absurd counts
        let mut b = good.clone();
        b[0..4].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        assert_eq!(
            Header::parse(&b).unwrap_err(),
            HeaderError::TooManyEntries(0x7fff_ffff)
        );
        let mut b = good.clone();
        b[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::DataTooLong(_))
        ));
        // a string array whose count is far too big
        let b = blob(&[
            (TAG_NAME, Value::Str("x")),
            (TAG_VERSION, Value::Str("1")),
            (TAG_BASENAMES, Value::Strs(vec!["a"])),
        ]);
        let mut b2 = b.clone();
        // third index entry's count
        let at = 8 + 2 * 16 + 12;
        b2[at..at + 4].copy_from_slice(&1_000_000u32.to_be_bytes());
        assert!(read_info(&b2).is_err());
        // a dir index out of range
        let b = blob(&[
            (TAG_NAME, Value::Str("x")),
            (TAG_VERSION, Value::Str("1")),
            (TAG_DIRINDEXES, Value::Int32(vec![5])),
            (TAG_BASENAMES, Value::Strs(vec!["a"])),
            (TAG_DIRNAMES, Value::Strs(vec!["/"])),
        ]);
        assert!(read_info(&b).is_err());
        // name of the wrong type
        let b = blob(&[
            (TAG_NAME, Value::Int32(vec![1])),
            (TAG_VERSION, Value::Str("1")),
        ]);
        assert!(read_info(&b).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = read_info(&b);
        }

        #[test]
        fn mutated_headers_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut b = sample();
            for (i, v) in edits {
                let at = i.index(b.len());
                b[at] = v;
            }
            let n = cut.index(b.len() + 1);
            let _ = read_info(&b[..n]);
            if let Ok(h) = Header::parse(&b) {
                for (tag, _) in h.tags() {
                    let _ = h.strings(tag);
                    let _ = h.int32s(tag);
                    let _ = h.string(tag);
                }
            }
        }
    }
}
