//! Salesforce's value formats: dateTime as the API sends it (`+0000`, which RFC 3339 parsers
//! reject) and as requests may carry it, and plain dates.

use chrono::{DateTime, NaiveDate, Utc};

/// Parses a Salesforce dateTime: `2021-11-06T17:38:40.000+0000` as the API sends it, and the
/// request forms with `Z` or `+hh:mm`, with or without milliseconds.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
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
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
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
        assert_eq!(parse_datetime("2021-11-06"), None);
        assert_eq!(parse_datetime("yesterday"), None);
    }
}
