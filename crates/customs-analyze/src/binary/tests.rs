//! Tests of the binary analyzers: generated Go executables (inline and
//! pointer formats, with and without section headers), the committed
//! cargo-auditable fixture, and the real Go binaries of this machine when
//! present.

use std::collections::BTreeSet;
use std::io::Cursor;
use std::str::FromStr;

use customs_layer::{EntryInfo, LayerVisitor};
use customs_types::{FileKind, Package, PackageKind};
use proptest::prelude::*;

use super::go::{self, GoBinary, stdlib_version};
use super::rust::CargoAuditable;
use super::testelf::{PF_R, PF_W, PF_X, Section, elf64};
use crate::dispatch::{AnalyzeFactory, AnalyzeVisitor, DispatchOptions};
use crate::testing::{FixtureFile, run};
use crate::{Analyzer, Content, LayerAnalysis, Sink};

const MAGIC: &[u8] = b"\xff Go buildinf:";
const SENTINEL_START: &[u8] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
const SENTINEL_END: &[u8] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

const MODINFO: &str = "path\texample.com/app/cmd/app\n\
mod\texample.com/app\tv1.4.0\th1:appsum=\n\
dep\tgithub.com/Masterminds/semver/v3\tv3.2.0\th1:semversum=\n\
dep\tgolang.org/x/net\tv0.0.0-20220722155237-a158d28d115b\n\
=>\tgithub.com/fork/net\tv0.1.0\th1:forksum=\n\
dep\texample.com/local\tv0.0.0-00010101000000-000000000000\n\
=>\t./local\t(devel)\t\n\
build\t-buildmode=exe\n\
build\t-compiler=gc\n\
build\t-ldflags=\"-s -w -X \\\"main.version=1.4.0\\\"\"\n\
build\tCGO_ENABLED=0\n\
build\tGOARCH=amd64\n\
build\tGOOS=linux\n\
build\tvcs=git\n\
build\tvcs.revision=0123456789abcdef\n";

fn uvarint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn wrapped(modinfo: &str) -> Vec<u8> {
    let mut m = SENTINEL_START.to_vec();
    m.extend_from_slice(modinfo.as_bytes());
    m.extend_from_slice(SENTINEL_END);
    m
}

/// The Go ≥ 1.18 build info blob.
fn inline_blob(version: &str, modinfo: &str) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&[8, 2]);
    b.resize(32, 0);
    uvarint(version.len() as u64, &mut b);
    b.extend_from_slice(version.as_bytes());
    let m = wrapped(modinfo);
    uvarint(m.len() as u64, &mut b);
    b.extend_from_slice(&m);
    b
}

/// A Go ≥ 1.18 ELF executable: text, then `.go.buildinfo`, then data.
fn go_elf(version: &str, modinfo: &str, section_headers: bool) -> Vec<u8> {
    let blob = inline_blob(version, modinfo);
    elf64(
        &[
            Section {
                name: ".text",
                addr: 0x401000,
                data: &[0x90; 256],
                flags: PF_R | PF_X,
            },
            Section {
                name: ".go.buildinfo",
                addr: 0x500000,
                data: &blob,
                flags: PF_R | PF_W,
            },
            Section {
                name: ".data",
                addr: 0x510000,
                data: &[7; 64],
                flags: PF_R | PF_W,
            },
        ],
        section_headers,
        100 << 10,
    )
}

