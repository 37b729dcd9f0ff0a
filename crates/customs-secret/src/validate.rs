//! Extra checks in code for rules whose format a regex cannot pin down.

use crate::allow::is_placeholder;
use crate::rules::Validator;

/// Runs a validator. `secret` is the candidate secret, `full` the whole regex
/// match (used to look at the key name of generic assignments).
pub(crate) fn check(v: Validator, secret: &[u8], full: &[u8]) -> bool {
    match v {
        Validator::DockerAuth | Validator::BasicAuth => user_pass_b64(secret),
        Validator::Jwt => jwt_header(secret),
        Validator::GenericValue => generic_value(secret) && generic_key(full, secret),
        Validator::UrlPassword => url_password(secret, full),
        Validator::Base64PrivateKey => b64_decode(secret).is_some_and(|pem| {
            let text = String::from_utf8_lossy(&pem);
            text.contains("PRIVATE KEY") && text.contains("-----END") && text.len() >= 100
        }),
    }
}

/// Decodes standard or URL-safe base64 (padding optional). `None` on any
/// invalid character.
pub(crate) fn b64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// base64 of `user:password`, both printable, password not a placeholder.
fn user_pass_b64(secret: &[u8]) -> bool {
    let Some(raw) = b64_decode(secret) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&raw) else {
        return false;
    };
    let Some((user, pass)) = text.split_once(':') else {
        return false;
    };
    !user.is_empty()
        && pass.len() >= 3
        && text.chars().all(|c| !c.is_control())
        && !is_placeholder(pass.as_bytes())
        && !WEAK_DOC_PASSWORDS.contains(&pass.to_ascii_lowercase().as_str())
}

/// Passwords used in documentation and default configs, never worth a finding
/// in a URL or basic-auth string.
const WEAK_DOC_PASSWORDS: &[&str] = &[
    "pass",
    "pwd",
    "pw",
    "passw",
    "passwd",
    "password",
    "secret",
    "foo",
    "bar",
    "baz",
    "qux",
    "user",
    "username",
    "xxx",
    "mypass",
    "mypassword",
    "yourpassword",
    "hunter2",
    "pa$$word",
    "123",
    "1234",
    "12345",
    "123456",
    "test",
    "testing",
    "guest",
    "admin",
    "root",
    "tiger",
    "pass123",
    "s3cr3t",
    "secret123",
    "changeit",
    "letmein",
    "p@ssw0rd",
    "passw0rd",
];

fn jwt_header(secret: &[u8]) -> bool {
    let head = secret.split(|&b| b == b'.').next().unwrap_or_default();
    let Some(raw) = b64_decode(head) else {
        return false;
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&raw) else {
        return false;
    };
    v.as_object()
        .is_some_and(|o| o.contains_key("alg") || o.contains_key("typ"))
}

/// Stop-words for generic assignments: values containing these are
/// instructions or examples, not secrets.
const GENERIC_STOPWORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "example",
    "sample",
    "changeme",
    "redacted",
    "lorem",
    "ipsum",
    "placeholder",
    "dummy",
    "default",
    "undefined",
    "localhost",
    "getenv",
    "environ",
    "config.",
    "settings.",
    "self.",
    "this.",
    "props.",
    "params.",
    "args.",
    "kwargs",
    "request.",
    "%s",
    "%d",
    "%(",
    "{0}",
    "{}",
    ".*",
    ".+",
    "\\d",
    "\\w",
    "\\s",
    "(?",
    "[a-z",
    "[0-9",
];

/// The value of a generic `key = value` assignment must look like a secret:
/// not a word, identifier, dotted name, path, URL, number, version or
/// format string; at least two character classes.
fn generic_value(secret: &[u8]) -> bool {
    let Ok(v) = std::str::from_utf8(secret) else {
        return false;
    };
    let lower = v.to_ascii_lowercase();
    if GENERIC_STOPWORDS.iter().any(|w| lower.contains(w)) {
        return false;
    }
    if v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || v.starts_with('$')
        || v.starts_with('%')
        || v.starts_with('@')
        || v.starts_with('&')
        || v.starts_with('*')
        || v.starts_with('\\')
        || v.contains("://")
        || v.contains("::")
        || v.ends_with(':')
        || v.ends_with('.')
    {
        return false;
    }
    // words, identifiers, dotted names: letters, '_', '.', '-' only
    if v.bytes()
        .all(|b| b.is_ascii_alphabetic() || b"_.-".contains(&b))
    {
        return false;
    }
    // dotted identifier chains with digits (module.sub2.attr, v1.2.3)
    if v.contains('.')
        && v.split('.').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        && v.split('.').count() >= 2
        && v.split('.').all(|p| p.len() < 24)
    {
        return false;
    }
    // snake_case / kebab-case identifiers with digits (auth_token_v2)
    if (v.contains('_') || v.contains('-'))
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && v.split(['_', '-']).all(|p| p.len() <= 12)
    {
        return false;
    }
    // CamelCase / camelCase identifiers and type names (V1LocalObjectReference)
    if looks_like_identifier(v) {
        return false;
    }
    // relative paths and module paths (google/appengine/api/x.php)
    if looks_like_path(v) {
        return false;
    }
    // all digits (ports, ids, timestamps)
    if v.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return false;
    }
    let classes = [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
        v.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ];
    classes.iter().filter(|&&c| c).count() >= 2
}

