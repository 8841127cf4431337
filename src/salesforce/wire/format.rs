//! Salesforce's value formats: dateTime as the API sends it (`+0000`, which RFC 3339 parsers
//! reject) and as requests may carry it, and plain dates.

use chrono::{DateTime, NaiveDate, Utc};

/// Parses a Salesforce dateTime: `2021-11-06T17:38:40.000+0000` as the API sends it, and the
/// request forms with `Z` or `+hh:mm`, with or without milliseconds.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    if let Some(t) = parse_api_datetime(text) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Formats an instant the way the REST API emits it: `2021-11-06T17:38:40.000+0000`.
pub fn format_datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// Parses a Salesforce date: `2024-01-31`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        return NaiveDate::from_ymd_opt(
            i32::try_from(digits(&bytes[0..4])?).ok()?,
            digits(&bytes[5..7])?,
            digits(&bytes[8..10])?,
        );
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The value of a run of ASCII digits.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// The two forms the API itself sends, read without a format parser (extraction reads one
/// or more of them per record): `2021-11-06T17:38:40.000+0000` from REST and
/// `2021-11-06T17:38:40.000Z` from Bulk CSV. Anything else is left to the general parser.
fn parse_api_datetime(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    let utc = match bytes.len() {
        28 => &bytes[23..] == b"+0000",
        24 => bytes[23] == b'Z',
        _ => false,
    };
    if !utc || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' || bytes[19] != b'.' {
        return None;
    }
    let date = parse_date(text.get(..10)?)?;
    let time = chrono::NaiveTime::from_hms_milli_opt(
        digits(&bytes[11..13])?,
        digits(&bytes[14..16])?,
        digits(&bytes[17..19])?,
        digits(&bytes[20..23])?,
    )?;
    Some(date.and_time(time).and_utc())
}

/// Formats a date: `2024-01-31`.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn salesforce_datetimes_parse_in_every_documented_form() {
        let expected = Utc.with_ymd_and_hms(2021, 11, 6, 17, 38, 40).unwrap();
        for text in [
            "2021-11-06T17:38:40.000+0000",
            "2021-11-06T17:38:40.000Z",
            "2021-11-06T17:38:40Z",
            "2021-11-06T17:38:40+00:00",
            "2021-11-06T18:38:40.000+0100",
            "2021-11-06T12:38:40.000-05:00",
        ] {
            assert_eq!(parse_datetime(text), Some(expected), "{text}");
        }
        assert_eq!(format_datetime(expected), "2021-11-06T17:38:40.000+0000");
        assert_eq!(
            parse_datetime("2021-11-06T17:38:40.125Z"),
            Some(expected + chrono::Duration::milliseconds(125))
        );
        assert_eq!(parse_datetime("2021-11-06T25:38:40.000+0000"), None);
        assert_eq!(parse_datetime("2021-1x-06T17:38:40.000+0000"), None);
        assert_eq!(
            parse_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-2-9"), NaiveDate::from_ymd_opt(2024, 2, 9));
        assert_eq!(parse_datetime("2021-11-06"), None);
        assert_eq!(parse_datetime("yesterday"), None);
    }
}
