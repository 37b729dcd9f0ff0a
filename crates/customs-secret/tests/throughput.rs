//! Correctness on a large input (no timing asserts; see `examples/bench.rs`
//! for MB/s).

mod common;

use common::{ids, scanner};

#[test]
fn large_file_finds_planted_token_at_the_right_line() {
    let s = scanner();
    let filler = "the quick brown fox jumps over the lazy dog 0123 return value;\n";
    let lines = 60_000; // ~3.8 MB
    let mut text = String::with_capacity(filler.len() * lines + 100);
    for i in 0..lines {
        if i == 41_234 {
            text.push_str(concat!(
                "    gh = \"ghp_",
                "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6\"\n"
            ));
        } else {
            text.push_str(filler);
        }
    }
    let f = s.scan_bytes("/app/big.py", text.as_bytes());
    assert_eq!(ids(&f), ["github-pat"]);
    assert_eq!((f[0].line, f[0].column), (41_235, Some(11)));
    // no keyword at all: no finding
    assert!(
        s.scan_bytes("/app/big.txt", filler.repeat(lines).as_bytes())
            .is_empty()
    );
}

#[test]
fn many_findings_are_capped() {
    let cfg = customs_secret::SecretConfig {
        max_findings_per_file: 10,
        ..Default::default()
    };
    let s = customs_secret::Scanner::new(cfg).unwrap();
    let line = concat!("t = \"ghp_", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6\"\n");
    assert_eq!(
        s.scan_bytes("/app/many.py", line.repeat(500).as_bytes())
            .len(),
        10
    );
}
