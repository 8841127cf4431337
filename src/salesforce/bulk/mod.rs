//! Bulk API 2.0: query jobs read page by page, ingest jobs streamed up and reconciled row by
//! row, and the job lifecycle both share (adaptive polling, the deadline, abort).
//!
//! Query: create the job, poll until `JobComplete`, then fetch result pages with
//! `maxRecords` and follow `Sforce-Locator` until it is the literal string `null`
//! (salesforce-api.md 6). Each page is parsed as it downloads; one page is in memory.
//!
//! Ingest (`ingest`): jobs of bounded size, each uploaded with one streamed PUT
//! (`upload`), then the result files parsed as they download and joined back to the
//! input rows on a key column (`results`), because result order is not input order.
//!
//! Polling ([`PollSchedule`]) starts at 250 ms and grows by half each time up to
//! `bulk_poll_interval`, so a small job is seen complete in well under a second and a long
//! one costs few calls; a job not finished by `bulk_timeout` is aborted. The deadline counts
//! tokio time and the time asked of the sleeper, so it holds in production, under paused
//! tokio time, and with a test sleeper that returns at once.

mod ingest;
mod results;
pub(crate) mod upload;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;

pub use ingest::MIN_INGEST_CALLS;
pub use results::parse_sf_error;
pub use upload::CsvUpload;
pub use upload::{CHUNK_BYTES, MAX_UPLOAD_BYTES};

use super::error::{ApiError, SalesforceError};
use super::http::{ApiRequest, Client, Expect};
use super::records::Record;
use super::retrier::Sleeper;
use super::retry::Idempotency;
use super::wire::parse_datetime;

/// The first pause between two status polls of a job.
pub const FIRST_POLL: Duration = Duration::from_millis(250);

/// Each pause is 3/2 of the one before, up to `bulk_poll_interval`.
const POLL_GROWTH_NUMERATOR: u64 = 3;
const POLL_GROWTH_DENOMINATOR: u64 = 2;

/// The pauses between a job's status polls: [`FIRST_POLL`], then each 1.5 times the one
/// before (in whole milliseconds), never above `ceiling`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollSchedule {
    next: Duration,
    ceiling: Duration,
}

impl PollSchedule {
    /// A schedule whose pauses grow to at most `ceiling` (a ceiling below [`FIRST_POLL`]
    /// makes every pause the ceiling).
    pub fn new(ceiling: Duration) -> Self {
        Self {
            next: FIRST_POLL.min(ceiling),
            ceiling,
        }
    }

