//! The embedded SQLite backend of [`StateStore`].
//!
//! One read-write connection behind a mutex serves every call, each call one transaction
//! (`BEGIN IMMEDIATE` for writes, so two processes never deadlock upgrading a read lock).
//! Streaming snapshots opens its own read-only connection: in WAL mode it reads one
//! consistent state while the callback writes through the main connection.
//!
//! This module and its children are the only SQL in the crate. They must never read the
//! clock; times come from the caller.

mod bookkeeping;
mod codec;
mod ledger;
mod outbox;
mod replica;
mod schema;
mod stream;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, TransactionBehavior};

use self::codec::Fault;
use super::{
    AccountRef, AccountSink, EnqueueStats, Epoch, Failure, Lease, LedgerEntry, LoadId, LoadStats,
    NewRun, ObjectState, OutboxDepth, OutboxEntry, OutboxId, PeriodResult, PutStats, RecordStats,
    ReplicaRow, RunEnd, RunId, RunRecord, RunStamp, SnapshotLookup, SnapshotSink, StateStore,
    StoreError, StreamReport, Written,
};
use crate::domain::{Outcome, PlannedWrite, SfId, SyncedObject, Target, WriteKind};

/// The newest schema version this binary knows.
pub fn schema_version_known() -> i64 {
    schema::known_version()
}

/// A state file opened for reading and writing.
pub struct SqliteStore {
    path: PathBuf,
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

