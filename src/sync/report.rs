//! The run report: what one run did, for the command's output, the one summary log line,
//! the run record in the store (`RunSummary`) and the console.
//!
//! Plain, serialisable values. Lists that could grow with the org (failures, skipped
//! records, skipped tasks) keep the first few by name and count the rest. The report holds
//! what Salesforce said about a failed write (it is read by an admin), so it is printed,
//! never logged: the log line carries counts only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::usage::PhaseTime;
use crate::domain::{Outcome, Plan, RecordError, SfId, SyncedObject, Target, WriteKind};
use crate::salesforce::budget::UsageReport;
use crate::salesforce::wire::{DecodeError, SObject};
use crate::store::{RunId, RunOutcome, RunSummary, RunTrigger, StrayReason, StreamReport};

/// The first few items of a list, and how many there were in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limited<T> {
    /// The first items, at most the limit.
    pub items: Vec<T>,
    /// How many there were.
    pub total: u64,
    #[serde(skip)]
    limit: usize,
}

impl<T> Limited<T> {
    /// An empty list keeping at most `limit` items.
    pub fn new(limit: usize) -> Self {
        Self {
            items: Vec::new(),
            total: 0,
            limit,
        }
    }

    /// Counts an item, keeping it while there is room.
    pub fn push(&mut self, item: T) {
        self.total += 1;
        if self.items.len() < self.limit {
            self.items.push(item);
        }
    }

    /// How many were counted but not kept.
    pub fn more(&self) -> u64 {
        self.total
            .saturating_sub(u64::try_from(self.items.len()).unwrap_or(u64::MAX))
    }
}

/// Why an object was loaded whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FullReason {
    /// Never loaded before.
    FirstLoad,
    /// `--full` or the nightly schedule.
    Requested,
    /// The model or the `[fields]` map reads other fields than the last load.
    FieldsChanged,
    /// A full load was begun and not finished.
    Unfinished,
    /// The delete log was purged after the watermark: deletions may have been missed.
    DeleteLogPurged,
    /// The watermark is older than the delete log reaches (Salesforce refused the window).
    DeleteLogTooOld,
}

impl FullReason {
    /// In plain words.
    pub fn words(self) -> &'static str {
        match self {
            FullReason::FirstLoad => "first load",
            FullReason::Requested => "full sync requested",
            FullReason::FieldsChanged => "the fields read changed",
            FullReason::Unfinished => "the last full load did not finish",
            FullReason::DeleteLogPurged => {
                "the org's delete log was purged after the last sync, so deletions may have been missed"
            }
            FullReason::DeleteLogTooOld => {
                "the last sync is older than the org's delete log reaches"
            }
        }
    }
}

/// How an object was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "how")]
pub enum ReadHow {
    /// Everything, with why.
    Full {
        /// Why.
        reason: FullReason,
    },
    /// Changes since the watermark.
    Incremental,
}

/// What extraction did for one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectRead {
    /// The object.
    pub object: SyncedObject,
    /// Full or incremental.
    pub how: ReadHow,
    /// Whether Bulk API 2.0 served the read.
    pub bulk: bool,
    /// Records Salesforce sent.
    pub records: u64,
    /// Rows upserted into the replica.
    pub upserted: u64,
    /// Rows removed because the org deleted or merged them.
    pub deleted: u64,
    /// Records that could not be decoded.
    pub skipped: u64,
}

/// A record left out because it could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRecord {
    /// The object's API name.
    pub object: String,
    /// The record's Id.
    pub record: String,
    /// The field's API name.
    pub field: String,
    /// What was wrong (never the value).
    pub problem: String,
}

impl From<&DecodeError> for SkippedRecord {
    fn from(error: &DecodeError) -> Self {
        Self {
            object: error.object.to_owned(),
            record: error.record.clone(),
            field: error.field.clone(),
            problem: error.problem.to_string(),
        }
    }
}

/// A playbook task a rule called for but the planner left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedTask {
    /// The account.
    pub account_id: SfId,
    /// The playbook.
    pub playbook: Option<String>,
    /// The key it would have had.
    pub key: String,
    /// Why it is left out.
    pub reason: String,
}

