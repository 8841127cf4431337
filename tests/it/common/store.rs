//! A state store whose disk fills up on one chosen operation: the real SQLite store behind
//! it for everything else. A test cannot fill a real disk on purpose, so this stands in for
//! the moment SQLite answers `SQLITE_FULL` (which the store turns into
//! `StoreError::DiskFull`, naming the file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use vitals::domain::{Outcome, PlannedWrite, SfId, SyncedObject, Target, WriteKind};
use vitals::store::sqlite::SqliteStore;
use vitals::store::{
    AccountRef, AccountSink, EnqueueStats, Epoch, Failure, Lease, LeaseStatus, LedgerEntry, LoadId,
    LoadStats, Location, NewRun, ObjectState, OutboxDepth, OutboxEntry, OutboxId, PeriodResult,
    PutStats, RecordStats, ReplicaRow, RunEnd, RunId, RunRecord, RunStamp, SnapshotLookup,
    SnapshotSink, StateStore, Store, StoreError, StreamReport, Written,
};

/// The SQLite store, except that `enqueue` finds the disk full while `full` is set.
pub struct FullOnEnqueue {
    inner: SqliteStore,
    path: PathBuf,
    /// Whether the disk is full now.
    pub full: AtomicBool,
}

impl FullOnEnqueue {
    /// Opens the state file; the disk starts full.
    pub fn open(path: &Path) -> Arc<Self> {
        Arc::new(Self {
            inner: SqliteStore::open(path).unwrap(),
            path: path.to_path_buf(),
            full: AtomicBool::new(true),
        })
    }

    /// A store handle on it.
    pub fn store(self: &Arc<Self>) -> Store {
        Store::from_backend(self.clone())
    }
}

impl StateStore for FullOnEnqueue {
    fn schema_version(&self) -> Result<i64, StoreError> {
        self.inner.schema_version()
    }
    fn object_state(&self, object: SyncedObject) -> Result<Option<ObjectState>, StoreError> {
        self.inner.object_state(object)
    }
    fn begin_full_load(&self, object: SyncedObject, fieldset: &str) -> Result<LoadId, StoreError> {
        self.inner.begin_full_load(object, fieldset)
    }
    fn put_page(
        &self,
        object: SyncedObject,
        load: Option<LoadId>,
        rows: &[ReplicaRow],
        deleted: &[SfId],
        advance_to: Option<DateTime<Utc>>,
    ) -> Result<PutStats, StoreError> {
        self.inner.put_page(object, load, rows, deleted, advance_to)
    }
    fn finish_full_load(
        &self,
        load: LoadId,
        watermark: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<LoadStats, StoreError> {
        self.inner.finish_full_load(load, watermark, at)
    }
    fn set_delete_coverage(
        &self,
        object: SyncedObject,
        covered_to: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.inner.set_delete_coverage(object, covered_to)
    }
    fn counts(&self) -> Result<BTreeMap<SyncedObject, u64>, StoreError> {
        self.inner.counts()
    }
    fn each_snapshot(&self, sink: &mut SnapshotSink<'_>) -> Result<StreamReport, StoreError> {
        self.inner.each_snapshot(sink)
    }
    fn each_account(&self, sink: &mut AccountSink<'_>) -> Result<StreamReport, StoreError> {
        self.inner.each_account(sink)
    }
    fn snapshot(&self, account: &AccountRef) -> Result<SnapshotLookup, StoreError> {
        self.inner.snapshot(account)
    }
    fn put_results(&self, results: &[PeriodResult]) -> Result<(), StoreError> {
        self.inner.put_results(results)
    }
    fn period_result(
        &self,
        account: SfId,
        period: NaiveDate,
    ) -> Result<Option<PeriodResult>, StoreError> {
        self.inner.period_result(account, period)
    }
    fn acquire_lease(&self, holder: &str, at: DateTime<Utc>) -> Result<Option<Lease>, StoreError> {
        self.inner.acquire_lease(holder, at)
    }
    fn check_lease(&self, lease: &Lease) -> Result<LeaseStatus, StoreError> {
        self.inner.check_lease(lease)
    }
    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.inner.release_lease(lease)
    }
    fn current_lease(&self) -> Result<Option<Lease>, StoreError> {
        self.inner.current_lease()
    }
    fn current_epoch(&self) -> Result<Epoch, StoreError> {
        self.inner.current_epoch()
    }
    fn enqueue(
        &self,
        stamp: &RunStamp,
        writes: &[PlannedWrite],
    ) -> Result<EnqueueStats, StoreError> {
        if self.full.load(Ordering::SeqCst) {
            return Err(StoreError::DiskFull {
                store: Location::File(self.path.clone()),
                operation: "enqueue",
            });
        }
        self.inner.enqueue(stamp, writes)
    }
    fn claim(
        &self,
        stamp: &RunStamp,
        kinds: &[WriteKind],
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.claim(stamp, kinds, limit)
    }
    fn in_doubt(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.in_doubt(limit)
    }
    fn record_outcomes(
        &self,
        stamp: &RunStamp,
        outcomes: &[(OutboxId, Outcome)],
    ) -> Result<RecordStats, StoreError> {
        self.inner.record_outcomes(stamp, outcomes)
    }
    fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        self.inner.outbox_depth()
    }
    fn failures(&self, run: RunId, limit: usize) -> Result<Vec<Failure>, StoreError> {
        self.inner.failures(run, limit)
    }
    fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.inner.prune_outbox(before)
    }
    fn ledger(&self) -> Result<Vec<LedgerEntry>, StoreError> {
        self.inner.ledger()
    }
    fn ledger_for(&self, account: SfId) -> Result<Vec<LedgerEntry>, StoreError> {
        self.inner.ledger_for(account)
    }
    fn last_written(
        &self,
        kind: WriteKind,
        target: &Target,
    ) -> Result<Vec<(String, Written)>, StoreError> {
        self.inner.last_written(kind, target)
    }
    fn record_calls(&self, at: DateTime<Utc>, calls: u64) -> Result<(), StoreError> {
        self.inner.record_calls(at, calls)
    }
    fn calls_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        self.inner.calls_since(since)
    }
    fn begin_run(&self, run: &NewRun) -> Result<RunId, StoreError> {
        self.inner.begin_run(run)
    }
    fn finish_run(&self, id: RunId, end: &RunEnd) -> Result<(), StoreError> {
        self.inner.finish_run(id, end)
    }
    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.inner.runs(limit)
    }
    fn run(&self, id: RunId) -> Result<Option<RunRecord>, StoreError> {
        self.inner.run(id)
    }
}
