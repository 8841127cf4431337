//! Bulk API 2.0: query jobs read page by page, and ingest jobs reconciled row by row.
//!
//! Query: create the job, poll until `JobComplete`, then fetch result pages with
//! `maxRecords` and follow `Sforce-Locator` until it is the literal string `null`
//! (salesforce-api.md 6). Each page is parsed as it downloads.
//!
//! Ingest: one CSV upload per job (salesforce-api.md 5: clients split data into jobs, not
//! PUTs), `UploadComplete`, poll, then join the successful, failed and unprocessed result
//! files back to the input rows on a key column, because result order is not input order.
//! Null is written as `#N/A`; an empty cell leaves a field unchanged. A job that does not
//! finish in time is aborted. Every input row ends with exactly one outcome.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;

use super::csv_stream::CsvTable;
use super::error::{ApiError, SalesforceError};
use super::http::{ApiRequest, Body, Client, Expect, Target};
use super::records::{
    Record, RecordOutcome, WriteKind, WriteRecord, WriteReport, WriteResult, failed,
    request_error_for_rows,
};
use super::rest::not_attempted;
use super::retry::{Idempotency, RetryClass};
use super::wire::parse_datetime;
use crate::domain::SfId;

/// Raw CSV bytes per ingest job. Salesforce allows 150 MB after its base64 conversion,
/// so raw data must stay at or below 100 MB (salesforce-api.md 5).
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobInfo {
    id: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    created_date: Option<String>,
}

fn is_terminal(state: &str) -> bool {
    matches!(state, "JobComplete" | "Failed" | "Aborted")
}

/// A Bulk query's results, read page by page.
#[derive(Debug)]
pub struct BulkQueryPager {
    client: Client,
    job_id: String,
    created_date: Option<DateTime<Utc>>,
    locator: Option<String>,
    done: bool,
}

impl BulkQueryPager {
    /// The job's Id.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// The job's `createdDate`, by the server's clock.
    pub fn created_date(&self) -> Option<DateTime<Utc>> {
        self.created_date
    }

    /// The next page of records, or `None` when the results are exhausted.
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the page request, or CSV that cannot be parsed.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Record>>, SalesforceError> {
        if self.done {
            return Ok(None);
        }
        let mut request = ApiRequest::get(format!("jobs/query/{}/results", self.job_id)).param(
            "maxRecords",
            self.client.settings().bulk_page_size.to_string(),
        );
        if let Some(locator) = &self.locator {
            request = request.param("locator", locator.clone());
        }
        request.expect = Expect::Csv(b',');
        let response = self.client.execute(&request).await?;
        // The last page says `null`; a missing header also ends the results.
        match response.header("Sforce-Locator") {
            Some(locator) if locator != "null" && !locator.is_empty() => {
                self.locator = Some(locator.to_owned());
            }
            _ => self.done = true,
        }
        let table = response.csv.unwrap_or_default();
        let columns: Arc<HashMap<String, usize>> = Arc::new(
            table
                .header
                .iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), i))
                .collect(),
        );
        Ok(Some(
            table
                .rows
                .into_iter()
                .map(|values| Record::Csv {
                    columns: columns.clone(),
                    values,
                })
                .collect(),
        ))
    }
}

impl Client {
    /// Runs a Bulk API 2.0 query job to completion and returns a pager over its results.
    ///
    /// # Errors
    /// [`SalesforceError::BulkJob`] when the job fails, [`SalesforceError::BulkTimeout`]
    /// when it does not finish in time (it is aborted), or any request error.
    pub async fn bulk_query(
        &self,
        soql: &str,
        all: bool,
    ) -> Result<BulkQueryPager, SalesforceError> {
        let body = serde_json::json!({
            "operation": if all { "queryAll" } else { "query" },
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        });
        // A plain POST: a retried create after an ambiguous failure would leave an orphan
        // job counting against the daily Bulk query job limit, so it is not retried.
        let request = ApiRequest::json(
            Method::POST,
            "jobs/query",
            &body,
            Idempotency::NonIdempotent,
        )?;
        let job: JobInfo = self.execute(&request).await?.json("a Bulk query job")?;
        self.await_job("query", &job.id, &job.object).await?;
        let created_date = job.created_date.as_deref().and_then(parse_datetime);
        Ok(BulkQueryPager {
            client: self.clone(),
            created_date,
            job_id: job.id,
            locator: None,
            done: false,
        })
    }

