//! Properties every output must have: purls that parse and round-trip,
//! each package exactly once, unique identifiers, a closed dependency
//! graph, consistent SARIF indices, deterministic bytes.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use common::{fixture, fixture_sbom, json, parse_purl, render};
use customs_report::{CycloneDxVersion, Format};
use serde_json::Value;

const CDX16: Format = Format::CycloneDx(CycloneDxVersion::V1_6);
const CDX17: Format = Format::CycloneDx(CycloneDxVersion::V1_7);

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().expect("array")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn prop<'a>(component: &'a Value, name: &str) -> Option<&'a str> {
    component["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
}

/// Parses, re-serialises with the crate and parses again: same components,
/// and the same string (every purl, the image's too, is written in the
/// crate's canonical form).
fn assert_purl_round_trips(p: &str) {
    let parsed = parse_purl(p);
    let again = parsed.to_string();
    let reparsed = parse_purl(&again);
    assert_eq!(parsed, reparsed, "{p} does not round-trip");
    assert_eq!(again, p, "{p} is not in canonical form");
}

#[test]
fn every_purl_parses_and_round_trips() {
    let report = fixture();
    let mut seen = 0;
    for f in [CDX16, CDX17] {
        let doc = json(f, &report);
        let image_purl = s(&doc["metadata"]["component"]["purl"]);
        assert!(
            image_purl.starts_with("pkg:oci/ml-app@sha256:"),
            "{image_purl}"
        );
        assert_purl_round_trips(image_purl);
        let parsed = parse_purl(image_purl);
        assert_eq!(
            parsed
                .qualifiers()
                .get("repository_url")
                .map(|v| v.as_ref()),
            Some("localhost:5000/team/ml-app")
        );
        assert_eq!(
            parsed.qualifiers().get("tag").map(|v| v.as_ref()),
            Some("1.4")
        );
        for c in arr(&doc["components"]) {
            if let Some(p) = c["purl"].as_str() {
                assert_purl_round_trips(p);
                seen += 1;
            }
            if let Some(p) = prop(c, "customs:os_managed_by") {
                assert_purl_round_trips(p);
            }
        }
    }
    let spdx = json(Format::Spdx, &report);
    for p in arr(&spdx["packages"]) {
        for r in p["externalRefs"].as_array().into_iter().flatten() {
            assert_eq!(r["referenceType"], "purl");
            assert_purl_round_trips(s(&r["referenceLocator"]));
            seen += 1;
        }
    }
    let sarif = json(Format::Sarif, &report);
    for r in arr(&sarif["runs"][0]["results"]) {
        assert_purl_round_trips(s(&r["properties"]["purl"]));
    }
    assert!(seen > 40);
}

#[test]
fn every_package_appears_exactly_once_in_cyclonedx() {
    let report = fixture();
    for f in [CDX16, CDX17] {
        let doc = json(f, &report);
        let comps = arr(&doc["components"]);
        let libs: Vec<&Value> = comps.iter().filter(|c| c["type"] == "library").collect();
        assert_eq!(libs.len(), report.inventory.packages.len());
        assert_eq!(
            comps
                .iter()
                .filter(|c| c["type"] == "operating-system")
                .count(),
            1
        );
        for p in &report.inventory.packages {
            let n = libs
                .iter()
                .filter(|c| {
                    c["purl"] == p.purl.as_str()
                        && c["version"] == p.version.as_str()
                        && prop(c, "customs:location") == Some(p.location.as_str())
                })
                .count();
            assert_eq!(n, 1, "{} {} at {}", p.name, p.version, p.location);
        }
    }
}