/// A Go < 1.18 ELF executable: the header points at string headers in
/// `.data`, which point at bytes in `.rodata`.
fn go_elf_pointers(version: &str, modinfo: &str) -> Vec<u8> {
    const RODATA: u64 = 0x480000;
    const DATA: u64 = 0x520000;
    let m = wrapped(modinfo);
    let mut rodata = version.as_bytes().to_vec();
    let mod_at = RODATA + rodata.len() as u64;
    rodata.extend_from_slice(&m);
    let mut data = Vec::new();
    for (addr, len) in [(RODATA, version.len()), (mod_at, m.len())] {
        data.extend_from_slice(&addr.to_le_bytes());
        data.extend_from_slice(&(len as u64).to_le_bytes());
    }
    let mut header = MAGIC.to_vec();
    header.extend_from_slice(&[8, 0]);
    header.extend_from_slice(&DATA.to_le_bytes());
    header.extend_from_slice(&(DATA + 16).to_le_bytes());
    elf64(
        &[
            Section {
                name: ".rodata",
                addr: RODATA,
                data: &rodata,
                flags: PF_R,
            },
            Section {
                name: ".go.buildinfo",
                addr: 0x500000,
                data: &header,
                flags: PF_R | PF_W,
            },
            Section {
                name: ".data",
                addr: DATA,
                data: &data,
                flags: PF_R | PF_W,
            },
        ],
        true,
        100 << 10,
    )
}

fn exe(path: &str, data: Vec<u8>) -> FixtureFile {
    FixtureFile::new(path, data).executable()
}

fn find<'a>(a: &'a LayerAnalysis, name: &str) -> &'a Package {
    a.packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no package {name} in {:#?}", a.packages))
}

fn assert_purls_round_trip(packages: &[Package]) {
    for p in packages {
        let parsed =
            packageurl::PackageUrl::from_str(&p.purl).unwrap_or_else(|e| panic!("{}: {e}", p.purl));
        assert_eq!(parsed.to_string(), p.purl, "purl of {}", p.name);
    }
}

/// Runs analyzers through the dispatch with a tiny memory limit, so the
/// file is spooled and read through a file.
fn run_spooled(analyzers: Vec<Box<dyn Analyzer>>, path: &str, data: &[u8]) -> LayerAnalysis {
    let opts = DispatchOptions {
        memory_limit: 1024,
        spool_dir: None,
    };
    let mut v = AnalyzeVisitor::new(AnalyzeFactory::new(analyzers, opts), 0);
    let e = EntryInfo {
        layer: 0,
        path,
        kind: FileKind::File,
        size: data.len() as u64,
        mode: 0o755,
        link: None,
    };
    assert!(v.wants(&e));
    let mut r = data;
    v.visit(&e, &mut r).unwrap();
    v.finish()
}

/// Runs one analyzer on a file of this machine, read through the file
/// itself (as a spooled entry), so even a huge binary is not loaded.
fn run_on_file(a: &dyn Analyzer, path: &str) -> LayerAnalysis {
    let mut f = std::fs::File::open(path).unwrap();
    let len = f.metadata().unwrap().len();
    let mut analysis = LayerAnalysis::new(0);
    let mut sink = Sink {
        analysis: &mut analysis,
        analyzer: a.id(),
        path,
    };
    let info = crate::FileInfo {
        path,
        size: len,
        mode: 0o755,
        layer: 0,
    };
    let mut content = Content::Spooled { file: &mut f, len };
    if let Err(e) = a.analyze(&info, &mut content, &mut sink) {
        sink.unknown(e);
    }
    analysis
}

