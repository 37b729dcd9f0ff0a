//! Alpine and Wolfi packages: the apk database `/lib/apk/db/installed`
//! (also `/usr/lib/apk/db/installed` on usr-merged systems).
//!
//! One stanza per package, `X:value` lines: `P` name, `V` version, `A`
//! arch, `o` origin (source package), `L` license, `D` depends, `p`
//! provides, `F` a directory and the `R` files in it, `c` the aports
//! commit.

use std::collections::HashMap;

use customs_types::{Package, PackageKind};

use crate::{Analyzer, Content, FileInfo, Sink};

const LIMIT: u64 = 256 << 20;

const PATHS: &[&str] = &["/lib/apk/db/installed", "/usr/lib/apk/db/installed"];

/// Reads the apk database.
pub struct Apk;

impl Analyzer for Apk {
    fn id(&self) -> &'static str {
        "apk"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        PATHS.contains(&file.path)
    }

    fn analyze(
        &self,
        _file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let text = content.text(LIMIT)?;
        let db = parse(&text);
        if db.records.is_empty() {
            return Err("no package record in the apk database".to_string());
        }
        if db.bad_lines > 0 {
            sink.unknown(format!("{} malformed lines skipped", db.bad_lines));
        }
        // provides (`so:libc.musl-x86_64.so.1`, `cmd:sh`) and names -> the
        // package that has them, to turn `D:` entries into package names
        let mut provider: HashMap<&str, &str> = HashMap::new();
        for r in &db.records {
            if let Some(name) = r.name.as_deref() {
                for p in &r.provides {
                    provider.entry(dep_name(p)).or_insert(name);
                }
            }
        }
        for r in &db.records {
            if let Some(name) = r.name.as_deref() {
                provider.insert(name, name);
            }
        }
        for r in &db.records {
            match to_package(r, &provider) {
                Ok(p) => sink.package(p),
                Err(e) => sink.unknown(format!("record at line {}: {e}", r.line)),
            }
        }
        Ok(())
    }
}

/// One record of the database, as read.
#[derive(Debug, Default)]
pub struct Record {
    pub line: usize,
    pub name: Option<String>,
    pub version: Option<String>,
    pub arch: Option<String>,
    pub origin: Option<String>,
    pub license: Option<String>,
    pub commit: Option<String>,
    pub depends: Vec<String>,
    pub provides: Vec<String>,
    pub files: Vec<String>,
}

/// The records of a database, and how many lines made no sense.
#[derive(Debug, Default)]
pub struct Db {
    pub records: Vec<Record>,
    pub bad_lines: usize,
}

/// Parses `/lib/apk/db/installed`.
pub fn parse(text: &str) -> Db {
    let mut db = Db::default();
    let mut cur = Record::default();
    let mut started = false;
    let mut dir = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if started {
                db.records.push(std::mem::take(&mut cur));
                started = false;
                dir.clear();
            }
            continue;
        }
        let b = line.as_bytes();
        if b.len() < 2 || b[1] != b':' {
            db.bad_lines += 1;
            continue;
        }
        if !started {
            cur.line = i + 1;
            started = true;
        }
        let v = &line[2..];
        let some = |v: &str| Some(v.to_string()).filter(|s| !s.is_empty());
        match b[0] {
            b'P' => cur.name = some(v),
            b'V' => cur.version = some(v),
            b'A' => cur.arch = some(v),
            b'o' => cur.origin = some(v),
            b'L' => cur.license = some(v),
            b'c' => cur.commit = some(v),
            b'D' => cur.depends.extend(v.split_whitespace().map(str::to_string)),
            b'p' => cur
                .provides
                .extend(v.split_whitespace().map(str::to_string)),
            b'F' => dir = v.trim_matches('/').to_string(),
            b'R' if !v.is_empty() && !v.contains('/') => {
                cur.files.push(if dir.is_empty() {
                    format!("/{v}")
                } else {
                    format!("/{dir}/{v}")
                });
            }
            _ => {}
        }
    }
    if started {
        db.records.push(cur);
    }
    db
}

/// `so:libc.musl-x86_64.so.1=1`, `musl>=1.2` -> the name part.
fn dep_name(d: &str) -> &str {
    let d = d.trim_start_matches('!');
    let end = d.find(['=', '<', '>', '~']).unwrap_or(d.len());
    &d[..end]
}

