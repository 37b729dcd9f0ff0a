//! Secret-looking variable names and credential-looking values, and
//! redaction so that no finding ever carries a secret in full.

/// Name parts that mark a variable as holding a secret. Each entry is a
/// sequence of consecutive name segments (`API_KEY` is `["API", "KEY"]`).
const SECRET_NAME_PARTS: &[&[&str]] = &[
    &["PASSWORD"],
    &["PASSWD"],
    &["PASS"],
    &["SECRET"],
    &["SECRETS"],
    &["TOKEN"],
    &["TOKENS"],
    &["API", "KEY"],
    &["APIKEY"],
    &["ACCESS", "KEY"],
    &["ACCESSKEY"],
    &["PRIVATE", "KEY"],
    &["PRIVATEKEY"],
    &["CREDENTIALS"],
    &["CREDENTIAL"],
    &["CREDS"],
    &["AUTH", "KEY"],
];

/// Last name segments that say the variable holds a location or a setting
/// about a secret, not the secret itself (`PASSWORD_FILE`, `TOKEN_URL`).
const NOT_A_SECRET_SUFFIXES: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "FILENAME",
    "URL",
    "URI",
    "ENDPOINT",
    "LENGTH",
    "LEN",
    "TTL",
    "EXPIRY",
    "EXPIRATION",
    "TIMEOUT",
    "TYPE",
    "NAME",
    "ID",
    "ENABLED",
    "ENABLE",
    "HEADER",
    "POLICY",
    "REQUIRED",
    "PROVIDER",
];

/// Split `HF_TOKEN`, `hf-token`, `apiKey` into upper-case segments.
fn segments(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// If `name` looks like it holds a secret, the matched keyword (`TOKEN`,
/// `API_KEY`, ...). `TOKENIZERS_PARALLELISM` or `PASSWORD_FILE` do not.
pub(crate) fn secret_name(name: &str) -> Option<String> {
    let segs = segments(name);
    if segs
        .last()
        .is_some_and(|l| NOT_A_SECRET_SUFFIXES.contains(&l.as_str()))
    {
        return None;
    }
    for part in SECRET_NAME_PARTS {
        if part.len() > segs.len() {
            continue;
        }
        for start in 0..=segs.len() - part.len() {
            if segs[start..start + part.len()]
                .iter()
                .zip(part.iter())
                .all(|(a, b)| a == b)
            {
                return Some(part.join("_"));
            }
        }
    }
    None
}

/// A credential found inside some text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenMatch {
    /// What kind of credential it looks like.
    pub(crate) kind: &'static str,
    /// Byte range in the text.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

struct TokenRule {
    prefix: &'static str,
    kind: &'static str,
    min: usize,
    max: usize,
    charset: fn(char) -> bool,
}

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}
fn alnum_dash(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}
fn upper_digit(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

const TOKEN_RULES: &[TokenRule] = &[
    TokenRule {
        prefix: "github_pat_",
        kind: "GitHub fine-grained token",
        min: 22,
        max: 255,
        charset: alnum_dash,
    },
    TokenRule {
        prefix: "ghp_",
        kind: "GitHub token",
        min: 30,
        max: 255,
        charset: alnum,
    },
    TokenRule {
        prefix: "gho_",
        kind: "GitHub OAuth token",
        min: 30,
        max: 255,
        charset: alnum,
    },
    TokenRule {
        prefix: "ghu_",
        kind: "GitHub token",
        min: 30,
        max: 255,
        charset: alnum,
    },
    TokenRule {
        prefix: "ghs_",
        kind: "GitHub token",
        min: 30,
        max: 255,
        charset: alnum,
    },
    TokenRule {
        prefix: "ghr_",
        kind: "GitHub token",
        min: 30,
        max: 255,
        charset: alnum,
    },
    TokenRule {
        prefix: "hf_",
        kind: "Hugging Face token",
        min: 30,
        max: 255,
        charset: alnum,
    },
    TokenRule {
        prefix: "sk-",
        kind: "OpenAI/Anthropic-style API key",
        min: 20,
        max: 255,
        charset: alnum_dash,
    },
    TokenRule {
        prefix: "AKIA",
        kind: "AWS access key id",
        min: 16,
        max: 16,
        charset: upper_digit,
    },
    TokenRule {
        prefix: "ASIA",
        kind: "AWS temporary access key id",
        min: 16,
        max: 16,
        charset: upper_digit,
    },
    TokenRule {
        prefix: "glpat-",
        kind: "GitLab token",
        min: 20,
        max: 255,
        charset: alnum_dash,
    },
    TokenRule {
        prefix: "xoxb-",
        kind: "Slack token",
        min: 10,
        max: 255,
        charset: alnum_dash,
    },
    TokenRule {
        prefix: "xoxp-",
        kind: "Slack token",
        min: 10,
        max: 255,
        charset: alnum_dash,
    },
    TokenRule {
        prefix: "xoxa-",
        kind: "Slack token",
        min: 10,
        max: 255,
        charset: alnum_dash,
    },
    TokenRule {
        prefix: "npm_",
        kind: "npm token",
        min: 36,
        max: 36,
        charset: alnum,
    },
    TokenRule {
        prefix: "pypi-",
        kind: "PyPI token",
        min: 50,
        max: 512,
        charset: alnum_dash,
    },
];

/// Credential-looking substrings of `text`, in order, not overlapping.
pub(crate) fn find_tokens(text: &str) -> Vec<TokenMatch> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    'outer: while i < text.len() {
        if !text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if boundary {
            let rest = &text[i..];
            if let Some(after) = rest.strip_prefix("-----BEGIN ")
                && let Some(h) = after.find("-----")
                && after[..h].ends_with("PRIVATE KEY")
            {
                let end = rest
                    .find("-----END ")
                    .and_then(|e| rest[e + 9..].find("-----").map(|k| e + 9 + k + 5))
                    .unwrap_or(rest.len());
                out.push(TokenMatch {
                    kind: "private key",
                    start: i,
                    end: i + end,
                });
                i += end.max(1);
                continue;
            }
            for rule in TOKEN_RULES {
                let Some(after) = rest.strip_prefix(rule.prefix) else {
                    continue;
                };
                let len = after
                    .char_indices()
                    .find(|(_, c)| !(rule.charset)(*c))
                    .map_or(after.len(), |(k, _)| k);
                if len >= rule.min && len <= rule.max {
                    let end = i + rule.prefix.len() + len;
                    out.push(TokenMatch {
                        kind: rule.kind,
                        start: i,
                        end,
                    });
                    i = end;
                    continue 'outer;
                }
            }
        }
        i += 1;
    }
    out
}

