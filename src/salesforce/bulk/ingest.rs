//! Bulk API 2.0 ingest: the input split into jobs of bounded size, each job created,
//! uploaded with one streamed PUT, closed, polled, and its result files joined back to its
//! rows. Every input row ends with exactly one outcome.
//!
//! Memory stays bounded whatever the input size: the input is shared, never copied; a
//! job's upload is rendered about 64 KiB at a time as it goes out; and a result file is
//! parsed as it downloads, keeping only each row's outcome. What grows with the input is
//! the outcomes themselves and one job's key index.

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::Method;

use super::results::{Joiner, ResultFile, outcome_unknown};
use super::upload::{CsvUpload, JobRows, MAX_UPLOAD_BYTES, columns, plan_jobs};
use super::{JobInfo, JobKind, job_error};
use crate::salesforce::error::SalesforceError;
use crate::salesforce::http::{ApiRequest, Body, Client, Expect, Target};
use crate::salesforce::records::{
    RecordOutcome, WriteKind, WriteRecord, WriteReport, WriteResult, request_error_for_rows,
};
use crate::salesforce::rest::not_attempted;
use crate::salesforce::retry::{Idempotency, RetryClass};

/// The calls to have room for before starting an ingest job: create, upload, close, one
/// status poll and the three result files. A job whose final counts say every row was
/// processed reads fewer files (see [`files_to_read`]).
pub const MIN_INGEST_CALLS: u64 = 7;

impl Client {
    /// Writes records with Bulk API 2.0 ingest, in jobs of at most `bulk_job_rows` rows and
    /// 100 MB of CSV.
    ///
    /// Rows that fail with `UNABLE_TO_LOCK_ROW` (after Salesforce's own retries) are sent
    /// once more through sObject Collections, whose retry loop backs off; for inserts they
    /// are left `Errored` for the next cycle.
    pub async fn write_bulk(
        &self,
        object: &str,
        kind: &WriteKind,
        records: Vec<WriteRecord>,
    ) -> WriteReport {
        let rows: Vec<usize> = (0..records.len()).collect();
        self.write_bulk_rows(object, kind, &Arc::new(records), &rows)
            .await
    }

    /// [`Client::write_bulk`] of the `rows` of a shared input; outcomes carry input
    /// positions.
    pub(crate) async fn write_bulk_rows(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &Arc<Vec<WriteRecord>>,
        rows: &[usize],
    ) -> WriteReport {
        let mut report = WriteReport {
            outcomes: Vec::with_capacity(rows.len()),
            stopped: None,
            bulk: true,
        };
        let columns = columns(kind, records, rows);
        let max_rows = self.settings().bulk_job_rows;
        // A megabyte of room under the limit for the header and rounding.
        let jobs = plan_jobs(
            &columns,
            records,
            rows,
            max_rows,
            MAX_UPLOAD_BYTES - (1 << 20),
        );
        for job in jobs {
            if report.stopped.is_some() {
                report.outcomes.extend(
                    job.rows
                        .iter()
                        .map(|i| not_attempted(*i, report.stopped.as_deref())),
                );
                continue;
            }
            let (outcomes, stopped) = self.ingest_job(object, kind, records, &columns, job).await;
            report.outcomes.extend(outcomes);
            report.stopped = stopped;
        }
        if !matches!(kind, WriteKind::Insert) && report.stopped.is_none() {
            self.retry_locked(object, kind, records, &mut report).await;
        }
        report.outcomes.sort_by_key(|o| o.index);
        report
    }

    /// Sends rows that failed with `UNABLE_TO_LOCK_ROW` once more through Collections.
    async fn retry_locked(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
        report: &mut WriteReport,
    ) {
        let locked: Vec<usize> = report
            .outcomes
            .iter()
            .filter(|o| matches!(&o.result, WriteResult::Errored { errors } if errors.iter().any(|e| e.code == "UNABLE_TO_LOCK_ROW")))
            .map(|o| o.index)
            .collect();
        if locked.is_empty() {
            return;
        }
        let again = self
            .write_collection_rows(object, kind, records, &locked)
            .await;
        let mut retried: HashMap<usize, WriteResult> = again
            .outcomes
            .into_iter()
            .map(|o| (o.index, o.result))
            .collect();
        for outcome in &mut report.outcomes {
            if let Some(result) = retried.remove(&outcome.index) {
                outcome.result = result;
            }
        }
        report.stopped = again.stopped;
    }

