//! Built-in allow-lists: placeholder values and paths that hold no real
//! secrets in a container image. All of it is dropped with
//! `default_allowlist = false` in the config ([`crate::SecretConfig::use_default_allowlist`]).
//!
//! Values: a match is not a finding when it is a *template pattern*
//! (`${VAR}`, `$VAR`, `%VAR%`, `<token>`, `{{ x }}`, `xxxxx`, `****`,
//! `your_api_key`, `..._here`, a single repeated character, a run of 8
//! ascending characters such as `abcdefgh`/`12345678`) or a *specific
//! documented example value* ([`DOCUMENTED_EXAMPLE_VALUES`], AWS's
//! `...EXAMPLE`/`...EXAMPLEKEY` convention). Words like "fake", "test" or
//! "dummy" inside a value never allow it: fixtures and real leaks alike contain
//! them (the ml-app image's planted `FAKE-db-Passw0rd-for-scanner-tests` must
//! be found).
//!
//! Paths ([`DEFAULT_ALLOW_PATHS`], never scanned): documentation, headers,
//! lock files, media/compiled/model-weight files, and — inside *package
//! trees* (system library dirs, `site-packages`, `node_modules`, the Cargo
//! registry, Go module cache, conda, pyenv, gems, `vendor/`) — the packages'
//! own test and fixture directories and test source files (`test_*.py`,
//! `*_test.cc`, `*.spec.ts`, `conftest.py`). Private keys there are test
//! vectors of the package (CPython's `Lib/test/*.pem`, cryptography,
//! requests, aws-lc, ...), not leaks of the image's owner; Trivy skips even
//! more (all of `/usr/lib`). A few named vendor paths hold public or fake
//! credentials by design: botocore's service examples, the moto mocking
//! library, the Google Cloud SDK's embedded OAuth client, Debian's
//! `ssl-cert-snakeoil.key`.
//!
//! The application's own tree (`/app`, `/srv`, `/workspace`, `/home/*`,
//! `/root`, `/opt/<app>`, `/etc`, ...) is always scanned, its tests included.
//! Heuristic rules (generic `password = ...`, URLs with passwords,
//! Authorization headers) additionally skip package trees entirely
//! ([`PACKAGE_TREE_PATHS`]): installed software's docstrings are full of
//! sample credentials. Vendor-format rules (`ghp_`, `AKIA`, `hf_`, PEM keys)
//! still run there.

/// Path regexes (matched against the path normalised to start with `/`) of
/// files the default configuration never scans.
pub const DEFAULT_ALLOW_PATHS: &[&str] = &[
    // documentation, manuals, locales, headers, licenses (system-wide and in
    // any prefix: /opt/conda/share/doc, ~/.rustup/toolchains/*/share/doc)
    r"^/usr/(?:local/)?share/(?:doc|man|info|locale|i18n|licenses|common-licenses|help|gtk-doc|doc-base|lintian|bug|perl5?/[^/]+/pod)/",
    r"/share/(?:doc|man|info|locale|gtk-doc|licenses)/",
    r"^/usr/(?:local/)?include/",
    // test / fixture directories inside package trees (see PACKAGE_TREE_PATHS)
    r"(?:^/usr/(?:local/)?(?:lib|lib32|lib64|libexec|share|src)/|^/(?:lib|lib64)/|/(?:site|dist)-packages/|/node_modules/|/lib/python[23][0-9.]*/|/\.cargo/registry/|/go/pkg/mod/|/(?:ana|mini)?conda[0-9]?/|/\.pyenv/versions/|/\.nvm/versions/|/gems/|/vendor/|/\.m2/repository/)(?:[^/]+/)*(?:tests?|testing|test_?data|testdata|test[_-]?files|fixtures?|__fixtures__|unittests?|__tests__|spec|idle_test)/",
    // test source files inside package trees (test_x.py, x_test.cc, x.test.js, x.spec.ts, conftest.py)
    r"(?:^/usr/(?:local/)?(?:lib|lib32|lib64|libexec|share|src)/|/(?:site|dist)-packages/|/node_modules/|/lib/python[23][0-9.]*/|/\.cargo/registry/|/go/pkg/mod/|/(?:ana|mini)?conda[0-9]?/|/\.pyenv/versions/|/gems/|/vendor/)(?:[^/]+/)*(?:test_[^/]+|[^/]+_tests?\.[A-Za-z0-9]+|[^/]+\.(?:test|spec)\.[A-Za-z0-9]+|conftest\.py)$",
    // source maps inside package trees (copies of the bundled sources, which are scanned)
    r"(?:^/usr/(?:local/)?(?:lib|lib64|share)/|/(?:site|dist)-packages/|/node_modules/|/\.cargo/registry/|/(?:ana|mini)?conda[0-9]?/)(?:[^/]+/)*[^/]+\.(?:js|css|mjs|cjs)\.map$",
    // package metadata and docs inside package trees
    r"/(?:site|dist)-packages/[^/]+\.(?:dist|egg)-info/(?:RECORD|METADATA|PKG-INFO|DESCRIPTION\.rst|SOURCES\.txt)$",
    r"/node_modules/(?:[^/]+/)*(?:examples?|docs?|man)/",
    r"(?i)/(?:node_modules|site-packages|dist-packages|\.cargo/registry|go/pkg/mod)/(?:[^/]+/)*(?:[^/]+\.(?:md|markdown|rst)|readme(?:\.[a-z]+)?|changelog(?:\.[a-z]+)?|history(?:\.[a-z]+)?)$",
    // AWS SDK service models and documentation examples (sample credentials)
    r"/botocore/data/",
    // moto, the AWS mocking library, ships fake credentials and its proxy's test CA key
    r"/(?:site|dist)-packages/moto/",
    // conda's package cache (copies of installed files, plus their tests)
    r"/(?:ana|mini)?conda[0-9]?/pkgs/",
    // the Google Cloud SDK's own code embeds Google's public OAuth client and API keys
    r"/google-cloud-sdk/(?:lib|platform|bin|data|\.install)/",
    // Debian's ssl-cert package generates this self-signed "snakeoil" key at install
    r"^/etc/ssl/private/ssl-cert-snakeoil\.key$",
    // lock files and checksum manifests (hashes and integrity strings)
    r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock|uv\.lock|pdm\.lock|Cargo\.lock|go\.sum|composer\.lock|Gemfile\.lock|deno\.lock)$",
    // media, fonts, archives, compiled code and model weights
    r"(?i)\.(?:png|jpe?g|gif|bmp|ico|icns|webp|tiff?|svgz|woff2?|ttf|otf|eot|pfb|mp3|mp4|m4a|wav|ogg|flac|avi|mov|pdf|zip|gz|tgz|bz2|xz|zst|lz4|7z|rar|tar|whl|egg|jar|war|class|so|so\.[0-9.]+|a|o|pyc|pyo|dll|exe|dylib|wasm|safetensors|pt|pth|ckpt|onnx|h5|hdf5|npy|npz|parquet|arrow|feather|tflite|gguf|ggml|msgpack|pb|mo|gmo)$",
];