/// The kind of credential `value` looks like, if any.
pub(crate) fn token_kind(value: &str) -> Option<&'static str> {
    find_tokens(value).first().map(|m| m.kind)
}

/// Keep at most the first four characters, then `****`. Short secrets keep
/// nothing, so no secret is ever shown in full.
pub(crate) fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = if n >= 8 { 4 } else { 0 };
    let head: String = secret.chars().take(keep).collect();
    format!("{head}****")
}

/// Replace every credential in `text`: the given secrets (longest first),
/// token-looking substrings and passwords in `scheme://user:password@` URLs.
pub(crate) fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    for s in secrets {
        if out.contains(s) {
            out = out.replace(s, &redact(s));
        }
    }
    let tokens = find_tokens(&out);
    for m in tokens.iter().rev() {
        let r = redact(&out[m.start..m.end]);
        out.replace_range(m.start..m.end, &r);
    }
    redact_url_passwords(&out)
}

/// `https://user:secret@host` → `https://user:secr****@host`.
fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("://") {
        let (head, tail) = rest.split_at(p + 3);
        out.push_str(head);
        let auth_end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | '`'))
            .unwrap_or(tail.len());
        let authority = &tail[..auth_end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.split_once(':') {
                    Some((user, pass))
                        if !pass.is_empty()
                            && !pass.starts_with('$')
                            && !pass.ends_with("****") =>
                    {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(&redact(pass));
                    }
                    None if userinfo.len() >= 16
                        && !userinfo.starts_with('$')
                        && !userinfo.ends_with("****") =>
                    {
                        out.push_str(&redact(userinfo));
                    }
                    _ => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[auth_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "HF_TOKEN",
            "GITHUB_TOKEN",
            "OPENAI_API_KEY",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
            "MY_ACCESS_KEY",
            "SSH_PRIVATE_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "client-secret",
        ] {
            assert!(secret_name(n).is_some(), "{n}");
        }
        for n in [
            "TOKENIZERS_PARALLELISM",
            "PASSWORD_FILE",
            "HF_HUB_ENABLE_HF_TRANSFER",
            "PATH",
            "PASSTHROUGH",
            "KEYBOARD",
            "TOKEN_URL",
            "PYTHONUNBUFFERED",
            "MODEL_DIR",
        ] {
            assert!(secret_name(n).is_none(), "{n}");
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(
            token_kind("ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            Some("GitHub token")
        );
        assert_eq!(
            token_kind("hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
            Some("Hugging Face token")
        );
        assert_eq!(
            token_kind("AKIAIOSFODNN7EXAMPLE"),
            Some("AWS access key id")
        );
        assert_eq!(
            token_kind("sk-proj-abcdefghijklmnopqrstuv"),
            Some("OpenAI/Anthropic-style API key")
        );
        assert_eq!(token_kind("hf_transfer"), None);
        assert_eq!(token_kind("task-runner"), None);
        assert_eq!(token_kind("xAKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(token_kind("AKIAIOSFODNN7EXAMPLEXX"), None);
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("FAKE-db-Passw0rd"), "FAKE****");
        assert_eq!(redact("abc"), "****");
        let t = redact_text(
            "git clone https://me:s3cr3tpass@github.com/x && echo hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
            &[],
        );
        assert_eq!(
            t,
            "git clone https://me:s3cr****@github.com/x && echo hf_a****"
        );
        assert_eq!(
            redact_text("ENV A=topsecretvalue", &["topsecretvalue"]),
            "ENV A=tops****"
        );
    }
}
