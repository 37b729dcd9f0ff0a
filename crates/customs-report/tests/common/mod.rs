//! The fixture report shared by the integration tests: a Debian 12 ML
//! image with OS packages, an OS-managed Python package, pip packages, two
//! copies of the same npm package, a Go binary, a Maven jar, a conda
//! package and an ML runtime component, and three vulnerabilities (one
//! suppressed by VEX).

#![allow(dead_code)]

use std::path::PathBuf;
use std::str::FromStr;

use customs_report::{Format, ScanReport, ToolInfo};
use customs_types::{
    CvssScore, Digest, FixStatus, HistoryLine, ImageConfigSummary, ImageSummary, Inventory,
    LayerMeta, OsInfo, OsManaged, Package, PackageKind, PackageRef, Platform, Severity,
    Suppression, Unknown, VulnFinding,
};
use packageurl::PackageUrl;

pub const GENERATED_AT: &str = "2026-03-01T12:00:00Z";

fn digest(seed: &str) -> Digest {
    use sha2::Digest as _;
    let h = sha2::Sha256::digest(seed.as_bytes());
    Digest::from_bytes(customs_types::DigestAlgorithm::Sha256, &h)
}

/// A purl built with the `packageurl` crate, as the analyzers build them.
fn purl(ty: &str, ns: Option<&str>, name: &str, version: &str, quals: &[(&str, &str)]) -> String {
    let mut p = PackageUrl::new(ty.to_string(), name.to_string()).expect("purl");
    if let Some(ns) = ns {
        p.with_namespace(ns.to_string()).expect("namespace");
    }
    p.with_version(version.to_string()).expect("version");
    for (k, v) in quals {
        p.add_qualifier(k.to_string(), v.to_string())
            .expect("qualifier");
    }
    p.to_string()
}

fn deb(
    name: &str,
    version: &str,
    source: Option<&str>,
    layer: u32,
    licenses: &[&str],
    depends: &[&str],
) -> Package {
    let mut q = vec![("arch", "amd64"), ("distro", "debian-12")];
    if let Some(s) = source.filter(|s| *s != name) {
        q.push(("upstream", s));
    }
    let mut p = Package::new(
        PackageKind::Deb,
        name,
        version,
        purl("deb", Some("debian"), name, version, &q),
        "/var/lib/dpkg/status",
        "dpkg",
    );
    p.source_name = source.map(str::to_string);
    p.arch = Some("amd64".into());
    p.layer = Some(layer);
    p.licenses = licenses.iter().map(|s| s.to_string()).collect();
    p.depends_on = depends.iter().map(|s| s.to_string()).collect();
    p
}

fn pip(name: &str, version: &str, license: &str, author: (&str, &str)) -> Package {
    let mut p = Package::new(
        PackageKind::Python,
        name,
        version,
        purl("pypi", None, name, version, &[]),
        format!("/usr/local/lib/python3.11/site-packages/{name}-{version}.dist-info/METADATA"),
        "python-dist",
    );
    p.layer = Some(2);
    p.licenses = vec![license.into()];
    p.properties.insert("author".into(), author.0.into());
    p.properties.insert("author_email".into(), author.1.into());
    p
}

fn npm(name: &str, version: &str, location: &str) -> Package {
    let (ns, n) = match name.strip_prefix('@').and_then(|s| s.split_once('/')) {
        Some((scope, n)) => (Some(format!("@{scope}")), n),
        None => (None, name),
    };
    let mut p = Package::new(
        PackageKind::Npm,
        name,
        version,
        purl("npm", ns.as_deref(), n, version, &[]),
        location,
        "node-modules",
    );
    p.layer = Some(3);
    p.licenses = vec!["MIT".into()];
    p
}