fn to_package(r: &Record, provider: &HashMap<&str, &str>) -> Result<Package, String> {
    let name = r.name.as_deref().ok_or("no P: (name)")?;
    let version = r.version.as_deref().ok_or("no V: (version)")?;
    let mut p = Package::new(PackageKind::Apk, name, version, "", "", "apk");
    p.arch = r.arch.clone();
    p.source_name = Some(r.origin.clone().unwrap_or_else(|| name.to_string()));
    p.source_version = Some(version.to_string());
    if let Some(l) = &r.license {
        p.licenses.push(l.clone());
    }
    if let Some(c) = &r.commit {
        p.properties.insert("commit".into(), c.clone());
    }
    for d in &r.depends {
        if d.starts_with('!') {
            continue; // a conflict
        }
        let dn = dep_name(d);
        if let Some(owner) = provider.get(dn)
            && *owner != name
            && !p.depends_on.iter().any(|x| x == owner)
        {
            p.depends_on.push((*owner).to_string());
        }
    }
    p.files = r.files.clone();
    p.purl = crate::purl::os_package(&p, None);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FixtureFile, run, run_txtar};

    #[test]
    fn installed_fixture() {
        let a = run_txtar(Apk, include_str!("../../testdata/os/apk.txtar"));
        assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
        let names: Vec<&str> = a.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["musl", "busybox", "libcrypto3", "ca-certificates-bundle"]
        );
        let musl = &a.packages[0];
        assert_eq!(musl.version, "1.2.4-r2");
        assert_eq!(musl.arch.as_deref(), Some("x86_64"));
        assert_eq!(musl.licenses, ["MIT"]);
        assert_eq!(musl.source_name.as_deref(), Some("musl"));
        assert_eq!(
            musl.files,
            ["/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(musl.location, "/lib/apk/db/installed");
        assert_eq!(musl.purl, "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64");
        assert_eq!(
            musl.properties.get("commit").map(String::as_str),
            Some("0bcb7f9ce2b52fa5d1a4b50ba2f7b5bdbbdd5f32")
        );

        let bb = &a.packages[1];
        // so: dependencies resolve to the providing package
        assert_eq!(bb.depends_on, ["musl"]);
        assert_eq!(
            bb.files,
            [
                "/bin/busybox",
                "/etc/securetty",
                "/usr/share/udhcpc/default.script"
            ]
        );

        let crypto = &a.packages[2];
        assert_eq!(crypto.source_name.as_deref(), Some("openssl"));
        assert_eq!(crypto.source_version.as_deref(), Some("3.1.4-r1"));
        assert_eq!(crypto.licenses, ["Apache-2.0"]);
        assert_eq!(
            crypto.purl,
            "pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&upstream=openssl"
        );
        // a plain name with a version constraint, and a conflict skipped
        assert_eq!(a.packages[3].depends_on, ["musl", "libcrypto3"]);
    }

    #[test]
    fn malformed_records() {
        let a = run_txtar(
            Apk,
            "-- lib/apk/db/installed --\nP:noversion\nA:x86_64\n\nV:1.0\n\njunk line\nP:ok\nV:1-r0\n",
        );
        assert_eq!(a.packages.len(), 1);
        assert_eq!(a.packages[0].name, "ok");
        assert_eq!(a.unknowns.len(), 3, "{:?}", a.unknowns);
    }

    #[test]
    fn garbage() {
        for body in [&b""[..], b"\xff\xfe\x00garbage", b"\n\n"] {
            let a = run(Apk, &[FixtureFile::new("/lib/apk/db/installed", body)]);
            assert!(a.packages.is_empty());
            assert_eq!(a.unknowns.len(), 1);
        }
    }

    #[test]
    fn dependency_names() {
        assert_eq!(
            dep_name("so:libc.musl-x86_64.so.1=1"),
            "so:libc.musl-x86_64.so.1"
        );
        assert_eq!(dep_name("musl>=1.2"), "musl");
        assert_eq!(dep_name("!foo"), "foo");
        assert_eq!(dep_name("bar~1.2"), "bar");
    }
}
