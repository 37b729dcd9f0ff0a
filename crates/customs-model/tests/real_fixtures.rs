//! Files written by the real libraries (numpy, joblib, scikit-learn; see
//! `testdata/real/generate.py`), and the PyTorch checkpoint recipe of the shared ml images.

use std::path::{Path, PathBuf};
use std::process::Command;

use customs_model::{FindingKind, Limits, ModelFormat, ModelReport, Severity, Verdict, scan_model};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/real")
        .join(name)
}

fn scan_file(path: &Path) -> ModelReport {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    scan_model(
        path.to_str().unwrap(),
        &mut &data[..],
        Some(data.len() as u64),
        &Limits::default(),
    )
    .unwrap_or_else(|| panic!("{} not recognised", path.display()))
}

fn scan(name: &str) -> ModelReport {
    scan_file(&fixture(name))
}

fn assert_safe(name: &str, format: ModelFormat) {
    let r = scan(name);
    assert_eq!(r.format, format, "{name}");
    assert_eq!(r.verdict, Verdict::Safe, "{name}: {r:#?}");
}

fn assert_system_call(name: &str, format: ModelFormat, inner: Option<&str>) {
    let r = scan(name);
    assert_eq!(r.format, format, "{name}");
    assert_eq!(r.verdict, Verdict::Dangerous, "{name}: {r:#?}");
    assert!(
        r.findings.iter().any(|f| f.severity == Severity::Critical
            && f.callable.as_deref() == Some("posix.system")
            && f.inner_path.as_deref() == inner
            && f.detail
                .as_deref()
                .is_some_and(|d| d.contains("FAKE-PAYLOAD"))),
        "{name}: {r:#?}"
    );
    // Everything in these files parses: no unparseable/malformed noise.
    assert!(
        r.findings
            .iter()
            .all(|f| !matches!(f.kind, FindingKind::Unparseable | FindingKind::Malformed)),
        "{name}: {r:#?}"
    );
}

#[test]
fn numpy_files() {
    assert_safe("np_float.npy", ModelFormat::Npy);
    assert_safe("np_object_benign.npy", ModelFormat::Npy);
    assert_system_call("np_object_hostile.npy", ModelFormat::Npy, None);
    assert_system_call("arrays.npz", ModelFormat::Npz, Some("b.npy"));
    for p in [2, 4, 5] {
        assert_safe(&format!("numpy_p{p}.pkl"), ModelFormat::Pickle);
    }
}

#[test]
fn joblib_files() {
    for name in [
        "joblib_benign.joblib",
        "joblib_benign_p2.joblib",
        "joblib_benign_zlib.joblib",
        "joblib_benign_gzip.joblib",
    ] {
        assert_safe(name, ModelFormat::Joblib);
    }
    assert_system_call("joblib_hostile.joblib", ModelFormat::Joblib, None);
}

#[test]
fn plain_pickles() {
    assert_system_call("evil_p0.pkl", ModelFormat::Pickle, None);
    assert_system_call("evil_p4.pkl", ModelFormat::Pickle, None);
    let r = scan("sklearn_logreg.pkl");
    assert_eq!(r.verdict, Verdict::Suspicious, "{r:#?}");
    assert_eq!(r.max_severity(), Some(Severity::Medium), "{r:#?}");
    assert!(r.findings.iter().any(
        |f| f.callable.as_deref() == Some("sklearn.linear_model._logistic.LogisticRegression")
    ));
}

/// Runs the shared image recipe that writes `mnist_cnn.pt` (a torch.save zip made without
/// torch) and checks it is safe. Skipped when the shared folder or python3 is missing.
#[test]
fn shared_mnist_checkpoint_recipe() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let script = [
        "shared/images/build-torch.sh",
        "../shared/images/build-torch.sh",
    ]
    .iter()
    .map(|p| root.join(p))
    .find(|p| p.exists());
    let Some(script) = script else {
        eprintln!("SKIPPED shared_mnist_checkpoint_recipe: shared/images/build-torch.sh not found");
        return;
    };
    let text = std::fs::read_to_string(&script).unwrap();
    let Some(start) = text.find("python3 - \"$R/workspace/checkpoints/mnist_cnn.pt\" <<'EOF'\n")
    else {
        eprintln!("SKIPPED shared_mnist_checkpoint_recipe: recipe not found in build-torch.sh");
        return;
    };
    let body = &text[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let body = &body[..body.find("\nEOF\n").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mnist_cnn.pt");
    let ok = Command::new("python3")
        .arg("-c")
        .arg(body)
        .arg(&out)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED shared_mnist_checkpoint_recipe: python3 could not run the recipe");
        return;
    }
    let r = scan_file(&out);
    assert_eq!(r.format, ModelFormat::TorchZip);
    assert_eq!(r.verdict, Verdict::Safe, "{r:#?}");
    assert!(
        r.imports
            .iter()
            .any(|i| i.callable() == "torch._utils._rebuild_tensor_v2" && i.calls == 8)
    );
}
