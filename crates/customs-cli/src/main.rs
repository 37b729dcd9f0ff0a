//! The `customs` command line.

mod args;
mod config_cmd;
mod db;
mod diff_cmd;
mod fs_cmd;
mod inspect;
mod inventory_cmd;
mod output;
mod progress;
mod recommend_cmd;
mod report;
mod sbom;
mod sbom_input;
mod scan;
mod scanners;
mod side;
mod version_cmd;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Exit code for usage and input errors (Trivy and grep use 2 the same way).
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(cli.global.debug, cli.global.quiet);
    let result = match &cli.command {
        Command::Image(a) => scan::run(&cli.global, a),
        Command::Inspect(a) => inspect::run(&cli.global, a),
        Command::Db(a) => db::run(a, cli.global.quiet),
        Command::Cache(a) => scanners::run_cache(a, cli.global.quiet),
        Command::Version { command } => version_cmd::run(command),
        Command::Diff(a) => diff_cmd::run(&cli.global, a),
        Command::Recommend(a) => recommend_cmd::run(&cli.global, a),
        Command::Sbom(a) => sbom::run(&cli.global, a),
        Command::SbomScan(a) => scan::run_sbom(&cli.global, a),
        Command::Fs(a) => fs_cmd::run(&cli.global, a, fs_cmd::DirMode::Project),
        Command::Rootfs(a) => fs_cmd::run(&cli.global, a, fs_cmd::DirMode::RootFs),
        Command::Config(a) => config_cmd::run(&cli.global, a),
        Command::Inventory(a) => inventory_cmd::run(&cli.global, a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("customs: error: {}", one_line(&e));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// The error and its causes on one line, without repeating a cause the
/// message already contains.
fn one_line(e: &anyhow::Error) -> String {
    let mut s = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
    }
    s.replace('\n', " ")
}

fn init_tracing(debug: bool, quiet: bool) {
    let level = if debug {
        "debug"
    } else if quiet {
        "error"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUSTOMS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}
