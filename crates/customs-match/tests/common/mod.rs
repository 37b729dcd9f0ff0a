//! Helpers shared by the test binaries.
#![allow(dead_code)]

use customs_advisory::{Vulnerability, parse_record};
use customs_types::{Inventory, OsInfo, Package, PackageKind};
use serde_json::Value;

/// A record from JSON built in the test.
pub fn record(v: Value) -> Vulnerability {
    parse_record(v.to_string().as_bytes()).expect("test record parses")
}

/// A package of `kind`.
pub fn pkg(kind: PackageKind, name: &str, version: &str) -> Package {
    Package::new(
        kind,
        name,
        version,
        format!("pkg:{kind}/{name}@{version}"),
        format!("/loc/{kind}/{name}"),
        "test",
    )
}

/// A Debian binary package built from `source` at `source_version`.
pub fn deb(name: &str, version: &str, source: &str, source_version: &str) -> Package {
    let mut p = pkg(PackageKind::Deb, name, version);
    p.location = "/var/lib/dpkg/status".into();
    p.source_name = Some(source.into());
    p.source_version = Some(source_version.into());
    p
}

/// An os-release.
pub fn os(id: &str, version: &str) -> OsInfo {
    OsInfo {
        id: id.into(),
        version: Some(version.into()),
        source: "/etc/os-release".into(),
        ..Default::default()
    }
}

/// An inventory.
pub fn inventory(os: Option<OsInfo>, packages: Vec<Package>) -> Inventory {
    Inventory {
        os,
        packages,
        unknowns: Vec::new(),
    }
}
