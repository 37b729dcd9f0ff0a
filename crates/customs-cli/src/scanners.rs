//! Which analyzers a scan runs, from `--scanners` and `--secret-config`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use customs_analyze::dispatch::{AnalyzeFactory, DispatchOptions};
use customs_analyze::findings::{ModelAnalyzer, SecretAnalyzer};
use customs_secret::{Scanner as SecretScanner, SecretConfig};

use crate::args::Scanner;

/// The analyzers of one scan and the secret scanner (also used on the
/// image config and history).
pub struct ScanPlan {
    pub factory: AnalyzeFactory,
    pub secrets: Option<Arc<SecretScanner>>,
    pub models: bool,
    pub misconfig: bool,
    pub vulns: bool,
}

impl ScanPlan {
    /// The package analyzers plus what `--scanners` asks for.
    pub fn new(scanners: &[Scanner], secret_config: Option<&Path>) -> anyhow::Result<ScanPlan> {
        Self::with_analyzers(customs_analyze::builtin(), scanners, secret_config)
    }

    /// These package analyzers plus what `--scanners` asks for.
    pub fn with_analyzers(
        mut analyzers: Vec<Box<dyn customs_analyze::Analyzer>>,
        scanners: &[Scanner],
        secret_config: Option<&Path>,
    ) -> anyhow::Result<ScanPlan> {
        let secrets = if scanners.contains(&Scanner::Secret) {
            let scanner = match secret_config {
                Some(p) => {
                    let cfg = SecretConfig::from_file(p)
                        .with_context(|| format!("cannot use the secret config {}", p.display()))?;
                    SecretScanner::new(cfg)
                        .with_context(|| format!("cannot use the secret config {}", p.display()))?
                }
                None => SecretScanner::with_defaults().context("the built-in secret rules")?,
            };
            let scanner = Arc::new(scanner);
            analyzers.push(Box::new(SecretAnalyzer::new(scanner.clone())));
            Some(scanner)
        } else {
            None
        };
        let models = scanners.contains(&Scanner::Model);
        if models {
            analyzers.push(Box::new(ModelAnalyzer::default()));
        }
        Ok(ScanPlan {
            factory: AnalyzeFactory::new(analyzers, DispatchOptions::default()),
            secrets,
            models,
            misconfig: scanners.contains(&Scanner::Misconfig),
            vulns: scanners.contains(&Scanner::Vuln),
        })
    }
}

/// The per-layer cache of a scan: `<cache dir>/layers`, unless `--no-cache`.
pub fn layer_cache(
    cache_dir: Option<&Path>,
    no_cache: bool,
    max_size: u64,
) -> Option<customs_scan::LayerCache> {
    if no_cache {
        return None;
    }
    let dir = crate::db::cache_dir(cache_dir).join("layers");
    match customs_scan::LayerCache::open(&dir, max_size) {
        Ok(c) => Some(c),
        Err(e) => {
            // a cache we cannot use is no reason to fail the scan
            tracing::warn!("{e}; scanning without the layer cache");
            None
        }
    }
}

/// `customs cache clean`.
pub fn run_cache(a: &crate::args::CacheArgs, quiet: bool) -> anyhow::Result<u8> {
    match a.command {
        crate::args::CacheCommand::Clean => {
            let dir = crate::db::cache_dir(a.cache_dir.as_deref()).join("layers");
            if !dir.exists() {
                if !quiet {
                    eprintln!("customs: no layer cache at {}", dir.display());
                }
                return Ok(0);
            }
            let c = customs_scan::LayerCache::open(&dir, 0)?;
            let st = c.clean()?;
            println!(
                "removed {} layer cache entries ({:.1} MB) from {}",
                st.removed,
                st.removed_bytes as f64 / 1e6,
                dir.display()
            );
            Ok(0)
        }
    }
}

/// Secrets (files and config), model files and image-config checks of a
/// scan, as the report carries them.
pub fn other_findings(
    plan: &ScanPlan,
    out: &customs_scan::ScanOutput,
) -> customs_report::findings::OtherFindings {
    let mut f = customs_report::findings::OtherFindings::default();
    if let Some(scanner) = &plan.secrets {
        let mut secrets = out.findings.secrets.clone();
        secrets.extend(customs_analyze::findings::config_secrets(
            scanner,
            &out.summary,
        ));
        f.secrets = Some(secrets);
        f.secret_scan = Some(out.findings.secret_stats);
    }
    if plan.models {
        f.models = Some(out.findings.models.clone());
    }
    if plan.misconfig {
        let c = &out.summary.config;
        let input = customs_dockerfile::ImageConfigInput {
            source: out.summary.name.clone(),
            user: c.user.clone(),
            env: c.env.clone(),
            cmd: c.cmd.clone(),
            entrypoint: c.entrypoint.clone(),
            has_healthcheck: c.healthcheck.is_some(),
            exposed_ports: c.exposed_ports.clone(),
            history: c
                .history
                .iter()
                .filter_map(|h| h.created_by.clone())
                .collect(),
        };
        f.misconfigurations = Some(
            customs_dockerfile::check_image_config(&input)
                .iter()
                .map(|x| x.to_misconfiguration())
                .collect(),
        );
    }
    f
}

/// The gate over secrets, unsafe models and misconfigurations: the same
/// `--severity`, `--exit-code` and `--fail-on` as vulnerabilities.
pub fn other_gate(gate: &customs_policy::Gate, f: &customs_report::findings::OtherFindings) -> u8 {
    use customs_types::Severity;
    let sevs: Vec<Severity> = f
        .secrets()
        .iter()
        .map(|s| s.severity)
        .chain(f.unsafe_models().filter_map(|m| m.severity))
        .chain(f.misconfigurations().iter().map(|m| m.severity))
        .filter(|s| gate.severities.as_ref().is_none_or(|l| l.contains(s)))
        .collect();
    if let Some(min) = gate.fail_on {
        if sevs.iter().any(|s| *s >= min) {
            return if gate.exit_code != 0 {
                gate.exit_code
            } else {
                1
            };
        }
        return 0;
    }
    if gate.exit_code != 0 && !sevs.is_empty() {
        return gate.exit_code;
    }
    0
}
