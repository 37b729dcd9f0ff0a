//! Which imported callables are safe.
//!
//! The allow-list decides: an import is safe only when it names one of the ML reconstruction
//! callables below, exactly. Everything else is at least suspicious. The deny-list only grades
//! severity: callables that run code or touch the system are CRITICAL; other imports are HIGH,
//! or MEDIUM when they come from a well-known ML library (their classes run `__setstate__` and
//! `__init__` code, but they are not a loader of arbitrary code by design).

use crate::report::{ImportSafety, Severity};

/// The judgement on one imported callable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// On the allow-list.
    Allowed,
    /// Outside the allow-list; the severity and a short reason.
    Suspicious(Severity, &'static str),
    /// On the deny-list (always CRITICAL); a short reason.
    Dangerous(&'static str),
}

impl Judgement {
    /// The severity of a finding for this import (`None` when allowed).
    pub fn severity(self) -> Option<Severity> {
        match self {
            Self::Allowed => None,
            Self::Suspicious(s, _) => Some(s),
            Self::Dangerous(_) => Some(Severity::Critical),
        }
    }

    /// The coarse classification.
    pub fn safety(self) -> ImportSafety {
        match self {
            Self::Allowed => ImportSafety::Allowed,
            Self::Suspicious(..) => ImportSafety::Suspicious,
            Self::Dangerous(_) => ImportSafety::Dangerous,
        }
    }

    /// The reason text (empty when allowed).
    pub fn reason(self) -> &'static str {
        match self {
            Self::Allowed => "",
            Self::Suspicious(_, r) | Self::Dangerous(r) => r,
        }
    }
}

/// Exact `(module, name)` pairs that only rebuild data. Justifications for the borderline ones:
/// - `collections.defaultdict`: stores a default factory but never calls it while loading;
///   the factory is itself an import that is judged on its own.
/// - `copyreg._reconstructor(cls, base, state)`: calls `base.__new__(cls)` (and
///   `base.__init__`); `cls` and `base` are imports judged on their own.
/// - `_codecs.encode`: turns the latin-1 text of protocol-2 bytes back into bytes; codecs are
///   data transforms.
/// - `torch._tensor._rebuild_from_type_v2(func, type, args, state)`: calls `func`, which is an
///   import judged on its own.
const ALLOWED: &[(&str, &[&str])] = &[
    (
        "collections",
        &["OrderedDict", "defaultdict", "Counter", "deque"],
    ),
    (
        "builtins",
        &[
            "set",
            "frozenset",
            "slice",
            "bytearray",
            "complex",
            "range",
            "bytes",
            "str",
            "int",
            "float",
            "bool",
            "list",
            "tuple",
            "dict",
            "object",
        ],
    ),
    ("copyreg", &["_reconstructor"]),
    ("_codecs", &["encode"]),
    ("codecs", &["encode"]),
    ("numpy", &["ndarray", "dtype"]),
    ("numpy.core.multiarray", &["_reconstruct", "scalar"]),
    ("numpy._core.multiarray", &["_reconstruct", "scalar"]),
    ("numpy.core.numeric", &["_frombuffer"]),
    ("numpy._core.numeric", &["_frombuffer"]),
    ("numpy.matrixlib.defmatrix", &["matrix"]),
    (
        "torch._utils",
        &[
            "_rebuild_tensor",
            "_rebuild_tensor_v2",
            "_rebuild_tensor_v3",
            "_rebuild_parameter",
            "_rebuild_parameter_with_state",
            "_rebuild_qtensor",
            "_rebuild_sparse_tensor",
            "_rebuild_nested_tensor",
            "_rebuild_device_tensor_from_numpy",
            "_rebuild_meta_tensor_no_storage",
            "_rebuild_wrapper_subclass",
        ],
    ),
    (
        "torch._tensor",
        &["_rebuild_from_type_v2", "_rebuild_from_type"],
    ),
    ("torch.serialization", &["_get_layout"]),
    ("torch.nn.parameter", &["Parameter"]),
    ("torch.storage", &["UntypedStorage", "TypedStorage"]),
    (
        "torch",
        &[
            "device",
            "Size",
            "strided",
            "sparse_coo",
            "sparse_csr",
            "sparse_csc",
            "sparse_bsr",
            "sparse_bsc",
            "_mkldnn",
            "contiguous_format",
            "channels_last",
            "channels_last_3d",
            "preserve_format",
            "per_tensor_affine",
            "per_channel_affine",
            "per_tensor_symmetric",
            "per_channel_symmetric",
            "per_channel_affine_float_qparams",
        ],
    ),
    ("joblib.numpy_pickle", &["NumpyArrayWrapper"]),
    ("argparse", &["Namespace"]),
    (
        "datetime",
        &["datetime", "date", "time", "timedelta", "timezone"],
    ),
    ("decimal", &["Decimal"]),
    ("fractions", &["Fraction"]),
    ("uuid", &["UUID"]),
    (
        "pathlib",
        &[
            "Path",
            "PosixPath",
            "WindowsPath",
            "PurePath",
            "PurePosixPath",
            "PureWindowsPath",
        ],
    ),
    ("re", &["_compile"]),
    // Type annotations kept in configs (e.g. omegaconf metadata); not callable to any effect.
    (
        "typing",
        &[
            "Any",
            "Dict",
            "List",
            "Tuple",
            "Optional",
            "Union",
            "Set",
            "FrozenSet",
        ],
    ),
];