    /// Runs one job: create, streamed upload, close, poll, join the results.
    async fn ingest_job(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &Arc<Vec<WriteRecord>>,
        columns: &[String],
        job: JobRows,
    ) -> (Vec<RecordOutcome>, Option<String>) {
        let JobRows { rows, bytes } = job;
        // A job is only worth starting if it can be followed to its results.
        if !self.inner.budget.has_room_for(MIN_INGEST_CALLS) {
            let why = format!(
                "API budget: a Bulk job needs at least {MIN_INGEST_CALLS} calls and the share (salesforce.max_api_share) has fewer left"
            );
            return (
                rows.iter().map(|i| not_attempted(*i, Some(&why))).collect(),
                Some(why),
            );
        }
        let job = match self.create_ingest_job(object, kind).await {
            Ok(job) => job,
            Err(error) => return not_run(&rows, &error),
        };
        tracing::debug!(job_id = %job.id, rows = rows.len(), bytes, "Uploading a Bulk ingest job.");
        let upload = CsvUpload::new(records.clone(), rows.clone(), columns.to_vec());
        if let Err(error) = self.upload_and_close(&job.id, upload).await {
            // Nothing runs before UploadComplete, so aborting leaves every row untouched.
            self.abort_job("ingest", &job.id).await;
            return not_run(&rows, &error);
        }
        // From here on the job may have written rows. A row without a result gets an
        // outcome that says so, never "not attempted".
        let no_result = WriteResult::Errored {
            errors: vec![job_error(
                &job.id,
                "NO_RESULT",
                "Salesforce reported no result for this row",
            )],
        };
        let (leftover, reading) = match self
            .await_job(
                JobKind::Ingest,
                &job.id,
                object,
                super::Running {
                    rows: u64::try_from(rows.len()).ok(),
                    since: tokio::time::Instant::now(),
                },
            )
            .await
        {
            Ok(info) => (no_result, files_to_read(kind, &info, rows.len())),
            Err(error) => match ended(&job.id, error) {
                Ok(leftover) => (leftover, Reading::every_file()),
                Err(error) => return unknown(&job.id, &rows, &error),
            },
        };
        let mut joiner = Joiner::new(kind, records, columns, &rows, leftover);
        for file in reading.files {
            if let Err(error) = self.read_result_file(&job.id, file, &mut joiner).await {
                return unknown(&job.id, &rows, &error);
            }
        }
        if reading.updates_written {
            (joiner.finish_updates_written(&rows), None)
        } else {
            (joiner.finish(&rows), None)
        }
    }

    async fn create_ingest_job(
        &self,
        object: &str,
        kind: &WriteKind,
    ) -> Result<JobInfo, SalesforceError> {
        let (operation, external_id) = match kind {
            WriteKind::Insert => ("insert", None),
            WriteKind::Update => ("update", None),
            WriteKind::Upsert { external_id } => ("upsert", Some(external_id.clone())),
        };
        let mut body = serde_json::json!({
            "object": object,
            "operation": operation,
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        });
        if let (Some(external_id), Some(map)) = (external_id, body.as_object_mut()) {
            map.insert("externalIdFieldName".into(), external_id.into());
        }
        // A job create is a plain POST: not retried after an ambiguous failure.
        let request = ApiRequest::json(
            Method::POST,
            "jobs/ingest",
            &body,
            Idempotency::NonIdempotent,
        )?;
        self.execute(&request).await?.json("a Bulk ingest job")
    }

    /// The one PUT of the job's CSV, streamed, then `UploadComplete`.
    async fn upload_and_close(
        &self,
        job_id: &str,
        upload: CsvUpload,
    ) -> Result<(), SalesforceError> {
        let request = ApiRequest {
            method: Method::PUT,
            target: Target::Api(format!("jobs/ingest/{job_id}/batches")),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::CsvUpload(upload),
            // A second PUT would append the rows again if the first one landed.
            idempotency: Idempotency::NonIdempotent,
            expect: Expect::Bytes,
        };
        self.execute(&request).await?;
        let close = ApiRequest::json(
            Method::PATCH,
            format!("jobs/ingest/{job_id}"),
            &serde_json::json!({ "state": "UploadComplete" }),
            Idempotency::Idempotent,
        )?;
        self.execute(&close).await.map(|_| ())
    }
}

