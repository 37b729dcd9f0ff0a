//! Comparing two reports (`customs diff A B`): packages added, removed and
//! changed, vulnerabilities fixed, introduced and unchanged, and the counts
//! per severity before and after.
//!
//! # Matching
//!
//! Packages are identified by their kind (the catalogue: `deb`, `python`,
//! `npm`, ...), their name, and for OS packages their architecture (a
//! multi-arch `libc6:amd64` and `libc6:i386` are two packages). One
//! identity can occur several times in an image (the same npm package in
//! nested `node_modules`, a Python package in two environments), so each
//! side is a multiset, and the occurrences of one identity are paired in
//! this order:
//!
//! 1. same version at the same place: unchanged;
//! 2. same version elsewhere: unchanged (the package moved);
//! 3. same place, other version: changed;
//! 4. what is left, in order of place and version: changed;
//!
//! and the occurrences left over are removed (before) or added (after). The
//! *place* of a language package is its package set (a `site-packages`,
//! a conda environment, a directory of jars: their metadata file names
//! carry the version), of an npm package its `package.json`, of an OS
//! package nothing (there is one database).
//!
//! Vulnerabilities are identified by their id and the package's kind and
//! name, as a multiset too, paired by the package's place first: a finding
//! present on both sides is unchanged even when the package's version moved
//! (the upgrade did not fix it), one only before is fixed, one only after
//! is introduced. Suppressed findings are left out on both sides.
//!
//! Severity counts are over active findings; the change in percent is
//! `(after - before) / before`, and none when there was nothing before.

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::{CellAlignment, Table};
use customs_types::{Package, PackageKind, Severity, VulnFinding};
use serde::Serialize;

use crate::ScanReport;
use crate::base::Origin;
use crate::markdown::{cell, code};
use crate::table::{heading, new_table};
use crate::text::{SeverityCounts, finding_order, package_set, truncate};

/// What changed from one report to another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportDiff {
    pub before: Side,
    pub after: Side,
    pub packages: PackageChanges,
    pub vulnerabilities: VulnChanges,
    /// Active findings per severity (most severe first), then the total.
    pub severities: Vec<SeverityChange>,
    pub total: SeverityChange,
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    pub packages: usize,
    /// Active vulnerability findings.
    pub vulnerabilities: usize,
}

/// Package changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackageChanges {
    pub added: Vec<PackageEntry>,
    pub removed: Vec<PackageEntry>,
    pub changed: Vec<PackageChange>,
    /// Packages present on both sides at the same version.
    pub unchanged: usize,
}

/// A package on one side.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PackageEntry {
    pub kind: PackageKind,
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    pub purl: String,
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
}

impl PackageEntry {
    fn of(p: &Package) -> PackageEntry {
        PackageEntry {
            kind: p.kind,
            name: p.name.clone(),
            version: p.version.clone(),
            arch: p.arch.clone(),
            purl: p.purl.clone(),
            location: p.location.clone(),
            layer: p.layer,
        }
    }
}

/// A package whose version changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PackageChange {
    pub kind: PackageKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    pub before: String,
    pub after: String,
    /// The location after.
    pub location: String,
    /// The layer after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
}

/// Vulnerability changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VulnChanges {
    /// Only before.
    pub fixed: Vec<FindingEntry>,
    /// Only after.
    pub introduced: Vec<FindingEntry>,
    /// On both sides (as after).
    pub unchanged: Vec<FindingEntry>,
}

