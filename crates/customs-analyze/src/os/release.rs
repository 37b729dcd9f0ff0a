//! The distribution: `/etc/os-release` or `/usr/lib/os-release`, with the
//! older release files as fallbacks (`/etc/lsb-release`,
//! `/etc/alpine-release`, `/etc/redhat-release`, `/etc/centos-release`,
//! `/etc/fedora-release`, `/etc/system-release`, `/etc/debian_version`).
//!
//! Each file gives one candidate; the inventory keeps the best surviving one
//! by file priority (os-release first).

use customs_types::OsInfo;

use crate::{Analyzer, Content, FileInfo, Sink};

/// Release files are a few hundred bytes; refuse anything absurd.
const LIMIT: u64 = 64 << 10;

/// The files this analyzer reads.
pub const FILES: &[&str] = &[
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/lsb-release",
    "/etc/alpine-release",
    "/etc/redhat-release",
    "/etc/centos-release",
    "/etc/fedora-release",
    "/etc/system-release",
    "/etc/debian_version",
];

/// Reads os-release and the older release files.
pub struct OsRelease;

impl Analyzer for OsRelease {
    fn id(&self) -> &'static str {
        "os-release"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        FILES.contains(&file.path)
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let text = content.text(LIMIT)?;
        let os = match file.path {
            "/etc/os-release" | "/usr/lib/os-release" => parse_os_release(&text),
            "/etc/lsb-release" => parse_lsb_release(&text),
            "/etc/alpine-release" => parse_alpine_release(&text),
            "/etc/debian_version" => parse_debian_version(&text),
            _ => parse_redhat_release(&text),
        };
        match os {
            Some(mut os) => {
                os.source = file.path.to_string();
                sink.os(os);
                Ok(())
            }
            None => Err("no distribution identified in the file".to_string()),
        }
    }
}

/// `KEY=value` pairs of an os-release style file (shell-like quoting:
/// `"..."` with backslash escapes, `'...'` literal, or bare).
pub fn parse_assignments(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        out.push((key.to_string(), unquote(value.trim())));
    }
    out
}

fn unquote(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                if !matches!(n, '"' | '\\' | '$' | '`') {
                                    out.push('\\');
                                }
                                out.push(n);
                            }
                        }
                        c => out.push(c),
                    }
                }
            }
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            // an unquoted space ends the value; the rest is a comment or junk
            c if c.is_whitespace() => break,
            c => out.push(c),
        }
    }
    out
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a String> {
    // the last assignment wins, as in a shell
    pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// os-release(5).
pub fn parse_os_release(text: &str) -> Option<OsInfo> {
    let pairs = parse_assignments(text);
    let id = non_empty(get(&pairs, "ID"))?.to_lowercase();
    let pretty_name = non_empty(get(&pairs, "PRETTY_NAME"));
    let mut version = non_empty(get(&pairs, "VERSION_ID"));
    let mut codename = non_empty(get(&pairs, "VERSION_CODENAME"))
        .or_else(|| non_empty(get(&pairs, "UBUNTU_CODENAME")))
        .map(|c| c.to_lowercase());
    if codename.is_none() && matches!(id.as_str(), "debian" | "ubuntu") {
        // Debian 8: VERSION="8 (jessie)"
        codename = non_empty(get(&pairs, "VERSION"))
            .as_deref()
            .and_then(parenthesized)
            .filter(|c| c.chars().all(|ch| ch.is_ascii_alphabetic()))
            .map(|c| c.to_lowercase());
    }
    if id == "debian" && version.is_none() && codename.is_none() {
        // Debian testing/sid: PRETTY_NAME="Debian GNU/Linux trixie/sid"
        codename = pretty_name
            .as_deref()
            .and_then(|p| p.rsplit(' ').next())
            .and_then(|w| w.split('/').next())
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
            .map(str::to_string);
    }
    if version
        .as_deref()
        .is_some_and(|v| v.contains(char::is_whitespace))
    {
        version = None;
    }
    let id_like = get(&pairs, "ID_LIKE")
        .map(|s| s.split_whitespace().map(str::to_lowercase).collect())
        .unwrap_or_default();
    Some(OsInfo {
        id,
        version,
        codename,
        pretty_name,
        id_like,
        distroless: false,
        source: String::new(),
    })
}

/// `/etc/lsb-release` (Ubuntu): `DISTRIB_ID`, `DISTRIB_RELEASE`,
/// `DISTRIB_CODENAME`, `DISTRIB_DESCRIPTION`.
pub fn parse_lsb_release(text: &str) -> Option<OsInfo> {
    let pairs = parse_assignments(text);
    let id = non_empty(get(&pairs, "DISTRIB_ID"))?.to_lowercase();
    Some(OsInfo {
        id,
        version: non_empty(get(&pairs, "DISTRIB_RELEASE")),
        codename: non_empty(get(&pairs, "DISTRIB_CODENAME")).map(|c| c.to_lowercase()),
        pretty_name: non_empty(get(&pairs, "DISTRIB_DESCRIPTION")),
        id_like: Vec::new(),
        distroless: false,
        source: String::new(),
    })
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// `/etc/alpine-release`: `3.19.1`.
pub fn parse_alpine_release(text: &str) -> Option<OsInfo> {
    let v = first_line(text)?;
    if !looks_like_version(v) {
        return None;
    }
    Some(OsInfo {
        id: "alpine".into(),
        version: Some(v.to_string()),
        ..Default::default()
    })
}

fn looks_like_version(v: &str) -> bool {
    v.starts_with(|c: char| c.is_ascii_digit())
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '~'))
}

