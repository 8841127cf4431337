//! Conversions between domain values and stored columns.
//!
//! Instants are stored as microseconds since the Unix epoch, days as `YYYY-MM-DD`, Ids as
//! their 18-character text and everything structured as JSON text. Decoding failures
//! describe the value's place (object, Id, entry), never its content.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Fault;
use crate::domain::{SfId, SyncedObject, WriteKind};

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
