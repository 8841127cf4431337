//! Conversions between domain values and SQLite columns, and [`Fault`], the backend's
//! internal error before it is given the path and the operation.
//!
//! Instants are stored as microseconds since the Unix epoch, days as `YYYY-MM-DD`, Ids as
//! their 18-character text and everything structured as JSON. Decoding failures describe
//! the value's place (object, Id, entry), never its content.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::{SfId, SyncedObject, WriteKind};
use crate::store::{Epoch, StoreError};

/// What went wrong inside a backend call, before the call adds the path and operation.
#[derive(Debug)]
pub(super) enum Fault {
    /// SQLite failed.
    Sql(rusqlite::Error),
    /// A stored value could not be read back.
    Decode { what: String, detail: String },
    /// A value could not be stored.
    Encode { what: String, detail: String },
    /// The request was inconsistent.
    Invalid(String),
    /// The caller's lease epoch is not the current one.
    Fenced { held: Epoch, current: Epoch },
    /// The file is an SQLite database of another program.
    Foreign,
    /// An error from the caller's snapshot callback, passed through unchanged.
    Caller(StoreError),
}

impl From<rusqlite::Error> for Fault {
    fn from(error: rusqlite::Error) -> Self {
        Fault::Sql(error)
    }
}

impl Fault {
    /// The error the caller sees, naming the state file and the operation.
    pub(super) fn into_error(self, path: &Path, operation: &'static str) -> StoreError {
        let path = path.to_path_buf();
        match self {
            Fault::Sql(source) => sql_error(path, operation, source),
            Fault::Decode { what, detail } => StoreError::Decode {
                path,
                operation,
                what,
                detail,
            },
            Fault::Encode { what, detail } => StoreError::Encode {
                path,
                operation,
                what,
                detail,
            },
            Fault::Invalid(reason) => StoreError::InvalidRequest { operation, reason },
            Fault::Fenced { held, current } => StoreError::Fenced {
                operation,
                held,
                current,
            },
            Fault::Foreign => StoreError::Corrupt {
                path,
                operation,
                detail: "an SQLite database of another program".into(),
            },
            Fault::Caller(error) => error,
        }
    }
}

/// Sorts SQLite's failures into the ones an operator acts on differently.
pub(super) fn sql_error(
    path: std::path::PathBuf,
    operation: &'static str,
    source: rusqlite::Error,
) -> StoreError {
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path,
            operation,
            detail: source.to_string(),
        },
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { path, operation },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Busy { path, operation }
        }
        _ => StoreError::Database {
            path,
            operation,
            source,
        },
    }
}

/// An instant as stored.
pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Reads a stored instant.
pub(super) fn instant(value: i64, what: impl FnOnce() -> String) -> Result<DateTime<Utc>, Fault> {
    DateTime::from_timestamp_micros(value).ok_or_else(|| Fault::Decode {
        what: what(),
        detail: "instant out of range".into(),
    })
}

/// Reads an optional stored instant.
pub(super) fn opt_instant(
    value: Option<i64>,
    what: impl FnOnce() -> String,
) -> Result<Option<DateTime<Utc>>, Fault> {
    value.map(|v| instant(v, what)).transpose()
}

/// A day as stored.
pub(super) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Reads a stored Id.
pub(super) fn id(text: &str, what: impl FnOnce() -> String) -> Result<SfId, Fault> {
    SfId::parse(text).map_err(|_| Fault::Decode {
        what: what(),
        detail: "not a record Id".into(),
    })
}

/// Reads an optional stored Id.
pub(super) fn opt_id(
    text: Option<String>,
    what: impl FnOnce() -> String,
) -> Result<Option<SfId>, Fault> {
    text.map(|t| id(&t, what)).transpose()
}

/// Reads a stored object key.
pub(super) fn object(text: &str) -> Result<SyncedObject, Fault> {
    SyncedObject::from_key(text).ok_or_else(|| Fault::Decode {
        what: "object key".into(),
        detail: "unknown object".into(),
    })
}

/// Reads a stored write kind.
pub(super) fn kind(text: &str) -> Result<WriteKind, Fault> {
    WriteKind::from_key(text).ok_or_else(|| Fault::Decode {
        what: "write kind".into(),
        detail: "unknown write kind".into(),
    })
}

/// A value as JSON text.
pub(super) fn to_json<T: Serialize + ?Sized>(
    value: &T,
    what: impl FnOnce() -> String,
) -> Result<String, Fault> {
    serde_json::to_string(value).map_err(|error| Fault::Encode {
        what: what(),
        detail: json_detail(&error),
    })
}

/// Reads JSON text.
pub(super) fn from_json<T: DeserializeOwned>(
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
pub(super) fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A count or limit for SQL.
pub(super) fn sql_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
