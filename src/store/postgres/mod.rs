//! The PostgreSQL backend of [`StateStore`](crate::store::StateStore): the same state as
//! the SQLite file, shared by any number of `vitals run` processes, one of which holds the
//! lease and applies writes while the others stand by.
//!
//! - Every call is one transaction on the main connection (reconnected when it broke),
//!   running the shared SQL of `store::sql`; reads are REPEATABLE READ, writes READ
//!   COMMITTED with the lease row locked by the outbox's epoch check.
//! - The long reads (every snapshot, every account) read one REPEATABLE READ snapshot on
//!   a connection of their own, fetching the scan through a portal [`STREAM_CHUNK`] rows
//!   at a time, so memory holds one chunk and one account, and the sink may call the
//!   store meanwhile.
//! - The lease is a session advisory lock on a third connection (`lease`), with the epoch
//!   row fencing every earlier holder.
//!
//! # Takeover bounds
//! With a standby trying every [`STANDBY_POLL`] and the active process checking its lease
//! every [`LEASE_CHECK_INTERVAL`]:
//! - the active process dies (crash, SIGKILL, OOM): its kernel closes the lease socket,
//!   the server releases the lock at once, and a standby holds the lease within
//!   [`TAKEOVER_ON_PROCESS_DEATH`] (its next try, plus opening one connection);
//! - the active host loses its network or freezes: the server's keepalives end the
//!   session within [`SERVER_DEAD_PEER_TIMEOUT`] (30 s) of the last exchange, and a
//!   standby holds the lease within [`TAKEOVER_ON_NETWORK_LOSS`] (35 s). The cut-off
//!   process itself reports the lease lost within [`LEASE_CHECK_INTERVAL`] +
//!   [`CLIENT_TCP_USER_TIMEOUT`] (15 s), before anyone else can hold it;
//! - the active process stops checking its lease (stuck, or paused by SIGSTOP while its
//!   kernel still answers keepalives): the server ends its idle lease session after
//!   [`HOLD_IDLE_TIMEOUT`] (30 s), and a standby holds the lease within
//!   [`TAKEOVER_ON_NETWORK_LOSS`] too. When the paused process wakes, the epoch fences it:
//!   the store refuses its outbox calls and `check_lease` says `Lost`.
//!
//! The hold timeout needs PostgreSQL 14 or later (`idle_session_timeout`).
//!
//! Callers are synchronous: async code calls the store through
//! `tokio::task::spawn_blocking` (the driver runs its own small runtime inside each
//! call, which must not be a runtime's worker thread). A call made on a worker thread of
//! a multi-threaded runtime (the sync's store calls, the daemon's lease checks) is run
//! through `tokio::task::block_in_place`, which hands the worker's other tasks to
//! another thread for the call's length. This module must never log, never
//! read the clock, and never put the URL or a row value into an error.

mod connect;
mod inspect;
mod lease;
mod schema;

#[cfg(test)]
#[cfg(feature = "postgres-tests")]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

pub(super) use self::connect::location_of;
pub use self::connect::{CLIENT_TCP_USER_TIMEOUT, HOLD_IDLE_TIMEOUT, SERVER_DEAD_PEER_TIMEOUT};
use self::connect::{CONNECT_TIMEOUT, PgConn, Role, SCHEMA, Target};
use self::lease::Hold;
use super::sql::store::Backend;
use super::sql::{Fault, Tx, outbox};
use super::{Lease, LeaseStatus, Location, StoreError};
use crate::secret::Secret;

/// Rows a long read of the replica fetches per round trip.
pub const STREAM_CHUNK: i32 = 1_000;

/// How often a standby should try to take the lease.
pub const STANDBY_POLL: Duration = Duration::from_secs(5);

/// How often the active process should check its lease while it is not sending (it also
/// checks before each batch).
pub const LEASE_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// When the active process dies, a standby holds the lease within this time: its next
/// try, plus opening one connection at worst.
pub const TAKEOVER_ON_PROCESS_DEATH: Duration =
    Duration::from_secs(STANDBY_POLL.as_secs() + CONNECT_TIMEOUT.as_secs());

/// When the active process's network dies, or the process stops checking its lease, a
/// standby holds the lease within this time: the server's dead-peer timeout or the hold
/// timeout (30 s each), then the standby's next try. (Opening the standby's connection
/// adds a round trip; it cannot be slow when the standby's own network works.)
pub const TAKEOVER_ON_NETWORK_LOSS: Duration = Duration::from_secs(
    max_secs(SERVER_DEAD_PEER_TIMEOUT, HOLD_IDLE_TIMEOUT) + STANDBY_POLL.as_secs(),
);

const fn max_secs(a: Duration, b: Duration) -> u64 {
    if a.as_secs() > b.as_secs() {
        a.as_secs()
    } else {
        b.as_secs()
    }
}

/// The newest schema version this binary knows.
pub fn schema_version_known() -> i64 {
    schema::known_version()
}

/// What `vitals check` reports about the database `url` names, changing nothing (see
/// [`crate::store::inspect`]).
///
/// # Errors
/// [`StoreError`] naming the server and database (never the password): cannot connect, or
/// a `vitals` schema of another program.
pub fn inspect(url: &Secret) -> Result<crate::store::Inspection, StoreError> {
    inspect::inspect(url, schema::known_version())
}

/// A PostgreSQL state database, opened for reading and writing.
pub struct PostgresStore {
    target: Target,
    main: Mutex<Option<PgConn>>,
    hold: Mutex<Option<Hold>>,
    hold_timeout: Duration,
}