const TORCH_DTYPES: &[&str] = &[
    "float32",
    "float",
    "float64",
    "double",
    "float16",
    "half",
    "bfloat16",
    "complex32",
    "chalf",
    "complex64",
    "cfloat",
    "complex128",
    "cdouble",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "bool",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
];

const NUMPY_SCALAR_TYPES: &[&str] = &[
    "float16",
    "float32",
    "float64",
    "longdouble",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool_",
    "complex64",
    "complex128",
    "str_",
    "bytes_",
    "intc",
    "uintc",
    "half",
    "single",
    "double",
];

/// Modules (and their submodules) whose every callable is CRITICAL.
const DENIED_MODULES: &[(&str, &str)] = &[
    (
        "os",
        "operating-system access (commands, files, environment)",
    ),
    ("posix", "operating-system access"),
    ("nt", "operating-system access"),
    ("subprocess", "runs commands"),
    ("_posixsubprocess", "runs commands"),
    ("commands", "runs commands"),
    ("popen2", "runs commands"),
    ("pty", "spawns processes"),
    ("sys", "interpreter internals"),
    ("runpy", "runs Python code"),
    ("code", "runs Python code"),
    ("codeop", "compiles Python code"),
    ("importlib", "imports arbitrary modules"),
    ("imp", "imports arbitrary modules"),
    ("zipimport", "imports arbitrary modules"),
    ("pkgutil", "imports arbitrary modules"),
    ("ctypes", "native code"),
    ("_ctypes", "native code"),
    ("cffi", "native code"),
    ("pickle", "nested unpickling"),
    ("_pickle", "nested unpickling"),
    ("cPickle", "nested unpickling"),
    ("dill", "nested unpickling"),
    ("cloudpickle", "nested unpickling"),
    ("shelve", "nested unpickling"),
    ("marshal", "loads code objects"),
    ("webbrowser", "launches programs"),
    ("socket", "network access"),
    ("_socket", "network access"),
    ("ssl", "network access"),
    ("http", "network access"),
    ("urllib", "network access"),
    ("urllib2", "network access"),
    ("urllib3", "network access"),
    ("httplib", "network access"),
    ("requests", "network access"),
    ("aiohttp", "network access"),
    ("httpx", "network access"),
    ("ftplib", "network access"),
    ("smtplib", "network access"),
    ("telnetlib", "network access"),
    ("poplib", "network access"),
    ("imaplib", "network access"),
    ("nntplib", "network access"),
    ("xmlrpc", "network access"),
    ("socketserver", "network access"),
    ("SocketServer", "network access"),
    ("multiprocessing", "spawns processes"),
    ("_multiprocessing", "spawns processes"),
    ("concurrent", "spawns workers"),
    ("asyncio", "spawns processes and network access"),
    ("threading", "runs callables in threads"),
    ("_thread", "runs callables in threads"),
    ("thread", "runs callables in threads"),
    ("signal", "installs signal handlers"),
    ("shutil", "file-system access"),
    ("tempfile", "file-system access"),
    ("glob", "file-system access"),
    ("io", "file access"),
    ("_io", "file access"),
    ("fileinput", "file access"),
    ("linecache", "file access"),
    ("mmap", "file access"),
    ("dbm", "file access"),
    ("sqlite3", "file access"),
    ("fcntl", "file access"),
    ("resource", "process limits"),
    ("platform", "runs commands"),
    ("pdb", "debugger"),
    ("bdb", "debugger"),
    ("timeit", "runs Python code"),
    ("trace", "runs Python code"),
    ("profile", "runs Python code"),
    ("cProfile", "runs Python code"),
    ("pydoc", "runs pager commands"),
    ("doctest", "runs Python code"),
    ("pip", "installs packages"),
    ("setuptools", "installs packages and runs commands"),
    ("distutils", "runs commands"),
    ("ensurepip", "installs packages"),
    ("venv", "runs commands"),
    ("site", "interpreter internals"),
    ("gc", "reaches any live object"),
    (
        "operator",
        "calls attributes and items (attrgetter/methodcaller gadgets)",
    ),
    (
        "_operator",
        "calls attributes and items (attrgetter/methodcaller gadgets)",
    ),
    (
        "functools",
        "calls wrapped callables (partial/reduce gadgets)",
    ),
    (
        "_functools",
        "calls wrapped callables (partial/reduce gadgets)",
    ),
    ("_winapi", "operating-system access"),
    ("winreg", "operating-system access"),
    ("_winreg", "operating-system access"),
    ("msvcrt", "operating-system access"),
    ("torch.hub", "downloads and runs code"),
    ("torch.jit", "loads TorchScript archives"),
    ("torch.package", "loads packaged code"),
    (
        "torch.utils.cpp_extension",
        "compiles and loads native code",
    ),
    ("torch.distributed", "network access"),
    ("torch._inductor", "compiles code"),
    ("torch._dynamo", "compiles code"),
    ("numpy.f2py", "compiles native code"),
    ("numpy.distutils", "runs commands"),
    ("numpy.testing", "runs commands"),
    ("numpy.ctypeslib", "native code"),
    ("tensorflow.io", "file access"),
    ("tensorflow.python.lib.io", "file access"),
    ("pandas.io.pickle", "nested unpickling"),
    ("builtins.__builtins__", "interpreter internals"),
    ("__builtins__", "interpreter internals"),
];

