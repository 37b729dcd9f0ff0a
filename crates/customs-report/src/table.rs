//! The terminal table.
//!
//! Two sections, each optional:
//!
//! - **packages**: counts per kind, a table of layers (index, short
//!   diff_id, `created_by`, package count), then the package list (name,
//!   version, type, layer);
//! - **vulnerabilities**: `Total: N (UNKNOWN: a, LOW: b, ...)` over active
//!   findings, then one block per target, as Trivy groups them: the OS
//!   packages as one target named after the OS, and each language package
//!   set (a `site-packages`, a `node_modules` tree, a binary, ...) with its
//!   directory and layer(s); rows are package, installed, fixed, id,
//!   severity, title (cut to 50 characters) and layer. Suppressed findings
//!   are listed last with who suppressed them.
//!
//! The output never depends on the terminal: no colours, and no wrapping
//! unless [`TableOptions::width`] asks for a width.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use customs_types::VulnFinding;

use crate::ScanReport;
use crate::catalog::Catalog;
use crate::text::{self, SeverityCounts, finding_order, truncate};

/// What the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableOptions {
    /// Package counts, layers and the package list.
    pub packages: bool,
    /// Vulnerability counts and per-target findings.
    pub vulnerabilities: bool,
    /// Wrap cells to fit this many columns; `None` never wraps.
    pub width: Option<u16>,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            packages: true,
            vulnerabilities: true,
            width: None,
        }
    }
}

impl TableOptions {
    /// Only the package section (an SBOM listing).
    pub fn packages_only() -> Self {
        TableOptions {
            packages: true,
            vulnerabilities: false,
            width: None,
        }
    }

    /// Only the vulnerability section.
    pub fn vulnerabilities_only() -> Self {
        TableOptions {
            packages: false,
            vulnerabilities: true,
            width: None,
        }
    }

    /// Neither packages nor vulnerabilities: only the other findings
    /// (secrets, models, misconfigurations).
    pub fn findings_only() -> Self {
        TableOptions {
            packages: false,
            vulnerabilities: false,
            width: None,
        }
    }

    pub fn with_width(mut self, width: Option<u16>) -> Self {
        self.width = width;
        self
    }
}

/// Writes both sections.
pub fn write_table(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write_table_with(report, &TableOptions::default(), out)
}

/// Writes both sections (the module name of [`write_table`]).
pub fn write(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write_table(report, out)
}

/// Writes the package section only (an SBOM listing).
pub fn write_sbom(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write_table_with(report, &TableOptions::packages_only(), out)
}

/// Writes the vulnerability section only.
pub fn write_vulnerabilities(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write_table_with(report, &TableOptions::vulnerabilities_only(), out)
}

/// Writes the sections `opts` asks for.
pub fn write_table_with(
    report: &ScanReport,
    opts: &TableOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let cat = Catalog::new(report);
    let mut first = true;
    if opts.packages {
        packages(&cat, opts, out)?;
        first = false;
    }
    if opts.vulnerabilities {
        if !first {
            writeln!(out)?;
        }
        vulnerabilities(&cat, opts, out)?;
    }
    crate::findings::write_table(&report.findings, opts.width, out)?;
    Ok(())
}

/// A table in the reports' style, wrapped to `width` when given, else never.
pub(crate) fn new_table(width: Option<u16>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    t.force_no_tty();
    match width {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::Dynamic);
            t.set_width(w);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    t
}

/// A title underlined with `underline`.
pub(crate) fn heading(out: &mut dyn Write, title: &str, underline: char) -> io::Result<()> {
    writeln!(out, "{title}")?;
    let line: String = std::iter::repeat_n(underline, title.chars().count()).collect();
    writeln!(out, "{line}")
}

fn image_title(cat: &Catalog<'_>) -> String {
    let a = &cat.report.artifact;
    let name = if a.name.is_empty() {
        crate::image::display_name(a)
    } else {
        a.name.clone()
    };
    match &a.manifest_digest {
        Some(d) => format!("{name} ({}:{})", d.algorithm().as_str(), d.short()),
        None => name,
    }
}

fn os_title(cat: &Catalog<'_>) -> String {
    let name = if cat.report.artifact.name.is_empty() {
        crate::image::display_name(&cat.report.artifact)
    } else {
        cat.report.artifact.name.clone()
    };
    match cat.os() {
        Some(os) => match &os.version {
            Some(v) => format!("{name} ({} {v})", os.id),
            None => format!("{name} ({})", os.id),
        },
        None => format!("{name} (OS packages)"),
    }
}

fn layer_cell(l: Option<u32>) -> String {
    l.map_or_else(|| "-".into(), |i| i.to_string())
}