/// A write the org did not take.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriteFailure {
    /// What the write does.
    pub kind: WriteKind,
    /// The record: its Id (updates) or its external key (creates).
    pub target: Target,
    /// The account.
    pub account_id: SfId,
    /// Final (rejected: fixed only when the data or the org changes; planned again next
    /// cycle) or transient (errored: retried next cycle).
    pub rejected: bool,
    /// What Salesforce (or the transport) said: code, message, fields.
    pub errors: Vec<RecordError>,
}

impl WriteFailure {
    /// A failure from an outcome; `None` for a delivered one.
    pub fn of(
        kind: WriteKind,
        target: &Target,
        account_id: SfId,
        outcome: &Outcome,
    ) -> Option<Self> {
        let (rejected, errors) = match outcome {
            Outcome::Delivered { .. } => return None,
            Outcome::Rejected { errors } => (true, errors.clone()),
            Outcome::Errored { code, message } => (
                false,
                vec![RecordError {
                    code: code.clone(),
                    message: message.clone(),
                    fields: Vec::new(),
                }],
            ),
        };
        Some(Self {
            kind,
            target: target.clone(),
            account_id,
            rejected,
            errors,
        })
    }

    /// One line for the command's output: the record, the kind, the account, and every
    /// error with Salesforce's code and message.
    pub fn line(&self) -> String {
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|e| {
                let mut text = e.code.clone();
                if !e.message.is_empty() {
                    text.push_str(": ");
                    text.push_str(&e.message);
                }
                if !e.fields.is_empty() {
                    let _ = write!(text, " (fields: {})", e.fields.join(", "));
                }
                text
            })
            .collect();
        let what = match &self.target {
            Target::Id(id) => format!("record {id}"),
            Target::Key(key) => format!("key {key}"),
        };
        let next = if self.rejected {
            "rejected"
        } else {
            "not written, retried next cycle"
        };
        format!(
            "{} {what} (account {}): {next}: {}",
            self.kind.key(),
            self.account_id,
            errors.join("; ")
        )
    }
}

/// What became of writes a dead process left in doubt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InDoubt {
    /// Creates found in the org by their key: recorded as delivered, not sent again.
    pub found: u64,
    /// Creates not found, and updates by Id: back in the outbox, sent again this run.
    pub resent: u64,
}

/// Vitals' API usage in the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApiUsage {
    /// Calls this run made.
    pub used: u64,
    /// Calls Vitals may still make in the rolling 24 hours under `max_api_share`.
    pub left_in_share: Option<u64>,
    /// Calls left in the org's daily allocation.
    pub org_left: Option<u64>,
    /// The org's daily allocation.
    pub org_max: Option<u64>,
}