/// CamelCase text (`PKCS7PrivateKeyTypes`, `V1LocalObjectReference`,
/// `getAccessToken`): at least two capitalised words (a capital and two or
/// more lower-case letters) covering 60% of the value. Random mixed-case
/// tokens average about 25%.
fn looks_like_identifier(v: &str) -> bool {
    if !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return false;
    }
    let b = v.as_bytes();
    let (mut words, mut word_chars, mut i) = (0usize, 0usize, 0usize);
    while i < b.len() {
        if b[i].is_ascii_uppercase() {
            let start = i;
            i += 1;
            while i < b.len() && b[i].is_ascii_lowercase() {
                i += 1;
            }
            if i - start >= 3 {
                words += 1;
                word_chars += i - start;
            }
        } else {
            i += 1;
        }
    }
    words >= 2 && word_chars * 10 >= b.len() * 6
}

/// `a/b/c.ext` or an all-lower-case `a/b/c` path.
fn looks_like_path(v: &str) -> bool {
    if !v.contains('/') {
        return false;
    }
    let last = v.rsplit('/').next().unwrap_or_default();
    let has_ext = last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.bytes().all(|c| c.is_ascii_lowercase())
    });
    let lower_path = v.split('/').all(|p| {
        p.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_.-".contains(&c))
    });
    has_ext || lower_path
}

/// Parts of a key name that mean the value is not the secret itself.
const GENERIC_KEY_EXCLUDES: &[&str] = &[
    "hash",
    "salt",
    "file",
    "path",
    "dir",
    "length",
    "len",
    "size",
    "count",
    "min",
    "max",
    "policy",
    "field",
    "name",
    "prompt",
    "label",
    "reset",
    "regex",
    "pattern",
    "strength",
    "expir",
    "type",
    "url",
    "uri",
    "endpoint",
    "header",
    "param",
    "env",
    "var",
    "izer",
    "ized",
    "less",
    "format",
    "template",
    "version",
    "_id",
    "-id",
    ".id",
    "id\"",
    "id'",
    "prefix",
    "suffix",
    "rotation",
    "manager",
    "provider",
    "store_type",
    "mode",
    "kind",
    "id=",
    "id:",
    "_ref",
    "reference",
];

/// The key of a generic assignment (the match up to the secret) must not be
/// a `*_hash`, `*_file`, `tokenizer`, ... name.
fn generic_key(full: &[u8], secret: &[u8]) -> bool {
    let key_end = full
        .windows(secret.len().max(1))
        .position(|w| w == secret)
        .unwrap_or(full.len());
    let key = String::from_utf8_lossy(&full[..key_end]).to_ascii_lowercase();
    // cut at the assignment operator
    let key = key
        .split(['=', ':', '>', ','])
        .next()
        .unwrap_or_default()
        .trim();
    !GENERIC_KEY_EXCLUDES.iter().any(|x| key.contains(x))
}

/// `scheme://user:password@host`: the password must not be a placeholder, a
/// documentation password or equal to the user name.
fn url_password(secret: &[u8], full: &[u8]) -> bool {
    let Ok(pass) = std::str::from_utf8(secret) else {
        return false;
    };
    let lower = pass.to_ascii_lowercase();
    if WEAK_DOC_PASSWORDS.contains(&lower.as_str())
        || pass.starts_with('$')
        || pass.starts_with('%')
    {
        return false;
    }
    if pass.starts_with('{') || pass.ends_with('}') || pass.starts_with('<') {
        return false;
    }
    // user part: between "://" and the ':' before the password
    let text = String::from_utf8_lossy(full);
    let user = text
        .split_once("://")
        .map(|(_, rest)| rest.split(':').next().unwrap_or_default())
        .unwrap_or_default();
    if user.eq_ignore_ascii_case(pass) || is_placeholder(user.as_bytes()) && user.len() > 2 {
        return false;
    }
    let ul = user.to_ascii_lowercase();
    if [
        "user", "username", "usr", "login", "name", "someone", "me", "myuser",
    ]
    .contains(&ul.as_str())
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_roundtrip() {
        assert_eq!(b64_decode(b"ZmFrZXVzZXI6cHc=").unwrap(), b"fakeuser:pw");
        assert_eq!(b64_decode(b"ZmFrZXVzZXI6cHc").unwrap(), b"fakeuser:pw");
        assert!(b64_decode(b"not base64!").is_none());
    }

    #[test]
    fn generic_values() {
        assert!(generic_value(b"Q7v-fake-9zLp2Wx"));
        assert!(generic_value(b"FAKE-db-Passw0rd-for-scanner-tests"));
        assert!(!generic_value(b"self.password"));
        assert!(!generic_value(b"auth_token_v2"));
        assert!(!generic_value(b"module.sub2.attr"));
        assert!(!generic_value(b"/etc/secret"));
        assert!(!generic_value(b"1234567890"));
        assert!(!generic_value(b"PasswordField"));
        assert!(!generic_value(b"V1LocalObjectReference"));
        assert!(!generic_value(b"PKCS7PrivateKeyTypes"));
        assert!(!generic_value(b"google/appengine/api/x.php"));
        assert!(!generic_value(b"arn:aws:secret:Foo-.+"));
        assert!(generic_value(b"Zk3fAke9QwLm7Rt2"));
        assert!(generic_value(b"q8Zf/AkE+S3cr3tW1thDigits=="));
    }
}