/// Exact `(module, names)` pairs that are CRITICAL.
const DENIED_PAIRS: &[(&str, &[&str], &str)] = &[
    (
        "builtins",
        &[
            "eval",
            "exec",
            "execfile",
            "compile",
            "__import__",
            "getattr",
            "setattr",
            "delattr",
            "open",
            "file",
            "breakpoint",
            "input",
            "raw_input",
            "globals",
            "locals",
            "vars",
            "exit",
            "quit",
            "help",
            "apply",
            "reload",
            "__build_class__",
            "__loader__",
            "__spec__",
        ],
        "runs code, reaches attributes or opens files",
    ),
    (
        "types",
        &[
            "CodeType",
            "FunctionType",
            "LambdaType",
            "MethodType",
            "BuiltinFunctionType",
            "BuiltinMethodType",
            "ModuleType",
            "GeneratorType",
            "CoroutineType",
            "AsyncGeneratorType",
            "FrameType",
            "TracebackType",
            "CellType",
            "new_class",
            "MethodWrapperType",
            "WrapperDescriptorType",
            "MethodDescriptorType",
            "ClassMethodDescriptorType",
        ],
        "builds functions or code objects",
    ),
    (
        "torch",
        &["load", "save", "from_file"],
        "nested torch.load / file access",
    ),
    (
        "torch.serialization",
        &["load", "save"],
        "nested torch.load / file access",
    ),
    ("torch.classes", &["load_library"], "loads native code"),
    ("torch.ops", &["load_library"], "loads native code"),
    (
        "numpy",
        &[
            "load",
            "loads",
            "save",
            "savez",
            "fromfile",
            "tofile",
            "savetxt",
            "loadtxt",
            "genfromtxt",
            "memmap",
        ],
        "file access or nested unpickling (allow_pickle)",
    ),
    (
        "numpy.lib.npyio",
        &["load", "save", "savez", "loadtxt", "genfromtxt", "savetxt"],
        "file access",
    ),
    (
        "numpy.lib.format",
        &["read_array", "open_memmap"],
        "file access or nested unpickling",
    ),
    ("numpy.core.multiarray", &["loads"], "nested unpickling"),
    (
        "joblib",
        &["load", "dump"],
        "nested joblib.load / file access",
    ),
    (
        "joblib.numpy_pickle",
        &["load", "dump"],
        "nested joblib.load / file access",
    ),
    (
        "pandas",
        &["read_pickle", "eval"],
        "nested unpickling / evaluates expressions",
    ),
    ("keras.models", &["load_model"], "loads another model"),
    (
        "tensorflow.keras.models",
        &["load_model"],
        "loads another model",
    ),
    (
        "yaml",
        &[
            "load",
            "unsafe_load",
            "full_load",
            "load_all",
            "unsafe_load_all",
        ],
        "unsafe YAML loading",
    ),
];

