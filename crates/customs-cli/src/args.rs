//! Command-line arguments. Flag names follow Trivy's where Trivy has one.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use customs_layer::{Limits, WalkOptions};
use customs_source::{OpenOptions, SourceSpec};
use customs_types::Platform;

#[derive(Parser, Debug)]
#[command(
    name = "customs",
    version,
    about = "Container-image security scanner for machine-learning images",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Debug logging on stderr.
    #[arg(short = 'd', long, global = true)]
    pub debug: bool,
    /// No progress bars or warnings.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan an image: vulnerabilities, and (with --scanners) secrets, unsafe
    /// models, misconfigurations.
    Image(ImageArgs),
    /// Show an image's metadata, layers and (optionally) its files.
    Inspect(InspectArgs),
    /// Catalogue an image's packages and write an SBOM.
    Sbom(SbomArgs),
    /// Match the packages of an SBOM (CycloneDX or SPDX JSON) against the
    /// vulnerability DB, with the same gate and reports as `image`.
    SbomScan(SbomScanArgs),
    /// Scan a project directory: lock files matched for vulnerabilities,
    /// secrets, model files, notebooks and Dockerfiles (`.gitignore`
    /// respected).
    Fs(DirArgs),
    /// Scan a root filesystem directory: installed packages, as in an image.
    Rootfs(DirArgs),
    /// Check Dockerfiles for misconfigurations (a Dockerfile, or a directory
    /// holding them).
    Config(ConfigArgs),
    /// Manage the local vulnerability database.
    Db(DbArgs),
    /// Manage the per-layer analysis cache.
    Cache(CacheArgs),
    /// Store image inventories and ask which stored images an advisory or
    /// a package version affects, without reading the images again.
    Inventory(crate::inventory_cmd::InventoryArgs),
    /// Compare two images (or customs JSON reports, or SBOMs): packages
    /// added, removed, changed; vulnerabilities fixed, introduced, unchanged.
    Diff(DiffArgs),
    /// Rank candidate base images for an image by the findings they would
    /// bring, and show the expected change.
    Recommend(RecommendArgs),
    /// Version ordering per ecosystem.
    Version {
        #[command(subcommand)]
        command: VersionCommand,
    },
}

/// What a scan looks for.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scanner {
    Vuln,
    Secret,
    Model,
    Misconfig,
}

/// Report formats of scanning commands.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Sarif,
    /// CycloneDX 1.6 with vulnerabilities.
    Cyclonedx,
    #[value(name = "cyclonedx-1.7")]
    Cyclonedx17,
    SpdxJson,
    Markdown,
}

/// The gate: which findings count, and the exit code.
#[derive(Args, Debug, Clone)]
pub struct GateArgs {
    /// Severities to report (comma-separated: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(short = 's', long, value_delimiter = ',', value_name = "LIST")]
    pub severity: Vec<customs_types::Severity>,
    /// Hide vulnerabilities that have no fix yet.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Exit code when findings remain after the filters (default 0: never fail).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: u8,
    /// Fail (exit 1, or --exit-code) when a finding at least this severe remains.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<customs_types::Severity>,
    /// Ignore file (default: .customsignore in the current directory, when present).
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// VEX documents (OpenVEX or CycloneDX VEX); repeat for several.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ImageArgs {
    /// The image (see `customs inspect --help` for the sources).
    #[arg(value_name = "IMAGE", required_unless_present = "input")]
    pub image: Option<String>,
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// What to look for (comma-separated).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "vuln,secret,model"
    )]
    pub scanners: Vec<Scanner>,
    /// Secret rules: customs's TOML or gitleaks' (add rules, disable
    /// built-ins, allow paths).
    #[arg(long, value_name = "FILE")]
    pub secret_config: Option<PathBuf>,
    /// Neither read nor write the per-layer cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Bound of the per-layer cache (`500MB`, `2GiB`; least recently used
    /// entries go first).
    #[arg(long, value_name = "SIZE", default_value = "5GiB", value_parser = parse_size)]
    pub cache_max_size: u64,
    /// The base image (any source syntax, or its customs JSON report): when
    /// its layers are the image's first layers, the reports split the
    /// findings into the base's and your layers'.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    #[command(flatten)]
    pub scan: VulnScanArgs,
}

