//! Who supplied a package: SPDX `supplier`, CycloneDX `supplier`/`authors`.
//!
//! SPDX 2.3 defines the supplier as "the actual distribution source for the
//! package", and the NTIA minimum elements ask for it on every component
//! (the NTIA checker does not accept `NOASSERTION`). customs names a
//! supplier only when the data says who it is, in this order:
//!
//! 1. an explicit `supplier` property set by an analyzer
//!    (`Organization: X`, `Person: X (mail)`, or a bare name);
//! 2. **OS packages** (deb, apk, rpm): the distribution, which built the
//!    binary package and ships it from its archive (`Organization: Debian`),
//!    from the image's os-release, else the purl namespace;
//! 3. **OS-managed language packages** (Debian's `python3-six` files seen as
//!    a Python package): the distribution too, as their files came in a
//!    distribution package;
//! 4. **conda packages**: the channel they were installed from
//!    (`Organization: conda-forge`; `defaults`/`main` are Anaconda's);
//! 5. package metadata: a `vendor` property (Organization), else
//!    `maintainer`, else `author` (with `*_email` when given), as Person
//!    unless the name reads like an organization (`… Team`, `… Foundation`,
//!    `… Inc.`, `The … Authors`, ...);
//! 6. ML runtime components distributed only by NVIDIA (CUDA libraries,
//!    cuDNN, NCCL, TensorRT): `Organization: NVIDIA Corporation`;
//! 7. a publisher namespace that the registry ties to its owner: the Maven
//!    `groupId` (Maven Central verifies ownership of the group's domain),
//!    an npm `@scope`, a Composer vendor, the owner part of a Go module path
//!    on a code host (`github.com/gin-gonic`) or the module path's host
//!    (`golang.org`, `google.golang.org`, ...), and for the Go standard
//!    library `The Go Authors`.
//!
//! Otherwise there is no supplier: SPDX gets `NOASSERTION` and the NTIA
//! check reports that component, which is the truth. The ecosystem's name
//! (`Organization: PyPI`) is never used as a fallback: a registry hosts the
//! package but does not make or vouch for it, and customs cannot even tell
//! whether the package came from it.
//!
//! The image's supplier comes from the OCI labels
//! `org.opencontainers.image.vendor` (Organization) or
//! `org.opencontainers.image.authors`, else the config's `author`.

use std::str::FromStr;

use customs_types::{ImageSummary, OsInfo, Package, PackageKind};
use packageurl::PackageUrl;

/// Property keys the writers read from [`Package::properties`].
pub mod keys {
    /// An explicit supplier (`Organization: X`, `Person: X`, or a name).
    pub const SUPPLIER: &str = "supplier";
    /// The vendor or publisher organization (jar manifests, ML runtimes).
    pub const VENDOR: &str = "vendor";
    pub const MAINTAINER: &str = "maintainer";
    pub const MAINTAINER_EMAIL: &str = "maintainer_email";
    pub const AUTHOR: &str = "author";
    pub const AUTHOR_EMAIL: &str = "author_email";
    /// The conda channel.
    pub const CHANNEL: &str = "channel";
    /// The project's home page (Python `Home-page` / `Project-URL`).
    pub const HOMEPAGE: &str = "homepage";
}

/// Person or organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Person,
    Organization,
}

/// A supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub name: String,
    pub email: Option<String>,
}

impl Actor {
    pub fn organization(name: impl Into<String>) -> Actor {
        Actor {
            kind: ActorKind::Organization,
            name: name.into(),
            email: None,
        }
    }

    /// `Organization: Debian`, `Person: James Halliday (mail@substack.net)`.
    pub fn to_spdx(&self) -> String {
        let kind = match self.kind {
            ActorKind::Person => "Person",
            ActorKind::Organization => "Organization",
        };
        match &self.email {
            Some(e) => format!("{kind}: {} ({e})", self.name),
            None => format!("{kind}: {}", self.name),
        }
    }

