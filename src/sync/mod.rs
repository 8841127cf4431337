//! The sync: one run from the org's records to health written back, incrementally and
//! exactly once. Orchestration only: I/O at the edges (store, client), the pure scoring
//! and planning in the middle.
//!
//! [`run_once`] runs the phases, each its own module and its own `phase{name}` span
//! inside the run's `sync_run{run_id, trigger}` span:
//!
//! | phase | module | does |
//! |---|---|---|
//! | begin | `begin` | run record (its start is the instant scored as of), budget carried over from the store, lease epoch |
//! | recover | `recover`, `apply` | writes left `sending` by a dead process: creates looked up by key (found: delivered, not sent again), updates back to pending; then every write an earlier run left pending goes out, before this run reads the org |
//! | extract | `extract` | per object, full or incremental into the replica; the delete log; watermarks only after their rows commit |
//! | plan | `plan` (+ `previous`, `settle`) | every account streamed from the replica, scored and planned; the whole plan enqueued before the first write |
//! | apply | `apply` | the outbox to the org in bounded chunks; every outcome recorded |
//! | finish | `report` | API calls recorded, run summary stored, one log line, the [`RunReport`] |
//!
//! [`run_backfill`] is the same run with the `backfill` plan phase in place of `plan`:
//! history records for past period ends (`vitals backfill`).
//!
//! A dry run ([`Writes::DryRun`]) stops after planning: nothing goes to the outbox or to
//! the org, and the report carries the plan. The daemon (issue 11) and the demo (issue 12)
//! build one [`SyncContext`] per process and call [`run_once`]; a cancelled
//! [`CancelToken`] stops a run between batches, and the next run resumes.
//!
//! This module never holds SQL (the store does), never names a Salesforce field (the
//! client's `wire` does), never decides a write (the planner does) and never reads the
//! clock except through [`Clock`].

mod apply;
mod backfill;
mod begin;
mod context;
mod error;
mod extract;
mod plan;
pub mod previous;
mod recover;
mod report;
mod settle;
mod usage;

use chrono::Duration;
use tracing::Instrument;

pub use backfill::MAX_BACKFILL_PERIODS;
pub use context::{
    CancelToken, Clock, Extraction, FixedClock, LeaseSlot, Mode, PauseHook, PausePoint, SyncConfig,
    SyncContext, SyncSettings, SystemClock, Writes,
};
pub use error::{ErrorClass, Phase, SyncError};
pub use report::BackfillSummary;
pub use report::{
    ApiUsage, FullReason, InDoubt, Limited, ObjectRead, ReadHow, RunReport, SkippedRecord,
    SkippedTask, WriteFailure, outcome_words,
};
pub use usage::{PhaseTime, peak_memory};

use crate::domain::Plan;
use crate::store::{RunEnd, RunOutcome, RunStamp, RunTrigger};
use usage::Timer;

/// Runs one sync: extract, score and plan, enqueue, apply, record.
///
/// The run is recorded in the store from its start; it ends with a summary whether it
/// succeeded, stopped early (API budget, shutdown) or failed. The returned report says what
/// it did: accounts scored, status changes, writes per kind, failures with Salesforce's
/// error, skipped records and tasks, API calls used and left, and the plan of a dry run.
///
/// # Errors
/// [`SyncError`] when the run could not go on (the store failed, Salesforce could not be
/// reached, a field is gone, another process holds the lease). A record that fails to
/// decode or to write is not an error: it is in the report, and its outcome is
/// [`RunOutcome::FailedRecords`].
pub async fn run_once(
    ctx: &SyncContext,
    trigger: RunTrigger,
    mode: Mode,
) -> Result<RunReport, SyncError> {
    run(ctx, trigger, mode, Job::Sync).await
}

/// Runs one backfill: the history records of the `periods` periods that ended before now
/// (`[scoring] period`), each scored as of its last second, oldest first (see
/// `playbooks::plan_backfill`), marked backfilled. Everything else is a sync run's: the run
/// record, the lease, the budget, recovery, an incremental extraction (a full one into an
/// empty replica), the outbox and apply, so a write is exactly-once and a second run plans
/// nothing the org already holds. `writes` chooses a dry run.
///
/// # Errors
/// As [`run_once`].
pub async fn run_backfill(
    ctx: &SyncContext,
    periods: u32,
    writes: Writes,
) -> Result<RunReport, SyncError> {
    let mode = Mode {
        extraction: Extraction::Incremental,
        writes,
    };
    run(ctx, RunTrigger::Backfill, mode, Job::Backfill { periods }).await
}

/// What a run plans.
#[derive(Debug, Clone, Copy)]
enum Job {
    /// The present: health fields, the current period's history, renewals, tasks.
    Sync,
    /// History records of this many past periods.
    Backfill { periods: u32 },
}

async fn run(
    ctx: &SyncContext,
    trigger: RunTrigger,
    mode: Mode,
    job: Job,
) -> Result<RunReport, SyncError> {
    let now = ctx.clock.now();
    let begun = begin::begin(ctx, trigger, now, mode.applies())?;
    let span = tracing::info_span!("sync_run", run_id = begun.run.0, trigger = ?trigger);
    async move {
        let mut report = RunReport::new(
            begun.run,
            trigger,
            now,
            !mode.applies(),
            ctx.settings.report_examples,
        );
        let mut calls = Calls::default();
        let result = phases(ctx, mode, job, begun.stamp, &mut report, &mut calls).await;
        finish(ctx, report, &mut calls, result)
    }
    .instrument(span)
    .await
}

/// How a run's phases ended when no error stopped them.
enum Ended {
    /// Every phase ran.
    Complete,
    /// A phase stopped early, with why.
    Stopped(String),
}