/// `500MB`, `2GiB`, `1024` (bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("not a size: {s:?}"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1e12,
        "tib" => 1024f64.powi(4),
        u => return Err(format!("unknown size unit {u:?} in {s:?}")),
    };
    Ok((n * mult) as u64)
}

/// `customs cache ...`.
#[derive(Args, Debug)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
    /// Cache directory (the layer cache is `<dir>/layers`).
    #[arg(long, env = "CUSTOMS_CACHE_DIR", value_name = "DIR", global = true)]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum CacheCommand {
    /// Remove every per-layer cache entry (the vulnerability DB stays).
    Clean,
}

/// `customs sbom-scan FILE`: vulnerabilities of the packages an SBOM lists.
#[derive(Args, Debug)]
pub struct SbomScanArgs {
    /// A CycloneDX JSON SBOM (customs's own, Syft's, Trivy's) or an SPDX 2.3
    /// JSON one.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub scan: VulnScanArgs,
}

/// Report, gate and DB flags shared by the commands that match
/// vulnerabilities.
#[derive(Args, Debug)]
pub struct VulnScanArgs {
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub db: DbLocation,
    /// Never download the vulnerability DB (use the local one, or fail saying how to import one).
    #[arg(long, alias = "skip-db-update")]
    pub offline: bool,
}

/// Where the advisory database lives and where it is updated from.
#[derive(Args, Debug, Clone)]
pub struct DbLocation {
    /// Cache directory (the DB is `<dir>/db/customs.db`).
    #[arg(long, env = "CUSTOMS_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Base URL of the OSV exports (`<base>/<Ecosystem>/all.zip`).
    #[arg(
        long,
        env = "CUSTOMS_DB_REPOSITORY",
        value_name = "URL",
        default_value = customs_advisory::DEFAULT_BASE_URL
    )]
    pub db_repository: String,
}

#[derive(Args, Debug)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Download the DB, or fetch only what changed since the last update.
    Update {
        #[command(flatten)]
        loc: DbLocation,
        /// Ecosystems to fetch (default: those in the DB, or all).
        #[arg(long, value_delimiter = ',', value_name = "LIST")]
        ecosystems: Vec<String>,
    },
    /// Build the DB from local OSV data (air-gapped machines): a directory in
    /// osv.dev's layout, an `all.zip`, or one JSON record.
    Import {
        #[command(flatten)]
        loc: DbLocation,
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
    /// Counts, sources and age of the DB.
    Status {
        #[command(flatten)]
        loc: DbLocation,
    },
}

#[derive(Subcommand, Debug)]
pub enum VersionCommand {
    /// Print `<`, `=` or `>` for A compared with B in ECOSYSTEM.
    Compare {
        /// An OSV ecosystem (`PyPI`, `npm`, `Debian`, `Alpine`, `Red Hat`, ...).
        ecosystem: String,
        a: String,
        b: String,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// CycloneDX 1.7 JSON.
    #[value(name = "cyclonedx-1.7")]
    Cyclonedx17,
    /// SPDX 2.3 JSON.
    SpdxJson,
    /// customs's own JSON, with everything.
    Json,
    /// A summary table.
    Table,
}

#[derive(Args, Debug)]
pub struct SbomArgs {
    /// The image (see `customs inspect --help` for the sources).
    #[arg(value_name = "IMAGE", required_unless_present = "input")]
    pub image: Option<String>,
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = SbomFormat::Cyclonedx)]
    pub format: SbomFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Who supplies the artifact (`Organization: X`, `Person: X`, or a
    /// name): the SBOM's supplier of the image (NTIA minimum elements),
    /// when its labels do not say.
    #[arg(long, value_name = "NAME")]
    pub supplier: Option<String>,
}

