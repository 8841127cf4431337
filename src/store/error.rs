//! [`StoreError`]: what can go wrong in the state store, naming the state file and the
//! operation.
//!
//! Messages name the path, the operation, object keys, record Ids and versions, never a
//! record's values: a stored row that cannot be read is reported by its object and Id with
//! the kind of JSON problem, not with the offending text.

use std::path::PathBuf;

use super::outbox::Epoch;

/// An error of the state store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state file could not be opened or created.
    #[error("cannot open the state file {path}: {source}")]
    Open {
        /// The state file.
        path: PathBuf,
        /// SQLite's reason.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is not an SQLite database, or SQLite found it damaged.
    #[error(
        "the state file {path} is not a valid Vitals state file ({detail}) during {operation}; \
         restore it from a backup, or move it away to start from an empty state"
    )]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What was being done.
        operation: &'static str,
        /// SQLite's diagnosis.
        detail: String,
    },
    /// The file was written by a newer Vitals; it is never migrated down.
    #[error(
        "the state file {path} has schema version {found}, but this Vitals knows versions up \
         to {known}: it was written by a newer Vitals; run that version or move the file away"
    )]
    NewerSchema {
        /// The state file.
        path: PathBuf,
        /// The version in the file.
        found: i64,
        /// The newest version this binary knows.
        known: i64,
    },
    /// The disk holding the state file is full.
    #[error("the disk holding the state file {path} is full during {operation}")]
    DiskFull {
        /// The state file.
        path: PathBuf,
        /// What was being done.
        operation: &'static str,
    },
    /// Another process kept the state file locked past the busy timeout.
    #[error("the state file {path} stayed locked by another process during {operation}")]
    Busy {
        /// The state file.
        path: PathBuf,
        /// What was being done.
        operation: &'static str,
    },
    /// Any other database failure.
    #[error("state file {path}: {operation} failed: {source}")]
    Database {
        /// The state file.
        path: PathBuf,
        /// What was being done.
        operation: &'static str,
        /// The database's reason.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored value could not be read back.
    #[error("state file {path}: {operation}: stored {what} cannot be read ({detail})")]
    Decode {
        /// The state file.
        path: PathBuf,
        /// What was being done.
        operation: &'static str,
        /// Which value: object key and record Id, run Id, outbox entry...
        what: String,
        /// The kind of problem, without the value.
        detail: String,
    },
    /// A value could not be stored.
    #[error("state file {path}: {operation}: {what} cannot be stored ({detail})")]
    Encode {
        /// The state file.
        path: PathBuf,
        /// What was being done.
        operation: &'static str,
        /// Which value.
        what: String,
        /// The kind of problem, without the value.
        detail: String,
    },
    /// The caller's lease epoch is no longer the current one: another holder took over, so
    /// this one must not touch the outbox (fencing).
    #[error("{operation} refused: lease epoch {held} is not the current lease epoch {current}")]
    Fenced {
        /// What was being done.
        operation: &'static str,
        /// The epoch the caller holds.
        held: Epoch,
        /// The current epoch.
        current: Epoch,
    },
    /// The call itself was inconsistent (a record of another object in a page, a finished
    /// load, a create without a key).
    #[error("{operation}: {reason}")]
    InvalidRequest {
        /// What was being done.
        operation: &'static str,
        /// Why it was refused.
        reason: String,
    },
}
