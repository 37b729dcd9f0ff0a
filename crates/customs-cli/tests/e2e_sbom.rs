//! End-to-end: the SBOMs `customs sbom` writes for the shared images pass
//! the official schemas and independent checkers (issue 3, acceptance 4),
//! every purl in them parses and round-trips with the `packageurl` crate
//! (acceptance 5), and they say what the images are made of: the image
//! with its `pkg:oci` purl and manifest digest, each package with its layer
//! and path, the dependency graph; `fs` and `rootfs` on the unpacked root
//! filesystem find the same packages as the image.
//!
//! Each `(source, format)` is scanned once per test process (with a fixed
//! `SOURCE_DATE_EPOCH`) and its file shared by the tests.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use common::*;
use customs_testutil::{schemas, validators};
use packageurl::PackageUrl;
use serde_json::Value;

const IMAGES: [&str; 2] = ["debian-base", "ml-app"];
const EPOCH: &str = "1747699200";

fn images() -> PathBuf {
    customs_testutil::test_images()
}

/// The image sources every check runs on.
fn sources(img: &str) -> Vec<String> {
    let b = images().join(img);
    vec![
        format!("oci-dir:{}", b.join("oci").display()),
        format!("docker-archive:{}", b.join("docker-archive.tar").display()),
        format!("oci-archive:{}", b.join("oci-archive.tar").display()),
    ]
}

fn all_sources() -> Vec<(&'static str, String)> {
    IMAGES
        .iter()
        .flat_map(|img| sources(img).into_iter().map(move |s| (*img, s)))
        .collect()
}

type Slot = Arc<OnceLock<PathBuf>>;

/// The file `customs sbom SRC --format FORMAT -o FILE` wrote, made once.
fn sbom_file(src: &str, format: &str) -> PathBuf {
    static CACHE: OnceLock<Mutex<HashMap<(String, String), Slot>>> = OnceLock::new();
    let slot = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry((src.to_string(), format.to_string()))
        .or_default()
        .clone();
    slot.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e_sbom");
        std::fs::create_dir_all(&dir).unwrap();
        let stem: String = src
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        // pyspdxtools goes by the extension
        let ext = match format {
            "spdx-json" => "spdx.json",
            "table" => "txt",
            "json" => "json",
            _ => "cdx.json",
        };
        let file = dir.join(format!("{stem}.{format}.{ext}"));
        let _ = std::fs::remove_file(&file);
        let out = customs()
            .env("SOURCE_DATE_EPOCH", EPOCH)
            // the images' labels name no vendor: say who supplies them, as a
            // team publishing an SBOM would (Syft's --source-supplier)
            .args([
                "sbom",
                src,
                "--format",
                format,
                "-q",
                "--supplier",
                SUPPLIER,
                "-o",
            ])
            .arg(&file)
            .output()
            .expect("run customs");
        assert!(
            out.status.success(),
            "customs sbom {src} --format {format} failed ({:?}):\n{}",
            out.status.code(),
            stderr(&out)
        );
        assert!(
            out.stdout.is_empty(),
            "-o FILE, yet stdout got {} bytes",
            out.stdout.len()
        );
        assert!(file.is_file(), "-o {} wrote no file", file.display());
        file
    })
    .clone()
}

fn sbom_doc(src: &str, format: &str) -> Value {
    let text = std::fs::read_to_string(sbom_file(src, format)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{src} {format}: not JSON: {e}"))
}

fn sbom_text(src: &str, format: &str) -> String {
    std::fs::read_to_string(sbom_file(src, format)).unwrap()
}

fn arr<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array: {v}"))
}

fn s<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
}

/// What the image's own files say: the manifest digest and ref name (from
/// the OCI layout's index), the config digest, title label and diff_ids
/// (from the config blob), and the repo tag of the docker-archive.
struct ImageFacts {
    manifest_digest: String,
    ref_name: String,
    config_digest: String,
    title: Option<String>,
    diff_ids: Vec<String>,
    docker_repo_tag: String,
    docker_config: String,
}

