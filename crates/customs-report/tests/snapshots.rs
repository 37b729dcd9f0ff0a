//! Snapshots of the human-readable outputs and the native JSON.

mod common;

use common::{fixture, fixture_sbom, json, render};
use customs_report::{Format, TableOptions};

fn table(opts: TableOptions, report: &customs_report::ScanReport) -> String {
    let mut out = Vec::new();
    customs_report::write_table_with(report, &opts, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn table_full() {
    insta::assert_snapshot!(render(Format::Table, &fixture()));
}

#[test]
fn table_packages_only() {
    insta::assert_snapshot!(table(TableOptions::packages_only(), &fixture_sbom()));
}

#[test]
fn table_wraps_only_when_asked() {
    let narrow = table(
        TableOptions::vulnerabilities_only().with_width(Some(80)),
        &fixture(),
    );
    assert!(narrow.lines().all(|l| l.chars().count() <= 80), "{narrow}");
    let wide = table(TableOptions::vulnerabilities_only(), &fixture());
    assert!(wide.lines().any(|l| l.chars().count() > 80));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render(Format::Markdown, &fixture()));
}

#[test]
fn markdown_without_findings() {
    insta::assert_snapshot!(render(Format::Markdown, &fixture_sbom()));
}

#[test]
fn native_json() {
    let text = render(Format::Json, &fixture());
    insta::assert_snapshot!(text);
    // The counts agree with the data.
    let v = json(Format::Json, &fixture());
    assert_eq!(v["schema_version"], 1);
    let s = &v["summary"];
    assert_eq!(s["packages"]["total"], 19);
    assert_eq!(s["packages"]["by_kind"]["deb"], 5);
    assert_eq!(s["packages"]["by_kind"]["npm"], 4);
    assert_eq!(s["packages"]["without_layer"], 0);
    assert_eq!(s["vulnerabilities"]["total"], 4);
    assert_eq!(s["vulnerabilities"]["suppressed"], 1);
    assert_eq!(s["vulnerabilities"]["fixable"], 4);
    assert_eq!(s["vulnerabilities"]["by_severity"]["CRITICAL"], 2);
    assert_eq!(s["vulnerabilities"]["by_severity"]["MEDIUM"], 2);
    assert_eq!(s["unknowns"], 1);
}

#[test]
fn awkward_table_and_markdown() {
    let r = common::awkward();
    insta::assert_snapshot!("awkward_table", render(Format::Table, &r));
    insta::assert_snapshot!("awkward_markdown", render(Format::Markdown, &r));
}
