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
//! with neither, pauses start at 1 s and grow by half. Query jobs can be started
//! together ([`Client::start_bulk_query`]) and awaited in turn: the time a job ran while
//! the caller read another counts, so a job already done is polled once. A job not
//! finished by
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
    object: String,
    created_date: Option<DateTime<Utc>>,
    /// A job started and not yet seen complete: polled before the first page.
    running: Option<Running>,
    locator: Option<String>,
    done: bool,
}

/// A query job not yet seen complete: its expected rows and when it was created.
#[derive(Debug, Clone, Copy)]
struct Running {
    rows: Option<u64>,
    since: tokio::time::Instant,
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

    /// Waits until the job is complete (at once when it was seen complete already),
    /// polling as its [`Poller`] says, counting the time since the job was created.
    ///
    /// # Errors
    /// [`SalesforceError::BulkJob`] when the job failed, [`SalesforceError::BulkTimeout`]
    /// when it did not finish in time (it is aborted), or any request error.
    pub async fn wait(&mut self) -> Result<(), SalesforceError> {
        if let Some(running) = self.running {
            self.client
                .await_job(JobKind::Query, &self.job_id, &self.object, running)
                .await?;
            self.running = None;
        }
        Ok(())
    }

    /// The next page of records, or `None` when the results are exhausted. The first
    /// call waits for the job ([`BulkQueryPager::wait`]).
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the job or the page request, or CSV that cannot be
    /// parsed.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Record>>, SalesforceError> {
        if self.done {
            return Ok(None);
        }
        self.wait().await?;
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
        let mut pager = self.start_bulk_query(soql, all, expected).await?;
        pager.wait().await?;
        Ok(pager)
    }

    /// Creates a Bulk API 2.0 query job and returns its pager without waiting: the job
    /// runs in the org while the caller does other work (reads another object, starts
    /// other jobs), and the first page waits for it. Jobs started together are polled
    /// once each when their turn comes after they finished.
    ///
    /// # Errors
    /// Any request error of the create call.
    pub async fn start_bulk_query(
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
        let since = tokio::time::Instant::now();
        let job: JobInfo = self.execute(&request).await?.json("a Bulk query job")?;
        let created_date = job.created_date.as_deref().and_then(parse_datetime);
        Ok(BulkQueryPager {
            client: self.clone(),
            created_date,
            job_id: job.id,
            object: job.object,
            running: Some(Running {
                rows: expected,
                since,
            }),
            locator: None,
            done: false,
        })
    }

    /// Polls a job of `running.rows` rows (when known), started at `running.since`, until
    /// it ends, pausing as its [`Poller`] says; aborts it at the deadline. A job that
    /// completed is returned with its final counts, and its pace is kept for the next job
    /// of the kind unless the first poll found it complete after other work (its time is
    /// then only an upper bound).
    async fn await_job(
        &self,
        kind: JobKind,
        job_id: &str,
        object: &str,
        running: Running,
    ) -> Result<JobInfo, SalesforceError> {
        let rows = running.rows;
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
            running.since,
            settings.bulk_timeout,
            self.inner.sleeper.as_ref(),
            || async { self.execute(&status).await?.json("a Bulk job status") },
        )
        .await?;
        match polled {
            Polled::Ended(job, end) if job.state == "JobComplete" => {
                if end.polls > 1 || !end.deferred {
                    let processed = job.number_records_processed.or(rows).unwrap_or(0);
                    self.inner.paces.record(kind, end.at, processed);
                }
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
    /// The job reached a terminal state.
    Ended(JobInfo, End),
    /// The deadline passed first, this long after the job started.
    TimedOut(Duration),
}

/// How a job's end was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct End {
    /// How long after the job started.
    at: Duration,
    /// Status polls made.
    polls: u32,
    /// Whether the job had been running a while before polling began (other work came
    /// first), so that `at` may be much later than the job's actual end.
    deferred: bool,
}

