//! Independent checkers, from the venv `scripts/python-tools.sh` installs:
//! cyclonedx-python-lib's strict JSON validator, `pyspdxtools -i`, and the
//! NTIA minimum elements checker. The tests fail (they do not skip) when
//! the venv is missing.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{awkward, fixture, fixture_sbom, python, render, venv_tool};
use customs_report::{CycloneDxVersion, Format, ScanReport};

fn write_tmp(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const CDX_CHECK: &str = r#"
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
version = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}[sys.argv[1]]
with open(sys.argv[2], encoding="utf-8") as f:
    text = f.read()
errors = JsonStrictValidator(version).validate_str(text, all_errors=True)
if errors is not None:
    for e in errors:
        data = getattr(e, "data", None)
        print("error:", getattr(data, "message", e), "at", list(getattr(data, "absolute_path", [])))
    sys.exit(1)
print("valid")
"#;

fn cyclonedx_strict(report: &ScanReport, version: CycloneDxVersion) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_tmp(
        dir.path(),
        "bom.json",
        &render(Format::CycloneDx(version), report),
    );
    Command::new(python())
        .arg("-c")
        .arg(CDX_CHECK)
        .arg(version.as_str())
        .arg(&file)
        .output()
        .expect("run python")
}

#[test]
fn cyclonedx_passes_the_strict_python_validator() {
    for v in [CycloneDxVersion::V1_6, CycloneDxVersion::V1_7] {
        for (what, report) in [
            ("full", fixture()),
            ("sbom", fixture_sbom()),
            ("awkward", awkward()),
        ] {
            let o = cyclonedx_strict(&report, v);
            assert!(
                o.status.success() && String::from_utf8_lossy(&o.stdout).contains("valid"),
                "CycloneDX {} ({what}) rejected:\n{}",
                v.as_str(),
                describe(&o)
            );
        }
    }
}

#[test]
fn the_strict_python_validator_can_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = render(Format::CycloneDx(CycloneDxVersion::V1_6), &fixture()).replacen(
        "\"bomFormat\"",
        "\"bogus\": 1, \"bomFormat\"",
        1,
    );
    let file = write_tmp(dir.path(), "bad.json", &text);
    let o = Command::new(python())
        .arg("-c")
        .arg(CDX_CHECK)
        .arg("1.6")
        .arg(&file)
        .output()
        .expect("run python");
    assert!(
        !o.status.success(),
        "a bogus field passed:\n{}",
        describe(&o)
    );
}

fn pyspdxtools(file: &Path) -> Output {
    Command::new(venv_tool("pyspdxtools"))
        .arg("-i")
        .arg(file)
        .output()
        .expect("run pyspdxtools")
}

#[test]
fn awkward_spdx_passes_pyspdxtools() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_tmp(
        dir.path(),
        "awkward.spdx.json",
        &render(Format::Spdx, &awkward()),
    );
    let o = pyspdxtools(&file);
    assert!(
        o.status.success(),
        "pyspdxtools rejected the document:\n{}",
        describe(&o)
    );
}

#[test]
fn spdx_passes_pyspdxtools() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_tmp(
        dir.path(),
        "sbom.spdx.json",
        &render(Format::Spdx, &fixture()),
    );
    let o = pyspdxtools(&file);
    assert!(
        o.status.success(),
        "pyspdxtools rejected the document:\n{}",
        describe(&o)
    );
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("invalid"),
        "{}",
        describe(&o)
    );

    // And it can fail: a LicenseRef without its extracted licensing info.
    let text = render(Format::Spdx, &fixture()).replacen(
        "\"licenseDeclared\": \"MIT\"",
        "\"licenseDeclared\": \"LicenseRef-undeclared\"",
        1,
    );
    let bad = write_tmp(dir.path(), "bad.spdx.json", &text);
    assert!(!pyspdxtools(&bad).status.success());
}

fn ntia(file: &Path, report_file: &Path) -> (Output, serde_json::Value) {
    let o = Command::new(venv_tool("ntia-checker"))
        .arg("--comply")
        .arg("ntia")
        .arg("--output")
        .arg("json")
        .arg("--output-file")
        .arg(report_file)
        .arg(file)
        .output()
        .expect("run ntia-checker");
    let report = std::fs::read_to_string(report_file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (o, report)
}

#[test]
fn spdx_meets_the_ntia_minimum_elements() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_tmp(
        dir.path(),
        "sbom.spdx.json",
        &render(Format::Spdx, &fixture()),
    );
    let (o, report) = ntia(&file, &dir.path().join("ntia.json"));
    assert!(
        o.status.success(),
        "ntia-checker: not conformant:\n{}\nreport: {report:#}",
        describe(&o)
    );
    assert_eq!(report["isNtiaConformant"], true, "{report:#}");
    assert_eq!(
        report["componentSuppliers"]["allProvided"], true,
        "{report:#}"
    );
    assert_eq!(
        report["componentVersions"]["allProvided"], true,
        "{report:#}"
    );
    assert_eq!(
        report["dependencyRelationshipsProvided"], true,
        "{report:#}"
    );
    assert_eq!(
        report["graphValidation"]["floatingComponents"]["floatingComponentCount"], 0,
        "{report:#}"
    );
    assert_eq!(
        report["validationMessages"],
        serde_json::json!([]),
        "{report:#}"
    );
    // image + OS + every package
    assert_eq!(
        report["totalNumberComponents"],
        fixture().inventory.packages.len() + 2
    );
}

/// A package whose supplier customs cannot know makes the document
/// non-conformant: the check is real, and customs does not invent a
/// supplier to pass it.
#[test]
fn ntia_fails_without_a_known_supplier() {
    let mut report = fixture();
    if let Some(p) = report
        .inventory
        .packages
        .iter_mut()
        .find(|p| p.name == "requests")
    {
        p.properties.clear();
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let text = render(Format::Spdx, &report);
    assert!(text.contains("\"supplier\": \"NOASSERTION\""));
    let file = write_tmp(dir.path(), "sbom.spdx.json", &text);
    let (o, report) = ntia(&file, &dir.path().join("ntia.json"));
    assert!(
        !o.status.success(),
        "ntia-checker accepted a NOASSERTION supplier:\n{}\n{report:#}",
        describe(&o)
    );
    assert_eq!(
        report["componentSuppliers"]["nonconformantComponents"],
        serde_json::json!(["requests"]),
        "{report:#}"
    );
}