/// `(module, name)` pairs outside the allow-list with a severity set by hand.
const GRADED_PAIRS: &[(&str, &str, Severity, &str)] = &[(
    "torch.storage",
    "_load_from_bytes",
    Severity::High,
    "calls torch.load on embedded bytes (nested pickle)",
)];

/// Roots of well-known ML libraries: imports from them that are not allow-listed are MEDIUM.
const ML_NAMESPACES: &[&str] = &[
    "sklearn",
    "scipy",
    "pandas",
    "numpy",
    "torch",
    "torchvision",
    "torchaudio",
    "torchtext",
    "transformers",
    "tokenizers",
    "sentencepiece",
    "xgboost",
    "lightgbm",
    "catboost",
    "joblib",
    "keras",
    "tf_keras",
    "tensorflow",
    "jax",
    "jaxlib",
    "flax",
    "optax",
    "statsmodels",
    "gensim",
    "spacy",
    "thinc",
    "timm",
    "diffusers",
    "accelerate",
    "peft",
    "lightning",
    "pytorch_lightning",
    "lightning_fabric",
    "omegaconf",
    "collections",
    "datetime",
    "copyreg",
    "_codecs",
    "numbers",
    "enum",
];

/// Dunder attributes that are part of normal pickling, not object-graph traversal.
const BENIGN_DUNDERS: &[&str] = &["__newobj__", "__newobj_ex__"];

/// Python 2 module names that Python 3's unpickler maps (`_compat_pickle.IMPORT_MAPPING`).
const PY2_MODULES: &[(&str, &str)] = &[
    ("__builtin__", "builtins"),
    ("exceptions", "builtins"),
    ("copy_reg", "copyreg"),
    ("cPickle", "pickle"),
    ("commands", "subprocess"),
    ("UserDict", "collections"),
    ("UserList", "collections"),
    ("UserString", "collections"),
    ("urllib2", "urllib.request"),
    ("httplib", "http.client"),
    ("SocketServer", "socketserver"),
    ("cStringIO", "io"),
    ("StringIO", "io"),
    ("thread", "_thread"),
    ("Queue", "queue"),
    ("__main__", "__main__"),
];

