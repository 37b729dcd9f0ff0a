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
    /// Show an image's metadata, layers and (optionally) its files.
    Inspect(InspectArgs),
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
}

impl ImageSourceArgs {
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
        let mut w = WalkOptions::default();
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