    /// Polls a job until it ends; aborts it at the deadline.
    async fn await_job(
        &self,
        kind: &str,
        job_id: &str,
        object: &str,
    ) -> Result<(), SalesforceError> {
        let settings = self.settings();
        let started = Instant::now();
        let mut slept = Duration::ZERO;
        loop {
            let job: JobInfo = self
                .execute(&ApiRequest::get(format!("jobs/{kind}/{job_id}")))
                .await?
                .json("a Bulk job status")?;
            match job.state.as_str() {
                "JobComplete" => return Ok(()),
                state if is_terminal(state) => {
                    return Err(SalesforceError::BulkJob {
                        job_id: job_id.to_owned(),
                        object: object.to_owned(),
                        state: state.to_owned(),
                        message: job.error_message.unwrap_or_default(),
                    });
                }
                _ => {}
            }
            // The deadline counts both real time and the time asked of the sleeper, so
            // it holds in production and in tests whose sleeper returns at once.
            let waited = started.elapsed().max(slept);
            if waited >= settings.bulk_timeout {
                self.abort_job(kind, job_id).await;
                return Err(SalesforceError::BulkTimeout {
                    job_id: job_id.to_owned(),
                    object: object.to_owned(),
                    waited,
                });
            }
            self.pause(settings.bulk_poll_interval).await;
            slept += settings.bulk_poll_interval;
        }
    }