pub fn packages() -> Vec<Package> {
    let mut out = vec![
        deb(
            "libc6",
            "2.36-9+deb12u4",
            Some("glibc"),
            0,
            &["GPL-2+", "LGPL-2.1+"],
            &["libgcc-s1"],
        ),
        deb(
            "libssl3",
            "3.0.11-1~deb12u2",
            Some("openssl"),
            0,
            &["Apache-2.0"],
            &["libc6 (>= 2.34)"],
        ),
        deb(
            "openssl",
            "3.0.11-1~deb12u2",
            Some("openssl"),
            0,
            &["Apache-2.0"],
            &["libc6 (>= 2.34)", "libssl3 (>= 3.0.9)"],
        ),
        deb(
            "python3-six",
            "1.16.0-4",
            Some("six"),
            1,
            &["Expat"],
            &["python3:any"],
        ),
        deb(
            "zlib1g",
            "1:1.2.13.dfsg-1",
            Some("zlib"),
            0,
            &["Zlib"],
            &["libc6 (>= 2.14)"],
        ),
    ];
    out[1].properties.insert(
        "maintainer".into(),
        "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>".into(),
    );
    out[3].files = vec![
        "/usr/lib/python3/dist-packages/six-1.16.0.egg-info".into(),
        "/usr/lib/python3/dist-packages/six.py".into(),
    ];

    out.push(pip(
        "certifi",
        "2023.7.22",
        "MPL-2.0",
        ("Kenneth Reitz", "me@kennethreitz.com"),
    ));
    out.push(pip(
        "idna",
        "3.4",
        "BSD-3-Clause",
        ("Kim Davies", "kim@cynosure.com.au"),
    ));
    let mut requests = pip(
        "requests",
        "2.25.1",
        "Apache-2.0",
        ("Kenneth Reitz", "me@kennethreitz.org"),
    );
    requests.depends_on = vec![
        "certifi>=2017.4.17".into(),
        "chardet<5,>=3.0.2".into(),
        "idna<3,>=2.5".into(),
        "urllib3<1.27,>=1.21.1".into(),
    ];
    out.push(requests);
    let mut six = Package::new(
        PackageKind::Python,
        "six",
        "1.16.0",
        purl("pypi", None, "six", "1.16.0", &[]),
        "/usr/lib/python3/dist-packages/six-1.16.0.egg-info",
        "python-egg",
    );
    six.layer = Some(1);
    six.licenses = vec!["MIT".into()];
    six.properties
        .insert("author".into(), "Benjamin Peterson".into());
    six.os_managed = Some(OsManaged {
        package: "python3-six".into(),
        version: "1.16.0-4".into(),
        purl: out[3].purl.clone(),
    });
    out.push(six);
    out.push(pip(
        "urllib3",
        "1.26.18",
        "MIT",
        ("Andrey Petrov", "andrey.petrov@shazow.net"),
    ));

    let mut numpy = Package::new(
        PackageKind::Conda,
        "numpy",
        "1.26.4",
        purl(
            "conda",
            None,
            "numpy",
            "1.26.4",
            &[
                ("build", "py311h64a7726_0"),
                ("channel", "conda-forge"),
                ("subdir", "linux-64"),
            ],
        ),
        "/opt/conda/conda-meta/numpy-1.26.4-py311h64a7726_0.json",
        "conda-meta",
    );
    numpy.layer = Some(2);
    numpy.licenses = vec!["BSD-3-Clause".into()];
    numpy
        .properties
        .insert("channel".into(), "conda-forge".into());
    numpy
        .properties
        .insert("build".into(), "py311h64a7726_0".into());
    out.push(numpy);

    let author = "James Halliday <mail@substack.net> (http://substack.net)";
    let mut m1 = npm(
        "minimist",
        "1.2.5",
        "/app/node_modules/minimist/package.json",
    );
    m1.properties.insert("author".into(), author.into());
    let mut m2 = npm(
        "minimist",
        "1.2.5",
        "/app/node_modules/mkdirp/node_modules/minimist/package.json",
    );
    m2.properties.insert("author".into(), author.into());
    let mut mkdirp = npm("mkdirp", "0.5.5", "/app/node_modules/mkdirp/package.json");
    mkdirp.properties.insert("author".into(), author.into());
    mkdirp.depends_on = vec!["minimist".into()];
    let types = npm(
        "@types/node",
        "20.8.0",
        "/app/node_modules/@types/node/package.json",
    );
    out.extend([types, m1, m2, mkdirp]);

    let mut gin = Package::new(
        PackageKind::Go,
        "github.com/gin-gonic/gin",
        "v1.9.1",
        purl("golang", Some("github.com/gin-gonic"), "gin", "v1.9.1", &[]),
        "/usr/local/bin/model-server",
        "go-binary",
    );
    gin.layer = Some(3);
    gin.licenses = vec!["MIT".into()];
    let mut stdlib = Package::new(
        PackageKind::Go,
        "stdlib",
        "v1.21.5",
        purl("golang", None, "stdlib", "v1.21.5", &[]),
        "/usr/local/bin/model-server",
        "go-binary",
    );
    stdlib.layer = Some(3);
    stdlib.licenses = vec!["BSD-3-Clause".into()];
    out.extend([gin, stdlib]);

    let mut log4j = Package::new(
        PackageKind::Maven,
        "log4j-core",
        "2.17.1",
        purl(
            "maven",
            Some("org.apache.logging.log4j"),
            "log4j-core",
            "2.17.1",
            &[],
        ),
        "/opt/app/lib/log4j-core-2.17.1.jar",
        "java-archive",
    );
    log4j.layer = Some(3);
    log4j.licenses = vec!["Apache-2.0".into()];
    log4j
        .properties
        .insert("group".into(), "org.apache.logging.log4j".into());
    log4j
        .properties
        .insert("vendor".into(), "The Apache Software Foundation".into());
    out.push(log4j);

    let mut cudnn = Package::new(
        PackageKind::MlRuntime,
        "cudnn",
        "8.9.2.26",
        purl("generic", Some("nvidia"), "cudnn", "8.9.2.26", &[]),
        "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.2",
        "ml-runtime",
    );
    cudnn.layer = Some(2);
    cudnn.licenses = vec!["LicenseRef-NVIDIA-cuDNN-SLA".into()];
    cudnn
        .properties
        .insert("cuda_version".into(), "12.1".into());
    out.push(cudnn);
    out
}