/// Runs a call that blocks on the driver: on a worker thread of a multi-threaded tokio
/// runtime through `block_in_place` (the driver's own runtime must not run on a worker),
/// anywhere else (a plain or blocking-pool thread) as it is.
fn off_worker<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while a lock was held dropped its transaction, which rolls back, so the
    // connection is consistent and can be used again.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PostgresStore {
    /// Connects to the database `url` names and creates or migrates Vitals' schema in it.
    ///
    /// # Errors
    /// [`StoreError`] naming the server and database (never the password): a URL that is
    /// not `postgres://`, cannot connect or authenticate, a `vitals` schema of another
    /// program, written by a newer Vitals, or migration failed.
    pub fn open(url: &Secret) -> Result<Self, StoreError> {
        Self::open_with_hold_timeout(url, HOLD_IDLE_TIMEOUT)
    }

    /// Like [`PostgresStore::open`], with another hold timeout: the server ends this
    /// process's hold of the lease when it has not checked it for `hold_timeout`
    /// (PostgreSQL 14 or later). Tests shorten it; a deployment keeps the default.
    ///
    /// # Errors
    /// As [`PostgresStore::open`].
    pub fn open_with_hold_timeout(
        url: &Secret,
        hold_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let target = Target::parse(url)?;
        let mut client = target.connect(Role::Main)?;
        schema::migrate(&mut client, &target.location, schema::MIGRATIONS)?;
        Ok(Self {
            target,
            main: Mutex::new(Some(PgConn::new(client))),
            hold: Mutex::new(None),
            hold_timeout,
        })
    }

    /// How messages name this database.
    pub fn location(&self) -> &Location {
        &self.target.location
    }

    /// Runs `f` in one transaction on the main connection, opening a new connection when
    /// the last one broke.
    fn transaction<T>(
        &self,
        operation: &'static str,
        read_only: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        off_worker(|| self.transaction_here(operation, read_only, f))
    }

    fn transaction_here<T>(
        &self,
        operation: &'static str,
        read_only: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        let mut main = lock(&self.main);
        let conn = match main.take() {
            Some(conn) if !conn.client.is_closed() => main.insert(conn),
            _ => main.insert(PgConn::new(self.target.connect(Role::Main)?)),
        };
        let result = conn.transaction(read_only, f);
        if conn.client.is_closed() {
            *main = None;
        }
        result.map_err(|fault| fault.into_error(&self.target.location, operation))
    }
}

impl Backend for PostgresStore {
    fn write<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        self.transaction(operation, false, f)
    }

    fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        self.transaction(operation, true, f)
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        self.read("read schema version", |tx| {
            tx.query_one(&format!("SELECT version FROM {SCHEMA}.schema_version"), &[])?
                .int(0)
        })
    }

    /// A REPEATABLE READ, read-only transaction on a new connection, closed afterwards.
    fn scan<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
        off_worker(|| {
            let mut conn = PgConn::new(self.target.connect(Role::Stream)?);
            conn.transaction(true, f)
                .map_err(|fault| fault.into_error(&self.target.location, operation))
        })
    }

    /// Takes the advisory lock when free (keeping the connection that holds it) and moves
    /// the epoch on. Called again while holding, it moves the epoch on under the same
    /// lock; a hold whose connection died is dropped and the lock tried afresh.
    fn acquire_lease(&self, holder: &str, at: DateTime<Utc>) -> Result<Option<Lease>, StoreError> {
        off_worker(|| self.acquire_lease_here(holder, at))
    }

    fn check_lease(&self, lease: &Lease) -> Result<LeaseStatus, StoreError> {
        off_worker(|| self.check_lease_here(lease))
    }

    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        off_worker(|| self.release_lease_here(lease))
    }
}

impl PostgresStore {
    fn acquire_lease_here(
        &self,
        holder: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Lease>, StoreError> {
        let mut hold = lock(&self.hold);
        if let Some(held) = hold.as_mut() {
            if let Ok(lease) = held.bump(&self.target, holder, at) {
                return Ok(Some(lease));
            }
            // The connection broke under the hold: whatever the server thinks now, this
            // process starts over like a standby.
            *hold = None;
        }
        let Some(mut taken) = Hold::try_take(&self.target, self.hold_timeout)? else {
            return Ok(None);
        };
        let lease = taken.bump(&self.target, holder, at)?;
        *hold = Some(taken);
        Ok(Some(lease))
    }

    fn check_lease_here(&self, lease: &Lease) -> Result<LeaseStatus, StoreError> {
        let mut hold = lock(&self.hold);
        let Some(held) = hold.as_mut() else {
            return Ok(LeaseStatus::Lost {
                reason: "this process does not hold the lease".into(),
            });
        };
        let status = held.check(lease);
        if status != LeaseStatus::Held {
            // Closing the connection releases the lock if the server still counts it.
            *hold = None;
        }
        Ok(status)
    }

    fn release_lease_here(&self, lease: &Lease) -> Result<(), StoreError> {
        let held = lock(&self.hold).take();
        let recorded = self.write("release lease", |tx| outbox::release(tx, lease));
        if let Some(held) = held {
            held.release();
        }
        recorded
    }
}

impl Drop for PostgresStore {
    /// The driver closes a connection by running its own small runtime, which tokio
    /// forbids on a runtime's worker thread; a store dropped there (the last `Store`
    /// clone going out of scope in async code) closes its connections on a thread of
    /// their own instead.
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let main = self
            .main
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let hold = self
            .hold
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let clients = (main.map(|conn| conn.client), hold.map(Hold::into_client));
        let slot = Arc::new(Mutex::new(Some(clients)));
        let closer = Arc::clone(&slot);
        let closing = std::thread::Builder::new()
            .name("vitals-pg-close".into())
            .spawn(move || drop(lock(&closer).take()));
        if closing.is_err() {
            // Without a thread the sockets close when the process exits; a lease lock held
            // by them is released then, as after a crash.
            std::mem::forget(lock(&slot).take());
        }
    }
}
