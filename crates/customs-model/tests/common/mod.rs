//! Test helpers: a raw pickle opcode writer, zip and container builders, and the generated
//! corpus shared by the corpus test and the `pickletools` cross-check.

#![allow(dead_code)]

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

/// Writes pickle opcodes by hand.
#[derive(Default, Clone)]
pub struct P {
    pub b: Vec<u8>,
}

impl P {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn proto(mut self, n: u8) -> Self {
        self.b.extend([0x80, n]);
        self
    }
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.b.extend_from_slice(bytes);
        self
    }
    pub fn op(self, code: u8) -> Self {
        self.raw(&[code])
    }
    /// GLOBAL 'module name'
    pub fn global(self, m: &str, n: &str) -> Self {
        self.raw(format!("c{m}\n{n}\n").as_bytes())
    }
    /// INST 'module name' (after a MARK and the args)
    pub fn inst(self, m: &str, n: &str) -> Self {
        self.raw(format!("i{m}\n{n}\n").as_bytes())
    }
    /// BINUNICODE
    pub fn str4(mut self, s: &str) -> Self {
        self.b.push(b'X');
        self.b.extend((s.len() as u32).to_le_bytes());
        self.b.extend(s.as_bytes());
        self
    }
    /// SHORT_BINUNICODE
    pub fn sstr(mut self, s: &str) -> Self {
        self.b.extend([0x8c, s.len() as u8]);
        self.b.extend(s.as_bytes());
        self
    }
    /// BINUNICODE8
    pub fn str8(mut self, s: &str) -> Self {
        self.b.push(0x8d);
        self.b.extend((s.len() as u64).to_le_bytes());
        self.b.extend(s.as_bytes());
        self
    }
    /// STRING (protocol 0), `lit` is the quoted literal as written
    pub fn string0(self, lit: &str) -> Self {
        self.raw(format!("S{lit}\n").as_bytes())
    }
    /// UNICODE (protocol 0), raw-unicode-escape text
    pub fn unicode0(self, s: &str) -> Self {
        self.raw(format!("V{s}\n").as_bytes())
    }
    /// SHORT_BINSTRING
    pub fn sbinstr(mut self, s: &str) -> Self {
        self.b.extend([b'U', s.len() as u8]);
        self.b.extend(s.as_bytes());
        self
    }
    /// SHORT_BINBYTES
    pub fn sbytes(mut self, d: &[u8]) -> Self {
        self.b.extend([b'C', d.len() as u8]);
        self.b.extend(d);
        self
    }
    /// BINBYTES
    pub fn bytes4(mut self, d: &[u8]) -> Self {
        self.b.push(b'B');
        self.b.extend((d.len() as u32).to_le_bytes());
        self.b.extend(d);
        self
    }
    /// BYTEARRAY8
    pub fn bytearray8(mut self, d: &[u8]) -> Self {
        self.b.push(0x96);
        self.b.extend((d.len() as u64).to_le_bytes());
        self.b.extend(d);
        self
    }
    /// Smallest integer opcode for `i`.
    pub fn int(mut self, i: i64) -> Self {
        if (0..256).contains(&i) {
            self.b.extend([b'K', i as u8]);
        } else if (0..65536).contains(&i) {
            self.b.push(b'M');
            self.b.extend((i as u16).to_le_bytes());
        } else {
            self.b.push(b'J');
            self.b.extend((i as i32).to_le_bytes());
        }
        self
    }
    pub fn int0(self, i: i64) -> Self {
        self.raw(format!("I{i}\n").as_bytes())
    }
    pub fn long0(self, i: i64) -> Self {
        self.raw(format!("L{i}L\n").as_bytes())
    }
    pub fn long1(mut self, bytes: &[u8]) -> Self {
        self.b.extend([0x8a, bytes.len() as u8]);
        self.b.extend(bytes);
        self
    }
    pub fn float0(self, f: &str) -> Self {
        self.raw(format!("F{f}\n").as_bytes())
    }
    pub fn binfloat(mut self, f: f64) -> Self {
        self.b.push(b'G');
        self.b.extend(f.to_be_bytes());
        self
    }
    pub fn put(self, n: u32) -> Self {
        self.raw(format!("p{n}\n").as_bytes())
    }
    pub fn get(self, n: u32) -> Self {
        self.raw(format!("g{n}\n").as_bytes())
    }
    pub fn binput(self, n: u8) -> Self {
        self.raw(&[b'q', n])
    }
    pub fn binget(self, n: u8) -> Self {
        self.raw(&[b'h', n])
    }
    pub fn long_binput(mut self, n: u32) -> Self {
        self.b.push(b'r');
        self.b.extend(n.to_le_bytes());
        self
    }
    pub fn long_binget(mut self, n: u32) -> Self {
        self.b.push(b'j');
        self.b.extend(n.to_le_bytes());
        self
    }
    pub fn memoize(self) -> Self {
        self.op(0x94)
    }
    pub fn mark(self) -> Self {
        self.op(b'(')
    }
    pub fn tuple(self) -> Self {
        self.op(b't')
    }
    pub fn tuple1(self) -> Self {
        self.op(0x85)
    }
    pub fn tuple2(self) -> Self {
        self.op(0x86)
    }
    pub fn tuple3(self) -> Self {
        self.op(0x87)
    }
    pub fn empty_tuple(self) -> Self {
        self.op(b')')
    }
    pub fn empty_dict(self) -> Self {
        self.op(b'}')
    }
    pub fn empty_list(self) -> Self {
        self.op(b']')
    }
    pub fn reduce(self) -> Self {
        self.op(b'R')
    }
    pub fn build(self) -> Self {
        self.op(b'b')
    }
    pub fn newobj(self) -> Self {
        self.op(0x81)
    }
    pub fn stack_global(self) -> Self {
        self.op(0x93)
    }
    pub fn setitems(self) -> Self {
        self.op(b'u')
    }
    pub fn setitem(self) -> Self {
        self.op(b's')
    }
    pub fn appends(self) -> Self {
        self.op(b'e')
    }
    pub fn pop(self) -> Self {
        self.op(b'0')
    }
    pub fn stop(self) -> Self {
        self.op(b'.')
    }
    /// FRAME around the rest: call last with the body already written after the PROTO.
    pub fn framed(proto: u8, body: P) -> P {
        let mut p = P::new().proto(proto);
        p.b.push(0x95);
        p.b.extend((body.b.len() as u64).to_le_bytes());
        p.b.extend(body.b);
        p
    }
    pub fn bytes(&self) -> Vec<u8> {
        self.b.clone()
    }
}

