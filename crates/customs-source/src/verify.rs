//! Digest checking: for whole small blobs (manifests, configs) and, while
//! they stream, for layer blobs.

use std::io::{self, Read};

use customs_types::{Digest, DigestAlgorithm};
use sha2::Digest as _;

/// A running hash of either algorithm the OCI spec allows.
#[derive(Clone)]
pub enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(alg: DigestAlgorithm) -> Self {
        match alg {
            DigestAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            DigestAlgorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Digest {
        match self {
            Hasher::Sha256(h) => Digest::from_bytes(DigestAlgorithm::Sha256, &h.finalize()),
            Hasher::Sha512(h) => Digest::from_bytes(DigestAlgorithm::Sha512, &h.finalize()),
        }
    }
}

/// The digest of a byte slice.
pub fn digest_of(alg: DigestAlgorithm, data: &[u8]) -> Digest {
    let mut h = Hasher::new(alg);
    h.update(data);
    h.finish()
}

/// Checks a whole blob against its expected digest.
pub fn check_blob(what: &str, expected: &Digest, data: &[u8]) -> Result<(), crate::SourceError> {
    let actual = digest_of(expected.algorithm(), data);
    if &actual != expected {
        return Err(crate::SourceError::DigestMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

/// Reads at most `limit` bytes; more is an error (manifests and configs are
/// small, a huge one is hostile).
pub fn read_limited(
    what: &str,
    mut r: impl Read,
    limit: u64,
) -> Result<Vec<u8>, crate::SourceError> {
    let mut buf = Vec::new();
    (&mut r)
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| crate::SourceError::Network {
            url: what.to_string(),
            detail: e.to_string(),
        })?;
    if buf.len() as u64 > limit {
        return Err(crate::SourceError::TooLarge {
            what: what.to_string(),
            limit,
        });
    }
    Ok(buf)
}

/// Wraps a blob stream and checks its digest (and size, when known) when the
/// stream ends. A mismatch surfaces as an `InvalidData` I/O error from the
/// read that reaches the end, so no consumer can miss it.
pub struct VerifyingReader<R> {
    inner: R,
    what: String,
    expected: Digest,
    expected_size: Option<u64>,
    hasher: Option<Hasher>,
    read: u64,
    verified: bool,
    failure: Option<String>,
}

impl<R: Read> VerifyingReader<R> {
    pub fn new(inner: R, what: impl Into<String>, expected: Digest, size: Option<u64>) -> Self {
        let hasher = Hasher::new(expected.algorithm());
        VerifyingReader {
            inner,
            what: what.into(),
            expected,
            expected_size: size,
            hasher: Some(hasher),
            read: 0,
            verified: false,
            failure: None,
        }
    }

    /// Why verification failed, once it has.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    fn fail(&mut self, msg: String) -> io::Error {
        self.failure = Some(msg.clone());
        io::Error::new(io::ErrorKind::InvalidData, msg)
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Has the end been reached and the digest matched?
    pub fn is_verified(&self) -> bool {
        self.verified
    }

    fn check_end(&mut self) -> io::Result<()> {
        let Some(h) = self.hasher.take() else {
            return Ok(());
        };
        if let Some(size) = self.expected_size
            && size != self.read
        {
            let msg = format!(
                "{}: size mismatch: expected {size} bytes, got {} (truncated or padded blob)",
                self.what, self.read
            );
            return Err(self.fail(msg));
        }
        let actual = h.finish();
        if actual != self.expected {
            let msg = format!(
                "{}: digest mismatch: expected {}, got {actual}",
                self.what, self.expected
            );
            return Err(self.fail(msg));
        }
        self.verified = true;
        Ok(())
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.check_end()?;
            return Ok(0);
        }
        self.read += n as u64;
        if let Some(size) = self.expected_size
            && self.read > size
        {
            let msg = format!(
                "{}: blob longer than its descriptor's {size} bytes",
                self.what
            );
            return Err(self.fail(msg));
        }
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(data: &[u8]) -> Digest {
        digest_of(DigestAlgorithm::Sha256, data)
    }

    #[test]
    fn good_stream_verifies() {
        let data = b"hello layer".to_vec();
        let mut r = VerifyingReader::new(&data[..], "blob", sha(&data), Some(data.len() as u64));
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert!(r.is_verified());
    }

    #[test]
    fn wrong_digest_fails_at_end() {
        let data = b"hello layer".to_vec();
        let mut r = VerifyingReader::new(&data[..], "blob x", sha(b"other"), None);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("blob x: digest mismatch"), "{err}");
    }

    #[test]
    fn truncated_stream_fails_on_size() {
        let data = b"hello".to_vec();
        let mut r = VerifyingReader::new(&data[..], "blob", sha(b"hello world"), Some(11));
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("size mismatch"), "{err}");
    }

    #[test]
    fn read_limited_refuses_big_blobs() {
        let data = [0u8; 100];
        assert!(read_limited("m", &data[..], 100).is_ok());
        assert!(matches!(
            read_limited("m", &data[..], 99),
            Err(crate::SourceError::TooLarge { .. })
        ));
    }
}
