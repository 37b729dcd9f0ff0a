//! Importing OSV data from local files.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::db::FeedState;
use crate::ecosystem::ecosystem_base;
use crate::error::{Error, Result, Warning};
use crate::osv::{Vulnerability, format_timestamp, parse_record, parse_timestamp, sniff_id};
use crate::writer::{Put, Writer, lock};

/// Records larger than this (uncompressed) are skipped with a warning.
pub(crate) const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// How a feed was brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpdateMode {
    /// The whole feed was (re)loaded from `all.zip`.
    Full,
    /// Only changed records were applied.
    Incremental,
    /// Nothing changed (304 or no newer entries).
    Unchanged,
}

/// Per-feed counts of an import or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedReport {
    /// Feed name (`PyPI`, `Debian`, …).
    pub ecosystem: String,
    /// How the feed was processed.
    pub mode: UpdateMode,
    /// Records read (zip entries, JSON records, or records downloaded).
    pub fetched: u64,
    /// Records that were not in the database before.
    pub added: u64,
    /// Records that replaced a stored version.
    pub updated: u64,
    /// Withdrawn records: skipped, and removed if they were stored.
    pub withdrawn: u64,
    /// Records that failed to parse (named in the warnings) and were skipped.
    pub invalid: u64,
    /// Records the feed holds afterwards.
    pub records: u64,
}

impl FeedReport {
    pub(crate) fn new(ecosystem: &str, mode: UpdateMode) -> Self {
        FeedReport {
            ecosystem: ecosystem.to_owned(),
            mode,
            fetched: 0,
            added: 0,
            updated: 0,
            withdrawn: 0,
            invalid: 0,
            records: 0,
        }
    }
}

/// What [`import`] did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The database written.
    pub db_path: PathBuf,
    /// Per-feed counts, by feed name.
    pub ecosystems: BTreeMap<String, FeedReport>,
    /// Skipped records and other non-fatal problems.
    pub warnings: Vec<Warning>,
    /// Size of the new database file in bytes.
    pub db_size: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Imports local OSV data into the database at `db_path`.
///
/// `path` may be:
/// - a directory in osv.dev's layout (`<Eco>/all.zip`, optional
///   `ecosystems.txt` and `<Eco>/modified_id.csv`): a new database holding
///   exactly these feeds replaces the old one;
/// - one zip of OSV JSON files: that feed (named after the parent directory
///   for `all.zip`, otherwise after the file stem) is replaced, other feeds
///   of an existing database are kept;
/// - one JSON file with one OSV record or an array of records: the records
///   are added or replaced (withdrawn ones removed) in the existing database,
///   without moving the feed's update cursor.
///
/// In every case the result is built in a temporary file beside `db_path`
/// and renamed into place.
pub fn import(path: &Path, db_path: &Path) -> Result<ImportReport> {
    let started = Instant::now();
    let _lock = lock(db_path)?;
    let meta = std::fs::metadata(path).map_err(Error::io("reading", path))?;
    let mut warnings = Vec::new();
    let mut reports = BTreeMap::new();
    let size = if meta.is_dir() {
        import_dir(path, db_path, &mut reports, &mut warnings)?
    } else if is_zip(path)? {
        import_zip(path, db_path, &mut reports, &mut warnings)?
    } else {
        import_json(path, db_path, &mut reports, &mut warnings)?
    };
    for w in &warnings {
        tracing::warn!("{w}");
    }
    Ok(ImportReport {
        db_path: db_path.to_path_buf(),
        ecosystems: reports,
        warnings,
        db_size: size,
        elapsed: started.elapsed(),
    })
}

