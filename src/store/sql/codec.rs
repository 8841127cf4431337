//! Conversions between domain values and stored columns.
//!
//! Instants are stored as microseconds since the Unix epoch, days as `YYYY-MM-DD`, Ids as
//! their 18-character text and everything structured as JSON text, except the replica's
//! records in SQLite, which use a compact format ([`Stored`]). Decoding failures
//! describe the value's place (object, Id, entry), never its content.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Dialect, Fault, Param};
use crate::domain::{DomainRecord, SfId, SyncedObject, WriteKind};

/// An instant as stored.
pub(in crate::store) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Reads a stored instant.
pub(in crate::store) fn instant(
    value: i64,
    what: impl FnOnce() -> String,
) -> Result<DateTime<Utc>, Fault> {
    DateTime::from_timestamp_micros(value).ok_or_else(|| Fault::Decode {
        what: what(),
        detail: "instant out of range".into(),
    })
}

/// Reads an optional stored instant.
pub(in crate::store) fn opt_instant(
    value: Option<i64>,
    what: impl FnOnce() -> String,
) -> Result<Option<DateTime<Utc>>, Fault> {
    value.map(|v| instant(v, what)).transpose()
}

/// A day as stored.
pub(in crate::store) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Reads a stored Id.
pub(in crate::store) fn id(text: &str, what: impl FnOnce() -> String) -> Result<SfId, Fault> {
    SfId::parse(text).map_err(|_| Fault::Decode {
        what: what(),
        detail: "not a record Id".into(),
    })
}

/// Reads an optional stored Id.
pub(in crate::store) fn opt_id(
    text: Option<String>,
    what: impl FnOnce() -> String,
) -> Result<Option<SfId>, Fault> {
    text.map(|t| id(&t, what)).transpose()
}

/// Reads a stored object key.
pub(in crate::store) fn object(text: &str) -> Result<SyncedObject, Fault> {
    SyncedObject::from_key(text).ok_or_else(|| Fault::Decode {
        what: "object key".into(),
        detail: "unknown object".into(),
    })
}

/// Reads a stored write kind.
pub(in crate::store) fn kind(text: &str) -> Result<WriteKind, Fault> {
    WriteKind::from_key(text).ok_or_else(|| Fault::Decode {
        what: "write kind".into(),
        detail: "unknown write kind".into(),
    })
}

/// A value as JSON text.
pub(in crate::store) fn to_json<T: Serialize + ?Sized>(
    value: &T,
    what: impl FnOnce() -> String,
) -> Result<String, Fault> {
    serde_json::to_string(value).map_err(|error| Fault::Encode {
        what: what(),
        detail: json_detail(&error),
    })
}

/// Reads JSON text.
pub(in crate::store) fn from_json<T: DeserializeOwned>(
    text: &str,
    what: impl FnOnce() -> String,
) -> Result<T, Fault> {
    serde_json::from_str(text).map_err(|error| Fault::Decode {
        what: what(),
        detail: json_detail(&error),
    })
}

/// The kind and place of a JSON problem, without the text (which may hold record values).
fn json_detail(error: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {} column {}",
        error.classify(),
        error.line(),
        error.column()
    )
}

/// A replica record as stored: JSON text (PostgreSQL, and SQLite files written before
/// schema version 2), or the compact format (SQLite).
///
/// The compact format is one version byte, [`COMPACT_VERSION`], then the record in
/// postcard, which is positional: it carries no field names, so a record written by a
/// Vitals whose [`DomainRecord`] differs cannot be read by field. Two guards keep such a
/// record from being misread: the version byte (a mismatch is a decoding error, reported
/// as a stray record) and [`RECORD_FORMAT_TAG`] on the fieldset the store keeps per
/// object, which makes the next sync reload an object written in another format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::store) enum Stored {
    /// JSON text.
    Json(String),
    /// Version byte, then postcard.
    Compact(Vec<u8>),
}

/// The version byte of the compact format. Bump it, and [`RECORD_FORMAT_TAG`] with it,
/// whenever a [`DomainRecord`] type changes shape (the `compact_records_keep_their_bytes`
/// test fails until you do). 1: instants and days as text; 2: as numbers
/// (`domain::serde_time`).
pub(in crate::store) const COMPACT_VERSION: u8 = 2;

/// Appended to the fieldset fingerprint stored per object: a replica loaded by a Vitals
/// that stored records differently reads as loaded with other fields, so the next sync
/// reloads the object whole (and a state file from before this format converts itself).
pub(in crate::store) const RECORD_FORMAT_TAG: &str = "/records-2";

