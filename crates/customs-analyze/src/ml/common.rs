//! What the NVIDIA runtime analyzers share: version headers
//! (`#define X_MAJOR 8`), versions in library file names
//! (`libcudnn.so.8.9.2`), install roots, and merging the findings of one
//! install into one package.
//!
//! # One package per install
//!
//! An install spreads its version over several files: a header in
//! `include/`, libraries in `lib/` (`libcudnn.so.8`, `libcudnn_ops_infer.so.8`,
//! ...). Findings are grouped by the *install root*: the directory without
//! trailing `lib`, `lib64`, `include`, `stubs`, `targets` and architecture
//! directories (`/usr/local/cuda-11.8/targets/x86_64-linux/lib` →
//! `/usr/local/cuda-11.8`, `/usr/lib/x86_64-linux-gnu` → `/usr`,
//! `.../site-packages/nvidia/cudnn/lib` → `.../site-packages/nvidia/cudnn`).
//! Within a root (and a layer), findings whose versions agree on their
//! common components (`8` and `8.9.2`) are one package with the most
//! precise version; its `location` is the file that gave that version and
//! `files` lists every file seen. Disagreeing versions stay separate
//! packages.
//!
//! A library file name gives the full version only with three or more
//! components (`libcudart.so.11.8.89`); a shorter one is the soname
//! (`libcudart.so.11.0` serves every CUDA 11.x), so only its major counts.
//! Library files are matched by path alone ([`crate::Analyzer::path_only`]):
//! they are never read.

use std::collections::{BTreeMap, HashMap};

use customs_types::{Package, PackageKind};

use crate::{Analyzer, Content, FileInfo, Sink};

/// Largest version header or file read.
pub(crate) const MAX_METADATA: u64 = 4 << 20;

/// A version found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub version: String,
    pub properties: BTreeMap<String, String>,
}

impl Finding {
    pub(crate) fn new(version: impl Into<String>) -> Self {
        Finding {
            version: version.into(),
            properties: BTreeMap::new(),
        }
    }

    pub(crate) fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.is_empty() {
            self.properties.insert(key.to_string(), value);
        }
        self
    }
}

/// One NVIDIA runtime component.
pub(crate) struct Spec {
    /// Analyzer id.
    pub id: &'static str,
    /// Package name, and purl name under `pkg:generic/nvidia/`.
    pub name: &'static str,
    /// Library base names: `cudnn` matches `libcudnn.so.8` and, with
    /// `suffixed`, `libcudnn_ops_infer.so.8`.
    pub library: &'static str,
    pub suffixed: bool,
    /// Which small files hold the version (read, size-bounded).
    pub metadata: fn(&FileInfo<'_>) -> bool,
    /// Reads a metadata file: `Ok(None)` when it holds no version (a
    /// `cudnn.h` that includes `cudnn_version.h`).
    pub parse: fn(file_name: &str, text: &str) -> Result<Option<Finding>, String>,
}

/// The analyzer of one [`Spec`].
pub(crate) struct Runtime(pub &'static Spec);

impl Analyzer for Runtime {
    fn id(&self) -> &'static str {
        self.0.id
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, file: &FileInfo<'_>) -> bool {
        file.size <= MAX_METADATA && (self.0.metadata)(file)
    }

    fn path_only(&self, file: &FileInfo<'_>) -> bool {
        library_version(file.file_name(), self.0.library, self.0.suffixed).is_some()
    }

    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let name = file.file_name();
        let finding = match library_version(name, self.0.library, self.0.suffixed) {
            Some(v) => Some(from_library(v)),
            None => {
                let text = content.text(MAX_METADATA)?;
                (self.0.parse)(name, &text)?
            }
        };
        if let Some(f) = finding {
            record(sink, self.0.name, file.path, f);
        }
        Ok(())
    }
}

/// The version of a library file name: `libcudart.so.11.8.89` with base
/// `cudart` → `11.8.89`; with `suffixed`, `libcudnn_ops_infer.so.8` with
/// base `cudnn` → `8`. Not `libcudart.so`, not `libcudart_static.a`.
pub(crate) fn library_version<'a>(
    file_name: &'a str,
    base: &str,
    suffixed: bool,
) -> Option<&'a str> {
    let rest = file_name.strip_prefix("lib")?.strip_prefix(base)?;
    let (stem, version) = rest.split_once(".so.")?;
    if !stem.is_empty() {
        let part = stem.strip_prefix('_')?;
        if !suffixed
            || part.is_empty()
            || !part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            || part == "static"
        {
            return None;
        }
    }
    let ok = !version.is_empty()
        && version
            .split('.')
            .all(|c| !c.is_empty() && c.len() <= 9 && c.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(version)
}

