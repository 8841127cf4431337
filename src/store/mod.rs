//! The state store: everything Vitals remembers between runs, and the only place with SQL.
//!
//! It holds the replica of the records Vitals reads (one row per record, the domain record
//! as JSON), each object's sync state (watermark, field-set fingerprint, full-load
//! generation), each period's results, the key ledger of every create planned, the outbox
//! of planned writes with their outcomes and the values last written, Vitals' own API calls
//! of the last 24 hours, and run records.
//!
//! [`StateStore`] is a narrow, synchronous, object-safe trait; [`Store`] is the handle the
//! rest of the crate passes around, opened from `[state]` by [`Store::open`].
//! [`sqlite::SqliteStore`] is the embedded backend (one process per file);
//! [`postgres::PostgresStore`] keeps the same state in PostgreSQL, where any number of
//! processes share it and one at a time holds the lease to apply writes. Both run the
//! same SQL (`sql`), so their behaviour cannot drift apart. Async code calls the store
//! through `tokio::task::spawn_blocking`.
//!
//! Invariants every backend keeps:
//! - A watermark moves only in the transaction that commits the rows up to it; a full load
//!   sets it when it removes the rows of older generations, in one transaction.
//! - The outbox refuses a caller whose lease epoch is not the current one.
//! - "Last written" and the key ledger change only when an outcome says the org confirmed.
//! - Times come from the caller (the store never reads the clock), so tests control them.
//!
//! It must never know Salesforce API names (records are stored as domain values), never do
//! network I/O, and never put record values into error messages.

pub mod error;
pub mod inspect;
pub mod outbox;
pub mod postgres;
pub mod replica;
pub mod runs;
mod sql;
pub mod sqlite;

#[cfg(test)]
mod suite;

use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::StateConfig;

use crate::domain::{
    Account, AccountSnapshot, Outcome, PlannedWrite, SfId, SyncedObject, Target, WriteKind,
};

pub use error::{BackendError, Location, StoreError};
pub use inspect::{DiskSpace, Inspection, SchemaStatus, Writability, WriteProblem, WriteTarget};
pub use outbox::{
    EnqueueStats, EntryState, Epoch, Failure, Lease, LeaseStatus, LedgerEntry, LedgerState,
    OutboxDepth, OutboxEntry, OutboxId, RecordStats, RunStamp, Written,
};
pub use replica::{
    AccountRef, LoadId, LoadStats, ObjectState, PutStats, ReplicaRow, SnapshotLookup, StrayReason,
    StrayRecord, StreamReport,
};
pub use runs::{
    NewRun, PeriodResult, RunEnd, RunId, RunOutcome, RunRecord, RunSummary, RunTrigger,
};

/// The callback [`StateStore::each_snapshot`] feeds, one account at a time. An error stops
/// the stream and is returned as is.
pub type SnapshotSink<'a> = dyn FnMut(AccountSnapshot) -> Result<(), StoreError> + 'a;

/// The callback [`StateStore::each_account`] feeds, one account at a time. An error stops
/// the scan and is returned as is.
pub type AccountSink<'a> = dyn FnMut(Account) -> Result<(), StoreError> + 'a;

/// Everything Vitals remembers between runs. Every method is one transaction.
pub trait StateStore: Send + Sync {
    /// The schema version of the open store.
    fn schema_version(&self) -> Result<i64, StoreError>;

    // --- Replica and sync state ---

