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
//! Polling ([`Poller`]) goes by the job's progress: its own rate of
//! `numberRecordsProcessed`, or the pace of the client's last job of the same kind, says
//! when it should end, and the next poll goes there (at most `bulk_poll_interval` later);
//! with neither, pauses start at 250 ms and grow by half. A job not finished by
//! `bulk_timeout` is aborted. The deadline counts tokio time and the time asked of the
//! sleeper, so it holds in production, under paused tokio time, and with a test sleeper
//! that returns at once.

mod ingest;
pub(crate) mod poll;
mod results;
pub(crate) mod upload;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;

pub use ingest::MIN_INGEST_CALLS;
pub use poll::{FIRST_POLL, JobKind, Pace, Paces, PollSchedule, Poller, Seen};
pub use results::parse_sf_error;
pub use upload::CsvUpload;
pub use upload::{CHUNK_BYTES, MAX_UPLOAD_BYTES};

use super::error::{ApiError, SalesforceError};
use super::http::{ApiRequest, Client, Expect};
use super::records::Record;
use super::retrier::Sleeper;
use super::retry::Idempotency;
use super::wire::parse_datetime;

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
    /// `expected` is the caller's idea of how many rows the query returns, which paces the
    /// status polls.
    ///
    /// # Errors
    /// [`SalesforceError::BulkJob`] when the job fails, [`SalesforceError::BulkTimeout`]
    /// when it does not finish in time (it is aborted), or any request error.
    pub async fn bulk_query(
        &self,
        soql: &str,
        all: bool,
        expected: Option<u64>,
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
        self.await_job(JobKind::Query, &job.id, &job.object, expected)
            .await?;
        let created_date = job.created_date.as_deref().and_then(parse_datetime);
        Ok(BulkQueryPager {
            client: self.clone(),
            created_date,
            job_id: job.id,
            locator: None,
            done: false,
        })
    }

    /// Polls a job of `rows` rows (when known) until it ends, pausing as its [`Poller`]
    /// says; aborts it at the deadline. A job that completed is returned with its final
    /// counts, and its pace is kept for the next job of the kind.
    async fn await_job(
        &self,
        kind: JobKind,
        job_id: &str,
        object: &str,
        rows: Option<u64>,
    ) -> Result<JobInfo, SalesforceError> {
        let settings = self.settings();
        let path = kind.path();
        let status = ApiRequest::get(format!("jobs/{path}/{job_id}"));
        let poller = Poller::new(
            settings.bulk_poll_interval,
            rows,
            self.inner.paces.get(kind),
        );
        let polled = poll_job(
            poller,
            settings.bulk_timeout,
            self.inner.sleeper.as_ref(),
            || async { self.execute(&status).await?.json("a Bulk job status") },
        )
        .await?;
        match polled {
            Polled::Ended(job, at) if job.state == "JobComplete" => {
                let processed = job.number_records_processed.or(rows).unwrap_or(0);
                self.inner.paces.record(kind, at, processed);
                Ok(job)
            }
            Polled::Ended(job, _) => Err(SalesforceError::BulkJob {
                job_id: job_id.to_owned(),
                object: object.to_owned(),
                state: job.state,
                message: job.error_message.unwrap_or_default(),
            }),
            Polled::TimedOut(waited) => {
                self.abort_job(path, job_id).await;
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

impl JobKind {
    /// The kind's path segment under `jobs/`.
    fn path(self) -> &'static str {
        match self {
            JobKind::Query => "query",
            JobKind::Ingest => "ingest",
        }
    }
}

/// What polling a job came to.
#[derive(Debug)]
enum Polled {
    /// The job reached a terminal state, seen this long after polling began.
    Ended(JobInfo, Duration),
    /// The deadline passed first, after this long.
    TimedOut(Duration),
}

/// Calls `poll` until the job it reads is in a terminal state, pausing as `poller` says
/// (before the first poll too), and gives up once `timeout` has passed. Time is the larger
/// of tokio time and the pauses asked of `sleeper`, so the deadline holds in production,
/// under paused tokio time, and with a sleeper that returns at once; the last pause is
/// cut short to end at the deadline.
async fn poll_job<F, Fut>(
    mut poller: Poller,
    timeout: Duration,
    sleeper: &dyn Sleeper,
    mut poll: F,
) -> Result<Polled, SalesforceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<JobInfo, SalesforceError>>,
{
    let started = tokio::time::Instant::now();
    let mut slept = Duration::ZERO;
    let mut pause = poller.first_pause();
    loop {
        let waited = started.elapsed().max(slept);
        if waited >= timeout {
            return Ok(Polled::TimedOut(waited));
        }
        let pause_now = pause.min(timeout - waited);
        sleeper.sleep(pause_now).await;
        slept += pause_now;
        let job = poll().await?;
        let at = started.elapsed().max(slept);
        if is_terminal(&job.state) {
            return Ok(Polled::Ended(job, at));
        }
        pause = poller.next_pause(Seen {
            at,
            processed: job.number_records_processed,
        });
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

    /// Polls a job that ends after `busy` polls saying InProgress, without a size or a
    /// pace; returns the outcome, the polls made and the tokio time that passed.
    async fn run(busy: usize, timeout: Duration) -> (Polled, usize, Duration) {
        let polls = Cell::new(0);
        let started = tokio::time::Instant::now();
        let poller = Poller::new(Duration::from_secs(2), None, None);
        let polled = poll_job(poller, timeout, &TokioSleeper, || {
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
    async fn a_job_of_unknown_size_is_polled_on_the_growing_schedule_in_tokio_time() {
        let (polled, polls, elapsed) = run(3, Duration::from_secs(600)).await;
        assert!(
            matches!(polled, Polled::Ended(ref j, at) if j.state == "JobComplete" && at == elapsed)
        );
        assert_eq!(polls, 4);
        // 250 + 375 + 562 + 843 ms before the four polls.
        assert_eq!(elapsed, Duration::from_millis(2_030));
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_past_the_deadline_times_out_exactly_there() {
        let (polled, polls, elapsed) = run(usize::MAX, Duration::from_secs(10)).await;
        assert!(matches!(polled, Polled::TimedOut(waited) if waited == Duration::from_secs(10)));
        // 250, 375, 562, 843, 1264, 1896, 2000, 2000 ms, then the 810 ms left.
        assert_eq!(polls, 9);
        assert_eq!(elapsed, Duration::from_secs(10));
    }

    /// Polls a job of 50,000 rows that starts processing 1 s in and then does 10,000 rows
    /// a second (it ends at 6 s); returns the polls made and when the end was seen.
    async fn run_progressing(pace: Option<Pace>) -> (usize, Duration) {
        let polls = Cell::new(0);
        let started = tokio::time::Instant::now();
        let poller = Poller::new(Duration::from_secs(2), Some(50_000), pace);
        let polled = poll_job(poller, Duration::from_secs(600), &TokioSleeper, || {
            polls.set(polls.get() + 1);
            let ms = started.elapsed().as_millis().saturating_sub(1_000);
            let processed = u64::try_from(ms * 10).unwrap().min(50_000);
            let state = if processed == 50_000 {
                "JobComplete"
            } else {
                "InProgress"
            };
            let info = JobInfo {
                number_records_processed: Some(processed),
                ..job(state)
            };
            std::future::ready(Ok(info))
        })
        .await
        .unwrap();
        let Polled::Ended(_, at) = polled else {
            panic!("the job ended");
        };
        (polls.get(), at)
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_is_polled_where_its_progress_says_it_ends() {
        // The first job of a run: the growing schedule until the count moves, then its
        // rate: 0.25, 0.625, 1.187, 3.187, 5.187 and 6 s (the growing schedule alone
        // would poll seven times and see the end at 7.19 s).
        let (polls, at) = run_progressing(None).await;
        assert_eq!(polls, 6);
        assert_eq!(at, Duration::from_secs(6));
        // The next job of the kind starts from that pace: 2, 4 and 6 s.
        let paces = Paces::default();
        paces.record(JobKind::Ingest, at, 50_000);
        let (polls, at) = run_progressing(paces.get(JobKind::Ingest)).await;
        assert_eq!(polls, 3);
        assert_eq!(at, Duration::from_secs(6));
    }
}
