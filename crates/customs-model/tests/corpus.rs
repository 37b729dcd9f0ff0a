//! The generated corpus: hostile pickles must be flagged CRITICAL with the right callable,
//! benign ones must be safe, in every container format.

mod common;

use std::io::{Cursor, Write};

use common::*;
use customs_model::{
    FindingKind, Limits, ModelFormat, ModelReport, Severity, Verdict, is_candidate, scan_model,
    scan_model_seekable, scan_pickle,
};

fn scan(path: &str, data: &[u8]) -> Option<ModelReport> {
    scan_model(
        path,
        &mut &data[..],
        Some(data.len() as u64),
        &Limits::default(),
    )
}

fn must_scan(path: &str, data: &[u8]) -> ModelReport {
    scan(path, data).unwrap_or_else(|| panic!("{path} was not recognised as a model"))
}

fn critical_callables(r: &ModelReport) -> Vec<(String, Option<String>)> {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .map(|f| (f.callable.clone().unwrap_or_default(), f.inner_path.clone()))
        .collect()
}

fn assert_critical(r: &ModelReport, callable: &str, inner: Option<&str>) {
    assert_eq!(r.verdict, Verdict::Dangerous, "{r:#?}");
    let found = critical_callables(r);
    assert!(
        found
            .iter()
            .any(|(c, i)| c == callable && i.as_deref() == inner),
        "expected CRITICAL {callable} at {inner:?}, got {found:?}\n{r:#?}"
    );
}

