//! The embedded SQLite backend of [`StateStore`](super::StateStore).
//!
//! One read-write connection behind a mutex serves every call, each call one transaction
//! (`BEGIN IMMEDIATE` for writes, so two processes never deadlock upgrading a read lock).
//! The long reads (every snapshot, every account) open their own read-only connection: in
//! WAL mode it reads one consistent state while the callback writes through the main
//! connection.
//!
//! The lease is a row of the file: taking it always succeeds and moves the epoch on, which
//! fences the previous holder. One process per file is the supported shape; two replicas
//! need the PostgreSQL backend. This module holds the SQLite side of the shared SQL
//! (connections, migrations, the statement runner); it must never read the clock.

mod inspect;
mod schema;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, Transaction, TransactionBehavior};

use super::sql::driver::classify_sqlite as classify;
use super::sql::store::Backend;
use super::sql::{Cell, Dialect, Fault, Param, Row, Tx, outbox};
use super::{Lease, LeaseStatus, Location, StoreError};

/// The newest schema version this binary knows.
pub fn schema_version_known() -> i64 {
    schema::known_version()
}

/// What `vitals check` reports about the state file at `path`, changing nothing (see
/// [`crate::store::inspect`]).
///
/// # Errors
/// [`StoreError`] naming the path when an existing file is not a readable state file.
pub fn inspect(path: &Path) -> Result<crate::store::Inspection, StoreError> {
    inspect::inspect(path, schema::known_version())
}

/// A state file opened for reading and writing.
pub struct SqliteStore {
    path: PathBuf,
    location: Location,
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating when absent) the state file at `path` and migrates it.
    ///
    /// # Errors
    /// [`StoreError`] naming the path: cannot open, not a state file, written by a newer
    /// Vitals, or migration failed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = schema::open_writer(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            location: Location::File(path.to_path_buf()),
            conn: Mutex::new(conn),
        })
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held dropped its transaction, which rolls back, so the
        // connection is consistent and can be used again.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn transaction<T>(
        &self,
        operation: &'static str,
        behavior: TransactionBehavior,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let result = (|| {
            let tx = conn.transaction_with_behavior(behavior)?;
            let value = f(&mut Lite(&tx))?;
            tx.commit()?;
            Ok(value)
        })();
        result.map_err(|fault: Fault| fault.into_error(&self.location, operation))
    }
}

impl Backend for SqliteStore {
    /// `BEGIN IMMEDIATE` takes the write lock at once, so a transaction never fails half-way
    /// on upgrading a read lock.
    fn write<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        self.transaction(operation, TransactionBehavior::Immediate, f)
    }

    /// `synchronous = NORMAL` for this transaction only: in WAL mode its commit is not
    /// fsynced, and the next `FULL` commit syncs the log up to and including it. A power
    /// cut may lose the page, never part of it or anything committed after it.
    fn write_replica<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        let conn = self.lock();
        let result = (|| {
            // Declared before the transaction, so dropped after it: FULL comes back even
            // when the transaction fails or `f` panics.
            let relaxed = Relaxed::new(&conn)?;
            let tx = Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)?;
            let value = f(&mut Lite(&tx))?;
            tx.commit()?;
            relaxed.restore()?;
            Ok(value)
        })();
        result.map_err(|fault: Fault| fault.into_error(&self.location, operation))
    }

    fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        self.transaction(operation, TransactionBehavior::Deferred, f)
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        self.lock()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| classify(self.location.clone(), "read schema version", e))
    }

    /// A read transaction on a new read-only connection, which the main connection's
    /// writes do not disturb (WAL).
    fn scan<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        let mut reader = schema::open_reader(&self.path)?;
        let result = (|| {
            let tx = reader.transaction_with_behavior(TransactionBehavior::Deferred)?;
            f(&mut Lite(&tx))
        })();
        result.map_err(|fault| fault.into_error(&self.location, operation))
    }

    /// Always granted: SQLite serves one process per file, and a process that opens the
    /// file takes over from whatever ran before it.
    fn acquire_lease(&self, holder: &str, at: DateTime<Utc>) -> Result<Option<Lease>, StoreError> {
        self.write("acquire lease", |tx| {
            outbox::bump_epoch(tx, holder, at).map(Some)
        })
    }

    fn check_lease(&self, lease: &Lease) -> Result<LeaseStatus, StoreError> {
        let current = self.read("check lease", outbox::current_epoch)?;
        Ok(if current == lease.epoch {
            LeaseStatus::Held
        } else {
            LeaseStatus::Lost {
                reason: format!("another holder took the lease (epoch {current})"),
            }
        })
    }

    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.write("release lease", |tx| outbox::release(tx, lease))
    }
}

/// `synchronous = NORMAL` on the writer while it lives; `FULL` again when it is restored
/// or dropped.
struct Relaxed<'c> {
    conn: &'c Connection,
    restored: bool,
}

impl<'c> Relaxed<'c> {
    fn new(conn: &'c Connection) -> rusqlite::Result<Self> {
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(Self {
            conn,
            restored: false,
        })
    }

    /// Back to FULL, reporting a failure (dropping cannot).
    fn restore(mut self) -> rusqlite::Result<()> {
        self.restored = true;
        self.conn.pragma_update(None, "synchronous", "FULL")
    }
}

impl Drop for Relaxed<'_> {
    fn drop(&mut self) {
        if !self.restored {
            // Nothing to report to from here; the next write fails if the connection does.
            let _ = self.conn.pragma_update(None, "synchronous", "FULL");
        }
    }
}

/// An SQLite transaction running the shared SQL. `?N` is SQLite's own placeholder.
struct Lite<'c>(&'c Connection);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Int(Some(value)) => ToSqlOutput::from(value),
            Param::Text(Some(value)) => ToSqlOutput::from(value),
            Param::Blob(Some(value)) => ToSqlOutput::from(value),
            Param::Int(None) | Param::Text(None) | Param::Blob(None) => {
                ToSqlOutput::from(rusqlite::types::Null)
            }
        })
    }
}

impl Tx for Lite<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, Fault> {
        let changed = self
            .0
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(params))?;
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, Fault> {
        let mut out = Vec::new();
        self.stream(sql, params, &mut |row| {
            out.push(row);
            Ok(())
        })?;
        Ok(out)
    }

    fn stream(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        each: &mut dyn FnMut(Row) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        let mut statement = self.0.prepare_cached(sql)?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        while let Some(row) = rows.next()? {
            let cells = (0..columns)
                .map(|i| cell(row.get_ref(i)?))
                .collect::<Result<Vec<_>, Fault>>()?;
            each(Row(cells))?;
        }
        Ok(())
    }
}

fn cell(value: ValueRef<'_>) -> Result<Cell, Fault> {
    match value {
        ValueRef::Null => Ok(Cell::Null),
        ValueRef::Integer(value) => Ok(Cell::Int(value)),
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Cell::Text(text.to_owned())),
            Err(_) => Err(Fault::Decode {
                what: "a text column".into(),
                detail: "not UTF-8".into(),
            }),
        },
        ValueRef::Blob(bytes) => Ok(Cell::Blob(bytes.to_vec())),
        ValueRef::Real(_) => Err(Fault::Decode {
            what: "a column".into(),
            detail: "neither an integer, text nor bytes".into(),
        }),
    }
}