    async fn abort_job(&self, kind: &str, job_id: &str) {
        let body = serde_json::json!({ "state": "Aborted" });
        let outcome = match ApiRequest::json(
            Method::PATCH,
            format!("jobs/{kind}/{job_id}"),
            &body,
            Idempotency::Idempotent,
        ) {
            Ok(request) => self.execute(&request).await.map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, job_id, "Could not abort the Bulk job.");
        }
    }

    /// Writes records with Bulk API 2.0 ingest, one job per 100 MB of CSV.
    ///
    /// Rows that fail with `UNABLE_TO_LOCK_ROW` (after Salesforce's own retries) are sent
    /// once more through sObject Collections, whose retry loop backs off; for inserts they
    /// are left `Errored` for the next cycle.
    pub async fn write_bulk(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
    ) -> WriteReport {
        let mut report = WriteReport {
            outcomes: Vec::with_capacity(records.len()),
            stopped: None,
            bulk: true,
        };
        let columns = csv_columns(kind, records);
        let mut start = 0;
        while start < records.len() {
            let (csv, end) = build_csv(&columns, records, start);
            let rows: Vec<usize> = (start..end).collect();
            if report.stopped.is_some() {
                report.outcomes.extend(
                    rows.iter()
                        .map(|i| not_attempted(*i, report.stopped.as_deref())),
                );
            } else {
                let (outcomes, stopped) = self
                    .ingest_job(object, kind, records, &columns, &rows, csv)
                    .await;
                report.outcomes.extend(outcomes);
                report.stopped = stopped;
            }
            start = end;
        }
        // Lock failures get one more chance through Collections.
        if !matches!(kind, WriteKind::Insert) && report.stopped.is_none() {
            let locked: Vec<usize> = report
                .outcomes
                .iter()
                .filter(|o| matches!(&o.result, WriteResult::Errored { errors } if errors.iter().any(|e| e.code == "UNABLE_TO_LOCK_ROW")))
                .map(|o| o.index)
                .collect();
            if !locked.is_empty() {
                let retry: Vec<WriteRecord> = locked
                    .iter()
                    .filter_map(|i| records.get(*i).cloned())
                    .collect();
                let again = self.write_collections(object, kind, &retry).await;
                for outcome in again.outcomes {
                    if let Some(index) = locked.get(outcome.index) {
                        report.outcomes.retain(|o| o.index != *index);
                        report.outcomes.push(RecordOutcome {
                            index: *index,
                            result: outcome.result,
                        });
                    }
                }
                report.stopped = again.stopped;
            }
        }
        report.outcomes.sort_by_key(|o| o.index);
        report
    }

    async fn ingest_job(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
        columns: &[String],
        rows: &[usize],
        csv: Vec<u8>,
    ) -> (Vec<RecordOutcome>, Option<String>) {
        // Rows of a job that never started: their outcome follows the error.
        let not_run = |error: &SalesforceError| -> (Vec<RecordOutcome>, Option<String>) {
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
        };
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
        let job: JobInfo = match ApiRequest::json(
            Method::POST,
            "jobs/ingest",
            &body,
            Idempotency::NonIdempotent,
        ) {
            Ok(request) => match self
                .execute(&request)
                .await
                .and_then(|r| r.json("a Bulk ingest job"))
            {
                Ok(job) => job,
                Err(error) => return not_run(&error),
            },
            Err(error) => return not_run(&error),
        };
        let upload = ApiRequest {
            method: Method::PUT,
            target: Target::Api(format!("jobs/ingest/{}/batches", job.id)),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Csv(csv),
            // A second PUT would append the rows again if the first one landed.
            idempotency: Idempotency::NonIdempotent,
            expect: Expect::Bytes,
        };
        if let Err(error) = self.execute(&upload).await {
            // Nothing runs before UploadComplete, so aborting leaves every row untouched.
            self.abort_job("ingest", &job.id).await;
            return not_run(&error);
        }
        let closed = match ApiRequest::json(
            Method::PATCH,
            format!("jobs/ingest/{}", job.id),
            &serde_json::json!({ "state": "UploadComplete" }),
            Idempotency::Idempotent,
        ) {
            Ok(request) => self.execute(&request).await.map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = closed {
            self.abort_job("ingest", &job.id).await;
            return not_run(&error);
        }

        // From here on the job may have written rows. A row without a result gets an
        // outcome that says so, never "not attempted".
        let (leftover, stopped) = match self.await_job("ingest", &job.id, object).await {
            Ok(()) => (
                WriteResult::Errored {
                    errors: vec![job_error(
                        &job.id,
                        "NO_RESULT",
                        "Salesforce reported no result for this row",
                    )],
                },
                None,
            ),
            // A failed job's reason (e.g. InvalidBatch: a bad column) applies to every row
            // it did not process, and sending them again would fail the same way.
            Err(SalesforceError::BulkJob { state, message, .. }) if state == "Failed" => (
                WriteResult::Rejected {
                    errors: vec![job_error(&job.id, "BULK_JOB_FAILED", &message)],
                },
                None,
            ),
            Err(SalesforceError::BulkJob { state, message, .. }) => (
                WriteResult::Errored {
                    errors: vec![job_error(
                        &job.id,
                        "BULK_JOB_ENDED",
                        &format!("the job ended {state}: {message}"),
                    )],
                },
                None,
            ),
            Err(SalesforceError::BulkTimeout { waited, .. }) => (
                WriteResult::Errored {
                    errors: vec![job_error(
                        &job.id,
                        "BULK_JOB_TIMEOUT",
                        &format!("the job was aborted after {waited:?}; the row was not processed"),
                    )],
                },
                None,
            ),
            Err(error) => return self.outcome_unknown(&job.id, rows, &error),
        };
        let mut tables = Vec::new();
        for file in [
            "successfulResults/",
            "failedResults/",
            "unprocessedrecords/",
        ] {
            let mut request = ApiRequest::get(format!("jobs/ingest/{}/{file}", job.id));
            request.expect = Expect::Csv(b',');
            match self.execute(&request).await {
                Ok(response) => tables.push(response.csv.unwrap_or_default()),
                Err(error) => return self.outcome_unknown(&job.id, rows, &error),
            }
        }
        let [successful, failed_rows, unprocessed] =
            <[CsvTable; 3]>::try_from(tables).unwrap_or_default();
        let files = ResultFiles {
            successful: &successful,
            failed: &failed_rows,
            unprocessed: &unprocessed,
        };
        (
            reconcile(kind, records, columns, rows, &files, &leftover),
            stopped,
        )
    }

    /// Outcomes for rows of a job that started but could not be followed to its results:
    /// the rows may or may not be written, so they are neither delivered nor "not sent".
    fn outcome_unknown(
        &self,
        job_id: &str,
        rows: &[usize],
        error: &SalesforceError,
    ) -> (Vec<RecordOutcome>, Option<String>) {
        let message = format!(
            "the job was started but its outcome could not be read ({}); check the job in Setup > Bulk Data Load Jobs",
            error.for_report()
        );
        let outcomes = rows
            .iter()
            .map(|index| RecordOutcome {
                index: *index,
                result: WriteResult::Errored {
                    errors: vec![job_error(job_id, "JOB_OUTCOME_UNKNOWN", &message)],
                },
            })
            .collect();
        let stopped = (error.retry_class() == RetryClass::DailyLimit).then(|| error.to_string());
        (outcomes, stopped)
    }
}

