//! `customs diff`'s comparison and its writers, the base-image split, and
//! reading the native JSON back, on small reports built here.

use customs_report::base::{BaseImage, Origin, Split};
use customs_report::diff::{self, ReportDiff};
use customs_report::{Format, ScanReport, ToolInfo};
use customs_types::{
    Digest, FixStatus, ImageSummary, Inventory, LayerMeta, OsInfo, Package, PackageKind,
    PackageRef, Severity, VulnFinding,
};

const SITE: &str = "/usr/local/lib/python3.11/dist-packages";

fn deb(name: &str, version: &str, layer: u32) -> Package {
    let mut p = Package::new(
        PackageKind::Deb,
        name,
        version,
        format!("pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"),
        "/var/lib/dpkg/status",
        "dpkg",
    );
    p.arch = Some("amd64".into());
    p.source_name = Some(name.into());
    p.source_version = Some(version.into());
    p.layer = Some(layer);
    p
}

fn python(name: &str, version: &str, layer: u32) -> Package {
    let mut p = Package::new(
        PackageKind::Python,
        name,
        version,
        format!("pkg:pypi/{}@{version}", name.to_lowercase()),
        format!("{SITE}/{name}-{version}.dist-info/METADATA"),
        "python",
    );
    p.layer = Some(layer);
    p
}

fn npm(name: &str, version: &str, dir: &str, layer: u32) -> Package {
    let mut p = Package::new(
        PackageKind::Npm,
        name,
        version,
        format!("pkg:npm/{name}@{version}"),
        format!("{dir}/{name}/package.json"),
        "npm",
    );
    p.layer = Some(layer);
    p
}

fn finding(id: &str, p: &Package, severity: Severity, fixed: Option<&str>) -> VulnFinding {
    VulnFinding {
        id: id.into(),
        aliases: vec![],
        advisories: vec![format!("OSV-{id}")],
        package: PackageRef {
            name: p.name.clone(),
            version: p.version.clone(),
            kind: p.kind,
            purl: p.purl.clone(),
            location: p.location.clone(),
            layer: p.layer,
            matched_name: None,
            matched_version: None,
        },
        ecosystem: "test".into(),
        status: if fixed.is_some() {
            FixStatus::Fixed
        } else {
            FixStatus::Affected
        },
        fixed_version: fixed.map(str::to_string),
        fixed_versions: fixed.into_iter().map(str::to_string).collect(),
        severity,
        severity_source: "test".into(),
        cvss: vec![],
        title: Some(format!("{id} in {}", p.name)),
        description: None,
        references: vec![],
        published: None,
        modified: None,
        suppressed: None,
    }
}

fn digest(seed: &str) -> Digest {
    customs_testutil::sha256(seed.as_bytes())
        .parse()
        .expect("digest")
}

fn artifact(name: &str, layers: u32) -> ImageSummary {
    ImageSummary {
        name: name.into(),
        source: "registry".into(),
        manifest_digest: Some(digest(name)),
        layers: (0..layers)
            .map(|i| LayerMeta {
                index: i,
                digest: None,
                diff_id: Some(digest(&format!("layer {i}"))),
                media_type: None,
                compressed_size: None,
                created_by: Some(format!("RUN step {i}")),
            })
            .collect(),
        ..Default::default()
    }
}

fn report(name: &str, packages: Vec<Package>, vulns: Vec<VulnFinding>) -> ScanReport {
    let inv = Inventory {
        os: Some(OsInfo {
            id: "debian".into(),
            version: Some("12".into()),
            source: "/etc/os-release".into(),
            ..Default::default()
        }),
        packages,
        unknowns: vec![],
    };
    let tool = ToolInfo {
        name: "customs".into(),
        version: "0.1.0".into(),
        information_uri: None,
    };
    ScanReport::new(artifact(name, 3), inv, tool, "2026-01-01T00:00:00Z")
        .with_vulnerabilities(vulns)
}