/// A finding, as the diff lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingEntry {
    pub id: String,
    pub severity: Severity,
    pub kind: PackageKind,
    pub package: String,
    pub version: String,
    /// The version before, for an unchanged finding whose package's
    /// version changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// From the side's base image or its own layers, when that side's base
    /// layers are known (`--base`, or a report made with it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl FindingEntry {
    fn of(f: &VulnFinding) -> FindingEntry {
        FindingEntry {
            id: f.id.clone(),
            severity: f.severity,
            kind: f.package.kind,
            package: f.package.name.clone(),
            version: f.package.version.clone(),
            version_before: None,
            fixed_version: f.fixed_version.clone(),
            location: f.package.location.clone(),
            layer: f.package.layer,
            title: f
                .title
                .as_deref()
                .or(f.description.as_deref())
                .map(|t| truncate(t, 80)),
            origin: None,
        }
    }

    fn in_report(f: &VulnFinding, r: &ScanReport) -> FindingEntry {
        let mut e = FindingEntry::of(f);
        e.origin = r
            .base
            .as_ref()
            .filter(|b| b.layers.is_some())
            .map(|b| b.origin(f.package.layer));
        e
    }
}

/// Counts of one severity (or the total) before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeverityChange {
    /// `CRITICAL` ... `UNKNOWN`, or `TOTAL`.
    pub severity: String,
    pub before: usize,
    pub after: usize,
    /// `(after - before) / before` in percent, one decimal; none when
    /// `before` is 0.
    pub change_percent: Option<f64>,
}

impl SeverityChange {
    fn new(severity: &str, before: usize, after: usize) -> SeverityChange {
        SeverityChange {
            severity: severity.to_string(),
            before,
            after,
            change_percent: percent(before, after),
        }
    }

    /// `-45.5%`, `+20%`, `0%`, or `new` / `-` when there was nothing before.
    pub fn change_text(&self) -> String {
        match self.change_percent {
            Some(p) => format_percent(p),
            None if self.after > 0 => "new".into(),
            None => "-".into(),
        }
    }
}

/// `(after - before) / before` in percent, rounded to one decimal.
pub fn percent(before: usize, after: usize) -> Option<f64> {
    (before > 0).then(|| {
        let p = (after as f64 - before as f64) * 100.0 / before as f64;
        (p * 10.0).round() / 10.0
    })
}

/// `+12.5%`, `-100%`, `0%`.
pub fn format_percent(p: f64) -> String {
    let s = if p.fract() == 0.0 {
        format!("{}", p.abs() as i64)
    } else {
        format!("{:.1}", p.abs())
    };
    if p > 0.0 {
        format!("+{s}%")
    } else if p < 0.0 {
        format!("-{s}%")
    } else {
        format!("{s}%")
    }
}

impl ReportDiff {
    /// Nothing added, removed, changed, fixed or introduced.
    pub fn is_empty(&self) -> bool {
        self.packages.added.is_empty()
            && self.packages.removed.is_empty()
            && self.packages.changed.is_empty()
            && self.vulnerabilities.fixed.is_empty()
            && self.vulnerabilities.introduced.is_empty()
    }
}

/// Compares `before` with `after`.
pub fn diff(before: &ScanReport, after: &ScanReport) -> ReportDiff {
    let packages = diff_packages(&before.inventory.packages, &after.inventory.packages);
    let vb: Vec<&VulnFinding> = active(before).collect();
    let va: Vec<&VulnFinding> = active(after).collect();
    let vulnerabilities = diff_findings(&vb, &va, before, after);
    let cb = SeverityCounts::of(vb.iter().copied());
    let ca = SeverityCounts::of(va.iter().copied());
    let severities = Severity::ALL
        .iter()
        .rev()
        .map(|s| SeverityChange::new(s.as_str(), cb.get(*s), ca.get(*s)))
        .collect();
    ReportDiff {
        before: side(before, vb.len()),
        after: side(after, va.len()),
        packages,
        vulnerabilities,
        severities,
        total: SeverityChange::new("TOTAL", cb.total(), ca.total()),
    }
}

fn active(r: &ScanReport) -> impl Iterator<Item = &VulnFinding> {
    r.vulnerabilities.iter().filter(|f| f.suppressed.is_none())
}

fn side(r: &ScanReport, vulns: usize) -> Side {
    let name = if r.artifact.name.is_empty() {
        crate::image::display_name(&r.artifact)
    } else {
        r.artifact.name.clone()
    };
    Side {
        name,
        digest: r.artifact.manifest_digest.as_ref().map(|d| d.to_string()),
        packages: r.inventory.packages.len(),
        vulnerabilities: vulns,
    }
}