    /// Parses `Person: X`, `Organization: X (mail)`, or a bare
    /// `Name <mail> (url)` as the metadata of most ecosystems writes it.
    pub fn parse(s: &str, email: Option<&str>) -> Option<Actor> {
        let s = one_line(s);
        let (kind, rest) = if let Some(r) = s.strip_prefix("Person:") {
            (Some(ActorKind::Person), r)
        } else if let Some(r) = s.strip_prefix("Organization:") {
            (Some(ActorKind::Organization), r)
        } else {
            (None, s.as_str())
        };
        let mut rest = rest.trim().to_string();
        let mut found_email = None;
        // `Name (mail)` as SPDX writes it, when the parenthesis holds a mail.
        if let Some(open) = rest.rfind('(')
            && rest.ends_with(')')
        {
            let inner = rest[open + 1..rest.len() - 1].trim().to_string();
            if looks_like_email(&inner) {
                found_email = Some(inner);
            }
            rest.truncate(open);
        }
        // `Name <mail>`.
        if let Some(open) = rest.find('<')
            && let Some(close) = rest[open..].find('>')
        {
            let inner = rest[open + 1..open + close].trim().to_string();
            if looks_like_email(&inner) && found_email.is_none() {
                found_email = Some(inner);
            }
            rest = format!("{}{}", &rest[..open], &rest[open + close + 1..]);
        }
        // Any other parenthesised part (npm's `(url)`) is dropped: SPDX
        // reads a parenthesis as the mail.
        let name: String = rest.replace(['(', ')'], " ");
        let name = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" ,", ",");
        let name = name
            .trim_matches(|c: char| c == ',' || c == ';')
            .trim()
            .to_string();
        if name.is_empty() {
            return None;
        }
        let email = found_email.or_else(|| {
            email
                .map(|e| {
                    e.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string()
                })
                .filter(|e| looks_like_email(e))
        });
        let kind = kind.unwrap_or_else(|| {
            if reads_like_organization(&name) {
                ActorKind::Organization
            } else {
                ActorKind::Person
            }
        });
        Some(Actor { kind, name, email })
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.contains(char::is_whitespace)
        && !s.contains(['(', ')', '<', '>', ','].as_slice())
}

/// Does a name from metadata read like an organization?
pub fn reads_like_organization(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "team",
        "project",
        "projects",
        "foundation",
        "authority",
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "corp",
        "corporation",
        "company",
        "developers",
        "contributors",
        "community",
        "group",
        "organization",
        "organisation",
        "consortium",
        "university",
        "labs",
        "authors",
        "maintainers",
        "software",
        "systems",
        "technologies",
        "limited",
    ];
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|w| WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

/// The distribution as an organization name.
pub fn distro_name(id: &str) -> String {
    match id.to_ascii_lowercase().as_str() {
        "debian" => "Debian".into(),
        "ubuntu" => "Ubuntu".into(),
        "alpine" => "Alpine Linux".into(),
        "rhel" | "redhat" => "Red Hat".into(),
        "centos" => "CentOS".into(),
        "rocky" => "Rocky Linux".into(),
        "almalinux" => "AlmaLinux".into(),
        "fedora" => "Fedora Project".into(),
        "amzn" | "amazon" => "Amazon Linux".into(),
        "wolfi" => "Wolfi".into(),
        "chainguard" => "Chainguard".into(),
        "ol" | "oracle" => "Oracle Linux".into(),
        "sles" | "suse" => "SUSE".into(),
        "opensuse" | "opensuse-leap" | "opensuse-tumbleweed" => "openSUSE".into(),
        "photon" => "VMware Photon OS".into(),
        "mariner" | "azurelinux" => "Microsoft Azure Linux".into(),
        _ => id.to_string(),
    }
}

/// The supplier of the OS itself.
pub fn os_supplier(os: &OsInfo) -> Option<Actor> {
    (!os.id.is_empty()).then(|| Actor::organization(distro_name(&os.id)))
}

fn distro_of(p: &Package, purl: Option<&PackageUrl<'_>>, os: Option<&OsInfo>) -> Option<Actor> {
    if let Some(a) = os.and_then(os_supplier) {
        return Some(a);
    }
    purl.and_then(|u| u.namespace())
        .filter(|n| !n.is_empty())
        .map(|n| Actor::organization(distro_name(n)))
        .or_else(|| match p.kind {
            PackageKind::Deb => Some(Actor::organization("Debian")),
            _ => None,
        })
}

