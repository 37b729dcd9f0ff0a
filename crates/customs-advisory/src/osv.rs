//! A tolerant model of OSV records (<https://ossf.github.io/osv-schema/>).
//!
//! Tolerance rules:
//! - unknown fields are ignored (the database keeps the original record
//!   bytes, so nothing is lost);
//! - ecosystems, range types, severity types and reference types are kept as
//!   strings or as an `Other(String)` variant, never rejected;
//! - `null` is accepted wherever a list is expected;
//! - an event object with an unknown key becomes [`Event::Unknown`];
//! - timestamps stay strings; [`parse_timestamp`] reads them on demand.
//!
//! A record that still fails to deserialize (for example `"affected": 3`) is
//! an error for that record only; callers count and skip it.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One OSV advisory.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Vulnerability {
    /// OSV schema version the record claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// Advisory id (`PYSEC-2021-1`, `GHSA-…`, `GO-2022-0001`, …).
    pub id: String,
    /// RFC 3339 time of the last change (kept as a string).
    #[serde(default, deserialize_with = "null_as_default")]
    pub modified: String,
    /// RFC 3339 publication time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// RFC 3339 withdrawal time; a withdrawn record must not be reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Ids of the same vulnerability in other databases.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub aliases: Vec<String>,
    /// Ids of closely related, but different, vulnerabilities.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub related: Vec<String>,
    /// Ids of upstream advisories this one derives from.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub upstream: Vec<String>,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer description (CommonMark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Severity scores.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub severity: Vec<Severity>,
    /// Affected packages and version ranges.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub references: Vec<Reference>,
    /// Credits.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub credits: Vec<Credit>,
    /// Database-specific data (GHSA puts `severity`, `github_reviewed`, `cwe_ids` here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

impl Vulnerability {
    /// True when the record carries a (non-empty) `withdrawn` time.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }

    /// `modified` parsed as RFC 3339, if it is valid.
    pub fn modified_at(&self) -> Option<OffsetDateTime> {
        parse_timestamp(&self.modified)
    }

    /// `published` parsed as RFC 3339, if present and valid.
    pub fn published_at(&self) -> Option<OffsetDateTime> {
        self.published.as_deref().and_then(parse_timestamp)
    }

    /// The textual severity in `database_specific.severity` (GHSA: `LOW`,
    /// `MODERATE`, `HIGH`, `CRITICAL`), if any.
    pub fn database_severity(&self) -> Option<&str> {
        self.database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(Value::as_str)
    }
}

/// Parses an RFC 3339 timestamp as used by OSV (`2021-07-05T00:01:25.360500Z`).
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).ok()
}

/// Formats a timestamp as RFC 3339 (UTC as `Z`).
pub fn format_timestamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this build does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The OSV spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Option::<String>::deserialize(d)?.unwrap_or_default();
                Ok($name::from(s.as_str()))
            }
        }
    };
}

string_enum! {
    /// `severity[].type`.
    SeverityType {
        /// CVSS v2 vector.
        CvssV2 => "CVSS_V2",
        /// CVSS v3.x vector.
        CvssV3 => "CVSS_V3",
        /// CVSS v4 vector.
        CvssV4 => "CVSS_V4",
        /// Ubuntu priority word.
        Ubuntu => "Ubuntu",
    }
}

string_enum! {
    /// `affected[].ranges[].type`.
    RangeType {
        /// Semantic versioning 2.0.
        Semver => "SEMVER",
        /// The ecosystem's own version ordering.
        Ecosystem => "ECOSYSTEM",
        /// Git commit hashes.
        Git => "GIT",
    }
}

/// One severity entry; `score` is kept verbatim (it may be an invalid vector).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// Scoring system.
    #[serde(rename = "type")]
    pub kind: SeverityType,
    /// Vector or score string.
    #[serde(default, deserialize_with = "null_as_default")]
    pub score: String,
}

/// An affected package with its ranges.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Affected {
    /// The package; may be absent in OSV for GIT-only entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    /// Per-package severity (OSV 1.5+).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub severity: Vec<Severity>,
    /// Version ranges.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ranges: Vec<Range>,
    /// Explicitly enumerated affected versions.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub versions: Vec<String>,
    /// Ecosystem-specific data (Go: `imports`/symbols, Debian: urgency, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Value>,
    /// Database-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

impl Affected {
    /// The package ecosystem string (`""` when there is no package).
    pub fn ecosystem(&self) -> &str {
        self.package.as_ref().map_or("", |p| p.ecosystem.as_str())
    }

    /// The package name (`""` when there is no package).
    pub fn name(&self) -> &str {
        self.package.as_ref().map_or("", |p| p.name.as_str())
    }
}

/// `affected[].package`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Package {
    /// Ecosystem string, possibly with a release suffix (`Debian:11`).
    /// Unknown ecosystems are kept as they are.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ecosystem: String,
    /// Package name as the advisory spells it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Range type.
    #[serde(rename = "type")]
    pub kind: RangeType,
    /// Repository URL for GIT ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Events in the order given.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub events: Vec<Event>,
    /// Database-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// A range event. Each OSV event object has exactly one key.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `{"introduced": v}` (`"0"` means "since the beginning").
    Introduced(String),
    /// `{"fixed": v}`.
    Fixed(String),
    /// `{"last_affected": v}`.
    LastAffected(String),
    /// `{"limit": v}`.
    Limit(String),
    /// Anything else, kept verbatim.
    Unknown {
        /// The key (empty for an empty object).
        key: String,
        /// The value.
        value: Value,
    },
}