/// Where a package of this kind at this location is (see the module docs).
fn place(kind: PackageKind, location: &str) -> String {
    match kind {
        k if k.is_os() => String::new(),
        PackageKind::Npm | PackageKind::Go | PackageKind::Cargo => location.to_string(),
        k => package_set(k, location),
    }
}

type PkgKey = (PackageKind, String, Option<String>);

fn pkg_key(p: &Package) -> PkgKey {
    let arch = if p.kind.is_os() { p.arch.clone() } else { None };
    (p.kind, p.name.clone(), arch)
}

/// A pairing rule: do these two occurrences match?
type Same<'f, T> = &'f dyn Fn(&T, &T) -> bool;

/// Pairs the occurrences of one identity: indices into `b` and `a` that
/// match by `same` (tried in order of the passes), the rest left over.
fn pair<T>(
    b: &[T],
    a: &[T],
    passes: &[Same<'_, T>],
) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    let mut used_b = vec![false; b.len()];
    let mut used_a = vec![false; a.len()];
    let mut pairs = Vec::new();
    for same in passes {
        for (i, x) in b.iter().enumerate() {
            if used_b[i] {
                continue;
            }
            if let Some(j) = (0..a.len()).find(|&j| !used_a[j] && same(x, &a[j])) {
                used_b[i] = true;
                used_a[j] = true;
                pairs.push((i, j));
            }
        }
    }
    let left_b = (0..b.len()).filter(|&i| !used_b[i]).collect();
    let left_a = (0..a.len()).filter(|&j| !used_a[j]).collect();
    (pairs, left_b, left_a)
}

fn group<'a, T, K: Ord>(items: &[&'a T], key: impl Fn(&T) -> K) -> BTreeMap<K, Vec<&'a T>> {
    let mut m: BTreeMap<K, Vec<&'a T>> = BTreeMap::new();
    for it in items {
        m.entry(key(it)).or_default().push(it);
    }
    m
}

fn diff_packages(before: &[Package], after: &[Package]) -> PackageChanges {
    fn sorted(ps: &[Package]) -> Vec<&Package> {
        let mut v: Vec<&Package> = ps.iter().collect();
        v.sort_by(|x, y| {
            (place(x.kind, &x.location), &x.version, &x.location).cmp(&(
                place(y.kind, &y.location),
                &y.version,
                &y.location,
            ))
        });
        v
    }
    let gb = group(&sorted(before), pkg_key);
    let mut ga = group(&sorted(after), pkg_key);
    let mut out = PackageChanges::default();
    let same_version_place = |x: &&Package, y: &&Package| {
        x.version == y.version && place(x.kind, &x.location) == place(y.kind, &y.location)
    };
    let same_version = |x: &&Package, y: &&Package| x.version == y.version;
    let same_place =
        |x: &&Package, y: &&Package| place(x.kind, &x.location) == place(y.kind, &y.location);
    let any = |_: &&Package, _: &&Package| true;
    for (k, b) in gb {
        let a = ga.remove(&k).unwrap_or_default();
        let (pairs, left_b, left_a) = pair(
            &b,
            &a,
            &[&same_version_place, &same_version, &same_place, &any],
        );
        for (i, j) in pairs {
            let (x, y) = (b[i], a[j]);
            if x.version == y.version {
                out.unchanged += 1;
            } else {
                out.changed.push(PackageChange {
                    kind: y.kind,
                    name: y.name.clone(),
                    arch: k.2.clone(),
                    before: x.version.clone(),
                    after: y.version.clone(),
                    location: y.location.clone(),
                    layer: y.layer,
                });
            }
        }
        out.removed
            .extend(left_b.into_iter().map(|i| PackageEntry::of(b[i])));
        out.added
            .extend(left_a.into_iter().map(|j| PackageEntry::of(a[j])));
    }
    for a in ga.into_values() {
        out.added.extend(a.into_iter().map(PackageEntry::of));
    }
    out.added.sort();
    out.removed.sort();
    out.changed.sort();
    out
}

