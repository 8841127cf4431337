//! The plan phase of a backfill run: every account streamed from the replica, its past
//! periods planned by `playbooks::plan_backfill`, the history records enqueued in batches.
//!
//! A backfill run is a sync run with this phase in place of the sync's own plan phase
//! ([`super::run_backfill`]): the same begin (run record, budget, lease), recovery,
//! extraction (the replica brought up to date first), outbox and apply, so its writes
//! are exactly-once like the sync's. It plans history records only: no Account health
//! fields, renewals or tasks, which belong to the present. It stores no period results:
//! the records it writes are in the org, where the next sync reads them.
//!
//! Runs on a blocking thread: the store is synchronous and scoring is CPU work.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::begin::at;
use super::context::{CancelToken, Clock, SyncContext};
use super::error::SyncError;
use super::plan::{Planned, key_record, on_blocking_thread};
use super::report::{BackfillSummary, Limited};
use crate::domain::{PeriodEnd, PlannedWrite, SyncedObject, WriteKind};
use crate::playbooks::{KeyRecord, PlanningSettings, plan_backfill};
use crate::progress::Progress;
use crate::scoring::Model;
use crate::store::{RunStamp, Store, StoreError, StreamReport};

/// The most periods one backfill may ask for: ten years of months. It bounds the writes
/// (accounts × periods) and the time a run takes.
pub const MAX_BACKFILL_PERIODS: u32 = 120;

/// Everything the blocking planner needs, owned.
struct Planner {
    store: Store,
    model: Arc<Model>,
    settings: PlanningSettings,
    periods: Vec<PeriodEnd>,
    now: DateTime<Utc>,
    stamp: Option<RunStamp>,
    clock: Arc<dyn Clock>,
    cancel: CancelToken,
    batch: usize,
}

/// Plans the history records of the `count` periods that ended before `now` for every
/// account, and (unless a dry run) enqueues them.
///
/// # Errors
/// [`SyncError::Store`] when the store fails; batches already enqueued stay in the outbox.
pub(super) async fn plan(
    ctx: &SyncContext,
    count: u32,
    now: DateTime<Utc>,
    stamp: Option<RunStamp>,
) -> Result<Planned, SyncError> {
    let planner = Planner {
        store: ctx.store.clone(),
        model: ctx.model.clone(),
        settings: ctx.planning().clone(),
        periods: ctx.config.period.ended_before(now.date_naive(), count),
        now,
        stamp,
        clock: ctx.clock.clone(),
        cancel: ctx.cancel.clone(),
        batch: ctx.settings.enqueue_batch.max(1),
    };
    let examples = ctx.settings.report_examples;
    on_blocking_thread(move || planner.run(examples)).await
}

impl Planner {
    fn run(self, examples: usize) -> Result<Planned, StoreError> {
        let mut planned = Planned {
            accounts: 0,
            status_changes: 0,
            // Backfill scores past periods; accounts per status is the live runs' figure.
            statuses: BTreeMap::new(),
            writes: BTreeMap::new(),
            skipped_tasks: Limited::new(examples),
            stream: StreamReport::default(),
            plan: self.stamp.is_none().then(Vec::new),
            cancelled: false,
            backfill: Some(BackfillSummary {
                periods: self.periods.iter().map(|p| p.start).collect(),
                ..BackfillSummary::default()
            }),
        };
        let accounts = self.store.counts()?.get(&SyncedObject::Account).copied();
        let mut progress = Progress::current().start("backfill", accounts);
        tracing::info!(
            periods = self.periods.len(),
            first = ?self.periods.first().map(|p| p.start),
            last = ?self.periods.last().map(|p| p.start),
            "Backfilling history."
        );
        let mut batch = Vec::new();
        let stream = self.store.each_snapshot(&mut |mut snapshot| {
            if self.cancel.is_cancelled() {
                planned.cancelled = true;
                return Ok(());
            }
            // The records are the org's as read now: scoring knows which values are today's.
            snapshot.read_at = Some(self.now);
            let ledger: Vec<KeyRecord> = self
                .store
                .ledger_for(snapshot.account.id)?
                .into_iter()
                .map(key_record)
                .collect();
            let plan = plan_backfill(
                &snapshot,
                &self.model,
                &self.settings,
                &self.periods,
                &ledger,
            );
            planned.accounts += 1;
            if let Some(summary) = &mut planned.backfill {
                summary.unchanged += plan.held;
                summary.kept_deleted += plan.in_ledger;
                summary.before_account += plan.before_account;
            }
            let count = u64::try_from(plan.writes.len()).unwrap_or(u64::MAX);
            if count > 0 {
                *planned.writes.entry(WriteKind::History).or_default() += count;
            }
            batch.extend(plan.writes);
            if batch.len() >= self.batch {
                self.flush(&mut batch, &mut planned)?;
            }
            progress.advance(1);
            Ok(())
        })?;
        self.flush(&mut batch, &mut planned)?;
        progress.finish();
        planned.stream = stream;
        Ok(planned)
    }

    /// Enqueues a batch in one transaction; a dry run keeps it in the plan instead.
    fn flush(
        &self,
        batch: &mut Vec<PlannedWrite>,
        planned: &mut Planned,
    ) -> Result<(), StoreError> {
        match self.stamp {
            None => {
                if let Some(plan) = &mut planned.plan {
                    plan.append(batch);
                }
            }
            Some(stamp) if !batch.is_empty() => {
                self.store.enqueue(&at(stamp, self.clock.now()), batch)?;
                batch.clear();
            }
            Some(_) => {}
        }
        Ok(())
    }
}
