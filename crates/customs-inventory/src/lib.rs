//! An embedded store of image inventories (one SQLite file), and queries
//! against the current advisory database that never read an image again:
//!
//! - [`Store::add`]: an image's (or an SBOM's) OS and packages, by digest
//!   (the manifest digest, else the config digest, else a sha256 of the
//!   name: [`StoredInventory::digest_of`]); adding the same digest again
//!   replaces it and remembers the new reference.
//! - [`Store::list`]: the stored images.
//! - [`Store::affected_by_id`]: the images an advisory (`CVE-…`, `GHSA-…`,
//!   any OSV id) affects: the records with that id or alias name packages;
//!   the package index gives the stored images holding them; each
//!   candidate's subset of packages (with its OS) goes through the real
//!   matcher, [`customs_match::match_inventory`], so the answer equals what
//!   an image scan reports.
//! - [`Store::affected_by_package`]: the images holding a package in a
//!   version range (`<2.0`, `>=1.2,<1.3`, `1.2.3`), compared with the
//!   ecosystem's order from `customs-version`.
//! - [`Store::rescan`]: re-matches everything, stores the findings per
//!   image and reports what is new and what is gone since the last match.
//!
//! # Schema
//!
//! `images` (one row per digest), `packages` (every package, its
//! identifying columns and the package as JSON without its file list),
//! `package_keys` (the index: base ecosystem or package kind, normalised
//! name, image, package, version compared under that name) and `findings`
//! (the last match of each image). `meta` holds the kind of file and the
//! [`SCHEMA_VERSION`]; another SQLite file, a damaged file or another
//! version is refused with an error naming the file.
//!
//! A package is indexed under the OSV ecosystem and names the matcher
//! looks it up under ([`customs_match::target_for`]: a Debian binary under
//! its source package, a conda package under its PyPI name, ...), under its
//! own name, and under its package kind (`deb`, `python`, ...). The index is
//! written at `add`: a matcher that maps packages differently needs the
//! images added again.

mod affected;
mod error;
mod query;
mod rescan;
mod schema;
mod store;

pub use affected::{AffectedById, AffectedByPackage, AffectedImage, PackageImage, PackageMatch};
pub use error::{Error, Result};
pub use query::{CompiledRange, EcosystemQuery, Op, VersionRange, split_package_spec};
pub use rescan::{RescanImage, RescanReport, db_label};
pub use schema::SCHEMA_VERSION;
pub use store::{AddOutcome, ImageInfo, Store, StoredFinding, StoredInventory};

#[cfg(test)]
mod tests;
