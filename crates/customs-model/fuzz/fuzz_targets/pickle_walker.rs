#![no_main]

use customs_model::pickle::disassemble;
use customs_model::{Limits, Verdict, scan_pickle_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_pickle_bytes: 1 << 20,
        max_opcodes: 200_000,
        max_stack_depth: 10_000,
        max_memo_entries: 10_000,
        max_const_bytes: 4096,
        max_retained_bytes: 1 << 16,
        max_retained_items: 10_000,
        ..Limits::default()
    };
    let scan = scan_pickle_with(data, &limits);
    assert!(scan.opcodes <= limits.max_opcodes + 1);
    assert!(scan.bytes <= data.len() as u64);
    assert_eq!(scan.verdict() == Verdict::Safe, scan.findings.is_empty());
    if !scan.complete {
        assert_ne!(scan.verdict(), Verdict::Safe, "an incomplete walk must never be safe");
    }
    let (ops, _) = disassemble(data, 1 << 20);
    for w in ops.windows(2) {
        assert!(w[0].pos < w[1].pos);
    }
});