/// The fewest calls an ingest job takes: create, upload, close, one status poll and the
/// three result files.
pub const MIN_INGEST_CALLS: u64 = 7;

fn job_error(job_id: &str, code: &str, message: &str) -> ApiError {
    ApiError {
        code: code.to_owned(),
        message: format!("Bulk job {job_id}: {message}"),
        fields: vec![],
    }
}

/// An ingest job's three result files.
struct ResultFiles<'a> {
    successful: &'a CsvTable,
    failed: &'a CsvTable,
    unprocessed: &'a CsvTable,
}

/// The CSV columns: every field any record sets, in first-seen order, with the key first.
fn csv_columns(kind: &WriteKind, records: &[WriteRecord]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    match kind {
        WriteKind::Update => columns.push("Id".into()),
        WriteKind::Upsert { external_id } => columns.push(external_id.clone()),
        WriteKind::Insert => {}
    }
    for record in records {
        for (name, _) in &record.fields {
            if !columns.iter().any(|c| c == name) {
                columns.push(name.clone());
            }
        }
    }
    columns
}

/// Builds one job's CSV from `start`, stopping before `MAX_UPLOAD_BYTES`. Returns the bytes
/// and the end index (exclusive). Always takes at least one row.
fn build_csv(columns: &[String], records: &[WriteRecord], start: usize) -> (Vec<u8>, usize) {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail for I/O reasons; a failure would mean a csv bug.
    let _ = writer.write_record(columns);
    let mut end = start;
    for record in &records[start..] {
        let row: Vec<String> = columns
            .iter()
            .map(|column| {
                record
                    .get(column)
                    .map(|v| v.to_csv_cell())
                    .unwrap_or_default()
            })
            .collect();
        let _ = writer.write_record(&row);
        let _ = writer.flush();
        end += 1;
        if writer.get_ref().len() >= MAX_UPLOAD_BYTES - 1024 * 1024 {
            break;
        }
    }
    (writer.into_inner().unwrap_or_default(), end)
}