/// Third-party package trees. Heuristic rules (generic `password = ...`,
/// URLs with passwords, Authorization headers; see
/// [`crate::BuiltinRule::skip_in_packages`]) do not run here: the docs,
/// docstrings and examples of installed software are full of sample
/// credentials, and these trees are not where an image's owner writes
/// secrets. Vendor-format rules (`ghp_...`, `AKIA...`, PEM keys) still run.
pub const PACKAGE_TREE_PATHS: &[&str] = &[
    r"^/usr/(?:local/)?(?:lib|lib32|lib64|libexec|share|src)/",
    r"^/(?:lib|lib32|lib64)/",
    r"/(?:site|dist)-packages/",
    r"/lib/python[23][0-9.]*/",
    r"/node_modules/",
    r"/(?:ana|mini)?conda[0-9]?/(?:pkgs|lib)/",
    r"/\.pyenv/versions/",
    r"/\.nvm/versions/",
    r"/go/pkg/mod/",
    r"^/usr/local/go/",
    r"/\.cargo/registry/",
    r"/\.rustup/toolchains/",
    r"/gems/",
    r"/vendor/",
    r"/\.m2/repository/",
    r"/\.gradle/caches/",
    r"/\.cache/(?:huggingface/hub|torch|pip|pypoetry|uv)/",
    r"/\.npm/",
];

/// Values exactly documented as examples by vendors (never real credentials).
pub const DOCUMENTED_EXAMPLE_VALUES: &[&str] = &[
    // AWS documentation
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    // Azurite / Azure storage emulator well-known development account key
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // Scott/Tiger, the classic Oracle/SQLAlchemy documentation login
    "tiger",
    // RFC 6749 section 2.3.1 example client credentials (s6BhdRkqt3:gX1fBat3bV)
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
];

/// Whole values (case-insensitive) that are obviously not secrets.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "replaceme",
    "replace_me",
    "replace-me",
    "placeholder",
    "redacted",
    "removed",
    "hidden",
    "masked",
    "dummy",
    "none",
    "null",
    "nil",
    "undefined",
    "todo",
    "tbd",
    "fixme",
    "secret",
    "secrets",
    "password",
    "passwd",
    "passw0rd",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "mytoken",
    "mypassword",
    "mysecret",
    "example",
    "sample",
    "default",
    "empty",
    "notset",
    "not_set",
    "not-set",
    "unset",
    "required",
    "optional",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "enabled",
    "disabled",
];

/// Substrings (case-insensitive) that mark a template or instruction text.
const PLACEHOLDER_SUBSTRINGS: &[&str] = &[
    "xxxxx",
    "*****",
    "•••",
    "your_api",
    "your-api",
    "yourapi",
    "your_key",
    "your-key",
    "yourkey",
    "your_token",
    "your-token",
    "yourtoken",
    "your_secret",
    "your-secret",
    "yoursecret",
    "your_password",
    "your-password",
    "yourpassword",
    "your_pass",
    "your_access",
    "your-access",
    "your_own",
    "insert_",
    "insert-your",
    "insertyour",
    "replace_with",
    "replace-with",
    "replacewith",
    "put_your",
    "put-your",
    "paste_your",
    "paste-your",
    "enter_your",
    "enter-your",
    "_here",
    "-here",
    "placeholder",
    "redacted",
    "example.com",
    "example.org",
    "exampleuser",
    "foobar",
];

