//! Data types shared by every customs crate. No I/O lives here.
//!
//! The arrow of the pipeline is source → layers → analyzers → inventory →
//! matcher → policy → report; every stage speaks in these types.

pub mod digest;
pub mod finding;
pub mod image;
pub mod package;
pub mod path;
pub mod vuln;

pub use digest::{Digest, DigestAlgorithm, DigestError};
pub use finding::{
    MisconfigTarget, Misconfiguration, ModelFinding, ModelIssue, ModelVerdict, RemovedIn,
    SecretFinding, SecretOrigin, SecretScanStats,
};
pub use image::{
    FileEntry, FileKind, HistoryLine, ImageConfigSummary, ImageSummary, LayerMeta, LayerSummary,
    Platform, PlatformError, Removal, RemovedEntry, Unknown,
};
pub use package::{Inventory, OsInfo, OsManaged, Package, PackageKind};
pub use path::PathError;
pub use vuln::{
    CvssScore, FixStatus, PackageRef, Severity, SeverityError, Suppression, VulnFinding,
};