fn diff_findings(
    before: &[&VulnFinding],
    after: &[&VulnFinding],
    rb: &ScanReport,
    ra: &ScanReport,
) -> VulnChanges {
    let key = |f: &VulnFinding| (f.id.clone(), f.package.kind, f.package.name.clone());
    fn sorted<'a>(fs: &[&'a VulnFinding]) -> Vec<&'a VulnFinding> {
        let mut v = fs.to_vec();
        v.sort_by(|x, y| finding_order(x, y));
        v
    }
    let gb = group(&sorted(before), key);
    let mut ga = group(&sorted(after), key);
    let fplace = |f: &&VulnFinding| place(f.package.kind, &f.package.location);
    let same_place = |x: &&VulnFinding, y: &&VulnFinding| fplace(x) == fplace(y);
    let any = |_: &&VulnFinding, _: &&VulnFinding| true;
    let mut out = VulnChanges::default();
    let mut fixed: Vec<&VulnFinding> = Vec::new();
    let mut introduced: Vec<&VulnFinding> = Vec::new();
    let mut unchanged: Vec<(&VulnFinding, &VulnFinding)> = Vec::new();
    for (k, b) in gb {
        let a = ga.remove(&k).unwrap_or_default();
        let (pairs, left_b, left_a) = pair(&b, &a, &[&same_place, &any]);
        unchanged.extend(pairs.into_iter().map(|(i, j)| (b[i], a[j])));
        fixed.extend(left_b.into_iter().map(|i| b[i]));
        introduced.extend(left_a.into_iter().map(|j| a[j]));
    }
    for a in ga.into_values() {
        introduced.extend(a);
    }
    fixed.sort_by(|x, y| finding_order(x, y));
    introduced.sort_by(|x, y| finding_order(x, y));
    unchanged.sort_by(|x, y| finding_order(x.1, y.1));
    out.fixed = fixed
        .into_iter()
        .map(|f| FindingEntry::in_report(f, rb))
        .collect();
    out.introduced = introduced
        .into_iter()
        .map(|f| FindingEntry::in_report(f, ra))
        .collect();
    out.unchanged = unchanged
        .into_iter()
        .map(|(x, y)| {
            let mut e = FindingEntry::in_report(y, ra);
            if x.package.version != y.package.version {
                e.version_before = Some(x.package.version.clone());
            }
            e
        })
        .collect();
    out
}

// ---------------------------------------------------------------- writers

/// The diff as pretty JSON.
pub fn write_json(d: &ReportDiff, out: &mut dyn Write) -> io::Result<()> {
    crate::write_json_value(d, out)
}

