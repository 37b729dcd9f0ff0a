//! Layers stacked into the merged view (what a container sees) and the
//! history view (what a later layer deleted or overwrote, which still ships
//! with the image).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::Bound;

use customs_types::path::{is_within, resolve_link_target};
use customs_types::{FileEntry, FileKind, Removal, RemovedEntry, Unknown};

use crate::LayerIndex;

const MAX_LINK_HOPS: usize = 40;

/// An entry ordered and looked up by its path, so the path is stored once.
#[derive(Debug, Clone)]
struct ByPath(FileEntry);

impl PartialEq for ByPath {
    fn eq(&self, other: &Self) -> bool {
        self.0.path == other.0.path
    }
}
impl Eq for ByPath {}
impl PartialOrd for ByPath {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ByPath {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.path.cmp(&other.0.path)
    }
}
impl Borrow<str> for ByPath {
    fn borrow(&self) -> &str {
        &self.0.path
    }
}

/// The image's file system after applying every layer.
#[derive(Debug, Default, Clone)]
pub struct MergedView {
    files: BTreeSet<ByPath>,
    removed: Vec<RemovedEntry>,
    unknowns: Vec<Unknown>,
}

/// The range of keys strictly below `dir` in a path-sorted map.
fn below(dir: &str) -> (String, String) {
    if dir == "/" {
        ("/".to_string(), "0".to_string())
    } else {
        // '/' + 1 == '0': every "dir/..." key sorts in ["dir/", "dir0").
        (format!("{dir}/"), format!("{dir}0"))
    }
}

impl MergedView {
    fn range(&self, lo: &str, hi: &str) -> impl Iterator<Item = &FileEntry> {
        self.files
            .range::<str, _>((Bound::Included(lo), Bound::Excluded(hi)))
            .map(|e| &e.0)
    }

    fn remove_below(&mut self, dir: &str, layer: u32, removal: Removal) {
        let (lo, hi) = below(dir);
        let keys: Vec<String> = self
            .range(&lo, &hi)
            .map(|e| e.path.clone())
            .filter(|k| k != "/")
            .collect();
        for k in keys {
            if let Some(ByPath(e)) = self.files.take(k.as_str()) {
                self.removed.push(RemovedEntry {
                    entry: e,
                    removal,
                    removed_in: layer,
                });
            }
        }
    }

    fn remove_path(&mut self, path: &str, layer: u32, removal: Removal) {
        if let Some(ByPath(e)) = self.files.take(path) {
            let was_dir = e.kind == FileKind::Dir;
            self.removed.push(RemovedEntry {
                entry: e,
                removal,
                removed_in: layer,
            });
            if was_dir {
                self.remove_below(path, layer, removal);
            }
        }
    }

    /// Applies the next layer on top. The layer's entries move into the
    /// view (no copy); its summary is left in place.
    pub fn apply(&mut self, layer: &mut LayerIndex) {
        let n = layer.summary.meta.index;
        // Whiteouts hide lower layers only, so they go first.
        for dir in &layer.opaque_dirs {
            self.remove_below(dir, n, Removal::Deleted);
        }
        for path in &layer.whiteouts {
            self.remove_path(path, n, Removal::Deleted);
        }
        for mut entry in std::mem::take(&mut layer.entries) {
            if entry.kind == FileKind::Hardlink {
                let target = entry.link.clone().unwrap_or_default();
                match self.get(&target) {
                    Some(t) if t.kind == FileKind::File => {
                        entry.kind = FileKind::File;
                        entry.size = t.size;
                    }
                    _ => {
                        self.unknowns.push(Unknown {
                            layer: Some(n),
                            path: Some(entry.path.clone()),
                            origin: "layer-walk".into(),
                            message: format!(
                                "hardlink to {target}, which is not a file in the image; entry skipped"
                            ),
                        });
                        continue;
                    }
                }
            }
            match self.get(&entry.path) {
                Some(old) if old.kind == FileKind::Dir && entry.kind == FileKind::Dir => {
                    // A directory re-declared by a later layer keeps its
                    // contents; only its metadata changes.
                    self.files.replace(ByPath(entry));
                    continue;
                }
                Some(old) => {
                    let was_dir = old.kind == FileKind::Dir;
                    let path = entry.path.clone();
                    if let Some(ByPath(old)) = self.files.take(path.as_str()) {
                        self.removed.push(RemovedEntry {
                            entry: old,
                            removal: Removal::Overwritten,
                            removed_in: n,
                        });
                    }
                    if was_dir {
                        self.remove_below(&path, n, Removal::Overwritten);
                    }
                }
                None => {}
            }
            self.files.insert(ByPath(entry));
        }
    }

