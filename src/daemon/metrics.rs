//! `/metrics`: the daemon's figures in the Prometheus text format, through the `metrics`
//! crate and its Prometheus exporter (installed once per process as the global recorder;
//! the daemon renders its handle on each scrape).
//!
//! | metric | type | labels | meaning |
//! |---|---|---|---|
//! | `vitals_runs_total` | counter | `outcome`, `trigger` | runs finished, by outcome (`succeeded`, `failed_records`, `stopped`, `failed`) |
//! | `vitals_run_duration_seconds` | histogram | `trigger` | how long runs took |
//! | `vitals_ticks_skipped_total` | counter | `schedule` | schedule ticks skipped because a run was in progress |
//! | `vitals_records_read_total` | counter | `object` | records Salesforce sent to the sync |
//! | `vitals_records_written_total` | counter | `object` | writes the org confirmed |
//! | `vitals_records_failed_total` | counter | `object` | writes the org refused or that failed for now |
//! | `vitals_api_calls_used_total` | counter | | Salesforce API calls the runs made |
//! | `vitals_api_calls_remaining` | gauge | `limit` | calls left: `share` (Vitals' share of the rolling 24 h), `org` (the org's daily allocation) |
//! | `vitals_accounts` | gauge | `status` | accounts per health status, as the last run scored them |
//! | `vitals_outbox_depth` | gauge | `state` | outbox entries `pending` and `sending`, read from the store on each scrape |
//! | `vitals_replica_age_seconds` | gauge | | time since the start of the newest run that finished (any replica's), on each scrape |
//! | `vitals_leader` | gauge | | 1 while this process holds the lease, 0 standing by |

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::DaemonError;
use crate::domain::{HealthStatus, WriteKind};
use crate::store::{OutboxDepth, RunOutcome, RunRecord, RunTrigger};
use crate::sync::RunReport;

/// Run durations' histogram buckets, in seconds: from a quiet incremental run to a long
/// full sync.
const DURATION_BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use.
///
/// # Errors
/// [`DaemonError::Metrics`] when another recorder is installed already.
pub fn handle() -> Result<PrometheusHandle, DaemonError> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("vitals_run_duration_seconds".into()),
            DURATION_BUCKETS,
        )
        .map_err(|error| DaemonError::Metrics(error.to_string()))?;
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    // Only the first caller installs; a racing second one uses the first one's handle.
    if HANDLE.set(handle).is_ok() {
        metrics::set_global_recorder(recorder)
            .map_err(|error| DaemonError::Metrics(error.to_string()))?;
    }
    HANDLE
        .get()
        .cloned()
        .ok_or_else(|| DaemonError::Metrics("the recorder was not installed".into()))
}

/// Counts a finished run.
pub fn run_finished(report: &RunReport) {
    let trigger = trigger_name(report.trigger);
    counter!("vitals_runs_total", "outcome" => outcome_name(report.outcome), "trigger" => trigger)
        .increment(1);
    if let Some(finished) = report.finished_at {
        let seconds = (finished - report.started_at).num_milliseconds().max(0) as f64 / 1000.0;
        histogram!("vitals_run_duration_seconds", "trigger" => trigger).record(seconds);
    }
    for read in &report.reads {
        counter!("vitals_records_read_total", "object" => read.object.key())
            .increment(read.records);
    }
    for (kind, written) in &report.written {
        counter!("vitals_records_written_total", "object" => object_of(*kind)).increment(*written);
    }
    for (kind, failed) in &report.failed {
        counter!("vitals_records_failed_total", "object" => object_of(*kind)).increment(*failed);
    }
    counter!("vitals_api_calls_used_total").increment(report.api.used);
    if let Some(left) = report.api.left_in_share {
        gauge!("vitals_api_calls_remaining", "limit" => "share").set(left as f64);
    }
    if let Some(left) = report.api.org_left {
        gauge!("vitals_api_calls_remaining", "limit" => "org").set(left as f64);
    }
    if report.accounts_scored > 0 {
        // Every known status, so that one no account has any more reads 0.
        let known = [
            HealthStatus::Healthy,
            HealthStatus::Monitor,
            HealthStatus::AtRisk,
            HealthStatus::InsufficientData,
        ];
        for status in &known {
            let name = status.as_api().to_owned();
            let accounts = report.statuses.get(&name).copied().unwrap_or(0);
            gauge!("vitals_accounts", "status" => name).set(accounts as f64);
        }
        for (status, accounts) in &report.statuses {
            if !known.iter().any(|k| k.as_api() == status) {
                gauge!("vitals_accounts", "status" => status.clone()).set(*accounts as f64);
            }
        }
    }
}

/// Counts a run that failed before it could report.
pub fn run_failed(trigger: RunTrigger) {
    counter!("vitals_runs_total", "outcome" => outcome_name(RunOutcome::Failed), "trigger" => trigger_name(trigger))
        .increment(1);
}

/// Counts a skipped tick.
pub fn tick_skipped(schedule: &'static str) {
    counter!("vitals_ticks_skipped_total", "schedule" => schedule).increment(1);
}

/// Whether this process holds the lease.
pub fn leader(active: bool) {
    gauge!("vitals_leader").set(if active { 1.0 } else { 0.0 });
}

/// The figures read from the store on each scrape: the outbox and the replica's age
/// (from the newest finished run that read the org, whichever replica ran it).
pub fn scraped(depth: Option<OutboxDepth>, runs: &[RunRecord], now: DateTime<Utc>) {
    if let Some(depth) = depth {
        gauge!("vitals_outbox_depth", "state" => "pending").set(depth.pending as f64);
        gauge!("vitals_outbox_depth", "state" => "sending").set(depth.sending as f64);
    }
    let newest = runs.iter().find(|run| {
        run.end.as_ref().is_some_and(|end| {
            matches!(
                end.outcome,
                RunOutcome::Succeeded | RunOutcome::FailedRecords
            )
        })
    });
    if let Some(run) = newest {
        let age = (now - run.started_at).num_milliseconds().max(0) as f64 / 1000.0;
        gauge!("vitals_replica_age_seconds").set(age);
    }
}

fn object_of(kind: WriteKind) -> &'static str {
    kind.object().key()
}

fn outcome_name(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Succeeded => "succeeded",
        RunOutcome::FailedRecords => "failed_records",
        RunOutcome::Stopped => "stopped",
        RunOutcome::Failed => "failed",
    }
}

fn trigger_name(trigger: RunTrigger) -> &'static str {
    match trigger {
        RunTrigger::Manual => "manual",
        RunTrigger::Startup => "startup",
        RunTrigger::Schedule => "schedule",
        RunTrigger::FullSchedule => "full_schedule",
        RunTrigger::Backfill => "backfill",
    }
}
