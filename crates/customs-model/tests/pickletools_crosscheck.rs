//! Differential test: the opcode reader must see the same opcodes, at the same offsets, with
//! the same integer and name arguments, as Python's `pickletools.genops` on the generated
//! corpus. Skipped (with a message) only when no `python3` is available.

mod common;

use std::process::Command;

use common::*;
use customs_model::pickle::{Arg, disassemble};

const SCRIPT: &str = r#"
import io, json, pickletools, sys
out = {}
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    f = io.BytesIO(data)
    ops = []
    err = None
    try:
        while f.tell() < len(data):
            for op, arg, pos in pickletools.genops(f):
                if isinstance(arg, bool) or not isinstance(arg, (int, str)):
                    arg = None
                ops.append([pos, op.name, arg])
    except Exception as e:
        err = repr(e)
    out[path] = {"ops": ops, "error": err}
json.dump(out, sys.stdout)
"#;

fn python3() -> Option<String> {
    for exe in ["python3", "/usr/bin/python3"] {
        if Command::new(exe)
            .args(["-c", "import pickletools"])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(exe.to_string());
        }
    }
    None
}

/// A pickle stream that uses every opcode `genops` can read (semantics do not matter here).
fn kitchen_sink() -> Vec<u8> {
    let mut p = P::new()
        .proto(2)
        .op(b'N')
        .op(0x88)
        .op(0x89)
        .int0(7)
        .raw(b"I01\n")
        .long0(-3)
        .long1(&[0xff, 0x7f])
        .raw(b"\x8b\x03\x00\x00\x00\x01\x02\x03")
        .float0("1.25")
        .binfloat(-0.5)
        .string0("'s\\n'")
        .raw(b"T\x02\x00\x00\x00ab")
        .sbinstr("c")
        .unicode0("u\\u00e9")
        .str4("x")
        .sstr("y")
        .str8("z")
        .bytes4(b"b4")
        .sbytes(b"b1")
        .raw(b"\x8e\x01\x00\x00\x00\x00\x00\x00\x00q")
        .bytearray8(b"ba")
        .op(0x97)
        .op(0x98)
        .mark()
        .op(b'l')
        .mark()
        .op(b'd')
        .empty_list()
        .empty_dict()
        .empty_tuple()
        .op(0x8f)
        .mark()
        .op(0x90)
        .mark()
        .op(0x91)
        .mark()
        .tuple()
        .tuple1()
        .tuple2()
        .tuple3()
        .op(b'2')
        .op(b'0')
        .mark()
        .op(b'1')
        .put(3)
        .get(3)
        .binput(4)
        .binget(4)
        .long_binput(300)
        .long_binget(300)
        .memoize()
        .raw(b"\x82\x01\x83\x01\x02\x84\x01\x02\x03\x04")
        .global("collections", "OrderedDict")
        .sstr("m")
        .sstr("n")
        .stack_global()
        .mark()
        .inst("collections", "OrderedDict")
        .mark()
        .op(b'o')
        .reduce()
        .build()
        .newobj()
        .op(0x92)
        .raw(b"Ppid\n")
        .op(b'Q')
        .op(b'a')
        .appends()
        .setitem()
        .setitems()
        .stop()
        .bytes();
    // And a framed protocol-4 pickle after it.
    p.extend(P::framed(4, P::new().sstr("a").memoize().empty_list().stop()).bytes());
    p
}

#[test]
fn opcodes_match_pickletools_genops() {
    let Some(py) = python3() else {
        eprintln!(
            "SKIPPED opcodes_match_pickletools_genops: python3 with pickletools not found on PATH"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut corpus: Vec<(String, Vec<u8>)> = pickle_corpus()
        .into_iter()
        .map(|(n, b, _)| (n.to_string(), b))
        .collect();
    corpus.push(("kitchen_sink".into(), kitchen_sink()));
    corpus.push(("state_dict".into(), state_dict_pickle()));
    corpus.push(("numpy_array".into(), numpy_array_pickle(&[1u8; 24])));
    corpus.push(("os_system_p2".into(), os_system_p2()));
    for (name, bytes) in &corpus {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        files.push(path);
    }
    let out = Command::new(&py)
        .arg("-c")
        .arg(SCRIPT)
        .args(&files)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut compared = 0;
    for ((name, bytes), path) in corpus.iter().zip(&files) {
        let py = &results[path.to_str().unwrap()];
        assert!(
            py["error"].is_null(),
            "{name}: pickletools failed: {}",
            py["error"]
        );
        let py_ops = py["ops"].as_array().unwrap();
        let (ops, err) = disassemble(&bytes[..], u64::MAX);
        assert!(err.is_none(), "{name}: {err:?}");
        assert_eq!(ops.len(), py_ops.len(), "{name}: opcode count differs");
        for (op, p) in ops.iter().zip(py_ops) {
            let ctx = format!("{name} at {}", op.pos);
            assert_eq!(op.pos, p[0].as_u64().unwrap(), "{ctx}: position");
            assert_eq!(op.op.name(), p[1].as_str().unwrap(), "{ctx}: opcode");
            match (&op.arg, &p[2]) {
                (Arg::Int(i), serde_json::Value::Number(n)) => {
                    assert_eq!(Some(*i), n.as_i64(), "{ctx}: arg")
                }
                (Arg::U64(i), serde_json::Value::Number(n)) => {
                    assert_eq!(Some(*i), n.as_u64(), "{ctx}: arg")
                }
                (Arg::Pair(m, n), serde_json::Value::String(s)) => assert_eq!(
                    format!(
                        "{} {}",
                        String::from_utf8_lossy(&m.bytes),
                        String::from_utf8_lossy(&n.bytes)
                    ),
                    *s,
                    "{ctx}: arg"
                ),
                (Arg::Data(d), serde_json::Value::String(s))
                    if op.op.name().contains("UNICODE") =>
                {
                    assert_eq!(String::from_utf8_lossy(&d.bytes), *s, "{ctx}: arg")
                }
                _ => {}
            }
            compared += 1;
        }
    }
    assert!(compared > 300, "compared only {compared} opcodes");
    eprintln!(
        "compared {compared} opcodes in {} streams with pickletools.genops",
        corpus.len()
    );
}