fn is_zip(path: &Path) -> Result<bool> {
    let mut magic = [0u8; 4];
    let mut f = std::fs::File::open(path).map_err(Error::io("opening", path))?;
    let n = f.read(&mut magic).map_err(Error::io("reading", path))?;
    Ok(n == 4 && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06"))
}

/// Feeds listed in `ecosystems.txt` style lists: a `Base:release` entry is
/// dropped when `Base` itself is listed (osv.dev publishes both, and the base
/// feed already holds every release's records).
pub(crate) fn dedupe_feed_names(names: Vec<String>) -> Vec<String> {
    let set: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut out: Vec<String> = names
        .iter()
        .filter(|n| !(n.contains(':') && set.contains(ecosystem_base(n))))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

fn import_dir(
    dir: &Path,
    db_path: &Path,
    reports: &mut BTreeMap<String, FeedReport>,
    warnings: &mut Vec<Warning>,
) -> Result<u64> {
    let list = dir.join("ecosystems.txt");
    let names: Vec<String> = if list.is_file() {
        let text = std::fs::read_to_string(&list).map_err(Error::io("reading", &list))?;
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    } else {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(Error::io("listing", dir))? {
            let entry = entry.map_err(Error::io("listing", dir))?;
            if entry.path().join("all.zip").is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names
    };
    let feeds = dedupe_feed_names(names);
    let zips: Vec<PathBuf> = feeds.iter().map(|f| dir.join(f).join("all.zip")).collect();
    let dict =
        crate::codec::train_from_zips(&zips.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let mut writer = Writer::fresh(db_path, dict)?;
    let now = writer.now();
    let mut any = false;
    for feed in feeds {
        let zip_path = dir.join(&feed).join("all.zip");
        if !zip_path.is_file() {
            warnings.push(Warning {
                location: zip_path.display().to_string(),
                id: None,
                message: "listed in ecosystems.txt but missing; feed skipped".into(),
            });
            continue;
        }
        any = true;
        let report = load_zip_file(&mut writer, &feed, &zip_path, now, warnings)?;
        reports.insert(feed, report);
    }
    if !any {
        return Err(Error::NoRecords {
            path: dir.to_path_buf(),
        });
    }
    writer.finish(Some(&dir.display().to_string()))
}

fn import_zip(
    zip_path: &Path,
    db_path: &Path,
    reports: &mut BTreeMap<String, FeedReport>,
    warnings: &mut Vec<Warning>,
) -> Result<u64> {
    let feed = feed_name_for_zip(zip_path);
    let mut writer = open_for_merge(db_path, Some(zip_path), warnings)?;
    let now = writer.now();
    writer.clear_feed(&feed)?;
    let report = load_zip_file(&mut writer, &feed, zip_path, now, warnings)?;
    reports.insert(feed, report);
    writer.finish(Some(&zip_path.display().to_string()))
}

fn feed_name_for_zip(zip_path: &Path) -> String {
    let stem = zip_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem == "all" {
        let parent = zip_path.canonicalize().ok().and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|n| n.to_os_string())
        });
        if let Some(p) = parent {
            return p.to_string_lossy().into_owned();
        }
    }
    stem
}

/// Copy of the existing database, or a new one when there is none (or it
/// cannot be used: that case is reported as a warning).
fn open_for_merge(
    db_path: &Path,
    train_on: Option<&Path>,
    warnings: &mut Vec<Warning>,
) -> Result<Writer> {
    let fresh = || {
        Writer::fresh(
            db_path,
            train_on.and_then(|z| crate::codec::train_from_zips(&[z])),
        )
    };
    if !db_path.exists() {
        return fresh();
    }
    match Writer::from_existing(db_path) {
        Ok(w) => Ok(w),
        Err(e @ (Error::SchemaMismatch { .. } | Error::NotADatabase { .. })) => {
            warnings.push(Warning {
                location: db_path.display().to_string(),
                id: None,
                message: format!("existing database replaced by a new one: {e}"),
            });
            fresh()
        }
        Err(e) => Err(e),
    }
}

fn import_json(
    json_path: &Path,
    db_path: &Path,
    reports: &mut BTreeMap<String, FeedReport>,
    warnings: &mut Vec<Warning>,
) -> Result<u64> {
    let bytes = std::fs::read(json_path).map_err(Error::io("reading", json_path))?;
    let location = json_path.display().to_string();
    // (raw bytes, parsed) per record.
    let mut records: Vec<(Vec<u8>, Vulnerability)> = Vec::new();
    let mut invalid = 0u64;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'[') {
        let values: Vec<serde_json::Value> =
            serde_json::from_slice(&bytes).map_err(|source| Error::Json {
                location: location.clone(),
                source,
            })?;
        for (i, value) in values.into_iter().enumerate() {
            let raw = serde_json::to_vec(&value).unwrap_or_default();
            match serde_json::from_value::<Vulnerability>(value.clone()) {
                Ok(v) => records.push((raw, v)),
                Err(e) => {
                    invalid += 1;
                    warnings.push(Warning {
                        location: format!("{location}[{i}]"),
                        id: value.get("id").and_then(|v| v.as_str()).map(str::to_owned),
                        message: format!("invalid OSV record skipped: {e}"),
                    });
                }
            }
        }
    } else {
        match parse_record(&bytes) {
            Ok(v) => records.push((bytes.clone(), v)),
            Err(e) => {
                // A single record that does not parse is the whole input: an error.
                return Err(Error::Json {
                    location: match sniff_id(&bytes) {
                        Some(id) => format!("{location} ({id})"),
                        None => location,
                    },
                    source: e,
                });
            }
        }
    }
    if records.is_empty() && invalid == 0 {
        return Err(Error::NoRecords {
            path: json_path.to_path_buf(),
        });
    }
    let feed = majority_feed(records.iter().map(|(_, v)| v));
    let mut writer = open_for_merge(db_path, None, warnings)?;
    let mut report = FeedReport::new(&feed, UpdateMode::Incremental);
    report.invalid = invalid;
    for (raw, rec) in &records {
        report.fetched += 1;
        if rec.is_withdrawn() {
            report.withdrawn += 1;
            writer.remove(&rec.id)?;
            continue;
        }
        match writer.put(&feed, raw, rec)? {
            Put::Added => report.added += 1,
            Put::Updated => report.updated += 1,
        }
    }
    // Keep the feed's cursor and validators: a single record says nothing
    // about the rest of the feed.
    let state = writer.feed_state(&feed)?.unwrap_or_else(|| FeedState {
        ecosystem: feed.clone(),
        ..FeedState::default()
    });
    writer.set_feed(&state, &location)?;
    report.records = writer.feed_count(&feed)?;
    reports.insert(feed, report);
    writer.finish(None)
}

