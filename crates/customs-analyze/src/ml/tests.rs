//! Tests of the ML runtime analyzers over txtar layouts, and of the
//! path-only dispatch they rely on.

use std::str::FromStr;

use customs_layer::{EntryInfo, LayerVisitor};
use customs_types::{FileKind, Package, PackageKind};
use proptest::prelude::*;

use super::analyzers;
use crate::dispatch::{AnalyzeFactory, AnalyzeVisitor, DispatchOptions};
use crate::testing::{FixtureFile, run_layer, txtar};
use crate::{Analyzer, Content, FileInfo, LayerAnalysis, Sink};

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/ml")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn run_ml(files: &[FixtureFile]) -> LayerAnalysis {
    run_layer(analyzers(), 3, files)
}

const WHEELS: &str = "/usr/local/lib/python3.11/dist-packages/nvidia";

fn one<'a>(a: &'a LayerAnalysis, name: &str, root: &str) -> &'a Package {
    let found: Vec<&Package> = a
        .packages
        .iter()
        .filter(|p| {
            p.name == name && p.properties.get("install_root").map(String::as_str) == Some(root)
        })
        .collect();
    assert_eq!(found.len(), 1, "{name} in {root}: {:#?}", a.packages);
    found[0]
}

#[test]
fn cuda_layout() {
    let a = run_ml(&txtar(&fixture("cuda-layout.txtar")));
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    assert!(a.packages.iter().all(|p| p.kind == PackageKind::MlRuntime));
    assert!(a.packages.iter().all(|p| p.layer == Some(3)));
    for p in &a.packages {
        let parsed = packageurl::PackageUrl::from_str(&p.purl).unwrap();
        assert_eq!(parsed.to_string(), p.purl);
    }
    let summary: Vec<(String, String, String)> = {
        let mut v: Vec<_> = a
            .packages
            .iter()
            .map(|p| (p.analyzer.clone(), p.version.clone(), p.location.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(a.packages.len(), 8, "{summary:#?}");

    // the toolkit: version.json, the library and the header are one install
    let cuda = one(&a, "cuda", "/usr/local/cuda-11.8");
    assert_eq!(cuda.version, "11.8.89");
    assert_eq!(cuda.purl, "pkg:generic/nvidia/cuda@11.8.89");
    assert_eq!(cuda.location, "/usr/local/cuda-11.8/version.json");
    assert_eq!(cuda.properties["toolkit_version"], "11.8.20220929");
    assert_eq!(cuda.properties["version_from"], "version.json");
    assert_eq!(cuda.files.len(), 3, "{:?}", cuda.files);
    assert_eq!(cuda.analyzer, "cuda");

    // Debian's libcudart11.0
    let deb = one(&a, "cuda", "/usr");
    assert_eq!(deb.version, "11.8.89");
    assert_eq!(
        deb.location,
        "/usr/lib/x86_64-linux-gnu/libcudart.so.11.8.89"
    );
    assert_eq!(deb.properties["version_from"], "file name");

    // the wheel's libcudart.so.12: the major only
    let wheel = one(&a, "cuda", &format!("{WHEELS}/cuda_runtime"));
    assert_eq!(wheel.version, "12");
    assert_eq!(wheel.properties["soname_version"], "12");
    assert_eq!(wheel.purl, "pkg:generic/nvidia/cuda@12");

    let cudnn = one(&a, "cudnn", "/usr");
    assert_eq!(cudnn.version, "8.9.2");
    assert_eq!(cudnn.purl, "pkg:generic/nvidia/cudnn@8.9.2");
    assert_eq!(cudnn.files.len(), 3);

    // the wheel: two libraries named .so.8 first, then the header
    let cudnn = one(&a, "cudnn", &format!("{WHEELS}/cudnn"));
    assert_eq!(cudnn.version, "8.9.2");
    assert_eq!(
        cudnn.location,
        format!("{WHEELS}/cudnn/include/cudnn_version.h")
    );
    assert_eq!(cudnn.properties["version_from"], "cudnn_version.h");
    assert!(!cudnn.properties.contains_key("soname_version"));
    assert_eq!(cudnn.files.len(), 4);

    let nccl = one(&a, "nccl", &format!("{WHEELS}/nccl"));
    assert_eq!(nccl.version, "2.18.1");
    assert_eq!(nccl.purl, "pkg:generic/nvidia/nccl@2.18.1");
    assert_eq!(nccl.files.len(), 2);
    assert!(!nccl.properties.contains_key("suffix"));

    let trt = one(&a, "tensorrt", "/usr");
    assert_eq!(trt.version, "8.6.1");
    assert_eq!(trt.purl, "pkg:generic/nvidia/tensorrt@8.6.1");
    assert_eq!(trt.properties["build"], "6");
    assert_eq!(trt.files.len(), 3);

    let torch = a.packages.iter().find(|p| p.name == "torch-build").unwrap();
    assert_eq!(torch.version, "2.1.0");
    assert_eq!(
        torch.purl,
        "pkg:generic/pytorch/torch-build@2.1.0?cuda=11.8&git_revision=7bcf7da3a268b435777fe87c7794c382f444e86d"
    );
    assert_eq!(torch.properties["torch_version"], "2.1.0+cu118");
    assert_eq!(torch.properties["cuda"], "11.8");
    assert_eq!(torch.properties["debug"], "False");
    assert!(!torch.properties.contains_key("hip"));
    assert_eq!(
        torch.location,
        "/usr/local/lib/python3.11/dist-packages/torch/version.py"
    );
}

#[test]
fn merge_does_not_depend_on_file_order() {
    let mut files = txtar(&fixture("cuda-layout.txtar"));
    let key = |a: &LayerAnalysis| {
        let mut v: Vec<(String, String, String, usize)> = a
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.version.clone(),
                    p.properties
                        .get("install_root")
                        .cloned()
                        .unwrap_or_default(),
                    p.files.len(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let forward = key(&run_ml(&files));
    files.reverse();
    assert_eq!(key(&run_ml(&files)), forward);
}

#[test]
fn different_versions_in_one_root_stay_apart() {
    let files = txtar(
        "-- usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.2 --\n\
         -- usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0 --\n\
         -- usr/lib/x86_64-linux-gnu/libcudnn_graph.so.9 --\n",
    );
    let a = run_ml(&files);
    let mut v: Vec<(&str, usize)> = a
        .packages
        .iter()
        .map(|p| (p.version.as_str(), p.files.len()))
        .collect();
    v.sort();
    assert_eq!(v, [("8.9.2", 1), ("9.1.0", 2)]);
}

#[test]
fn negatives() {
    let a = run_ml(&txtar(&fixture("negative.txtar")));
    assert!(a.packages.is_empty(), "{:#?}", a.packages);
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn malformed_metadata_is_an_unknown() {
    let a = run_ml(&txtar(
        "-- usr/local/cuda-12.1/version.json --\n{not json\n\
         -- usr/local/cuda-12.2/version.json --\n{\"other\": 1}\n\
         -- usr/local/cuda-10.2/version.txt --\nsomething else\n\
         -- opt/torch/version.py --\ndebug = False\n",
    ));
    assert!(a.packages.is_empty(), "{:#?}", a.packages);
    assert_eq!(a.unknowns.len(), 4, "{:?}", a.unknowns);
}

#[test]
fn old_layouts_and_tensorrt_10() {
    let a = run_ml(&txtar(
        "-- usr/local/cuda-10.2/version.txt --\nCUDA Version 10.2.89\n\
         -- usr/include/cudnn.h --\n#define CUDNN_MAJOR 7\n#define CUDNN_MINOR 6\n#define CUDNN_PATCHLEVEL 5\n\
         -- usr/include/NvInferVersion.h --\n\
         #define TRT_MAJOR_ENTERPRISE 10\n#define TRT_MINOR_ENTERPRISE 0\n#define TRT_PATCH_ENTERPRISE 1\n#define TRT_BUILD_ENTERPRISE 6\n\
         #define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE //!< major\n#define NV_TENSORRT_MINOR TRT_MINOR_ENTERPRISE\n\
         #define NV_TENSORRT_PATCH TRT_PATCH_ENTERPRISE\n#define NV_TENSORRT_BUILD TRT_BUILD_ENTERPRISE\n\
         -- opt/rocm/site-packages/torch/version.py --\n__version__ = \"2.3.0+rocm6.0\"\ndebug = False\ncuda = None\ngit_version = 'abc'\nhip = '6.0.32830-d62f6a171'\n",
    ));
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    let version = |n: &str| {
        a.packages
            .iter()
            .find(|p| p.name == n)
            .unwrap()
            .version
            .clone()
    };
    assert_eq!(version("cuda"), "10.2.89");
    assert_eq!(version("cudnn"), "7.6.5");
    assert_eq!(version("tensorrt"), "10.0.1");
    let torch = a.packages.iter().find(|p| p.name == "torch-build").unwrap();
    assert_eq!(
        torch.purl,
        "pkg:generic/pytorch/torch-build@2.3.0?git_revision=abc&hip=6.0.32830-d62f6a171"
    );
    assert!(!torch.properties.contains_key("cuda"));
}

/// Counts how often it is called and with how many bytes.
struct Probe {
    calls: std::sync::Arc<std::sync::Mutex<Vec<(String, u64)>>>,
}

impl Analyzer for Probe {
    fn id(&self) -> &'static str {
        "probe"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, file: &FileInfo<'_>) -> bool {
        file.path.ends_with(".txt") || file.path.ends_with(".so.1")
    }
    fn path_only(&self, file: &FileInfo<'_>) -> bool {
        file.path.ends_with(".so.1")
    }
    fn analyze(
        &self,
        file: &FileInfo<'_>,
        content: &mut Content<'_>,
        _: &mut Sink<'_>,
    ) -> Result<(), String> {
        self.calls
            .lock()
            .unwrap()
            .push((file.path.to_string(), content.len()));
        Ok(())
    }
}

#[test]
fn path_only_files_are_not_read() {
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let analyzers: Vec<Box<dyn Analyzer>> = vec![
        Box::new(Probe {
            calls: calls.clone(),
        }),
        Box::new(super::cuda::analyzer()),
    ];
    let mut v = AnalyzeVisitor::new(
        AnalyzeFactory::new(analyzers, DispatchOptions::default()),
        1,
    );
    let entry = |path: &'static str, size: u64| EntryInfo {
        layer: 1,
        path,
        kind: FileKind::File,
        size,
        mode: 0o644,
        link: None,
    };
    // a 2 GiB library: matched by name, not wanted for reading
    let big = entry("/usr/lib/x86_64-linux-gnu/libcudart.so.11.8.89", 2 << 30);
    assert!(!v.wants(&big));
    let lib = entry("/usr/lib/libx.so.1", 100);
    assert!(!v.wants(&lib));
    let txt = entry("/a.txt", 3);
    assert!(v.wants(&txt));
    v.visit(&txt, &mut &b"abc"[..]).unwrap();
    assert_eq!(
        *calls.lock().unwrap(),
        [
            ("/usr/lib/libx.so.1".to_string(), 0),
            ("/a.txt".to_string(), 3)
        ]
    );
    assert_eq!(v.analysis.files_analyzed, 3);
    assert_eq!(v.analysis.packages.len(), 1);
    assert_eq!(v.analysis.packages[0].version, "11.8.89");
}

#[test]
fn ids_are_unique() {
    let mut ids: Vec<&str> = analyzers()
        .iter()
        .chain(crate::binary::analyzers().iter())
        .map(|a| a.id())
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

proptest! {
    #[test]
    fn random_metadata_never_panics(text in "\\PC{0,400}", pick in 0usize..7) {
        let path = [
            "/usr/local/cuda/version.json",
            "/usr/local/cuda/version.txt",
            "/usr/include/cuda_runtime_api.h",
            "/usr/include/cudnn_version.h",
            "/usr/include/nccl.h",
            "/usr/include/NvInferVersion.h",
            "/x/torch/version.py",
        ][pick];
        let a = run_ml(&[FixtureFile::new(path, text.clone())]);
        for p in &a.packages {
            prop_assert!(packageurl::PackageUrl::from_str(&p.purl).is_ok(), "{}", p.purl);
        }
    }

    #[test]
    fn random_library_names_never_panic(name in "lib(cudart|cudnn|nccl|nvinfer)[_a-z]{0,3}\\.so[.0-9a-z]{0,8}") {
        let a = run_ml(&[FixtureFile::new(&format!("/usr/lib/{name}"), Vec::new())]);
        for p in &a.packages {
            let parsed = packageurl::PackageUrl::from_str(&p.purl).unwrap();
            prop_assert_eq!(parsed.to_string(), p.purl.clone());
        }
    }
}
