//! Scans model files given on the command line and prints one JSON report per line.
//!
//! `cargo run -p customs-model --example scan_models -- FILE...`

use std::fs::File;
use std::process::ExitCode;
use std::time::Instant;

use customs_model::{Limits, Verdict, scan_model_seekable};

fn main() -> ExitCode {
    let limits = Limits::default();
    let mut worst = Verdict::Safe;
    for path in std::env::args().skip(1) {
        let start = Instant::now();
        let mut f = match File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        };
        match scan_model_seekable(&path, &mut f, &limits) {
            Some(r) => {
                worst = worst.max(r.verdict);
                match serde_json::to_string(&r) {
                    Ok(json) => println!("{json}"),
                    Err(e) => eprintln!("{path}: {e}"),
                }
                eprintln!(
                    "{path}: {:?} in {:.3}s",
                    r.verdict,
                    start.elapsed().as_secs_f64()
                );
            }
            None => eprintln!("{path}: not a model file"),
        }
    }
    match worst {
        Verdict::Safe => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}
