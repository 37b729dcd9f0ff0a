//! Debian packages: the dpkg database.
//!
//! - `/var/lib/dpkg/status`: one stanza per package; only packages whose
//!   `Status` says `installed` count.
//! - `/var/lib/dpkg/status.d/*` (distroless): one file per package (one or
//!   more stanzas, usually without `Status`); `*.md5sums` beside them list
//!   the package's files.
//! - `/var/lib/dpkg/info/<pkg>.list` or `<pkg>:<arch>.list`: the files a
//!   package owns, recorded as ownership (the inventory attaches them).

use customs_types::{Package, PackageKind};

use crate::{Analyzer, Content, FileInfo, Sink};

/// A big Ubuntu status file is a few MB.
const STATUS_LIMIT: u64 = 128 << 20;
/// The biggest `.list` files (kernel modules, texlive) are a few MB.
const LIST_LIMIT: u64 = 64 << 20;

const STATUS: &str = "/var/lib/dpkg/status";
const STATUS_D: &str = "/var/lib/dpkg/status.d/";
const INFO: &str = "/var/lib/dpkg/info/";

/// Reads the dpkg database and its file lists.
pub struct Dpkg;

impl Analyzer for Dpkg {
    fn id(&self) -> &'static str {
        "dpkg"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        let p = file.path;
        p == STATUS
            || p.strip_prefix(STATUS_D)
                .is_some_and(|n| !n.is_empty() && !n.contains('/'))
            || p.strip_prefix(INFO)
                .is_some_and(|n| n.len() > 5 && n.ends_with(".list") && !n.contains('/'))
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let p = file.path;
        if let Some(name) = p.strip_prefix(INFO) {
            let text = content.text(LIST_LIMIT)?;
            let pkg = name.strip_suffix(".list").unwrap_or(name);
            sink.ownership(pkg, parse_list(&text));
            return Ok(());
        }
        if let Some(name) = p.strip_prefix(STATUS_D) {
            if let Some(pkg) = name.strip_suffix(".md5sums") {
                let text = content.text(LIST_LIMIT)?;
                sink.ownership(pkg, parse_md5sums(&text));
                return Ok(());
            }
            let text = content.text(STATUS_LIMIT)?;
            return read_status(&text, true, sink);
        }
        let text = content.text(STATUS_LIMIT)?;
        read_status(&text, false, sink)
    }
}

/// One deb822 stanza: fields in order, continuation lines joined with `\n`.
#[derive(Debug, Default)]
pub struct Stanza {
    pub fields: Vec<(String, String)>,
    /// 1-based line where it starts.
    pub line: usize,
}

