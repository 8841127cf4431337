//! The lease on PostgreSQL: a session advisory lock held on a connection of its own, and
//! the epoch row that fences every earlier holder.
//!
//! Taking the lease is one step on the lease connection: `pg_try_advisory_lock` (never
//! waits), then, only when it was granted, the epoch bump, whose new value the holder
//! stamps on every outbox call. The lock lives exactly as long as the session: when the
//! process dies the kernel closes its socket and the server releases the lock at once;
//! when the process's network dies the server's keepalives end the session within
//! [`SERVER_DEAD_PEER_TIMEOUT`](super::SERVER_DEAD_PEER_TIMEOUT); when the process stops
//! checking its lease (stuck, or paused while its kernel still answers keepalives) the
//! server ends the idle session after its hold timeout
//! ([`HOLD_IDLE_TIMEOUT`](super::HOLD_IDLE_TIMEOUT) by default). Either way a standby's
//! next try succeeds and its bump fences the old holder, whose outbox calls the store
//! then refuses even if it wakes up believing it is still active.

use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::Client;

use super::connect::{Pg, Role, Target};
use crate::store::sql::driver::{classify_postgres, postgres_reason};
use crate::store::sql::{Fault, outbox};
use crate::store::{Lease, LeaseStatus, StoreError};

/// The first key of Vitals' advisory locks ("VTLS"), so that another program's advisory
/// locks in the same database are unlikely to collide with them.
pub(super) const LOCK_CLASS: i32 = 0x5654_4C53;
/// The second key of the lease lock.
pub(super) const LEASE_LOCK: i32 = 1;
/// The second key of the lock that serialises migrations.
pub(super) const MIGRATION_LOCK: i32 = 2;

/// The lease connection while this process holds the lock.
pub(super) struct Hold {
    client: Client,
}

impl Hold {
    /// Tries the lock on a new connection; `None` while another session holds it.
    pub(super) fn try_take(target: &Target, idle: Duration) -> Result<Option<Self>, StoreError> {
        let mut client = target.connect(Role::Lease(idle))?;
        let granted: bool = client
            .query_one(
                "SELECT pg_try_advisory_lock($1, $2)",
                &[&LOCK_CLASS, &LEASE_LOCK],
            )
            .map_err(|e| classify_postgres(target.location.clone(), "acquire lease", &e))?
            .get(0);
        // Without the lock the connection is closed at once: a standby keeps no session
        // open between tries.
        Ok(granted.then_some(Self { client }))
    }

    /// Moves the epoch on, on the lock's own connection, and returns the new lease.
    pub(super) fn bump(
        &mut self,
        target: &Target,
        holder: &str,
        at: DateTime<Utc>,
    ) -> Result<Lease, StoreError> {
        let mut statements = Default::default();
        let result = (|| {
            let tx = self.client.transaction()?;
            let mut runner = Pg {
                tx,
                statements: &mut statements,
            };
            let lease = outbox::bump_epoch(&mut runner, holder, at)?;
            runner.tx.commit()?;
            Ok(lease)
        })();
        result.map_err(|fault: Fault| fault.into_error(&target.location, "acquire lease"))
    }

    /// Asks the server, on the lock's connection, for the current epoch: an answer means
    /// the session (and so the lock) is alive. A dead connection fails within the
    /// client's `tcp_user_timeout` ([`CLIENT_TCP_USER_TIMEOUT`](super::CLIENT_TCP_USER_TIMEOUT)).
    pub(super) fn check(&mut self, lease: &Lease) -> LeaseStatus {
        if self.client.is_closed() {
            return lost("the lease connection is closed");
        }
        let epoch = self
            .client
            .query_one("SELECT epoch FROM lease WHERE id = 1", &[])
            .map(|row| row.get::<_, i64>(0));
        match epoch {
            Ok(epoch) if epoch == lease.epoch.0 => LeaseStatus::Held,
            Ok(epoch) => lost(&format!(
                "the lease moved on to epoch {epoch} (this process holds {})",
                lease.epoch
            )),
            Err(error) => lost(&format!(
                "the lease connection failed: {}",
                postgres_reason(&error)
            )),
        }
    }

    /// Gives the lock back explicitly, then closes the connection.
    pub(super) fn release(mut self) {
        // Closing the session releases the lock too; unlocking first makes the release
        // independent of how fast the server notices the closed socket. A failure here
        // changes nothing: the close that follows releases it either way.
        let _unlocked = self.client.execute(
            "SELECT pg_advisory_unlock($1, $2)",
            &[&LOCK_CLASS, &LEASE_LOCK],
        );
        drop(self.client);
    }

    /// The connection, for dropping it off an async thread.
    pub(super) fn into_client(self) -> Client {
        self.client
    }
}

fn lost(reason: &str) -> LeaseStatus {
    LeaseStatus::Lost {
        reason: reason.to_owned(),
    }
}