/// A finding from a library file name: the full version from three
/// components on, else only the major.
fn from_library(version: &str) -> Finding {
    let parts = version.split('.').count();
    if parts >= 3 {
        Finding::new(version).with("version_from", "file name")
    } else {
        let major = version.split('.').next().unwrap_or(version);
        Finding::new(major)
            .with("version_from", "file name")
            .with("soname_version", version)
    }
}

/// `#define NAME VALUE` lines of a C header (first token of the value,
/// comments dropped).
pub(crate) fn defines(text: &str) -> HashMap<&str, &str> {
    let mut m = HashMap::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("define") else {
            continue;
        };
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        let rest = rest.split("//").next().unwrap_or("");
        let rest = rest.split("/*").next().unwrap_or("");
        let mut it = rest.split_whitespace();
        if let (Some(name), Some(value)) = (it.next(), it.next()) {
            m.entry(name).or_insert(value);
        }
    }
    m
}

/// A numeric define, following references to other defines
/// (`#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE`) and dropping
/// parentheses and integer suffixes.
pub(crate) fn define_number(defs: &HashMap<&str, &str>, name: &str) -> Option<u64> {
    let mut key = name;
    for _ in 0..8 {
        let v = defs.get(key)?.trim_matches(|c| c == '(' || c == ')');
        let digits = v.trim_end_matches(['u', 'U', 'l', 'L']);
        if let Ok(n) = digits.parse() {
            return Some(n);
        }
        key = v;
    }
    None
}

/// `major.minor.patch` from three defines; `None` without the major.
pub(crate) fn header_version(
    defs: &HashMap<&str, &str>,
    major: &str,
    minor: &str,
    patch: &str,
) -> Option<String> {
    let major = define_number(defs, major)?;
    let minor = define_number(defs, minor)?;
    Some(match define_number(defs, patch) {
        Some(p) => format!("{major}.{minor}.{p}"),
        None => format!("{major}.{minor}"),
    })
}

/// The directory an install lives in (see the module docs).
pub(crate) fn install_root(path: &str) -> &str {
    let mut dir = customs_types::path::parent(path);
    loop {
        let last = customs_types::path::file_name(dir);
        let strip = matches!(
            last,
            "lib" | "lib64" | "lib32" | "include" | "stubs" | "targets"
        ) || is_arch_dir(last);
        if !strip || dir == "/" || last.is_empty() {
            return dir;
        }
        dir = customs_types::path::parent(dir);
    }
}

/// `x86_64-linux-gnu`, `aarch64-linux-gnu`, `x86_64-linux`, `sbsa-linux`.
fn is_arch_dir(name: &str) -> bool {
    let Some((arch, _)) = name.split_once("-linux") else {
        return false;
    };
    matches!(
        arch,
        "x86_64" | "aarch64" | "sbsa" | "ppc64le" | "arm" | "i386" | "i686" | "s390x" | "riscv64"
    )
}

fn components(v: &str) -> Vec<&str> {
    v.split('.').collect()
}

/// Do two versions agree on their common components?
pub(crate) fn compatible(a: &str, b: &str) -> bool {
    components(a)
        .iter()
        .zip(components(b).iter())
        .all(|(x, y)| x == y)
}

/// `pkg:generic/nvidia/<name>@<version>`
pub(crate) fn purl(name: &str, version: &str) -> String {
    crate::purl::build("generic", Some("nvidia"), name, Some(version), &[], None)
}

