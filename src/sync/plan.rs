//! Scoring and planning every account, streaming from the replica, and enqueueing the plan.
//!
//! The store feeds one account's snapshot at a time ([`StateStore::each_snapshot`]), so
//! memory follows the number of accounts, not of related records. For each account, the
//! edges read the store (the previous period's stored result, the account's key ledger)
//! and the middle is pure: `scoring::score_account` with the previous period chosen by
//! [`super::previous`], then `playbooks::plan_account`. The writes are collected in
//! batches and enqueued (one store transaction per batch) together with this period's
//! results, so the whole plan is in the outbox before the first write. A dry run collects
//! the plan instead and stores nothing.
//!
//! This runs on a blocking thread: the store is synchronous and scoring is CPU work.
//!
//! [`StateStore::each_snapshot`]: crate::store::StateStore::each_snapshot

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::begin::at;
use super::context::{CancelToken, Clock, SyncContext};
use super::error::{Phase, SyncError};
use super::report::{Limited, SkippedTask};
use super::{previous, settle};
use crate::domain::{AccountSnapshot, Period, PlannedWrite, WriteKind};
use crate::playbooks::{
    AccountInput, AccountPlan, KeyRecord, KeyState, PlanningSettings, PreviousResult, plan_account,
};
use crate::scoring::{AccountScore, Model, Periods, Previous, score_account};
use crate::store::{
    LedgerEntry, LedgerState, PeriodResult, RunStamp, Store, StoreError, StreamReport,
};

/// What planning produced.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Planned {
    /// Accounts scored.
    pub accounts: u64,
    /// Accounts whose status differs from the org's.
    pub status_changes: u64,
    /// Accounts per status scored.
    pub statuses: BTreeMap<String, u64>,
    /// Writes per kind.
    pub writes: BTreeMap<WriteKind, u64>,
    /// Tasks left out, with why.
    pub skipped_tasks: Limited<SkippedTask>,
    /// Records in no snapshot.
    pub stream: StreamReport,
    /// The plan, for a dry run.
    pub plan: Option<Vec<PlannedWrite>>,
    /// Whether a cancellation stopped it before every account was planned.
    pub cancelled: bool,
    /// What a backfill run found besides the writes; `None` for a sync.
    pub backfill: Option<super::report::BackfillSummary>,
}

/// What the blocking planner needs, owned.
struct Planner {
    store: Store,
    model: Arc<Model>,
    settings: PlanningSettings,
    period: Period,
    now: DateTime<Utc>,
    /// The lease stamp to enqueue with; `None` for a dry run.
    stamp: Option<RunStamp>,
    clock: Arc<dyn Clock>,
    cancel: CancelToken,
    batch: usize,
}

/// Scores and plans every account, and (unless a dry run) enqueues the plan.
///
/// # Errors
/// [`SyncError::Store`] when the store fails; the writes of batches already enqueued
/// stay in the outbox and are sent by this or the next run.
pub(super) async fn plan(
    ctx: &SyncContext,
    now: DateTime<Utc>,
    stamp: Option<RunStamp>,
) -> Result<Planned, SyncError> {
    let planner = Planner {
        store: ctx.store.clone(),
        model: ctx.model.clone(),
        settings: ctx.planning().clone(),
        period: ctx.config.period,
        now,
        stamp,
        clock: ctx.clock.clone(),
        cancel: ctx.cancel.clone(),
        batch: ctx.settings.enqueue_batch.max(1),
    };
    let examples = ctx.settings.report_examples;
    on_blocking_thread(move || planner.run(examples)).await
}

/// Runs a planner on the blocking pool, inside the current span: it streams the store,
/// whose calls are synchronous. Shared by the live plan phase and backfill's.
pub(super) async fn on_blocking_thread(
    work: impl FnOnce() -> Result<Planned, StoreError> + Send + 'static,
) -> Result<Planned, SyncError> {
    let span = tracing::Span::current();
    super::error::joined(
        Phase::Plan,
        tokio::task::spawn_blocking(move || span.in_scope(work)),
    )
    .await
}

/// One batch of writes and results waiting to be stored.
#[derive(Default)]
struct Batch {
    writes: Vec<PlannedWrite>,
    results: Vec<PeriodResult>,
}

impl Planner {
    fn periods(&self) -> Periods {
        let period = self.period;
        Periods::around(self.now.date_naive(), |day| period.start_of(day))
    }

    fn run(self, examples: usize) -> Result<Planned, StoreError> {
        let mut planned = Planned {
            accounts: 0,
            status_changes: 0,
            statuses: BTreeMap::new(),
            writes: BTreeMap::new(),
            skipped_tasks: Limited::new(examples),
            stream: StreamReport::default(),
            plan: self.stamp.is_none().then(Vec::new),
            cancelled: false,
            backfill: None,
        };
        let mut batch = Batch::default();
        let stream = self.store.each_snapshot(&mut |snapshot| {
            if self.cancel.is_cancelled() {
                planned.cancelled = true;
                return Ok(());
            }
            self.account(snapshot, &mut planned, &mut batch)?;
            if batch.writes.len() >= self.batch || batch.results.len() >= self.batch {
                self.flush(&mut batch, &mut planned)?;
            }
            Ok(())
        })?;
        self.flush(&mut batch, &mut planned)?;
        planned.stream = stream;
        Ok(planned)
    }

