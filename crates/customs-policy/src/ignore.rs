//! `.customsignore`: one vulnerability id per line, an optional
//! `exp:YYYY-MM-DD` and an optional `# justification`.
//!
//! ```text
//! # reviewed 2026-11-02 by the platform team
//! CVE-2023-32681 exp:2027-03-01 # proxy credentials never set in this image
//! GHSA-j8r2-6x86-q33q            # same issue, GitHub id
//! ```
//!
//! An entry matches a finding through any of its ids (the shown id, its
//! aliases, the OSV records). Past its date an entry stops hiding and is
//! reported as expired.

use customs_types::VulnFinding;
use serde::Serialize;

use crate::PolicyError;

/// One ignore line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoreEntry {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    pub line: usize,
    #[serde(skip)]
    date: Option<time::Date>,
}

impl IgnoreEntry {
    /// Expired when today is after the expiry date (the date itself still
    /// counts).
    pub fn is_expired(&self, today: time::Date) -> bool {
        self.date.is_some_and(|d| today > d)
    }
}

/// A parsed ignore file.
#[derive(Debug, Clone, Default)]
pub struct IgnoreFile {
    pub path: String,
    pub entries: Vec<IgnoreEntry>,
}

fn parse_date(s: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).ok()
}

impl IgnoreFile {
    pub fn parse(path: &str, text: &str) -> Result<IgnoreFile, PolicyError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let (body, comment) = match raw.split_once('#') {
                Some((b, c)) => (b, Some(c.trim())),
                None => (raw, None),
            };
            let mut words = body.split_whitespace();
            let Some(id) = words.next() else { continue };
            let mut expires = None;
            let mut date = None;
            for w in words {
                if let Some(d) = w.strip_prefix("exp:") {
                    date = Some(parse_date(d).ok_or_else(|| PolicyError::IgnoreFile {
                        path: path.to_string(),
                        line,
                        reason: format!("bad expiry date {d:?} (want exp:YYYY-MM-DD)"),
                    })?);
                    expires = Some(d.to_string());
                } else {
                    return Err(PolicyError::IgnoreFile {
                        path: path.to_string(),
                        line,
                        reason: format!(
                            "unexpected {w:?} (a line is: ID [exp:YYYY-MM-DD] [# justification])"
                        ),
                    });
                }
            }
            entries.push(IgnoreEntry {
                id: id.to_string(),
                expires,
                justification: comment.filter(|c| !c.is_empty()).map(str::to_string),
                line,
                date,
            });
        }
        Ok(IgnoreFile {
            path: path.to_string(),
            entries,
        })
    }

    /// The live entry that hides this finding, if any.
    pub fn matching(&self, f: &VulnFinding, today: time::Date) -> Option<&IgnoreEntry> {
        self.entries
            .iter()
            .find(|e| !e.is_expired(today) && f.all_ids().any(|id| id.eq_ignore_ascii_case(&e.id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_rejects_junk() {
        let f = IgnoreFile::parse(
            "x",
            "\n# comment\nCVE-1\nCVE-2 exp:2025-01-31\nCVE-3 # why not\n  GHSA-a  exp:2030-12-01   # later\n",
        )
        .unwrap();
        assert_eq!(f.entries.len(), 4);
        assert_eq!(f.entries[1].expires.as_deref(), Some("2025-01-31"));
        assert_eq!(f.entries[2].justification.as_deref(), Some("why not"));
        assert_eq!(f.entries[3].line, 6);
        let today = time::Date::from_calendar_date(2025, time::Month::January, 31).unwrap();
        assert!(
            !f.entries[1].is_expired(today),
            "the expiry day itself still counts"
        );
        assert!(f.entries[1].is_expired(today.next_day().unwrap()));
        let err = IgnoreFile::parse("x", "CVE-1 exp:tomorrow")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x:1") && err.contains("exp:YYYY-MM-DD"),
            "{err}"
        );
        assert!(IgnoreFile::parse("x", "CVE-1 junk").is_err());
    }
}
