//! Random access into a tar file (a `docker save` archive or an OCI archive):
//! one pass over the headers records where each member's data starts, so a
//! layer can later be streamed straight out of the archive, in parallel with
//! the others, without unpacking anything to disk.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use customs_types::path::{normalize_entry_path, resolve_link_target};

use crate::SourceError;

/// Hostile archives could claim millions of members; image archives hold a
/// handful per layer.
const MAX_MEMBERS: usize = 1_000_000;
const MAX_LINK_HOPS: usize = 40;

#[derive(Debug, Clone)]
enum Member {
    File { offset: u64, size: u64 },
    Symlink(String),
    Hardlink(String),
    Dir,
}

/// Where each member of a tar file lives.
#[derive(Debug)]
pub struct TarIndex {
    path: PathBuf,
    members: HashMap<String, Member>,
}

fn key(raw: &str) -> Option<String> {
    normalize_entry_path(raw)
        .ok()
        .map(|p| p.trim_start_matches('/').to_string())
}

impl TarIndex {
    /// Reads the headers of a tar file.
    pub fn open(path: &Path) -> Result<TarIndex, SourceError> {
        let not_image = |reason: String| SourceError::NotAnImage {
            path: path.to_path_buf(),
            reason,
        };
        let file = File::open(path).map_err(|e| SourceError::io(path, e))?;
        let mut archive = tar::Archive::new(file);
        let entries = archive
            .entries_with_seek()
            .map_err(|e| not_image(format!("not a tar archive: {e}")))?;
        let mut members = HashMap::new();
        for entry in entries {
            let entry = entry.map_err(|e| not_image(format!("corrupt tar archive: {e}")))?;
            if members.len() >= MAX_MEMBERS {
                return Err(not_image(format!("more than {MAX_MEMBERS} members")));
            }
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(name) = key(&raw) else { continue };
            let header = entry.header();
            let link = || {
                entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default()
            };
            let member = match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => Member::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                },
                tar::EntryType::Symlink => Member::Symlink(link()),
                tar::EntryType::Link => Member::Hardlink(link()),
                tar::EntryType::Directory => Member::Dir,
                _ => continue,
            };
            members.insert(name, member);
        }
        if members.is_empty() {
            return Err(not_image("not a tar archive, or an empty one".into()));
        }
        Ok(TarIndex {
            path: path.to_path_buf(),
            members,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Does the archive have this member (after following links)?
    pub fn contains(&self, name: &str) -> bool {
        self.locate(name).is_ok()
    }

    /// Follows symlinks and hardlinks (inside the archive only) to a file.
    fn locate(&self, name: &str) -> Result<(u64, u64), SourceError> {
        let missing = |n: &str| {
            SourceError::io(
                self.path.join(n),
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such member in the archive",
                ),
            )
        };
        let mut cur = key(name).ok_or_else(|| missing(name))?;
        for _ in 0..MAX_LINK_HOPS {
            match self.members.get(&cur) {
                Some(Member::File { offset, size }) => return Ok((*offset, *size)),
                Some(Member::Symlink(target)) => {
                    let abs = resolve_link_target(&format!("/{cur}"), target);
                    cur = abs.trim_start_matches('/').to_string();
                }
                Some(Member::Hardlink(target)) => {
                    cur = key(target).ok_or_else(|| missing(target))?;
                }
                Some(Member::Dir) | None => return Err(missing(name)),
            }
        }
        Err(SourceError::malformed(
            self.path.join(name).display().to_string(),
            "too many levels of links",
        ))
    }

    /// Size of a member.
    pub fn size(&self, name: &str) -> Result<u64, SourceError> {
        self.locate(name).map(|(_, s)| s)
    }

    /// Opens a member for streaming; each call has its own file handle.
    pub fn open_member(&self, name: &str) -> Result<std::io::Take<File>, SourceError> {
        let (offset, size) = self.locate(name)?;
        let mut f = File::open(&self.path).map_err(|e| SourceError::io(&self.path, e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| SourceError::io(&self.path, e))?;
        Ok(f.take(size))
    }

    /// Reads a small member whole, refusing one above `limit` bytes.
    pub fn read_member(&self, name: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
        let size = self.size(name)?;
        let what = format!("{}:{name}", self.path.display());
        if size > limit {
            return Err(SourceError::TooLarge { what, limit });
        }
        crate::verify::read_limited(&what, self.open_member(name)?, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(entries: &[(&str, &[u8])], links: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut b = tar::Builder::new(f.reopen().unwrap());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        for (name, target) in links {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, target).unwrap();
        }
        b.finish().unwrap();
        f
    }

    #[test]
    fn members_are_read_through_links() {
        let f = tar_with(
            &[("manifest.json", b"[]"), ("abc.tar", b"layer-bytes")],
            &[
                ("dir/layer.tar", "../abc.tar"),
                ("evil", "../../../etc/passwd"),
            ],
        );
        let idx = TarIndex::open(f.path()).unwrap();
        assert!(idx.contains("manifest.json"));
        assert!(idx.contains("./manifest.json"));
        assert_eq!(
            idx.read_member("dir/layer.tar", 100).unwrap(),
            b"layer-bytes"
        );
        // a link that points outside the archive resolves inside it, to nothing
        assert!(!idx.contains("evil"));
        assert!(matches!(
            idx.read_member("abc.tar", 3),
            Err(SourceError::TooLarge { .. })
        ));
    }

    #[test]
    fn garbage_is_not_an_image() {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), vec![0x42u8; 4096]).unwrap();
        assert!(matches!(
            TarIndex::open(f.path()),
            Err(SourceError::NotAnImage { .. })
        ));
    }
}