/// Python 2 `(module, name)` pairs that map elsewhere (`_compat_pickle.NAME_MAPPING`).
const PY2_NAMES: &[(&str, &str, &str, &str)] = &[
    ("__builtin__", "reduce", "functools", "reduce"),
    ("__builtin__", "intern", "sys", "intern"),
    ("__builtin__", "xrange", "builtins", "range"),
    ("__builtin__", "unicode", "builtins", "str"),
    ("__builtin__", "basestring", "builtins", "str"),
    ("__builtin__", "long", "builtins", "int"),
    ("__builtin__", "unichr", "builtins", "chr"),
    ("__builtin__", "raw_input", "builtins", "input"),
    ("itertools", "izip", "builtins", "zip"),
    ("itertools", "imap", "builtins", "map"),
    ("itertools", "ifilter", "builtins", "filter"),
];

fn module_in(module: &str, root: &str) -> bool {
    module == root
        || (module.len() > root.len()
            && module.starts_with(root)
            && module.as_bytes()[root.len()] == b'.')
}

/// The Python 3 spelling of a possibly Python 2 `(module, name)`.
pub fn normalize<'a>(module: &'a str, name: &'a str) -> (&'a str, &'a str) {
    for &(m, n, m3, n3) in PY2_NAMES {
        if module == m && name == n {
            return (m3, n3);
        }
    }
    for &(m, m3) in PY2_MODULES {
        if module == m {
            return (m3, name);
        }
    }
    (module, name)
}

fn is_allowed(module: &str, name: &str) -> bool {
    if ALLOWED
        .iter()
        .any(|(m, names)| *m == module && names.contains(&name))
    {
        return true;
    }
    match module {
        "torch" | "torch.cuda" => {
            (name.ends_with("Storage")
                && name.len() > "Storage".len()
                && name.bytes().all(|b| b.is_ascii_alphanumeric()))
                || (module == "torch" && TORCH_DTYPES.contains(&name))
        }
        "numpy" => NUMPY_SCALAR_TYPES.contains(&name),
        _ => false,
    }
}

fn denied(module: &str, name: &str) -> Option<&'static str> {
    for &(root, why) in DENIED_MODULES {
        if module_in(module, root) {
            return Some(why);
        }
    }
    for &(m, names, why) in DENIED_PAIRS {
        if module == m && names.contains(&name) {
            return Some(why);
        }
    }
    // A dotted name walks attributes (protocol 4+ `find_class`): judge the path it reaches.
    let segments: Vec<&str> = name.split('.').collect();
    if segments.len() > 1 {
        for seg in &segments {
            if seg.len() > 4
                && seg.starts_with("__")
                && seg.ends_with("__")
                && !BENIGN_DUNDERS.contains(seg)
            {
                return Some("walks dunder attributes to reach other objects");
            }
        }
        // `torch` + `serialization.os.system` reaches `os.system`.
        let full = format!("{module}.{name}");
        let parts: Vec<&str> = full.split('.').collect();
        for i in 1..parts.len() {
            let sub_module = parts[i..parts.len() - 1].join(".");
            let leaf = parts[parts.len() - 1];
            if !sub_module.is_empty()
                && let Some(why) = denied_flat(&sub_module, leaf)
            {
                return Some(why);
            }
            if let Some(why) = denied_flat(parts[i], "") {
                return Some(why);
            }
        }
    }
    None
}

/// `denied` without the dotted-name walk.
fn denied_flat(module: &str, name: &str) -> Option<&'static str> {
    for &(root, why) in DENIED_MODULES {
        if module_in(module, root) {
            return Some(why);
        }
    }
    for &(m, names, why) in DENIED_PAIRS {
        if module == m && names.contains(&name) {
            return Some(why);
        }
    }
    None
}

