//! Advisory data for customs: a tolerant [OSV](https://ossf.github.io/osv-schema/)
//! model, the embedded SQLite advisory database, import from osv.dev dumps
//! and incremental update over HTTPS.
//!
//! - [`osv`]: the record model ([`Vulnerability`], [`Affected`], …).
//! - [`AdvisoryStore`]: the matcher's seam, implemented by [`Db`] and [`MemoryStore`].
//! - [`Db`]: read-only queries for the matcher ([`Db::affected_for`],
//!   [`Db::vulnerability`], [`Db::status`]).
//! - [`import()`]: load a local osv.dev-layout directory, one `all.zip`, or a
//!   JSON file.
//! - [`update()`]: download or incrementally update from an osv.dev-style
//!   bucket (see the [`update`](mod@update) module docs for the algorithm).
//!
//! Every write builds a new database in a temporary file beside the target
//! and renames it into place: readers never see a half-written database, and
//! an interrupted import or update leaves the previous one usable.
//! Version matching is not done here (see `customs-version`).

mod codec;
pub mod db;
pub mod ecosystem;
pub mod error;
pub mod import;
pub mod osv;
pub mod schema;
pub mod store;
pub mod update;
mod writer;

pub use db::{AffectedCandidate, Db, DbStatus, EcosystemStatus};
pub use ecosystem::{DEFAULT_ECOSYSTEMS, ecosystem_base, normalize_name};
pub use error::{Error, Result, Warning};
pub use import::{FeedReport, ImportReport, UpdateMode, import};
pub use osv::{
    Affected, Credit, Event, Package, Range, RangeType, Reference, Severity, SeverityType,
    Vulnerability, parse_record, parse_timestamp,
};
pub use schema::SCHEMA_VERSION;
pub use store::{AdvisoryStore, MemoryStore};
pub use update::{DEFAULT_BASE_URL, UpdateOptions, UpdateSummary, update};
