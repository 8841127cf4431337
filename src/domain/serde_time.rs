//! Instants and days in records: text for people (JSON), numbers for machines.
//!
//! `#[serde(with = ...)]` on the records' time fields. A human-readable format (JSON, the
//! explain input files, snapshots) gets chrono's own text, byte for byte as before; a
//! binary one (the state file's compact records, postcard) gets an instant as microseconds
//! since the Unix epoch and a day as days since 1 January of year 1, which are several
//! times cheaper to write and read than formatting and parsing text for every row.
//! Salesforce's instants have millisecond precision, so microseconds lose nothing.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

fn to_instant<E: serde::de::Error>(micros: i64) -> Result<DateTime<Utc>, E> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| E::custom("instant out of range"))
}

fn to_day<E: serde::de::Error>(days: i32) -> Result<NaiveDate, E> {
    NaiveDate::from_num_days_from_ce_opt(days).ok_or_else(|| E::custom("day out of range"))
}

/// `DateTime<Utc>`.
pub mod instant {
    use super::*;

    /// Text, or microseconds.
    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            at.serialize(s)
        } else {
            s.serialize_i64(at.timestamp_micros())
        }
    }

    /// Text, or microseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        if d.is_human_readable() {
            DateTime::<Utc>::deserialize(d)
        } else {
            to_instant(i64::deserialize(d)?)
        }
    }
}

/// `Option<DateTime<Utc>>`.
pub mod opt_instant {
    use super::*;

    /// Text, or microseconds; null stays null.
    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            at.serialize(s)
        } else {
            at.map(|t| t.timestamp_micros()).serialize(s)
        }
    }

    /// Text, or microseconds; null stays null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        if d.is_human_readable() {
            Option::<DateTime<Utc>>::deserialize(d)
        } else {
            Option::<i64>::deserialize(d)?.map(to_instant).transpose()
        }
    }
}

/// `NaiveDate`.
pub mod day {
    use super::*;

    /// Text, or days since 1 January of year 1.
    pub fn serialize<S: Serializer>(day: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            day.serialize(s)
        } else {
            s.serialize_i32(day.num_days_from_ce())
        }
    }

    /// Text, or days since 1 January of year 1.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        if d.is_human_readable() {
            NaiveDate::deserialize(d)
        } else {
            to_day(i32::deserialize(d)?)
        }
    }
}

/// `Option<NaiveDate>`.
pub mod opt_day {
    use super::*;

    /// Text, or days since 1 January of year 1; null stays null.
    pub fn serialize<S: Serializer>(day: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            day.serialize(s)
        } else {
            day.map(|d| d.num_days_from_ce()).serialize(s)
        }
    }

    /// Text, or days since 1 January of year 1; null stays null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        if d.is_human_readable() {
            Option::<NaiveDate>::deserialize(d)
        } else {
            Option::<i32>::deserialize(d)?.map(to_day).transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Times {
        #[serde(with = "instant")]
        at: DateTime<Utc>,
        #[serde(default, with = "opt_instant")]
        maybe_at: Option<DateTime<Utc>>,
        #[serde(with = "day")]
        on: NaiveDate,
        #[serde(default, with = "opt_day")]
        maybe_on: Option<NaiveDate>,
    }

    fn times() -> Times {
        Times {
            at: Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
                + chrono::Duration::milliseconds(250),
            maybe_at: None,
            on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            maybe_on: NaiveDate::from_ymd_opt(1999, 1, 1),
        }
    }

    #[test]
    fn json_keeps_chronos_text_and_binary_takes_numbers() {
        let json = serde_json::to_string(&times()).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2026-03-02T12:00:00.250Z","maybe_at":null,"on":"2026-12-31","maybe_on":"1999-01-01"}"#
        );
        assert_eq!(serde_json::from_str::<Times>(&json).unwrap(), times());
        // Fields left out of JSON read as absent.
        let short = r#"{"at":"2026-03-02T12:00:00.250Z","on":"2026-12-31"}"#;
        let read: Times = serde_json::from_str(short).unwrap();
        assert_eq!((read.maybe_at, read.maybe_on), (None, None));

        let bytes = postcard::to_allocvec(&times()).unwrap();
        assert!(bytes.len() < 20, "{} bytes", bytes.len());
        assert_eq!(postcard::from_bytes::<Times>(&bytes).unwrap(), times());
    }

    #[test]
    fn numbers_out_of_range_are_errors() {
        let bad = postcard::to_allocvec(&(i64::MAX, None::<i64>, 0_i32, None::<i32>)).unwrap();
        assert!(postcard::from_bytes::<Times>(&bad).is_err());
        let bad_day = postcard::to_allocvec(&(0_i64, None::<i64>, i32::MAX, None::<i32>)).unwrap();
        assert!(postcard::from_bytes::<Times>(&bad_day).is_err());
    }
}
