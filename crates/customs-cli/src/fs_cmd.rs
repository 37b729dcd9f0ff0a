//! `customs fs DIR` (a project: lock files, secrets, models, notebooks,
//! Dockerfiles, `.gitignore` respected) and `customs rootfs DIR` (a root
//! filesystem: installed packages, as in an image).

use customs_source::SourceSpec;

use crate::args::{DirArgs, GlobalArgs, ImageSourceArgs, Scanner};
use crate::scan::{Policy, report_scan, vulnerabilities};
use crate::{config_cmd, sbom};

/// Which of the two directory scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirMode {
    /// `customs fs`: a project directory.
    Project,
    /// `customs rootfs`: an unpacked root filesystem.
    RootFs,
}

impl DirMode {
    fn default_scanners(self) -> Vec<Scanner> {
        match self {
            DirMode::Project => vec![
                Scanner::Vuln,
                Scanner::Secret,
                Scanner::Model,
                Scanner::Misconfig,
            ],
            DirMode::RootFs => vec![Scanner::Vuln, Scanner::Secret, Scanner::Model],
        }
    }
}

pub fn run(global: &GlobalArgs, args: &DirArgs, mode: DirMode) -> anyhow::Result<u8> {
    if !args.dir.is_dir() {
        anyhow::bail!("{}: not a directory", args.dir.display());
    }
    let policy = Policy::from_args(&args.scan.gate)?;
    let scanners = args
        .scanners
        .clone()
        .unwrap_or_else(|| mode.default_scanners());
    let analyzers = match mode {
        DirMode::Project => customs_analyze::project(),
        DirMode::RootFs => customs_analyze::builtin(),
    };
    let mut plan = crate::scanners::ScanPlan::with_analyzers(
        analyzers,
        &scanners,
        args.secret_config.as_deref(),
    )?;
    let respect_gitignore = mode == DirMode::Project && !args.no_gitignore;
    let mut source = ImageSourceArgs::for_dir(args.parallel);
    source.respect_gitignore = respect_gitignore;
    let spec = SourceSpec::Dir(args.dir.clone());
    // a directory has no diff_id to key the layer cache by
    let out = sbom::scan_with(global, &spec, &source, &plan.factory, None)?;
    let findings = if plan.vulns {
        vulnerabilities(&out.inventory, &args.scan, global.quiet)?
    } else {
        Vec::new()
    };
    // A directory has no image config: the misconfiguration scanner checks
    // the Dockerfiles it holds instead.
    let misconfig = std::mem::take(&mut plan.misconfig);
    let mut other = crate::scanners::other_findings(&plan, &out);
    let mut unknowns = Vec::new();
    if misconfig {
        // the Dockerfiles the walk saw (already `.gitignore`-filtered)
        let dockerfiles = out
            .view
            .iter()
            .filter(|f| f.kind == customs_types::FileKind::File)
            .filter(|f| customs_dockerfile::is_dockerfile_name(&f.path))
            .map(|f| args.dir.join(f.path.trim_start_matches('/')))
            .collect();
        let scan = config_cmd::check_files(&args.dir, dockerfiles);
        tracing::debug!(
            "fs: {} Dockerfiles checked, {} findings",
            scan.files.len(),
            scan.findings.len()
        );
        other.misconfigurations = Some(scan.findings);
        unknowns = scan.unknowns;
    }
    let supplier = args.supplier.clone();
    report_scan(
        global,
        &policy,
        &args.scan,
        &out,
        findings,
        other,
        |mut rep| {
            rep.inventory.unknowns.extend(unknowns);
            rep.image_supplier = supplier;
            rep
        },
    )
}