fn layers() -> Vec<LayerMeta> {
    let created = [
        "# debian.sh --arch 'amd64' out/ 'bookworm' '@1706659200'",
        "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends python3-six # buildkit",
        "RUN /bin/sh -c pip install requests==2.25.1 && conda install -y numpy=1.26.4 # buildkit",
        "COPY app /app # buildkit",
    ];
    created
        .iter()
        .enumerate()
        .map(|(i, c)| LayerMeta {
            index: i as u32,
            digest: Some(digest(&format!("blob{i}"))),
            diff_id: Some(digest(&format!("diff{i}"))),
            media_type: Some("application/vnd.oci.image.layer.v1.tar+gzip".into()),
            compressed_size: Some(1_000_000 * (i as u64 + 1)),
            created_by: Some(c.to_string()),
        })
        .collect()
}

pub fn artifact() -> ImageSummary {
    let layers = layers();
    let mut labels = std::collections::BTreeMap::new();
    labels.insert(
        "org.opencontainers.image.vendor".to_string(),
        "Example ML Team".to_string(),
    );
    labels.insert(
        "org.opencontainers.image.source".to_string(),
        "https://example.invalid/ml-app".to_string(),
    );
    ImageSummary {
        name: "localhost:5000/team/ml-app:1.4".into(),
        source: "registry".into(),
        manifest_digest: Some(digest("manifest")),
        config_digest: Some(digest("config")),
        repo_tags: vec!["localhost:5000/team/ml-app:1.4".into()],
        platform: Some(Platform::default()),
        config: ImageConfigSummary {
            created: Some("2026-02-27T08:30:00Z".into()),
            user: "app".into(),
            entrypoint: vec!["/usr/local/bin/model-server".into()],
            env: vec![
                "PATH=/opt/conda/bin:/usr/local/bin:/usr/bin:/bin".into(),
                "PYTHONUNBUFFERED=1".into(),
            ],
            working_dir: "/app".into(),
            exposed_ports: vec!["8080/tcp".into()],
            labels,
            history: layers
                .iter()
                .map(|l| HistoryLine {
                    created: Some("2026-02-27T08:30:00Z".into()),
                    created_by: l.created_by.clone(),
                    comment: None,
                    empty_layer: false,
                })
                .collect(),
            diff_ids: layers.iter().filter_map(|l| l.diff_id.clone()).collect(),
            ..Default::default()
        },
        layers,
    }
}