/// Which result files a completed job needs read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reading {
    /// The files to read, in order.
    pub files: Vec<ResultFile>,
    /// Whether every row of an update was processed, so a row the failed file does not
    /// name was written (with the Id it carries) and the successful file is not needed.
    pub updates_written: bool,
}

impl Reading {
    /// Every file, as for a job that did not complete.
    pub(super) fn every_file() -> Self {
        Self {
            files: ResultFile::ALL.to_vec(),
            updates_written: false,
        }
    }
}

/// The result files a completed job's final counts call for: the failed file only when a
/// row failed, the unprocessed file only when some row was not processed, the successful
/// file unless the job is an update that processed every row (an upsert's or insert's
/// successful rows carry the record Ids, which only that file gives). Without the counts,
/// every file. Each file skipped is one call saved per job.
pub(super) fn files_to_read(kind: &WriteKind, info: &JobInfo, rows: usize) -> Reading {
    let rows = u64::try_from(rows).unwrap_or(u64::MAX);
    let all_processed = info.number_records_processed == Some(rows);
    let none_failed = info.number_records_failed == Some(0);
    let updates_written = matches!(kind, WriteKind::Update) && all_processed;
    let mut files = Vec::new();
    if !updates_written {
        files.push(ResultFile::Successful);
    }
    if !none_failed {
        files.push(ResultFile::Failed);
    }
    if !all_processed {
        files.push(ResultFile::Unprocessed);
    }
    Reading {
        files,
        updates_written,
    }
}

/// What a job's end means for the rows it did not process, or the error to report when
/// the job could not be followed.
fn ended(job_id: &str, error: SalesforceError) -> Result<WriteResult, SalesforceError> {
    match error {
        // A failed job's reason (e.g. InvalidBatch: a bad column) applies to every row it
        // did not process, and sending them again would fail the same way.
        SalesforceError::BulkJob { state, message, .. } if state == "Failed" => {
            Ok(WriteResult::Rejected {
                errors: vec![job_error(job_id, "BULK_JOB_FAILED", &message)],
            })
        }
        SalesforceError::BulkJob { state, message, .. } => Ok(WriteResult::Errored {
            errors: vec![job_error(
                job_id,
                "BULK_JOB_ENDED",
                &format!("the job ended {state}: {message}"),
            )],
        }),
        SalesforceError::BulkTimeout { waited, .. } => Ok(WriteResult::Errored {
            errors: vec![job_error(
                job_id,
                "BULK_JOB_TIMEOUT",
                &format!("the job was aborted after {waited:?}; the row was not processed"),
            )],
        }),
        other => Err(other),
    }
}

/// Rows of a job that never started: their outcome follows the error.
fn not_run(rows: &[usize], error: &SalesforceError) -> (Vec<RecordOutcome>, Option<String>) {
    let class = error.retry_class();
    let api_error = request_error_for_rows(error);
    let outcomes = rows
        .iter()
        .map(|index| RecordOutcome {
            index: *index,
            result: if class == RetryClass::Permanent {
                WriteResult::Rejected {
                    errors: vec![api_error.clone()],
                }
            } else {
                WriteResult::Errored {
                    errors: vec![api_error.clone()],
                }
            },
        })
        .collect();
    let stopped = (class == RetryClass::DailyLimit).then(|| error.to_string());
    (outcomes, stopped)
}

/// Rows of a job that started but could not be followed; a daily-limit stop stops the write.
fn unknown(
    job_id: &str,
    rows: &[usize],
    error: &SalesforceError,
) -> (Vec<RecordOutcome>, Option<String>) {
    let stopped = (error.retry_class() == RetryClass::DailyLimit).then(|| error.to_string());
    (outcome_unknown(job_id, rows, error), stopped)
}