fn check_example(a: &LayerAnalysis) {
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    let names: BTreeSet<&str> = a.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "stdlib",
            "example.com/app",
            "github.com/Masterminds/semver/v3",
            "github.com/fork/net",
        ])
    );
    assert!(a.packages.iter().all(|p| p.kind == PackageKind::Go));
    assert!(
        a.packages
            .iter()
            .all(|p| p.location == "/usr/local/bin/app")
    );
    assert!(a.packages.iter().all(|p| p.analyzer == "go-binary"));

    let stdlib = find(a, "stdlib");
    assert_eq!(stdlib.version, "1.21.5");
    assert_eq!(stdlib.purl, "pkg:golang/stdlib@1.21.5");
    assert_eq!(stdlib.properties["toolchain"], "go1.21.5");
    assert_eq!(stdlib.properties["build.GOOS"], "linux");
    assert_eq!(stdlib.properties["build.GOARCH"], "amd64");
    assert_eq!(
        stdlib.properties["build.-ldflags"],
        "-s -w -X \"main.version=1.4.0\""
    );
    assert_eq!(stdlib.properties["path"], "example.com/app/cmd/app");

    let main = find(a, "example.com/app");
    assert_eq!(main.version, "v1.4.0");
    assert_eq!(main.purl, "pkg:golang/example.com/app@v1.4.0");
    assert_eq!(main.properties["main"], "true");
    assert_eq!(main.properties["build.vcs.revision"], "0123456789abcdef");
    assert_eq!(
        main.properties["local_replacements"],
        "example.com/local => ./local"
    );
    assert_eq!(
        main.depends_on,
        [
            "github.com/Masterminds/semver/v3",
            "github.com/fork/net",
            "stdlib"
        ]
    );

    let semver = find(a, "github.com/Masterminds/semver/v3");
    assert_eq!(semver.version, "v3.2.0");
    // the purl spec lowercases golang namespaces
    assert_eq!(
        semver.purl,
        "pkg:golang/github.com/masterminds/semver/v3@v3.2.0"
    );
    assert_eq!(semver.properties["sum"], "h1:semversum=");

    let fork = find(a, "github.com/fork/net");
    assert_eq!(fork.version, "v0.1.0");
    assert_eq!(
        fork.properties["replaces"],
        "golang.org/x/net@v0.0.0-20220722155237-a158d28d115b"
    );
    assert_purls_round_trip(&a.packages);
}

#[test]
fn go_inline_build_info_in_its_section() {
    let data = go_elf("go1.21.5", MODINFO, true);
    let a = run(GoBinary, &[exe("/usr/local/bin/app", data.clone())]);
    check_example(&a);
    // the same from a spooled file
    check_example(&run_spooled(
        vec![Box::new(GoBinary)],
        "/usr/local/bin/app",
        &data,
    ));
}

#[test]
fn go_without_section_headers_is_found_in_the_data_segment() {
    let data = go_elf("go1.21.5", MODINFO, false);
    check_example(&run(GoBinary, &[exe("/usr/local/bin/app", data)]));
}

#[test]
fn go_pointer_format_before_1_18() {
    let data = go_elf_pointers("go1.17.13", MODINFO);
    let a = run(GoBinary, &[exe("/usr/local/bin/app", data)]);
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    assert_eq!(find(&a, "stdlib").version, "1.17.13");
    assert_eq!(find(&a, "example.com/app").version, "v1.4.0");
    assert_eq!(
        find(&a, "github.com/Masterminds/semver/v3").version,
        "v3.2.0"
    );
}

#[test]
fn go_unreadable_headers_fall_back_to_an_aligned_search() {
    // An ELF magic with garbage headers: the whole file is searched, on
    // 16-byte boundaries only.
    let blob = inline_blob("go1.22.0", MODINFO);
    let mut data = b"\x7fELF\xff\xff\xff".to_vec();
    data.resize(0x1000, 0xee);
    data.extend_from_slice(&blob);
    data.resize(80 << 10, 0);
    let a = run(GoBinary, &[exe("/app", data.clone())]);
    assert_eq!(find(&a, "stdlib").version, "1.22.0");

    let mut shifted = b"\x7fELF\xff\xff\xff".to_vec();
    shifted.resize(0x1003, 0xee);
    shifted.extend_from_slice(&blob);
    shifted.resize(80 << 10, 0);
    let a = run(GoBinary, &[exe("/app", shifted)]);
    assert!(a.packages.is_empty() && a.unknowns.is_empty(), "{a:#?}");
}