fn image_facts(img: &str) -> ImageFacts {
    let oci = images().join(img).join("oci");
    let read = |p: PathBuf| -> Value {
        serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap_or_else(|e| {
            panic!("{}: {e}", p.display());
        })
    };
    let blob = |digest: &str| {
        let (alg, hex) = digest.split_once(':').unwrap();
        read(oci.join("blobs").join(alg).join(hex))
    };
    let index = read(oci.join("index.json"));
    let manifests = arr(&index["manifests"], "index manifests");
    assert_eq!(manifests.len(), 1, "{img}: one manifest in the index");
    let manifest_digest = s(&manifests[0]["digest"], "manifest digest").to_string();
    let ref_name = s(
        &manifests[0]["annotations"]["org.opencontainers.image.ref.name"],
        "ref name",
    )
    .to_string();
    let manifest = blob(&manifest_digest);
    let config_digest = s(&manifest["config"]["digest"], "config digest").to_string();
    let config = blob(&config_digest);
    let diff_ids = arr(&config["rootfs"]["diff_ids"], "diff_ids")
        .iter()
        .map(|d| s(d, "diff_id").to_string())
        .collect();
    let title = config["config"]["Labels"]["org.opencontainers.image.title"]
        .as_str()
        .map(str::to_string);

    let tar = std::fs::File::open(images().join(img).join("docker-archive.tar")).unwrap();
    let mut ar = tar::Archive::new(tar);
    let mut docker_manifest = Value::Null;
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().as_os_str() == "manifest.json" {
            docker_manifest = serde_json::from_reader(&mut e).unwrap();
            break;
        }
    }
    let entry = &arr(&docker_manifest, "docker-archive manifest.json")[0];
    ImageFacts {
        manifest_digest,
        ref_name,
        config_digest,
        title,
        diff_ids,
        docker_repo_tag: s(&entry["RepoTags"][0], "RepoTags").to_string(),
        docker_config: s(&entry["Config"], "Config").to_string(),
    }
}

/// The image as an SBOM names it: an OCI layout has a manifest, so its
/// `pkg:oci` purl carries the manifest digest as its version, the ref name
/// as its `tag` and the title label as its name (the ref name `latest` is
/// a tag, not an image called `docker.io/library/latest`); a classic
/// `docker save` tar has no manifest, so no purl: its name and version are
/// its repo tag, and the config digest identifies it.
fn check_image_identity(
    src: &str,
    facts: &ImageFacts,
    purl: Option<&str>,
    name: &str,
    version: Option<&str>,
    config_digest: Option<&str>,
) {
    if src.starts_with("docker-archive:") {
        assert_eq!(purl, None, "{src}: a purl without a manifest digest");
        let (repo, tag) = facts.docker_repo_tag.rsplit_once(':').unwrap();
        assert_eq!(name, repo, "{src}");
        assert_eq!(version, Some(tag), "{src}");
        assert_eq!(
            facts.docker_config.trim_end_matches(".json"),
            facts.config_digest.trim_start_matches("sha256:"),
            "the docker-archive holds another image than the OCI layout"
        );
        if let Some(c) = config_digest {
            assert_eq!(c, facts.config_digest, "{src}");
        }
        return;
    }
    let purl = purl.unwrap_or_else(|| panic!("{src}: the image has no purl"));
    let u = PackageUrl::from_str(purl).unwrap_or_else(|e| panic!("{src}: {purl}: {e}"));
    assert_eq!(u.ty(), "oci", "{src}: {purl}");
    assert_eq!(
        u.version(),
        Some(facts.manifest_digest.as_str()),
        "{src}: the image purl {purl} does not carry the manifest digest"
    );
    assert_eq!(version, Some(facts.manifest_digest.as_str()), "{src}");
    let q = u.qualifiers();
    assert_eq!(
        q.get("tag").map(|v| v.as_ref()),
        Some(facts.ref_name.as_str()),
        "{src}: {purl}"
    );
    assert_eq!(q.get("arch").map(|v| v.as_ref()), Some("amd64"), "{src}");
    assert_ne!(
        u.name(),
        facts.ref_name,
        "{src}: the tag taken as the name: {purl}"
    );
    assert!(q.get("repository_url").is_none(), "{src}: {purl}");
    if let Some(t) = &facts.title {
        assert_eq!(u.name(), t.to_lowercase(), "{src}: {purl}");
        assert_eq!(name, t, "{src}");
    }
    if let Some(c) = config_digest {
        assert_eq!(c, facts.config_digest, "{src}");
    }
}

// ---- acceptance 4: schemas and independent checkers ----

#[test]
fn cyclonedx_passes_the_schemas_and_the_strict_python_validator() {
    let v16 = schemas::validator("bom-1.6.schema.json");
    let v17 = schemas::validator("bom-1.7.schema.json");
    let mut files = Vec::new();
    for (_, src) in all_sources() {
        for (format, version, validator) in
            [("cyclonedx", "1.6", &v16), ("cyclonedx-1.7", "1.7", &v17)]
        {
            let doc = sbom_doc(&src, format);
            assert_eq!(doc["bomFormat"], "CycloneDX", "{src} {format}");
            assert_eq!(doc["specVersion"], version, "{src} {format}");
            assert!(
                arr(&doc["components"], "components").len() > 50,
                "{src} {format}: too few components"
            );
            schemas::assert_valid(validator, &doc, &format!("{src} --format {format}"));
            files.push((version, sbom_file(&src, format)));
        }
    }
    let args: Vec<(&str, &Path)> = files.iter().map(|(v, p)| (*v, p.as_path())).collect();
    let o = validators::cyclonedx_strict(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.matches("valid:").count() == files.len(),
        "cyclonedx-python-lib rejected:\n{}",
        validators::describe(&o)
    );
}

