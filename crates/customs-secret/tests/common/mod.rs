//! Shared helpers for the integration tests.
#![allow(dead_code)]

use customs_secret::{Scanner, SecretFinding};

pub fn scanner() -> Scanner {
    Scanner::with_defaults().expect("built-in rules compile")
}

pub fn ids(findings: &[SecretFinding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule_id.as_str()).collect()
}

/// A fake RSA private key: header/footer plus random-looking base64 lines
/// built at run time (no key material in the source).
pub fn fake_rsa_key() -> String {
    let mut body = String::new();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for line in 0..25 {
        if line == 0 {
            body.push_str("MIIEowIBAAKCAQEA");
        }
        let n = if line == 0 { 48 } else { 64 };
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            body.push(alphabet[(x % 64) as usize] as char);
        }
        body.push('\n');
    }
    format!(
        "-----BEGIN RSA {}-----\n{body}-----END RSA PRIVATE KEY-----\n",
        "PRIVATE KEY"
    )
}