fn right_align(t: &mut Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn layer_text(l: Option<u32>) -> String {
    l.map_or_else(|| "-".into(), |i| i.to_string())
}

fn side_title(s: &Side) -> String {
    match &s.digest {
        Some(d) => {
            let short = d.split_once(':').map_or(d.as_str(), |(_, h)| h);
            format!("{} ({})", s.name, &short[..short.len().min(12)])
        }
        None => s.name.clone(),
    }
}

/// `Introduced: 3 from the base image, 5 from your layers`, when the
/// findings' origins are known.
fn origin_line(title: &str, list: &[FindingEntry]) -> Option<String> {
    if list.iter().all(|f| f.origin.is_none()) {
        return None;
    }
    let n = |o: Origin| list.iter().filter(|f| f.origin == Some(o)).count();
    let mut s = format!(
        "{title}: {} from the base image, {} from your layers",
        n(Origin::Base),
        n(Origin::Application)
    );
    let unknown = list.len() - n(Origin::Base) - n(Origin::Application);
    if unknown > 0 {
        s.push_str(&format!(", {unknown} of an unknown layer"));
    }
    Some(s)
}

fn origin_lines(d: &ReportDiff) -> Vec<String> {
    let v = &d.vulnerabilities;
    [("Introduced", &v.introduced), ("Fixed", &v.fixed)]
        .into_iter()
        .filter_map(|(t, l)| origin_line(t, l))
        .collect()
}

fn counts_line(d: &ReportDiff) -> (String, String) {
    let p = &d.packages;
    let v = &d.vulnerabilities;
    (
        format!(
            "Packages: {} → {} ({} added, {} removed, {} changed)",
            d.before.packages,
            d.after.packages,
            p.added.len(),
            p.removed.len(),
            p.changed.len()
        ),
        format!(
            "Vulnerabilities: {} → {} ({} fixed, {} introduced, {} unchanged)",
            d.before.vulnerabilities,
            d.after.vulnerabilities,
            v.fixed.len(),
            v.introduced.len(),
            v.unchanged.len()
        ),
    )
}

/// The diff as terminal tables (no wrapping unless `width` asks for it).
pub fn write_table(d: &ReportDiff, width: Option<u16>, out: &mut dyn Write) -> io::Result<()> {
    heading(
        out,
        &format!("{} → {}", side_title(&d.before), side_title(&d.after)),
        '=',
    )?;
    let (pl, vl) = counts_line(d);
    writeln!(out, "{pl}")?;
    writeln!(out, "{vl}")?;
    for l in origin_lines(d) {
        writeln!(out, "{l}")?;
    }
    writeln!(out)?;

    let mut t = new_table(width);
    t.set_header(vec!["Severity", "Before", "After", "Change"]);
    for s in d.severities.iter().chain(std::iter::once(&d.total)) {
        t.add_row(vec![
            s.severity.clone(),
            s.before.to_string(),
            s.after.to_string(),
            s.change_text(),
        ]);
    }
    right_align(&mut t, &[1, 2, 3]);
    writeln!(out, "{t}")?;

    let v = &d.vulnerabilities;
    for (title, list) in [
        ("Vulnerabilities introduced", &v.introduced),
        ("Vulnerabilities fixed", &v.fixed),
    ] {
        writeln!(out)?;
        heading(out, &format!("{title} ({})", list.len()), '-')?;
        if list.is_empty() {
            writeln!(out, "(none)")?;
            continue;
        }
        let mut t = new_table(width);
        t.set_header(vec![
            "Package",
            "Installed",
            "Fixed",
            "ID",
            "Severity",
            "Title",
            "Layer",
        ]);
        for f in list {
            t.add_row(vec![
                f.package.clone(),
                f.version.clone(),
                f.fixed_version.clone().unwrap_or_else(|| "-".into()),
                f.id.clone(),
                f.severity.as_str().to_string(),
                f.title
                    .as_deref()
                    .map_or_else(String::new, |t| truncate(t, 50)),
                layer_text(f.layer),
            ]);
        }
        right_align(&mut t, &[6]);
        writeln!(out, "{t}")?;
    }

    let p = &d.packages;
    for (title, list) in [
        ("Packages added", &p.added),
        ("Packages removed", &p.removed),
    ] {
        writeln!(out)?;
        heading(out, &format!("{title} ({})", list.len()), '-')?;
        if list.is_empty() {
            writeln!(out, "(none)")?;
            continue;
        }
        let mut t = new_table(width);
        t.set_header(vec!["Name", "Version", "Type", "Location", "Layer"]);
        for e in list {
            t.add_row(vec![
                e.name.clone(),
                e.version.clone(),
                e.kind.as_str().to_string(),
                e.location.clone(),
                layer_text(e.layer),
            ]);
        }
        right_align(&mut t, &[4]);
        writeln!(out, "{t}")?;
    }
    writeln!(out)?;
    heading(out, &format!("Packages changed ({})", p.changed.len()), '-')?;
    if p.changed.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(width);
        t.set_header(vec!["Name", "Before", "After", "Type", "Layer"]);
        for c in &p.changed {
            t.add_row(vec![
                c.name.clone(),
                c.before.clone(),
                c.after.clone(),
                c.kind.as_str().to_string(),
                layer_text(c.layer),
            ]);
        }
        right_align(&mut t, &[4]);
        writeln!(out, "{t}")?;
    }
    Ok(())
}