#[derive(Args, Debug)]
pub struct DirArgs {
    /// The directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// What to look for (comma-separated). Default for `fs`:
    /// vuln,secret,model,misconfig; for `rootfs`: vuln,secret,model.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub scanners: Option<Vec<Scanner>>,
    /// Secret rules: customs's TOML or gitleaks' (add rules, disable
    /// built-ins, allow paths).
    #[arg(long, value_name = "FILE")]
    pub secret_config: Option<PathBuf>,
    /// `fs`: also scan what `.gitignore` files ignore (and `.git`).
    #[arg(long)]
    pub no_gitignore: bool,
    /// Who supplies the artifact (`Organization: X`, `Person: X`, or a
    /// name), for the SBOM formats.
    #[arg(long, value_name = "NAME")]
    pub supplier: Option<String>,
    /// Files read at once.
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    #[command(flatten)]
    pub scan: VulnScanArgs,
}

/// `customs config PATH`.
#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// A Dockerfile, or a directory: every Dockerfile/Containerfile below it
    /// (`.gitignore` respected).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = ConfigFormat::Table)]
    pub format: ConfigFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Severities to report (comma-separated: LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(short = 's', long, value_delimiter = ',', value_name = "LIST")]
    pub severity: Vec<customs_types::Severity>,
    /// Exit code when findings remain after the filters (default 0: never fail).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: u8,
    /// Fail (exit 1, or --exit-code) when a finding at least this severe remains.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<customs_types::Severity>,
}

/// Report formats of `customs config`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    Table,
    Json,
    Sarif,
    Markdown,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The image: a registry reference, or SCHEME:REF with scheme one of
    /// registry, docker-archive, oci-dir, oci-archive, docker, podman, dir.
    #[arg(value_name = "IMAGE", required_unless_present = "input")]
    pub image: Option<String>,
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = InspectFormat::Table)]
    pub format: InspectFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Also list the files: the merged view, and the files later layers
    /// deleted or overwrote (history view).
    #[arg(long)]
    pub files: bool,
}

/// How to reach and read an image.
#[derive(Args, Debug, Clone)]
pub struct ImageSourceArgs {
    /// Read the image from a tar archive or layout on disk (docker save,
    /// OCI archive, OCI layout dir) instead of IMAGE.
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,
    /// Platform to pick from a multi-platform image (os/arch[/variant]).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Registry username.
    #[arg(long, env = "CUSTOMS_USERNAME", hide_env_values = true)]
    pub username: Option<String>,
    /// Registry password.
    #[arg(long, env = "CUSTOMS_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// CA certificate (PEM) to trust for the registry.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Allow insecure registry connections (self-signed TLS, plain HTTP).
    #[arg(long)]
    pub insecure: bool,
    /// Docker daemon address for docker: sources (default: DOCKER_HOST).
    #[arg(long, value_name = "ADDR")]
    pub docker_host: Option<String>,
    /// Podman socket address for podman: sources (default: CONTAINER_HOST).
    #[arg(long, value_name = "ADDR")]
    pub podman_host: Option<String>,
    /// Layers read at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// Largest uncompressed size of one layer, in bytes (decompression-bomb
    /// guard).
    #[arg(long, value_name = "BYTES", hide = true)]
    pub max_layer_size: Option<u64>,
    /// A project scan of a directory: `.gitignore` respected.
    #[arg(skip)]
    pub respect_gitignore: bool,
}

impl ImageSourceArgs {
    /// The settings for a directory scan (no registry, no daemon).
    pub fn for_dir(parallel: Option<usize>) -> Self {
        ImageSourceArgs {
            input: None,
            platform: None,
            username: None,
            password: None,
            ca_file: None,
            insecure: false,
            docker_host: None,
            podman_host: None,
            parallel,
            max_layer_size: None,
            respect_gitignore: false,
        }
    }