/// The schema validators and the strict validator reject a real document
/// once it is broken, so the test above can fail.
#[test]
fn the_cyclonedx_checks_can_fail() {
    let src = &sources("debian-base")[0];
    let v = schemas::validator("bom-1.6.schema.json");
    let mut doc = sbom_doc(src, "cyclonedx");
    doc["components"][0]["type"] = Value::String("package".into());
    assert!(!v.is_valid(&doc), "unknown component type accepted");
    let mut doc = sbom_doc(src, "cyclonedx");
    doc["metadata"]["timestamp"] = Value::String("yesterday".into());
    assert!(!v.is_valid(&doc), "bad date-time accepted");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.cdx.json");
    let text =
        sbom_text(src, "cyclonedx").replacen("\"bomFormat\"", "\"bogus\": 1, \"bomFormat\"", 1);
    std::fs::write(&bad, text).unwrap();
    let o = validators::cyclonedx_strict(&[("1.6", &bad)]);
    assert!(!o.status.success(), "{}", validators::describe(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("'bogus' was unexpected"),
        "failed for another reason:\n{}",
        validators::describe(&o)
    );
}

#[test]
fn spdx_passes_the_schema_pyspdxtools_and_the_ntia_checker() {
    let v = schemas::validator("spdx-2.3.schema.json");
    let tmp = tempfile::tempdir().unwrap();
    for (i, (img, src)) in all_sources().into_iter().enumerate() {
        let doc = sbom_doc(&src, "spdx-json");
        assert_eq!(doc["spdxVersion"], "SPDX-2.3", "{src}");
        schemas::assert_valid(&v, &doc, &format!("{src} --format spdx-json"));

        let file = sbom_file(&src, "spdx-json");
        let o = validators::pyspdxtools(&file);
        assert!(
            o.status.success() && !String::from_utf8_lossy(&o.stderr).contains("invalid"),
            "{src}: pyspdxtools rejected the document:\n{}",
            validators::describe(&o)
        );

        let (o, report) = validators::ntia(&file, &tmp.path().join(format!("ntia-{i}.json")));
        assert!(
            report.is_object(),
            "{src}: ntia-checker wrote no report:\n{}",
            validators::describe(&o)
        );
        for key in [
            "componentNames",
            "componentVersions",
            "componentIdentifiers",
        ] {
            assert_eq!(report[key]["allProvided"], true, "{src}: {key}: {report:#}");
        }
        for key in [
            "specVersionProvided",
            "authorNameProvided",
            "timestampProvided",
            "dependencyRelationshipsProvided",
        ] {
            assert_eq!(report[key], true, "{src}: {key}: {report:#}");
        }
        assert_eq!(report["validationMessages"], Value::Array(vec![]), "{src}");
        assert_eq!(
            report["graphValidation"]["floatingComponents"]["floatingComponentCount"], 0,
            "{src}: {report:#}"
        );
        // Suppliers: customs names one only from data, so the components
        // whose files name no one are exactly the ones the checker flags.
        let mut flagged: Vec<String> = arr(
            &report["componentSuppliers"]["nonconformantComponents"],
            "flagged",
        )
        .iter()
        .map(|c| s(c, "component").to_string())
        .collect();
        flagged.sort();
        let want = no_supplier_in_the_files(img, &doc);
        assert_eq!(flagged, want, "{src}: components without a supplier");
        // and on these images that is none: the document is NTIA-conformant
        assert!(
            want.is_empty(),
            "{src}: components without a supplier: {want:?}"
        );
        assert_eq!(
            o.status.success() && report["isNtiaConformant"] == true,
            want.is_empty(),
            "{src}: conformance\n{}",
            validators::describe(&o)
        );
        assert_eq!(
            report["totalNumberComponents"],
            arr(&doc["packages"], "packages").len(),
            "{src}: the checker saw another number of packages: {report:#}"
        );
    }
}

/// The SPDX names of the components whose own files name no supplier,
/// read from the image without customs: the image when its config has no
/// vendor/authors label and no author; the Python distributions under
/// `/usr/local` whose METADATA has no `Author`, `Maintainer` or
/// `Name <mail>` email field (Debian's own are supplied by Debian; npm
/// packages here all name an author). Sorted.
const SUPPLIER: &str = "Organization: customs test fixtures";

fn no_supplier_in_the_files(img: &str, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let oci = images().join(img).join("oci");
    let index: Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
    let blob = |d: &str| -> Value {
        let hex = d.strip_prefix("sha256:").unwrap();
        serde_json::from_slice(&std::fs::read(oci.join("blobs/sha256").join(hex)).unwrap()).unwrap()
    };
    let manifest = blob(s(&index["manifests"][0]["digest"], "digest"));
    let config = blob(s(&manifest["config"]["digest"], "config"));
    let labels = &config["config"]["Labels"];
    let named = |v: &Value| v.as_str().is_some_and(|v| !v.trim().is_empty());
    // `--supplier` names the image's supplier when the config does not
    if SUPPLIER.is_empty()
        && !named(&labels["org.opencontainers.image.vendor"])
        && !named(&labels["org.opencontainers.image.authors"])
        && !named(&config["author"])
    {
        let image = arr(&doc["packages"], "packages")
            .iter()
            .find(|p| p["primaryPackagePurpose"] == "CONTAINER")
            .expect("image package");
        out.push(s(&image["name"], "image name").to_string());
    }
    let site = images().join(img).join("rootfs/usr/local/lib");
    let mut stack = vec![site];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if !p.is_dir() {
                continue;
            }
            let meta = p.join("METADATA");
            if p.extension().is_some_and(|x| x == "dist-info") && meta.is_file() {
                let text = std::fs::read_to_string(&meta).unwrap();
                let header = text.split("\n\n").next().unwrap_or("");
                let mut name = None;
                let mut supplied = false;
                for line in header.lines() {
                    let Some((k, v)) = line.split_once(':') else {
                        continue;
                    };
                    let (k, v) = (k.to_ascii_lowercase(), v.trim());
                    match k.as_str() {
                        "name" => name = Some(v.to_string()),
                        "author" | "maintainer" if !v.is_empty() && v != "UNKNOWN" => {
                            supplied = true
                        }
                        "author-email" | "maintainer-email" if v.contains('<') => supplied = true,
                        // the repository owner on a code host
                        "home-page"
                            if ["https://github.com/", "https://gitlab.com/"]
                                .iter()
                                .any(|h| v.starts_with(h)) =>
                        {
                            supplied = true
                        }
                        _ => {}
                    }
                }
                if !supplied {
                    out.push(name.expect("Name in METADATA"));
                }
            } else {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

/// pyspdxtools and the NTIA checker reject a broken real document.
#[test]
fn the_spdx_checks_can_fail() {
    let src = &sources("debian-base")[0];
    let dir = tempfile::tempdir().unwrap();

    let v = schemas::validator("spdx-2.3.schema.json");
    let mut doc = sbom_doc(src, "spdx-json");
    doc["packages"][0]["primaryPackagePurpose"] = Value::String("IMAGE".into());
    assert!(!v.is_valid(&doc), "unknown purpose accepted");

    // a relationship to an element the document does not have
    let mut doc = sbom_doc(src, "spdx-json");
    doc["relationships"][0]["relatedSpdxElement"] = Value::String("SPDXRef-nowhere".into());
    let bad = dir.path().join("dangling.spdx.json");
    std::fs::write(&bad, serde_json::to_string(&doc).unwrap()).unwrap();
    let o = validators::pyspdxtools(&bad);
    assert!(!o.status.success(), "{}", validators::describe(&o));
    assert!(
        validators::describe(&o).contains("SPDXRef-nowhere"),
        "failed for another reason:\n{}",
        validators::describe(&o)
    );

    // a package without a version and supplier
    let mut doc = sbom_doc(src, "spdx-json");
    let pkgs = doc["packages"].as_array_mut().unwrap();
    let p = pkgs
        .iter_mut()
        .find(|p| p["name"] == "bash")
        .expect("bash package");
    let o = p.as_object_mut().unwrap();
    o.remove("versionInfo");
    o.insert("supplier".into(), Value::String("NOASSERTION".into()));
    let bad = dir.path().join("ntia.spdx.json");
    std::fs::write(&bad, serde_json::to_string(&doc).unwrap()).unwrap();
    let (o, report) = validators::ntia(&bad, &dir.path().join("ntia.json"));
    assert!(
        !o.status.success(),
        "{}\n{report:#}",
        validators::describe(&o)
    );
    assert_eq!(report["isNtiaConformant"], false, "{report:#}");
    assert_eq!(
        report["componentVersions"]["nonconformantComponents"],
        serde_json::json!(["bash"]),
        "{report:#}"
    );
}

// ---- acceptance 5: purls ----

/// Every string in a document that is a purl (`pkg:...`), with where it is.
fn purls_in(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) if s.starts_with("pkg:") => out.push((s.clone(), at.to_string())),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                purls_in(x, &format!("{at}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                purls_in(x, &format!("{at}/{k}"), out);
            }
        }
        _ => {}
    }
}

fn round_trip_failures(purls: &[(String, String)]) -> Vec<String> {
    purls
        .iter()
        .filter_map(|(p, at)| match PackageUrl::from_str(p) {
            Err(e) => Some(format!("{at}: {p}: does not parse: {e}")),
            Ok(u) if u.to_string() != *p => Some(format!("{at}: {p} -> {u}")),
            Ok(_) => None,
        })
        .collect()
}

#[test]
fn every_purl_parses_and_round_trips() {
    for (img, src) in all_sources() {
        for format in ["cyclonedx", "cyclonedx-1.7", "spdx-json", "json"] {
            let doc = sbom_doc(&src, format);
            let mut purls = Vec::new();
            purls_in(&doc, "", &mut purls);
            // a classic docker save tar has no manifest, so the image no purl
            let image_has_purl = !src.starts_with("docker-archive:");
            // the fields that must hold a purl do
            let must: Vec<&Value> = match format {
                "json" => arr(&doc["packages"], "packages")
                    .iter()
                    .map(|p| &p["purl"])
                    .collect(),
                "spdx-json" => arr(&doc["packages"], "packages")
                    .iter()
                    .filter(|p| p["primaryPackagePurpose"] != "OPERATING_SYSTEM")
                    .filter(|p| image_has_purl || p["primaryPackagePurpose"] != "CONTAINER")
                    .map(|p| {
                        arr(&p["externalRefs"], "externalRefs")
                            .iter()
                            .find(|r| r["referenceType"] == "purl")
                            .map_or(&Value::Null, |r| &r["referenceLocator"])
                    })
                    .collect(),
                _ => std::iter::once(&doc["metadata"]["component"]["purl"])
                    .filter(|_| image_has_purl)
                    .chain(
                        arr(&doc["components"], "components")
                            .iter()
                            .filter(|c| c["type"] == "library")
                            .map(|c| &c["purl"]),
                    )
                    .collect(),
            };
            assert!(must.len() > 50, "{src} {format}: {} purls", must.len());
            for m in &must {
                assert!(
                    m.as_str().is_some_and(|p| p.starts_with("pkg:")),
                    "{src} {format}: a package without a purl: {m}"
                );
            }
            assert!(purls.len() >= must.len());
            let bad = round_trip_failures(&purls);
            assert!(
                bad.is_empty(),
                "{src} {format}: {} of {} purls do not round-trip:\n{}",
                bad.len(),
                purls.len(),
                bad.join("\n")
            );
            if img == "ml-app" {
                let types: BTreeSet<String> = purls
                    .iter()
                    .map(|(p, _)| PackageUrl::from_str(p).unwrap().ty().to_string())
                    .collect();
                for t in ["deb", "pypi", "npm", "oci"] {
                    if t == "oci" && (format == "json" || !image_has_purl) {
                        continue;
                    }
                    assert!(
                        types.contains(t),
                        "{src} {format}: no {t} purl in {types:?}"
                    );
                }
            }
        }
    }
}

/// The round-trip check does catch a purl the crate writes otherwise.
#[test]
fn the_round_trip_check_can_fail() {
    let bad = round_trip_failures(&[
        (
            "pkg:deb/debian/curl@7.88.1-10?distro=debian-12&arch=amd64".into(),
            "x".into(),
        ),
        ("pkg:pypi/Not A Name@1".into(), "y".into()),
        // the spec's older oci examples encode the digest's colon
        (
            "pkg:oci/ml-app@sha256%3A7dbfc54ff3a2?tag=latest".into(),
            "z".into(),
        ),
    ]);
    assert_eq!(bad.len(), 3, "{bad:?}");
}

// ---- content ----

fn props(c: &Value) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in c["properties"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        m.entry(s(&p["name"], "property name").to_string())
            .or_default()
            .push(s(&p["value"], "property value").to_string());
    }
    m
}

