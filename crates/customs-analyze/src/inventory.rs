//! The inventory: per-layer analyzer results applied to the merged view.
//!
//! - A record counts only if the file it was read from survives, in that
//!   layer's version, in the final image (a deleted or overwritten
//!   `METADATA` or `status` file no longer speaks for the image).
//! - A package from a database rewritten by later layers (dpkg `status`)
//!   is attributed to the earliest layer whose database already listed it
//!   at the same version.
//! - OS packages own the files their lists name; a language package whose
//!   metadata file is owned by an OS package is marked OS-managed.
//! - OS package purls get the distribution found in the image.

use std::collections::HashMap;

use customs_layer::MergedView;
use customs_types::{FileKind, Inventory, OsManaged, Package, PackageKind};

use crate::LayerAnalysis;

/// Which os-release-like files win, first to last.
const OS_FILES: &[&str] = &[
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/lsb-release",
    "/etc/alpine-release",
    "/etc/redhat-release",
    "/etc/centos-release",
    "/etc/fedora-release",
    "/etc/system-release",
    "/etc/debian_version",
];

fn os_rank(path: &str) -> usize {
    OS_FILES
        .iter()
        .position(|p| *p == path)
        .unwrap_or(OS_FILES.len())
}

/// Is this version of the file (read in `layer`) what the image holds?
fn alive(view: &MergedView, path: &str, layer: u32) -> bool {
    match view.get(path) {
        Some(e) => e.layer == layer && e.kind == FileKind::File,
        None => false,
    }
}

/// Files that hold many packages and are rewritten whole by later layers.
fn is_database(p: &Package) -> bool {
    p.kind.is_os()
}

/// Combines per-layer analyses (in any order) with the merged view.
pub fn build(analyses: &[LayerAnalysis], view: &MergedView) -> Inventory {
    let mut inv = Inventory::default();

    // Operating system
    let mut os: Vec<&crate::OsCandidate> = analyses
        .iter()
        .flat_map(|a| a.os.iter())
        .filter(|c| alive(view, &c.path, c.layer))
        .collect();
    os.sort_by_key(|c| (os_rank(&c.path), std::cmp::Reverse(c.layer)));
    inv.os = os.first().map(|c| c.os.clone());

    // Earliest layer each database entry appeared in, by (location, kind,
    // name, version, arch).
    type Key = (String, PackageKind, String, String, Option<String>);
    let mut first_seen: HashMap<Key, u32> = HashMap::new();
    for a in analyses {
        for p in a.packages.iter().filter(|p| is_database(p)) {
            let k = (
                p.location.clone(),
                p.kind,
                p.name.clone(),
                p.version.clone(),
                p.arch.clone(),
            );
            let layer = p.layer.unwrap_or(a.layer);
            first_seen
                .entry(k)
                .and_modify(|l| *l = (*l).min(layer))
                .or_insert(layer);
        }
    }

    let mut packages: Vec<Package> = analyses
        .iter()
        .flat_map(|a| a.packages.iter())
        .filter(|p| alive(view, &p.location, p.layer.unwrap_or(u32::MAX)))
        .cloned()
        .collect();
    for p in packages.iter_mut().filter(|p| is_database(p)) {
        let k = (
            p.location.clone(),
            p.kind,
            p.name.clone(),
            p.version.clone(),
            p.arch.clone(),
        );
        if let Some(l) = first_seen.get(&k) {
            p.layer = Some(*l);
        }
    }

    // File lists of OS packages (dpkg info/*.list): attach to packages.
    let mut lists: HashMap<&str, Vec<&String>> = HashMap::new();
    for a in analyses {
        for o in &a.ownership {
            if alive(view, &o.location, a.layer) {
                lists
                    .entry(o.package.as_str())
                    .or_default()
                    .extend(o.files.iter());
            }
        }
    }
    for p in packages.iter_mut().filter(|p| p.kind.is_os()) {
        let qualified = p.arch.as_ref().map(|a| format!("{}:{a}", p.name));
        let found = lists
            .get(p.name.as_str())
            .or_else(|| qualified.as_deref().and_then(|q| lists.get(q)));
        if let Some(files) = found
            && p.files.is_empty()
        {
            p.files = files.iter().map(|f| (*f).clone()).collect();
            p.files.sort();
            p.files.dedup();
        }
    }

    // Distribution-aware purls for OS packages.
    let distroless = packages
        .iter()
        .any(|p| p.kind == PackageKind::Deb && p.location.starts_with("/var/lib/dpkg/status.d/"));
    if let Some(os) = inv.os.as_mut() {
        os.distroless = distroless;
    }
    for p in packages.iter_mut().filter(|p| p.kind.is_os()) {
        p.purl = crate::purl::os_package(p, inv.os.as_ref());
    }

    // Which OS package owns each path.
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        if p.kind.is_os() {
            for f in &p.files {
                owner.entry(f.as_str()).or_insert(i);
            }
        }
    }
    let managed: Vec<(usize, OsManaged)> = packages
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.kind.is_os() && p.kind != PackageKind::MlRuntime)
        .filter_map(|(i, p)| {
            let o = owner.get(p.location.as_str()).or_else(|| {
                // egg-info files and dirs: the owner lists the dir itself
                let parent = customs_types::path::parent(&p.location);
                owner.get(parent)
            })?;
            let os_pkg = &packages[*o];
            Some((
                i,
                OsManaged {
                    package: os_pkg.name.clone(),
                    version: os_pkg.version.clone(),
                    purl: os_pkg.purl.clone(),
                },
            ))
        })
        .collect();
    for (i, m) in managed {
        packages[i].os_managed = Some(m);
    }

    packages.sort_by(|a, b| {
        (a.kind, &a.name, &a.version, &a.location).cmp(&(b.kind, &b.name, &b.version, &b.location))
    });
    packages.dedup_by(|a, b| a.key() == b.key());
    inv.packages = packages;
    inv.unknowns = analyses
        .iter()
        .flat_map(|a| a.unknowns.iter().cloned())
        .collect();
    inv
}
