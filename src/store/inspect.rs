//! What `vitals check` learns about the state store without changing it: where it is,
//! whether its schema is current, will be created or migrated, or is newer than this
//! binary, whether Vitals can write what it must, and (for a file) the free disk space.
//!
//! [`Store::inspect`](super::Store::inspect) fills an [`Inspection`] through each backend's
//! own `inspect`; these are the plain values both return. Inspecting never creates,
//! migrates or locks a store: it reads the version, asks the operating system or the
//! server what this process may do, and (for a directory) writes and removes one empty
//! probe file. Like every store message, nothing here holds a password or a row value.

use std::path::PathBuf;

use super::error::Location;

/// What an inspection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The store, as messages name it (never with a password).
    pub location: Location,
    /// How the store's schema compares with what this binary knows.
    pub schema: SchemaStatus,
    /// Everything Vitals must be able to write, each with its verdict, in the order checked.
    pub writes: Vec<Writability>,
    /// Free space beside an SQLite file; `None` for PostgreSQL (the server's disk is not
    /// visible from here) or when the directory is missing.
    pub space: Option<DiskSpace>,
}

/// The store's schema against this binary's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaStatus {
    /// No store yet: the first `vitals run` or `vitals sync` creates it at version `known`.
    Absent {
        /// The version it will be created at.
        known: i64,
    },
    /// The store is at the version this binary knows.
    Current {
        /// The version.
        version: i64,
    },
    /// The store is older: the next open migrates it from `found` to `known`.
    Older {
        /// The store's version.
        found: i64,
        /// The version this binary knows.
        known: i64,
    },
    /// The schema exists but this user may not look into it (PostgreSQL: no `USAGE` on
    /// the schema), so its version is unknown.
    Unreadable,
    /// The store was written by a newer Vitals: this binary refuses to open it.
    Newer {
        /// The store's version.
        found: i64,
        /// The newest version this binary knows.
        known: i64,
    },
}

impl SchemaStatus {
    /// The status of a store at version `found` (`None` or 0: no schema yet) for a binary
    /// that knows versions up to `known`.
    pub fn of(found: Option<i64>, known: i64) -> Self {
        match found {
            None | Some(0) => SchemaStatus::Absent { known },
            Some(version) if version == known => SchemaStatus::Current { version },
            Some(found) if found < known => SchemaStatus::Older { found, known },
            Some(found) => SchemaStatus::Newer { found, known },
        }
    }
}

/// Something the store writes, and whether this process can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writability {
    /// What is written.
    pub target: WriteTarget,
    /// `None` when it can be written; else why not.
    pub problem: Option<WriteProblem>,
}

/// What the store writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteTarget {
    /// The directory of the SQLite file, where SQLite also creates its `-wal` and `-shm`
    /// files.
    Directory(PathBuf),
    /// The SQLite file, or its `-wal` or `-shm` file.
    File(PathBuf),
    /// The PostgreSQL database.
    Database,
}

/// Why the store could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteProblem {
    /// The directory does not exist (Vitals does not create it).
    Missing,
    /// The operating system refused, with its reason.
    Denied(String),
    /// The PostgreSQL server only reads (a standby, or `default_transaction_read_only`).
    ReadOnlyServer,
    /// The PostgreSQL user lacks these privileges (e.g. `CREATE on the database`).
    NoPrivilege(String),
}

/// Free space on the file system that holds an SQLite state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskSpace {
    /// Bytes available to this process.
    pub available: u64,
    /// Bytes the state takes now (the file and its write-ahead log).
    pub store_bytes: u64,
}