impl From<&UsageReport> for ApiUsage {
    fn from(usage: &UsageReport) -> Self {
        Self {
            used: usage.calls,
            left_in_share: usage.left_in_share(),
            org_left: usage.org_left(),
            org_max: usage.org_max,
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// The run's number in the store.
    pub run_id: RunId,
    /// What started it.
    pub trigger: RunTrigger,
    /// The instant it scored as of (its start).
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Why it stopped early or failed, in plain words.
    pub note: Option<String>,
    /// Whether the run only planned (`--dry-run`).
    pub dry_run: bool,
    /// What extraction did, per object.
    pub reads: Vec<ObjectRead>,
    /// Records that could not be decoded and were left out.
    pub skipped_records: Limited<SkippedRecord>,
    /// Values read as empty because they could not be read (their records were kept).
    pub ignored_values: u64,
    /// Replicated records in no account's snapshot, per reason.
    pub unattached: BTreeMap<StrayReason, u64>,
    /// In-doubt writes settled at the start.
    pub in_doubt: InDoubt,
    /// Accounts scored.
    pub accounts_scored: u64,
    /// Accounts whose status differs from the one the org showed.
    pub status_changes: u64,
    /// Accounts per status this run scored (the status's picklist value).
    pub statuses: BTreeMap<String, u64>,
    /// Writes planned, per kind.
    pub planned: BTreeMap<WriteKind, u64>,
    /// Tasks a playbook called for but the planner left out, with why.
    pub skipped_tasks: Limited<SkippedTask>,
    /// Records the org confirmed, per kind.
    pub written: BTreeMap<WriteKind, u64>,
    /// Writes the org did not take.
    pub failures: Limited<WriteFailure>,
    /// Writes the org did not take, per kind (all of them, not only those listed).
    pub failed: BTreeMap<WriteKind, u64>,
    /// API calls.
    pub api: ApiUsage,
    /// How long each phase took.
    pub timings: Vec<PhaseTime>,
    /// The process's peak resident memory at the end of the run, in bytes, when known.
    pub peak_memory: Option<u64>,
    /// The plan, for a dry run.
    pub plan: Option<Plan>,
    /// What a backfill run found besides its writes; `None` for a sync.
    pub backfill: Option<BackfillSummary>,
}

impl RunReport {
    /// An empty report for a run that just began.
    pub fn new(
        run_id: RunId,
        trigger: RunTrigger,
        started_at: DateTime<Utc>,
        dry_run: bool,
        examples: usize,
    ) -> Self {
        Self {
            run_id,
            trigger,
            started_at,
            finished_at: None,
            outcome: RunOutcome::Succeeded,
            note: None,
            dry_run,
            reads: Vec::new(),
            skipped_records: Limited::new(examples),
            ignored_values: 0,
            unattached: BTreeMap::new(),
            in_doubt: InDoubt::default(),
            accounts_scored: 0,
            status_changes: 0,
            statuses: BTreeMap::new(),
            failed: BTreeMap::new(),
            planned: BTreeMap::new(),
            skipped_tasks: Limited::new(examples),
            written: BTreeMap::new(),
            failures: Limited::new(examples),
            api: ApiUsage::default(),
            timings: Vec::new(),
            peak_memory: None,
            plan: None,
            backfill: None,
        }
    }

    /// Records the strays of a pass over the snapshots.
    pub(super) fn unattached_from(&mut self, stream: &StreamReport) {
        for (reason, per_object) in &stream.strays {
            *self.unattached.entry(*reason).or_default() += per_object.values().sum::<u64>();
        }
    }

    /// Records read per object.
    pub fn records_read(&self) -> BTreeMap<SyncedObject, u64> {
        let mut read = BTreeMap::new();
        for r in &self.reads {
            *read.entry(r.object).or_default() += r.records;
        }
        read
    }

    /// The summary the store keeps with the run record (and the console shows).
    pub fn summary(&self) -> RunSummary {
        RunSummary {
            records_read: self.records_read(),
            accounts_scored: self.accounts_scored,
            status_changes: self.status_changes,
            written: self.written.clone(),
            failures: self.failures.total,
            skipped_records: self.skipped_records.total + self.unattached.values().sum::<u64>(),
            api_calls_used: self.api.used,
            api_calls_left: self.api.left_in_share,
            note: self.note.clone(),
        }
    }

    /// Logs the one summary line of the run: counts only, never record data or
    /// Salesforce's messages.
    pub fn log(&self) {
        let written: u64 = self.written.values().sum();
        let planned: u64 = self.planned.values().sum();
        tracing::info!(
            run_id = self.run_id.0,
            outcome = ?self.outcome,
            dry_run = self.dry_run,
            accounts_scored = self.accounts_scored,
            status_changes = self.status_changes,
            planned,
            written,
            failures = self.failures.total,
            skipped_records = self.skipped_records.total,
            api_calls_used = self.api.used,
            api_calls_left = self.api.left_in_share,
            "Sync run finished."
        );
    }

    /// The summary for the command's output.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} run {} ({}): {}{}",
            if self.backfill.is_some() {
                "Backfill"
            } else {
                "Sync"
            },
            self.run_id.0,
            if self.dry_run { "dry run" } else { "applied" },
            outcome_words(self.outcome),
            self.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        );
        self.render_reads(&mut out);
        match &self.backfill {
            Some(backfill) => self.render_backfill(backfill, &mut out),
            None => self.render_scoring(&mut out),
        }
        self.render_writes(&mut out);
        self.render_api(&mut out);
        self.render_times(&mut out);
        out
    }

