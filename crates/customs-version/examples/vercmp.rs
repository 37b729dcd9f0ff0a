//! Compares versions from the command line, for checking this crate
//! against the ecosystems' own tools.
//!
//! ```text
//! cargo run -p customs-version --example vercmp -- debian 1.0~rc1 1.0
//! printf '1.0\t1.0.0\n1a\t1b\n' | cargo run -p customs-version --example vercmp -- pep440
//! ```
//!
//! Reads tab-separated pairs from stdin when A and B are not given. Prints
//! `A < B`, `A = B`, `A > B` or `A ? B: <error>` per pair. The scheme
//! is an OSV ecosystem name (`PyPI`, `Debian:12`) or a scheme name as
//! serialised (`pep440`, `rpm`, ...).

use std::io::BufRead;
use std::process::ExitCode;

use customs_version::Scheme;

fn scheme_named(name: &str) -> Option<Scheme> {
    Scheme::for_ecosystem(name).or_else(|| {
        Scheme::ALL
            .into_iter()
            .find(|s| format!("{s:?}").eq_ignore_ascii_case(name))
    })
}

fn show(scheme: Scheme, a: &str, b: &str) -> String {
    match scheme.compare(a, b) {
        Ok(std::cmp::Ordering::Less) => format!("{a} < {b}"),
        Ok(std::cmp::Ordering::Equal) => format!("{a} = {b}"),
        Ok(std::cmp::Ordering::Greater) => format!("{a} > {b}"),
        Err(e) => format!("{a} ? {b}: {e}"),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(scheme) = args.first().and_then(|n| scheme_named(n)) else {
        eprintln!("usage: vercmp SCHEME [A B]  (pairs from stdin without A B)");
        return ExitCode::FAILURE;
    };
    if let [_, a, b] = &args[..] {
        println!("{}", show(scheme, a, b));
        return ExitCode::SUCCESS;
    }
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let mut fields = line.split('\t');
        match (fields.next(), fields.next()) {
            (Some(a), Some(b)) => println!("{}", show(scheme, a, b)),
            _ => println!("? malformed input line {line:?}"),
        }
    }
    ExitCode::SUCCESS
}