fn pkg_ref(p: &Package) -> PackageRef {
    PackageRef {
        name: p.name.clone(),
        version: p.version.clone(),
        kind: p.kind,
        purl: p.purl.clone(),
        location: p.location.clone(),
        layer: p.layer,
        matched_name: None,
        matched_version: None,
    }
}

fn find<'a>(pkgs: &'a [Package], name: &str, location_part: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name && p.location.contains(location_part))
        .expect("fixture package")
}

pub fn vulnerabilities(pkgs: &[Package]) -> Vec<VulnFinding> {
    let openssl = |p: &Package| {
        let mut r = pkg_ref(p);
        r.matched_name = Some("openssl".into());
        r.matched_version = Some("3.0.11-1~deb12u2".into());
        VulnFinding {
            id: "CVE-2024-0727".into(),
            aliases: vec![],
            advisories: vec!["DEBIAN-CVE-2024-0727".into()],
            package: r,
            ecosystem: "Debian:12".into(),
            status: FixStatus::Fixed,
            fixed_version: Some("3.0.13-1~deb12u1".into()),
            fixed_versions: vec!["3.0.13-1~deb12u1".into()],
            severity: Severity::Medium,
            severity_source: "CVSS_V3 of CVE-2024-0727".into(),
            cvss: vec![CvssScore {
                kind: "CVSS_V3".into(),
                vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H".into(),
                score: Some(5.5),
                source: "CVE-2024-0727".into(),
            }],
            title: Some("openssl: denial of service via null dereference in PKCS12 parsing".into()),
            description: Some(
                "Processing a maliciously formatted PKCS12 file may lead OpenSSL to crash \
                 leading to a potential Denial of Service attack."
                    .into(),
            ),
            references: vec![
                "https://www.openssl.org/news/secadv/20240125.txt".into(),
                "https://security-tracker.debian.org/tracker/CVE-2024-0727".into(),
            ],
            published: Some("2024-01-26T09:15:07Z".into()),
            modified: Some("2024-06-10T17:16:15Z".into()),
            suppressed: None,
        }
    };
    let minimist = |p: &Package| VulnFinding {
        id: "CVE-2021-44906".into(),
        aliases: vec!["GHSA-xvch-5gv4-984h".into()],
        advisories: vec!["GHSA-xvch-5gv4-984h".into()],
        package: pkg_ref(p),
        ecosystem: "npm".into(),
        status: FixStatus::Fixed,
        fixed_version: Some("1.2.6".into()),
        fixed_versions: vec!["0.2.4".into(), "1.2.6".into()],
        severity: Severity::Critical,
        severity_source: "CVSS_V3 of GHSA-xvch-5gv4-984h".into(),
        cvss: vec![CvssScore {
            kind: "CVSS_V3".into(),
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: Some(9.8),
            source: "GHSA-xvch-5gv4-984h".into(),
        }],
        title: Some("Prototype Pollution in minimist".into()),
        description: Some(
            "Minimist <=1.2.5 is vulnerable to Prototype Pollution via file index.js, \
             function setKey() (lines 69-95)."
                .into(),
        ),
        references: vec![
            "https://nvd.nist.gov/vuln/detail/CVE-2021-44906".into(),
            "https://github.com/advisories/GHSA-xvch-5gv4-984h".into(),
        ],
        published: Some("2022-03-18T00:01:09Z".into()),
        modified: Some("2024-02-22T05:05:03Z".into()),
        suppressed: None,
    };
    let requests = find(pkgs, "requests", "site-packages");
    vec![
        openssl(find(pkgs, "libssl3", "dpkg")),
        openssl(find(pkgs, "openssl", "dpkg")),
        minimist(find(pkgs, "minimist", "/app/node_modules/minimist/")),
        minimist(find(pkgs, "minimist", "/mkdirp/node_modules/minimist/")),
        VulnFinding {
            id: "CVE-2023-32681".into(),
            aliases: vec!["GHSA-j8r2-6x86-q33q".into(), "PYSEC-2023-74".into()],
            advisories: vec!["GHSA-j8r2-6x86-q33q".into(), "PYSEC-2023-74".into()],
            package: pkg_ref(requests),
            ecosystem: "PyPI".into(),
            status: FixStatus::Fixed,
            fixed_version: Some("2.31.0".into()),
            fixed_versions: vec!["2.31.0".into()],
            severity: Severity::Medium,
            severity_source: "CVSS_V3 of GHSA-j8r2-6x86-q33q".into(),
            cvss: vec![CvssScore {
                kind: "CVSS_V3".into(),
                vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N".into(),
                score: Some(6.1),
                source: "GHSA-j8r2-6x86-q33q".into(),
            }],
            title: Some("Unintended leak of Proxy-Authorization header in requests".into()),
            description: Some(
                "Requests is a HTTP library. Since Requests 2.3.0, Requests has been leaking \
                 Proxy-Authorization headers to destination servers when redirected to an \
                 HTTPS endpoint."
                    .into(),
            ),
            references: vec![
                "https://github.com/psf/requests/security/advisories/GHSA-j8r2-6x86-q33q".into(),
            ],
            published: Some("2023-05-22T20:36:32Z".into()),
            modified: None,
            suppressed: Some(Suppression {
                kind: "vex".into(),
                source: "vex/requests.openvex.json".into(),
                justification: Some("vulnerable_code_not_in_execute_path".into()),
                status: Some("not_affected".into()),
            }),
        },
    ]
}

