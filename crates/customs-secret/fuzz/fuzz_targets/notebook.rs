#![no_main]
//! The notebook reader: arbitrary bytes as a `.ipynb` (JSON or not) must
//! never panic, and no finding may hold more than a quarter of its secret
//! in clear.

use std::sync::OnceLock;

use customs_secret::Scanner;
use libfuzzer_sys::fuzz_target;

fn scanner() -> &'static Scanner {
    static S: OnceLock<Scanner> = OnceLock::new();
    S.get_or_init(|| Scanner::with_defaults().expect("built-in rules compile"))
}

fuzz_target!(|data: &[u8]| {
    let findings = scanner().scan_notebook("/app/fuzz.ipynb", data);
    for f in &findings {
        assert!(f.line >= 1 && f.end_line >= f.line, "{f:?}");
        assert!(f.cell.is_none_or(|c| c >= 1), "{f:?}");
        assert!(f.cell_output.is_none_or(|c| c >= 1), "{f:?}");
        assert_eq!(f.fingerprint.len(), 64);
        let clear = f.redacted.chars().filter(|&c| c != '*').count();
        assert!(clear <= 4, "{f:?}");
    }
    // the same bytes through the file entry point
    let _ = scanner().scan_bytes("/app/fuzz.ipynb", data);
});
