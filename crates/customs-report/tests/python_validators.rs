//! Independent checkers, from the venv `scripts/python-tools.sh` installs:
//! cyclonedx-python-lib's strict JSON validator, `pyspdxtools -i`, and the
//! NTIA minimum elements checker. The tests fail (they do not skip) when
//! the venv is missing.

mod common;

use std::path::Path;

use common::{awkward, fixture, fixture_sbom, render};
use customs_report::{CycloneDxVersion, Format};
use customs_testutil::validators::{cyclonedx_strict, describe, ntia, pyspdxtools};

fn write_tmp(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

#[test]
fn cyclonedx_passes_the_strict_python_validator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for v in [CycloneDxVersion::V1_6, CycloneDxVersion::V1_7] {
        for (what, report) in [
            ("full", fixture()),
            ("sbom", fixture_sbom()),
            ("awkward", awkward()),
        ] {
            let name = format!("{what}-{}.cdx.json", v.as_str());
            let path = write_tmp(dir.path(), &name, &render(Format::CycloneDx(v), &report));
            files.push((v.as_str(), path));
        }
    }
    let args: Vec<(&str, &Path)> = files.iter().map(|(v, p)| (*v, p.as_path())).collect();
    let o = cyclonedx_strict(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.matches("valid:").count() == files.len(),
        "CycloneDX rejected:\n{}",
        describe(&o)
    );
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
    let o = cyclonedx_strict(&[("1.6", &file)]);
    assert!(
        !o.status.success(),
        "a bogus field passed:\n{}",
        describe(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("'bogus' was unexpected"),
        "failed for another reason:\n{}",
        describe(&o)
    );
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
    assert_ne!(text, render(Format::Spdx, &fixture()), "nothing replaced");
    let bad = write_tmp(dir.path(), "bad.spdx.json", &text);
    let o = pyspdxtools(&bad);
    assert!(!o.status.success(), "{}", describe(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("LicenseRef-undeclared"),
        "failed for another reason:\n{}",
        describe(&o)
    );
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
