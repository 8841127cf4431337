//! The database drivers' failures and how each is sorted into a [`StoreError`].
//!
//! It lives with the shared SQL, below both backends: [`Fault`](super::Fault) keeps a
//! driver's error whole until a call names its store and operation, and both the shared
//! SQL and the backends' own connection code classify with the functions here, so the
//! shared SQL never imports a backend. Messages keep PostgreSQL's SQLSTATE and first line
//! only, never the DETAIL or HINT lines that may quote row values.

use rusqlite::ErrorCode;

use crate::store::{BackendError, Location, StoreError};

/// A driver's failure, kept whole until it is classified.
#[derive(Debug)]
pub(in crate::store) enum DriverError {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// PostgreSQL failed.
    Postgres(postgres::Error),
}

/// Sorts SQLite's failures into the ones an operator acts on differently.
pub(in crate::store) fn classify_sqlite(
    store: Location,
    operation: &'static str,
    source: rusqlite::Error,
) -> StoreError {
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            store,
            operation,
            detail: source.to_string(),
        },
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { store, operation },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Busy { store, operation }
        }
        _ => StoreError::Database {
            store,
            operation,
            source: source.into(),
        },
    }
}

/// Sorts PostgreSQL's failures into the ones an operator acts on differently, keeping the
/// server's message to its SQLSTATE and first line.
pub(in crate::store) fn classify_postgres(
    store: Location,
    operation: &'static str,
    error: &postgres::Error,
) -> StoreError {
    let code = error.as_db_error().map(|db| db.code().code());
    match code {
        Some("53100") => StoreError::DiskFull { store, operation },
        // Lock timeout, statement timeout, deadlock, serialization failure: another
        // session held what this call needed; the call may be tried again.
        Some("55P03" | "57014" | "40P01" | "40001") => StoreError::Busy { store, operation },
        _ => StoreError::Database {
            store,
            operation,
            source: BackendError::Postgres(postgres_reason(error)),
        },
    }
}

/// PostgreSQL's reason for a failure, without the server's DETAIL and HINT lines (which
/// may quote row values): the SQLSTATE and the first line of the message.
pub(in crate::store) fn postgres_reason(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    }
    // I/O and connection causes name the socket's fate ("connection refused"), never a
    // row or the password.
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}
