//! The vocabulary of run records and of each period's stored results.
//!
//! Plain values shared by every backend; no SQL here. A run summary is stored as JSON, and
//! every field defaults when absent, so a summary written by an older Vitals still reads.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{HealthStatus, SfId, SyncedObject, WriteKind};

/// A run's number: increasing in start order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunId(pub i64);

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    /// A command (`vitals sync`, `vitals demo`).
    Manual,
    /// The daemon starting.
    Startup,
    /// The incremental schedule.
    Schedule,
    /// The full-sync schedule.
    FullSchedule,
    /// `vitals backfill`.
    Backfill,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Everything was written.
    Succeeded,
    /// Everything else was written; some records failed (exit 1).
    FailedRecords,
    /// The run stopped on an error.
    Failed,
    /// The run stopped early on purpose (API budget, shutdown); the next one resumes.
    Stopped,
}

/// A run about to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRun {
    /// What started it.
    pub trigger: RunTrigger,
    /// The process running it (host and process, for people).
    pub holder: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// What a run did, for the log line, the command output and the console.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunSummary {
    /// Records read per object.
    pub records_read: BTreeMap<SyncedObject, u64>,
    /// Accounts scored.
    pub accounts_scored: u64,
    /// Accounts whose status changed.
    pub status_changes: u64,
    /// Records written per kind.
    pub written: BTreeMap<WriteKind, u64>,
    /// Writes that failed (details through `StateStore::failures`).
    pub failures: u64,
    /// Records that could not be decoded or attached.
    pub skipped_records: u64,
    /// API calls Vitals made in the run.
    pub api_calls_used: u64,
    /// API calls Vitals may still make under its share of the org's daily allowance
    /// (`salesforce.max_api_share`), when known.
    pub api_calls_left: Option<u64>,
    /// Why the run failed or stopped, in plain words.
    pub note: Option<String>,
}

/// How a run ended, with its summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEnd {
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// How.
    pub outcome: RunOutcome,
    /// What it did.
    pub summary: RunSummary,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Its number.
    pub id: RunId,
    /// What started it.
    pub trigger: RunTrigger,
    /// The process that ran it.
    pub holder: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How it ended; `None` while running, or when the process died.
    pub end: Option<RunEnd>,
}

/// An account's scoring result for one period, kept for the next period's planning
/// ("two periods running").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodResult {
    /// The account.
    pub account_id: SfId,
    /// The first day of the period.
    pub period: NaiveDate,
    /// The model that scored it.
    pub model: String,
    /// The overall score.
    pub score: Option<f64>,
    /// The status.
    pub status: HealthStatus,
    /// The codes of the flags raised.
    pub flags: Vec<String>,
    /// The category scores, by key.
    pub categories: BTreeMap<String, f64>,
    /// When it was scored.
    pub scored_at: DateTime<Utc>,
}
