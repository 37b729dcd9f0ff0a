//! `customs config PATH`: Dockerfile checks on a file or a directory; also
//! the Dockerfile part of `customs fs DIR`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use customs_report::findings::OtherFindings;
use customs_report::{Format, ScanReport, TableOptions};
use customs_types::{ImageSummary, Inventory, Misconfiguration, Unknown};

use crate::args::{ConfigArgs, ConfigFormat, GlobalArgs};
use crate::output::writer;

/// Dockerfiles larger than this are not read (a Dockerfile is a few KiB).
const MAX_DOCKERFILE: u64 = 4 << 20;

/// Origin of the unknowns this module records.
const ORIGIN: &str = "dockerfile";

/// What the Dockerfile checks found below a path.
#[derive(Debug, Default)]
pub struct DockerfileScan {
    /// Files that were checked, as reported (relative to the root).
    pub files: Vec<String>,
    pub findings: Vec<Misconfiguration>,
    /// Files that could not be read or parsed.
    pub unknowns: Vec<Unknown>,
}

/// The Dockerfiles below `root` (or `root` itself when it is a file), in
/// path order, as a project scan sees the directory
/// ([`customs_layer::project_walk`]: `.gitignore` respected, `.git`
/// skipped).
pub fn find_dockerfiles(root: &Path) -> (Vec<PathBuf>, Vec<Unknown>) {
    let mut files = Vec::new();
    let mut unknowns = Vec::new();
    if root.is_file() {
        files.push(root.to_path_buf());
        return (files, unknowns);
    }
    for item in customs_layer::project_walk(root) {
        match item {
            Ok(e) => {
                let is_file = e.file_type().is_some_and(|t| t.is_file());
                if is_file
                    && customs_dockerfile::is_dockerfile_name(&e.file_name().to_string_lossy())
                {
                    files.push(e.into_path());
                }
            }
            Err(e) => unknowns.push(Unknown {
                layer: None,
                path: None,
                origin: ORIGIN.into(),
                message: e.to_string(),
            }),
        }
    }
    (files, unknowns)
}

/// How a file is named in findings: relative to the scanned directory
/// (what GitHub code scanning resolves against the repository), or as
/// given when the root is the file itself.
fn display_path(root: &Path, file: &Path) -> String {
    if root.is_file() {
        return file.display().to_string();
    }
    match file.strip_prefix(root) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => file.display().to_string(),
    }
}

/// The `.dockerignore` that applies to a Dockerfile built with its own
/// directory as the context: `<Dockerfile>.dockerignore` beside it first (as
/// BuildKit does), else `.dockerignore` in that directory.
fn dockerignore_for(file: &Path) -> Option<String> {
    let dir = file.parent()?;
    let name = file.file_name()?.to_string_lossy();
    [
        dir.join(format!("{name}.dockerignore")),
        dir.join(".dockerignore"),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .and_then(|p| std::fs::read_to_string(p).ok())
}

fn read_limited(file: &Path) -> Result<String, String> {
    let md = std::fs::metadata(file).map_err(|e| e.to_string())?;
    if md.len() > MAX_DOCKERFILE {
        return Err(format!(
            "{} bytes: larger than the {} MiB a Dockerfile may have; not checked",
            md.len(),
            MAX_DOCKERFILE >> 20
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text; not checked".to_string())
}

/// Parses and checks every Dockerfile below `root`.
pub fn check_path(root: &Path) -> DockerfileScan {
    let (files, unknowns) = find_dockerfiles(root);
    let mut scan = check_files(root, files);
    scan.unknowns.splice(0..0, unknowns);
    scan
}

/// Parses and checks these Dockerfiles, found below `root`.
pub fn check_files(root: &Path, files: Vec<PathBuf>) -> DockerfileScan {
    let mut scan = DockerfileScan::default();
    for file in files {
        let shown = display_path(root, &file);
        let text = match read_limited(&file) {
            Ok(t) => t,
            Err(message) => {
                scan.unknowns.push(Unknown {
                    layer: None,
                    path: Some(shown),
                    origin: ORIGIN.into(),
                    message,
                });
                continue;
            }
        };
        let df = match customs_dockerfile::parse(&text) {
            Ok(df) => df,
            Err(e) => {
                scan.unknowns.push(Unknown {
                    layer: None,
                    path: Some(shown),
                    origin: ORIGIN.into(),
                    message: format!("cannot parse the Dockerfile: {e}"),
                });
                continue;
            }
        };
        let ignore = dockerignore_for(&file);
        let ctx = customs_dockerfile::CheckContext {
            path: &shown,
            dockerignore: ignore.as_deref(),
        };
        scan.findings.extend(
            customs_dockerfile::check(&df, &ctx)
                .iter()
                .map(|f| f.to_misconfiguration()),
        );
        scan.files.push(shown);
    }
    scan
}

/// The exit code `--exit-code`/`--fail-on` give for these findings.
pub fn gate(
    findings: &[Misconfiguration],
    exit_code: u8,
    fail_on: Option<customs_types::Severity>,
) -> u8 {
    if let Some(min) = fail_on {
        if findings.iter().any(|m| m.severity >= min) {
            return if exit_code != 0 { exit_code } else { 1 };
        }
        return 0;
    }
    if exit_code != 0 && !findings.is_empty() {
        return exit_code;
    }
    0
}

pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> anyhow::Result<u8> {
    if !args.path.exists() {
        anyhow::bail!("{}: no such file or directory", args.path.display());
    }
    let mut scan = check_path(&args.path);
    if !args.severity.is_empty() {
        scan.findings
            .retain(|m| args.severity.contains(&m.severity));
    }
    if !global.quiet {
        for u in &scan.unknowns {
            eprintln!(
                "customs: warning: {}: {}",
                u.path.as_deref().unwrap_or("?"),
                u.message
            );
        }
        if scan.files.is_empty() {
            eprintln!(
                "customs: warning: no Dockerfile found in {}",
                args.path.display()
            );
        }
    }
    tracing::debug!(
        "config: {} Dockerfiles checked, {} findings",
        scan.files.len(),
        scan.findings.len()
    );
    let code = gate(&scan.findings, args.exit_code, args.fail_on);
    let summary = ImageSummary {
        name: args.path.display().to_string(),
        source: "config".into(),
        ..Default::default()
    };
    let inventory = Inventory {
        unknowns: scan.unknowns,
        ..Default::default()
    };
    let rep = ScanReport::new(
        summary,
        inventory,
        customs_report::ToolInfo::customs(),
        crate::report::now_rfc3339(),
    )
    .with_findings(OtherFindings {
        misconfigurations: Some(scan.findings),
        ..Default::default()
    });
    let mut w = writer(args.output.as_deref())?;
    match args.format {
        ConfigFormat::Table => {
            customs_report::write_table_with(&rep, &TableOptions::findings_only(), &mut w)?
        }
        ConfigFormat::Json => customs_report::write(Format::Json, &rep, &mut w)?,
        ConfigFormat::Sarif => customs_report::write(Format::Sarif, &rep, &mut w)?,
        ConfigFormat::Markdown => customs_report::write(Format::Markdown, &rep, &mut w)?,
    }
    w.flush().context("writing the report")?;
    Ok(code)
}
