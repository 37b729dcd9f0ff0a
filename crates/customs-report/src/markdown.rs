//! A Markdown summary for a pull-request comment: counts per severity,
//! fixable and suppressed counts, and the most severe findings.

use std::io::{self, Write};

use customs_types::{Severity, VulnFinding};

use crate::ScanReport;
use crate::text::{SeverityCounts, finding_order, fixable, truncate};

/// How many findings the top table lists.
pub const TOP_FINDINGS: usize = 10;

/// Escapes text for a Markdown table cell.
pub(crate) fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            '*' => out.push_str("\\*"),
            '_' => out.push_str("\\_"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Code span that survives backticks in the text.
pub(crate) fn code(s: &str) -> String {
    let one = s.replace(['\n', '\r'], " ");
    let fence = if one.contains('`') { "`` " } else { "`" };
    let close = if one.contains('`') { " ``" } else { "`" };
    format!("{fence}{one}{close}")
}

fn link_for(f: &VulnFinding) -> Option<String> {
    let ok = |u: &&String| {
        u.starts_with("https://")
            && !u
                .chars()
                .any(|c| c.is_whitespace() || "()<>[]`\"".contains(c))
    };
    // A page about this id, else the first reference.
    f.references
        .iter()
        .filter(ok)
        .find(|u| u.contains(f.id.as_str()))
        .or_else(|| f.references.iter().find(ok))
        .cloned()
}

/// Writes the Markdown summary (the crate-root name of [`write()`]).
pub fn write_markdown(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    write(report, out)
}

/// Writes the Markdown summary.
pub fn write(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let a = &report.artifact;
    let name = if a.name.is_empty() {
        crate::image::display_name(a)
    } else {
        a.name.clone()
    };
    writeln!(
        out,
        "## {} scan of {}",
        cell(&report.tool.name),
        code(&name)
    )?;
    writeln!(out)?;
    let counts = SeverityCounts::of(&report.vulnerabilities);
    let fix = report.vulnerabilities.iter().filter(|f| fixable(f)).count();
    let suppressed = report
        .vulnerabilities
        .iter()
        .filter(|f| f.suppressed.is_some())
        .count();
    let mut facts = vec![
        format!(
            "**{}** {}",
            counts.total(),
            if counts.total() == 1 {
                "vulnerability"
            } else {
                "vulnerabilities"
            }
        ),
        format!("**{fix}** fixable"),
        format!("{suppressed} suppressed"),
        format!("{} packages", report.inventory.packages.len()),
    ];
    if let Some(d) = &a.manifest_digest {
        facts.push(format!(
            "digest {}",
            code(&format!("{}:{}", d.algorithm().as_str(), d.short()))
        ));
    }
    writeln!(out, "{}", facts.join(" · "))?;
    writeln!(out)?;

    writeln!(out, "| Severity | Count |")?;
    writeln!(out, "|---|---:|")?;
    for s in Severity::ALL.iter().rev() {
        writeln!(out, "| {} | {} |", s.as_str(), counts.get(*s))?;
    }
    writeln!(out)?;
    crate::base::write_markdown(report, out)?;

    let mut active: Vec<&VulnFinding> = report
        .vulnerabilities
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    if active.is_empty() {
        writeln!(out, "No active vulnerabilities.")?;
        return crate::findings::write_markdown(&report.findings, out);
    }
    active.sort_by(|a, b| finding_order(a, b));
    writeln!(out, "### Top findings")?;
    writeln!(out)?;
    writeln!(
        out,
        "| Severity | ID | Package | Installed | Fixed | Location | Title |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for f in active.iter().take(TOP_FINDINGS) {
        let id = match link_for(f) {
            Some(u) => format!("[{}]({u})", cell(&f.id)),
            None => cell(&f.id),
        };
        let layer = f
            .package
            .layer
            .map(|l| format!(" (layer {l})"))
            .unwrap_or_default();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {}{} | {} |",
            f.severity.as_str(),
            id,
            cell(&f.package.name),
            cell(&f.package.version),
            f.fixed_version.as_deref().map_or_else(|| "-".into(), cell),
            code(&f.package.location),
            layer,
            cell(&truncate(
                f.title
                    .as_deref()
                    .or(f.description.as_deref())
                    .unwrap_or(""),
                80
            )),
        )?;
    }
    if active.len() > TOP_FINDINGS {
        writeln!(out)?;
        writeln!(
            out,
            "… and {} more; see the full report.",
            active.len() - TOP_FINDINGS
        )?;
    }
    crate::findings::write_markdown(&report.findings, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(cell("a|b\nc <x>"), "a\\|b c &lt;x&gt;");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("/usr/lib"), "`/usr/lib`");
    }
}
