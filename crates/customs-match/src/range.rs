//! OSV range semantics: is one version inside an `affected` entry?
//!
//! This follows the evaluation pseudocode of the OSV schema
//! (`IsVulnerable`, `IncludedInVersions`, `IncludedInRanges`,
//! `BeforeLimits`):
//!
//! - a version is affected when it is in **any** range or listed in
//!   `versions`;
//! - a range's events are sorted by version (stably: events with equal
//!   versions keep the record's order), `introduced: "0"` first; walking them,
//!   `introduced` with `v >= introduced` sets "vulnerable", `fixed` with
//!   `v >= fixed` clears it, `last_affected` with `v > last_affected` clears
//!   it;
//! - when a range has `limit` events, `v` must be below one of them (a limit
//!   containing `*` is infinity);
//! - `ECOSYSTEM` ranges use the ecosystem's ordering, `SEMVER` ranges
//!   SemVer 2.0 precedence, `GIT` ranges are ignored (commits cannot be
//!   compared with a version);
//! - a `versions` entry matches when it equals the installed version under
//!   the ecosystem's ordering (PEP 440 `1.0 == 1.0.0`), or as a trimmed
//!   string when either side does not parse.
//!
//! A range that cannot be evaluated (an event or the installed version does
//! not parse, an unknown range type or event) is skipped and reported in
//! [`AffectedVerdict::skipped`]: it never counts as a match.

use std::collections::HashMap;

use customs_advisory::{Affected, Event, Range, RangeType};
use customs_version::{ParsedVersion, Scheme, VersionError};
use serde::Serialize;

/// Why an entry matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// `ranges[index]` includes the version.
    Range {
        /// Index in `affected.ranges`.
        index: usize,
    },
    /// `versions` lists it (consulted only when no range matched).
    Versions {
        /// The listed string that matched.
        listed: String,
    },
}

/// A range that could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangeSkip {
    /// Index in `affected.ranges`.
    pub range: usize,
    /// Why.
    pub reason: String,
}

/// The answer of [`affects`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AffectedVerdict {
    /// The version is inside a range or listed.
    pub affected: bool,
    /// Why (empty when not affected).
    pub matched_by: Vec<MatchedBy>,
    /// Every `fixed` event of the entry's `ECOSYSTEM`/`SEMVER` ranges, in
    /// record order, without duplicates.
    pub fixed: Vec<String>,
    /// Ranges that could not be evaluated.
    pub skipped: Vec<RangeSkip>,
    /// `GIT` ranges ignored.
    pub git_ranges: usize,
}

/// Is `version` affected by `affected`, under the ecosystem ordering
/// `scheme` (use [`Scheme::for_ecosystem`] on the entry's ecosystem)?
///
/// Fails only when `version` is not a version of `scheme`; every problem
/// inside the record is reported in the verdict.
pub fn affects(
    affected: &Affected,
    scheme: Scheme,
    version: &str,
) -> Result<AffectedVerdict, VersionError> {
    let installed = Installed::new(version, scheme)?;
    let mut cache = VersionCache::default();
    Ok(evaluate(affected, &installed, &mut cache))
}

/// The installed version, parsed once per scheme it is needed in.
#[derive(Debug)]
pub(crate) struct Installed {
    raw: String,
    scheme: Scheme,
    eco: ParsedVersion,
    /// Parsed as SemVer for `SEMVER` ranges (when the ecosystem scheme is
    /// another one), on first use.
    semver: std::cell::OnceCell<Result<ParsedVersion, VersionError>>,
}

impl Installed {
    pub(crate) fn new(raw: &str, scheme: Scheme) -> Result<Installed, VersionError> {
        Ok(Installed {
            raw: raw.trim().to_owned(),
            scheme,
            eco: scheme.parse(raw)?,
            semver: std::cell::OnceCell::new(),
        })
    }

    pub(crate) fn parsed(&self) -> &ParsedVersion {
        &self.eco
    }

    pub(crate) fn scheme(&self) -> Scheme {
        self.scheme
    }

    fn under(&self, scheme: Scheme) -> Result<&ParsedVersion, &VersionError> {
        if scheme == self.scheme {
            return Ok(&self.eco);
        }
        // Only SEMVER ranges ask for another scheme.
        self.semver.get_or_init(|| scheme.parse(&self.raw)).as_ref()
    }
}

/// Record versions parsed once per scheme during a match run (advisories of
/// one package repeat the same versions, PyPI `versions` lists especially).
#[derive(Debug, Default)]
pub(crate) struct VersionCache {
    by_scheme: HashMap<Scheme, HashMap<Box<str>, Result<ParsedVersion, VersionError>>>,
}

impl VersionCache {
    /// Parses `s` (if not done yet); tells whether it is valid.
    fn ensure(&mut self, scheme: Scheme, s: &str) -> Result<(), VersionError> {
        let map = self.by_scheme.entry(scheme).or_default();
        if let Some(r) = map.get(s) {
            return r.as_ref().map(|_| ()).map_err(Clone::clone);
        }
        let r = scheme.parse(s);
        let out = r.as_ref().map(|_| ()).map_err(Clone::clone);
        map.insert(s.into(), r);
        out
    }

    /// A version parsed by [`VersionCache::ensure`].
    fn get(&self, scheme: Scheme, s: &str) -> Option<&ParsedVersion> {
        self.by_scheme.get(&scheme)?.get(s)?.as_ref().ok()
    }