impl Stanza {
    /// A field by name (case-insensitive, as deb822 says).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits deb822 text into stanzas. Lines that are neither fields nor
/// continuations are counted in the second value.
pub fn parse_stanzas(text: &str) -> (Vec<Stanza>, usize) {
    let mut out = Vec::new();
    let mut bad = 0;
    let mut cur = Stanza::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            match cur.fields.last_mut() {
                Some((_, v)) => {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => bad += 1,
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(char::is_whitespace) => {
                if cur.fields.is_empty() {
                    cur.line = i + 1;
                }
                cur.fields.push((k.to_string(), v.trim().to_string()));
            }
            _ => bad += 1,
        }
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    (out, bad)
}

/// Is the package installed? `Status: <want> <flag> <state>`, state
/// `installed` (want may be `install`, `hold`, even `deinstall` while the
/// files are still there).
fn installed(status: &str) -> bool {
    status.split_whitespace().nth(2) == Some("installed")
}

fn read_status(text: &str, distroless: bool, sink: &mut Sink<'_>) -> Result<(), String> {
    let (stanzas, bad) = parse_stanzas(text);
    if stanzas.is_empty() {
        return Err("no package stanza in the file".to_string());
    }
    if bad > 0 {
        sink.unknown(format!("{bad} malformed lines skipped"));
    }
    for st in &stanzas {
        match st.get("Status") {
            Some(s) if !installed(s) => continue,
            None if !distroless => {
                sink.unknown(format!("stanza at line {}: no Status field", st.line));
                continue;
            }
            _ => {}
        }
        match package_of(st) {
            Ok(p) => sink.package(p),
            Err(e) => sink.unknown(format!("stanza at line {}: {e}", st.line)),
        }
    }
    Ok(())
}

/// The package of a stanza.
pub fn package_of(st: &Stanza) -> Result<Package, String> {
    let name = st
        .get("Package")
        .filter(|n| valid_name(n))
        .ok_or("no valid Package field")?;
    let version = st
        .get("Version")
        .filter(|v| !v.is_empty() && !v.contains(char::is_whitespace))
        .ok_or("no valid Version field")?;
    let mut p = Package::new(PackageKind::Deb, name, version, "", "", "dpkg");
    p.arch = st
        .get("Architecture")
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    let (source, source_version) = match st.get("Source") {
        Some(s) => parse_source(s),
        None => (None, None),
    };
    p.source_name = Some(source.unwrap_or(name).to_string());
    p.source_version = Some(source_version.unwrap_or(version).to_string());
    let mut deps = Vec::new();
    for field in ["Pre-Depends", "Depends"] {
        if let Some(v) = st.get(field) {
            for d in parse_depends(v) {
                if !deps.contains(&d) {
                    deps.push(d);
                }
            }
        }
    }
    p.depends_on = deps;
    if let Some(ma) = st.get("Multi-Arch").filter(|m| !m.is_empty()) {
        p.properties.insert("multi_arch".into(), ma.to_string());
    }
    p.purl = crate::purl::os_package(&p, None);
    Ok(p)
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 256
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_'))
}

/// `Source: name (version)` or `Source: name`.
fn parse_source(s: &str) -> (Option<&str>, Option<&str>) {
    let s = s.trim();
    match s.split_once('(') {
        Some((name, rest)) => {
            let v = rest.split(')').next().unwrap_or("").trim();
            let name = name.trim();
            (
                Some(name).filter(|n| valid_name(n)),
                Some(v).filter(|v| !v.is_empty()),
            )
        }
        None => (Some(s).filter(|n| valid_name(n)), None),
    }
}

/// Package names of a `Depends` field: versions, architecture qualifiers
/// and all alternatives but the first dropped.
pub fn parse_depends(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for group in v.split(',') {
        let first = group.split('|').next().unwrap_or("").trim();
        let name = first
            .split(|c: char| c.is_whitespace() || c == '(' || c == '[' || c == '<')
            .next()
            .unwrap_or("");
        let name = name.split(':').next().unwrap_or("");
        if valid_name(name) && !out.iter().any(|d| d == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// An `info/*.list`: one path per line (directories too); `/.` dropped.
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| l.starts_with('/') && *l != "/.")
        .map(str::to_string)
        .collect()
}

/// A `.md5sums` file: `<md5>  <path relative to />`.
pub fn parse_md5sums(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let (_, path) = l.split_once(char::is_whitespace)?;
            let path = path.trim_start();
            let path = path.strip_suffix('\r').unwrap_or(path);
            (!path.is_empty()).then(|| {
                if path.starts_with('/') {
                    path.to_string()
                } else {
                    format!("/{path}")
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FixtureFile, run, run_txtar};

    fn find<'a>(ps: &'a [Package], name: &str) -> &'a Package {
        ps.iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn status_fixture() {
        let a = run_txtar(Dpkg, include_str!("../../testdata/os/dpkg.txtar"));
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let names: Vec<&str> = a.packages.iter().map(|p| p.name.as_str()).collect();
        // rc (config-files) and half-installed packages are left out
        assert_eq!(
            names,
            ["base-files", "libssl3", "bash", "libc6", "python3-pip"]
        );

        let ssl = find(&a.packages, "libssl3");
        assert_eq!(ssl.version, "3.0.11-1~deb12u2");
        assert_eq!(ssl.arch.as_deref(), Some("amd64"));
        assert_eq!(ssl.source_name.as_deref(), Some("openssl"));
        assert_eq!(ssl.source_version.as_deref(), Some("3.0.11-1~deb12u2"));
        assert_eq!(ssl.depends_on, ["libc6"]);
        assert_eq!(ssl.location, "/var/lib/dpkg/status");
        assert_eq!(ssl.analyzer, "dpkg");
        assert_eq!(ssl.kind, PackageKind::Deb);
        assert_eq!(
            ssl.purl,
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl"
        );
        assert_eq!(
            ssl.properties.get("multi_arch").map(String::as_str),
            Some("same")
        );

        // binNMU: Source carries the source version
        let bash = find(&a.packages, "bash");
        assert_eq!(bash.version, "5.2.15-2+b7");
        assert_eq!(bash.source_name.as_deref(), Some("bash"));
        assert_eq!(bash.source_version.as_deref(), Some("5.2.15-2"));
        assert_eq!(
            bash.depends_on,
            ["libc6", "libtinfo6", "base-files", "debianutils"]
        );

        // no Source field: the binary is its own source
        let bf = find(&a.packages, "base-files");
        assert_eq!(bf.source_name.as_deref(), Some("base-files"));
        assert_eq!(bf.source_version.as_deref(), Some("12.4+deb12u5"));
        assert!(bf.licenses.is_empty());

        // alternatives and arch qualifiers
        let pip = find(&a.packages, "python3-pip");
        assert_eq!(
            pip.depends_on,
            [
                "ca-certificates",
                "python3-distutils",
                "python3-setuptools",
                "python3"
            ]
        );
        assert_eq!(pip.arch.as_deref(), Some("all"));

        // info/*.list files become ownership records named as the file
        let mut own: Vec<(&str, usize)> = a
            .ownership
            .iter()
            .map(|o| (o.package.as_str(), o.files.len()))
            .collect();
        own.sort();
        assert_eq!(own, [("bash", 4), ("libssl3:amd64", 3)]);
        let bash_list = a.ownership.iter().find(|o| o.package == "bash").unwrap();
        assert_eq!(bash_list.files[0], "/bin");
        assert!(bash_list.files.contains(&"/bin/bash".to_string()));
        assert_eq!(bash_list.location, "/var/lib/dpkg/info/bash.list");
    }

    #[test]
    fn distroless_status_d() {
        let a = run_txtar(
            Dpkg,
            "-- var/lib/dpkg/status.d/libc6 --\nPackage: libc6\nVersion: 2.36-9+deb12u4\n\
             Architecture: amd64\nSource: glibc\nMulti-Arch: same\n\
             -- var/lib/dpkg/status.d/libc6.md5sums --\n\
             0123456789abcdef0123456789abcdef  lib/x86_64-linux-gnu/libc.so.6\n\
             fedcba9876543210fedcba9876543210  usr/share/doc/libc6/copyright\n\
             -- var/lib/dpkg/status.d/tzdata --\nPackage: tzdata\nVersion: 2024a-0+deb12u1\n\
             Architecture: all\n",
        );
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        assert_eq!(a.packages.len(), 2);
        let libc = find(&a.packages, "libc6");
        assert_eq!(libc.location, "/var/lib/dpkg/status.d/libc6");
        assert_eq!(libc.source_name.as_deref(), Some("glibc"));
        assert_eq!(libc.source_version.as_deref(), Some("2.36-9+deb12u4"));
        assert_eq!(a.ownership.len(), 1);
        assert_eq!(a.ownership[0].package, "libc6");
        assert_eq!(
            a.ownership[0].files,
            [
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/usr/share/doc/libc6/copyright"
            ]
        );
    }

    #[test]
    fn malformed_status_is_reported_not_fatal() {
        let a = run_txtar(
            Dpkg,
            "-- var/lib/dpkg/status --\n\
             Package: good\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n\
             Package: noversion\nStatus: install ok installed\n\n\
             Package: bad name!\nStatus: install ok installed\nVersion: 1\n\n\
             this line is junk\n\
             Package: nostatus\nVersion: 2\n\n \n",
        );
        assert_eq!(a.packages.len(), 1);
        assert_eq!(a.packages[0].name, "good");
        let msgs: Vec<&str> = a.unknowns.iter().map(|u| u.message.as_str()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("malformed")));
        assert!(msgs.iter().any(|m| m.contains("Version")));
        assert!(msgs.iter().any(|m| m.contains("Package")));
        assert!(msgs.iter().any(|m| m.contains("Status")));
        assert!(a.unknowns.iter().all(|u| u.origin == "dpkg"));
    }

    #[test]
    fn garbage_and_empty_files() {
        for body in [&b""[..], b"\0\x01\x02\xff\xfe", b"\n\n\n", b"::::\n"] {
            let a = run(Dpkg, &[FixtureFile::new(STATUS, body)]);
            assert!(a.packages.is_empty());
            assert!(!a.unknowns.is_empty());
        }
    }

    #[test]
    fn required_paths() {
        let want = |p: &str| {
            Dpkg.required(&FileInfo {
                path: p,
                size: 1,
                mode: 0o644,
                layer: 0,
            })
        };
        assert!(want("/var/lib/dpkg/status"));
        assert!(want("/var/lib/dpkg/status.d/base"));
        assert!(want("/var/lib/dpkg/info/libc6:amd64.list"));
        assert!(!want("/var/lib/dpkg/status-old"));
        assert!(!want("/var/lib/dpkg/info/libc6.md5sums"));
        assert!(!want("/var/lib/dpkg/info/.list"));
        assert!(!want("/var/lib/dpkg/status.d/"));
        assert!(!want("/usr/var/lib/dpkg/status"));
    }

    #[test]
    fn depends_parsing() {
        assert_eq!(
            parse_depends(
                "libc6 (>= 2.34), libfoo1 | libbar1, python3:any (>= 3.11~), perl [amd64], , x <!nocheck>"
            ),
            ["libc6", "libfoo1", "python3", "perl", "x"]
        );
        assert_eq!(
            parse_source("glibc (2.36-9)"),
            (Some("glibc"), Some("2.36-9"))
        );
        assert_eq!(parse_source("glibc"), (Some("glibc"), None));
        assert_eq!(parse_source("(1)"), (None, Some("1")));
    }
}