    /// Scores and plans one account, and counts what came of it.
    fn account(
        &self,
        mut snapshot: AccountSnapshot,
        planned: &mut Planned,
        batch: &mut Batch,
    ) -> Result<(), StoreError> {
        let account = snapshot.account.id;
        let periods = self.periods();
        // The records are the org's as read now: a closed opportunity is closed.
        snapshot.read_at = Some(self.now);
        let stored = self.store.period_result(account, periods.previous)?;
        let choice = previous::choose(&snapshot, stored, periods, &self.model.name);
        if choice.first_sight
            && let Some(result) = &choice.result
        {
            batch.results.push(result.clone());
        }
        previous::add_to_snapshot(
            &mut snapshot,
            choice.result.as_ref(),
            periods,
            &self.model.name,
        );
        let ledger: Vec<KeyRecord> = self
            .store
            .ledger_for(account)?
            .into_iter()
            .map(key_record)
            .collect();
        let previous_result = choice.result.as_ref().map(previous::for_planner);
        let (score, plan) =
            self.score_and_plan(&snapshot, periods, previous_result.as_ref(), &ledger);
        planned.accounts += 1;
        *planned
            .statuses
            .entry(score.status.to_string())
            .or_default() += 1;
        if snapshot.account.health.status.as_ref() != Some(&score.status) {
            planned.status_changes += 1;
        }
        // A task left out because it already exists is no news; a cool-down or a missing
        // owner is.
        let exists = |key: &str| {
            ledger.iter().any(|e| e.key == key && e.counts())
                || snapshot
                    .tasks
                    .iter()
                    .any(|t| t.vitals_key.as_deref() == Some(key))
        };
        for skipped in plan.skipped.into_iter().filter(|s| !exists(&s.key)) {
            planned.skipped_tasks.push(SkippedTask {
                account_id: account,
                playbook: skipped.playbook.map(str::to_owned),
                key: skipped.key,
                reason: skipped.reason,
            });
        }
        for write in &plan.writes {
            *planned.writes.entry(write.kind).or_default() += 1;
        }
        batch
            .results
            .push(previous::current_result(&score, periods, self.now));
        batch.writes.extend(plan.writes);
        Ok(())
    }

    /// The pure middle: the score and the plan of one account (see [`settle`] for why an
    /// account that gets a renewal is scored twice).
    fn score_and_plan(
        &self,
        snapshot: &AccountSnapshot,
        periods: Periods,
        previous_result: Option<&PreviousResult>,
        ledger: &[KeyRecord],
    ) -> (AccountScore, AccountPlan) {
        let compared = Previous::from_snapshot(snapshot, &self.model.name, periods, self.now);
        let plan_with = |snapshot: &AccountSnapshot| {
            let score = score_account(snapshot, &self.model, self.now, &compared);
            let input = AccountInput {
                snapshot,
                score: &score,
                previous: previous_result,
                ledger,
            };
            let plan = plan_account(&input, &self.settings, self.now);
            (score, plan)
        };
        let (score, first) = plan_with(snapshot);
        match settle::with_created_renewals(snapshot, &first.writes, self.now) {
            Some(settled) => {
                let (score, second) = plan_with(&settled);
                let plan = settle::merge(first, second, &score);
                (score, plan)
            }
            None => (score, first),
        }
    }

    /// Stores a batch: this period's results, then the writes, each one transaction. A
    /// dry run keeps the writes and stores nothing.
    fn flush(&self, batch: &mut Batch, planned: &mut Planned) -> Result<(), StoreError> {
        let Some(stamp) = self.stamp else {
            if let Some(plan) = &mut planned.plan {
                plan.append(&mut batch.writes);
            }
            batch.results.clear();
            return Ok(());
        };
        if !batch.results.is_empty() {
            self.store.put_results(&batch.results)?;
            batch.results.clear();
        }
        if !batch.writes.is_empty() {
            self.store
                .enqueue(&at(stamp, self.clock.now()), &batch.writes)?;
            batch.writes.clear();
        }
        Ok(())
    }
}

/// The planner's view of a ledger entry.
pub(super) fn key_record(entry: LedgerEntry) -> KeyRecord {
    KeyRecord {
        key: entry.key,
        kind: entry.kind,
        playbook: entry.playbook,
        planned_at: entry.planned_at,
        state: match entry.state {
            LedgerState::Planned => KeyState::Planned,
            LedgerState::Delivered => KeyState::Delivered,
            LedgerState::Rejected => KeyState::Rejected,
        },
    }
}
