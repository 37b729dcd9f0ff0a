//! Property tests: no input makes the scanner panic, and the walker stays inside its limits.

mod common;

use common::os_system_p2;
use customs_model::pickle::OPCODES;
use customs_model::{FindingKind, Limits, Verdict, scan_model, scan_pickle_with};
use proptest::prelude::*;

fn small_limits() -> Limits {
    Limits {
        max_pickle_bytes: 64 * 1024,
        max_opcodes: 500,
        max_stack_depth: 64,
        max_memo_entries: 32,
        max_const_bytes: 512,
        max_retained_bytes: 4096,
        max_retained_items: 256,
        max_in_memory_bytes: 64 * 1024,
        max_entry_bytes: 64 * 1024,
        max_json_bytes: 64 * 1024,
        max_h5_scan_bytes: 64 * 1024,
        ..Limits::default()
    }
}

/// One opcode with a well-formed argument.
fn op_strategy() -> impl Strategy<Value = Vec<u8>> {
    (0..OPCODES.len(), any::<u32>(), "[a-z]{0,6}").prop_map(|(i, n, s)| {
        let info = &OPCODES[i];
        let mut b = vec![info.code];
        use customs_model::pickle::opcodes::ArgKind::*;
        match info.arg {
            None => {}
            U1 => b.push(n as u8 % 6),
            U2 => b.extend((n as u16).to_le_bytes()),
            I4 | U4 => b.extend((n % 8).to_le_bytes()),
            U8 => b.extend(u64::from(n % 4).to_le_bytes()),
            F8 => b.extend(1.5f64.to_be_bytes()),
            DecimalShort | DecimalLong => b.extend(format!("{}\n", n % 8).as_bytes()),
            FloatNl => b.extend(b"2.5\n"),
            StringNl => b.extend(format!("'{s}'\n").as_bytes()),
            StringNlNoEscape | UnicodeNl => b.extend(format!("{s}\n").as_bytes()),
            StringNlPair => b.extend(format!("{s}\n{s}x\n").as_bytes()),
            Long1 | Counted1 => {
                b.push(s.len() as u8);
                b.extend(s.as_bytes());
            }
            Long4 | CountedI4 | CountedU4 => {
                b.extend((s.len() as u32).to_le_bytes());
                b.extend(s.as_bytes());
            }
            CountedU8 => {
                b.extend((s.len() as u64).to_le_bytes());
                b.extend(s.as_bytes());
            }
        }
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let limits = small_limits();
        let s = scan_pickle_with(&data[..], &limits);
        prop_assert!(s.opcodes <= limits.max_opcodes);
        prop_assert!(s.bytes <= data.len() as u64);
        if !s.complete {
            prop_assert_ne!(s.verdict(), Verdict::Safe);
        }
    }

    #[test]
    fn opcode_sequences_stay_within_limits(ops in proptest::collection::vec(op_strategy(), 0..400)) {
        let limits = small_limits();
        let mut data = vec![0x80, 4];
        for op in &ops {
            data.extend(op);
        }
        let s = scan_pickle_with(&data[..], &limits);
        prop_assert!(s.opcodes <= limits.max_opcodes);
        prop_assert!(s.imports.len() <= s.opcodes as usize);
        if !s.complete {
            prop_assert_ne!(s.verdict(), Verdict::Safe);
        }
    }

    #[test]
    fn every_format_survives_arbitrary_bytes(
        ext in prop::sample::select(vec!["pkl", "joblib", "pt", "bin", "npy", "npz", "keras", "h5", "safetensors", "gguf", "onnx"]),
        magic in prop::sample::select(vec![&b""[..], b"PK\x03\x04", b"\x93NUMPY\x01\x00", b"\x89HDF\r\n\x1a\n", b"\x80\x02", b"GGUF", b"\x1f\x8b", b"\x78\x9c"]),
        body in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut data = magic.to_vec();
        data.extend(&body);
        if let Some(r) = scan_model(&format!("/x/m.{ext}"), &mut &data[..], None, &small_limits()) {
            prop_assert_eq!(r.verdict == Verdict::Safe, r.findings.is_empty());
        }
    }

    #[test]
    fn hostile_pickle_found_after_any_benign_prefix(n in 0usize..50) {
        // A benign pickle repeated n times, then the hostile one: always found.
        let mut data = Vec::new();
        for _ in 0..n {
            data.extend(b"\x80\x02}q\x00(K\x01K\x02u.");
        }
        data.extend(os_system_p2());
        let s = scan_pickle_with(&data[..], &Limits::default());
        prop_assert_eq!(s.verdict(), Verdict::Dangerous);
        prop_assert_eq!(s.pickles as usize, n + 1);
    }
}

#[test]
fn byte_opcode_stack_and_memo_bounds() {
    let limits = small_limits();
    // Bytes.
    let mut big = vec![0x80, 4];
    for _ in 0..50_000 {
        big.extend(b"N0");
    }
    let s = scan_pickle_with(
        &big[..],
        &Limits {
            max_opcodes: u64::MAX,
            ..limits.clone()
        },
    );
    assert!(s.bytes <= limits.max_pickle_bytes);
    assert!(
        s.findings
            .iter()
            .any(|f| f.kind == FindingKind::LimitReached)
    );
    // Opcodes.
    let s = scan_pickle_with(&big[..1000], &limits);
    assert_eq!(s.opcodes, limits.max_opcodes);
    assert!(
        s.findings
            .iter()
            .any(|f| f.kind == FindingKind::LimitReached)
    );
    // Stack depth.
    let pushes: Vec<u8> = std::iter::repeat_n(b'N', 200).collect();
    let s = scan_pickle_with(
        &pushes[..],
        &Limits {
            max_opcodes: 10_000,
            ..limits.clone()
        },
    );
    assert!(
        s.findings
            .iter()
            .any(|f| f.kind == FindingKind::LimitReached && f.title.contains("stack"))
    );
    // Memo: past the bound, names may be unresolved, and that is reported.
    let mut memo = vec![0x80, 4];
    for i in 0..100u32 {
        memo.extend(b"N");
        memo.push(b'r');
        memo.extend(i.to_le_bytes());
        memo.push(b'0');
    }
    memo.push(b'N');
    memo.push(b'.');
    let s = scan_pickle_with(
        &memo[..],
        &Limits {
            max_opcodes: 10_000,
            ..limits.clone()
        },
    );
    assert!(s.complete);
    assert!(
        s.findings
            .iter()
            .any(|f| f.kind == FindingKind::LimitReached && f.title.contains("Memo"))
    );
    // A long string constant is skipped, not kept, and names after it still resolve.
    let mut long = vec![0x80, 4, 0x8d];
    long.extend(50_000u64.to_le_bytes());
    long.extend(std::iter::repeat_n(b'a', 50_000));
    long.extend(b"0");
    long.extend(&os_system_p2()[2..]);
    let s = scan_pickle_with(&long[..], &limits);
    assert_eq!(s.verdict(), Verdict::Dangerous, "{s:#?}");
}
