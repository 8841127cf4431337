//! [`StoreError`]: what can go wrong in the state store, naming the store and the operation.
//!
//! Messages name the store (the SQLite file's path, or the PostgreSQL server and database,
//! never a user's password), the operation, object keys, record Ids and versions, never a
//! record's values: a stored row that cannot be read is reported by its object and Id with
//! the kind of JSON problem, not with the offending text. PostgreSQL's own messages are
//! kept to their SQLSTATE and first line, because the DETAIL line quotes row values.

use std::fmt;
use std::path::PathBuf;

use super::outbox::Epoch;

/// Where the state lives, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite state file.
    File(PathBuf),
    /// A PostgreSQL database: the server (`host:port`, or a socket directory) and the
    /// database name. Never the user's password.
    Postgres {
        /// `host:port` of every host the URL names.
        server: String,
        /// The database name.
        database: String,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "the state file {}", path.display()),
            Location::Postgres { server, database } => {
                write!(f, "the PostgreSQL state database {database:?} on {server}")
            }
        }
    }
}

/// The database driver's own reason for a failure.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// SQLite's error (boxed: it is large, and errors travel in every `Result`).
    #[error(transparent)]
    Sqlite(Box<rusqlite::Error>),
    /// PostgreSQL's or the connection's reason, without the server's DETAIL (which may
    /// quote row values).
    #[error("{0}")]
    Postgres(String),
}

impl From<rusqlite::Error> for BackendError {
    fn from(error: rusqlite::Error) -> Self {
        BackendError::Sqlite(Box::new(error))
    }
}

/// An error of the state store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be opened, created or connected to.
    #[error("cannot open {store}: {source}")]
    Open {
        /// The store.
        store: Location,
        /// The driver's reason.
        #[source]
        source: BackendError,
    },
    /// The file is not an SQLite database, SQLite found it damaged, or the database holds
    /// something other than Vitals' state.
    #[error(
        "{store} is not a valid Vitals state store ({detail}) during {operation}; restore it \
         from a backup, or move it away to start from an empty state"
    )]
    Corrupt {
        /// The store.
        store: Location,
        /// What was being done.
        operation: &'static str,
        /// The diagnosis.
        detail: String,
    },
    /// The store was written by a newer Vitals; it is never migrated down.
    #[error(
        "{store} has schema version {found}, but this Vitals knows versions up to {known}: \
         it was written by a newer Vitals; run that version or move the store away"
    )]
    NewerSchema {
        /// The store.
        store: Location,
        /// The version in the store.
        found: i64,
        /// The newest version this binary knows.
        known: i64,
    },
    /// The disk holding the store is full.
    #[error("the disk holding {store} is full during {operation}")]
    DiskFull {
        /// The store.
        store: Location,
        /// What was being done.
        operation: &'static str,
    },
    /// Another process kept the store locked past the timeout.
    #[error("{store} stayed locked by another process during {operation}")]
    Busy {
        /// The store.
        store: Location,
        /// What was being done.
        operation: &'static str,
    },
    /// Any other database failure.
    #[error("{store}: {operation} failed: {source}")]
    Database {
        /// The store.
        store: Location,
        /// What was being done.
        operation: &'static str,
        /// The database's reason.
        #[source]
        source: BackendError,
    },
    /// A stored value could not be read back.
    #[error("{store}: {operation}: stored {what} cannot be read ({detail})")]
    Decode {
        /// The store.
        store: Location,
        /// What was being done.
        operation: &'static str,
        /// Which value: object key and record Id, run Id, outbox entry...
        what: String,
        /// The kind of problem, without the value.
        detail: String,
    },
    /// A value could not be stored.
    #[error("{store}: {operation}: {what} cannot be stored ({detail})")]
    Encode {
        /// The store.
        store: Location,
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
