//! The lease loop: which replica syncs.
//!
//! Standing by, the loop tries the lease every `standby_poll` (PostgreSQL:
//! [`STANDBY_POLL`](crate::store::postgres::STANDBY_POLL)); when it gets it, this process
//! is active and the daemon starts a run at once. Active, it checks the lease every
//! `check_interval` ([`LEASE_CHECK_INTERVAL`](crate::store::postgres::LEASE_CHECK_INTERVAL));
//! runs check it before each batch too. On `Lost` the slot is emptied (a run in progress
//! stops writing at its next batch, and the store refuses its epoch anyway) and the loop
//! stands by again. SQLite always grants the lease: one process per file.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::metrics;
use super::status::{Role, Status};
use crate::store::{Lease, LeaseStatus, Store, StoreError};
use crate::sync::{Clock, LeaseSlot};

/// What the loop works with.
pub(super) struct Leadership {
    pub store: Store,
    pub slot: LeaseSlot,
    pub holder: String,
    pub status: Status,
    pub clock: Arc<dyn Clock>,
    pub standby_poll: Duration,
    pub check_interval: Duration,
}

impl Leadership {
    /// Runs until `stop` says so; calls `became_active` each time this process takes the
    /// lease.
    pub async fn run(self, mut stop: watch::Receiver<bool>, became_active: impl Fn() + Send) {
        loop {
            if *stop.borrow() {
                return;
            }
            let wait = match self.slot.get() {
                None => {
                    if self.try_take().await {
                        became_active();
                        self.check_interval
                    } else {
                        self.standby_poll
                    }
                }
                Some(lease) => {
                    if !wait_or_stop(&mut stop, self.check_interval).await {
                        return;
                    }
                    self.check(lease).await;
                    continue;
                }
            };
            if !wait_or_stop(&mut stop, wait).await {
                return;
            }
        }
    }

    /// One try; whether this process now holds the lease.
    async fn try_take(&self) -> bool {
        let store = self.store.clone();
        let holder = self.holder.clone();
        let now = self.clock.now();
        let tried = blocking(move || {
            let lease = store.acquire_lease(&holder, now)?;
            let current = match lease {
                Some(_) => None,
                None => store.current_lease()?,
            };
            Ok((lease, current))
        })
        .await;
        match tried {
            Ok((Some(lease), _)) => {
                let epoch = lease.epoch.0;
                self.slot.set(Some(lease));
                self.status.set_role(Role::Active);
                metrics::leader(true);
                tracing::info!(epoch, "Holding the lease: this process is active.");
                true
            }
            Ok((None, current)) => {
                let active = current.map(|lease| lease.holder);
                let role = Role::Standby {
                    active: active.clone(),
                };
                let changed = self.status.get().role != role;
                // The role first: whoever reads the log line then finds it set.
                self.status.set_role(role);
                metrics::leader(false);
                if changed {
                    tracing::info!(
                        active = active.as_deref().unwrap_or("unknown"),
                        "Standing by: another process holds the lease."
                    );
                }
                false
            }
            Err(reason) => {
                tracing::warn!(error = %reason, "Could not try the lease; trying again.");
                self.status.set_role(Role::Unreachable { reason });
                metrics::leader(false);
                false
            }
        }
    }

    /// One check of a held lease.
    async fn check(&self, lease: Lease) {
        let store = self.store.clone();
        let checked = {
            let lease = lease.clone();
            blocking(move || store.check_lease(&lease)).await
        };
        match checked {
            Ok(LeaseStatus::Held) => {}
            Ok(LeaseStatus::Lost { reason }) => {
                self.slot.clear(&lease);
                self.status.set_role(Role::Standby { active: None });
                metrics::leader(false);
                tracing::warn!(%reason, "Lost the lease: stopped writing; standing by.");
            }
            Err(error) => {
                tracing::warn!(%error, "Could not check the lease; checking again.");
            }
        }
    }
}

/// Waits `wait`, or less when `stop` turns true; whether to go on.
async fn wait_or_stop(stop: &mut watch::Receiver<bool>, wait: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(wait) => !*stop.borrow(),
        changed = stop.changed() => changed.is_ok() && !*stop.borrow(),
    }
}

/// A store call on the blocking pool; the error as its message (which names the store,
/// never a password).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(|error| error.to_string()),
        Err(error) => Err(format!("the lease task stopped: {error}")),
    }
}