fn assert_safe(r: &ModelReport) {
    assert_eq!(r.verdict, Verdict::Safe, "{r:#?}");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn raw_pickle_corpus() {
    for (name, bytes, expect) in pickle_corpus() {
        let s = scan_pickle(&bytes[..]);
        match expect {
            Expect::Critical(callable) => {
                assert_eq!(s.verdict(), Verdict::Dangerous, "{name}: {s:#?}");
                assert!(
                    s.findings.iter().any(|f| f.severity == Severity::Critical
                        && f.callable.as_deref() == Some(callable)),
                    "{name}: expected {callable}: {:#?}",
                    s.findings
                );
            }
            Expect::Safe => {
                assert!(s.complete, "{name}: {s:#?}");
                assert!(s.findings.is_empty(), "{name}: {:#?}", s.findings);
                assert_eq!(s.verdict(), Verdict::Safe, "{name}");
            }
        }
        // The same bytes as a .pkl file.
        let r = must_scan(&format!("/models/{name}.pkl"), &bytes);
        assert_eq!(r.verdict, s.verdict(), "{name}");
    }
}

#[test]
fn ml_app_fixtures() {
    let model = b"\x80\x02cos\nsystem\nq\x00X\x2f\x00\x00\x00echo FAKE-PAYLOAD scanner-fixture model.pkl ranq\x01\x85q\x02Rq\x03.";
    let r = must_scan("/app/models/model.pkl", model);
    assert_eq!(r.format, ModelFormat::Pickle);
    assert_critical(&r, "os.system", None);
    assert_eq!(r.findings[0].severity, Severity::Critical);
    assert_eq!(r.findings[0].kind, FindingKind::DangerousImport);
    assert!(
        r.findings[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("echo FAKE-PAYLOAD")
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["verdict"], "dangerous");
    assert_eq!(json["findings"][0]["severity"], "CRITICAL");
    assert_eq!(json["findings"][0]["callable"], "os.system");
    assert_eq!(json["findings"][0]["kind"], "model-dangerous-import");

    let vocab = b"\x80\x02}q\x00(X\x03\x00\x00\x00<s>q\x01K\x00X\x04\x00\x00\x00</s>q\x02K\x01u.";
    let r = must_scan("/app/models/vocab.pkl", vocab);
    assert_safe(&r);
}

#[test]
fn memo_hidden_names_are_resolved() {
    let s = scan_pickle(
        &pickle_corpus()
            .into_iter()
            .find(|(n, ..)| *n == "p4_memo_stack_global_binget")
            .unwrap()
            .1[..],
    );
    let imp = &s.imports[0];
    assert_eq!(
        (imp.module.as_str(), imp.name.as_str(), imp.opcode),
        ("os", "system", "STACK_GLOBAL")
    );
    assert_eq!(imp.calls, 1);
}

#[test]
fn calls_are_attributed_to_the_callable() {
    let s = scan_pickle(
        &pickle_corpus()
            .into_iter()
            .find(|(n, ..)| *n == "p0_inst_os_system")
            .unwrap()
            .1[..],
    );
    assert_eq!(s.imports[0].opcode, "INST");
    assert_eq!(s.imports[0].calls, 1);
    let s = scan_pickle(
        &pickle_corpus()
            .into_iter()
            .find(|(n, ..)| *n == "p1_obj_subprocess_check_output")
            .unwrap()
            .1[..],
    );
    assert_eq!(s.imports[0].calls, 1);
    assert!(s.findings[0].detail.as_deref().unwrap().contains("OBJ"));
    // getattr(__import__('os'), 'system')('id'): the final call is through a computed callable.
    let s = scan_pickle(
        &pickle_corpus()
            .into_iter()
            .find(|(n, ..)| *n == "p2_getattr_chain")
            .unwrap()
            .1[..],
    );
    assert!(
        s.findings
            .iter()
            .any(|f| f.kind == FindingKind::IndirectCall && f.severity == Severity::High)
    );
    assert!(
        s.findings
            .iter()
            .any(|f| f.callable.as_deref() == Some("__builtin__.__import__"))
    );
}

#[test]
fn nested_pickle_payload_is_scanned() {
    let bytes = pickle_corpus()
        .into_iter()
        .find(|(n, ..)| *n == "p3_nested_pickle_loads")
        .unwrap()
        .1;
    let r = must_scan("/m/nested.pkl", &bytes);
    assert_critical(&r, "pickle.loads", None);
    assert!(
        critical_callables(&r)
            .iter()
            .any(|(c, i)| c == "os.system"
                && i.as_deref().is_some_and(|i| i.starts_with("#payload@"))),
        "{r:#?}"
    );
}

#[test]
fn torch_zip_hostile_and_benign() {
    let r = must_scan("/w/model.pt", &torch_zip(&os_system_p2()));
    assert_eq!(r.format, ModelFormat::TorchZip);
    assert_critical(&r, "os.system", Some("archive/data.pkl"));

    let r = must_scan("/w/pytorch_model.bin", &torch_zip(&state_dict_pickle()));
    assert_eq!(r.format, ModelFormat::TorchZip);
    assert_safe(&r);
    assert!(
        r.imports
            .iter()
            .any(|i| i.callable() == "torch._utils._rebuild_tensor_v2" && i.calls == 2)
    );

    // Deflated entries work too.
    let z = zip_deflated(&[("m/data.pkl", &os_system_p2()), ("m/version", b"3\n")]);
    assert_critical(&must_scan("/w/x.pth", &z), "os.system", Some("m/data.pkl"));
}

#[test]
fn torch_zip_via_seekable_source() {
    let data = torch_zip(&os_system_p2());
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&data).unwrap();
    let r = scan_model_seekable("/w/model.ckpt", &mut f, &Limits::default()).unwrap();
    assert_critical(&r, "os.system", Some("archive/data.pkl"));
    // The in-memory bound applies to plain streams only.
    let tiny = Limits {
        max_in_memory_bytes: 100,
        ..Limits::default()
    };
    let r = scan_model("/w/model.ckpt", &mut &data[..], None, &tiny).unwrap();
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.findings[0].kind, FindingKind::NotInspected);
    let mut c = Cursor::new(data);
    let r = scan_model_seekable("/w/model.ckpt", &mut c, &tiny).unwrap();
    assert_eq!(r.verdict, Verdict::Dangerous);
}

#[test]
fn torch_legacy_format() {
    let r = must_scan("/w/old.pth", &torch_legacy(&os_system_p2()));
    assert_eq!(r.format, ModelFormat::TorchLegacy);
    assert_critical(&r, "os.system", None);

    let r = must_scan("/w/old.pt", &torch_legacy(&state_dict_pickle()));
    assert_eq!(r.format, ModelFormat::TorchLegacy);
    assert_safe(&r);
    assert_eq!(r.pickles_scanned, 5);
}

#[test]
fn npy_and_npz_object_arrays() {
    let header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let hostile = npy(header, &os_system_p2());
    let r = must_scan("/d/arr.npy", &hostile);
    assert_eq!(r.format, ModelFormat::Npy);
    assert_critical(&r, "os.system", None);

    let benign = npy(header, &numpy_array_pickle(&[0u8; 8]));
    assert_safe(&must_scan("/d/ok.npy", &benign));

    let plain = npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
        &[0u8; 16],
    );
    assert_safe(&must_scan("/d/plain.npy", &plain));

    let z = zip_of(&[("arr_0.npy", &hostile), ("arr_1.npy", &plain)]);
    let r = must_scan("/d/arrays.npz", &z);
    assert_eq!(r.format, ModelFormat::Npz);
    assert_critical(&r, "os.system", Some("arr_0.npy"));

    let r = must_scan("/d/bad.npy", b"\x93NUMPY\x01\x00\x05\x00{'de");
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.findings[0].kind, FindingKind::MalformedContainer);
}