/// Calls `poll` until the job it reads is in a terminal state, pausing as `poller` says
/// (before the first poll too, less the time since `since`, when the job started), and
/// gives up once `timeout` has passed since then. Time is the larger of tokio time and
/// the pauses asked of `sleeper`, so the deadline holds in production, under paused
/// tokio time, and with a sleeper that returns at once; the last pause is cut short to
/// end at the deadline.
async fn poll_job<F, Fut>(
    mut poller: Poller,
    since: tokio::time::Instant,
    timeout: Duration,
    sleeper: &dyn Sleeper,
    mut poll: F,
) -> Result<Polled, SalesforceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<JobInfo, SalesforceError>>,
{
    let started = since;
    // A job awaited right after it started (an ingest job just closed, a query awaited
    // at once) has had no time worth counting: rounding the few microseconds since to
    // zero keeps its pauses whole.
    let already = Some(since.elapsed())
        .filter(|e| *e >= poll::MIN_PAUSE)
        .unwrap_or_default();
    let mut slept = already;
    // Deferred: polling would have begun by now had it begun when the job started.
    let deferred = !already.is_zero() && poller.clone().first_pause(Duration::ZERO) <= already;
    let mut pause = poller.first_pause(already);
    let mut polls = 0;
    loop {
        let waited = started.elapsed().max(slept);
        if waited >= timeout {
            return Ok(Polled::TimedOut(waited));
        }
        let pause_now = pause.min(timeout - waited);
        sleeper.sleep(pause_now).await;
        slept += pause_now;
        let job = poll().await?;
        polls += 1;
        let at = started.elapsed().max(slept);
        if is_terminal(&job.state) {
            return Ok(Polled::Ended(
                job,
                End {
                    at,
                    polls,
                    deferred,
                },
            ));
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
        let polled = poll_job(poller, started, timeout, &TokioSleeper, || {
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
        assert!(matches!(
            polled,
            Polled::Ended(ref j, end) if j.state == "JobComplete"
                && end == End { at: elapsed, polls: 4, deferred: false }
        ));
        assert_eq!(polls, 4);
        // 1 + 1.5 + 2 + 2 s (the ceiling) before the four polls.
        assert_eq!(elapsed, Duration::from_millis(6_500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_past_the_deadline_times_out_exactly_there() {
        let (polled, polls, elapsed) = run(usize::MAX, Duration::from_secs(10)).await;
        assert!(matches!(polled, Polled::TimedOut(waited) if waited == Duration::from_secs(10)));
        // 1, 1.5, 2, 2, 2 s, then the 1.5 s left.
        assert_eq!(polls, 6);
        assert_eq!(elapsed, Duration::from_secs(10));
    }

    /// Polls a job of 50,000 rows that starts processing 1 s in and then does 10,000 rows
    /// a second (it ends at 6 s); returns the polls made and when the end was seen.
    async fn run_progressing(pace: Option<Pace>) -> (usize, Duration) {
        let polls = Cell::new(0);
        let started = tokio::time::Instant::now();
        let poller = Poller::new(Duration::from_secs(2), Some(50_000), pace);
        let timeout = Duration::from_secs(600);
        let polled = poll_job(poller, started, timeout, &TokioSleeper, || {
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
        let Polled::Ended(_, end) = polled else {
            panic!("the job ended");
        };
        (polls.get(), end.at)
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_is_polled_where_its_progress_says_it_ends() {
        // The first job of a run: the growing schedule until the count moves, then its
        // rate: 1, 2.5, 4.5 and 6 s (the growing schedule alone would poll five times
        // and see the end at 6.5 s).
        let (polls, at) = run_progressing(None).await;
        assert_eq!(polls, 4);
        assert_eq!(at, Duration::from_secs(6));
        // The next job of the kind starts from that pace: 2, 4 and 6 s.
        let paces = Paces::default();
        paces.record(JobKind::Ingest, at, 50_000);
        let (polls, at) = run_progressing(paces.get(JobKind::Ingest)).await;
        assert_eq!(polls, 3);
        assert_eq!(at, Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_awaited_after_it_finished_is_polled_once_at_once() {
        let started = tokio::time::Instant::now();
        tokio::time::advance(Duration::from_secs(3)).await;
        // The last job's pace says this one takes 2 s: it ran 3 s while another was read.
        let pace = Some(Pace {
            rows_per_second: 10_000.0,
            shortest: Duration::from_secs(1),
        });
        let poller = Poller::new(Duration::from_secs(2), Some(20_000), pace);
        let polls = Cell::new(0);
        let polled = poll_job(
            poller,
            started,
            Duration::from_secs(600),
            &TokioSleeper,
            || {
                polls.set(polls.get() + 1);
                std::future::ready(Ok(job("JobComplete")))
            },
        )
        .await
        .unwrap();
        let Polled::Ended(_, end) = polled else {
            panic!("the job ended");
        };
        let at = Duration::from_secs(3);
        assert_eq!(
            end,
            End {
                at,
                polls: 1,
                deferred: true
            }
        );
        assert_eq!(started.elapsed(), at, "no pause before the poll");
    }
}