pub fn tool() -> ToolInfo {
    ToolInfo {
        name: "customs".into(),
        version: "0.1.0".into(),
        information_uri: Some("https://example.invalid/customs".into()),
    }
}

/// The full fixture report.
pub fn fixture() -> ScanReport {
    let pkgs = packages();
    let vulns = vulnerabilities(&pkgs);
    let inventory = Inventory {
        os: Some(OsInfo {
            id: "debian".into(),
            version: Some("12".into()),
            codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: vec![],
            distroless: false,
            source: "/etc/os-release".into(),
        }),
        packages: pkgs,
        unknowns: vec![Unknown {
            layer: Some(3),
            path: Some("/opt/app/lib/broken.jar".into()),
            origin: "java-archive".into(),
            message: "zip: invalid central directory".into(),
        }],
    };
    ScanReport::new(artifact(), inventory, tool(), GENERATED_AT).with_vulnerabilities(vulns)
}

/// The fixture without vulnerabilities (an SBOM run).
pub fn fixture_sbom() -> ScanReport {
    fixture().with_vulnerabilities(Vec::new())
}

pub fn render(format: Format, report: &ScanReport) -> String {
    let mut out = Vec::new();
    customs_report::write(format, report, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

pub fn json(format: Format, report: &ScanReport) -> serde_json::Value {
    serde_json::from_str(&render(format, report)).expect("valid JSON")
}

/// The Python of the validator venv: `$CUSTOMS_PYTHON`, else
/// `$HOME/.cache/customs-venv/bin/python`. Fails the test when missing.
pub fn python() -> PathBuf {
    let p = std::env::var_os("CUSTOMS_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/customs-venv/bin/python"))
        })
        .expect("neither CUSTOMS_PYTHON nor HOME is set");
    assert!(
        p.exists(),
        "validator Python {} not found: run scripts/python-tools.sh (or set CUSTOMS_PYTHON)",
        p.display()
    );
    p
}

/// A tool installed beside the venv's Python (`pyspdxtools`, `ntia-checker`).
pub fn venv_tool(name: &str) -> PathBuf {
    let py = python();
    let t = py.parent().map(|d| d.join(name)).unwrap_or_default();
    assert!(
        t.exists(),
        "{} not found beside {}: run scripts/python-tools.sh",
        name,
        py.display()
    );
    t
}

pub fn parse_purl(s: &str) -> PackageUrl<'static> {
    PackageUrl::from_str(s).unwrap_or_else(|e| panic!("purl {s:?} does not parse: {e}"))
}