#[test]
fn joblib_interleaved_arrays() {
    let benign = joblib_stream(P::new());
    let r = must_scan("/m/model.joblib", &benign);
    assert_eq!(r.format, ModelFormat::Joblib);
    assert_safe(&r);

    // The payload sits after the raw array bytes: found only when they are skipped.
    let hostile = joblib_stream(
        P::new()
            .global("os", "system")
            .sstr("id")
            .tuple1()
            .reduce()
            .op(b'a'),
    );
    let r = must_scan("/m/model.joblib", &hostile);
    assert_critical(&r, "os.system", None);
    // Also when saved under a .pkl name.
    let r = must_scan("/m/model.pkl", &hostile);
    assert_eq!(r.format, ModelFormat::Joblib);
    assert_critical(&r, "os.system", None);

    // Array bytes that joblib skips but plain pickle.load would execute.
    let mut region = vec![b'c'];
    let payload = b"os\nsystem\n(S'id'\ntR";
    region.extend(payload);
    region.extend(std::iter::repeat_n(0xffu8, 99 - payload.len()));
    region.extend([0u8; 24]);
    let r = must_scan(
        "/m/diff.joblib",
        &joblib_stream_with_region(&region, P::new()),
    );
    assert_critical(&r, "os.system", None);
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::LoaderDifferential && f.severity == Severity::High),
        "{r:#?}"
    );

    // joblib compress=True (zlib) and gzip.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&hostile).unwrap();
    let r = must_scan("/m/model.joblib", &z.finish().unwrap());
    assert_critical(&r, "os.system", None);
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    g.write_all(&hostile).unwrap();
    assert_critical(
        &must_scan("/m/model.pkl", &g.finish().unwrap()),
        "os.system",
        None,
    );
}

#[test]
fn keras_lambda_layers() {
    let z = zip_of(&[
        ("metadata.json", br#"{"keras_version": "3.3.3"}"#),
        ("config.json", KERAS_LAMBDA_CONFIG.as_bytes()),
        ("model.weights.h5", b"\x89HDF\r\n\x1a\n"),
    ]);
    let r = must_scan("/m/model.keras", &z);
    assert_eq!(r.format, ModelFormat::Keras);
    assert_critical(&r, "keras.layers.Lambda", Some("config.json"));
    assert!(r.findings[0].title.contains("evil_lambda"), "{r:#?}");

    let z = zip_of(&[
        ("metadata.json", br#"{"keras_version": "3.3.3"}"#),
        ("config.json", KERAS_DENSE_CONFIG.as_bytes()),
    ]);
    assert_safe(&must_scan("/m/ok.keras", &z));

    let custom = r#"{"module": "evil_layers", "class_name": "Backdoor", "config": {}, "registered_name": "Custom>Backdoor"}"#;
    let z = zip_of(&[("metadata.json", b"{}"), ("config.json", custom.as_bytes())]);
    let r = must_scan("/m/custom.keras", &z);
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.findings[0].kind, FindingKind::KerasCustomObject);
    assert_eq!(
        r.findings[0].callable.as_deref(),
        Some("evil_layers.Backdoor")
    );

    let r = must_scan("/m/model.h5", &h5_like(KERAS_LAMBDA_CONFIG));
    assert_eq!(r.format, ModelFormat::KerasH5);
    assert_critical(&r, "keras.layers.Lambda", None);
    assert_eq!(r.findings.len(), 1, "{r:#?}");

    assert_safe(&must_scan("/m/ok.h5", &h5_like(KERAS_DENSE_CONFIG)));

    // A config cut short still names the Lambda layer.
    let cut = &KERAS_LAMBDA_CONFIG[..KERAS_LAMBDA_CONFIG.len() - 40];
    assert_critical(
        &must_scan("/m/cut.h5", &h5_like(cut)),
        "keras.layers.Lambda",
        None,
    );
}

#[test]
fn nested_zips() {
    let inner = torch_zip(&os_system_p2());
    let outer = zip_of(&[("bundle/README", b"hi"), ("bundle/inner.pt", &inner)]);
    let r = must_scan("/m/bundle.pt", &outer);
    assert_critical(&r, "os.system", Some("bundle/inner.pt!archive/data.pkl"));

    let deeper = zip_of(&[("x/outer.zip", &outer)]);
    let r = must_scan("/m/deeper.mar", &deeper);
    assert_critical(
        &r,
        "os.system",
        Some("x/outer.zip!bundle/inner.pt!archive/data.pkl"),
    );

    let shallow = Limits {
        max_nesting: 1,
        ..Limits::default()
    };
    let r = scan_model("/m/deeper.mar", &mut &deeper[..], None, &shallow).unwrap();
    assert_eq!(r.verdict, Verdict::Suspicious, "{r:#?}");
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::LimitReached)
    );
}