#[test]
fn every_package_appears_exactly_once_in_spdx() {
    let report = fixture();
    let doc = json(Format::Spdx, &report);
    let pkgs = arr(&doc["packages"]);
    // image + OS + packages
    assert_eq!(pkgs.len(), report.inventory.packages.len() + 2);
    for p in &report.inventory.packages {
        let location = format!("customs:location={}", p.location);
        let n = pkgs
            .iter()
            .filter(|x| {
                x["name"] == p.name.as_str()
                    && x["versionInfo"] == p.version.as_str()
                    && x["externalRefs"][0]["referenceLocator"] == p.purl.as_str()
                    && x["annotations"].as_array().is_some_and(|a| {
                        a.iter().any(|n| {
                            n["comment"]
                                .as_str()
                                .is_some_and(|c| c.lines().any(|l| l == location))
                        })
                    })
            })
            .count();
        assert_eq!(n, 1, "{} {} at {}", p.name, p.version, p.location);
    }
    // The image contains every other package.
    let image = s(&pkgs[0]["SPDXID"]).to_string();
    let contained: HashSet<&str> = arr(&doc["relationships"])
        .iter()
        .filter(|r| r["relationshipType"] == "CONTAINS" && r["spdxElementId"] == image.as_str())
        .map(|r| s(&r["relatedSpdxElement"]))
        .collect();
    assert_eq!(contained.len(), pkgs.len() - 1);
    assert!(arr(&doc["relationships"]).iter().any(|r| {
        r["relationshipType"] == "DESCRIBES"
            && r["spdxElementId"] == "SPDXRef-DOCUMENT"
            && r["relatedSpdxElement"] == image.as_str()
    }));
}

#[test]
fn identifiers_are_unique() {
    let report = fixture();
    let doc = json(CDX16, &report);
    let mut refs = vec![s(&doc["metadata"]["component"]["bom-ref"]).to_string()];
    refs.extend(
        arr(&doc["components"])
            .iter()
            .map(|c| s(&c["bom-ref"]).to_string()),
    );
    let set: HashSet<&String> = refs.iter().collect();
    assert_eq!(set.len(), refs.len(), "duplicate bom-refs: {refs:#?}");
    // The two minimist copies share a purl: both get a package-id.
    let minimist: Vec<&String> = refs.iter().filter(|r| r.contains("minimist")).collect();
    assert_eq!(minimist.len(), 2);
    assert!(
        minimist
            .iter()
            .all(|r| r.starts_with("pkg:npm/minimist@1.2.5?package-id="))
    );
    // A unique purl is its own bom-ref.
    assert!(refs.iter().any(|r| r == "pkg:npm/mkdirp@0.5.5"));

    let spdx = json(Format::Spdx, &report);
    let ids: Vec<&str> = arr(&spdx["packages"])
        .iter()
        .map(|p| s(&p["SPDXID"]))
        .collect();
    let set: HashSet<&&str> = ids.iter().collect();
    assert_eq!(set.len(), ids.len(), "duplicate SPDXIDs: {ids:#?}");
    for id in &ids {
        assert!(
            id.starts_with("SPDXRef-")
                && id[8..]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "{id}"
        );
    }
}

#[test]
fn the_dependency_graph_is_closed_and_reaches_everything() {
    let report = fixture();
    let doc = json(CDX16, &report);
    let root = s(&doc["metadata"]["component"]["bom-ref"]).to_string();
    let mut known: HashSet<String> = arr(&doc["components"])
        .iter()
        .map(|c| s(&c["bom-ref"]).to_string())
        .collect();
    known.insert(root.clone());
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    for d in arr(&doc["dependencies"]) {
        let r = s(&d["ref"]).to_string();
        assert!(known.contains(&r), "dependency entry for unknown {r}");
        let on: Vec<String> = arr(&d["dependsOn"])
            .iter()
            .map(|x| s(x).to_string())
            .collect();
        for o in &on {
            assert!(known.contains(o), "{r} depends on unknown {o}");
        }
        assert!(graph.insert(r.clone(), on).is_none(), "two entries for {r}");
    }
    assert_eq!(graph.len(), known.len(), "every component has an entry");
    let mut seen = HashSet::new();
    let mut q = VecDeque::from([root]);
    while let Some(n) = q.pop_front() {
        if seen.insert(n.clone()) {
            q.extend(graph.get(&n).cloned().unwrap_or_default());
        }
    }
    assert_eq!(seen.len(), known.len(), "unreachable components");

    // mkdirp's minimist is the copy nested under it.
    let mkdirp = &graph["pkg:npm/mkdirp@0.5.5"];
    assert_eq!(mkdirp.len(), 1);
    let nested = arr(&doc["components"])
        .iter()
        .find(|c| s(&c["bom-ref"]) == mkdirp[0])
        .expect("component");
    assert_eq!(
        prop(nested, "customs:location"),
        Some("/app/node_modules/mkdirp/node_modules/minimist/package.json")
    );
    // requests depends on the three of its four requirements that are
    // installed; chardet is not.
    let requests = &graph["pkg:pypi/requests@2.25.1"];
    assert_eq!(
        requests.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        BTreeSet::from([
            "pkg:pypi/certifi@2023.7.22",
            "pkg:pypi/idna@3.4",
            "pkg:pypi/urllib3@1.26.18"
        ])
    );

    // SPDX DEPENDS_ON mirrors it.
    let spdx = json(Format::Spdx, &report);
    let depends = arr(&spdx["relationships"])
        .iter()
        .filter(|r| r["relationshipType"] == "DEPENDS_ON")
        .count();
    let cdx_edges: usize = arr(&doc["components"])
        .iter()
        .filter(|c| c["type"] == "library")
        .map(|c| graph[s(&c["bom-ref"])].len())
        .sum();
    assert_eq!(depends, cdx_edges);
}

