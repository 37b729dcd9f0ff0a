//! Downloading and updating the database from an osv.dev-style HTTP(S)
//! bucket.
//!
//! Algorithm (per feed, i.e. per osv.dev directory such as `PyPI`):
//!
//! 1. No database, another schema version, a feed not in the database, a feed
//!    without a cursor, or `force_full`: **full**. GET
//!    `<base>/<Eco>/modified_id.csv` first (only its head is read: it gives the
//!    cursor), then `<base>/<Eco>/all.zip` (conditional when the feed is known)
//!    streamed to a temporary file beside the database. The feed's records are
//!    replaced by the zip's.
//! 2. Otherwise **incremental**: GET `modified_id.csv` with `If-None-Match` /
//!    `If-Modified-Since`. 304 means unchanged. Else the csv is streamed and
//!    read only until the first entry before the cursor; entries whose
//!    stored record already has that `modified` time (or newer) are skipped;
//!    the rest are fetched as `<base>/<Eco>/<ID>.json` (a few at a time) and
//!    added, replaced, or removed when withdrawn. When more than
//!    `max_incremental` entries changed, the feed falls back to a full
//!    (conditional) zip download.
//!
//! Everything is downloaded before the database is touched. The new database
//! is then built in a temporary file beside the old one (a copy of it, unless
//! rebuilt) on a blocking thread and renamed into place. Dropping the future
//! at any point leaves the previous database as it was; temporary files are
//! deleted on drop, and any that a killed process left behind are removed by
//! the next import or update (which holds `<db>.lock`).
//!
//! **Cursor** (`feeds.last_modified`): the newest `modified_id.csv` time that
//! is not in the future. Records dated in the future (PyPI has two dated
//! 2027-07-09) would otherwise become the cursor and hide every later change
//! dated before them; they still appear above the cursor in the csv, and are
//! not fetched again because their stored `modified` equals the csv time.
//! After a full download the cursor is capped at the zip's newest non-future
//! record `modified` (when that is a real date: Go records all carry
//! `0001-01-01`), in case the zip is older than the csv.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use tempfile::TempPath;
use time::OffsetDateTime;

use crate::db::{Db, FeedState};
use crate::ecosystem::DEFAULT_ECOSYSTEMS;
use crate::error::{Error, Result, Warning};
use crate::import::{FeedReport, IndexScan, UpdateMode, apply_record, dedupe_feed_names, load_zip};
use crate::osv::{format_timestamp, parse_timestamp};
use crate::writer::{Writer, lock, target_dir, temp_download_prefix};