/// Before: an app on a base; after: upgrades, a new package, one removed,
/// one of two copies of minimist upgraded.
fn before_after() -> (ScanReport, ScanReport) {
    let ssl_old = deb("libssl3", "3.0.11-1~deb12u2", 0);
    let zlib = deb("zlib1g", "1:1.2.13.dfsg-1", 0);
    let req_old = python("requests", "2.25.1", 1);
    let six = python("six", "1.16.0", 1);
    let mm_top = npm("minimist", "1.2.5", "/app/node_modules", 2);
    let mm_nested_old = npm(
        "minimist",
        "1.2.5",
        "/app/node_modules/mkdirp/node_modules",
        2,
    );
    let before = report(
        "registry.example/app:1",
        vec![
            ssl_old.clone(),
            zlib.clone(),
            req_old.clone(),
            six,
            mm_top.clone(),
            mm_nested_old.clone(),
        ],
        vec![
            finding(
                "CVE-2024-0001",
                &ssl_old,
                Severity::High,
                Some("3.0.13-1~deb12u1"),
            ),
            finding("CVE-2024-0002", &zlib, Severity::Low, None),
            finding("CVE-2023-32681", &req_old, Severity::Medium, Some("2.31.0")),
            finding("CVE-2021-44906", &mm_top, Severity::Critical, Some("1.2.6")),
            finding(
                "CVE-2021-44906",
                &mm_nested_old,
                Severity::Critical,
                Some("1.2.6"),
            ),
        ],
    );
    let ssl_new = deb("libssl3", "3.0.13-1~deb12u1", 0);
    let req_new = python("requests", "2.31.0", 1);
    let flask = python("Flask", "0.12", 1);
    let mm_nested_new = npm(
        "minimist",
        "1.2.8",
        "/app/node_modules/mkdirp/node_modules",
        2,
    );
    let after = report(
        "registry.example/app:2",
        vec![
            ssl_new.clone(),
            zlib.clone(),
            req_new,
            flask.clone(),
            mm_top.clone(),
            mm_nested_new,
        ],
        vec![
            finding("CVE-2024-0099", &ssl_new, Severity::Critical, None),
            finding("CVE-2024-0002", &zlib, Severity::Low, None),
            finding("CVE-2018-1000656", &flask, Severity::High, Some("0.12.3")),
            finding("CVE-2021-44906", &mm_top, Severity::Critical, Some("1.2.6")),
        ],
    );
    (before, after)
}

fn names<T>(v: &[T], f: impl Fn(&T) -> String) -> Vec<String> {
    v.iter().map(f).collect()
}

#[test]
fn packages_added_removed_changed() {
    let (b, a) = before_after();
    let d = diff::diff(&b, &a);
    let p = &d.packages;
    assert_eq!(names(&p.added, |e| e.name.clone()), ["Flask"]);
    assert_eq!(names(&p.removed, |e| e.name.clone()), ["six"]);
    assert_eq!(
        names(&p.changed, |c| format!(
            "{} {} -> {}",
            c.name, c.before, c.after
        )),
        [
            "libssl3 3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1",
            "requests 2.25.1 -> 2.31.0",
            "minimist 1.2.5 -> 1.2.8",
        ]
    );
    // the copy that changed is the nested one; the top one is unchanged
    assert!(p.changed[2].location.contains("mkdirp"), "{:?}", p.changed);
    assert_eq!(p.unchanged, 2);
}

#[test]
fn vulnerabilities_fixed_introduced_unchanged() {
    let (b, a) = before_after();
    let d = diff::diff(&b, &a);
    let v = &d.vulnerabilities;
    let ids = |l: &[diff::FindingEntry]| names(l, |f| format!("{} {}", f.id, f.package));
    assert_eq!(
        ids(&v.fixed),
        [
            "CVE-2021-44906 minimist",
            "CVE-2024-0001 libssl3",
            "CVE-2023-32681 requests"
        ]
    );
    assert!(v.fixed[0].location.contains("mkdirp"));
    assert_eq!(
        ids(&v.introduced),
        ["CVE-2024-0099 libssl3", "CVE-2018-1000656 Flask"]
    );
    assert_eq!(
        ids(&v.unchanged),
        ["CVE-2021-44906 minimist", "CVE-2024-0002 zlib1g"]
    );
    let crit = d
        .severities
        .iter()
        .find(|s| s.severity == "CRITICAL")
        .unwrap();
    assert_eq!((crit.before, crit.after), (2, 2));
    assert_eq!(crit.change_percent, Some(0.0));
    let medium = d
        .severities
        .iter()
        .find(|s| s.severity == "MEDIUM")
        .unwrap();
    assert_eq!(
        (medium.before, medium.after, medium.change_percent),
        (1, 0, Some(-100.0))
    );
    assert_eq!((d.total.before, d.total.after), (5, 4));
    assert_eq!(d.total.change_percent, Some(-20.0));
}

#[test]
fn a_finding_that_survives_an_upgrade_is_unchanged() {
    let old = python("requests", "2.25.1", 1);
    let new = python("requests", "2.28.0", 1);
    let b = report(
        "a",
        vec![old.clone()],
        vec![finding("CVE-1", &old, Severity::High, Some("2.31.0"))],
    );
    let a = report(
        "b",
        vec![new.clone()],
        vec![finding("CVE-1", &new, Severity::High, Some("2.31.0"))],
    );
    let d = diff::diff(&b, &a);
    assert!(d.vulnerabilities.fixed.is_empty() && d.vulnerabilities.introduced.is_empty());
    assert_eq!(
        d.vulnerabilities.unchanged[0].version_before.as_deref(),
        Some("2.25.1")
    );
    assert_eq!(d.packages.changed.len(), 1);
}