#[test]
fn go_devel_main_module_and_experiments() {
    let modinfo = "path\tgithub.com/hashicorp/terraform\n\
mod\tgithub.com/hashicorp/terraform\t(devel)\t\n\
dep\tcloud.google.com/go\tv0.110.7\th1:x=\n\
dep\tbroken\n";
    let data = go_elf("go1.23.1 X:nocoverageredesign", modinfo, true);
    let a = run(GoBinary, &[exe("/usr/local/bin/terraform", data)]);
    let main = find(&a, "github.com/hashicorp/terraform");
    assert_eq!(main.version, "");
    assert_eq!(main.properties["version"], "(devel)");
    assert_eq!(main.purl, "pkg:golang/github.com/hashicorp/terraform");
    assert_eq!(main.depends_on, ["cloud.google.com/go", "stdlib"]);
    let stdlib = find(&a, "stdlib");
    assert_eq!(stdlib.version, "1.23.1");
    assert_eq!(
        stdlib.properties["toolchain"],
        "go1.23.1 X:nocoverageredesign"
    );
    // the `dep\tbroken` line
    assert_eq!(a.unknowns.len(), 1, "{:?}", a.unknowns);
    assert!(a.unknowns[0].message.contains("1 line(s)"));
    assert_purls_round_trip(&a.packages);
}

#[test]
fn go_no_module_info() {
    // Debian builds in GOPATH mode: a path and settings, no `mod` line.
    let modinfo = "path\tgithub.com/docker/distribution/cmd/registry\nbuild\tGOOS=linux\n";
    let a = run(
        GoBinary,
        &[exe("/usr/bin/registry", go_elf("go1.19.8", modinfo, true))],
    );
    assert_eq!(a.packages.len(), 1);
    let stdlib = &a.packages[0];
    assert_eq!(stdlib.name, "stdlib");
    assert_eq!(stdlib.version, "1.19.8");
    assert_eq!(
        stdlib.properties["path"],
        "github.com/docker/distribution/cmd/registry"
    );
}

#[test]
fn go_negatives() {
    // an ELF executable without Go build info
    let plain = elf64(
        &[
            Section {
                name: ".text",
                addr: 0x401000,
                data: &[0x90; 4096],
                flags: PF_R | PF_X,
            },
            Section {
                name: ".data",
                addr: 0x600000,
                data: &[1; 4096],
                flags: PF_R | PF_W,
            },
        ],
        true,
        100 << 10,
    );
    let mut script = b"#!/bin/sh\necho hi\n".to_vec();
    script.resize(100 << 10, b'#');
    let files = [
        exe("/usr/bin/c-tool", plain),
        exe("/usr/bin/script", script),
        // not executable, too small, a shared library: not even read
        FixtureFile::new("/usr/bin/app", go_elf("go1.21.5", MODINFO, true)),
        exe("/usr/bin/tiny", inline_blob("go1.21.5", MODINFO)),
        exe("/usr/lib/libgo.so.1", go_elf("go1.21.5", MODINFO, true)),
    ];
    let a = run(GoBinary, &files);
    assert!(a.packages.is_empty(), "{:#?}", a.packages);
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    assert_eq!(a.files_analyzed, 2);
}

#[test]
fn go_malformed_build_info_is_an_unknown() {
    let mut blob = inline_blob("go1.21.5", MODINFO);
    blob[33] = 0xff; // the version's length now runs past the section
    let data = elf64(
        &[Section {
            name: ".go.buildinfo",
            addr: 0x500000,
            data: &blob,
            flags: PF_R | PF_W,
        }],
        true,
        100 << 10,
    );
    let a = run(GoBinary, &[exe("/app", data)]);
    assert!(a.packages.is_empty());
    assert_eq!(a.unknowns.len(), 1);
    assert!(
        a.unknowns[0].message.contains("Go build info"),
        "{:?}",
        a.unknowns
    );
}

#[test]
fn stdlib_versions_follow_osv() {
    for (tool, want) in [
        ("go1.21.5", Some("1.21.5")),
        ("go1.21", Some("1.21.0")),
        ("go1.20", Some("1.20.0")),
        ("go1", Some("1.0.0")),
        ("go1.21rc2", Some("1.21.0-rc.2")),
        ("go1.9beta1", Some("1.9.0-beta.1")),
        ("go1.16.7b7", Some("1.16.7")),
        ("go1.23.1 X:nocoverageredesign", Some("1.23.1")),
        ("go1.20.10 (Red Hat 1.20.10-1.el9)", Some("1.20.10")),
        ("devel go1.22-2f0e9f1 Tue Jan 1 00:00:00 2024 +0000", None),
        ("go1.21.x", None),
        ("go", None),
        ("", None),
    ] {
        assert_eq!(stdlib_version(tool).as_deref(), want, "{tool}");
    }
}