#[test]
fn vulnerabilities_point_at_components() {
    let doc = json(CDX17, &fixture());
    let refs: HashSet<&str> = arr(&doc["components"])
        .iter()
        .map(|c| s(&c["bom-ref"]))
        .collect();
    let vulns = arr(&doc["vulnerabilities"]);
    assert_eq!(vulns.len(), 3, "one entry per id");
    for v in vulns {
        for a in arr(&v["affects"]) {
            assert!(refs.contains(s(&a["ref"])), "affects unknown {}", a["ref"]);
        }
    }
    let minimist = vulns
        .iter()
        .find(|v| v["id"] == "CVE-2021-44906")
        .expect("minimist");
    assert_eq!(arr(&minimist["affects"]).len(), 2);
    let requests = vulns
        .iter()
        .find(|v| v["id"] == "CVE-2023-32681")
        .expect("requests");
    assert_eq!(requests["analysis"]["state"], "not_affected");
    assert_eq!(requests["analysis"]["justification"], "code_not_reachable");
}

#[test]
fn sarif_rules_and_results_agree() {
    let doc = json(Format::Sarif, &fixture());
    let run = &doc["runs"][0];
    let rules = arr(&run["tool"]["driver"]["rules"]);
    let ids: Vec<&str> = rules.iter().map(|r| s(&r["id"])).collect();
    assert_eq!(ids.len(), ids.iter().collect::<HashSet<_>>().len());
    assert_eq!(ids.len(), 3);
    for r in arr(&run["results"]) {
        let i = r["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = s(&loc["artifactLocation"]["uri"]);
        assert!(!uri.starts_with('/'), "{uri}");
        assert_eq!(loc["region"]["startLine"], 1);
        let sev: f64 = s(&rules[i]["properties"]["security-severity"])
            .parse()
            .expect("numeric security-severity");
        assert!((0.0..=10.0).contains(&sev));
    }
    let suppressed: Vec<&Value> = arr(&run["results"])
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "CVE-2023-32681");
}

#[test]
fn output_is_deterministic_and_serials_follow_content() {
    let a = fixture();
    for f in customs_report::Format::ALL {
        assert_eq!(
            render(f, &a),
            render(f, &fixture()),
            "{f} differs between runs"
        );
    }
    let first = json(CDX16, &a)["serialNumber"].clone();
    let mut later = fixture();
    later.generated_at = "2026-03-02T12:00:00Z".into();
    assert_ne!(json(CDX16, &later)["serialNumber"], first);
    assert_ne!(
        json(Format::Spdx, &later)["documentNamespace"],
        json(Format::Spdx, &a)["documentNamespace"]
    );
    let given = fixture().with_serial("3e671687-395b-41f5-a30f-a58921a69b79");
    assert_eq!(
        json(CDX16, &given)["serialNumber"],
        "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    );
    let mut out = Vec::new();
    let bad = fixture().with_serial("not-a-uuid");
    assert!(customs_report::write(CDX16, &bad, &mut out).is_err());
    let mut bad = fixture();
    bad.generated_at = "yesterday".into();
    assert!(customs_report::write(Format::Spdx, &bad, &mut out).is_err());
}

#[test]
fn sbom_without_findings_has_no_vulnerability_sections() {
    let r = fixture_sbom();
    assert!(json(CDX16, &r).get("vulnerabilities").is_none());
    assert_eq!(arr(&json(Format::Sarif, &r)["runs"][0]["results"]).len(), 0);
    assert!(render(Format::Markdown, &r).contains("No active vulnerabilities."));
}
