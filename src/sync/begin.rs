//! The run's start: its record in the store, the API budget carried over from earlier runs,
//! and the lease to write.
//!
//! The run record's `started_at` is the instant the run scores as of, so the console can
//! score an account as this run did. The budget's window starts with the calls the store
//! counted in the rolling 24 hours, so a restart never resets Vitals' share. A run that
//! writes takes the lease (or uses the one the daemon holds across runs), whose epoch every outbox call carries (a PostgreSQL standby
//! gets none and does not sync); a dry run takes none, so it never fences a running daemon.

use chrono::{DateTime, Duration, Utc};

use super::context::SyncContext;
use super::error::{Phase, SyncError};
use crate::store::{NewRun, RunId, RunStamp, RunTrigger};

/// A run that began.
#[derive(Debug, Clone, Copy)]
pub(super) struct Begun {
    /// The run's number.
    pub run: RunId,
    /// The lease stamp for outbox calls; `None` for a dry run.
    pub stamp: Option<RunStamp>,
}

/// Records the run's start, carries the budget over and, when the run writes, takes the
/// lease.
///
/// # Errors
/// [`SyncError::Store`] when the store cannot record it; [`SyncError::NotLeader`] when
/// another process holds the lease.
pub(super) fn begin(
    ctx: &SyncContext,
    trigger: RunTrigger,
    now: DateTime<Utc>,
    writes: bool,
) -> Result<Begun, SyncError> {
    let store = &ctx.store;
    let earlier = store
        .calls_since(now - Duration::hours(24))
        .map_err(SyncError::store(Phase::Begin))?;
    ctx.client.restart_budget(earlier);
    // The lease comes first: a standby that gets none leaves no run record behind. The
    // daemon holds one across runs; a command takes one per run.
    let epoch = match (writes, ctx.lease_slot()) {
        (false, _) => None,
        (true, Some(slot)) => Some(slot.get().ok_or(SyncError::NotLeader)?.epoch),
        (true, None) => {
            let lease = store
                .acquire_lease(&ctx.holder, now)
                .map_err(SyncError::store(Phase::Begin))?
                .ok_or(SyncError::NotLeader)?;
            Some(lease.epoch)
        }
    };
    let run = store
        .begin_run(&NewRun {
            trigger,
            holder: ctx.holder.clone(),
            started_at: now,
        })
        .map_err(SyncError::store(Phase::Begin))?;
    let stamp = epoch.map(|epoch| RunStamp {
        run,
        epoch,
        at: now,
    });
    tracing::info!(
        run_id = run.0,
        earlier_calls = earlier,
        writes,
        "Sync run started."
    );
    Ok(Begun { run, stamp })
}

/// The stamp with the current instant, for an outbox call.
pub(super) fn at(stamp: RunStamp, now: DateTime<Utc>) -> RunStamp {
    RunStamp { at: now, ..stamp }
}