fn one_prop(c: &Value, name: &str) -> String {
    let p = props(c);
    match p.get(name).map(Vec::as_slice) {
        Some([v]) => v.clone(),
        other => panic!("property {name} of {}: {other:?}", c["name"]),
    }
}

/// `(kind, name, version)` of every package in a native JSON report, with
/// multiplicity (nested npm copies count twice).
fn package_multiset(r: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = arr(&r["packages"], "packages")
        .iter()
        .map(|p| {
            (
                s(&p["kind"], "kind").to_string(),
                s(&p["name"], "name").to_string(),
                s(&p["version"], "version").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn cyclonedx_describes_the_image_layers_paths_and_dependencies() {
    for (img, src) in all_sources() {
        let facts = image_facts(img);
        let native = sbom_doc(&src, "json");
        let n_packages = arr(&native["packages"], "packages").len();
        for format in ["cyclonedx", "cyclonedx-1.7"] {
            let what = format!("{src} {format}");
            let doc = sbom_doc(&src, format);
            let image = &doc["metadata"]["component"];
            assert_eq!(image["type"], "container", "{what}");
            let config_digest = one_prop(image, "customs:image:config_digest");
            check_image_identity(
                &what,
                &facts,
                image["purl"].as_str(),
                s(&image["name"], "image name"),
                image["version"].as_str(),
                Some(&config_digest),
            );
            let image_ref = s(&image["bom-ref"], "image bom-ref");

            // the image's layers, in order, as metadata properties
            let meta = props(&doc["metadata"]);
            for (i, d) in facts.diff_ids.iter().enumerate() {
                assert_eq!(
                    meta.get(&format!("customs:layer:{i}:diff_id")),
                    Some(&vec![d.clone()]),
                    "{what}: layer {i}"
                );
            }

            let components = arr(&doc["components"], "components");
            let libraries: Vec<&Value> = components
                .iter()
                .filter(|c| c["type"] == "library")
                .collect();
            assert_eq!(
                libraries.len(),
                n_packages,
                "{what}: one component per package"
            );
            let os: Vec<&Value> = components
                .iter()
                .filter(|c| c["type"] == "operating-system")
                .collect();
            assert_eq!(os.len(), 1, "{what}");
            assert_eq!(os[0]["name"], "debian", "{what}");
            assert_eq!(os[0]["version"], native["os"]["version"], "{what}");

            let mut per_layer = vec![0usize; facts.diff_ids.len()];
            for c in &libraries {
                let diff_id = one_prop(c, "customs:layer:diff_id");
                let i = facts
                    .diff_ids
                    .iter()
                    .position(|d| *d == diff_id)
                    .unwrap_or_else(|| panic!("{what}: {} in no layer: {diff_id}", c["name"]));
                assert_eq!(one_prop(c, "customs:layer:index"), i.to_string(), "{what}");
                per_layer[i] += 1;
                let loc = one_prop(c, "customs:location");
                assert!(
                    loc.starts_with('/') && loc.len() > 1,
                    "{what}: {} at {loc:?}",
                    c["name"]
                );
                assert!(c["version"].is_string(), "{what}: {c}");
            }
            assert!(
                per_layer[0] > 50,
                "{what}: base layer packages {per_layer:?}"
            );
            if img == "ml-app" {
                let where_is = |name: &str, kind: &str| {
                    libraries
                        .iter()
                        .find(|c| c["name"] == name && one_prop(c, "customs:package:type") == kind)
                        .map(|c| one_prop(c, "customs:location"))
                        .unwrap_or_else(|| panic!("{what}: no {kind} {name}"))
                };
                assert_eq!(where_is("bash", "deb"), "/var/lib/dpkg/status", "{what}");
                assert!(
                    where_is("requests", "python").contains("/requests-"),
                    "{what}"
                );
                assert_eq!(
                    where_is("lodash", "npm"),
                    "/app/node_modules/lodash/package.json",
                    "{what}"
                );
                assert!(
                    per_layer.iter().filter(|&&n| n > 0).count() >= 3,
                    "{what}: packages per layer {per_layer:?}"
                );
            }

            // dependencies: one entry per element, refs resolve, the image
            // depends on the OS, the OS on packages, packages on packages
            let refs: BTreeSet<&str> = std::iter::once(image_ref)
                .chain(components.iter().map(|c| s(&c["bom-ref"], "bom-ref")))
                .collect();
            assert_eq!(
                refs.len(),
                components.len() + 1,
                "{what}: duplicate bom-refs"
            );
            let deps = arr(&doc["dependencies"], "dependencies");
            assert_eq!(deps.len(), refs.len(), "{what}: dependencies entries");
            let mut edges = 0;
            let mut graph: HashMap<&str, Vec<&str>> = HashMap::new();
            for d in deps {
                let from = s(&d["ref"], "ref");
                assert!(refs.contains(from), "{what}: dependency of unknown {from}");
                for t in arr(&d["dependsOn"], "dependsOn") {
                    let t = s(t, "dependsOn");
                    assert!(refs.contains(t), "{what}: {from} depends on unknown {t}");
                    graph.entry(from).or_default().push(t);
                    edges += 1;
                }
            }
            let os_ref = s(&os[0]["bom-ref"], "os bom-ref");
            assert!(graph[image_ref].contains(&os_ref), "{what}");
            assert!(!graph[os_ref].is_empty(), "{what}: the OS has no packages");
            assert!(edges > libraries.len(), "{what}: only {edges} edges");
            // every component is reachable from the image
            let mut seen: BTreeSet<&str> = BTreeSet::from([image_ref]);
            let mut stack = vec![image_ref];
            while let Some(n) = stack.pop() {
                for &t in graph.get(n).map(Vec::as_slice).unwrap_or(&[]) {
                    if seen.insert(t) {
                        stack.push(t);
                    }
                }
            }
            let unreachable: Vec<_> = refs.difference(&seen).collect();
            assert!(
                unreachable.is_empty(),
                "{what}: unreachable {unreachable:?}"
            );
            // bash's dependencies from dpkg are edges
            let bash = libraries.iter().find(|c| c["name"] == "bash").unwrap();
            let bash_deps: Vec<&str> = graph
                .get(s(&bash["bom-ref"], "bash"))
                .cloned()
                .unwrap_or_default();
            assert!(
                bash_deps
                    .iter()
                    .any(|d| d.starts_with("pkg:deb/debian/libtinfo6@")),
                "{what}: bash -> {bash_deps:?}"
            );
        }
    }
}

#[test]
fn spdx_describes_the_image_with_purls_and_relationships() {
    for (img, src) in all_sources() {
        let facts = image_facts(img);
        let native = sbom_doc(&src, "json");
        let doc = sbom_doc(&src, "spdx-json");
        let packages = arr(&doc["packages"], "packages");
        // the image, the OS, every package
        assert_eq!(
            packages.len(),
            arr(&native["packages"], "packages").len() + 2,
            "{src}"
        );
        let rels = arr(&doc["relationships"], "relationships");
        let rel = |r: &Value| {
            (
                s(&r["spdxElementId"], "from").to_string(),
                s(&r["relationshipType"], "type").to_string(),
                s(&r["relatedSpdxElement"], "to").to_string(),
            )
        };
        let rels: Vec<(String, String, String)> = rels.iter().map(rel).collect();
        let described: Vec<&String> = rels
            .iter()
            .filter(|(f, t, _)| f == "SPDXRef-DOCUMENT" && t == "DESCRIBES")
            .map(|(_, _, to)| to)
            .collect();
        assert_eq!(described.len(), 1, "{src}: {described:?}");
        let image = packages
            .iter()
            .find(|p| p["SPDXID"] == described[0].as_str())
            .expect("the described element is a package");
        assert_eq!(image["primaryPackagePurpose"], "CONTAINER", "{src}");
        let purl_of = |p: &Value| -> Option<String> {
            p["externalRefs"]
                .as_array()?
                .iter()
                .find(|r| r["referenceType"] == "purl")
                .map(|r| {
                    assert_eq!(r["referenceCategory"], "PACKAGE-MANAGER", "{r}");
                    s(&r["referenceLocator"], "purl").to_string()
                })
        };
        check_image_identity(
            &src,
            &facts,
            purl_of(image).as_deref(),
            s(&image["name"], "image name"),
            image["versionInfo"].as_str(),
            None,
        );

        let ids: BTreeSet<&str> = packages.iter().map(|p| s(&p["SPDXID"], "SPDXID")).collect();
        assert_eq!(ids.len(), packages.len(), "{src}: duplicate SPDXIDs");
        for (f, _, t) in &rels {
            assert!(
                f == "SPDXRef-DOCUMENT" || ids.contains(f.as_str()),
                "{src}: {f}"
            );
            assert!(ids.contains(t.as_str()), "{src}: {t}");
        }
        let image_id = s(&image["SPDXID"], "image id");
        let contained: BTreeSet<&str> = rels
            .iter()
            .filter(|(f, t, _)| f == image_id && t == "CONTAINS")
            .map(|(_, _, to)| to.as_str())
            .collect();
        let depends = rels.iter().filter(|(_, t, _)| t == "DEPENDS_ON").count();
        assert!(depends > 50, "{src}: {depends} DEPENDS_ON");
        for p in packages {
            let id = s(&p["SPDXID"], "SPDXID");
            if id == image_id {
                continue;
            }
            assert!(
                contained.contains(id),
                "{src}: the image does not contain {id}"
            );
            if p["primaryPackagePurpose"] == "OPERATING_SYSTEM" {
                continue;
            }
            let purl = purl_of(p).unwrap_or_else(|| panic!("{src}: no purl on {}", p["name"]));
            let u = PackageUrl::from_str(&purl).unwrap_or_else(|e| panic!("{purl}: {e}"));
            let name = s(&p["name"], "name");
            // pypi purls carry the PEP 503 name
            let norm = |n: &str| n.to_lowercase().replace(['_', '.'], "-");
            assert!(
                norm(name).ends_with(&norm(u.name())),
                "{src}: {purl} for {name}"
            );
            assert_eq!(
                u.version(),
                p["versionInfo"].as_str(),
                "{src}: {purl} for {name}"
            );
        }
    }
}

/// `--format table`: counts per type and per layer, as the native report
/// has them.
#[test]
fn table_counts_packages_per_type_and_per_layer() {
    for (img, src) in all_sources() {
        let facts = image_facts(img);
        let native = sbom_doc(&src, "json");
        let table = sbom_text(&src, "table");
        let mut per_kind: BTreeMap<String, usize> = BTreeMap::new();
        let mut per_layer: BTreeMap<u64, usize> = BTreeMap::new();
        for p in arr(&native["packages"], "packages") {
            *per_kind
                .entry(s(&p["kind"], "kind").to_string())
                .or_default() += 1;
            *per_layer
                .entry(p["layer"].as_u64().expect("layer"))
                .or_default() += 1;
        }
        assert!(per_kind.len() >= if img == "ml-app" { 3 } else { 1 });
        for (kind, n) in &per_kind {
            assert!(
                table.lines().any(|l| line_has(l, kind, *n)),
                "{src}: no count {n} for {kind} in the table:\n{table}"
            );
        }
        for (i, d) in facts.diff_ids.iter().enumerate() {
            let short = &d["sha256:".len().."sha256:".len() + 12];
            let n = per_layer.get(&(i as u64)).copied().unwrap_or(0);
            let row = table
                .lines()
                .find(|l| l.contains(short))
                .unwrap_or_else(|| panic!("{src}: layer {i} ({short}) not in the table:\n{table}"));
            assert!(
                cells(row).iter().any(|c| *c == n.to_string()),
                "{src}: layer {i} should count {n} packages: {row}"
            );
        }
    }
}

/// The cells of a table row (or the words of a line).
fn cells(line: &str) -> Vec<&str> {
    line.split(|c: char| "│┆|:,()".contains(c) || c.is_whitespace())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn line_has(line: &str, kind: &str, n: usize) -> bool {
    let c = cells(line);
    c.iter().position(|w| *w == kind).is_some_and(|i| {
        c.get(i + 1) == Some(&n.to_string().as_str()) || (i > 0 && c[i - 1] == n.to_string())
    })
}

/// `-o FILE` writes what stdout would have shown.
#[test]
fn output_file_equals_stdout() {
    let src = &sources("debian-base")[0];
    for format in ["cyclonedx", "spdx-json", "table"] {
        let out = customs()
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .args([
                "sbom",
                src,
                "--format",
                format,
                "-q",
                "--supplier",
                SUPPLIER,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!out.stdout.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            sbom_text(src, format),
            "{format}: stdout and -o FILE differ"
        );
    }
}

/// `customs sbom dir:DIR` and `customs rootfs DIR` on ml-app's unpacked root
/// filesystem find the packages the image has (`rootfs` reads installed
/// packages, as an image scan does; `fs` is a project scan of lock files,
/// tested in e2e_project).
#[test]
fn sbom_of_a_dir_and_rootfs_find_the_image_packages() {
    let rootfs = images().join("ml-app/rootfs");
    let dir_spec = format!("dir:{}", rootfs.display());
    let want = package_multiset(&sbom_doc(&sources("ml-app")[0], "json"));
    assert!(want.len() > 100);
    // the rootfs scan without the vulnerability scanner needs no DB
    let variants: [Vec<&str>; 2] = [
        vec!["sbom", &dir_spec],
        vec!["rootfs", rootfs.to_str().unwrap(), "--scanners", "secret"],
    ];
    for args in variants {
        let what = args[0];
        let mut a = args.clone();
        a.extend(["--format", "json", "-q"]);
        let r = json(&a);
        let got = package_multiset(&r);
        let want_set: BTreeSet<_> = want.iter().collect();
        let got_set: BTreeSet<_> = got.iter().collect();
        assert_eq!(
            got,
            want,
            "customs {what}: missing {:?}\nextra {:?}",
            want_set.difference(&got_set).collect::<Vec<_>>(),
            got_set.difference(&want_set).collect::<Vec<_>>()
        );
        assert_eq!(r["os"]["id"], "debian", "{what}");

        // and the SBOM of a directory validates too
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fs.cdx.json");
        let mut a = args.clone();
        a.extend(["--format", "cyclonedx", "-q", "-o", file.to_str().unwrap()]);
        let out = run(&a);
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        schemas::assert_valid(
            &schemas::validator("bom-1.6.schema.json"),
            &doc,
            &format!("customs {what} --format cyclonedx"),
        );
    }
}