#[test]
fn os_packages_of_two_architectures_are_two_packages() {
    let mut i386 = deb("libc6", "2.36-9", 0);
    i386.arch = Some("i386".into());
    let amd = deb("libc6", "2.36-9", 0);
    let b = report("a", vec![amd.clone()], vec![]);
    let a = report("b", vec![amd, i386], vec![]);
    let d = diff::diff(&b, &a);
    assert_eq!(d.packages.added.len(), 1);
    assert_eq!(d.packages.added[0].arch.as_deref(), Some("i386"));
    assert!(d.packages.changed.is_empty());
}

#[test]
fn suppressed_findings_are_left_out() {
    let p = python("requests", "2.25.1", 1);
    let mut f = finding("CVE-1", &p, Severity::High, None);
    let b = report("a", vec![p.clone()], vec![f.clone()]);
    f.suppressed = Some(customs_types::Suppression {
        kind: "vex".into(),
        source: "x".into(),
        justification: None,
        status: None,
    });
    let a = report("b", vec![p], vec![f]);
    let d = diff::diff(&b, &a);
    assert_eq!(d.vulnerabilities.fixed.len(), 1);
    assert_eq!(d.after.vulnerabilities, 0);
}

#[test]
fn a_report_against_itself_is_empty() {
    let (b, _) = before_after();
    let d = diff::diff(&b, &b);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(d.vulnerabilities.unchanged.len(), 5);
    assert_eq!(d.packages.unchanged, 6);
    assert!(d.severities.iter().all(|s| s.before == s.after));
}

