//! A wanted file's bytes: in memory when small, spooled to a temporary file
//! when large, so memory stays flat however big the file.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};

/// Readable and seekable.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// The bytes of one file.
pub enum Content<'a> {
    Memory(&'a [u8]),
    /// A temporary copy of a large file.
    Spooled {
        file: &'a mut File,
        len: u64,
    },
}

impl Content<'_> {
    pub fn len(&self) -> u64 {
        match self {
            Content::Memory(b) => b.len() as u64,
            Content::Spooled { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes, when held in memory.
    pub fn as_slice(&self) -> Option<&[u8]> {
        match self {
            Content::Memory(b) => Some(b),
            Content::Spooled { .. } => None,
        }
    }

    /// All the bytes, read into memory when spooled; refuses more than
    /// `limit` bytes.
    pub fn bytes(&mut self, limit: u64) -> Result<Cow<'_, [u8]>, String> {
        if self.len() > limit {
            return Err(format!(
                "{} bytes, over the {limit}-byte limit for this analyzer",
                self.len()
            ));
        }
        match self {
            Content::Memory(b) => Ok(Cow::Borrowed(b)),
            Content::Spooled { file, .. } => {
                file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
                let mut v = Vec::new();
                file.take(limit)
                    .read_to_end(&mut v)
                    .map_err(|e| e.to_string())?;
                Ok(Cow::Owned(v))
            }
        }
    }

    /// A reader from the start (seekable).
    pub fn reader(&mut self) -> Result<Box<dyn ReadSeek + '_>, String> {
        match self {
            Content::Memory(b) => Ok(Box::new(Cursor::new(*b))),
            Content::Spooled { file, .. } => {
                file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
                Ok(Box::new(&mut **file))
            }
        }
    }

    /// The bytes as text (lossy UTF-8), refusing more than `limit`.
    pub fn text(&mut self, limit: u64) -> Result<String, String> {
        let b = self.bytes(limit)?;
        Ok(String::from_utf8_lossy(&b).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn memory_and_spooled_read_the_same() {
        let data = b"hello world".to_vec();
        let mut m = Content::Memory(&data);
        assert_eq!(&*m.bytes(100).unwrap(), b"hello world");
        assert!(m.bytes(3).is_err());
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&data).unwrap();
        let mut s = Content::Spooled {
            file: &mut f,
            len: data.len() as u64,
        };
        assert_eq!(&*s.bytes(100).unwrap(), b"hello world");
        let mut r = s.reader().unwrap();
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello world");
    }
}
