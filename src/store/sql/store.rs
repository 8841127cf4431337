//! [`Backend`]: what a database must provide to be a state store, and the one
//! [`StateStore`] implementation every backend gets from it.
//!
//! A backend opens connections, runs each call in one transaction of its database (read
//! or write), runs the long reads on a connection of their own, and holds the lease its
//! own way; every operation's SQL is the shared code of this module's siblings. This
//! module must never hold SQL of its own.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{Fault, Tx, bookkeeping, ledger, outbox, replica, stream};
use crate::domain::{Outcome, PlannedWrite, SfId, SyncedObject, Target, WriteKind};
use crate::store::{
    AccountRef, AccountSink, EnqueueStats, Epoch, Failure, Lease, LeaseStatus, LedgerEntry, LoadId,
    LoadStats, NewRun, ObjectState, OutboxDepth, OutboxEntry, OutboxId, PeriodResult, PutStats,
    RecordStats, ReplicaRow, RunEnd, RunId, RunRecord, RunStamp, SnapshotLookup, SnapshotSink,
    StateStore, StoreError, StreamReport, Written,
};

/// A database that can run the shared SQL.
pub(in crate::store) trait Backend: Send + Sync {
    /// Runs `f` in one transaction that may write, committing when it succeeds.
    fn write<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError>;
    /// [`Backend::write`] for a page of the replica, which may be lost in a power cut
    /// after it returns (never half of it): the replica is a copy of the org, its rows and
    /// watermark commit together, and a page lost is read again. SQLite skips the commit's
    /// fsync here; the next write that syncs (every outbox and bookkeeping one) makes the
    /// page durable with it, so nothing later can be durable while it is not.
    fn write_replica<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        self.write(operation, f)
    }
    /// Runs `f` in one transaction that only reads, so that its queries see one state.
    fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError>;
    /// The schema version of the open store.
    fn schema_version(&self) -> Result<i64, StoreError>;
    /// Runs a long read `f` (a stream of the replica) in one read-only transaction on a
    /// connection of its own: it sees one consistent state without holding the writer, and
    /// the sink it feeds may call the store meanwhile.
    fn scan<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError>;
    /// See [`StateStore::acquire_lease`].
    fn acquire_lease(&self, holder: &str, at: DateTime<Utc>) -> Result<Option<Lease>, StoreError>;
    /// See [`StateStore::check_lease`].
    fn check_lease(&self, lease: &Lease) -> Result<LeaseStatus, StoreError>;
    /// See [`StateStore::release_lease`].
    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;
}

impl<B: Backend> StateStore for B {
    fn schema_version(&self) -> Result<i64, StoreError> {
        Backend::schema_version(self)
    }

    fn object_state(&self, object: SyncedObject) -> Result<Option<ObjectState>, StoreError> {
        self.read("read sync state", |tx| replica::object_state(tx, object))
    }