/// True when `value` is a template, an instruction, a variable reference, a
/// repeated character, a long alphabetic/numeric run (`abcdefgh`,
/// `12345678`), or a documented example value.
#[must_use]
pub fn is_placeholder(value: &[u8]) -> bool {
    let Ok(v) = std::str::from_utf8(value) else {
        return false;
    };
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'' || c == '`');
    if v.is_empty() {
        return true;
    }
    if DOCUMENTED_EXAMPLE_VALUES.contains(&v) {
        return true;
    }
    // AWS documentation convention: example keys end in EXAMPLE / EXAMPLEKEY.
    if v.len() >= 16 && (v.ends_with("EXAMPLE") || v.ends_with("EXAMPLEKEY")) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&lower.as_str()) {
        return true;
    }
    if PLACEHOLDER_SUBSTRINGS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    if is_reference(v) {
        return true;
    }
    // <token>, <YOUR KEY>, [token]
    if let Some(inner) = v.strip_prefix('<').and_then(|s| s.strip_suffix('>'))
        && !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" _-.:".contains(&b))
    {
        return true;
    }
    if contains_angle_placeholder(v) {
        return true;
    }
    if all_same_char(v) || has_sequential_run(v.as_bytes(), 8) {
        return true;
    }
    false
}

/// `$VAR`, `${VAR}`, `$(cmd)`, `%VAR%`, `{{ x }}`, `%(name)s`, `#{x}`,
/// `@VAR@`, `os.environ[...]`, `process.env.X`.
fn is_reference(v: &str) -> bool {
    if v.starts_with("${")
        || v.starts_with("$(")
        || v.starts_with("{{")
        || v.starts_with("%(")
        || v.starts_with("#{")
        || v.starts_with("$$")
        || v.contains("${")
        || v.contains("{{")
        || v.starts_with("process.env")
        || v.starts_with("os.environ")
        || v.starts_with("os.getenv")
        || v.starts_with("env(")
        || v.starts_with("ENV[")
        || v.starts_with("secrets.")
        || v.starts_with("vault:")
        || v.starts_with("ref+")
    {
        return true;
    }
    let b = v.as_bytes();
    // $VAR / $var
    if b.first() == Some(&b'$')
        && b.len() > 1
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return true;
    }
    // %VAR% / @VAR@
    for d in [b'%', b'@'] {
        if b.len() > 2
            && b[0] == d
            && b[b.len() - 1] == d
            && b[1..b.len() - 1]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            return true;
        }
    }
    false
}

/// `abc<your-token>def`, `sk-<key>`.
fn contains_angle_placeholder(v: &str) -> bool {
    let b = v.as_bytes();
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        let start = i + off + 1;
        if let Some(len) = b[start..].iter().position(|&c| c == b'>') {
            let inner = &b[start..start + len];
            if len >= 2
                && inner.iter().any(u8::is_ascii_alphabetic)
                && inner
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || b" _-.".contains(c))
            {
                return true;
            }
            i = start + len;
        } else {
            break;
        }
    }
    false
}

fn all_same_char(v: &str) -> bool {
    let mut it = v.bytes().filter(|b| !b"-_.:/ ".contains(b));
    match it.next() {
        Some(first) => it.all(|b| b == first) && v.len() >= 3,
        None => true,
    }
}

/// A run of `n` or more consecutive ascending characters (`abcdefgh`,
/// `12345678`, `ABCDEFGH`): typical of documentation placeholders, and
/// astronomically rare in random tokens.
fn has_sequential_run(b: &[u8], n: usize) -> bool {
    let mut run = 1;
    for w in b.windows(2) {
        if w[1] == w[0].wrapping_add(1)
            && w[0].is_ascii_alphanumeric()
            && w[1].is_ascii_alphanumeric()
        {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_placeholder;

    #[test]
    fn placeholders() {
        for p in [
            "${GITHUB_TOKEN}",
            "$NPM_TOKEN",
            "<token>",
            "<YOUR_API_KEY>",
            "{{ secrets.X }}",
            "xxxxxxxxxxxxxxxx",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "********",
            "changeme",
            "your_api_key_here",
            "AKIAIOSFODNN7EXAMPLE",
            "sk-abcdefghijklmnopqrstuvwxyz",
            "%DB_PASSWORD%",
            "",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn planted_fixtures_are_not_placeholders() {
        for p in [
            "FAKE-db-Passw0rd-for-scanner-tests",
            "fAkE/SeCrEt+KeY0nLy4TeStS0fScAnNeRz1234X",
            "AKIAQ3FAKEK3YT2STXYZ",
            "hf_FakeHuggingFaceTokenForScanTestsQz",
            "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",
            "s3cr3t-Fake-Value-9x",
        ] {
            assert!(!is_placeholder(p.as_bytes()), "{p}");
        }
    }
}
