#![no_main]

use std::io::Cursor;

use customs_model::{Limits, Verdict, scan_model, scan_model_seekable};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "m.pkl", "m.joblib", "m.pt", "m.pth", "m.bin", "m.ckpt", "m.npy", "m.npz", "m.keras", "m.h5",
    "m.safetensors", "m.gguf", "m.onnx", "m.dill", "m.mar", "m.txt",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else { return };
    let path = NAMES[usize::from(sel) % NAMES.len()];
    let limits = Limits {
        max_pickle_bytes: 1 << 20,
        max_opcodes: 200_000,
        max_stack_depth: 10_000,
        max_memo_entries: 10_000,
        max_in_memory_bytes: 1 << 20,
        max_entry_bytes: 1 << 20,
        max_json_bytes: 1 << 20,
        max_h5_scan_bytes: 1 << 20,
        ..Limits::default()
    };
    let hint = if sel & 0x80 != 0 { Some(body.len() as u64) } else { None };
    let a = scan_model(path, &mut &body[..], hint, &limits);
    let b = scan_model_seekable(path, &mut Cursor::new(body), &limits);
    assert_eq!(a.is_some(), b.is_some());
    for r in [a, b].into_iter().flatten() {
        assert_eq!(r.verdict == Verdict::Safe, r.findings.is_empty());
    }
});