/// Judges the callable `module.name` that a pickle imports.
pub fn judge(module: &str, name: &str) -> Judgement {
    let (m3, n3) = normalize(module, name);
    if is_allowed(m3, n3) {
        return Judgement::Allowed;
    }
    if let Some(why) = denied(module, name).or_else(|| denied(m3, n3)) {
        return Judgement::Dangerous(why);
    }
    for &(m, n, sev, why) in GRADED_PAIRS {
        if m3 == m && n3 == n {
            return Judgement::Suspicious(sev, why);
        }
    }
    if m3 == "builtins" {
        return Judgement::Suspicious(Severity::High, "builtin outside the allow-list");
    }
    if ML_NAMESPACES.iter().any(|root| module_in(m3, root)) && !name.contains('.') {
        return Judgement::Suspicious(
            Severity::Medium,
            "ML-library callable outside the allow-list (its constructor or __setstate__ runs on load)",
        );
    }
    Judgement::Suspicious(
        Severity::High,
        "import outside the allow-list of ML reconstruction callables",
    )
}

/// Callables that unpickle (or torch.load) a bytes argument: their payload is scanned too.
pub(crate) fn loads_payload(module: &str, name: &str) -> bool {
    let (m, n) = normalize(module, name);
    matches!(
        (m, n),
        (
            "pickle" | "_pickle" | "dill" | "cloudpickle" | "dill._dill",
            "loads"
        ) | ("torch.storage", "_load_from_bytes")
            | ("numpy", "loads")
            | ("numpy.core.multiarray", "loads")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(m: &str, n: &str) -> Option<Severity> {
        judge(m, n).severity()
    }

    #[test]
    fn allow_list_is_exact() {
        assert_eq!(
            judge("torch._utils", "_rebuild_tensor_v2"),
            Judgement::Allowed
        );
        assert_eq!(judge("torch", "FloatStorage"), Judgement::Allowed);
        assert_eq!(judge("torch", "float32"), Judgement::Allowed);
        assert_eq!(judge("collections", "OrderedDict"), Judgement::Allowed);
        assert_eq!(judge("__builtin__", "set"), Judgement::Allowed);
        assert_eq!(judge("copy_reg", "_reconstructor"), Judgement::Allowed);
        assert_eq!(
            judge("numpy.core.multiarray", "_reconstruct"),
            Judgement::Allowed
        );
        assert_ne!(judge("torch", "Storage.__init__"), Judgement::Allowed);
        assert_ne!(judge("torch", "os.Storage"), Judgement::Allowed);
        assert_ne!(
            judge("torch._utils ", "_rebuild_tensor_v2"),
            Judgement::Allowed
        );
        assert_ne!(
            judge("collections", "OrderedDict.fromkeys"),
            Judgement::Allowed
        );
    }

    #[test]
    fn deny_list_grades_critical() {
        for (m, n) in [
            ("os", "system"),
            ("posix", "system"),
            ("nt", "system"),
            ("subprocess", "Popen"),
            ("builtins", "eval"),
            ("__builtin__", "eval"),
            ("builtins", "getattr"),
            ("runpy", "_run_code"),
            ("operator", "attrgetter"),
            ("functools", "partial"),
            ("torch", "load"),
            ("torch.hub", "load"),
            ("numpy", "load"),
            ("os.path", "join"),
            ("commands", "getoutput"),
            ("__builtin__", "reduce"),
            ("torch", "serialization.os.system"),
            ("builtins", "object.__subclasses__"),
            ("collections", "OrderedDict.__init__.__globals__"),
            ("types", "CodeType"),
            ("importlib.machinery", "SourceFileLoader"),
        ] {
            assert_eq!(sev(m, n), Some(Severity::Critical), "{m}.{n}");
        }
    }

    #[test]
    fn unknown_is_never_safe() {
        assert_eq!(
            sev("sklearn.tree._classes", "DecisionTreeClassifier"),
            Some(Severity::Medium)
        );
        assert_eq!(sev("__main__", "Evil"), Some(Severity::High));
        assert_eq!(sev("evilpkg", "thing"), Some(Severity::High));
        assert_eq!(sev("builtins", "print"), Some(Severity::High));
        assert_eq!(
            sev("torch.storage", "_load_from_bytes"),
            Some(Severity::High)
        );
        assert_eq!(sev("numpy", "random.Generator"), Some(Severity::High));
        assert_eq!(sev("numpy", "random._pickle.x"), Some(Severity::Critical));
    }
}
