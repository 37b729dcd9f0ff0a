//! Key-name based detection: `DB_PASSWORD=...`, `HF_TOKEN=...`, used for
//! image config Env/Labels/history, dotenv files, Dockerfiles and shell
//! histories. The key decides whether the value is meant to be a secret; the
//! value decides whether it is a real one (not empty, not a placeholder, a
//! path, a boolean, a number or a variable reference).

use crate::allow::is_placeholder;

/// Last key segments that describe something *about* a secret, not the secret.
const EXCLUDED_LAST_SEGMENTS: &[&str] = &[
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "DIRECTORY",
    "LOCATION",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "DISABLE",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "TTL",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "NAME",
    "NAMES",
    "TYPE",
    "MODE",
    "POLICY",
    "HEADER",
    "FIELD",
    "PARAM",
    "ALGORITHM",
    "ALG",
    "VERSION",
    "COUNT",
    "SIZE",
    "LIMIT",
    "PROVIDER",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "USER",
    "USERNAME",
    "ID",
    "REGION",
    "FORMAT",
    "KIND",
    "BACKEND",
    "REF",
    "ARN",
    "HASH",
    "SHA",
    "SHA1",
    "SHA256",
    "SHA512",
    "MD5",
    "CHECKSUM",
    "ENV",
    "PREFIX",
    "SUFFIX",
    "STORE",
    "MANAGER",
    "HELPER",
    "COMMAND",
    "CMD",
    "SCRIPT",
    "PROMPT",
    "SOURCE",
    "LOCK",
    "REQUIRED",
    "ROTATION",
];

/// True when a key name (env var, label, config key) says its value is a
/// secret: it contains PASSWORD, PASSWD, PASSPHRASE, SECRET, CREDENTIAL,
/// APIKEY/API_KEY, PRIVATE_KEY, ACCESS_KEY, AUTH_KEY, or a segment ending in
/// TOKEN (so `TOKENIZERS_PARALLELISM` is not one), and its last segment does
/// not describe something about the secret (`*_FILE`, `*_PATH`, `*_NAME`, ...).
#[must_use]
pub fn is_secret_key_name(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    let segs: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    let Some(last) = segs.last() else {
        return false;
    };
    if EXCLUDED_LAST_SEGMENTS.contains(last) {
        return false;
    }
    for (i, s) in segs.iter().enumerate() {
        if s.contains("PASSWORD")
            || s.contains("PASSWD")
            || s.contains("PASSPHRASE")
            || s.contains("SECRET")
            || s.contains("CREDENTIAL")
            || s.contains("APIKEY")
            || s.contains("PRIVATEKEY")
            || s.contains("ACCESSKEY")
            || s.ends_with("TOKEN")
        {
            return true;
        }
        if (*s == "KEY" || *s == "KEYS")
            && i > 0
            && matches!(
                segs[i - 1],
                "API" | "PRIVATE" | "ACCESS" | "AUTH" | "ENCRYPTION" | "SIGNING" | "MASTER"
            )
        {
            return true;
        }
        if (*s == "PWD" || *s == "PASS") && segs.len() > 1 {
            return true;
        }
    }
    false
}

/// True when a value given to a secret-named key is worth a finding.
#[must_use]
pub fn is_plausible_secret_value(value: &str) -> bool {
    let v = strip_quotes(value.trim());
    if v.len() < 4 || v.len() > 4096 {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "nil" | "undefined"
    ) {
        return false;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || v.starts_with("file:")
        || v.starts_with('$')
        || v.starts_with('%')
        || v.starts_with("@")
    {
        return false;
    }
    if (lower.starts_with("http://") || lower.starts_with("https://")) && !v.contains('@') {
        return false;
    }
    if v.split_whitespace().count() > 2 {
        return false;
    }
    !is_placeholder(v.as_bytes())
}

/// Removes one pair of matching surrounding quotes.
#[must_use]
pub fn strip_quotes(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// The value span inside `raw` (the text after `=`), without quotes and, for
/// unquoted values, without a trailing ` # comment`. Returns (offset, len)
/// relative to `raw`.
#[must_use]
pub fn value_span(raw: &str) -> (usize, usize) {
    let lead = raw.len() - raw.trim_start().len();
    let t = raw.trim_start();
    let b = t.as_bytes();
    if let Some(&q) = b.first()
        && (q == b'"' || q == b'\'')
    {
        if let Some(end) = b[1..].iter().position(|&c| c == q) {
            return (lead + 1, end);
        }
        return (lead + 1, t.len() - 1);
    }
    let mut end = t.len();
    if let Some(pos) = t.find(" #") {
        end = pos;
    }
    let v = t[..end].trim_end();
    (lead, v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        for k in [
            "DB_PASSWORD",
            "HF_TOKEN",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "OPENAI_API_KEY",
            "apiKey",
            "MYSQL_ROOT_PASSWORD",
            "PRIVATE_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "com.example.password",
            "SMTP_PASS",
            "AUTHTOKEN",
        ] {
            assert!(is_secret_key_name(k), "{k}");
        }
        for k in [
            "TOKENIZERS_PARALLELISM",
            "PASSWORD_FILE",
            "SECRET_NAME",
            "HF_TOKEN_PATH",
            "GPG_KEY",
            "PWD",
            "OLDPWD",
            "PATH",
            "MAX_TOKENS",
            "AWS_ACCESS_KEY_ID",
            "PYTHON_SHA256",
            "TOKEN_URL",
        ] {
            assert!(!is_secret_key_name(k), "{k}");
        }
    }

    #[test]
    fn values() {
        assert!(is_plausible_secret_value(
            "FAKE-db-Passw0rd-for-scanner-tests"
        ));
        assert!(is_plausible_secret_value("\"q8Z-fake-S3cret\""));
        assert!(is_plausible_secret_value("postgres"));
        assert!(is_plausible_secret_value("r00t"));
        for v in [
            "",
            "false",
            "1",
            "/run/secrets/x",
            "${X}",
            "$X",
            "changeme",
            "https://auth.example.invalid/token",
            "<token>",
        ] {
            assert!(!is_plausible_secret_value(v), "{v}");
        }
    }

    #[test]
    fn spans() {
        assert_eq!(value_span("abc # c"), (0, 3));
        assert_eq!(value_span(" \"a b\" # c"), (2, 3));
        assert_eq!(value_span("'x'"), (1, 1));
    }
}