/// The most common base ecosystem among the records' affected packages.
fn majority_feed<'a>(records: impl Iterator<Item = &'a Vulnerability>) -> String {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for rec in records {
        for a in &rec.affected {
            let base = ecosystem_base(a.ecosystem());
            if base.is_empty() {
                continue;
            }
            let c = counts.entry(base).or_insert(0);
            if *c == 0 {
                order.push(base);
            }
            *c += 1;
        }
    }
    let best = order
        .iter()
        .copied()
        .max_by(|a, b| counts[a].cmp(&counts[b]).then_with(|| b.cmp(a)));
    best.unwrap_or("unknown").to_owned()
}

fn load_zip_file(
    writer: &mut Writer,
    feed: &str,
    zip_path: &Path,
    now: OffsetDateTime,
    warnings: &mut Vec<Warning>,
) -> Result<FeedReport> {
    let file = std::fs::File::open(zip_path).map_err(Error::io("opening", zip_path))?;
    let location = zip_path.display().to_string();
    let loaded = load_zip(
        writer,
        feed,
        std::io::BufReader::new(file),
        &location,
        warnings,
    )?;
    let csv = zip_path.with_file_name("modified_id.csv");
    let csv_head = if csv.is_file() {
        match std::fs::read(&csv) {
            Ok(bytes) => {
                let mut scan = IndexScan::new(None, now);
                for line in bytes.split(|b| *b == b'\n') {
                    if !scan.line(line, &csv.display().to_string(), warnings) {
                        break;
                    }
                }
                scan.head
            }
            Err(e) => {
                warnings.push(Warning {
                    location: csv.display().to_string(),
                    id: None,
                    message: format!("cannot read: {e}"),
                });
                None
            }
        }
    } else {
        None
    };
    let state = FeedState {
        ecosystem: feed.to_owned(),
        last_modified: csv_head.or(loaded.max_modified(now)).map(format_timestamp),
        ..FeedState::default()
    };
    writer.set_feed(&state, &location)?;
    let mut report = loaded.report;
    report.records = writer.feed_count(feed)?;
    Ok(report)
}