fn packages(cat: &Catalog<'_>, opts: &TableOptions, out: &mut dyn Write) -> io::Result<()> {
    let r = cat.report;
    heading(out, &image_title(cat), '=')?;
    let counts = r.inventory.counts();
    let per_kind: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{}: {n}", k.as_str()))
        .collect();
    writeln!(
        out,
        "Packages: {} ({})",
        r.inventory.packages.len(),
        per_kind.join(", ")
    )?;
    if let Some(os) = cat.os() {
        let pretty = os.pretty_name.as_deref().unwrap_or(&os.id);
        writeln!(out, "OS: {pretty}")?;
    }
    writeln!(out)?;

    if !cat.layers().is_empty() {
        writeln!(out, "Layers")?;
        let mut t = new_table(opts.width);
        t.set_header(vec!["Layer", "Diff ID", "Created by", "Packages"]);
        for l in cat.layers() {
            let n = r
                .inventory
                .packages
                .iter()
                .filter(|p| p.layer == Some(l.index))
                .count();
            t.add_row(vec![
                l.index.to_string(),
                l.diff_id
                    .map_or_else(|| "-".into(), |d| d.short().to_string()),
                l.created_by
                    .as_deref()
                    .map_or_else(|| "-".into(), |c| truncate(c, 60)),
                n.to_string(),
            ]);
        }
        right_align(&mut t, &[0, 3]);
        writeln!(out, "{t}")?;
        writeln!(out)?;
    }

    writeln!(out, "Packages")?;
    if r.inventory.packages.is_empty() {
        writeln!(out, "(none)")?;
        return Ok(());
    }
    let mut t = new_table(opts.width);
    t.set_header(vec!["Name", "Version", "Type", "Layer"]);
    let mut names: std::collections::HashMap<(customs_types::PackageKind, &str), usize> =
        std::collections::HashMap::new();
    for e in &cat.entries {
        *names.entry((e.pkg.kind, e.pkg.name.as_str())).or_default() += 1;
    }
    for e in &cat.entries {
        let p = e.pkg;
        // Copies of one package in several places: say where.
        let name = if names.get(&(p.kind, p.name.as_str())).copied().unwrap_or(0) > 1 {
            format!("{} ({})", p.name, text::parent(&p.location))
        } else {
            p.name.clone()
        };
        t.add_row(vec![
            name,
            p.version.clone(),
            p.kind.as_str().to_string(),
            layer_cell(p.layer),
        ]);
    }
    right_align(&mut t, &[3]);
    writeln!(out, "{t}")
}

fn right_align(t: &mut Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn title_of(f: &VulnFinding) -> String {
    f.title
        .as_deref()
        .or(f.description.as_deref())
        .map_or_else(String::new, |t| truncate(t, 50))
}

fn vulnerabilities(cat: &Catalog<'_>, opts: &TableOptions, out: &mut dyn Write) -> io::Result<()> {
    let r = cat.report;
    let counts = SeverityCounts::of(&r.vulnerabilities);
    heading(out, "Vulnerabilities", '=')?;
    writeln!(out, "{}", counts.line())?;
    let fixable = r
        .vulnerabilities
        .iter()
        .filter(|f| text::fixable(f))
        .count();
    let suppressed = r
        .vulnerabilities
        .iter()
        .filter(|f| f.suppressed.is_some())
        .count();
    writeln!(out, "Fixable: {fixable}, suppressed: {suppressed}")?;
    crate::base::write_table(r, out)?;

    for target in text::targets(&r.inventory.packages, &r.vulnerabilities) {
        writeln!(out)?;
        let mut title = target.title(&os_title(cat));
        title.push_str(&format!(" [layer {}]", target.layer_text()));
        heading(out, &title, '-')?;
        writeln!(
            out,
            "Packages: {}. {}",
            target.packages,
            SeverityCounts::of(target.findings.iter().copied()).line()
        )?;
        if target.findings.is_empty() {
            continue;
        }
        let mut t = new_table(opts.width);
        t.set_header(vec![
            "Package",
            "Installed",
            "Fixed",
            "ID",
            "Severity",
            "Title",
            "Layer",
        ]);
        for f in &target.findings {
            t.add_row(vec![
                target.package_label(&f.package.name, &f.package.location),
                f.package.version.clone(),
                f.fixed_version.clone().unwrap_or_else(|| "-".into()),
                f.id.clone(),
                f.severity.as_str().to_string(),
                title_of(f),
                layer_cell(f.package.layer),
            ]);
        }
        right_align(&mut t, &[6]);
        writeln!(out, "{t}")?;
    }

    let mut supp: Vec<&VulnFinding> = r
        .vulnerabilities
        .iter()
        .filter(|f| f.suppressed.is_some())
        .collect();
    if !supp.is_empty() {
        supp.sort_by(|a, b| finding_order(a, b));
        writeln!(out)?;
        heading(out, "Suppressed", '-')?;
        let mut t = new_table(opts.width);
        t.set_header(vec![
            "Package",
            "Installed",
            "ID",
            "Severity",
            "By",
            "Status",
            "Reason",
        ]);
        for f in supp {
            let s = f.suppressed.as_ref();
            t.add_row(vec![
                f.package.name.clone(),
                f.package.version.clone(),
                f.id.clone(),
                f.severity.as_str().to_string(),
                s.map_or_else(String::new, |s| format!("{} {}", s.kind, s.source)),
                s.and_then(|s| s.status.clone())
                    .unwrap_or_else(|| "-".into()),
                s.and_then(|s| s.justification.as_deref())
                    .map_or_else(|| "-".into(), |j| truncate(j, 50)),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    Ok(())
}
