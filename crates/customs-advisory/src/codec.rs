//! How records and affected entries are stored in the database.
//!
//! - `vulns.record`: the original record bytes, zstd-compressed (level
//!   [`RECORD_LEVEL`]); pretty-printed OSV JSON compresses about 4-6x.
//! - `affected.affected`: the typed [`Affected`] entry serialised as compact
//!   JSON (no compression: it is read on every lookup).

use crate::osv::Affected;

/// zstd level for full records.
pub(crate) const RECORD_LEVEL: i32 = 6;

/// Reusable compression context.
pub(crate) struct Encoder {
    compressor: zstd::bulk::Compressor<'static>,
}

impl Encoder {
    pub(crate) fn new() -> Result<Self, String> {
        let compressor = zstd::bulk::Compressor::new(RECORD_LEVEL).map_err(|e| e.to_string())?;
        Ok(Encoder { compressor })
    }

    pub(crate) fn record(&mut self, raw: &[u8]) -> Result<Vec<u8>, String> {
        self.compressor.compress(raw).map_err(|e| e.to_string())
    }

    pub(crate) fn affected(&mut self, a: &Affected) -> Result<Vec<u8>, String> {
        serde_json::to_vec(a).map_err(|e| e.to_string())
    }
}

pub(crate) fn decode_record(blob: &[u8]) -> Result<Vec<u8>, String> {
    zstd::stream::decode_all(blob).map_err(|e| format!("zstd: {e}"))
}

pub(crate) fn decode_affected(blob: &[u8]) -> Result<Affected, String> {
    serde_json::from_slice(blob).map_err(|e| format!("affected JSON: {e}"))
}