    fn render_times(&self, out: &mut String) {
        let phases: Vec<String> = self
            .timings
            .iter()
            .map(|t| match t.cpu_seconds {
                Some(cpu) => format!("{} {:.1} s (CPU {cpu:.1} s)", t.phase, t.seconds),
                None => format!("{} {:.1} s", t.phase, t.seconds),
            })
            .collect();
        let memory = self
            .peak_memory
            .map(|bytes| format!("; peak memory {} MB", bytes / 1_000_000))
            .unwrap_or_default();
        if !phases.is_empty() {
            let _ = writeln!(out, "  time: {}{memory}", phases.join(", "));
        }
    }

    fn render_reads(&self, out: &mut String) {
        for read in &self.reads {
            let how = match read.how {
                ReadHow::Full { reason } => format!("full load ({})", reason.words()),
                ReadHow::Incremental => "changes".to_owned(),
            };
            let _ = writeln!(
                out,
                "  read {:<24} {how}{}: {} records, {} removed, {} skipped",
                SObject::from(read.object).api_name(),
                if read.bulk { ", Bulk API 2.0" } else { "" },
                read.records,
                read.deleted,
                read.skipped
            );
        }
        for skipped in &self.skipped_records.items {
            let _ = writeln!(
                out,
                "  skipped {} {}: field {}: {}",
                skipped.object, skipped.record, skipped.field, skipped.problem
            );
        }
        more(out, self.skipped_records.more(), "skipped records");
        if self.ignored_values > 0 {
            let _ = writeln!(
                out,
                "  {} values could not be read and were read as empty (see the log)",
                self.ignored_values
            );
        }
        for (reason, count) in &self.unattached {
            let why = match reason {
                StrayReason::NoAccount => "name no account",
                StrayReason::UnknownAccount => "belong to an account not in the replica",
                StrayReason::Undecodable => "could not be read back from the state file",
            };
            let _ = writeln!(out, "  {count} related records {why}; left out of scoring");
        }
    }

    fn render_scoring(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "  scored {} accounts; {} status changes",
            self.accounts_scored, self.status_changes
        );
        if self.in_doubt != InDoubt::default() {
            let _ = writeln!(
                out,
                "  settled writes left in doubt by an earlier run: {} found in the org, {} sent again",
                self.in_doubt.found, self.in_doubt.resent
            );
        }
        // Cool-downs hold many tasks back every day; a few name the kind of reason.
        const SHOWN: usize = 10;
        for task in self.skipped_tasks.items.iter().take(SHOWN) {
            let _ = writeln!(
                out,
                "  task not created: {} {} (account {}): {}",
                task.playbook.as_deref().unwrap_or("-"),
                task.key,
                task.account_id,
                task.reason
            );
        }
        let shown = u64::try_from(self.skipped_tasks.items.len().min(SHOWN)).unwrap_or(0);
        more(
            out,
            self.skipped_tasks.total.saturating_sub(shown),
            "tasks not created",
        );
    }

    /// The backfill's own lines: the periods and what became of each account's periods.
    /// The failures follow in the writes' lines.
    fn render_backfill(&self, backfill: &BackfillSummary, out: &mut String) {
        let span = match (backfill.periods.first(), backfill.periods.last()) {
            (Some(first), Some(last)) => format!(" ({first} to {last}, by first day)"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  backfill: {} periods{span}, {} accounts",
            backfill.periods.len(),
            self.accounts_scored
        );
        let planned = self.planned.get(&WriteKind::History).copied().unwrap_or(0);
        let written = self.written.get(&WriteKind::History).copied().unwrap_or(0);
        let mut line = format!("  history records: {planned} planned");
        if !self.dry_run {
            let _ = write!(line, ", {written} written");
        }
        let _ = write!(
            line,
            ", {} unchanged (already in the org, left alone), {} failed",
            backfill.unchanged, self.failures.total
        );
        let _ = writeln!(out, "{line}");
        if backfill.kept_deleted > 0 {
            let _ = writeln!(
                out,
                "  {} records Vitals created before and the org no longer holds (or still in the outbox): not created again",
                backfill.kept_deleted
            );
        }
        if backfill.before_account > 0 {
            let _ = writeln!(
                out,
                "  {} periods ended before their account was created: nothing to record",
                backfill.before_account
            );
        }
    }

    fn render_writes(&self, out: &mut String) {
        for kind in WriteKind::ALL {
            let planned = self.planned.get(&kind).copied().unwrap_or(0);
            let written = self.written.get(&kind).copied().unwrap_or(0);
            if planned == 0 && written == 0 {
                continue;
            }
            if self.dry_run {
                let _ = writeln!(out, "  {:<14} {planned} planned", kind.key());
            } else {
                let _ = writeln!(
                    out,
                    "  {:<14} {planned} planned, {written} written",
                    kind.key()
                );
            }
        }
        if self.planned.values().all(|n| *n == 0) && self.written.values().all(|n| *n == 0) {
            let _ = writeln!(out, "  nothing to write");
        }
        if self.failures.total > 0 {
            let _ = writeln!(out, "  {} writes failed:", self.failures.total);
        }
        for failure in &self.failures.items {
            let _ = writeln!(out, "    {}", failure.line());
        }
        more(out, self.failures.more(), "failures");
    }

    fn render_api(&self, out: &mut String) {
        let left = |n: Option<u64>| n.map_or_else(|| "unknown".to_owned(), |n| n.to_string());
        let _ = writeln!(
            out,
            "  API calls: {} used; {} left in Vitals' share; {} left in the org's daily allocation",
            self.api.used,
            left(self.api.left_in_share),
            left(self.api.org_left)
        );
    }
}