    /// The next pause, in whole milliseconds (tokio's timer resolution).
    pub fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        let grown = u64::try_from(pause.as_millis())
            .unwrap_or(u64::MAX)
            .saturating_mul(POLL_GROWTH_NUMERATOR)
            / POLL_GROWTH_DENOMINATOR;
        self.next = Duration::from_millis(grown).min(self.ceiling);
        pause
    }
}

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
    /// Rows processed so far, failed ones included.
    #[serde(default)]
    number_records_processed: Option<u64>,
    /// Rows that failed.
    #[serde(default)]
    number_records_failed: Option<u64>,
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
        let columns: Arc<super::records::ColumnIndex> = Arc::new(
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

    /// Polls a job on the [`PollSchedule`] until it ends; aborts it at the deadline. A job
    /// that completed is returned with its final counts.
    async fn await_job(
        &self,
        kind: &str,
        job_id: &str,
        object: &str,
    ) -> Result<JobInfo, SalesforceError> {
        let settings = self.settings();
        let status = ApiRequest::get(format!("jobs/{kind}/{job_id}"));
        let polled = poll_job(
            settings.bulk_poll_interval,
            settings.bulk_timeout,
            self.inner.sleeper.as_ref(),
            || async { self.execute(&status).await?.json("a Bulk job status") },
        )
        .await?;
        match polled {
            Polled::Ended(job) if job.state == "JobComplete" => Ok(job),
            Polled::Ended(job) => Err(SalesforceError::BulkJob {
                job_id: job_id.to_owned(),
                object: object.to_owned(),
                state: job.state,
                message: job.error_message.unwrap_or_default(),
            }),
            Polled::TimedOut(waited) => {
                self.abort_job(kind, job_id).await;
                Err(SalesforceError::BulkTimeout {
                    job_id: job_id.to_owned(),
                    object: object.to_owned(),
                    waited,
                })
            }
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
}

/// What polling a job came to.
#[derive(Debug)]
enum Polled {
    /// The job reached a terminal state.
    Ended(JobInfo),
    /// The deadline passed first, after this long.
    TimedOut(Duration),
}

/// Calls `poll` until the job it reads is in a terminal state, pausing on a
/// [`PollSchedule`] growing to `ceiling`, and gives up once `timeout` has passed. Time is
/// the larger of tokio time and the pauses asked of `sleeper`, so the deadline holds in
/// production, under paused tokio time, and with a sleeper that returns at once; the last
/// pause is cut short to end at the deadline.
async fn poll_job<F, Fut>(
    ceiling: Duration,
    timeout: Duration,
    sleeper: &dyn Sleeper,
    mut poll: F,
) -> Result<Polled, SalesforceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<JobInfo, SalesforceError>>,
{
    let started = tokio::time::Instant::now();
    let mut schedule = PollSchedule::new(ceiling);
    let mut slept = Duration::ZERO;
    loop {
        let job = poll().await?;
        if is_terminal(&job.state) {
            return Ok(Polled::Ended(job));
        }
        let waited = started.elapsed().max(slept);
        if waited >= timeout {
            return Ok(Polled::TimedOut(waited));
        }
        let pause = schedule.next_pause().min(timeout - waited);
        sleeper.sleep(pause).await;
        slept += pause;
    }
}

/// A per-row error saying what became of a row of job `job_id`.
fn job_error(job_id: &str, code: &str, message: &str) -> ApiError {
    ApiError {
        code: code.to_owned(),
        message: format!("Bulk job {job_id}: {message}"),
        fields: vec![],
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::salesforce::records::WriteKind;
    use crate::salesforce::retrier::TokioSleeper;

    fn job(state: &str) -> JobInfo {
        JobInfo {
            id: "750000000000001AAA".into(),
            state: state.into(),
            object: "Task".into(),
            error_message: None,
            created_date: None,
            number_records_processed: None,
            number_records_failed: None,
        }
    }

    #[test]
    fn a_completed_job_reads_only_the_result_files_its_counts_call_for() {
        let done = |processed, failed| JobInfo {
            number_records_processed: processed,
            number_records_failed: failed,
            ..job("JobComplete")
        };
        let update = WriteKind::Update;
        let upsert = WriteKind::Upsert {
            external_id: "Key__c".into(),
        };
        let read = |kind: &WriteKind, info: &JobInfo| ingest::files_to_read(kind, info, 10);
        // Every row of an update written: no file at all.
        let all_ok = read(&update, &done(Some(10), Some(0)));
        assert!(all_ok.files.is_empty() && all_ok.updates_written);
        // An upsert needs the Ids of its successful rows.
        assert_eq!(
            read(&upsert, &done(Some(10), Some(0))).files,
            vec![results::ResultFile::Successful]
        );
        // Failures, and rows left unprocessed, need their files.
        assert_eq!(
            read(&update, &done(Some(10), Some(2))).files,
            vec![results::ResultFile::Failed]
        );
        let partial = read(&update, &done(Some(8), Some(1)));
        assert_eq!(
            partial.files,
            vec![
                results::ResultFile::Successful,
                results::ResultFile::Failed,
                results::ResultFile::Unprocessed
            ]
        );
        assert!(!partial.updates_written);
        // Without counts, every file.
        assert_eq!(read(&upsert, &done(None, None)).files.len(), 3);
    }

    /// Polls a job that ends after `busy` polls saying InProgress; returns the outcome,
    /// the polls made and the tokio time that passed.
    async fn run(busy: usize, timeout: Duration) -> (Polled, usize, Duration) {
        let polls = Cell::new(0);
        let started = tokio::time::Instant::now();
        let polled = poll_job(Duration::from_secs(2), timeout, &TokioSleeper, || {
            polls.set(polls.get() + 1);
            let state = if polls.get() > busy {
                "JobComplete"
            } else {
                "InProgress"
            };
            std::future::ready(Ok(job(state)))
        })
        .await
        .unwrap();
        (polled, polls.get(), started.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_is_polled_on_the_growing_schedule_in_tokio_time() {
        let (polled, polls, elapsed) = run(4, Duration::from_secs(600)).await;
        assert!(matches!(polled, Polled::Ended(ref j) if j.state == "JobComplete"));
        assert_eq!(polls, 5);
        // 250 + 375 + 562 + 843 ms between the five polls.
        assert_eq!(elapsed, Duration::from_millis(2_030));
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_past_the_deadline_times_out_exactly_there() {
        let (polled, polls, elapsed) = run(usize::MAX, Duration::from_secs(10)).await;
        assert!(matches!(polled, Polled::TimedOut(waited) if waited == Duration::from_secs(10)));
        // 250, 375, 562, 843, 1264, 1896, 2000, 2000 ms, then the 810 ms left.
        assert_eq!(polls, 10);
        assert_eq!(elapsed, Duration::from_secs(10));
    }

    #[test]
    fn polls_start_small_and_grow_by_half_to_the_ceiling() {
        let mut schedule = PollSchedule::new(Duration::from_secs(2));
        let pauses: Vec<u128> = (0..8).map(|_| schedule.next_pause().as_millis()).collect();
        assert_eq!(pauses, [250, 375, 562, 843, 1264, 1896, 2000, 2000]);
        let mut tiny = PollSchedule::new(Duration::from_millis(100));
        assert_eq!(tiny.next_pause(), Duration::from_millis(100));
        assert_eq!(tiny.next_pause(), Duration::from_millis(100));
    }
}