#[test]
fn stdlib_versions_match_the_osv_go_records() {
    // Every stdlib version OSV's Go records name must be what
    // stdlib_version makes of the toolchain tag Go writes for it.
    let Some(zip) = shared("vulndb/osv/Go/all.zip") else {
        return;
    };
    let bytes = std::fs::read(zip).unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut versions = BTreeSet::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for aff in v["affected"].as_array().into_iter().flatten() {
            if aff["package"]["name"] != "stdlib" {
                continue;
            }
            for r in aff["ranges"].as_array().into_iter().flatten() {
                for ev in r["events"].as_array().into_iter().flatten() {
                    for (_, ver) in ev.as_object().into_iter().flatten() {
                        versions.insert(ver.as_str().unwrap_or("").to_string());
                    }
                }
            }
        }
    }
    assert!(versions.len() > 100, "{}", versions.len());
    let mut checked = 0;
    for v in &versions {
        if v == "0" || v.ends_with("-0") {
            continue; // range starts, not releases
        }
        assert!(!v.starts_with('v') && !v.starts_with("go"), "{v}");
        // the Go tag of this release: 1.21.0 was tagged go1.21.0, 1.20.0 go1.20
        // a pre-release has dots of its own: 1.21.0-rc.4 is tagged go1.21rc4
        let (core, pre) = match v.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (v.as_str(), None),
        };
        let (maj_min, patch) = core.rsplit_once('.').unwrap();
        let tag = match (patch, pre) {
            ("0", Some(pre)) => format!("go{maj_min}{}", pre.replace('.', "")),
            _ => format!("go{v}"),
        };
        assert_eq!(stdlib_version(&tag).as_deref(), Some(v.as_str()), "{tag}");
        if patch == "0" && pre.is_none() {
            assert_eq!(
                stdlib_version(&format!("go{maj_min}")).as_deref(),
                Some(v.as_str())
            );
        }
        checked += 1;
    }
    assert!(checked > 100);
}

fn shared(rel: &str) -> Option<std::path::PathBuf> {
    let root = std::env::var_os("CUSTOMS_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
        });
    let p = root.join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} not found (set CUSTOMS_SHARED)", p.display());
        None
    }
}

#[test]
fn go_build_settings_quoting() {
    let bi = go::parse_modinfo(
        "build\t\"key with space\"=v\n\
build\tk=\"a\\tb\\x41\\u00e9\\101\"\n\
build\tk2=`raw \"x\"`\n\
build\t=nokey\n\
build\tnoequals\n\
build\tk3=\"unterminated\n",
    );
    assert_eq!(
        bi.settings,
        [
            ("key with space".to_string(), "v".to_string()),
            ("k".to_string(), "a\tbAéA".to_string()),
            ("k2".to_string(), "raw \"x\"".to_string()),
        ]
    );
    assert_eq!(bi.bad_lines, 3);
}