#[test]
fn safetensors_gguf_onnx() {
    let header =
        br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}"#;
    let mut st = (header.len() as u64).to_le_bytes().to_vec();
    st.extend(header);
    st.extend([0u8; 8]);
    let r = must_scan("/m/model.safetensors", &st);
    assert_eq!(r.format, ModelFormat::Safetensors);
    assert_safe(&r);
    // Without a size hint the data length is counted.
    let r = scan_model(
        "/m/model.safetensors",
        &mut &st[..],
        None,
        &Limits::default(),
    )
    .unwrap();
    assert_safe(&r);

    let mut bad = st.clone();
    bad.truncate(bad.len() - 1);
    let r = must_scan("/m/bad.safetensors", &bad);
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.findings[0].kind, FindingKind::MalformedContainer);
    let r = must_scan("/m/bad2.safetensors", b"\xff\xff\xff\xff\xff\xff\xff\xff{}");
    assert_eq!(r.findings[0].kind, FindingKind::MalformedContainer);

    let r = must_scan("/m/llama.gguf", b"GGUF\x03\x00\x00\x00\x00\x00");
    assert_eq!(r.format, ModelFormat::Gguf);
    assert_safe(&r);
    assert!(scan("/m/notreally.gguf", b"NOPE").is_none());

    let r = must_scan("/m/model.onnx", b"\x08\x07\x12\x07pytorch");
    assert_eq!(r.format, ModelFormat::Onnx);
    assert_safe(&r);
    // A pickle renamed .onnx is still a pickle.
    assert_critical(
        &must_scan("/m/evil.onnx", &os_system_p2()),
        "os.system",
        None,
    );
}

#[test]
fn not_models_are_none() {
    assert!(scan("/usr/share/foo.bin", b"\x00\x01binary blob").is_none());
    assert!(scan("/usr/share/foo.bin", &zip_of(&[("a.txt", b"x")])).is_none());
    assert!(scan("/usr/share/readme.txt", &os_system_p2()).is_none());
    assert!(scan("/d/x.h5", b"not hdf5 at all").is_none());
    assert!(!is_candidate("/usr/lib/python3/os.py"));
    // A .bin that is a pickle is a model.
    assert_critical(
        &must_scan("/m/pytorch_model.bin", &os_system_p2()),
        "os.system",
        None,
    );
}

#[test]
fn malformed_and_truncated_are_findings() {
    // Truncated after the REDUCE: the call is still reported, and so is the truncation.
    let mut t = os_system_p2();
    t.truncate(t.len() - 1);
    let r = must_scan("/m/t.pkl", &t);
    assert_critical(&r, "os.system", None);
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::Unparseable && f.severity == Severity::Medium)
    );

    // Garbage: unparseable, MEDIUM, never safe.
    let r = must_scan("/m/g.pkl", b"\x80\x02\xff\xfe");
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.findings[0].kind, FindingKind::Unparseable);
    let r = must_scan("/m/empty.pkl", b"\x80\x02");
    assert_eq!(r.verdict, Verdict::Suspicious);

    // Semantic problems (stack underflow) are "malformed", and later imports still count.
    let r = must_scan(
        "/m/u.pkl",
        &P::new()
            .proto(2)
            .reduce()
            .global("os", "system")
            .sstr("x")
            .tuple1()
            .reduce()
            .stop()
            .bytes(),
    );
    assert_critical(&r, "os.system", None);
    assert!(r.findings.iter().any(|f| f.kind == FindingKind::Malformed));

    // Bad protocol number.
    let r = must_scan("/m/p.pkl", b"\x80\x09}.");
    assert_eq!(r.findings[0].kind, FindingKind::Unparseable);

    // Unreadable zip.
    let r = must_scan("/m/z.pt", b"PK\x03\x04garbage");
    assert_eq!(r.findings[0].kind, FindingKind::MalformedContainer);

    // Trailing junk after a benign pickle is LOW, not unparseable.
    let mut j = P::new().proto(2).empty_dict().stop().bytes();
    j.extend(b"\n\x00\x00");
    let r = must_scan("/m/j.pkl", &j);
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].kind, FindingKind::TrailingData);
    assert_eq!(r.findings[0].severity, Severity::Low);
}