/// `/etc/debian_version`: `12.5` for a release, `trixie/sid` for testing
/// and unstable (a codename, no version).
pub fn parse_debian_version(text: &str) -> Option<OsInfo> {
    let v = first_line(text)?;
    let mut os = OsInfo {
        id: "debian".into(),
        ..Default::default()
    };
    if looks_like_version(v) {
        os.version = Some(v.to_string());
    } else {
        let codename = v.split('/').next().unwrap_or("").trim();
        if codename.is_empty() || !codename.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        os.codename = Some(codename.to_lowercase());
    }
    os.pretty_name = Some(format!("Debian GNU/Linux {v}"));
    Some(os)
}

fn parenthesized(s: &str) -> Option<&str> {
    let start = s.find('(')?;
    let end = s[start..].find(')')? + start;
    let inner = s[start + 1..end].trim();
    (!inner.is_empty()).then_some(inner)
}

/// `/etc/redhat-release` and friends: `Red Hat Enterprise Linux release 8.9
/// (Ootpa)`, `Rocky Linux release 9.3 (Blue Onyx)`, `Amazon Linux release
/// 2023 (Amazon Linux)`, `CentOS Linux release 7.9.2009 (Core)`.
pub fn parse_redhat_release(text: &str) -> Option<OsInfo> {
    let line = first_line(text)?;
    let (name, rest) = line.split_once(" release ")?;
    let version = rest
        .split_whitespace()
        .next()
        .filter(|v| looks_like_version(v))?;
    let lower = name.to_lowercase();
    let id = if lower.starts_with("red hat") {
        "rhel"
    } else if lower.starts_with("centos") {
        "centos"
    } else if lower.starts_with("rocky") {
        "rocky"
    } else if lower.starts_with("almalinux") {
        "almalinux"
    } else if lower.starts_with("fedora") {
        "fedora"
    } else if lower.starts_with("amazon linux") {
        "amzn"
    } else if lower.starts_with("oracle linux") {
        "ol"
    } else {
        lower.split_whitespace().next()?
    };
    // the parenthesized word is a codename only for the RHEL family
    let codename = match id {
        "rhel" | "centos" | "rocky" | "almalinux" => parenthesized(rest).map(str::to_string),
        _ => None,
    };
    let id_like = match id {
        "rhel" | "fedora" | "amzn" => Vec::new(),
        _ => vec!["rhel".to_string(), "fedora".to_string()],
    };
    Some(OsInfo {
        id: id.to_string(),
        version: Some(version.to_string()),
        codename,
        pretty_name: Some(line.to_string()),
        id_like,
        distroless: false,
        source: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_txtar;

    fn os_of(fixture: &str) -> Vec<OsInfo> {
        let a = run_txtar(OsRelease, fixture);
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        a.os.into_iter().map(|c| c.os).collect()
    }

    #[test]
    fn fixtures_of_each_distribution() {
        let text = include_str!("../../testdata/os/release.txtar");
        let files = crate::testing::txtar(text);
        // each fixture file is named <case>/<real path>; run them one by one
        let mut seen = 0;
        for f in files {
            let (case, path) = f.path[1..].split_once('/').unwrap();
            if case == "expect" {
                continue;
            }
            let one = vec![crate::testing::FixtureFile::new(path, f.data.clone())];
            let a = crate::testing::run(OsRelease, &one);
            let got = a.os.first().map(|c| {
                format!(
                    "{} {} {} {} [{}]",
                    c.os.id,
                    c.os.version.as_deref().unwrap_or("-"),
                    c.os.codename.as_deref().unwrap_or("-"),
                    c.os.pretty_name.as_deref().unwrap_or("-"),
                    c.os.id_like.join(",")
                )
            });
            let want = expected(text, case);
            assert_eq!(got.as_deref(), Some(want.as_str()), "case {case}");
            assert_eq!(a.os[0].path, format!("/{path}"));
            assert_eq!(a.os[0].os.source, format!("/{path}"));
            seen += 1;
        }
        assert!(seen >= 15, "only {seen} cases");
    }

    /// The `-- expect/<case> --` section of the fixture: one line.
    fn expected(text: &str, case: &str) -> String {
        let marker = format!("-- expect/{case} --\n");
        let start = text
            .find(&marker)
            .unwrap_or_else(|| panic!("no expect/{case}"))
            + marker.len();
        text[start..].lines().next().unwrap().to_string()
    }

    #[test]
    fn quoting() {
        let p = parse_assignments(
            "A=\"x \\\"y\\\" \\$z\"\nB='a b'\nC=plain # comment\n#D=no\nE=\nbad line\n",
        );
        assert_eq!(
            p,
            vec![
                ("A".into(), "x \"y\" $z".into()),
                ("B".into(), "a b".into()),
                ("C".into(), "plain".into()),
                ("E".into(), String::new()),
            ]
        );
    }

    #[test]
    fn malformed_files_become_unknowns() {
        for (path, body) in [
            ("/etc/os-release", "NAME=nothing\n"),
            ("/etc/os-release", "\u{0}\u{1}garbage"),
            ("/etc/alpine-release", "not a version\n"),
            ("/etc/redhat-release", "Something without the word\n"),
            ("/etc/debian_version", "\n\n"),
        ] {
            let a = crate::testing::run(OsRelease, &[crate::testing::FixtureFile::new(path, body)]);
            assert!(a.os.is_empty(), "{path}: {:?}", a.os);
            assert_eq!(a.unknowns.len(), 1, "{path}");
            assert_eq!(a.unknowns[0].origin, "os-release");
        }
    }

    #[test]
    fn oversized_file_is_refused() {
        let big = "ID=debian\n".repeat(10_000);
        let a = crate::testing::run(
            OsRelease,
            &[crate::testing::FixtureFile::new("/etc/os-release", big)],
        );
        assert!(a.os.is_empty());
        assert_eq!(a.unknowns.len(), 1);
    }

    #[test]
    fn other_paths_are_not_read() {
        let os = os_of("-- etc/os-release.bak --\nID=debian\n-- usr/etc/os-release --\nID=x\n");
        assert!(os.is_empty());
    }
}
