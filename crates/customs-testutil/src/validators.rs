//! The independent SBOM checkers of the venv `scripts/python-tools.sh`
//! makes: cyclonedx-python-lib's strict JSON validator, `pyspdxtools -i`
//! and the NTIA minimum elements checker (the official JSON schemas are in
//! [`crate::schemas`]). A missing venv fails the test; it never skips it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The Python of the validator venv: `$CUSTOMS_PYTHON`, else
/// `$HOME/.cache/customs-venv/bin/python`. Fails the test when missing.
pub fn python() -> PathBuf {
    let p = std::env::var_os("CUSTOMS_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/customs-venv/bin/python"))
        })
        .expect("neither CUSTOMS_PYTHON nor HOME is set");
    assert!(
        p.exists(),
        "validator Python {} not found: run scripts/python-tools.sh (or set CUSTOMS_PYTHON)",
        p.display()
    );
    p
}

/// A program installed in the venv beside [`python()`].
pub fn venv_tool(name: &str) -> PathBuf {
    let py = python();
    let t = py.parent().map(|d| d.join(name)).unwrap_or_default();
    assert!(
        t.exists(),
        "{} not found beside {}: run scripts/python-tools.sh",
        name,
        py.display()
    );
    t
}

/// Exit status, stdout and stderr of a checker, for assertion messages.
pub fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Validates `VERSION FILE` pairs; prints `valid: FILE` or every error;
/// exits 1 on any.
const CDX_CHECK: &str = r#"
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
versions = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
validators = {}
failed = False
args = sys.argv[1:]
for version, path in zip(args[::2], args[1::2]):
    v = validators.setdefault(version, JsonStrictValidator(versions[version]))
    with open(path, encoding="utf-8") as f:
        errors = v.validate_str(f.read(), all_errors=True)
    if errors is None:
        print("valid:", path)
        continue
    failed = True
    for e in errors:
        data = getattr(e, "data", None)
        print("error:", path, getattr(data, "message", e), "at", list(getattr(data, "absolute_path", [])))
sys.exit(1 if failed else 0)
"#;

/// cyclonedx-python-lib's strict JSON validator on `(spec version, file)`
/// pairs, in one Python process. Success: exit 0 and one `valid:` line per
/// file on stdout.
pub fn cyclonedx_strict(files: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(python());
    cmd.arg("-c").arg(CDX_CHECK);
    for (version, file) in files {
        cmd.arg(version).arg(file);
    }
    cmd.output().expect("run python")
}

/// `pyspdxtools -i FILE` (parses and validates an SPDX document).
pub fn pyspdxtools(file: &Path) -> Output {
    Command::new(venv_tool("pyspdxtools"))
        .arg("-i")
        .arg(file)
        .output()
        .expect("run pyspdxtools")
}

/// The NTIA minimum elements checker on an SPDX 2 file, with its JSON
/// report (`Null` when it wrote none).
pub fn ntia(file: &Path, report_file: &Path) -> (Output, Value) {
    let o = Command::new(venv_tool("ntia-checker"))
        .arg("--comply")
        .arg("ntia")
        .arg("--output")
        .arg("json")
        .arg("--output-file")
        .arg(report_file)
        .arg(file)
        .output()
        .expect("run ntia-checker");
    let report = std::fs::read_to_string(report_file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (o, report)
}
