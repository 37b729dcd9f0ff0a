//! The SBOM and SARIF outputs validate against the official JSON schemas in
//! `shared/schemas`, with format checks on. The CycloneDX schemas refer to
//! `spdx.schema.json`, `jsf-0.82.schema.json` and
//! `cryptography-defs.schema.json` by relative name: a retriever maps them
//! to the files beside the schema, and refuses anything else (no network).

mod common;

use common::{awkward, fixture, fixture_sbom, json};
use customs_report::{CycloneDxVersion, Format, ScanReport};
use customs_testutil::schemas::{assert_valid, schemas_dir, validator};
use serde_json::Value;

fn cdx(report: &ScanReport, v: CycloneDxVersion) -> Value {
    json(Format::CycloneDx(v), report)
}

#[test]
fn cyclonedx_1_6_validates() {
    let v = validator("bom-1.6.schema.json");
    let full = cdx(&fixture(), CycloneDxVersion::V1_6);
    assert!(
        full["vulnerabilities"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    assert_valid(&v, &full, "CycloneDX 1.6 with vulnerabilities");
    let sbom = cdx(&fixture_sbom(), CycloneDxVersion::V1_6);
    assert!(sbom.get("vulnerabilities").is_none());
    assert_valid(&v, &sbom, "CycloneDX 1.6 without vulnerabilities");
}

#[test]
fn cyclonedx_1_7_validates() {
    let v = validator("bom-1.7.schema.json");
    let full = cdx(&fixture(), CycloneDxVersion::V1_7);
    assert_eq!(full["specVersion"], "1.7");
    assert_valid(&v, &full, "CycloneDX 1.7 with vulnerabilities");
    assert_valid(
        &v,
        &cdx(&fixture_sbom(), CycloneDxVersion::V1_7),
        "CycloneDX 1.7 without vulnerabilities",
    );
}

#[test]
fn spdx_2_3_validates() {
    let v = validator("spdx-2.3.schema.json");
    assert_valid(&v, &json(Format::Spdx, &fixture()), "SPDX 2.3");
}

#[test]
fn sarif_2_1_0_validates() {
    let v = validator("sarif-2.1.0.schema.json");
    let full = json(Format::Sarif, &fixture());
    assert!(
        full["runs"][0]["results"]
            .as_array()
            .is_some_and(|a| a.len() == 5)
    );
    assert_valid(&v, &full, "SARIF");
    assert_valid(
        &v,
        &json(Format::Sarif, &fixture_sbom()),
        "SARIF without results",
    );
}

/// The validators do reject what the schemas forbid, so the tests above can
/// fail.
#[test]
fn validators_reject_broken_documents() {
    let v = validator("bom-1.6.schema.json");
    let mut doc = cdx(&fixture(), CycloneDxVersion::V1_6);
    doc["components"][1]["type"] = Value::String("package".into());
    assert!(!v.is_valid(&doc), "unknown component type accepted");
    let mut doc = cdx(&fixture(), CycloneDxVersion::V1_6);
    doc["components"][1]["licenses"] =
        serde_json::json!([{"license": {"id": "Not-A-Real-License-Id"}}]);
    assert!(
        !v.is_valid(&doc),
        "unknown SPDX id accepted (spdx.schema.json not used?)"
    );
    let mut doc = cdx(&fixture(), CycloneDxVersion::V1_6);
    doc["metadata"]["timestamp"] = Value::String("yesterday".into());
    assert!(
        !v.is_valid(&doc),
        "bad date-time accepted (formats not checked?)"
    );

    let v = validator("sarif-2.1.0.schema.json");
    let mut doc = json(Format::Sarif, &fixture());
    doc["runs"][0]["results"][0]["level"] = Value::String("fatal".into());
    assert!(!v.is_valid(&doc));

    let v = validator("spdx-2.3.schema.json");
    let mut doc = json(Format::Spdx, &fixture());
    doc["packages"][0]["primaryPackagePurpose"] = Value::String("IMAGE".into());
    assert!(!v.is_valid(&doc));
}

/// Every SPDX license and exception id the `spdx` crate knows is in the
/// CycloneDX schema's license enum (the baseline list), except exactly the
/// ones the writers treat as names.
#[test]
fn spdx_crate_ids_against_the_baseline_list() {
    let text = std::fs::read_to_string(schemas_dir().join("spdx.schema.json")).expect("read");
    let schema: Value = serde_json::from_str(&text).expect("json");
    assert!(
        schema["$comment"]
            .as_str()
            .is_some_and(|c| c.contains(customs_report::license::LICENSE_LIST_BASELINE)),
        "baseline list version differs from the schema's: {}",
        schema["$comment"]
    );
    let known: std::collections::HashSet<&str> = schema["enum"]
        .as_array()
        .expect("enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut missing: Vec<&str> = spdx::identifiers::LICENSES
        .iter()
        .map(|l| l.name)
        .chain(spdx::identifiers::EXCEPTIONS.iter().map(|e| e.name))
        .filter(|n| !known.contains(n))
        .collect();
    missing.sort_unstable();
    let mut listed = customs_report::license::NEWER_THAN_BASELINE.to_vec();
    listed.sort_unstable();
    assert_eq!(missing, listed, "update NEWER_THAN_BASELINE");
}

#[test]
fn awkward_input_still_validates() {
    let r = awkward();
    for (schema, f) in [
        (
            "bom-1.6.schema.json",
            Format::CycloneDx(CycloneDxVersion::V1_6),
        ),
        (
            "bom-1.7.schema.json",
            Format::CycloneDx(CycloneDxVersion::V1_7),
        ),
        ("spdx-2.3.schema.json", Format::Spdx),
        ("sarif-2.1.0.schema.json", Format::Sarif),
    ] {
        assert_valid(&validator(schema), &json(f, &r), &format!("awkward {f}"));
    }
}