impl Event {
    /// The version (or commit) string of a known event.
    pub fn version(&self) -> Option<&str> {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => {
                Some(v)
            }
            Event::Unknown { .. } => None,
        }
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        match self {
            Event::Introduced(v) => map.serialize_entry("introduced", v)?,
            Event::Fixed(v) => map.serialize_entry("fixed", v)?,
            Event::LastAffected(v) => map.serialize_entry("last_affected", v)?,
            Event::Limit(v) => map.serialize_entry("limit", v)?,
            Event::Unknown { key, value } => map.serialize_entry(key, value)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EventVisitor;

        impl<'de> Visitor<'de> for EventVisitor {
            type Value = Event;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an OSV range event object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
                let mut found: Option<Event> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: Value = map.next_value()?;
                    if found.is_some() {
                        continue; // OSV allows one key; ignore extras.
                    }
                    let text = match &value {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    };
                    found = Some(match (key.as_str(), text) {
                        ("introduced", Some(v)) => Event::Introduced(v),
                        ("fixed", Some(v)) => Event::Fixed(v),
                        ("last_affected", Some(v)) => Event::LastAffected(v),
                        ("limit", Some(v)) => Event::Limit(v),
                        _ => Event::Unknown { key, value },
                    });
                }
                Ok(found.unwrap_or(Event::Unknown {
                    key: String::new(),
                    value: Value::Null,
                }))
            }
        }

        d.deserialize_map(EventVisitor)
    }
}

/// `references[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `FIX`, `WEB`, … kept as a string.
    #[serde(rename = "type", default, deserialize_with = "null_as_default")]
    pub kind: String,
    /// The link.
    #[serde(default, deserialize_with = "null_as_default")]
    pub url: String,
}

/// `credits[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Credit {
    /// Who.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// How to reach them.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub contact: Vec<String>,
    /// Credit type (`FINDER`, `REPORTER`, …).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Parses one OSV record.
pub fn parse_record(bytes: &[u8]) -> Result<Vulnerability, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Best-effort extraction of `"id"` from bytes that failed to parse as a
/// record, used to name the record in a warning.
pub(crate) fn sniff_id(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    serde_json::from_slice::<IdOnly>(bytes).ok().map(|r| r.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_parse() {
        let json = br#"{
            "id": "X-1", "modified": "2024-01-01T00:00:00Z", "aliases": null,
            "some_future_field": {"a": 1},
            "severity": [{"type": "CVSS_V5", "score": "whatever"}, {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}],
            "affected": [{
                "package": {"ecosystem": "Brand-New-Eco:7", "name": "Foo"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2"}, {"mystery": "x"}, {}]},
                           {"type": "WEIRD", "events": [{"limit": "9"}, {"last_affected": "8"}]}],
                "database_specific": {"severity": "HIGH"}
            }],
            "database_specific": {"severity": "HIGH"}
        }"#;
        let v = parse_record(json).unwrap();
        assert_eq!(v.id, "X-1");
        assert!(v.aliases.is_empty());
        assert_eq!(v.severity[0].kind, SeverityType::Other("CVSS_V5".into()));
        assert_eq!(v.severity[1].kind, SeverityType::CvssV3);
        assert_eq!(v.affected[0].ecosystem(), "Brand-New-Eco:7");
        let ev = &v.affected[0].ranges[0].events;
        assert_eq!(ev[0], Event::Introduced("0".into()));
        assert_eq!(ev[1], Event::Fixed("1.2".into()));
        assert!(matches!(&ev[2], Event::Unknown { key, .. } if key == "mystery"));
        assert!(matches!(&ev[3], Event::Unknown { key, .. } if key.is_empty()));
        assert_eq!(
            v.affected[0].ranges[1].kind,
            RangeType::Other("WEIRD".into())
        );
        assert_eq!(v.database_severity(), Some("HIGH"));
        assert!(!v.is_withdrawn());
        assert!(v.modified_at().is_some());

        // Round trip through our serializer keeps the typed content.
        let back: Vulnerability =
            serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn bad_records_are_errors_not_panics() {
        assert!(parse_record(br#"{"id": "X", "affected": 3}"#).is_err());
        assert!(parse_record(br#"{"affected": []}"#).is_err());
        assert!(parse_record(b"not json").is_err());
        assert_eq!(
            sniff_id(br#"{"id": "X", "affected": 3}"#).as_deref(),
            Some("X")
        );
    }

    #[test]
    fn withdrawn_and_timestamps() {
        let v = parse_record(
            br#"{"id": "W", "modified": "0001-01-01T00:00:00Z", "withdrawn": "2024-05-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(v.is_withdrawn());
        assert_eq!(v.modified_at().unwrap().year(), 1);
        assert!(parse_timestamp("2021-07-05T00:01:25.360500Z").is_some());
        assert!(parse_timestamp("yesterday").is_none());
    }
}