/// How many rows a Markdown section lists before "… and N more".
pub const MARKDOWN_ROWS: usize = 50;

/// The diff as Markdown, for a pull-request comment.
pub fn write_markdown(d: &ReportDiff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "## customs diff: {} → {}",
        code(&d.before.name),
        code(&d.after.name)
    )?;
    writeln!(out)?;
    let v = &d.vulnerabilities;
    let p = &d.packages;
    writeln!(
        out,
        "**{}** introduced · **{}** fixed · {} unchanged vulnerabilities · packages: {} added, {} removed, {} changed",
        v.introduced.len(),
        v.fixed.len(),
        v.unchanged.len(),
        p.added.len(),
        p.removed.len(),
        p.changed.len()
    )?;
    writeln!(out)?;
    let ol = origin_lines(d);
    for l in &ol {
        writeln!(out, "{l}  ")?;
    }
    if !ol.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "| Severity | Before | After | Change |")?;
    writeln!(out, "|---|---:|---:|---:|")?;
    for s in &d.severities {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            s.severity,
            s.before,
            s.after,
            s.change_text()
        )?;
    }
    let t = &d.total;
    writeln!(
        out,
        "| **Total** | **{}** | **{}** | **{}** |",
        t.before,
        t.after,
        t.change_text()
    )?;

    for (title, list) in [("Introduced", &v.introduced), ("Fixed", &v.fixed)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "### {title} ({})", list.len())?;
        writeln!(out)?;
        writeln!(
            out,
            "| Severity | ID | Package | Installed | Fixed | Title |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for f in list.iter().take(MARKDOWN_ROWS) {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                f.severity.as_str(),
                cell(&f.id),
                cell(&f.package),
                cell(&f.version),
                f.fixed_version.as_deref().map_or_else(|| "-".into(), cell),
                cell(f.title.as_deref().unwrap_or("")),
            )?;
        }
        more(out, list.len())?;
    }

    if p.added.is_empty() && p.removed.is_empty() && p.changed.is_empty() {
        writeln!(out)?;
        writeln!(out, "No package changes.")?;
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "<details><summary>Package changes</summary>")?;
    for (title, list) in [("Added", &p.added), ("Removed", &p.removed)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "#### {title} ({})", list.len())?;
        writeln!(out)?;
        writeln!(out, "| Name | Version | Type |")?;
        writeln!(out, "|---|---|---|")?;
        for e in list.iter().take(MARKDOWN_ROWS) {
            writeln!(
                out,
                "| {} | {} | {} |",
                cell(&e.name),
                cell(&e.version),
                e.kind.as_str()
            )?;
        }
        more(out, list.len())?;
    }
    if !p.changed.is_empty() {
        writeln!(out)?;
        writeln!(out, "#### Changed ({})", p.changed.len())?;
        writeln!(out)?;
        writeln!(out, "| Name | Before | After | Type |")?;
        writeln!(out, "|---|---|---|---|")?;
        for c in p.changed.iter().take(MARKDOWN_ROWS) {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&c.name),
                cell(&c.before),
                cell(&c.after),
                c.kind.as_str()
            )?;
        }
        more(out, p.changed.len())?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")
}

fn more(out: &mut dyn Write, n: usize) -> io::Result<()> {
    if n > MARKDOWN_ROWS {
        writeln!(out)?;
        writeln!(out, "… and {} more; see the full diff.", n - MARKDOWN_ROWS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents() {
        assert_eq!(percent(0, 3), None);
        assert_eq!(percent(4, 2), Some(-50.0));
        assert_eq!(percent(3, 4), Some(33.3));
        assert_eq!(format_percent(-50.0), "-50%");
        assert_eq!(format_percent(33.3), "+33.3%");
        assert_eq!(format_percent(0.0), "0%");
    }
}
