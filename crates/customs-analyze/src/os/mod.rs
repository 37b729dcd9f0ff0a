//! Operating system: os-release and friends, dpkg, apk, rpm.

pub mod apk;
pub mod dpkg;
pub mod release;
pub mod rpm;

#[cfg(test)]
mod images_test;

use crate::Analyzer;

/// The analyzers of this family.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(release::OsRelease),
        Box::new(dpkg::Dpkg),
        Box::new(apk::Apk),
        Box::new(rpm::Rpm),
    ]
}