#[test]
fn suspicious_grades() {
    let p = P::new()
        .proto(2)
        .global("sklearn.tree._classes", "DecisionTreeClassifier")
        .empty_tuple()
        .reduce()
        .empty_dict()
        .build()
        .stop()
        .bytes();
    let r = must_scan("/m/clf.pkl", &p);
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.findings[0].severity, Severity::Medium);
    assert_eq!(
        r.findings[0].callable.as_deref(),
        Some("sklearn.tree._classes.DecisionTreeClassifier")
    );

    let p = P::new()
        .proto(2)
        .global("__main__", "Evil")
        .empty_tuple()
        .reduce()
        .stop()
        .bytes();
    let r = must_scan("/m/evil.pkl", &p);
    assert_eq!(r.findings[0].severity, Severity::High);

    let p = P::new()
        .proto(2)
        .global("torch.storage", "_load_from_bytes")
        .sbytes(b"\x80\x02}.")
        .tuple1()
        .reduce()
        .stop()
        .bytes();
    let r = must_scan("/m/s.pkl", &p);
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.findings[0].severity, Severity::High);

    // BUILD applied to an allow-listed import itself is attribute injection.
    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_tensor_v2")
        .op(b'N')
        .empty_dict()
        .sbinstr("__code__")
        .op(b'N')
        .setitem()
        .tuple2()
        .build()
        .stop()
        .bytes();
    let r = must_scan("/m/b.pkl", &p);
    assert_eq!(r.findings[0].kind, FindingKind::GlobalMutation);
    assert_eq!(r.findings[0].severity, Severity::High);
}

#[test]
fn memo_carried_across_pickles_cannot_hide_an_import() {
    // Pickle 1 memoizes "os" and "system". Pickle 2 memoizes two benign names and then
    // fetches keys 0 and 1: a fresh Unpickler sees collections.OrderedDict, a reused one
    // (memo kept) sees os.system. Both readings must be reported.
    let mut data = P::new()
        .proto(4)
        .sstr("os")
        .memoize()
        .sstr("system")
        .memoize()
        .tuple2()
        .stop()
        .bytes();
    data.extend(
        P::new()
            .proto(4)
            .sstr("collections")
            .memoize()
            .sstr("OrderedDict")
            .memoize()
            .op(b'0')
            .op(b'0')
            .binget(0)
            .binget(1)
            .stack_global()
            .empty_tuple()
            .reduce()
            .stop()
            .bytes(),
    );
    let r = must_scan("/m/two.pkl", &data);
    assert_critical(&r, "os.system", None);
    assert!(
        r.imports
            .iter()
            .any(|i| i.callable() == "collections.OrderedDict")
    );
    // No "malformed" noise from the quiet reading.
    assert!(
        r.findings.iter().all(|f| f.kind != FindingKind::Malformed),
        "{r:#?}"
    );
}

#[test]
fn deeply_nested_payloads_are_bounded() {
    // pickle.loads(b"<pickle.loads(b'...')>") nested 200 times: bounded by max_nesting, no
    // stack overflow, and the outer callable is still reported.
    let mut data = os_system_p2();
    for _ in 0..200 {
        data = P::new()
            .proto(3)
            .global("pickle", "loads")
            .bytes4(&data)
            .tuple1()
            .reduce()
            .stop()
            .bytes();
    }
    let r = must_scan("/m/deep.pkl", &data);
    assert_critical(&r, "pickle.loads", None);
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::LimitReached),
        "{r:#?}"
    );
    // Through .npy object arrays too.
    let header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let mut data = npy(header, &os_system_p2());
    for _ in 0..50 {
        let z = zip_of(&[("a.npy", &data)]);
        let p = P::new()
            .proto(3)
            .global("torch.storage", "_load_from_bytes")
            .bytes4(&z)
            .tuple1()
            .reduce()
            .stop()
            .bytes();
        data = npy(header, &p);
    }
    let r = must_scan("/m/deep.npy", &data);
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::LimitReached),
        "{r:#?}"
    );
}