    /// Where extraction stands for an object; `None` before its first page.
    fn object_state(&self, object: SyncedObject) -> Result<Option<ObjectState>, StoreError>;
    /// Starts a full load: its rows get a new generation. Begun again, it replaces an
    /// unfinished load. The field-set fingerprint is kept as pending until the load
    /// finishes, so a crash mid-load leaves the old one and the next run loads again.
    fn begin_full_load(&self, object: SyncedObject, fieldset: &str) -> Result<LoadId, StoreError>;
    /// Commits one page: upserts `rows` (by object and Id), removes `deleted`, and (for
    /// incremental pages only) moves the watermark forward to `advance_to`, all in one
    /// transaction. `load` tags the rows with a full load's generation.
    fn put_page(
        &self,
        object: SyncedObject,
        load: Option<LoadId>,
        rows: &[ReplicaRow],
        deleted: &[SfId],
        advance_to: Option<DateTime<Utc>>,
    ) -> Result<PutStats, StoreError>;
    /// Finishes a full load: removes the rows of older generations and sets the watermark,
    /// the field-set fingerprint and the delete coverage, in one transaction.
    fn finish_full_load(
        &self,
        load: LoadId,
        watermark: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<LoadStats, StoreError>;
    /// Records that deletions of an object are applied up to `covered_to`.
    fn set_delete_coverage(
        &self,
        object: SyncedObject,
        covered_to: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Rows per object in the replica.
    fn counts(&self) -> Result<BTreeMap<SyncedObject, u64>, StoreError>;
    /// Feeds every account's snapshot to `sink`, in account-Id order, holding one account's
    /// records at a time; related records are in Id order, history by period. Records that
    /// belong to no account in the replica are counted in the report, not lost. The stream
    /// reads one consistent state, and `sink` may call the store meanwhile.
    fn each_snapshot(&self, sink: &mut SnapshotSink<'_>) -> Result<StreamReport, StoreError>;
    /// Feeds every account in the replica to `sink`, in Id order, without its related
    /// records: the console's accounts list reads the health fields the org holds. An
    /// account row that no longer decodes is counted in the report as undecodable, not
    /// fed. Like [`StateStore::each_snapshot`], it reads one consistent state without
    /// holding the store's writer.
    fn each_account(&self, sink: &mut AccountSink<'_>) -> Result<StreamReport, StoreError>;
    /// One account's snapshot, by Id or exact Name (for `vitals explain`).
    fn snapshot(&self, account: &AccountRef) -> Result<SnapshotLookup, StoreError>;

    // --- Previous results ---

    /// Stores results, replacing those of the same account and period.
    fn put_results(&self, results: &[PeriodResult]) -> Result<(), StoreError>;
    /// An account's result for the period starting on `period`.
    fn period_result(
        &self,
        account: SfId,
        period: NaiveDate,
    ) -> Result<Option<PeriodResult>, StoreError>;

    // --- Lease ---
    //
    // The lease is the right to apply writes, held by one process at a time. The daemon's
    // loop: `acquire_lease` never waits; `None` means another process is active, so stand
    // by and try again every poll interval. `Some(lease)` makes this process active: it
    // stamps every outbox call with `lease.epoch`, calls `check_lease` before each batch
    // it sends (and at least every few seconds while idle), and on `Lost`, or on a
    // `StoreError::Fenced` from any outbox call, stops applying at once and stands by
    // again. On a clean shutdown it calls `release_lease`, so a standby takes over without
    // waiting. How fast a standby takes over when the active process dies or loses its
    // network is bounded and documented in `postgres` (`postgres::TAKEOVER_ON_NETWORK_LOSS`).

    /// Takes the lease when free, without waiting, and moves the epoch on (which fences
    /// every earlier holder); `None` while another process holds it (a PostgreSQL
    /// standby). Called again by the holder, it takes a new epoch on the same hold. The
    /// SQLite store always grants it: one process per file.
    fn acquire_lease(&self, holder: &str, at: DateTime<Utc>) -> Result<Option<Lease>, StoreError>;
    /// Whether `lease` is still held. PostgreSQL asks the server on the lease's own
    /// connection (a dead or unanswering connection is `Lost`, within a bounded time);
    /// SQLite checks that no later holder took the epoch.
    fn check_lease(&self, lease: &Lease) -> Result<LeaseStatus, StoreError>;
    /// Gives the lease up on a clean shutdown: the holder is forgotten (the epoch stays,
    /// so the next holder's is higher) and, on PostgreSQL, the lock is released so that a
    /// standby takes over at its next try. A lease already taken over is left alone.
    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;
    /// The lease as last taken (epoch, holder, when); `None` before the first and after a
    /// clean release. A standby shows it as the active process.
    fn current_lease(&self) -> Result<Option<Lease>, StoreError>;

    // --- Outbox, ledger, last written ---

    /// The current lease epoch (0 before any lease).
    fn current_epoch(&self) -> Result<Epoch, StoreError>;
    /// Persists planned writes in one transaction, superseding older unsent entries for the
    /// same (kind, target), and records a ledger entry for every create key.
    fn enqueue(
        &self,
        stamp: &RunStamp,
        writes: &[PlannedWrite],
    ) -> Result<EnqueueStats, StoreError>;
    /// Marks up to `limit` pending entries of these kinds as sending under the stamp's
    /// epoch, oldest first, and returns them. No kinds claim nothing.
    fn claim(
        &self,
        stamp: &RunStamp,
        kinds: &[WriteKind],
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError>;
    /// Up to `limit` entries left sending: their writes may or may not have reached the org.
    fn in_doubt(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;
    /// Records what became of sending entries: Delivered updates the values last written
    /// and the ledger; Rejected is final; Errored puts the entry back to pending (or
    /// supersedes it when a newer plan for the record waits). The current holder may settle
    /// entries claimed under an older epoch (in doubt after a restart or takeover); outcomes
    /// for entries not sending are counted as ignored.
    fn record_outcomes(
        &self,
        stamp: &RunStamp,
        outcomes: &[(OutboxId, Outcome)],
    ) -> Result<RecordStats, StoreError>;
    /// Entries pending and sending.
    fn outbox_depth(&self) -> Result<OutboxDepth, StoreError>;
    /// Writes that failed during a run (rejected, or errored and pending), oldest first.
    fn failures(&self, run: RunId, limit: usize) -> Result<Vec<Failure>, StoreError>;
    /// Removes settled entries (delivered, rejected, superseded) settled before `before`.
    fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Every create key planned.
    fn ledger(&self) -> Result<Vec<LedgerEntry>, StoreError>;
    /// One account's create keys.
    fn ledger_for(&self, account: SfId) -> Result<Vec<LedgerEntry>, StoreError>;
    /// The values the org confirmed for a record, by Vitals field name.
    fn last_written(
        &self,
        kind: WriteKind,
        target: &Target,
    ) -> Result<Vec<(String, Written)>, StoreError>;

    // --- API budget ---

    /// Adds API calls made at `at` and forgets calls older than 24 hours before it.
    fn record_calls(&self, at: DateTime<Utc>, calls: u64) -> Result<(), StoreError>;
    /// Calls recorded since `since`, counted by whole minutes (the minute holding `since`
    /// counts in full, so the figure errs on the safe side).
    fn calls_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError>;

    // --- Runs ---

    /// Records a run's start.
    fn begin_run(&self, run: &NewRun) -> Result<RunId, StoreError>;
    /// Records a run's end.
    fn finish_run(&self, id: RunId, end: &RunEnd) -> Result<(), StoreError>;
    /// The latest runs, newest first.
    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError>;
    /// One run.
    fn run(&self, id: RunId) -> Result<Option<RunRecord>, StoreError>;
}

/// The state store handle the rest of the crate passes around: cheap to clone, shared
/// between threads.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn StateStore>,
}

impl Store {
    /// Opens the store `[state]` names: the SQLite file at `path`, or the PostgreSQL
    /// database at `url`, creating or migrating its schema.
    ///
    /// # Errors
    /// [`StoreError`] naming the file, or the PostgreSQL server and database (never the
    /// password): cannot open or connect, not a state store, written by a newer Vitals,
    /// or migration failed.
    pub fn open(config: &StateConfig) -> Result<Self, StoreError> {
        match config {
            StateConfig::Sqlite { path } => Self::open_sqlite(path),
            StateConfig::Postgres { url } => Ok(Self::from_backend(Arc::new(
                postgres::PostgresStore::open(url)?,
            ))),
        }
    }

    /// How messages name the store `[state]` points at: the state file, or the PostgreSQL
    /// server and database (never the password).
    pub fn location_of(config: &StateConfig) -> Location {
        match config {
            StateConfig::Sqlite { path } => Location::File(path.clone()),
            StateConfig::Postgres { url } => postgres::location_of(url.expose()),
        }
    }

    /// What `vitals check` reports about the store `[state]` names, without creating,
    /// migrating or locking it: its schema against this binary's, what Vitals must be able
    /// to write, and the free space beside a file.
    ///
    /// # Errors
    /// [`StoreError`] naming the file, or the server and database (never the password),
    /// when the store cannot be reached or read as Vitals' state.
    pub fn inspect(config: &StateConfig) -> Result<Inspection, StoreError> {
        match config {
            StateConfig::Sqlite { path } => sqlite::inspect(path),
            StateConfig::Postgres { url } => postgres::inspect(url),
        }
    }

    /// Opens (creating when absent) the SQLite state file at `path`, migrating it to the
    /// current schema.
    ///
    /// # Errors
    /// [`StoreError`] naming the path: cannot open, not a state file, written by a newer
    /// Vitals, or migration failed.
    pub fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        Ok(Self::from_backend(Arc::new(sqlite::SqliteStore::open(
            path,
        )?)))
    }

    /// Wraps any backend.
    pub fn from_backend(backend: Arc<dyn StateStore>) -> Self {
        Self { backend }
    }
}

impl Deref for Store {
    type Target = dyn StateStore;

    fn deref(&self) -> &Self::Target {
        self.backend.as_ref()
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}