/// A report full of awkward input: a directory scan (no digest, no layers,
/// no OS), a package without purl, spaces and non-ASCII in paths, a layer
/// index that does not exist, a dependency cycle, license strings of every
/// kind (including an SPDX id newer than the CycloneDX schema's list), and
/// findings without severity, scores, titles or a package in the inventory.
pub fn awkward() -> ScanReport {
    let artifact = ImageSummary {
        name: "/srv/my rootfs".into(),
        source: "dir".into(),
        ..Default::default()
    };
    let mut weird = Package::new(
        PackageKind::Python,
        "Weird_Name",
        "1.0",
        "",
        "/srv/my rootfs/lib/wéird path/Weird_Name-1.0.dist-info/METADATA",
        "python-dist",
    );
    weird.layer = Some(7);
    weird.licenses = vec![
        "MIT OR Apache-2.0".into(),
        "Custom License (see LICENSE)".into(),
        "NOASSERTION".into(),
        " ".into(),
    ];
    weird.depends_on = vec!["weird-name".into(), "missing".into()];
    weird.properties.insert(
        "author".into(),
        "Jane Doe <jane@example.org>, John Roe".into(),
    );
    let mut a = npm(
        "@scope/a",
        "1.0.0",
        "/srv/app/node_modules/@scope/a/package.json",
    );
    a.depends_on = vec!["@scope/b".into()];
    a.layer = None;
    let mut b = npm(
        "@scope/b",
        "2.0.0",
        "/srv/app/node_modules/@scope/b/package.json",
    );
    b.depends_on = vec!["@scope/a".into()];
    b.layer = None;
    let mut bash = Package::new(
        PackageKind::Deb,
        "bash",
        "5.2.15-2+b7",
        purl(
            "deb",
            Some("debian"),
            "bash",
            "5.2.15-2+b7",
            &[("arch", "amd64")],
        ),
        "/var/lib/dpkg/status",
        "dpkg",
    );
    bash.licenses = vec!["GPL-3.0-or-later".into(), "BSD-3-Clause-OpenWebUI".into()];
    let mut rpm = Package::new(
        PackageKind::Rpm,
        "openssl-libs",
        "1:3.0.7-24.el9",
        purl(
            "rpm",
            Some("redhat"),
            "openssl-libs",
            "3.0.7-24.el9",
            &[("arch", "x86_64"), ("epoch", "1")],
        ),
        "/var/lib/rpm/rpmdb.sqlite",
        "rpmdb",
    );
    rpm.licenses = vec!["Apache-2.0 WITH LLVM-exception".into(), "GPL-2.0+".into()];
    let packages = vec![bash, rpm, weird, a, b];

    let base = |id: &str, p: &Package| VulnFinding {
        id: id.into(),
        aliases: vec![],
        advisories: vec![],
        package: pkg_ref(p),
        ecosystem: "x".into(),
        status: FixStatus::Affected,
        fixed_version: None,
        fixed_versions: vec![],
        severity: Severity::Unknown,
        severity_source: "none".into(),
        cvss: vec![],
        title: None,
        description: None,
        references: vec!["not a url".into(), "https://exa mple.org/x".into()],
        published: Some("2024-01-01".into()),
        modified: None,
        suppressed: None,
    };
    let mut v1 = base("OSV-2024-1 weird/id", &packages[2]);
    v1.package.location = "/gone/METADATA".into();
    v1.package.name = "gone".into();
    v1.package.purl = String::new();
    let mut v2 = base("CVE-2099-0001", &packages[0]);
    v2.severity = Severity::High;
    v2.cvss = vec![CvssScore {
        kind: "CVSS_V4".into(),
        vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
        score: None,
        source: "nvd".into(),
    }];
    v2.suppressed = Some(Suppression {
        kind: "ignorefile".into(),
        source: ".customsignore".into(),
        justification: Some("accepted until the base image moves | see #12".into()),
        status: None,
    });
    let mut v3 = base("CVE-2099-0002", &packages[3]);
    v3.severity = Severity::Low;
    v3.fixed_version = Some("1.0.1".into());
    v3.status = FixStatus::Fixed;
    v3.title = Some("A title with | pipes, *stars* and <html>".into());
    ScanReport::new(
        artifact,
        Inventory {
            os: None,
            packages,
            unknowns: vec![],
        },
        ToolInfo {
            name: "customs".into(),
            version: "0.1.0".into(),
            information_uri: None,
        },
        "2026-03-01T12:00:00.123456Z",
    )
    .with_vulnerabilities(vec![v1, v2, v3])
}