/// Result of loading one zip.
pub(crate) struct ZipLoad {
    pub report: FeedReport,
    /// All `modified` times seen (non-withdrawn records).
    max_modified_candidates: Vec<OffsetDateTime>,
}

impl ZipLoad {
    /// Newest record `modified` that is not in the future.
    pub(crate) fn max_modified(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.max_modified_candidates
            .iter()
            .copied()
            .filter(|t| *t <= now)
            .max()
    }
}

/// Puts every record of a zip into `feed` (which the caller cleared if the
/// feed is being replaced). Entries that cannot be read or parsed are
/// counted and named in `warnings`; only an unreadable archive is an error.
pub(crate) fn load_zip<R: Read + Seek>(
    writer: &mut Writer,
    feed: &str,
    reader: R,
    location: &str,
    warnings: &mut Vec<Warning>,
) -> Result<ZipLoad> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|source| Error::Zip {
        location: location.to_owned(),
        source,
    })?;
    let mut report = FeedReport::new(feed, UpdateMode::Full);
    let mut modified = Vec::new();
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                report.invalid += 1;
                warnings.push(Warning {
                    location: format!("{location}!#{i}"),
                    id: None,
                    message: format!("unreadable zip entry skipped: {e}"),
                });
                continue;
            }
        };
        if !entry.is_file() {
            continue;
        }
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if !name.ends_with(".json") {
            continue;
        }
        let entry_loc = format!("{location}!{name}");
        let file_id = Path::new(&name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        report.fetched += 1;
        if entry.size() > MAX_RECORD_BYTES {
            report.invalid += 1;
            warnings.push(Warning {
                location: entry_loc,
                id: file_id,
                message: format!("record larger than {MAX_RECORD_BYTES} bytes skipped"),
            });
            continue;
        }
        buf.clear();
        if let Err(e) = (&mut entry).take(MAX_RECORD_BYTES).read_to_end(&mut buf) {
            report.invalid += 1;
            warnings.push(Warning {
                location: entry_loc,
                id: file_id,
                message: format!("unreadable zip entry skipped: {e}"),
            });
            continue;
        }
        drop(entry);
        apply_record(
            writer,
            feed,
            &buf,
            &entry_loc,
            file_id,
            &mut report,
            Some(&mut modified),
            warnings,
        )?;
    }
    Ok(ZipLoad {
        report,
        max_modified_candidates: modified,
    })
}

/// Parses one record and stores or removes it. Parse failures are counted
/// and warned about; storage failures are errors.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_record(
    writer: &mut Writer,
    feed: &str,
    raw: &[u8],
    location: &str,
    fallback_id: Option<String>,
    report: &mut FeedReport,
    modified: Option<&mut Vec<OffsetDateTime>>,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let rec = match parse_record(raw) {
        Ok(r) => r,
        Err(e) => {
            report.invalid += 1;
            warnings.push(Warning {
                location: location.to_owned(),
                id: sniff_id(raw).or(fallback_id),
                message: format!("invalid OSV record skipped: {e}"),
            });
            return Ok(());
        }
    };
    if rec.is_withdrawn() {
        report.withdrawn += 1;
        writer.remove(&rec.id)?;
        return Ok(());
    }
    if let (Some(m), Some(t)) = (modified, rec.modified_at()) {
        m.push(t);
    }
    match writer.put(feed, raw, &rec)? {
        Put::Added => report.added += 1,
        Put::Updated => report.updated += 1,
    }
    Ok(())
}

/// Scanner for `modified_id.csv` lines (`<RFC 3339>,<ID>`, newest first).
///
/// With a cursor, collects the entries at or after it and stops at the
/// first entry before it. Without one, only looks for the head. `head` is the
/// newest time seen that is not in the future: records dated in the future
/// (PyPI has two, dated 2027) must not become the cursor, or every later
/// change dated before them would be missed.
pub(crate) struct IndexScan {
    cursor: Option<OffsetDateTime>,
    now: OffsetDateTime,
    /// Newest non-future time seen.
    pub head: Option<OffsetDateTime>,
    /// Entries at or after the cursor, in file order.
    pub entries: Vec<(OffsetDateTime, String)>,
    line_no: usize,
}