    /// The source spec: `--input` or the positional image.
    pub fn spec(&self, image: Option<&str>) -> anyhow::Result<SourceSpec> {
        match (&self.input, image) {
            (Some(_), Some(_)) => bail!("give either IMAGE or --input, not both"),
            (Some(p), None) => Ok(SourceSpec::from_input(p)?),
            (None, Some(i)) => Ok(SourceSpec::parse(i)?),
            (None, None) => bail!("no image given"),
        }
    }

    pub fn open_options(&self, spec: &SourceSpec) -> anyhow::Result<OpenOptions> {
        let platform = match &self.platform {
            Some(p) => Some(p.parse::<Platform>().context("--platform")?),
            None => None,
        };
        if self.username.is_some() != self.password.is_some() {
            bail!("--username and --password go together");
        }
        let daemon_host = match spec {
            SourceSpec::Daemon {
                engine: customs_source::spec::Engine::Podman,
                ..
            } => self.podman_host.clone(),
            _ => self.docker_host.clone(),
        };
        Ok(OpenOptions {
            platform,
            username: self.username.clone(),
            password: self.password.clone(),
            ca_file: self.ca_file.clone(),
            insecure: self.insecure,
            daemon_host,
            temp_dir: None,
            max_retries: None,
        })
    }

    pub fn walk_options(&self) -> WalkOptions {
        let mut w = WalkOptions {
            respect_gitignore: self.respect_gitignore,
            ..WalkOptions::default()
        };
        if let Some(p) = self.parallel {
            w.parallel = p.max(1);
        }
        if let Some(m) = self.max_layer_size {
            w.limits = Limits {
                max_layer_bytes: m,
                ..w.limits
            };
        }
        w
    }
}

/// Output formats of `customs diff`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    Table,
    Json,
    /// For a pull-request comment.
    Markdown,
}

/// `customs diff A B`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Before: an image (any source `customs image` takes), a customs JSON
    /// report (`customs image -f json`), or a CycloneDX/SPDX JSON SBOM.
    #[arg(value_name = "A")]
    pub before: String,
    /// After: the same kinds as A.
    #[arg(value_name = "B")]
    pub after: String,
    /// The base image (any source syntax, or its customs JSON report): the
    /// findings of each side whose layers it leads split into "from the
    /// base image" and "from your layers".
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Filters apply to both sides; --exit-code and --fail-on look at the
    /// findings B introduces.
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub db: DbLocation,
    /// Never download the vulnerability DB.
    #[arg(long, alias = "skip-db-update")]
    pub offline: bool,
    /// Neither read nor write the per-layer cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Bound of the per-layer cache.
    #[arg(long, value_name = "SIZE", default_value = "5GiB", value_parser = parse_size)]
    pub cache_max_size: u64,
}

/// Output formats of `customs recommend`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecommendFormat {
    Table,
    Json,
}

/// `customs recommend IMAGE --candidates REF,...`.
#[derive(Args, Debug)]
pub struct RecommendArgs {
    /// The image (any source syntax).
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Candidate base images (comma-separated; any source syntax).
    #[arg(long, value_delimiter = ',', value_name = "REF,...", required = true)]
    pub candidates: Vec<String>,
    /// The image's current base (default: the candidate whose layers lead
    /// the image's, else the org.opencontainers.image.base.name label).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = RecommendFormat::Table)]
    pub format: RecommendFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbLocation,
    /// Never download the vulnerability DB.
    #[arg(long, alias = "skip-db-update")]
    pub offline: bool,
    /// Neither read nor write the per-layer cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Bound of the per-layer cache.
    #[arg(long, value_name = "SIZE", default_value = "5GiB", value_parser = parse_size)]
    pub cache_max_size: u64,
}
