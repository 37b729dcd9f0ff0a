//! Content digests (`sha256:<hex>`), validated on construction.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The hash algorithms the OCI image spec registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestAlgorithm {
    Sha256,
    Sha512,
}

impl DigestAlgorithm {
    /// Length of the hex encoding of a digest of this algorithm.
    pub fn hex_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 64,
            DigestAlgorithm::Sha512 => 128,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }
}

/// A validated content digest such as `sha256:e3b0c442…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest {
    algorithm: DigestAlgorithm,
    hex: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("digest {0:?} has no algorithm prefix (expected sha256:<hex>)")]
    NoAlgorithm(String),
    #[error("digest {0:?} uses an unsupported algorithm")]
    UnsupportedAlgorithm(String),
    #[error("digest {0:?} has an invalid hex part (expected {1} lowercase hex digits)")]
    BadHex(String, usize),
}

impl Digest {
    /// Builds a digest from an algorithm and raw hash bytes.
    pub fn from_bytes(algorithm: DigestAlgorithm, bytes: &[u8]) -> Self {
        let mut hex = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            hex.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            hex.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
        }
        Digest { algorithm, hex }
    }

    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The hex part, without the algorithm prefix.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// A short form for tables: the first 12 hex digits.
    pub fn short(&self) -> &str {
        &self.hex[..12.min(self.hex.len())]
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (alg, hex) = s
            .split_once(':')
            .ok_or_else(|| DigestError::NoAlgorithm(s.to_string()))?;
        let algorithm = match alg {
            "sha256" => DigestAlgorithm::Sha256,
            "sha512" => DigestAlgorithm::Sha512,
            _ => return Err(DigestError::UnsupportedAlgorithm(s.to_string())),
        };
        let ok = hex.len() == algorithm.hex_len()
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            return Err(DigestError::BadHex(s.to_string(), algorithm.hex_len()));
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }
}

impl TryFrom<String> for Digest {
    type Error = DigestError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.to_string()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_sha256() {
        let s = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let d: Digest = s.parse().unwrap();
        assert_eq!(d.to_string(), s);
        assert_eq!(d.short(), "e3b0c44298fc");
    }

    #[test]
    fn rejects_bad_digests() {
        assert!(matches!(
            "e3b0".parse::<Digest>(),
            Err(DigestError::NoAlgorithm(_))
        ));
        assert!(matches!(
            "md5:abcd".parse::<Digest>(),
            Err(DigestError::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            "sha256:ABC".parse::<Digest>(),
            Err(DigestError::BadHex(_, 64))
        ));
        assert!(
            "sha256:../../etc/passwd0000000000000000000000000000000000000000000000000"
                .parse::<Digest>()
                .is_err()
        );
    }

    #[test]
    fn from_bytes_is_lowercase_hex() {
        let d = Digest::from_bytes(DigestAlgorithm::Sha256, &[0xab; 32]);
        assert_eq!(d.hex(), "ab".repeat(32));
    }
}