    /// Every entry, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = &FileEntry> {
        self.files.iter().map(|e| &e.0)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The entry at exactly this path (no link following).
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.files.get(path).map(|e| &e.0)
    }

    /// Entries below a directory.
    pub fn under<'a>(&'a self, dir: &str) -> impl Iterator<Item = &'a FileEntry> + 'a {
        let (lo, hi) = below(dir);
        self.files
            .range::<str, _>((Bound::Included(lo.as_str()), Bound::Excluded(hi.as_str())))
            .map(|e| &e.0)
    }

    /// Files that later layers deleted or overwrote, in the order it
    /// happened.
    pub fn removed(&self) -> &[RemovedEntry] {
        &self.removed
    }

    /// Problems met while merging (hardlinks to missing files).
    pub fn unknowns(&self) -> &[Unknown] {
        &self.unknowns
    }

    /// Resolves a path through symlinks in any component, inside the image
    /// only: absolute targets start at the image root and `..` stops there.
    /// Returns the final path, or `None` for a dangling path or a loop.
    pub fn resolve_path(&self, path: &str) -> Option<String> {
        let mut hops = 0usize;
        self.resolve_inner(path, &mut hops)
    }

    fn resolve_inner(&self, path: &str, hops: &mut usize) -> Option<String> {
        let mut cur = String::from("/");
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        for (i, comp) in comps.iter().enumerate() {
            let candidate = if cur == "/" {
                format!("/{comp}")
            } else if *comp == ".." {
                customs_types::path::parent(&cur).to_string()
            } else if *comp == "." {
                cur.clone()
            } else {
                format!("{cur}/{comp}")
            };
            match self.get(&candidate) {
                Some(e) if e.kind == FileKind::Symlink => {
                    *hops += 1;
                    if *hops > MAX_LINK_HOPS {
                        return None;
                    }
                    let target = resolve_link_target(&candidate, e.link.as_deref().unwrap_or(""));
                    cur = self.resolve_inner(&target, hops)?;
                }
                Some(_) => cur = candidate,
                None if i + 1 == comps.len() => return None,
                None => return None,
            }
        }
        Some(cur)
    }

    /// The entry a path leads to after following symlinks.
    pub fn resolve(&self, path: &str) -> Option<&FileEntry> {
        let p = self.resolve_path(path)?;
        self.get(&p)
    }

    /// Is `path` inside `dir` once both are resolved?
    pub fn resolved_within(&self, path: &str, dir: &str) -> bool {
        match (self.resolve_path(path), self.resolve_path(dir)) {
            (Some(p), Some(d)) => is_within(&p, &d),
            _ => false,
        }
    }
}