fn conda_channel(p: &Package, purl: Option<&PackageUrl<'_>>) -> Option<Actor> {
    let raw = p
        .properties
        .get(keys::CHANNEL)
        .map(String::as_str)
        .or_else(|| {
            purl.and_then(|u| u.qualifiers().get("channel"))
                .map(|v| v.as_ref())
        })?;
    let last = raw
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(raw)
        .trim();
    let name = match last {
        "" => return None,
        "main" | "defaults" | "anaconda" | "free" | "r" | "msys2" => "Anaconda",
        other => other,
    };
    Some(Actor::organization(name))
}

fn metadata(p: &Package) -> Option<Actor> {
    let prop = |k: &str| {
        p.properties
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    };
    if let Some(v) = prop(keys::VENDOR) {
        return Actor::parse(v, None).map(|mut a| {
            if !v.starts_with("Person:") {
                a.kind = ActorKind::Organization;
            }
            a
        });
    }
    if let Some(m) = prop(keys::MAINTAINER) {
        return Actor::parse(m, prop(keys::MAINTAINER_EMAIL));
    }
    if let Some(a) = prop(keys::AUTHOR) {
        return Actor::parse(a, prop(keys::AUTHOR_EMAIL));
    }
    // Core metadata 2.1+ often has only `Maintainer-email` or
    // `Author-email`, as `Name <mail>` (a bare address names no one)
    [keys::MAINTAINER_EMAIL, keys::AUTHOR_EMAIL]
        .into_iter()
        .filter_map(prop)
        .filter(|v| v.contains('<'))
        .find_map(|v| Actor::parse(&v.replace('"', ""), None))
}

fn nvidia(p: &Package) -> Option<Actor> {
    const PREFIXES: &[&str] = &[
        "cuda",
        "cudnn",
        "libcudnn",
        "nccl",
        "libnccl",
        "tensorrt",
        "libnvinfer",
        "cublas",
        "libcublas",
        "cufft",
        "libcufft",
        "curand",
        "libcurand",
        "cusolver",
        "libcusolver",
        "cusparse",
        "libcusparse",
        "cupti",
        "nvrtc",
        "libnvrtc",
        "nvidia-",
        "nvjitlink",
        "libnvjitlink",
        "nvtx",
        "libnvtoolsext",
    ];
    let n = p.name.to_ascii_lowercase();
    PREFIXES
        .iter()
        .any(|pre| n.starts_with(pre))
        .then(|| Actor::organization("NVIDIA Corporation"))
}