/// osv.dev's public bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Knobs of [`update`].
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Longest wait for any read on a response (a stalled server fails the update).
    pub read_timeout: Duration,
    /// Parallel per-record downloads.
    pub concurrency: usize,
    /// Above this many changed records a feed is downloaded whole instead.
    pub max_incremental: usize,
    /// Download every feed's zip unconditionally.
    pub force_full: bool,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        UpdateOptions {
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            concurrency: 8,
            max_incremental: 2000,
            force_full: false,
            user_agent: concat!("customs-advisory/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// What [`update`] did.
#[derive(Debug, Clone)]
pub struct UpdateSummary {
    /// The database written.
    pub db_path: PathBuf,
    /// The base URL used.
    pub base_url: String,
    /// One entry per feed processed, sorted by name.
    pub ecosystems: Vec<FeedReport>,
    /// Why the database was rebuilt from scratch (no database, other schema
    /// version, unreadable file), if it was.
    pub rebuilt: Option<String>,
    /// Skipped records and other non-fatal problems.
    pub warnings: Vec<Warning>,
    /// HTTP requests sent.
    pub requests: u64,
    /// Response body bytes received.
    pub downloaded_bytes: u64,
    /// Size of the new database file.
    pub db_size: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Downloads or updates the database at `db_path` from `base_url` (see the
/// module docs for the algorithm). `ecosystems`: feeds to fetch; `None`
/// means the feeds already in the database, or for a new database every
/// feed in `<base>/ecosystems.txt` (a built-in list if that is missing).
pub async fn update(
    base_url: &str,
    ecosystems: Option<&[String]>,
    db_path: &Path,
    opts: &UpdateOptions,
) -> Result<UpdateSummary> {
    let started = Instant::now();
    let base = normalize_base(base_url)?;
    let lock = lock(db_path)?;
    let http = Http::new(opts, &base)?;
    let now = OffsetDateTime::now_utc();
    let mut warnings = Vec::new();

    let (existing, rebuilt) = match Db::open(db_path) {
        Ok(db) => (Some(db), None),
        Err(Error::Missing { .. }) => (None, Some("no database yet".to_owned())),
        Err(e @ (Error::SchemaMismatch { .. } | Error::NotADatabase { .. })) => {
            tracing::warn!("{e}; rebuilding");
            (None, Some(e.to_string()))
        }
        Err(e) => return Err(e),
    };
    let states: HashMap<String, FeedState> = match &existing {
        Some(db) => db
            .feed_states()?
            .into_iter()
            .map(|s| (s.ecosystem.clone(), s))
            .collect(),
        None => HashMap::new(),
    };

    let feeds = match ecosystems {
        Some(list) => dedupe_feed_names(list.iter().map(|s| s.trim().to_owned()).collect()),
        None if !states.is_empty() => {
            let mut v: Vec<String> = states.keys().cloned().collect();
            v.sort();
            v
        }
        None => http.ecosystem_list(&base).await?,
    };

    let mut plans = Vec::with_capacity(feeds.len());
    for feed in feeds {
        let state = if opts.force_full {
            None
        } else {
            states.get(&feed)
        };
        let plan = plan_feed(
            &http,
            &base,
            &feed,
            state,
            existing.as_ref(),
            db_path,
            now,
            opts,
            &mut warnings,
        )
        .await?;
        plans.push(plan);
    }
    let had_db = existing.is_some();
    drop(existing);

    // Build on a blocking thread; dropping this future sets `cancel`, which
    // makes the writer stop before renaming.
    let cancel = Arc::new(AtomicBool::new(false));
    let guard = CancelOnDrop(cancel.clone());
    let db = db_path.to_path_buf();
    let source = base.clone();
    let task = tokio::task::spawn_blocking(move || {
        // The lock moves here: if this future is dropped, it is held until
        // the build has noticed the cancellation and removed its file.
        let _lock = lock;
        build(&db, had_db, plans, &source, now, cancel, warnings)
    });
    let (reports, warnings, db_size) = task.await.map_err(|e| Error::Task {
        path: db_path.to_path_buf(),
        reason: e.to_string(),
    })??;
    drop(guard);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    Ok(UpdateSummary {
        db_path: db_path.to_path_buf(),
        base_url: base,
        ecosystems: reports,
        rebuilt,
        warnings,
        requests: http.requests.load(Ordering::Relaxed),
        downloaded_bytes: http.bytes.load(Ordering::Relaxed),
        db_size,
        elapsed: started.elapsed(),
    })
}

struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What to do with one feed, with everything already downloaded.
enum Plan {
    Unchanged {
        feed: String,
        /// New validators/cursor to store, if any changed.
        state: Option<FeedState>,
    },
    Incremental {
        feed: String,
        state: FeedState,
        csv_url: String,
        /// (url, body) per downloaded record.
        records: Vec<(String, Vec<u8>)>,
    },
    Full {
        feed: String,
        state: FeedState,
        csv_head: Option<OffsetDateTime>,
        zip_url: String,
        zip: TempPath,
    },
}

#[allow(clippy::too_many_arguments)]
async fn plan_feed(
    http: &Http,
    base: &str,
    feed: &str,
    state: Option<&FeedState>,
    existing: Option<&Db>,
    db_path: &Path,
    now: OffsetDateTime,
    opts: &UpdateOptions,
    warnings: &mut Vec<Warning>,
) -> Result<Plan> {
    let dir = format!("{base}/{}", encode_segment(feed));
    let csv_url = format!("{dir}/modified_id.csv");
    let zip_url = format!("{dir}/all.zip");
    let cursor = state
        .and_then(|s| s.last_modified.as_deref())
        .and_then(parse_timestamp);

    let mut new_state = FeedState {
        ecosystem: feed.to_owned(),
        ..state.cloned().unwrap_or_default()
    };

    if let (Some(state), Some(cursor), Some(db)) = (state, cursor, existing) {
        match http
            .get(
                &csv_url,
                state.csv_etag.as_deref(),
                state.csv_last_modified.as_deref(),
            )
            .await?
        {
            Got::NotModified => {
                return Ok(Plan::Unchanged {
                    feed: feed.to_owned(),
                    state: None,
                });
            }
            Got::NotFound => {
                warnings.push(Warning {
                    location: csv_url.clone(),
                    id: None,
                    message: "no modified_id.csv; checking all.zip instead".into(),
                });
                new_state.csv_etag = None;
                new_state.csv_last_modified = None;
            }
            Got::Ok(resp) => {
                let (etag, last_mod) = validators(&resp);
                let scan = http
                    .scan_index(
                        resp,
                        &csv_url,
                        Some(cursor),
                        now,
                        opts.max_incremental,
                        warnings,
                    )
                    .await?;
                new_state.csv_etag = etag;
                new_state.csv_last_modified = last_mod;
                if scan.entries.len() <= opts.max_incremental {
                    let new_cursor = scan.head.map_or(cursor, |h| h.max(cursor));
                    new_state.last_modified = Some(format_timestamp(new_cursor));
                    let wanted = changed_ids(db, &scan.entries)?;
                    let records = http
                        .fetch_records(&dir, wanted, opts.concurrency, warnings)
                        .await?;
                    if records.is_empty() {
                        return Ok(Plan::Unchanged {
                            feed: feed.to_owned(),
                            state: Some(new_state),
                        });
                    }
                    return Ok(Plan::Incremental {
                        feed: feed.to_owned(),
                        state: new_state,
                        csv_url,
                        records,
                    });
                }
                tracing::info!(
                    feed,
                    "more than {} changed records; downloading all.zip",
                    opts.max_incremental
                );
                // Fall through to a (conditional) full download, with the
                // csv head as the new cursor.
                return full(
                    http,
                    feed,
                    new_state,
                    scan.head,
                    Some(state),
                    &zip_url,
                    db_path,
                    warnings,
                )
                .await;
            }
        }
        return full(
            http,
            feed,
            new_state,
            None,
            Some(state),
            &zip_url,
            db_path,
            warnings,
        )
        .await;
    }

    // Full download: the csv first (its head becomes the cursor), then the zip.
    let mut csv_head = None;
    match http.get(&csv_url, None, None).await? {
        Got::Ok(resp) => {
            let (etag, last_mod) = validators(&resp);
            let scan = http
                .scan_index(resp, &csv_url, None, now, opts.max_incremental, warnings)
                .await?;
            new_state.csv_etag = etag;
            new_state.csv_last_modified = last_mod;
            csv_head = scan.head;
        }
        Got::NotFound | Got::NotModified => {
            new_state.csv_etag = None;
            new_state.csv_last_modified = None;
        }
    }
    full(
        http, feed, new_state, csv_head, state, &zip_url, db_path, warnings,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn full(
    http: &Http,
    feed: &str,
    mut new_state: FeedState,
    csv_head: Option<OffsetDateTime>,
    old: Option<&FeedState>,
    zip_url: &str,
    db_path: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<Plan> {
    let (etag, last_mod) = match old {
        Some(s) => (s.zip_etag.as_deref(), s.zip_last_modified.as_deref()),
        None => (None, None),
    };
    match http.get(zip_url, etag, last_mod).await? {
        Got::NotModified => {
            // The zip is what we already hold; keep the old cursor but store
            // the fresh csv validators.
            if let Some(old) = old {
                new_state.last_modified = old.last_modified.clone();
            }
            Ok(Plan::Unchanged {
                feed: feed.to_owned(),
                state: Some(new_state),
            })
        }
        Got::NotFound => {
            warnings.push(Warning {
                location: zip_url.to_owned(),
                id: None,
                message: "not found at the source; feed left as it was".into(),
            });
            Ok(Plan::Unchanged {
                feed: feed.to_owned(),
                state: None,
            })
        }
        Got::Ok(resp) => {
            let (etag, last_mod) = validators(&resp);
            new_state.zip_etag = etag;
            new_state.zip_last_modified = last_mod;
            let zip = http.download(resp, zip_url, db_path).await?;
            Ok(Plan::Full {
                feed: feed.to_owned(),
                state: new_state,
                csv_head,
                zip_url: zip_url.to_owned(),
                zip,
            })
        }
    }
}

/// Index entries whose record is not stored with that `modified` time (or a
/// newer one). Compared at whole seconds: the csv drops fractions.
fn changed_ids(db: &Db, entries: &[(OffsetDateTime, String)]) -> Result<Vec<String>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (t, id) in entries {
        if !seen.insert(id.as_str()) {
            continue;
        }
        let stored = db
            .modified_of(id)?
            .as_deref()
            .and_then(parse_timestamp)
            .map(|m| m.replace_nanosecond(0).unwrap_or(m));
        if stored.is_some_and(|m| m >= *t) {
            continue;
        }
        out.push(id.clone());
    }
    Ok(out)
}

/// Cursor after loading a full zip: the csv head, capped at the newest real
/// record `modified` (see the module docs).
fn choose_cursor(
    csv_head: Option<OffsetDateTime>,
    zip_max: Option<OffsetDateTime>,
) -> Option<OffsetDateTime> {
    let zip_max = zip_max.filter(|t| t.year() >= 1970);
    match (csv_head, zip_max) {
        (Some(c), Some(z)) => Some(c.min(z.replace_nanosecond(0).unwrap_or(z))),
        (Some(c), None) => Some(c),
        (None, z) => z,
    }
}

fn build(
    db_path: &Path,
    had_db: bool,
    plans: Vec<Plan>,
    source: &str,
    now: OffsetDateTime,
    cancel: Arc<AtomicBool>,
    mut warnings: Vec<Warning>,
) -> Result<(Vec<FeedReport>, Vec<Warning>, u64)> {
    let mut writer = if had_db {
        Writer::from_existing(db_path)?
    } else {
        let zips: Vec<&Path> = plans
            .iter()
            .filter_map(|p| match p {
                Plan::Full { zip, .. } => Some(zip.as_ref()),
                _ => None,
            })
            .collect();
        Writer::fresh(db_path, crate::codec::train_from_zips(&zips))?
    };
    writer.set_cancel(cancel);
    let mut reports = Vec::with_capacity(plans.len());
    for plan in plans {
        let (feed, mut report) = match plan {
            Plan::Unchanged { feed, state } => {
                if let Some(state) = state {
                    writer.set_feed(&state, source)?;
                }
                let report = FeedReport::new(&feed, UpdateMode::Unchanged);
                (feed, report)
            }
            Plan::Incremental {
                feed,
                state,
                csv_url,
                records,
            } => {
                let mut report = FeedReport::new(&feed, UpdateMode::Incremental);
                for (url, body) in &records {
                    report.fetched += 1;
                    apply_record(
                        &mut writer,
                        &feed,
                        body,
                        url,
                        None,
                        &mut report,
                        None,
                        &mut warnings,
                    )?;
                }
                writer.set_feed(&state, &csv_url)?;
                (feed, report)
            }
            Plan::Full {
                feed,
                mut state,
                csv_head,
                zip_url,
                zip,
            } => {
                writer.clear_feed(&feed)?;
                let file = std::fs::File::open(&zip).map_err(Error::io("opening", &zip))?;
                let loaded = load_zip(
                    &mut writer,
                    &feed,
                    std::io::BufReader::new(file),
                    &zip_url,
                    &mut warnings,
                )?;
                drop(zip);
                state.last_modified =
                    choose_cursor(csv_head, loaded.max_modified(now)).map(format_timestamp);
                writer.set_feed(&state, &zip_url)?;
                (feed, loaded.report)
            }
        };
        report.records = writer.feed_count(&feed)?;
        reports.push(report);
    }
    reports.sort_by(|a, b| a.ecosystem.cmp(&b.ecosystem));
    let size = writer.finish(Some(source))?;
    Ok((reports, warnings, size))
}

fn normalize_base(url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    if !(trimmed.starts_with("https://") || trimmed.starts_with("http://")) {
        return Err(Error::BadUrl {
            url: url.to_owned(),
            reason: "must start with https:// or http://",
        });
    }
    if trimmed.contains(['?', '#']) {
        return Err(Error::BadUrl {
            url: url.to_owned(),
            reason: "must not contain a query or fragment",
        });
    }
    Ok(trimmed.to_owned())
}

/// Percent-encodes one path segment (ecosystem names may contain spaces,
/// e.g. `Red Hat`).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn validators(resp: &reqwest::Response) -> (Option<String>, Option<String>) {
    let h = |name| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    (h(ETAG), h(LAST_MODIFIED))
}

enum Got {
    Ok(reqwest::Response),
    NotModified,
    NotFound,
}

struct Http {
    client: reqwest::Client,
    requests: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
}

impl Http {
    fn new(opts: &UpdateOptions, base: &str) -> Result<Http> {
        let client = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .read_timeout(opts.read_timeout)
            .user_agent(opts.user_agent.clone())
            .build()
            .map_err(|source| Error::Http {
                url: base.to_owned(),
                source,
            })?;
        Ok(Http {
            client,
            requests: Arc::new(AtomicU64::new(0)),
            bytes: Arc::new(AtomicU64::new(0)),
        })
    }

    async fn get(&self, url: &str, etag: Option<&str>, last_mod: Option<&str>) -> Result<Got> {
        get(&self.client, &self.requests, url, etag, last_mod).await
    }

    async fn ecosystem_list(&self, base: &str) -> Result<Vec<String>> {
        let url = format!("{base}/ecosystems.txt");
        match self.get(&url, None, None).await? {
            Got::Ok(resp) => {
                let body = resp.bytes().await.map_err(|source| Error::Http {
                    url: url.clone(),
                    source,
                })?;
                self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                let names = String::from_utf8_lossy(&body)
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned)
                    .collect();
                Ok(dedupe_feed_names(names))
            }
            Got::NotFound | Got::NotModified => {
                tracing::info!(%url, "no ecosystems.txt; using the built-in list");
                Ok(DEFAULT_ECOSYSTEMS.iter().map(|s| (*s).to_owned()).collect())
            }
        }
    }

    /// Streams `modified_id.csv`, stopping as soon as the scan is done.
    async fn scan_index(
        &self,
        mut resp: reqwest::Response,
        url: &str,
        cursor: Option<OffsetDateTime>,
        now: OffsetDateTime,
        max_entries: usize,
        warnings: &mut Vec<Warning>,
    ) -> Result<IndexScan> {
        let mut scan = IndexScan::new(cursor, now);
        let mut pending: Vec<u8> = Vec::new();
        let mut done = false;
        while !done {
            let chunk = resp.chunk().await.map_err(|source| Error::Http {
                url: url.to_owned(),
                source,
            })?;
            let Some(chunk) = chunk else { break };
            self.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(pos) = pending[start..].iter().position(|b| *b == b'\n') {
                let line = &pending[start..start + pos];
                start += pos + 1;
                if !scan.line(line, url, warnings) || scan.entries.len() > max_entries {
                    done = true;
                    break;
                }
            }
            pending.drain(..start);
        }
        if !done && !pending.is_empty() {
            scan.line(&pending, url, warnings);
        }
        Ok(scan)
    }

    /// Streams a body into a temporary file beside the database.
    async fn download(
        &self,
        mut resp: reqwest::Response,
        url: &str,
        db_path: &Path,
    ) -> Result<TempPath> {
        let dir = target_dir(db_path);
        let mut file = tempfile::Builder::new()
            .prefix(&temp_download_prefix(db_path))
            .suffix(".zip")
            .tempfile_in(&dir)
            .map_err(Error::io("creating temporary file in", &dir))?;
        while let Some(chunk) = resp.chunk().await.map_err(|source| Error::Http {
            url: url.to_owned(),
            source,
        })? {
            self.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            file.write_all(&chunk)
                .map_err(Error::io("writing", file.path()))?;
        }
        file.flush().map_err(Error::io("writing", file.path()))?;
        Ok(file.into_temp_path())
    }

    /// Downloads `<dir>/<ID>.json` for each id; ids the server does not have
    /// are warned about and skipped.
    async fn fetch_records(
        &self,
        dir: &str,
        ids: Vec<String>,
        concurrency: usize,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let client = &self.client;
        let requests = &self.requests;
        let bytes = &self.bytes;
        let results: Vec<(String, String, Option<Vec<u8>>)> =
            futures_util::stream::iter(ids.into_iter().map(|id| {
                let url = format!("{dir}/{}.json", encode_segment(&id));
                async move {
                    match get(client, requests, &url, None, None).await? {
                        Got::Ok(resp) => {
                            let body = resp.bytes().await.map_err(|source| Error::Http {
                                url: url.clone(),
                                source,
                            })?;
                            bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                            Ok::<_, Error>((id, url, Some(body.to_vec())))
                        }
                        Got::NotFound | Got::NotModified => Ok((id, url, None)),
                    }
                }
            }))
            .buffer_unordered(concurrency.max(1))
            .try_collect()
            .await?;
        let mut out = Vec::with_capacity(results.len());
        for (id, url, body) in results {
            match body {
                Some(b) => out.push((url, b)),
                None => warnings.push(Warning {
                    location: url,
                    id: Some(id),
                    message: "listed in modified_id.csv but not found; skipped".into(),
                }),
            }
        }
        // Apply in a stable order (the stream completes out of order).
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

async fn get(
    client: &reqwest::Client,
    requests: &AtomicU64,
    url: &str,
    etag: Option<&str>,
    last_mod: Option<&str>,
) -> Result<Got> {
    let mut req = client.get(url);
    if let Some(e) = etag {
        req = req.header(IF_NONE_MATCH, e);
    }
    if let Some(l) = last_mod {
        req = req.header(IF_MODIFIED_SINCE, l);
    }
    requests.fetch_add(1, Ordering::Relaxed);
    let resp = req.send().await.map_err(|source| Error::Http {
        url: url.to_owned(),
        source,
    })?;
    let status = resp.status().as_u16();
    match status {
        200..=299 => Ok(Got::Ok(resp)),
        304 => Ok(Got::NotModified),
        404 | 410 => Ok(Got::NotFound),
        _ => Err(Error::HttpStatus {
            url: url.to_owned(),
            status,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base("https://example.org/bucket/").unwrap(),
            "https://example.org/bucket"
        );
        assert!(normalize_base("ftp://x").is_err());
        assert!(normalize_base("https://x/?a=b").is_err());
    }

    #[test]
    fn segments() {
        assert_eq!(encode_segment("crates.io"), "crates.io");
        assert_eq!(encode_segment("Debian:11"), "Debian:11");
        assert_eq!(encode_segment("Red Hat"), "Red%20Hat");
        assert_eq!(encode_segment("a/b?c#d%"), "a%2Fb%3Fc%23d%25");
    }

    #[test]
    fn cursor_choice() {
        let t = |s| parse_timestamp(s);
        let go_zero = t("0001-01-01T00:00:00Z");
        let head = t("2026-08-21T20:38:00Z");
        assert_eq!(choose_cursor(head, go_zero), head);
        assert_eq!(
            choose_cursor(head, t("2026-08-01T00:00:00.5Z")),
            t("2026-08-01T00:00:00Z")
        );
        assert_eq!(choose_cursor(head, t("2026-09-01T00:00:00Z")), head);
        assert_eq!(
            choose_cursor(None, t("2026-09-01T00:00:00Z")),
            t("2026-09-01T00:00:00Z")
        );
    }
}