async fn phases(
    ctx: &SyncContext,
    mode: Mode,
    job: Job,
    stamp: Option<RunStamp>,
    report: &mut RunReport,
    calls: &mut Calls,
) -> Result<Ended, SyncError> {
    let now = report.started_at;
    if let Some(stamp) = stamp {
        let timer = Timer::start(Phase::Recover);
        let recovered = recover(ctx, stamp, report)
            .instrument(phase(Phase::Recover))
            .await;
        report.timings.push(timer.stop());
        if let Ended::Stopped(why) = recovered? {
            return Ok(Ended::Stopped(why));
        }
    }
    let timer = Timer::start(Phase::Extract);
    let complete = extract::extract(ctx, now, mode.extraction, report)
        .instrument(phase(Phase::Extract))
        .await;
    report.timings.push(timer.stop());
    calls.record(ctx)?;
    if !complete? {
        return Ok(Ended::Stopped(
            "shutdown requested during extraction".into(),
        ));
    }
    let timer = Timer::start(Phase::Plan);
    let planned = match job {
        Job::Sync => {
            plan::plan(ctx, now, stamp)
                .instrument(phase(Phase::Plan))
                .await
        }
        Job::Backfill { periods } => {
            backfill::plan(ctx, periods, now, stamp)
                .instrument(phase(Phase::Plan))
                .await
        }
    };
    report.timings.push(timer.stop());
    let planned = planned?;
    report.accounts_scored = planned.accounts;
    report.status_changes = planned.status_changes;
    report.statuses = planned.statuses;
    report.planned = planned.writes;
    report.skipped_tasks = planned.skipped_tasks;
    report.unattached_from(&planned.stream);
    report.backfill = planned.backfill;
    if planned.cancelled {
        return Ok(Ended::Stopped("shutdown requested during planning".into()));
    }
    let Some(stamp) = stamp else {
        report.plan = planned.plan.map(Plan::new);
        return Ok(Ended::Complete);
    };
    ctx.reached(PausePoint::AfterEnqueue);
    let timer = Timer::start(Phase::Apply);
    let applied = apply::apply(ctx, stamp, report)
        .instrument(phase(Phase::Apply))
        .await;
    report.timings.push(timer.stop());
    Ok(match applied? {
        apply::Applied::Done => Ended::Complete,
        apply::Applied::Stopped(why) => Ended::Stopped(why),
    })
}

/// Settles the writes a dead process left in doubt, then sends every write an earlier run
/// left pending (it died, or the budget or a lock stopped it): this run then reads the org
/// as they leave it, so it scores with the renewals they create and plans nothing they
/// already do.
async fn recover(
    ctx: &SyncContext,
    stamp: RunStamp,
    report: &mut RunReport,
) -> Result<Ended, SyncError> {
    report.in_doubt = recover::settle_in_doubt(ctx, stamp).await?;
    Ok(match apply::apply(ctx, stamp, report).await? {
        apply::Applied::Done => Ended::Complete,
        apply::Applied::Stopped(why) => Ended::Stopped(why),
    })
}

fn phase(phase: Phase) -> tracing::Span {
    tracing::info_span!("phase", name = phase.name())
}

/// API calls recorded in the store so far this run, so each recording adds only the new
/// ones (a run that dies mid-way has still counted what it used).
#[derive(Debug, Default)]
struct Calls {
    recorded: u64,
}

impl Calls {
    fn record(&mut self, ctx: &SyncContext) -> Result<(), SyncError> {
        let used = ctx.client.usage().calls;
        let new = used.saturating_sub(self.recorded);
        if new > 0 {
            ctx.store
                .record_calls(ctx.clock.now(), new)
                .map_err(error::SyncError::store(Phase::Finish))?;
            self.recorded = used;
        }
        Ok(())
    }
}

/// Records the run's end in the store and logs its summary line. An error that stopped the
/// run is returned after it is recorded (the recording's own failure then goes unsaid: the
/// first error is the one that matters).
fn finish(
    ctx: &SyncContext,
    mut report: RunReport,
    calls: &mut Calls,
    result: Result<Ended, SyncError>,
) -> Result<RunReport, SyncError> {
    let (outcome, note, error) = match result {
        Ok(Ended::Complete) if report.failures.total > 0 => (RunOutcome::FailedRecords, None, None),
        Ok(Ended::Complete) => (RunOutcome::Succeeded, None, None),
        Ok(Ended::Stopped(why)) => (RunOutcome::Stopped, Some(why), None),
        // The API allocation is spent: a clean stop that the next run resumes.
        Err(error) if error.is_budget_stop() => {
            (RunOutcome::Stopped, Some(error.to_string()), None)
        }
        Err(error) => (RunOutcome::Failed, Some(error.to_string()), Some(error)),
    };
    report.outcome = outcome;
    report.note = note;
    report.api = (&ctx.client.usage()).into();
    report.peak_memory = usage::peak_memory();
    let finished_at = ctx.clock.now();
    report.finished_at = Some(finished_at);
    let recorded = calls.record(ctx).and_then(|()| {
        ctx.store
            .finish_run(
                report.run_id,
                &RunEnd {
                    finished_at,
                    outcome,
                    summary: report.summary(),
                },
            )
            .map_err(SyncError::store(Phase::Finish))?;
        if report.outcome != RunOutcome::Failed && !report.dry_run {
            let retention = ctx.settings.outbox_retention.max(Duration::zero());
            ctx.store
                .prune_outbox(finished_at - retention)
                .map_err(SyncError::store(Phase::Finish))?;
        }
        Ok(())
    });
    report.log();
    // The caller reports the error (the command prints it, the daemon logs it), once.
    match (error, recorded) {
        (Some(error), _) | (None, Err(error)) => Err(error),
        (None, Ok(())) => Ok(report),
    }
}