fn namespace_owner(purl: Option<&PackageUrl<'_>>) -> Option<Actor> {
    let u = purl?;
    let ns = u.namespace().filter(|n| !n.is_empty());
    match (u.ty(), ns) {
        ("maven", Some(group)) => Some(Actor::organization(group)),
        ("npm", Some(scope)) if scope.starts_with('@') => Some(Actor::organization(scope)),
        ("composer", Some(vendor)) => Some(Actor::organization(vendor)),
        ("golang", None) if u.name() == "stdlib" => Some(Actor::organization("The Go Authors")),
        ("golang", Some(ns)) => {
            let segs: Vec<&str> = ns.split('/').collect();
            match segs.as_slice() {
                ["gopkg.in", ..] => None,
                [
                    host @ ("github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org"),
                    owner,
                    ..,
                ] => Some(Actor::organization(format!("{host}/{owner}"))),
                [host @ ("github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org")] => {
                    // `pkg:golang/github.com/owner` cannot happen (the name
                    // is the repo); the owner is the purl name then.
                    Some(Actor::organization(format!("{host}/{}", u.name())))
                }
                [host, ..] if host.contains('.') => Some(Actor::organization(*host)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `https://github.com/owner/repo...` → `github.com/owner`.
fn code_host_owner(p: &Package) -> Option<Actor> {
    let url = p.properties.get(keys::HOMEPAGE)?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let mut segs = rest.split('/');
    let host = segs.next()?.trim_start_matches("www.").to_ascii_lowercase();
    let owner = segs.next().filter(|o| !o.is_empty())?;
    let _repo = segs.next().filter(|r| !r.is_empty())?;
    matches!(
        host.as_str(),
        "github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org"
    )
    .then(|| Actor::organization(format!("{host}/{owner}")))
}

/// The supplier of a package, by the rules of the module docs.
pub fn package_supplier(p: &Package, os: Option<&OsInfo>) -> Option<Actor> {
    let purl = PackageUrl::from_str(&p.purl).ok();
    let purl = purl.as_ref();
    if let Some(s) = p.properties.get(keys::SUPPLIER)
        && let Some(a) = Actor::parse(s, None).map(|mut a| {
            if !s.trim_start().starts_with("Person:")
                && !s.trim_start().starts_with("Organization:")
            {
                a.kind = ActorKind::Organization;
            }
            a
        })
    {
        return Some(a);
    }
    if p.kind.is_os() {
        return distro_of(p, purl, os);
    }
    if p.os_managed.is_some() {
        let managed = p
            .os_managed
            .as_ref()
            .and_then(|m| PackageUrl::from_str(&m.purl).ok());
        if let Some(a) = os.and_then(os_supplier).or_else(|| {
            managed
                .as_ref()
                .and_then(|u| u.namespace().map(|n| Actor::organization(distro_name(n))))
        }) {
            return Some(a);
        }
    }
    if p.kind == PackageKind::Conda
        && let Some(a) = conda_channel(p, purl)
    {
        return Some(a);
    }
    if let Some(a) = metadata(p) {
        return Some(a);
    }
    if p.kind == PackageKind::MlRuntime
        && let Some(a) = nvidia(p)
    {
        return Some(a);
    }
    namespace_owner(purl).or_else(|| code_host_owner(p))
}

/// The supplier of the image: the caller's, else the OCI labels, else the
/// config's author.
pub fn report_image_supplier(r: &crate::ScanReport) -> Option<Actor> {
    if let Some(s) = r.image_supplier.as_deref().filter(|s| !s.trim().is_empty()) {
        return Actor::parse(s, None).map(|mut a| {
            if !s.trim_start().starts_with("Person:") {
                a.kind = ActorKind::Organization;
            }
            a
        });
    }
    image_supplier(&r.artifact)
}

/// The supplier of the image: OCI labels, else the config's author.
pub fn image_supplier(a: &ImageSummary) -> Option<Actor> {
    let labels = &a.config.labels;
    if let Some(v) = labels
        .get("org.opencontainers.image.vendor")
        .filter(|v| !v.trim().is_empty())
    {
        return Actor::parse(v, None).map(|mut x| {
            x.kind = ActorKind::Organization;
            x
        });
    }
    labels
        .get("org.opencontainers.image.authors")
        .or(a.config.author.as_ref())
        .and_then(|v| Actor::parse(v, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use customs_types::OsManaged;

    fn pkg(kind: PackageKind, name: &str, purl: &str) -> Package {
        Package::new(kind, name, "1", purl, "/x", "test")
    }

    #[test]
    fn named_email_fields_name_the_supplier() {
        let mut p = pkg(PackageKind::Python, "packaging", "pkg:pypi/packaging@23.1");
        p.properties.insert(
            "author_email".into(),
            "Donald Stufft <donald@stufft.io>".into(),
        );
        let a = package_supplier(&p, None).unwrap();
        assert_eq!(a.to_spdx(), "Person: Donald Stufft (donald@stufft.io)");
        p.properties.insert(
            "author_email".into(),
            "\"Guido van Rossum, Jukka Lehtosalo\" <levkivskyi@gmail.com>".into(),
        );
        let a = package_supplier(&p, None).unwrap();
        assert_eq!(a.name, "Guido van Rossum, Jukka Lehtosalo");
        p.properties
            .insert("author_email".into(), "someone@example.org".into());
        assert_eq!(
            package_supplier(&p, None),
            None,
            "a bare address names no one"
        );
    }

    #[test]
    fn actors_parse() {
        let a = Actor::parse(
            "James Halliday <mail@substack.net> (http://substack.net)",
            None,
        )
        .unwrap();
        assert_eq!(a.to_spdx(), "Person: James Halliday (mail@substack.net)");
        let a = Actor::parse(
            "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>",
            None,
        )
        .unwrap();
        assert_eq!(a.kind, ActorKind::Organization);
        let a = Actor::parse("Kenneth Reitz", Some("me@kennethreitz.org")).unwrap();
        assert_eq!(a.to_spdx(), "Person: Kenneth Reitz (me@kennethreitz.org)");
        let a = Actor::parse("Person: Jane (not a mail)", None).unwrap();
        assert_eq!(a.to_spdx(), "Person: Jane");
        assert_eq!(Actor::parse("  <a@b.c> ", None), None);
        let a = Actor::parse("Jane Doe <jane@example.org>, John Roe", None).unwrap();
        assert_eq!(a.to_spdx(), "Person: Jane Doe, John Roe (jane@example.org)");
        assert!(!looks_like_email("a@b"));
        assert!(looks_like_email("a.b@c.org"));
    }

    #[test]
    fn os_and_managed_packages_come_from_the_distro() {
        let os = OsInfo {
            id: "debian".into(),
            version: Some("12".into()),
            ..Default::default()
        };
        let deb = pkg(PackageKind::Deb, "libc6", "pkg:deb/debian/libc6@2.36");
        assert_eq!(
            package_supplier(&deb, Some(&os)).unwrap().to_spdx(),
            "Organization: Debian"
        );
        let apk = pkg(PackageKind::Apk, "musl", "pkg:apk/alpine/musl@1.2");
        assert_eq!(
            package_supplier(&apk, None).unwrap().to_spdx(),
            "Organization: Alpine Linux"
        );
        let mut six = pkg(PackageKind::Python, "six", "pkg:pypi/six@1.16.0");
        six.properties
            .insert("author".into(), "Benjamin Peterson".into());
        six.os_managed = Some(OsManaged {
            package: "python3-six".into(),
            version: "1.16.0-4".into(),
            purl: "pkg:deb/debian/python3-six@1.16.0-4".into(),
        });
        assert_eq!(
            package_supplier(&six, Some(&os)).unwrap().to_spdx(),
            "Organization: Debian"
        );
    }

    #[test]
    fn ecosystem_rules() {
        let mut c = pkg(
            PackageKind::Conda,
            "numpy",
            "pkg:conda/numpy@1.26.4?channel=conda-forge",
        );
        assert_eq!(package_supplier(&c, None).unwrap().name, "conda-forge");
        c.purl = "pkg:conda/numpy@1.26.4".into();
        c.properties.insert(
            "channel".into(),
            "https://repo.anaconda.com/pkgs/main".into(),
        );
        assert_eq!(package_supplier(&c, None).unwrap().name, "Anaconda");

        let m = pkg(
            PackageKind::Maven,
            "log4j-core",
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
        );
        assert_eq!(
            package_supplier(&m, None).unwrap().to_spdx(),
            "Organization: org.apache.logging.log4j"
        );
        let g = pkg(
            PackageKind::Go,
            "github.com/gin-gonic/gin",
            "pkg:golang/github.com/gin-gonic/gin@v1.9.0",
        );
        assert_eq!(
            package_supplier(&g, None).unwrap().name,
            "github.com/gin-gonic"
        );
        let g = pkg(
            PackageKind::Go,
            "golang.org/x/net",
            "pkg:golang/golang.org/x/net@v0.1.0",
        );
        assert_eq!(package_supplier(&g, None).unwrap().name, "golang.org");
        let g = pkg(
            PackageKind::Go,
            "gopkg.in/yaml.v3",
            "pkg:golang/gopkg.in/yaml.v3@v3.0.1",
        );
        assert_eq!(package_supplier(&g, None), None);
        let n = pkg(
            PackageKind::Npm,
            "@babel/core",
            "pkg:npm/%40babel/core@7.0.0",
        );
        assert_eq!(package_supplier(&n, None).unwrap().name, "@babel");
        let n = pkg(PackageKind::Npm, "left-pad", "pkg:npm/left-pad@1.3.0");
        assert_eq!(
            package_supplier(&n, None),
            None,
            "no registry-name fallback"
        );
        let p = pkg(PackageKind::Python, "requests", "pkg:pypi/requests@2.25.1");
        assert_eq!(package_supplier(&p, None), None);
        let cu = pkg(PackageKind::MlRuntime, "cudnn", "pkg:generic/cudnn@8.9.2");
        assert_eq!(
            package_supplier(&cu, None).unwrap().name,
            "NVIDIA Corporation"
        );
        let mut x = pkg(PackageKind::Cargo, "x", "pkg:cargo/x@1");
        x.properties.insert("supplier".into(), "Example Org".into());
        assert_eq!(
            package_supplier(&x, None).unwrap().to_spdx(),
            "Organization: Example Org"
        );
        x.properties
            .insert("supplier".into(), "Person: Jo Doe (jo@example.org)".into());
        assert_eq!(
            package_supplier(&x, None).unwrap().to_spdx(),
            "Person: Jo Doe (jo@example.org)"
        );
    }
}