#[test]
fn go_purls() {
    assert_eq!(
        go::purl("github.com/foo/bar", "v1.2.3"),
        "pkg:golang/github.com/foo/bar@v1.2.3"
    );
    assert_eq!(
        go::purl("golang.org/x/net", "v0.0.0-20220722155237-a158d28d115b"),
        "pkg:golang/golang.org/x/net@v0.0.0-20220722155237-a158d28d115b"
    );
    assert_eq!(go::purl("stdlib", "1.21.5"), "pkg:golang/stdlib@1.21.5");
    assert_eq!(
        go::purl("gopkg.in/yaml.v3", "v3.0.1"),
        "pkg:golang/gopkg.in/yaml.v3@v3.0.1"
    );
    assert_eq!(
        go::purl("github.com/gofrs/uuid", "v4.0.0+incompatible"),
        "pkg:golang/github.com/gofrs/uuid@v4.0.0%2Bincompatible"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random bytes with the magic planted (aligned), random flags and
    /// lengths: an error or nothing, never a panic.
    #[test]
    fn go_random_bytes_never_panic(
        mut data in proptest::collection::vec(any::<u8>(), 64..4096),
        at in 0usize..200,
        flags in any::<u8>(),
        ptr in any::<u8>(),
        elf in any::<bool>(),
    ) {
        let at = (at * 16).min(data.len().saturating_sub(16)) & !15;
        if data.len() >= at + 16 {
            data[at..at + 14].copy_from_slice(MAGIC);
            data[at + 14] = ptr;
            data[at + 15] = flags;
        }
        if elf && data.len() > 4 {
            data[..4].copy_from_slice(b"\x7fELF");
        }
        let _ = go::read_build_info(Cursor::new(&data));
        let mut padded = data.clone();
        padded.resize(65 << 10, 0);
        let _ = run(GoBinary, &[exe("/x", padded)]);
    }

    /// Build info blobs with random module info text.
    #[test]
    fn go_random_modinfo_never_panics(text in "\\PC{0,300}", ver in "go[0-9.a-z ]{0,12}") {
        let data = go_elf(&ver, &format!("{text}\n"), true);
        let _ = run(GoBinary, &[exe("/x", data)]);
        let _ = go::parse_modinfo(&text);
        let _ = stdlib_version(&ver);
    }

    #[test]
    fn rust_random_bytes_never_panic(
        mut data in proptest::collection::vec(any::<u8>(), 64..4096),
        magic in 0usize..3,
    ) {
        let m: &[u8] = [&b"\x7fELF"[..], b"MZ\x90\0", b"\xcf\xfa\xed\xfe"][magic];
        data[..4].copy_from_slice(m);
        data.extend_from_slice(b".dep-v0\0");
        data.resize(65 << 10, 0);
        let _ = run(CargoAuditable, &[exe("/x", data.clone())]);
        let _ = run_spooled(vec![Box::new(CargoAuditable)], "/x", &data);
    }
}

/// The modules `go version -m` would print, found as text in the binary
/// (what `strings` shows), independently of the build info decoder.
fn modules_as_text(data: &[u8]) -> (Option<String>, BTreeSet<String>) {
    let text = String::from_utf8_lossy(data);
    // the module info is `<16-byte sentinel>path\t<main package>\n...`
    // (string tables elsewhere in the binary may hold `path\t` too)
    const SENTINEL: &[u8] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6path\t";
    let path = data
        .windows(SENTINEL.len())
        .position(|w| w == SENTINEL)
        .map(|i| {
            let rest = &data[i + SENTINEL.len()..];
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            String::from_utf8_lossy(&rest[..end]).into_owned()
        });
    let mut deps = BTreeSet::new();
    for chunk in text.split("\ndep\t").skip(1) {
        let line = chunk.split('\n').next().unwrap_or("");
        let mut cols = line.split('\t');
        let (Some(p), Some(v)) = (cols.next(), cols.next()) else {
            continue;
        };
        if v == "(devel)" {
            continue; // no usable version: not a package (see go.rs)
        }
        // a replaced dep: the next line is `=>\tpath\tversion\tsum`
        let after = chunk.split('\n').nth(1).unwrap_or("");
        if let Some(rep) = after.strip_prefix("=>\t") {
            let mut rc = rep.split('\t');
            let (rp, rv) = (rc.next().unwrap_or(""), rc.next().unwrap_or(""));
            if !rp.starts_with('.') && !rp.starts_with('/') && !rv.is_empty() && rv != "(devel)" {
                deps.insert(format!("{rp}@{rv}"));
            }
        } else {
            deps.insert(format!("{p}@{v}"));
        }
    }
    (path, deps)
}

#[test]
fn real_go_binary_docker_registry() {
    let path = "/usr/bin/docker-registry";
    if !std::path::Path::new(path).exists() {
        eprintln!("skipped: {path} not installed (apt-get install docker-registry)");
        return;
    }
    let data = std::fs::read(path).unwrap();
    let (text_path, text_deps) = modules_as_text(&data);
    for a in [
        run(GoBinary, &[exe(path, data.clone())]),
        run_spooled(vec![Box::new(GoBinary)], path, &data),
    ] {
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let stdlib = find(&a, "stdlib");
        let toolchain = &stdlib.properties["toolchain"];
        assert!(toolchain.starts_with("go1."), "{toolchain}");
        assert_eq!(Some(stdlib.version.clone()), stdlib_version(toolchain));
        // the toolchain string is in the binary as text too
        assert!(String::from_utf8_lossy(&data).contains(toolchain.as_str()));
        assert_eq!(stdlib.properties.get("path"), text_path.as_ref());
        assert_eq!(
            stdlib.properties.get("path").map(String::as_str),
            Some("github.com/docker/distribution/cmd/registry")
        );
        assert_eq!(stdlib.properties["build.GOOS"], "linux");
        assert_eq!(stdlib.properties["build.-compiler"], "gc");
        let deps: BTreeSet<String> = a
            .packages
            .iter()
            .filter(|p| p.name != "stdlib" && !p.properties.contains_key("main"))
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(deps, text_deps);
        assert_purls_round_trip(&a.packages);
    }
}

#[test]
fn real_go_binaries_with_modules() {
    // Big binaries with many modules, read through the file (spooled path).
    let candidates = [
        "/usr/local/bin/terraform",
        "/usr/lib/google-cloud-sdk/bin/kubectl",
        "/usr/bin/skopeo",
    ];
    let mut seen = 0;
    for path in candidates {
        if !std::path::Path::new(path).exists() {
            eprintln!("skipped: {path} not present");
            continue;
        }
        let data = std::fs::read(path).unwrap();
        let (_, text_deps) = modules_as_text(&data);
        drop(data);
        let a = run_on_file(&GoBinary, path);
        assert!(a.unknowns.is_empty(), "{path}: {:?}", a.unknowns);
        let deps: BTreeSet<String> = a
            .packages
            .iter()
            .filter(|p| p.name != "stdlib" && !p.properties.contains_key("main"))
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(deps, text_deps, "{path}");
        if let Some(main) = a
            .packages
            .iter()
            .find(|p| p.properties.contains_key("main"))
        {
            let mut want: Vec<&str> = a
                .packages
                .iter()
                .filter(|p| !p.properties.contains_key("main"))
                .map(|p| p.name.as_str())
                .collect();
            want.sort();
            want.dedup();
            assert_eq!(main.depends_on, want, "{path}");
        }
        assert_purls_round_trip(&a.packages);
        eprintln!("{path}: {} packages", a.packages.len());
        seen += 1;
    }
    if seen == 0 {
        eprintln!("skipped: none of {candidates:?} present");
    }
}

// --- cargo-auditable ---------------------------------------------------

fn testdata(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/binary")
        .join(rel)
}

/// name@version of every package in the fixture's Cargo.lock.
fn lock_packages() -> BTreeSet<String> {
    let lock = std::fs::read_to_string(testdata("auditable-hello/Cargo.lock")).unwrap();
    let mut out = BTreeSet::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |k: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k} = \"")))
                .and_then(|r| r.strip_suffix('"'))
                .unwrap()
                .to_string()
        };
        out.insert(format!("{}@{}", field("name"), field("version")));
    }
    out
}

