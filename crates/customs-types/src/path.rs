//! Path handling inside an image: every path is absolute (`/etc/os-release`),
//! normalised, and can never climb above the image root.

/// Why a path from an archive cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("path {0:?} climbs above the image root")]
    Escapes(String),
    #[error("empty path")]
    Empty,
}

/// Normalises a path from a tar entry or a link target to an absolute image
/// path. `.` components and duplicate slashes are dropped; `..` is resolved
/// lexically and is an error when it would climb above the root.
///
/// The root itself normalises to `/`.
pub fn normalize_entry_path(raw: &str) -> Result<String, PathError> {
    if raw.is_empty() {
        return Err(PathError::Empty);
    }
    let mut parts: Vec<&str> = Vec::new();
    for comp in raw.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::Escapes(raw.to_string()));
                }
            }
            c => parts.push(c),
        }
    }
    Ok(join_parts(&parts))
}

/// Resolves `target` (a symlink's content) relative to the directory holding
/// `link_path`, clamped at the image root the way a chroot would: `..` at the
/// root stays at the root, and an absolute target starts at the image root.
pub fn resolve_link_target(link_path: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        let mut p: Vec<&str> = link_path.split('/').filter(|c| !c.is_empty()).collect();
        p.pop();
        p
    };
    for comp in target.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    join_parts(&parts)
}

fn join_parts(parts: &[&str]) -> String {
    if parts.is_empty() {
        return "/".to_string();
    }
    let mut s = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for p in parts {
        s.push('/');
        s.push_str(p);
    }
    s
}

/// The parent directory of an absolute image path (`/` for top-level entries).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The last component of an absolute image path.
pub fn file_name(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// Is `path` equal to `dir` or below it?
pub fn is_within(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return true;
    }
    path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_tar_paths() {
        assert_eq!(normalize_entry_path("./etc/passwd").unwrap(), "/etc/passwd");
        assert_eq!(normalize_entry_path("etc//x/./y/").unwrap(), "/etc/x/y");
        assert_eq!(normalize_entry_path("/a/b/../c").unwrap(), "/a/c");
        assert_eq!(normalize_entry_path("./").unwrap(), "/");
    }

    #[test]
    fn dotdot_above_root_is_an_error() {
        assert_eq!(
            normalize_entry_path("../etc/passwd"),
            Err(PathError::Escapes("../etc/passwd".into()))
        );
        assert!(normalize_entry_path("a/../../b").is_err());
    }

    #[test]
    fn link_targets_are_clamped_at_root() {
        assert_eq!(
            resolve_link_target("/etc/os-release", "../usr/lib/os-release"),
            "/usr/lib/os-release"
        );
        assert_eq!(
            resolve_link_target("/a/link", "../../../../etc/shadow"),
            "/etc/shadow"
        );
        assert_eq!(resolve_link_target("/a/link", "/etc/x"), "/etc/x");
        assert_eq!(resolve_link_target("/bin", "usr/bin"), "/usr/bin");
    }

    #[test]
    fn within_and_parent() {
        assert!(is_within("/a/b", "/a"));
        assert!(!is_within("/ab", "/a"));
        assert!(is_within("/a", "/a"));
        assert!(is_within("/x", "/"));
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(file_name("/a/b.txt"), "b.txt");
    }
}
