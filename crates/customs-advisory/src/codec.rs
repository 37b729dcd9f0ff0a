//! How records and affected entries are stored in the database.
//!
//! Both `vulns.record` (the original record bytes) and `affected.affected`
//! (the typed [`Affected`] entry as compact JSON) are zstd frames. A new
//! database trains a zstd dictionary on a sample of its input (records and
//! their affected entries) and keeps it in the `zstd_dict` table; later
//! incremental changes reuse it. Single OSV records are small (a few hundred
//! bytes to a few KB), so the dictionary roughly halves their compressed
//! size. When there is too little input to train on, frames are written
//! without a dictionary; the reader handles both.

use std::io::Read;
use std::path::Path;

use crate::osv::{Affected, Vulnerability};

/// zstd level for records and affected entries.
pub(crate) const LEVEL: i32 = 6;
/// Largest dictionary trained.
const DICT_MAX: usize = 110 * 1024;
/// Aim for about this many sample bytes when training.
const SAMPLE_BYTES: usize = 4 * 1024 * 1024;
/// Records larger than this are not used as samples.
const SAMPLE_MAX_RECORD: u64 = 64 * 1024;
/// Fewer samples than this: no dictionary.
const MIN_SAMPLES: usize = 64;
/// Upper bound for a decompressed blob.
const MAX_DECODED: usize = 64 * 1024 * 1024;

/// Reusable compression context.
pub(crate) struct Encoder {
    compressor: zstd::bulk::Compressor<'static>,
}

impl Encoder {
    pub(crate) fn new(dict: Option<&[u8]>) -> Result<Self, String> {
        let compressor = match dict {
            Some(d) => zstd::bulk::Compressor::with_dictionary(LEVEL, d),
            None => zstd::bulk::Compressor::new(LEVEL),
        }
        .map_err(|e| format!("zstd: {e}"))?;
        Ok(Encoder { compressor })
    }

    pub(crate) fn record(&mut self, raw: &[u8]) -> Result<Vec<u8>, String> {
        self.compressor
            .compress(raw)
            .map_err(|e| format!("zstd: {e}"))
    }

    pub(crate) fn affected(&mut self, a: &Affected) -> Result<Vec<u8>, String> {
        let json = serde_json::to_vec(a).map_err(|e| e.to_string())?;
        self.record(&json)
    }
}

/// Reusable decompression context.
pub(crate) struct Decoder {
    decompressor: zstd::bulk::Decompressor<'static>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Decoder")
    }
}

impl Decoder {
    pub(crate) fn new(dict: Option<&[u8]>) -> Result<Self, String> {
        let decompressor = match dict {
            Some(d) => zstd::bulk::Decompressor::with_dictionary(d),
            None => zstd::bulk::Decompressor::new(),
        }
        .map_err(|e| format!("zstd: {e}"))?;
        Ok(Decoder { decompressor })
    }

    pub(crate) fn record(&mut self, blob: &[u8]) -> Result<Vec<u8>, String> {
        self.decompressor
            .decompress(blob, MAX_DECODED)
            .map_err(|e| format!("zstd: {e}"))
    }

    pub(crate) fn affected(&mut self, blob: &[u8]) -> Result<Affected, String> {
        let json = self.record(blob)?;
        serde_json::from_slice(&json).map_err(|e| format!("affected JSON: {e}"))
    }
}

/// Adds a record and the compact JSON of its affected entries to `samples`.
fn push_samples(raw: &[u8], samples: &mut Vec<Vec<u8>>) {
    samples.push(raw.to_vec());
    if let Ok(v) = serde_json::from_slice::<Vulnerability>(raw) {
        for a in &v.affected {
            if let Ok(json) = serde_json::to_vec(a) {
                samples.push(json);
            }
        }
    }
}

/// Trains a dictionary from an even sample of the entries of these zips.
/// Returns `None` when there is too little data or training fails (the
/// database is then written without a dictionary).
pub(crate) fn train_from_zips(zips: &[&Path]) -> Option<Vec<u8>> {
    let mut archives = Vec::new();
    let mut total_bytes: u64 = 0;
    for path in zips {
        let Ok(file) = std::fs::File::open(path) else {
            continue;
        };
        let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
            continue;
        };
        for i in 0..archive.len() {
            if let Ok(e) = archive.by_index_raw(i) {
                total_bytes += e.size();
            }
        }
        archives.push(archive);
    }
    // Take every n-th entry so that about SAMPLE_BYTES are read.
    let stride = (total_bytes / SAMPLE_BYTES as u64).max(1) as usize;
    let mut samples = Vec::new();
    let mut buf = Vec::new();
    for archive in &mut archives {
        for i in (0..archive.len()).step_by(stride) {
            let Ok(entry) = archive.by_index(i) else {
                continue;
            };
            if !entry.is_file() || entry.size() > SAMPLE_MAX_RECORD {
                continue;
            }
            buf.clear();
            if entry.take(SAMPLE_MAX_RECORD).read_to_end(&mut buf).is_ok() {
                push_samples(&buf, &mut samples);
            }
        }
    }
    train(&samples)
}

fn train(samples: &[Vec<u8>]) -> Option<Vec<u8>> {
    if samples.len() < MIN_SAMPLES {
        return None;
    }
    match zstd::dict::from_samples(samples, DICT_MAX) {
        Ok(d) if !d.is_empty() => Some(d),
        Ok(_) => None,
        Err(e) => {
            tracing::info!(error = %e, "zstd dictionary training failed; writing without one");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_and_without_dictionary() {
        let samples: Vec<Vec<u8>> = (0..200)
            .map(|i| {
                format!(
                    r#"{{"id": "T-{i}", "modified": "2024-01-01T00:00:00Z", "affected": [{{"package": {{"ecosystem": "PyPI", "name": "pkg{i}"}}, "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "{i}.0"}}]}}]}}]}}"#
                )
                .into_bytes()
            })
            .collect();
        let dict = train(&samples);
        for d in [dict.as_deref(), None] {
            let mut enc = Encoder::new(d).unwrap();
            let mut dec = Decoder::new(d).unwrap();
            let blob = enc.record(&samples[7]).unwrap();
            assert_eq!(dec.record(&blob).unwrap(), samples[7]);
            let v: Vulnerability = serde_json::from_slice(&samples[3]).unwrap();
            let blob = enc.affected(&v.affected[0]).unwrap();
            assert_eq!(dec.affected(&blob).unwrap(), v.affected[0]);
        }
        // A frame written without a dictionary reads with one loaded.
        if let Some(d) = dict.as_deref() {
            let blob = Encoder::new(None).unwrap().record(&samples[1]).unwrap();
            assert_eq!(
                Decoder::new(Some(d)).unwrap().record(&blob).unwrap(),
                samples[1]
            );
        }
        assert!(Decoder::new(None).unwrap().record(b"not zstd").is_err());
        assert!(train(&samples[..10]).is_none());
    }
}