/// `os.system('echo pwned')` in protocol 2.
pub fn os_system_p2() -> Vec<u8> {
    P::new()
        .proto(2)
        .global("os", "system")
        .binput(0)
        .str4("echo pwned")
        .binput(1)
        .tuple1()
        .binput(2)
        .reduce()
        .binput(3)
        .stop()
        .bytes()
}

/// What a corpus item should produce.
#[derive(Debug, Clone)]
pub enum Expect {
    /// CRITICAL finding naming this callable.
    Critical(&'static str),
    /// Not dangerous, no findings at all.
    Safe,
}

/// Hostile and benign raw pickles over protocols 0–5.
#[allow(clippy::vec_init_then_push)]
pub fn pickle_corpus() -> Vec<(&'static str, Vec<u8>, Expect)> {
    let mut v: Vec<(&'static str, Vec<u8>, Expect)> = Vec::new();

    // --- hostile -------------------------------------------------------------------------
    v.push((
        "p0_global_os_system",
        P::new()
            .global("os", "system")
            .put(0)
            .mark()
            .string0("'echo pwned'")
            .tuple()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("os.system"),
    ));
    v.push((
        "p1_posix_system",
        P::new()
            .global("posix", "system")
            .binput(0)
            .mark()
            .str4("id")
            .tuple()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("posix.system"),
    ));
    v.push((
        "p2_builtin_eval",
        P::new()
            .proto(2)
            .global("__builtin__", "eval")
            .binput(0)
            .str4("__import__('os').system('id')")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("__builtin__.eval"),
    ));
    v.push((
        "p3_builtins_eval",
        P::new()
            .proto(3)
            .global("builtins", "eval")
            .str4("1+1")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("builtins.eval"),
    ));
    v.push((
        "p3_subprocess_popen",
        P::new()
            .proto(3)
            .global("subprocess", "Popen")
            .binput(0)
            .empty_list()
            .mark()
            .str4("/bin/sh")
            .str4("-c")
            .str4("id")
            .appends()
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("subprocess.Popen"),
    ));
    v.push((
        "p4_runpy_run_code_stack_global_framed",
        P::framed(
            4,
            P::new()
                .sstr("runpy")
                .memoize()
                .sstr("_run_code")
                .memoize()
                .stack_global()
                .memoize()
                .sstr("import os")
                .memoize()
                .empty_dict()
                .tuple2()
                .reduce()
                .stop(),
        )
        .bytes(),
        Expect::Critical("runpy._run_code"),
    ));
    v.push((
        "p5_builtins_exec_bytearray",
        P::framed(
            5,
            P::new()
                .bytearray8(b"padding")
                .pop()
                .str8("builtins")
                .memoize()
                .str8("exec")
                .memoize()
                .stack_global()
                .sstr("print(1)")
                .tuple1()
                .reduce()
                .stop(),
        )
        .bytes(),
        Expect::Critical("builtins.exec"),
    ));
    v.push((
        "p0_inst_os_system",
        P::new()
            .mark()
            .string0("'id'")
            .inst("os", "system")
            .stop()
            .bytes(),
        Expect::Critical("os.system"),
    ));
    v.push((
        "p1_obj_subprocess_check_output",
        P::new()
            .mark()
            .global("subprocess", "check_output")
            .str4("id")
            .op(b'o')
            .stop()
            .bytes(),
        Expect::Critical("subprocess.check_output"),
    ));
    // STACK_GLOBAL through the memo: names memoized, the stack cleared, fetched with BINGET.
    v.push((
        "p4_memo_stack_global_binget",
        P::new()
            .proto(4)
            .sstr("os")
            .binput(7)
            .pop()
            .sstr("system")
            .binput(9)
            .pop()
            .sstr("decoy")
            .binput(8)
            .pop()
            .binget(7)
            .binget(9)
            .stack_global()
            .sstr("id")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("os.system"),
    ));
    // MEMOIZE indexes by len(memo), not by the highest key: PUT 5 first shifts nothing.
    v.push((
        "p4_memoize_len_trick",
        P::new()
            .proto(4)
            .sstr("decoy")
            .binput(5)
            .pop()
            .sstr("os")
            .memoize()
            .pop()
            .sstr("system")
            .memoize()
            .pop()
            .binget(1)
            .binget(2)
            .stack_global()
            .sstr("id")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("os.system"),
    ));
    v.push((
        "p4_long_binput_binget",
        P::new()
            .proto(4)
            .sstr("subprocess")
            .long_binput(70000)
            .pop()
            .sstr("getoutput")
            .long_binput(3)
            .pop()
            .long_binget(70000)
            .long_binget(3)
            .stack_global()
            .sstr("id")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("subprocess.getoutput"),
    ));
    v.push((
        "p0_escaped_string_stack_global",
        P::new()
            .string0("'o\\x73'")
            .put(1)
            .string0("\"sys\\164em\"")
            .put(2)
            .stack_global()
            .mark()
            .string0("'id'")
            .tuple()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("os.system"),
    ));
    v.push((
        "p0_unicode_escape_stack_global",
        P::new()
            .unicode0("o\\u0073")
            .unicode0("\\u0073ystem")
            .stack_global()
            .mark()
            .unicode0("id")
            .tuple()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("os.system"),
    ));
    v.push((
        "p2_getattr_chain",
        P::new()
            .proto(2)
            .global("__builtin__", "getattr")
            .global("__builtin__", "__import__")
            .sbinstr("os")
            .tuple1()
            .reduce()
            .sbinstr("system")
            .tuple2()
            .reduce()
            .sbinstr("id")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("__builtin__.getattr"),
    ));
    v.push((
        "p4_dotted_name_traversal",
        P::new()
            .proto(4)
            .sstr("torch")
            .sstr("serialization.os.system")
            .stack_global()
            .sstr("id")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("torch.serialization.os.system"),
    ));
    v.push((
        "p4_newobj_ex_popen",
        P::new()
            .proto(4)
            .sstr("subprocess")
            .sstr("Popen")
            .stack_global()
            .sstr("id")
            .tuple1()
            .empty_dict()
            .op(0x92)
            .stop()
            .bytes(),
        Expect::Critical("subprocess.Popen"),
    ));
    v.push((
        "p2_operator_attrgetter",
        P::new()
            .proto(2)
            .global("operator", "attrgetter")
            .sbinstr("system")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("operator.attrgetter"),
    ));
    v.push((
        "p2_functools_partial",
        P::new()
            .proto(2)
            .global("functools", "partial")
            .global("collections", "OrderedDict")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("functools.partial"),
    ));
    v.push((
        "p3_socket_shutil_importlib",
        P::new()
            .proto(3)
            .global("shutil", "rmtree")
            .str4("/")
            .tuple1()
            .reduce()
            .pop()
            .global("importlib", "import_module")
            .str4("os")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("shutil.rmtree"),
    ));
    v.push((
        "p3_webbrowser_open",
        P::new()
            .proto(3)
            .global("webbrowser", "open")
            .str4("http://example.invalid")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("webbrowser.open"),
    ));
    // A benign pickle followed by a malicious one in the same file.
    let mut two = P::new().proto(2).empty_dict().stop().bytes();
    two.extend(os_system_p2());
    v.push((
        "p2_concatenated_second_is_hostile",
        two,
        Expect::Critical("os.system"),
    ));
    // pickle.loads(b'<hostile pickle>') — the outer import is critical, and so is the inner.
    v.push((
        "p3_nested_pickle_loads",
        P::new()
            .proto(3)
            .global("pickle", "loads")
            .bytes4(&os_system_p2())
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
        Expect::Critical("pickle.loads"),
    ));

    // --- benign --------------------------------------------------------------------------
    v.push((
        "p2_vocab_dict",
        b"\x80\x02}q\x00(X\x03\x00\x00\x00<s>q\x01K\x00X\x04\x00\x00\x00</s>q\x02K\x01u.".to_vec(),
        Expect::Safe,
    ));
    v.push((
        "p0_list_of_scalars",
        P::new()
            .op(b'(')
            .op(b'l')
            .put(0)
            .int0(1)
            .op(b'a')
            .long0(12345678901234)
            .op(b'a')
            .float0("2.5")
            .op(b'a')
            .string0("'text'")
            .op(b'a')
            .op(b'N')
            .op(b'a')
            .int0(0)
            .op(b'a')
            .stop()
            .bytes(),
        Expect::Safe,
    ));
    v.push((
        "p2_ordered_dict",
        P::new()
            .proto(2)
            .global("collections", "OrderedDict")
            .binput(0)
            .empty_tuple()
            .reduce()
            .binput(1)
            .mark()
            .sbinstr("a")
            .int(1)
            .sbinstr("b")
            .binfloat(0.5)
            .setitems()
            .long1(&[0x00, 0x01])
            .pop()
            .op(0x88)
            .pop()
            .op(0x89)
            .pop()
            .stop()
            .bytes(),
        Expect::Safe,
    ));
    v.push(("p2_state_dict", state_dict_pickle(), Expect::Safe));
    v.push((
        "p2_numpy_reconstruct",
        numpy_array_pickle(b"x".repeat(16).as_slice()),
        Expect::Safe,
    ));
    v.push((
        "p4_set_frozenset_bytes",
        P::framed(
            4,
            P::new()
                .op(0x8f)
                .memoize()
                .mark()
                .int(1)
                .int(2)
                .op(0x90)
                .mark()
                .int(3)
                .op(0x91)
                .tuple2()
                .sbytes(b"\x00\x01")
                .pop()
                .stop(),
        )
        .bytes(),
        Expect::Safe,
    ));
    v
}

/// The data pickle of a state dict: OrderedDict of `_rebuild_tensor_v2` tensors with
/// `FloatStorage` persistent ids, like `torch.save(model.state_dict())`.
pub fn state_dict_pickle() -> Vec<u8> {
    let mut p = P::new()
        .proto(2)
        .global("collections", "OrderedDict")
        .binput(0)
        .empty_tuple()
        .reduce()
        .binput(1)
        .mark();
    let mut memo = 2u8;
    for (k, (name, numel)) in [("fc.weight", 6i64), ("fc.bias", 2)].iter().enumerate() {
        p = p.sbinstr(name).binput(memo);
        memo += 1;
        p = p
            .global("torch._utils", "_rebuild_tensor_v2")
            .binput(memo)
            .mark()
            .mark()
            .sbinstr("storage")
            .global("torch", "FloatStorage")
            .sbinstr(&k.to_string())
            .sbinstr("cpu")
            .int(*numel)
            .tuple()
            .op(b'Q')
            .int(0)
            .int(*numel)
            .tuple1()
            .int(1)
            .tuple1()
            .op(0x89)
            .global("collections", "OrderedDict")
            .empty_tuple()
            .reduce()
            .tuple()
            .reduce();
        memo += 1;
    }
    p.setitems()
        .empty_dict()
        .sbinstr("_metadata")
        .global("collections", "OrderedDict")
        .empty_tuple()
        .reduce()
        .setitem()
        .build()
        .stop()
        .bytes()
}

/// A protocol-2 numpy array pickle (`_reconstruct` + `ndarray` + `dtype` + `_codecs.encode`).
pub fn numpy_array_pickle(data: &[u8]) -> Vec<u8> {
    let latin1: String = data.iter().map(|&b| char::from(b)).collect();
    P::new()
        .proto(2)
        .global("numpy.core.multiarray", "_reconstruct")
        .binput(0)
        .global("numpy", "ndarray")
        .binput(1)
        .int(0)
        .tuple1()
        .sbytes_p2("b")
        .tuple3()
        .reduce()
        .binput(2)
        .mark()
        .int(1)
        .int((data.len() / 8) as i64)
        .tuple1()
        .global("numpy", "dtype")
        .sbinstr("f8")
        .op(0x89)
        .op(0x88)
        .tuple3()
        .reduce()
        .mark()
        .int(3)
        .sbinstr("<")
        .op(b'N')
        .op(b'N')
        .op(b'N')
        .int(-1)
        .int(-1)
        .int(0)
        .tuple()
        .build()
        .op(0x89)
        .global("_codecs", "encode")
        .str4(&latin1)
        .sbinstr("latin1")
        .tuple2()
        .reduce()
        .tuple()
        .build()
        .stop()
        .bytes()
}

impl P {
    /// Protocol-2 bytes: `_codecs.encode(u'…', 'latin1')`.
    pub fn sbytes_p2(self, s: &str) -> Self {
        self.global("_codecs", "encode")
            .str4(s)
            .sbinstr("latin1")
            .tuple2()
            .reduce()
    }
}

/// Builds a zip with stored entries.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("start_file");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

/// A deflated zip.
pub fn zip_deflated(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("start_file");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

/// A `torch.save` zip around a data pickle.
pub fn torch_zip(data_pkl: &[u8]) -> Vec<u8> {
    zip_of(&[
        ("archive/data.pkl", data_pkl),
        ("archive/byteorder", b"little"),
        ("archive/data/0", &[0u8; 24]),
        ("archive/data/1", &[0u8; 8]),
        ("archive/version", b"3\n"),
    ])
}

/// A `.npy` v1 file with the given header dict literal and body.
pub fn npy(header: &str, body: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    let total = 10 + h.len() + 1;
    let pad = (64 - total % 64) % 64;
    h.extend(std::iter::repeat_n(b' ', pad));
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((h.len() as u16).to_le_bytes());
    out.extend(h);
    out.extend(body);
    out
}

/// The legacy (pre-zip) `torch.save` layout: magic, protocol, sys info, data, storage keys,
/// then raw storage bytes.
pub fn torch_legacy(data_pkl: &[u8]) -> Vec<u8> {
    let mut out = P::new()
        .proto(2)
        .long1(&[0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19])
        .stop()
        .bytes();
    out.extend(P::new().proto(2).int(1001).stop().bytes());
    out.extend(
        P::new()
            .proto(2)
            .empty_dict()
            .mark()
            .sbinstr("protocol_version")
            .int(1001)
            .sbinstr("little_endian")
            .op(0x88)
            .setitems()
            .stop()
            .bytes(),
    );
    out.extend(data_pkl);
    out.extend(
        P::new()
            .proto(2)
            .mark()
            .sbinstr("0")
            .sbinstr("1")
            .op(b'l')
            .stop()
            .bytes(),
    );
    // Raw storages: an 8-byte element count and the data, which is not a pickle.
    out.extend(6u64.to_le_bytes());
    out.extend([0x93u8; 24]);
    out.extend(2u64.to_le_bytes());
    out.extend([0xffu8; 8]);
    out
}

/// A joblib-style stream: a list holding one float64 array (raw bytes interleaved after the
/// `NumpyArrayWrapper` BUILD), then `tail` opcodes appended to the list before STOP.
pub fn joblib_stream(tail: P) -> Vec<u8> {
    // padding length byte, padding, then 3 * 8 bytes of float data that are not opcodes.
    let mut region = vec![3u8, 0xff, 0xff, 0xff];
    region.extend([0x93u8, 0x52, 0x2e, 0x63, 0x0a, 0x00, 0x00, 0xf0].repeat(3));
    joblib_stream_with_region(&region, tail)
}

/// Like [`joblib_stream`], with the bytes after the wrapper's BUILD given: they must be a
/// padding-length byte, that much padding, and 24 bytes of array data.
pub fn joblib_stream_with_region(region: &[u8], tail: P) -> Vec<u8> {
    let head = P::new()
        .proto(4)
        .empty_list()
        .memoize()
        .sstr("joblib.numpy_pickle")
        .sstr("NumpyArrayWrapper")
        .stack_global()
        .memoize()
        .empty_tuple()
        .newobj()
        .memoize()
        .empty_dict()
        .memoize()
        .mark()
        .sstr("subclass")
        .sstr("numpy")
        .sstr("ndarray")
        .stack_global()
        .sstr("shape")
        .int(3)
        .tuple1()
        .sstr("order")
        .sstr("C")
        .sstr("dtype")
        .sstr("numpy")
        .sstr("dtype")
        .stack_global()
        .sstr("f8")
        .op(0x89)
        .op(0x88)
        .tuple3()
        .reduce()
        .mark()
        .int(3)
        .sstr("<")
        .op(b'N')
        .op(b'N')
        .op(b'N')
        .int(-1)
        .int(-1)
        .int(0)
        .tuple()
        .build()
        .sstr("allow_mmap")
        .op(0x88)
        .sstr("numpy_array_alignment_bytes")
        .int(16)
        .setitems()
        .build();
    let mut out = head.bytes();
    out.extend(region);
    out.extend(P::new().op(b'a').raw(&tail.b).stop().bytes());
    out
}

/// A Keras 2 style model config with a Lambda layer.
pub const KERAS_LAMBDA_CONFIG: &str = r#"{"class_name": "Sequential", "config": {"name": "sequential", "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": "float32", "name": "input_1"}}, {"class_name": "Lambda", "config": {"name": "evil_lambda", "trainable": true, "dtype": "float32", "function": ["4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMMAAAAdABkAYMBAQB8AFMAKQJOegJpZCkB2gVwcmludCkB2gF4qQByAwAAAPoIPHN0ZGluPtoIPGxhbWJkYT4BAAAA8wAAAAA=", null, null], "function_type": "lambda", "module": "__main__", "output_shape": null, "output_shape_type": "raw", "output_shape_module": null, "arguments": {}}}, {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "linear"}}]}, "keras_version": "2.15.0", "backend": "tensorflow"}"#;

/// A benign Keras 2 style config.
pub const KERAS_DENSE_CONFIG: &str = r#"{"class_name": "Sequential", "config": {"name": "sequential", "layers": [{"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "relu"}}]}, "keras_version": "2.15.0", "backend": "tensorflow"}"#;

/// Bytes that look like an HDF5 file holding a Keras `model_config` attribute.
pub fn h5_like(config: &str) -> Vec<u8> {
    let mut out = b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00".to_vec();
    out.extend((0..2000u32).map(|i| (i * 7 % 251) as u8));
    out.extend(b"model_config\x00\x00\x00\x13\x00\x00\x00\x01\x00\x00\x00GCOL\x01\x00\x00\x00");
    out.extend(config.as_bytes());
    out.extend([0u8; 7]);
    out.extend(b"training_config{\"loss\": \"mse\"}{not json");
    out.extend((0..3000u32).map(|i| (i * 13 % 256) as u8));
    out
}
