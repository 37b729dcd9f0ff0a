//! Criterion-free micro benchmark: MB/s of `Scanner::scan_bytes` on
//! synthetic text without any rule keyword (the common case: one
//! Aho-Corasick pass), on code-like text full of keywords (regexes run), and
//! on a copy with planted secrets.
//!
//! ```text
//! cargo run --release -p customs-secret --example bench [MB]
//! ```

use std::time::Instant;

use customs_secret::{Scanner, SecretConfig};

/// Process CPU time (user + system) from `/proc/self/stat`, in seconds
/// (Linux; clock ticks assumed 100 Hz). Wall time is misleading on a shared
/// machine, CPU time is not.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

fn text(mb: usize, words: &[&str], seed: u64) -> Vec<u8> {
    let mut s = seed;
    let mut out = Vec::with_capacity(mb << 20);
    while out.len() < mb << 20 {
        for _ in 0..12 {
            out.extend_from_slice(words[(lcg(&mut s) as usize) % words.len()].as_bytes());
            out.push(b' ');
        }
        out.push(b'\n');
    }
    out
}

#[allow(clippy::print_stdout, clippy::cast_precision_loss)]
fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(64);
    let t = Instant::now();
    let scanner = Scanner::new(SecretConfig {
        max_file_size: 0,
        ..SecretConfig::default()
    })
    .expect("rules compile");
    println!(
        "compiled {} rules in {:.0?}",
        scanner.rule_count(),
        t.elapsed()
    );

    let plain = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "consectetur",
        "adipiscing",
        "elit",
        "sed",
        "do",
        "eiusmod",
        "tempor",
        "=",
        "(",
        ")",
        "{",
        "}",
        "return",
        "value",
        "self",
        "import",
        "def",
        "class",
        "for",
        "in",
    ];
    let code = [
        "def",
        "login(user,",
        "password):",
        "token",
        "=",
        "get_token()",
        "headers[\"Authorization\"]",
        "api_key",
        "secret",
        "self.password",
        "return",
        "os.environ[\"TOKEN\"]",
        "path",
        "key-",
        "://",
        "pwd",
        "sg.",
        "pat",
        "http://example.invalid/x",
        "value",
        "eyJ",
        "-us",
        "api-",
    ];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no keywords", text(mb, &plain, 1)),
        ("code with keywords", text(mb, &code, 2)),
        ("code + planted secrets", {
            let mut t = text(mb, &code, 3);
            let gh = concat!(
                "GITHUB_TOKEN=ghp_",
                "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6\n"
            );
            let step = t.len() / 100;
            for i in 1..100 {
                let at = t[i * step..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(t.len(), |p| i * step + p + 1);
                t.splice(at..at, gh.bytes());
            }
            t
        }),
    ];
    for (name, data) in &cases {
        let t = Instant::now();
        let c0 = cpu_seconds();
        let mut n = 0;
        let rounds = 3;
        for _ in 0..rounds {
            n = scanner.scan_bytes("/app/src/main.py", data).len();
        }
        let wall = t.elapsed().as_secs_f64() / f64::from(rounds);
        let cpu = c0
            .zip(cpu_seconds())
            .map(|(a, b)| (b - a) / f64::from(rounds));
        let mbs = data.len() as f64 / 1e6;
        println!(
            "{name:24} {mbs:6.1} MB  {:7.0} MB/s wall  {} MB/s CPU  {n} findings",
            mbs / wall,
            cpu.map_or_else(|| "?".to_owned(), |c| format!("{:7.0}", mbs / c.max(1e-9)))
        );
    }
}