#[test]
fn cargo_auditable_fixture() {
    let path = testdata("auditable-hello.bin");
    let data = std::fs::read(&path).unwrap();
    assert!(data.len() < 1 << 20);
    let want = lock_packages();
    assert!(want.len() >= 3, "{want:?}");
    let in_memory = run(CargoAuditable, &[exe("/usr/local/bin/hello", data.clone())]);
    let spooled = run_spooled(
        vec![Box::new(CargoAuditable)],
        "/usr/local/bin/hello",
        &data,
    );
    assert_eq!(in_memory.packages, spooled.packages);
    for a in [&in_memory, &spooled] {
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let got: BTreeSet<String> = a
            .packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(got, want);
        assert!(a.packages.iter().all(|p| p.kind == PackageKind::Cargo));
        assert_purls_round_trip(&a.packages);
    }
    let root = find(&in_memory, "auditable-hello");
    assert_eq!(root.properties["root"], "true");
    assert_eq!(root.properties["source"], "local");
    assert_eq!(root.purl, "pkg:cargo/auditable-hello@0.1.0");
    assert!(
        root.depends_on.contains(&"smallvec".to_string()),
        "{:?}",
        root.depends_on
    );
    let smallvec = find(&in_memory, "smallvec");
    assert_eq!(smallvec.properties["source"], "crates.io");
    assert_eq!(
        smallvec.purl,
        format!("pkg:cargo/smallvec@{}", smallvec.version)
    );
    // the Go analyzer finds nothing in it, and the other way round
    let a = run(GoBinary, &[exe("/usr/local/bin/hello", data)]);
    assert!(a.packages.is_empty() && a.unknowns.is_empty());
}