    /// Parses `s` under `scheme` and returns it, if valid.
    pub(crate) fn parse(&mut self, scheme: Scheme, s: &str) -> Option<&ParsedVersion> {
        self.ensure(scheme, s).ok()?;
        self.get(scheme, s)
    }
}

pub(crate) fn evaluate(
    affected: &Affected,
    installed: &Installed,
    cache: &mut VersionCache,
) -> AffectedVerdict {
    let mut verdict = AffectedVerdict::default();
    for (index, range) in affected.ranges.iter().enumerate() {
        let scheme = match &range.kind {
            RangeType::Ecosystem => installed.scheme,
            RangeType::Semver => Scheme::SemVer,
            RangeType::Git => {
                verdict.git_ranges += 1;
                continue;
            }
            RangeType::Other(t) => {
                verdict.skipped.push(RangeSkip {
                    range: index,
                    reason: format!("unknown range type {t:?}"),
                });
                continue;
            }
        };
        for e in &range.events {
            if let Event::Fixed(f) = e {
                let f = f.trim();
                if !f.is_empty() && !verdict.fixed.iter().any(|x| x == f) {
                    verdict.fixed.push(f.to_owned());
                }
            }
        }
        let v = match installed.under(scheme) {
            Ok(v) => v,
            Err(e) => {
                verdict.skipped.push(RangeSkip {
                    range: index,
                    reason: format!(
                        "{} range: the installed version does not parse ({e})",
                        range.kind
                    ),
                });
                continue;
            }
        };
        match included(range, scheme, v, cache) {
            Ok(true) => {
                verdict.affected = true;
                verdict.matched_by.push(MatchedBy::Range { index });
            }
            Ok(false) => {}
            Err(reason) => verdict.skipped.push(RangeSkip {
                range: index,
                reason,
            }),
        }
    }
    if !verdict.affected
        && let Some(listed) = listed(&affected.versions, installed, cache)
    {
        verdict.affected = true;
        verdict.matched_by.push(MatchedBy::Versions {
            listed: listed.to_owned(),
        });
    }
    verdict
}

/// The `versions` entry equal to the installed version, if any.
fn listed<'a>(
    versions: &'a [String],
    installed: &Installed,
    cache: &mut VersionCache,
) -> Option<&'a str> {
    let scheme = installed.scheme;
    versions.iter().map(String::as_str).find(|listed| {
        let l = listed.trim();
        if l.is_empty() {
            return false;
        }
        if l == installed.raw {
            return true;
        }
        cache
            .parse(scheme, l)
            .is_some_and(|p| p == installed.parsed())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
}

/// `IncludedInRanges` for one range; `Err` when it cannot be evaluated.
fn included(
    range: &Range,
    scheme: Scheme,
    v: &ParsedVersion,
    cache: &mut VersionCache,
) -> Result<bool, String> {
    let bad = |what: &str, s: &str, e: VersionError| format!("{what} {s:?} does not parse ({e})");
    // First pass: parse every event (into the cache), reject what cannot be
    // evaluated.
    for e in &range.events {
        match e {
            Event::Introduced(s) if s.trim() == "0" => {}
            Event::Limit(s) if s.contains('*') => {}
            Event::Introduced(s) => cache
                .ensure(scheme, s.trim())
                .map_err(|e| bad("introduced", s, e))?,
            Event::Fixed(s) => cache
                .ensure(scheme, s.trim())
                .map_err(|e| bad("fixed", s, e))?,
            Event::LastAffected(s) => cache
                .ensure(scheme, s.trim())
                .map_err(|e| bad("last_affected", s, e))?,
            Event::Limit(s) => cache
                .ensure(scheme, s.trim())
                .map_err(|e| bad("limit", s, e))?,
            Event::Unknown { key, .. } => {
                return Err(format!("unknown event {key:?}"));
            }
        }
    }
    let minimum = ParsedVersion::minimum(scheme);
    let get = |s: &str| -> Result<&ParsedVersion, String> {
        cache
            .get(scheme, s.trim())
            .ok_or_else(|| format!("version {s:?} missing from the cache"))
    };
    let mut events: Vec<(Kind, &ParsedVersion)> = Vec::with_capacity(range.events.len());
    let mut limits = 0usize;
    let mut below_a_limit = false;
    for e in &range.events {
        match e {
            Event::Introduced(s) if s.trim() == "0" => events.push((Kind::Introduced, &minimum)),
            Event::Introduced(s) => events.push((Kind::Introduced, get(s)?)),
            Event::Fixed(s) => events.push((Kind::Fixed, get(s)?)),
            Event::LastAffected(s) => events.push((Kind::LastAffected, get(s)?)),
            Event::Limit(s) => {
                limits += 1;
                if s.contains('*') || v < get(s)? {
                    below_a_limit = true;
                }
            }
            Event::Unknown { .. } => {}
        }
    }
    // BeforeLimits: no limit means an implicit "*".
    if limits > 0 && !below_a_limit {
        return Ok(false);
    }
    // Stable: equal versions keep the record's order.
    events.sort_by(|a, b| a.1.cmp(b.1));
    let mut vulnerable = false;
    for (kind, at) in events {
        match kind {
            Kind::Introduced => {
                if v >= at {
                    vulnerable = true;
                }
            }
            Kind::Fixed => {
                if v >= at {
                    vulnerable = false;
                }
            }
            Kind::LastAffected => {
                if v > at {
                    vulnerable = false;
                }
            }
        }
    }
    Ok(vulnerable)
}
