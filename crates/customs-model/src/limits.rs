//! Bounds on the work and memory one scan may use.

/// Bounds on the work and memory one scan may use. Reaching one is a finding
/// ([`crate::FindingKind::LimitReached`]), never a crash, and never a "safe" verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of one pickle stream (all concatenated pickles of a file together).
    pub max_pickle_bytes: u64,
    /// Most opcodes walked in one pickle stream.
    pub max_opcodes: u64,
    /// Deepest the symbolic stack may get.
    pub max_stack_depth: usize,
    /// Most memo entries kept; past it, new entries are dropped and the scan is marked degraded.
    pub max_memo_entries: usize,
    /// Longest string or bytes constant kept in full (longer ones keep a prefix). Nested
    /// payloads (`pickle.loads(b"...")`) are only re-scanned when kept in full.
    pub max_const_bytes: usize,
    /// Total bytes of long constants kept across one stream.
    pub max_retained_bytes: u64,
    /// Total container items kept across one stream (containers keep only their first items).
    pub max_retained_items: u64,
    /// Biggest zip (or other random-access container) read into memory when the caller gives
    /// a plain `Read`. Use [`crate::scan_model_seekable`] for bigger files.
    pub max_in_memory_bytes: u64,
    /// Biggest zip entry read (decompressed) for scanning.
    pub max_entry_bytes: u64,
    /// Most entries of one zip looked at.
    pub max_zip_entries: usize,
    /// How deep archives and nested pickle payloads are followed.
    pub max_nesting: u32,
    /// Biggest JSON document parsed (`config.json`, an HDF5 `model_config`, a safetensors header).
    pub max_json_bytes: u64,
    /// Most bytes of an HDF5 file searched for Keras configs.
    pub max_h5_scan_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pickle_bytes: 1 << 30,
            max_opcodes: 100_000_000,
            max_stack_depth: 1_000_000,
            max_memo_entries: 8_000_000,
            max_const_bytes: 8 << 20,
            max_retained_bytes: 64 << 20,
            max_retained_items: 1_000_000,
            max_in_memory_bytes: 512 << 20,
            max_entry_bytes: 1 << 30,
            max_zip_entries: 100_000,
            max_nesting: 4,
            max_json_bytes: 64 << 20,
            max_h5_scan_bytes: 4 << 30,
        }
    }
}