/// Records a finding, merged into the package of the same install when
/// there is one (see the module docs).
pub(crate) fn record(sink: &mut Sink<'_>, name: &str, path: &str, finding: Finding) {
    let root = install_root(path);
    for p in sink.recorded_mut() {
        if p.name != name
            || p.properties.get("install_root").map(String::as_str) != Some(root)
            || !compatible(&p.version, &finding.version)
        {
            continue;
        }
        if !p.files.iter().any(|f| f == path) {
            p.files.push(path.to_string());
        }
        if components(&finding.version).len() > components(&p.version).len() {
            p.version = finding.version;
            p.purl = purl(name, &p.version);
            p.location = path.to_string();
            p.properties.remove("soname_version");
            p.properties.extend(finding.properties);
        } else {
            for (k, v) in finding.properties {
                if k != "version_from" && k != "soname_version" {
                    p.properties.entry(k).or_insert(v);
                }
            }
        }
        return;
    }
    let mut p = Package::new(
        PackageKind::MlRuntime,
        name,
        &finding.version,
        purl(name, &finding.version),
        path,
        "",
    );
    p.files.push(path.to_string());
    p.properties = finding.properties;
    p.properties.insert("install_root".into(), root.to_string());
    sink.package(p);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_versions() {
        assert_eq!(
            library_version("libcudart.so.11.8.89", "cudart", false),
            Some("11.8.89")
        );
        assert_eq!(
            library_version("libcudart.so.12", "cudart", false),
            Some("12")
        );
        assert_eq!(library_version("libcudart.so", "cudart", false), None);
        assert_eq!(library_version("libcudart_static.a", "cudart", false), None);
        assert_eq!(library_version("libcudart.so.12.x", "cudart", false), None);
        assert_eq!(library_version("libcudart.so.", "cudart", false), None);
        assert_eq!(
            library_version("libcudnn_ops_infer.so.8", "cudnn", true),
            Some("8")
        );
        assert_eq!(
            library_version("libcudnn_ops_infer.so.8", "cudnn", false),
            None
        );
        assert_eq!(
            library_version("libcudnn.so.8.9.2", "cudnn", true),
            Some("8.9.2")
        );
        assert_eq!(library_version("libcudnnX.so.8", "cudnn", true), None);
        assert_eq!(library_version("libnccl-net.so.1", "nccl", false), None);
        assert_eq!(
            library_version("libnvinfer_plugin.so.8.6.1", "nvinfer", true),
            Some("8.6.1")
        );
    }

    #[test]
    fn soname_gives_the_major_only() {
        let f = from_library("11.0");
        assert_eq!(f.version, "11");
        assert_eq!(f.properties["soname_version"], "11.0");
        assert_eq!(from_library("11.8.89").version, "11.8.89");
    }

    #[test]
    fn header_defines() {
        let text = "#ifndef X\n#define CUDNN_MAJOR 8\n#  define CUDNN_MINOR (9) // minor\n\
                    #define CUDNN_PATCHLEVEL 2U /* x */\n#define A B\n#define B 7\n#define LOOP LOOP\n#define\n#defineX 1\n";
        let d = defines(text);
        assert_eq!(
            header_version(&d, "CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL").as_deref(),
            Some("8.9.2")
        );
        assert_eq!(define_number(&d, "A"), Some(7));
        assert_eq!(define_number(&d, "LOOP"), None);
        assert_eq!(define_number(&d, "defineX"), None);
        assert_eq!(header_version(&d, "NOPE", "CUDNN_MINOR", "X"), None);
        assert_eq!(
            header_version(&d, "CUDNN_MAJOR", "CUDNN_MINOR", "X").as_deref(),
            Some("8.9")
        );
    }

    #[test]
    fn install_roots() {
        for (path, root) in [
            ("/usr/local/cuda-11.8/version.json", "/usr/local/cuda-11.8"),
            (
                "/usr/local/cuda-11.8/targets/x86_64-linux/lib/libcudart.so.11.8.89",
                "/usr/local/cuda-11.8",
            ),
            (
                "/usr/local/cuda-11.8/targets/x86_64-linux/include/cuda_runtime_api.h",
                "/usr/local/cuda-11.8",
            ),
            ("/usr/lib/x86_64-linux-gnu/libcudart.so.11.8.89", "/usr"),
            ("/usr/include/x86_64-linux-gnu/cudnn_version_v8.h", "/usr"),
            ("/usr/include/cudnn_version.h", "/usr"),
            (
                "/x/site-packages/nvidia/cudnn/lib/libcudnn.so.8",
                "/x/site-packages/nvidia/cudnn",
            ),
            (
                "/x/site-packages/nvidia/cudnn/include/cudnn_version.h",
                "/x/site-packages/nvidia/cudnn",
            ),
            ("/lib/libnccl.so.2", "/"),
            ("/libnccl.so.2", "/"),
            (
                "/opt/my-linux-tools/lib/libnccl.so.2",
                "/opt/my-linux-tools",
            ),
        ] {
            assert_eq!(install_root(path), root, "{path}");
        }
    }

    #[test]
    fn compatibility() {
        assert!(compatible("8", "8.9.2"));
        assert!(compatible("8.9.2", "8.9"));
        assert!(!compatible("8", "9.0.0"));
        assert!(!compatible("11.8.89", "11.8.20220929"));
    }
}