    fn begin_full_load(&self, object: SyncedObject, fieldset: &str) -> Result<LoadId, StoreError> {
        self.write("begin full load", |tx| {
            replica::begin_full_load(tx, object, fieldset)
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
        self.write_replica("put page", |tx| {
            replica::put_page(tx, object, load, rows, deleted, advance_to)
        })
    }

    fn finish_full_load(
        &self,
        load: LoadId,
        watermark: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<LoadStats, StoreError> {
        self.write("finish full load", |tx| {
            replica::finish_full_load(tx, load, watermark, at)
        })
    }

    fn set_delete_coverage(
        &self,
        object: SyncedObject,
        covered_to: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write("set delete coverage", |tx| {
            replica::set_delete_coverage(tx, object, covered_to)
        })
    }

    fn counts(&self) -> Result<BTreeMap<SyncedObject, u64>, StoreError> {
        self.read("count replica rows", replica::counts)
    }

    fn each_snapshot(&self, sink: &mut SnapshotSink<'_>) -> Result<StreamReport, StoreError> {
        self.scan("stream snapshots", |tx| stream::each_snapshot(tx, sink))
    }

    fn each_account(&self, sink: &mut AccountSink<'_>) -> Result<StreamReport, StoreError> {
        self.scan("stream accounts", |tx| stream::each_account(tx, sink))
    }

    fn snapshot(&self, account: &AccountRef) -> Result<SnapshotLookup, StoreError> {
        self.read("read account snapshot", |tx| stream::snapshot(tx, account))
    }

    fn put_results(&self, results: &[PeriodResult]) -> Result<(), StoreError> {
        self.write("store period results", |tx| {
            bookkeeping::put_results(tx, results)
        })
    }

    fn period_result(
        &self,
        account: SfId,
        period: NaiveDate,
    ) -> Result<Option<PeriodResult>, StoreError> {
        self.read("read period result", |tx| {
            bookkeeping::period_result(tx, account, period)
        })
    }

    fn acquire_lease(&self, holder: &str, at: DateTime<Utc>) -> Result<Option<Lease>, StoreError> {
        Backend::acquire_lease(self, holder, at)
    }

    fn check_lease(&self, lease: &Lease) -> Result<LeaseStatus, StoreError> {
        Backend::check_lease(self, lease)
    }

    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        Backend::release_lease(self, lease)
    }

    fn current_lease(&self) -> Result<Option<Lease>, StoreError> {
        self.read("read lease", outbox::current_lease)
    }

    fn current_epoch(&self) -> Result<Epoch, StoreError> {
        self.read("read lease epoch", outbox::current_epoch)
    }

    fn enqueue(
        &self,
        stamp: &RunStamp,
        writes: &[PlannedWrite],
    ) -> Result<EnqueueStats, StoreError> {
        self.write("enqueue writes", |tx| outbox::enqueue(tx, stamp, writes))
    }

    fn claim(
        &self,
        stamp: &RunStamp,
        kinds: &[WriteKind],
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.write("claim writes", |tx| outbox::claim(tx, stamp, kinds, limit))
    }

    fn in_doubt(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.read("read writes in doubt", |tx| outbox::in_doubt(tx, limit))
    }

    fn record_outcomes(
        &self,
        stamp: &RunStamp,
        outcomes: &[(OutboxId, Outcome)],
    ) -> Result<RecordStats, StoreError> {
        self.write("record outcomes", |tx| {
            outbox::record_outcomes(tx, stamp, outcomes)
        })
    }

    fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        self.read("read outbox depth", outbox::depth)
    }

    fn failures(&self, run: RunId, limit: usize) -> Result<Vec<Failure>, StoreError> {
        self.read("read failures", |tx| outbox::failures(tx, run, limit))
    }

    fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.write("prune outbox", |tx| outbox::prune(tx, before))
    }

    fn ledger(&self) -> Result<Vec<LedgerEntry>, StoreError> {
        self.read("read key ledger", |tx| ledger::entries(tx, None))
    }

    fn ledger_for(&self, account: SfId) -> Result<Vec<LedgerEntry>, StoreError> {
        self.read("read key ledger", |tx| ledger::entries(tx, Some(account)))
    }

    fn last_written(
        &self,
        kind: WriteKind,
        target: &Target,
    ) -> Result<Vec<(String, Written)>, StoreError> {
        self.read("read last written", |tx| {
            ledger::last_written(tx, kind, target)
        })
    }

    fn record_calls(&self, at: DateTime<Utc>, calls: u64) -> Result<(), StoreError> {
        self.write("record API calls", |tx| {
            bookkeeping::record_calls(tx, at, calls)
        })
    }

    fn calls_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        self.read("count API calls", |tx| bookkeeping::calls_since(tx, since))
    }

    fn begin_run(&self, run: &NewRun) -> Result<RunId, StoreError> {
        self.write("begin run", |tx| bookkeeping::begin_run(tx, run))
    }

    fn finish_run(&self, id: RunId, end: &RunEnd) -> Result<(), StoreError> {
        self.write("finish run", |tx| bookkeeping::finish_run(tx, id, end))
    }

    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.read("list runs", |tx| bookkeeping::runs(tx, limit))
    }

    fn run(&self, id: RunId) -> Result<Option<RunRecord>, StoreError> {
        self.read("read run", |tx| bookkeeping::run(tx, id))
    }
}