impl IndexScan {
    pub(crate) fn new(cursor: Option<OffsetDateTime>, now: OffsetDateTime) -> Self {
        IndexScan {
            cursor,
            now,
            head: None,
            entries: Vec::new(),
            line_no: 0,
        }
    }

    /// Feeds one line; returns false once scanning should stop.
    pub(crate) fn line(
        &mut self,
        line: &[u8],
        location: &str,
        warnings: &mut Vec<Warning>,
    ) -> bool {
        self.line_no += 1;
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if text.is_empty() {
            return true;
        }
        let parsed = text
            .split_once(',')
            .and_then(|(t, id)| Some((parse_timestamp(t)?, id.trim())));
        let Some((t, id)) = parsed.filter(|(_, id)| !id.is_empty()) else {
            warnings.push(Warning {
                location: format!("{location}:{}", self.line_no),
                id: None,
                message: format!("malformed index line ignored: {text:?}"),
            });
            return true;
        };
        // entries in the cursor's own second are read too: a record changed
        // in the same second as the last one seen, but listed after it, was
        // not seen yet (those already stored are skipped by their time)
        if let Some(c) = self.cursor
            && t < c
        {
            return false;
        }
        if t <= self.now {
            self.head = Some(self.head.map_or(t, |h| h.max(t)));
        }
        match self.cursor {
            Some(_) => {
                self.entries.push((t, id.to_owned()));
                true
            }
            // Without a cursor only the head matters; the file is sorted, so
            // the first non-future line is it.
            None => t > self.now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_names_dedupe() {
        let names = vec![
            "Debian".to_string(),
            "Debian:11".to_string(),
            "Alpine:v3.11".to_string(),
            "PyPI".to_string(),
            "PyPI".to_string(),
        ];
        assert_eq!(
            dedupe_feed_names(names),
            vec!["Alpine:v3.11", "Debian", "PyPI"]
        );
    }

    #[test]
    fn index_scan_skips_future_and_stops_before_the_cursor() {
        let now = parse_timestamp("2026-12-01T00:00:00Z").unwrap();
        let csv = "2027-07-09T15:54:00Z,FUTURE-1\n2026-11-30T00:00:00Z,NEW-1\nbroken line\n2026-11-01T00:00:00Z,OLD-1\n2026-10-01T00:00:00Z,OLD-2\n";
        let mut w = Vec::new();
        let mut scan = IndexScan::new(parse_timestamp("2026-11-01T00:00:00Z"), now);
        for l in csv.as_bytes().split(|b| *b == b'\n') {
            if !scan.line(l, "x.csv", &mut w) {
                break;
            }
        }
        let ids: Vec<_> = scan.entries.iter().map(|(_, id)| id.as_str()).collect();
        // OLD-1 is in the cursor's second: it may have been listed after the
        // record that set the cursor, so it is looked at again
        assert_eq!(ids, ["FUTURE-1", "NEW-1", "OLD-1"]);
        assert_eq!(scan.head, parse_timestamp("2026-11-30T00:00:00Z"));
        assert_eq!(w.len(), 1);

        let mut scan = IndexScan::new(None, now);
        for l in csv.as_bytes().split(|b| *b == b'\n') {
            if !scan.line(l, "x.csv", &mut w) {
                break;
            }
        }
        assert!(scan.entries.is_empty());
        assert_eq!(scan.head, parse_timestamp("2026-11-30T00:00:00Z"));
    }

    #[test]
    fn majority() {
        let v: Vulnerability = parse_record(
            br#"{"id":"A","affected":[{"package":{"ecosystem":"Debian:11","name":"a"}},{"package":{"ecosystem":"Debian:10","name":"a"}},{"package":{"ecosystem":"npm","name":"a"}}]}"#,
        )
        .unwrap();
        assert_eq!(majority_feed([&v].into_iter()), "Debian");
        assert_eq!(majority_feed(std::iter::empty()), "unknown");
    }
}
