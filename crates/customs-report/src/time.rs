//! RFC 3339 timestamps: checked, and reduced to the SPDX form.

use crate::ReportError;

struct Parts<'a> {
    /// `YYYY-MM-DDThh:mm:ss`
    seconds: &'a str,
    /// `Z`, `+00:00`, `-05:00`
    offset: &'a str,
}

fn parse(s: &str) -> Option<Parts<'_>> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (month, day, hour, minute, second) =
        (num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = &s[i..];
    let ok = offset == "Z"
        || offset == "z"
        || (offset.len() == 6
            && (offset.starts_with('+') || offset.starts_with('-'))
            && offset.as_bytes()[3] == b':'
            && offset[1..3].bytes().all(|c| c.is_ascii_digit())
            && offset[4..6].bytes().all(|c| c.is_ascii_digit()));
    ok.then(|| Parts {
        seconds: &s[..19],
        offset,
    })
}

/// Is `s` an RFC 3339 date-time?
pub(crate) fn check_rfc3339(s: &str) -> Result<(), ReportError> {
    parse(s)
        .map(|_| ())
        .ok_or_else(|| ReportError::BadTime(s.to_string()))
}

/// The SPDX `created` form, `YYYY-MM-DDThh:mm:ssZ`, of a UTC time (fraction
/// dropped). Other offsets are refused: the caller gives UTC.
pub(crate) fn spdx_utc(s: &str) -> Result<String, ReportError> {
    let p = parse(s).ok_or_else(|| ReportError::BadTime(s.to_string()))?;
    if !matches!(p.offset, "Z" | "z" | "+00:00" | "-00:00") {
        return Err(ReportError::BadTime(s.to_string()));
    }
    Ok(format!("{}Z", p.seconds.replace('t', "T")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert!(check_rfc3339("2026-01-02T03:04:05Z").is_ok());
        assert!(check_rfc3339("2026-01-02T03:04:05.123+02:00").is_ok());
        assert!(check_rfc3339("2026-01-02 03:04:05Z").is_err());
        assert!(check_rfc3339("2026-13-02T03:04:05Z").is_err());
        assert!(check_rfc3339("2026-01-02T03:04:05").is_err());
        assert_eq!(
            spdx_utc("2026-01-02T03:04:05.999Z").unwrap(),
            "2026-01-02T03:04:05Z"
        );
        assert_eq!(
            spdx_utc("2026-01-02T03:04:05+00:00").unwrap(),
            "2026-01-02T03:04:05Z"
        );
        assert!(spdx_utc("2026-01-02T03:04:05+01:00").is_err());
    }
}