/// The value a result row is joined on.
fn row_key(kind: &WriteKind, cells: &dyn Fn(&str) -> Option<String>, columns: &[String]) -> String {
    match kind {
        WriteKind::Update => {
            let id = cells("Id").unwrap_or_default();
            // Echoed Ids may come back in either length; compare the 18-character form.
            SfId::parse(&id).map(|id| id.to_string()).unwrap_or(id)
        }
        WriteKind::Upsert { external_id } => cells(external_id).unwrap_or_default(),
        // Inserts have no key of their own: join on every echoed value. Identical rows are
        // interchangeable, so matching them in order is exact enough.
        WriteKind::Insert => columns
            .iter()
            .map(|c| cells(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\u{1f}"),
    }
}

/// Parses `sf__Error`: `CODE:message:fields --` (salesforce-api.md 5).
pub fn parse_sf_error(text: &str) -> ApiError {
    let text = text.trim().trim_end_matches("--").trim_end();
    let Some((code, rest)) = text.split_once(':') else {
        return ApiError {
            code: text.to_owned(),
            message: String::new(),
            fields: vec![],
        };
    };
    let (message, fields) = match rest.rsplit_once(':') {
        Some((message, fields)) => (message, fields),
        None => (rest, ""),
    };
    ApiError {
        code: code.to_owned(),
        message: message.to_owned(),
        fields: fields
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// Joins the result files back to the input rows. Rows in the unprocessed file, and rows in
/// no file at all, get `leftover`: what the job's end means for a row it did not process.
fn reconcile(
    kind: &WriteKind,
    records: &[WriteRecord],
    columns: &[String],
    rows: &[usize],
    files: &ResultFiles<'_>,
    leftover: &WriteResult,
) -> Vec<RecordOutcome> {
    let (successful, failed_rows, unprocessed) =
        (files.successful, files.failed, files.unprocessed);
    // Input rows by key; identical keys queue up in input order.
    let mut by_key: HashMap<String, VecDeque<usize>> = HashMap::new();
    for index in rows {
        let Some(record) = records.get(*index) else {
            continue;
        };
        let cells = |name: &str| record.get(name).map(|v| v.to_csv_cell());
        by_key
            .entry(row_key(kind, &cells, columns))
            .or_default()
            .push_back(*index);
    }
    let mut outcomes: HashMap<usize, WriteResult> = HashMap::new();
    let mut take = |table: &CsvTable, row: &[String]| -> Option<usize> {
        let cells = |name: &str| table.column(name).and_then(|i| row.get(i).cloned());
        by_key.get_mut(&row_key(kind, &cells, columns))?.pop_front()
    };
    for row in &successful.rows {
        let Some(index) = take(successful, row) else {
            continue;
        };
        let id = successful
            .column("sf__Id")
            .and_then(|i| row.get(i))
            .map(String::as_str);
        let created = successful
            .column("sf__Created")
            .and_then(|i| row.get(i))
            .map(|v| v == "true");
        let result = match id.map(SfId::parse) {
            Some(Ok(id)) => WriteResult::Delivered {
                id,
                created: match kind {
                    WriteKind::Upsert { .. } => created,
                    _ => None,
                },
            },
            _ => WriteResult::Rejected {
                errors: vec![ApiError {
                    code: "UNEXPECTED_RESPONSE".into(),
                    message: "a successful row has no valid sf__Id".into(),
                    fields: vec![],
                }],
            },
        };
        outcomes.insert(index, result);
    }
    for row in &failed_rows.rows {
        let Some(index) = take(failed_rows, row) else {
            continue;
        };
        let error = failed_rows
            .column("sf__Error")
            .and_then(|i| row.get(i))
            .map(|text| parse_sf_error(text))
            .unwrap_or(ApiError {
                code: "UNKNOWN".into(),
                message: "a failed row without sf__Error".into(),
                fields: vec![],
            });
        outcomes.insert(index, failed(vec![error]));
    }
    for row in &unprocessed.rows {
        let Some(index) = take(unprocessed, row) else {
            continue;
        };
        outcomes.insert(index, leftover.clone());
    }
    rows.iter()
        .map(|index| RecordOutcome {
            index: *index,
            result: outcomes.remove(index).unwrap_or_else(|| leftover.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::records::WriteValue;

    #[test]
    fn sf_error_cells_parse_into_code_message_and_fields() {
        assert_eq!(
            parse_sf_error(
                "REQUIRED_FIELD_MISSING:Required fields are missing: [Status]:Status --"
            ),
            ApiError {
                code: "REQUIRED_FIELD_MISSING".into(),
                message: "Required fields are missing: [Status]".into(),
                fields: vec!["Status".into()],
            }
        );
        assert_eq!(
            parse_sf_error(
                "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record: --"
            ),
            ApiError {
                code: "UNABLE_TO_LOCK_ROW".into(),
                message: "unable to obtain exclusive access to this record".into(),
                fields: vec![],
            }
        );
        assert_eq!(parse_sf_error("WEIRD").code, "WEIRD");
    }

    #[test]
    fn csv_nulls_are_na_and_absent_fields_are_empty() {
        let records = vec![
            WriteRecord::new()
                .set("Key__c", WriteValue::Text("A,1".into()))
                .set("Score__c", WriteValue::Number(50.0)),
            WriteRecord::new()
                .set("Key__c", WriteValue::Text("B\"2".into()))
                .set("Drivers__c", WriteValue::Null),
        ];
        let kind = WriteKind::Upsert {
            external_id: "Key__c".into(),
        };
        let columns = csv_columns(&kind, &records);
        assert_eq!(columns, vec!["Key__c", "Score__c", "Drivers__c"]);
        let (csv, end) = build_csv(&columns, &records, 0);
        assert_eq!(end, 2);
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "Key__c,Score__c,Drivers__c\n\"A,1\",50,\n\"B\"\"2\",,#N/A\n"
        );
    }

    #[test]
    fn results_in_any_order_are_joined_back_to_their_rows() {
        let kind = WriteKind::Upsert {
            external_id: "Key__c".into(),
        };
        let records: Vec<WriteRecord> = ["k1", "k2", "k3", "k4"]
            .iter()
            .map(|k| WriteRecord::new().set("Key__c", WriteValue::Text((*k).into())))
            .collect();
        let columns = csv_columns(&kind, &records);
        let id = SfId::from_parts("a00", 1).to_string();
        let successful = CsvTable {
            header: vec!["sf__Id".into(), "sf__Created".into(), "Key__c".into()],
            rows: vec![
                vec![id.clone(), "false".into(), "k3".into()],
                vec![id.clone(), "true".into(), "k1".into()],
            ],
        };
        let failed_rows = CsvTable {
            header: vec!["sf__Id".into(), "sf__Error".into(), "Key__c".into()],
            rows: vec![vec![
                String::new(),
                "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record: --".into(),
                "k2".into(),
            ]],
        };
        let leftover = WriteResult::Errored {
            errors: vec![job_error("750x", "NO_RESULT", "no result")],
        };
        let outcomes = reconcile(
            &kind,
            &records,
            &columns,
            &[0, 1, 2, 3],
            &ResultFiles {
                successful: &successful,
                failed: &failed_rows,
                unprocessed: &CsvTable::default(),
            },
            &leftover,
        );
        assert!(matches!(
            outcomes[0].result,
            WriteResult::Delivered {
                created: Some(true),
                ..
            }
        ));
        assert!(
            matches!(&outcomes[1].result, WriteResult::Errored { errors } if errors[0].code == "UNABLE_TO_LOCK_ROW"),
            "{:?}",
            outcomes[1]
        );
        assert!(matches!(
            outcomes[2].result,
            WriteResult::Delivered {
                created: Some(false),
                ..
            }
        ));
        assert!(
            matches!(&outcomes[3].result, WriteResult::Errored { errors } if errors[0].code == "NO_RESULT")
        );
    }

    #[test]
    fn rows_a_failed_job_never_processed_are_rejected_with_its_reason() {
        let kind = WriteKind::Update;
        let records: Vec<WriteRecord> = (1..=3)
            .map(|n| {
                WriteRecord::new()
                    .set(
                        "Id",
                        WriteValue::Text(SfId::from_parts("001", n).to_string()),
                    )
                    .set("Bogus__c", WriteValue::Text("x".into()))
            })
            .collect();
        let columns = csv_columns(&kind, &records);
        let unprocessed = CsvTable {
            header: vec!["Id".into(), "Bogus__c".into()],
            rows: vec![vec![SfId::from_parts("001", 2).to_string(), "x".into()]],
        };
        let leftover = WriteResult::Rejected {
            errors: vec![job_error(
                "750x",
                "BULK_JOB_FAILED",
                "InvalidBatch : Field name not found : Bogus__c",
            )],
        };
        let outcomes = reconcile(
            &kind,
            &records,
            &columns,
            &[0, 1, 2],
            &ResultFiles {
                successful: &CsvTable::default(),
                failed: &CsvTable::default(),
                unprocessed: &unprocessed,
            },
            &leftover,
        );
        assert_eq!(outcomes.len(), 3);
        for outcome in &outcomes {
            assert!(
                matches!(&outcome.result, WriteResult::Rejected { errors }
                    if errors[0].message.contains("Field name not found : Bogus__c")),
                "{outcome:?}"
            );
        }
    }
}