fn more(out: &mut String, count: u64, what: &str) {
    if count > 0 {
        let _ = writeln!(
            out,
            "  ... and {count} more {what} (see `vitals run`'s console or the state store)"
        );
    }
}

/// A run outcome in plain words.
pub fn outcome_words(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Succeeded => "succeeded",
        RunOutcome::FailedRecords => "finished; some records failed",
        RunOutcome::Failed => "failed",
        RunOutcome::Stopped => "stopped early; the next run resumes",
    }
}

/// What a backfill run found, besides the writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackfillSummary {
    /// The periods computed, by first day, oldest first.
    pub periods: Vec<chrono::NaiveDate>,
    /// Periods (account × period) whose record the org already held: left alone.
    pub unchanged: u64,
    /// Periods whose key the ledger holds but the org lacks (deleted by someone, or still
    /// in the outbox): not created again.
    pub kept_deleted: u64,
    /// Periods that ended before their account was created: nothing to record.
    pub before_account: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limited_list_keeps_the_first_items_and_counts_all() {
        let mut list = Limited::new(2);
        for n in 0..5 {
            list.push(n);
        }
        assert_eq!(list.items, vec![0, 1]);
        assert_eq!((list.total, list.more()), (5, 3));
    }

    #[test]
    fn a_failure_line_names_the_record_and_what_salesforce_said() {
        let account = SfId::from_parts("001", 7);
        let failure = WriteFailure::of(
            WriteKind::AccountHealth,
            &Target::Id(account),
            account,
            &Outcome::Rejected {
                errors: vec![RecordError {
                    code: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into(),
                    message: "Health fields are locked".into(),
                    fields: vec!["Health_Score__c".into()],
                }],
            },
        )
        .unwrap();
        assert_eq!(
            failure.line(),
            format!(
                "account_health record {account} (account {account}): rejected: FIELD_CUSTOM_VALIDATION_EXCEPTION: Health fields are locked (fields: Health_Score__c)"
            )
        );
        let delivered = Outcome::Delivered {
            id: None,
            created: None,
        };
        assert!(
            WriteFailure::of(
                WriteKind::History,
                &Target::Key("k".into()),
                account,
                &delivered
            )
            .is_none()
        );
    }
}