impl Stored {
    /// A record encoded the way `dialect` stores it.
    pub(in crate::store) fn encode(
        dialect: Dialect,
        record: &DomainRecord,
        what: impl FnOnce() -> String,
    ) -> Result<Self, Fault> {
        match dialect {
            Dialect::Postgres => to_json(record, what).map(Stored::Json),
            Dialect::Sqlite => {
                let mut bytes = Vec::with_capacity(160);
                bytes.push(COMPACT_VERSION);
                postcard::to_extend(record, bytes)
                    .map(Stored::Compact)
                    .map_err(|error| Fault::Encode {
                        what: what(),
                        detail: format!("{error:?}"),
                    })
            }
        }
    }

    /// The statement parameter of the `record` column.
    pub(in crate::store) fn param(&self) -> Param<'_> {
        match self {
            Stored::Json(text) => Param::Text(Some(text)),
            Stored::Compact(bytes) => Param::Blob(Some(bytes)),
        }
    }

    /// Reads the record back. Only the kind of a problem is told, never the content.
    pub(in crate::store) fn decode(
        &self,
        what: impl FnOnce() -> String,
    ) -> Result<DomainRecord, Fault> {
        let bytes = match self {
            Stored::Json(text) => return from_json(text, what),
            Stored::Compact(bytes) => bytes,
        };
        let fault = |detail: String| Fault::Decode {
            what: what(),
            detail,
        };
        match bytes.split_first() {
            Some((&COMPACT_VERSION, rest)) => match postcard::take_from_bytes(rest) {
                Ok((record, [])) => Ok(record),
                Ok(_) => Err(fault("bytes left over after the record".into())),
                Err(error) => Err(fault(format!("{error:?}"))),
            },
            Some((version, _)) => Err(fault(format!("stored in format version {version}"))),
            None => Err(fault("empty".into())),
        }
    }
}

/// A count from SQL (never negative).
pub(in crate::store) fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A count or limit for SQL.
pub(in crate::store) fn sql_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A limit for SQL.
pub(in crate::store) fn limit(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_records;
    use crate::store::suite;

    /// One record of every object, every optional field set.
    fn every_kind() -> Vec<DomainRecord> {
        let mut account = test_records::account();
        account.owner_name = Some("Dana Whitfield".into());
        vec![
            DomainRecord::Account(account),
            DomainRecord::Contract(test_records::contract()),
            DomainRecord::Case(test_records::case()),
            DomainRecord::Opportunity(test_records::opportunity()),
            DomainRecord::Event(test_records::event()),
            DomainRecord::Task(test_records::task()),
            DomainRecord::History(suite::history(7, 1, suite::day(2026, 11, 1))),
        ]
    }

    fn compact(record: &DomainRecord) -> Vec<u8> {
        match Stored::encode(Dialect::Sqlite, record, String::new).unwrap() {
            Stored::Compact(bytes) => bytes,
            Stored::Json(_) => panic!("SQLite stores the compact format"),
        }
    }

    #[test]
    fn records_read_back_as_written_in_both_formats() {
        for record in every_kind() {
            let stored = Stored::encode(Dialect::Sqlite, &record, String::new).unwrap();
            assert_eq!(stored.decode(String::new).unwrap(), record);
            let json = Stored::encode(Dialect::Postgres, &record, String::new).unwrap();
            assert!(matches!(json, Stored::Json(_)));
            assert_eq!(json.decode(String::new).unwrap(), record);
        }
    }

    /// The compact format is positional: a change to any record type changes these bytes,
    /// and must bump COMPACT_VERSION and RECORD_FORMAT_TAG, so that old rows are never
    /// read field by field into the wrong places. Update the snapshot only after that.
    #[test]
    fn compact_records_keep_their_bytes() {
        let hex: Vec<String> = every_kind()
            .iter()
            .map(|record| {
                let bytes = compact(record);
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                format!("{}: {hex}", record.object().key())
            })
            .collect();
        assert_eq!((COMPACT_VERSION, RECORD_FORMAT_TAG), (2, "/records-2"));
        insta::assert_snapshot!(hex.join("\n"));
    }

    #[test]
    fn a_record_of_another_format_is_a_decoding_error_naming_it_not_its_content() {
        let record = &every_kind()[0];
        let mut other = compact(record);
        other[0] = COMPACT_VERSION + 1;
        let truncated = compact(record)[..20].to_vec();
        let mut longer = compact(record);
        longer.push(0);
        for (bytes, detail) in [
            (other, "stored in format version 3"),
            (truncated, "DeserializeUnexpectedEnd"),
            (longer, "bytes left over after the record"),
            (Vec::new(), "empty"),
        ] {
            let error = Stored::Compact(bytes)
                .decode(|| "account record 001".into())
                .unwrap_err();
            let Fault::Decode { what, detail: got } = error else {
                panic!("not a decoding fault: {error:?}");
            };
            assert_eq!(what, "account record 001");
            assert_eq!(got, detail);
            assert!(!got.contains("Acme"));
        }
    }
}