#[test]
fn cargo_auditable_negatives() {
    // a Go binary, a plain ELF, a script: no packages, no unknowns
    let files = [
        exe("/a", go_elf("go1.21.5", MODINFO, true)),
        exe(
            "/b",
            elf64(
                &[Section {
                    name: ".text",
                    addr: 0x401000,
                    data: &[0x90; 4096],
                    flags: PF_R | PF_X,
                }],
                true,
                100 << 10,
            ),
        ),
        exe("/c", {
            let mut s = b"#!/usr/bin/env python3\n".to_vec();
            s.resize(70 << 10, b' ');
            s
        }),
    ];
    for a in [
        run(CargoAuditable, &files),
        run_spooled(vec![Box::new(CargoAuditable)], "/a", &files[0].data),
    ] {
        assert!(a.packages.is_empty(), "{:?}", a.packages);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    }
}

#[test]
fn cargo_auditable_corrupt_section_is_an_unknown() {
    let data = elf64(
        &[Section {
            name: ".dep-v0",
            addr: 0x500000,
            data: b"\x78\x9cnot zlib at all",
            flags: PF_R,
        }],
        true,
        100 << 10,
    );
    for a in [
        run(CargoAuditable, &[exe("/x", data.clone())]),
        run_spooled(vec![Box::new(CargoAuditable)], "/x", &data),
    ] {
        assert!(a.packages.is_empty());
        assert_eq!(a.unknowns.len(), 1, "{:?}", a.unknowns);
        assert!(a.unknowns[0].message.contains("cargo-auditable"));
    }
}

#[test]
fn cargo_auditable_section_built_here() {
    // A generated ELF with a .dep-v0 section: both readers agree.
    let json = r#"{"packages":[
        {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
        {"name":"serde","version":"1.0.100","source":"crates.io"},
        {"name":"mygit","version":"0.2.0","source":"git","kind":"build"}
    ]}"#;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, json.as_bytes()).unwrap();
    let compressed = enc.finish().unwrap();
    let data = elf64(
        &[Section {
            name: ".dep-v0",
            addr: 0x500000,
            data: &compressed,
            flags: PF_R,
        }],
        true,
        100 << 10,
    );
    let a = run(CargoAuditable, &[exe("/x", data.clone())]);
    let b = run_spooled(vec![Box::new(CargoAuditable)], "/x", &data);
    assert_eq!(a.packages, b.packages);
    assert_eq!(a.packages.len(), 3, "{:?}", a.unknowns);
    let app = find(&a, "app");
    assert_eq!(app.depends_on, ["mygit", "serde"]);
    let git = find(&a, "mygit");
    assert_eq!(git.properties["source"], "git");
    assert_eq!(git.properties["dependency_kind"], "build");
    assert_eq!(find(&a, "serde").purl, "pkg:cargo/serde@1.0.100");
}