fn render(
    d: &ReportDiff,
    f: fn(&ReportDiff, &mut dyn std::io::Write) -> std::io::Result<()>,
) -> String {
    let mut out = Vec::new();
    f(d, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn diff_table() {
    let (b, a) = before_after();
    let d = diff::diff(&b, &a);
    insta::assert_snapshot!(render(&d, |d, o| diff::write_table(d, None, o)));
}

#[test]
fn diff_markdown() {
    let (b, a) = before_after();
    let d = diff::diff(&b, &a);
    insta::assert_snapshot!(render(&d, diff::write_markdown));
}

#[test]
fn diff_json() {
    let (b, a) = before_after();
    let d = diff::diff(&b, &a);
    let text = render(&d, diff::write_json);
    insta::assert_snapshot!(text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["packages"]["added"][0]["name"], "Flask");
    assert_eq!(v["total"]["change_percent"], -20.0);
    assert!(v["severities"][0]["change_percent"].is_number());
}

#[test]
fn diff_markdown_of_identical_reports() {
    let (b, _) = before_after();
    let d = diff::diff(&b, &b);
    let md = render(&d, diff::write_markdown);
    assert!(md.contains("No package changes."), "{md}");
    assert!(!md.contains("### Introduced"), "{md}");
}

// ------------------------------------------------------------ base split

fn with_base(layers: Option<u32>) -> ScanReport {
    let (_, a) = before_after();
    a.with_base(Some(BaseImage {
        name: "registry.example/debian:12".into(),
        digest: Some(digest("base").to_string()),
        source: "flag".into(),
        layers,
    }))
}

#[test]
fn split_by_layer() {
    let r = with_base(Some(1));
    let b = r.base.as_ref().unwrap();
    let split = Split::of(b, &r.vulnerabilities).unwrap();
    // layer 0: libssl3 (CRITICAL), zlib1g (LOW); the rest from later layers
    assert_eq!(
        (split.base.total, split.base.critical, split.base.low),
        (2, 1, 1)
    );
    assert_eq!((split.application.total, split.application.high), (2, 1));
    assert_eq!(split.application.critical, 1);
    // 1 of 3 HIGH/CRITICAL from the base: no advice
    assert!(split.advice.is_none());
    for f in &r.vulnerabilities {
        let want = if f.package.layer == Some(0) {
            Origin::Base
        } else {
            Origin::Application
        };
        assert_eq!(b.origin(f.package.layer), want);
    }
    // the base named by a label only: no split
    assert!(Split::of(&with_base(None).base.unwrap(), &r.vulnerabilities).is_none());
}

#[test]
fn advice_when_most_severe_findings_come_from_the_base() {
    let r = with_base(Some(2));
    let split = Split::of(r.base.as_ref().unwrap(), &r.vulnerabilities).unwrap();
    assert_eq!(split.base.high_critical(), 2);
    assert_eq!(
        split.advice.as_deref(),
        Some("change the base image: 2 of 3 HIGH/CRITICAL findings come from it")
    );
}

fn write(format: Format, r: &ScanReport) -> String {
    let mut out = Vec::new();
    customs_report::write(format, r, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn base_split_in_table_markdown_and_json() {
    let r = with_base(Some(2));
    insta::assert_snapshot!("base_table", write(Format::Table, &r));
    insta::assert_snapshot!("base_markdown", write(Format::Markdown, &r));
    let v: serde_json::Value = serde_json::from_str(&write(Format::Json, &r)).unwrap();
    let b = &v["base_image"];
    assert_eq!(b["name"], "registry.example/debian:12");
    assert_eq!(b["layers"], 2);
    assert_eq!(b["diff_ids"].as_array().unwrap().len(), 2);
    assert_eq!(b["findings"]["base"]["total"], 3);
    assert_eq!(b["findings"]["application"]["total"], 1);
    assert!(
        b["findings"]["advice"]
            .as_str()
            .unwrap()
            .starts_with("change the base image")
    );
    for f in v["vulnerabilities"].as_array().unwrap() {
        let want = if f["package"]["layer"].as_u64().unwrap() < 2 {
            "base"
        } else {
            "application"
        };
        assert_eq!(f["origin"], want, "{f}");
    }
    // without a base, neither the section nor the field
    let (_, plain) = before_after();
    let v: serde_json::Value = serde_json::from_str(&write(Format::Json, &plain)).unwrap();
    assert!(v.get("base_image").is_none());
    assert!(v["vulnerabilities"][0].get("origin").is_none());
    assert!(!write(Format::Table, &plain).contains("Base image"));
}

#[test]
fn a_base_named_by_labels_is_reported_without_a_split() {
    let mut labels = std::collections::BTreeMap::new();
    labels.insert(
        customs_report::base::BASE_NAME_LABEL.to_string(),
        "docker.io/library/debian:12".to_string(),
    );
    let base = BaseImage::from_labels(&labels);
    let (_, a) = before_after();
    let r = a.with_base(base);
    let t = write(Format::Table, &r);
    assert!(
        t.contains("Base image: docker.io/library/debian:12 (its layers not known"),
        "{t}"
    );
    let v: serde_json::Value = serde_json::from_str(&write(Format::Json, &r)).unwrap();
    assert_eq!(v["base_image"]["source"], "label");
    assert!(v["base_image"].get("findings").is_none());
    assert!(v["vulnerabilities"][0].get("origin").is_none());
}

// ------------------------------------------------------------ JSON read back

#[test]
fn native_json_reads_back() {
    let r = with_base(Some(1));
    let text = write(Format::Json, &r);
    let back = customs_report::json::read(&text).expect("read back");
    assert_eq!(back.artifact, r.artifact);
    assert_eq!(back.inventory, r.inventory);
    assert_eq!(back.vulnerabilities, r.vulnerabilities);
    assert_eq!(back.base, r.base);
    assert_eq!(back.tool, r.tool);
    // and writes the same JSON again
    assert_eq!(write(Format::Json, &back), text);
}

#[test]
fn diff_of_json_reports_equals_diff_of_reports() {
    let (b, a) = before_after();
    let rb = customs_report::json::read(&write(Format::Json, &b)).unwrap();
    let ra = customs_report::json::read(&write(Format::Json, &a)).unwrap();
    assert_eq!(diff::diff(&rb, &ra), diff::diff(&b, &a));
}

#[test]
fn other_json_is_not_a_report() {
    use customs_report::json::{ReadError, read};
    assert!(matches!(
        read(r#"{"bomFormat":"CycloneDX"}"#),
        Err(ReadError::NotAReport)
    ));
    assert!(matches!(read("[1,"), Err(ReadError::Json(_))));
    assert!(matches!(
        read(r#"{"schema_version":9,"artifact":{},"packages":[]}"#),
        Err(ReadError::Version(9))
    ));
}

#[test]
fn diff_findings_carry_their_origin_when_a_side_knows_its_base() {
    let (b, a) = before_after();
    let a = a.with_base(Some(BaseImage {
        name: "base".into(),
        digest: None,
        source: "flag".into(),
        layers: Some(1),
    }));
    let d = diff::diff(&b, &a);
    for f in d
        .vulnerabilities
        .introduced
        .iter()
        .chain(&d.vulnerabilities.unchanged)
    {
        let want = if f.layer == Some(0) {
            Origin::Base
        } else {
            Origin::Application
        };
        assert_eq!(f.origin, Some(want), "{f:?}");
    }
    // the before side has no base: no origin on what was fixed
    assert!(d.vulnerabilities.fixed.iter().all(|f| f.origin.is_none()));
    let t = render(&d, |d, o| diff::write_table(d, None, o));
    assert!(
        t.contains("Introduced: 1 from the base image, 1 from your layers"),
        "{t}"
    );
    assert!(!t.contains("Fixed: "), "{t}");
    let md = render(&d, diff::write_markdown);
    assert!(
        md.contains("Introduced: 1 from the base image, 1 from your layers  \n\n| Severity"),
        "{md}"
    );
    // no base anywhere: no origin lines (the snapshots above)
}