    /// Runs `f` in one write transaction: `BEGIN IMMEDIATE` takes the write lock at once,
    /// so a transaction never fails half-way on upgrading a read lock.
    fn write<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        self.transaction(operation, TransactionBehavior::Immediate, f)
    }

    /// Runs `f` in one read transaction, so that its queries see one state.
    fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        self.transaction(operation, TransactionBehavior::Deferred, f)
    }

    /// Runs a long read `f` on its own read-only connection, in one read transaction: it
    /// sees one consistent state (WAL), and the caller's callback may write meanwhile
    /// through the main connection.
    fn scan<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        let mut reader = schema::open_reader(&self.path)?;
        let result = (|| {
            let tx = reader.transaction_with_behavior(TransactionBehavior::Deferred)?;
            f(&tx)
        })();
        result.map_err(|fault| fault.into_error(&self.path, operation))
    }

    fn transaction<T>(
        &self,
        operation: &'static str,
        behavior: TransactionBehavior,
        f: impl FnOnce(&Connection) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let result = (|| {
            let tx = conn.transaction_with_behavior(behavior)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        result.map_err(|fault: Fault| fault.into_error(&self.path, operation))
    }
}

impl StateStore for SqliteStore {
    fn schema_version(&self) -> Result<i64, StoreError> {
        self.read("read schema version", |c| Ok(schema::user_version(c)?))
    }

    fn object_state(&self, object: SyncedObject) -> Result<Option<ObjectState>, StoreError> {
        self.read("read sync state", |c| replica::object_state(c, object))
    }

    fn begin_full_load(&self, object: SyncedObject, fieldset: &str) -> Result<LoadId, StoreError> {
        self.write("begin full load", |c| {
            replica::begin_full_load(c, object, fieldset)
        })
    }

    fn put_page(
        &self,
        object: SyncedObject,
        load: Option<LoadId>,
        rows: &[ReplicaRow],
        deleted: &[SfId],
        advance_to: Option<DateTime<Utc>>,
    ) -> Result<PutStats, StoreError> {
        self.write("put page", |c| {
            replica::put_page(c, object, load, rows, deleted, advance_to)
        })
    }

    fn finish_full_load(
        &self,
        load: LoadId,
        watermark: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<LoadStats, StoreError> {
        self.write("finish full load", |c| {
            replica::finish_full_load(c, load, watermark, at)
        })
    }

    fn set_delete_coverage(
        &self,
        object: SyncedObject,
        covered_to: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write("set delete coverage", |c| {
            replica::set_delete_coverage(c, object, covered_to)
        })
    }

    fn counts(&self) -> Result<BTreeMap<SyncedObject, u64>, StoreError> {
        self.read("count replica rows", replica::counts)
    }

    fn each_snapshot(&self, sink: &mut SnapshotSink<'_>) -> Result<StreamReport, StoreError> {
        self.scan("stream snapshots", |c| stream::each_snapshot(c, sink))
    }

    fn each_account(&self, sink: &mut AccountSink<'_>) -> Result<StreamReport, StoreError> {
        self.scan("stream accounts", |c| stream::each_account(c, sink))
    }

    fn snapshot(&self, account: &AccountRef) -> Result<SnapshotLookup, StoreError> {
        self.read("read account snapshot", |c| stream::snapshot(c, account))
    }

    fn put_results(&self, results: &[PeriodResult]) -> Result<(), StoreError> {
        self.write("store period results", |c| {
            bookkeeping::put_results(c, results)
        })
    }

    fn period_result(
        &self,
        account: SfId,
        period: NaiveDate,
    ) -> Result<Option<PeriodResult>, StoreError> {
        self.read("read period result", |c| {
            bookkeeping::period_result(c, account, period)
        })
    }

    fn acquire_lease(&self, holder: &str, at: DateTime<Utc>) -> Result<Option<Lease>, StoreError> {
        self.write("acquire lease", |c| {
            outbox::acquire_lease(c, holder, at).map(Some)
        })
    }

    fn current_epoch(&self) -> Result<Epoch, StoreError> {
        self.read("read lease epoch", outbox::current_epoch)
    }

    fn enqueue(
        &self,
        stamp: &RunStamp,
        writes: &[PlannedWrite],
    ) -> Result<EnqueueStats, StoreError> {
        self.write("enqueue writes", |c| outbox::enqueue(c, stamp, writes))
    }

    fn claim(
        &self,
        stamp: &RunStamp,
        kinds: &[WriteKind],
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.write("claim writes", |c| outbox::claim(c, stamp, kinds, limit))
    }

    fn in_doubt(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.read("read writes in doubt", |c| outbox::in_doubt(c, limit))
    }

    fn record_outcomes(
        &self,
        stamp: &RunStamp,
        outcomes: &[(OutboxId, Outcome)],
    ) -> Result<RecordStats, StoreError> {
        self.write("record outcomes", |c| {
            outbox::record_outcomes(c, stamp, outcomes)
        })
    }

    fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        self.read("read outbox depth", outbox::depth)
    }

    fn failures(&self, run: RunId, limit: usize) -> Result<Vec<Failure>, StoreError> {
        self.read("read failures", |c| outbox::failures(c, run, limit))
    }

    fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.write("prune outbox", |c| outbox::prune(c, before))
    }

    fn ledger(&self) -> Result<Vec<LedgerEntry>, StoreError> {
        self.read("read key ledger", |c| ledger::entries(c, None))
    }

    fn ledger_for(&self, account: SfId) -> Result<Vec<LedgerEntry>, StoreError> {
        self.read("read key ledger", |c| ledger::entries(c, Some(account)))
    }

    fn last_written(
        &self,
        kind: WriteKind,
        target: &Target,
    ) -> Result<Vec<(String, Written)>, StoreError> {
        self.read("read last written", |c| {
            ledger::last_written(c, kind, target)
        })
    }

    fn record_calls(&self, at: DateTime<Utc>, calls: u64) -> Result<(), StoreError> {
        self.write("record API calls", |c| {
            bookkeeping::record_calls(c, at, calls)
        })
    }

    fn calls_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        self.read("count API calls", |c| bookkeeping::calls_since(c, since))
    }

    fn begin_run(&self, run: &NewRun) -> Result<RunId, StoreError> {
        self.write("begin run", |c| bookkeeping::begin_run(c, run))
    }

    fn finish_run(&self, id: RunId, end: &RunEnd) -> Result<(), StoreError> {
        self.write("finish run", |c| bookkeeping::finish_run(c, id, end))
    }

    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.read("list runs", |c| bookkeeping::runs(c, limit))
    }

    fn run(&self, id: RunId) -> Result<Option<RunRecord>, StoreError> {
        self.read("read run", |c| bookkeeping::run(c, id))
    }
}
