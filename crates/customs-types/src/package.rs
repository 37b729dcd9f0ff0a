//! Packages found in an image, and the operating system they run on.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of a package: which catalogue it comes from. Decides its purl
/// type and which advisories apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageKind {
    /// Debian/Ubuntu package from the dpkg database.
    Deb,
    /// Alpine/Wolfi package from the apk database.
    Apk,
    /// RPM package from the rpm database.
    Rpm,
    /// Python distribution (dist-info, egg-info).
    Python,
    /// Package of a conda environment (`conda-meta/*.json`).
    Conda,
    /// npm package in a `node_modules` tree.
    Npm,
    /// Go module compiled into a binary (or the Go toolchain, as `stdlib`).
    Go,
    /// Rust crate compiled into a binary (cargo-auditable).
    Cargo,
    /// Java archive (Maven coordinates).
    Maven,
    /// Ruby gem.
    Gem,
    /// PHP package (Composer).
    Composer,
    /// .NET package (NuGet).
    Nuget,
    /// ML runtime component found by its files (CUDA, cuDNN, NCCL,
    /// TensorRT, the torch build).
    MlRuntime,
}

impl PackageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Apk => "apk",
            PackageKind::Rpm => "rpm",
            PackageKind::Python => "python",
            PackageKind::Conda => "conda",
            PackageKind::Npm => "npm",
            PackageKind::Go => "go",
            PackageKind::Cargo => "cargo",
            PackageKind::Maven => "maven",
            PackageKind::Gem => "gem",
            PackageKind::Composer => "composer",
            PackageKind::Nuget => "nuget",
            PackageKind::MlRuntime => "ml-runtime",
        }
    }

    /// Is this an operating-system package?
    pub fn is_os(self) -> bool {
        matches!(self, PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm)
    }
}

impl fmt::Display for PackageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The operating system of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OsInfo {
    /// `ID` of os-release: `debian`, `ubuntu`, `alpine`, `rhel`, `rocky`,
    /// `almalinux`, `fedora`, `amzn`, `wolfi`, `chainguard`, ...
    pub id: String,
    /// `VERSION_ID`: `12`, `22.04`, `3.19.1`, `9.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE`, split.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
    /// Distroless: Debian packages recorded in `/var/lib/dpkg/status.d/`.
    #[serde(default)]
    pub distroless: bool,
    /// Where it was read (`/etc/os-release`, `/etc/debian_version`, ...).
    pub source: String,
}

impl OsInfo {
    /// The major version (`12` of `12.5`, `3.19` of Alpine's `3.19.1`).
    pub fn major(&self) -> Option<String> {
        let v = self.version.as_deref()?;
        let mut parts = v.split('.');
        let first = parts.next()?.to_string();
        if self.id == "alpine" {
            return parts.next().map(|m| format!("{first}.{m}")).or(Some(first));
        }
        Some(first)
    }
}

/// A package whose files belong to an OS package: the distro manages it
/// (Debian's pip in `/usr/lib/python3/dist-packages`), so its fixes come
/// through the distro, not upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsManaged {
    /// Name of the OS package owning its files.
    pub package: String,
    /// Version of that OS package.
    pub version: String,
    /// Its purl.
    pub purl: String,
}

/// One package, wherever it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub kind: PackageKind,
    /// Package URL (purl spec).
    pub purl: String,
    /// Source package (Debian `Source:`, apk `origin`, rpm source rpm
    /// name), when it differs from or is recorded beside the binary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Declared licenses (SPDX expressions where the metadata has them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Index of the layer that brought this version of the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
    /// The metadata file it was read from (`/var/lib/dpkg/status`,
    /// `.../requests-2.25.1.dist-info/METADATA`, a binary, a jar).
    pub location: String,
    /// Files the package owns, when its metadata lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Names of packages it depends on (same catalogue).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// The analyzer that found it.
    pub analyzer: String,
    /// Set when the files belong to an OS package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_managed: Option<OsManaged>,
    /// Catalogue-specific extras (conda channel and build, the torch CUDA
    /// version and git revision, a Maven group, a PyPI name for a conda
    /// package, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
}

impl Package {
    /// A package with the required fields; the rest empty.
    pub fn new(
        kind: PackageKind,
        name: impl Into<String>,
        version: impl Into<String>,
        purl: impl Into<String>,
        location: impl Into<String>,
        analyzer: impl Into<String>,
    ) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            kind,
            purl: purl.into(),
            source_name: None,
            source_version: None,
            arch: None,
            licenses: Vec::new(),
            layer: None,
            location: location.into(),
            files: Vec::new(),
            depends_on: Vec::new(),
            analyzer: analyzer.into(),
            os_managed: None,
            properties: BTreeMap::new(),
        }
    }

    /// A stable identity: kind, name, version and location.
    pub fn key(&self) -> (PackageKind, &str, &str, &str) {
        (self.kind, &self.name, &self.version, &self.location)
    }
}

/// What is installed in an image (or a directory).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    pub packages: Vec<Package>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknowns: Vec<crate::Unknown>,
}

impl Inventory {
    /// Packages per kind, for summaries.
    pub fn counts(&self) -> BTreeMap<PackageKind, usize> {
        let mut m = BTreeMap::new();
        for p in &self.packages {
            *m.entry(p.kind).or_default() += 1;
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_major() {
        let mut os = OsInfo {
            id: "debian".into(),
            version: Some("12".into()),
            ..Default::default()
        };
        assert_eq!(os.major().as_deref(), Some("12"));
        os.id = "alpine".into();
        os.version = Some("3.19.1".into());
        assert_eq!(os.major().as_deref(), Some("3.19"));
        os.id = "ubuntu".into();
        os.version = Some("22.04".into());
        assert_eq!(os.major().as_deref(), Some("22"));
    }
}