/// Stacks layers (in order) into the merged and history views, moving their
/// entries into the view.
pub fn merge<'a>(layers: impl IntoIterator<Item = &'a mut LayerIndex>) -> MergedView {
    let mut view = MergedView::default();
    for l in layers {
        view.apply(l);
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use customs_types::{LayerMeta, LayerSummary};

    fn layer(
        n: u32,
        entries: &[(&str, FileKind, u64, Option<&str>)],
        wh: &[&str],
        opq: &[&str],
    ) -> LayerIndex {
        LayerIndex {
            summary: LayerSummary {
                meta: LayerMeta {
                    index: n,
                    digest: None,
                    diff_id: None,
                    media_type: None,
                    compressed_size: None,
                    created_by: None,
                },
                uncompressed_size: 0,
                entries: entries.len() as u64,
                files: 0,
                whiteouts: (wh.len() + opq.len()) as u64,
            },
            entries: entries
                .iter()
                .map(|(p, k, s, l)| FileEntry {
                    path: p.to_string(),
                    kind: *k,
                    size: *s,
                    mode: 0o644,
                    uid: 0,
                    gid: 0,
                    link: l.map(str::to_string),
                    layer: n,
                })
                .collect(),
            whiteouts: wh.iter().map(|s| s.to_string()).collect(),
            opaque_dirs: opq.iter().map(|s| s.to_string()).collect(),
            unknowns: vec![],
        }
    }

    use FileKind::*;

    #[test]
    fn whiteouts_delete_and_history_keeps() {
        let mut l0 = layer(
            0,
            &[
                ("/root", Dir, 0, None),
                ("/root/.ssh", Dir, 0, None),
                ("/root/.ssh/id_rsa", File, 1675, None),
                ("/etc", Dir, 0, None),
                ("/etc/a", File, 1, None),
            ],
            &[],
            &[],
        );
        let mut l1 = layer(1, &[("/etc/a", File, 2, None)], &["/root/.ssh/id_rsa"], &[]);
        let v = merge([&mut l0, &mut l1]);
        assert!(v.get("/root/.ssh/id_rsa").is_none());
        assert_eq!(v.get("/etc/a").unwrap().size, 2);
        assert_eq!(v.get("/etc/a").unwrap().layer, 1);
        let removed: Vec<_> = v
            .removed()
            .iter()
            .map(|r| {
                (
                    r.entry.path.as_str(),
                    r.removal,
                    r.removed_in,
                    r.entry.layer,
                )
            })
            .collect();
        assert_eq!(
            removed,
            vec![
                ("/root/.ssh/id_rsa", Removal::Deleted, 1, 0),
                ("/etc/a", Removal::Overwritten, 1, 0)
            ]
        );
    }

    #[test]
    fn opaque_dirs_hide_lower_layers_only() {
        let mut l0 = layer(
            0,
            &[
                ("/d", Dir, 0, None),
                ("/d/x", File, 1, None),
                ("/dx", File, 1, None),
            ],
            &[],
            &[],
        );
        let mut l1 = layer(
            1,
            &[("/d", Dir, 0, None), ("/d/y", File, 1, None)],
            &[],
            &["/d"],
        );
        let v = merge([&mut l0, &mut l1]);
        let paths: Vec<_> = v.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["/d", "/d/y", "/dx"]);
    }

    #[test]
    fn deleting_a_dir_deletes_its_tree_but_not_siblings() {
        let mut l0 = layer(
            0,
            &[
                ("/a", Dir, 0, None),
                ("/a/b", File, 1, None),
                ("/a-b", File, 1, None),
                ("/a0", File, 1, None),
            ],
            &[],
            &[],
        );
        let mut l1 = layer(1, &[], &["/a"], &[]);
        let v = merge([&mut l0, &mut l1]);
        let paths: Vec<_> = v.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["/a-b", "/a0"]);
        assert_eq!(v.removed().len(), 2);
    }

    #[test]
    fn file_replacing_dir_removes_tree() {
        let mut l0 = layer(
            0,
            &[("/a", Dir, 0, None), ("/a/b", File, 1, None)],
            &[],
            &[],
        );
        let mut l1 = layer(1, &[("/a", Symlink, 4, Some("/opt"))], &[], &[]);
        let v = merge([&mut l0, &mut l1]);
        assert_eq!(v.len(), 1);
        assert_eq!(v.get("/a").unwrap().kind, Symlink);
    }

    #[test]
    fn hardlinks_take_their_targets_size_or_are_dropped() {
        let mut l0 = layer(
            0,
            &[
                ("/bin", Dir, 0, None),
                ("/bin/a", File, 10, None),
                ("/bin/b", Hardlink, 0, Some("/bin/a")),
                ("/bin/c", Hardlink, 0, Some("/nope")),
            ],
            &[],
            &[],
        );
        let v = merge([&mut l0]);
        let b = v.get("/bin/b").unwrap();
        assert_eq!((b.kind, b.size), (File, 10));
        assert!(v.get("/bin/c").is_none());
        assert_eq!(v.unknowns().len(), 1);
        assert!(v.unknowns()[0].message.contains("/nope"));
    }

    #[test]
    fn symlinks_resolve_inside_the_image_only() {
        let mut l0 = layer(
            0,
            &[
                ("/usr", Dir, 0, None),
                ("/usr/lib", Dir, 0, None),
                ("/usr/lib/os-release", File, 100, None),
                ("/etc", Dir, 0, None),
                (
                    "/etc/os-release",
                    Symlink,
                    21,
                    Some("../usr/lib/os-release"),
                ),
                ("/lib", Symlink, 7, Some("usr/lib")),
                (
                    "/escape",
                    Symlink,
                    30,
                    Some("../../../../../usr/lib/os-release"),
                ),
                ("/loop1", Symlink, 5, Some("loop2")),
                ("/loop2", Symlink, 5, Some("loop1")),
                ("/dangling", Symlink, 5, Some("/nope")),
            ],
            &[],
            &[],
        );
        let v = merge([&mut l0]);
        assert_eq!(
            v.resolve("/etc/os-release").unwrap().path,
            "/usr/lib/os-release"
        );
        assert_eq!(v.resolve("/lib/os-release").unwrap().size, 100);
        assert_eq!(v.resolve("/escape").unwrap().path, "/usr/lib/os-release");
        assert!(v.resolve("/loop1").is_none());
        assert!(v.resolve("/dangling").is_none());
        assert!(v.resolved_within("/lib/os-release", "/usr"));
    }
}
