//! One ingest job as data: its upload, the file once read, the outcome of every row
//! processed, the bodies it renders into and its three result files (salesforce-api.md 5).
//!
//! It reads its file and writes its rows only when [`crate::bulk::lifecycle`] hands it the
//! store,
//! a write context and the `lock` faults of the batch: it never reaches for the org's state,
//! never writes a record except through [`super::rows::process_row`] (so through
//! [`crate::write`]), and never reads a clock.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value as Json, json};

use crate::errors::err;
use crate::fls::Fls;
use crate::schema::Schema;
use crate::store::Store;
use crate::write::WriteContext;

use super::csv::{self, CsvRecord};
use super::job::{Body, Job, JobState, Sections};
use super::rows::{Column, Operation, Outcome, RowJob, columns, process_row, sf_error};

/// Salesforce splits an ingest job into internal batches of this many records; each counts
/// against `DailyBulkApiBatches` (salesforce-api.md 5: "Salesforce picks the chunking").
pub const BATCH_RECORDS: usize = 10_000;

/// The file after it was read.
#[derive(Debug, Clone)]
struct Parsed {
    header: String,
    columns: Vec<Column>,
    rows: Vec<CsvRecord>,
}

/// One ingest job.
pub type IngestJob = Job<Ingest>;

/// What an ingest job holds besides its header.
#[derive(Debug, Clone)]
pub struct Ingest {
    operation: Operation,
    external_id: Option<String>,
    /// Whether the job's one upload happened (the data itself may be gone).
    uploaded: bool,
    /// The upload as received, kept only until the file is read: once parsed, each row
    /// keeps its own raw text for the result files. A file that could not be read keeps it
    /// (`unprocessedrecords` returns it as uploaded).
    data: Option<String>,
    parsed: Option<Parsed>,
    next_row: usize,
    outcomes: Vec<(usize, Outcome)>,
    failed: u64,
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Ingest {
    /// An ingest job's own part before its upload.
    pub fn new(operation: Operation, external_id: Option<String>) -> Self {
        Self {
            operation,
            external_id,
            uploaded: false,
            data: None,
            parsed: None,
            next_row: 0,
            outcomes: Vec::new(),
            failed: 0,
        }
    }
}

impl IngestJob {
    /// Whether the job's one upload already happened.
    pub fn uploaded(&self) -> bool {
        self.kind.uploaded
    }

    /// Keeps the upload until the job is closed and its file read.
    pub fn upload(&mut self, data: String, now_ms: i64) {
        self.kind.data = Some(data);
        self.kind.uploaded = true;
        self.header.modstamp_ms = now_ms;
    }

    /// The job as `body`: `contentUrl` on create and in job info while Open (the guide:
    /// "Only valid if the job is in Open state"); the short form without `jobType`,
    /// `contentUrl` or format for a close or abort, as orgs answer it.
    pub fn render(&self, body: Body) -> Json {
        let own: Vec<(&'static str, Json)> = self
            .kind
            .external_id
            .iter()
            .map(|field| ("externalIdFieldName", json!(field)))
            .collect();
        let content_url = || {
            Some(format!(
                "services/data/v{}.0/jobs/ingest/{}/batches",
                self.header.api_version,
                self.header.id.as_str()
            ))
        };
        let listed = Sections {
            job_type: Some("V2Ingest"),
            format: true,
            ..Sections::default()
        };
        let sections = match body {
            Body::StateChange => Sections::default(),
            Body::Created => Sections {
                content_url: content_url(),
                ..listed
            },
            Body::Listed => listed,
            Body::Info => Sections {
                content_url: content_url().filter(|_| self.header.state == JobState::Open),
                counters: Some(self.counters()),
                ..listed
            },
        };
        self.header.render(&own, sections)
    }

    /// The counters of job info. Timings are emulated: one millisecond per processed record.
    fn counters(&self) -> Vec<(&'static str, Json)> {
        let processed = count(self.kind.outcomes.len());
        vec![
            ("numberRecordsProcessed", json!(processed)),
            ("numberRecordsFailed", json!(self.kind.failed)),
            ("retries", json!(0)),
            ("totalProcessingTime", json!(processed)),
            ("apiActiveProcessingTime", json!(processed)),
            ("apexProcessingTime", json!(0)),
        ]
    }

    fn ending(&self) -> &'static str {
        self.header.line_ending.as_str()
    }

    fn delim(&self) -> &'static str {
        self.header.delimiter.as_str()
    }

    /// Reads the uploaded file against the object as `fls` shows it: the job fails on a bad
    /// line ending, bad quoting or an unknown column, and then processes nothing.
    pub fn read_file(&mut self, schema: &Schema, fls: &Fls, now_ms: i64) {
        let data = self.kind.data.take().unwrap_or_default();
        let records = match csv::parse(&data, self.header.delimiter, self.header.line_ending) {
            Ok(records) => records,
            Err(error) => {
                self.kind.data = Some(data);
                self.fail(error.message(), now_ms);
                return;
            }
        };
        drop(data);
        let mut records = records.into_iter();
        let Some(first) = records.next() else {
            self.kind.parsed = None;
            self.header.set_state(JobState::InProgress, now_ms);
            return;
        };
        let rows: Vec<CsvRecord> = records.collect();
        let (columns, unknown) = match columns(schema, fls, &self.header.object, &first.cells) {
            Ok(columns) => (columns, None),
            Err(message) => (Vec::new(), Some(message)),
        };
        self.kind.parsed = Some(Parsed {
            header: first.raw,
            columns,
            rows,
        });
        match unknown {
            None => self.header.set_state(JobState::InProgress, now_ms),
            Some(message) => self.fail(message, now_ms),
        }
    }

    fn fail(&mut self, message: String, now_ms: i64) {
        self.header.error_message = Some(message);
        self.header.set_state(JobState::Failed, now_ms);
    }

    /// Reads the file of a job aborted after it was closed, so that `unprocessedrecords`
    /// can list the rows never attempted.
    pub fn read_before_abort(&mut self, schema: &Schema, fls: &Fls, now_ms: i64) {
        if self.kind.parsed.is_none()
            && self.kind.data.is_some()
            && self.header.state != JobState::Open
        {
            self.read_file(schema, fls, now_ms);
        }
        self.header.error_message = None;
    }

    /// How many rows the next internal batch writes.
    pub fn next_batch_len(&self) -> usize {
        let total = self.kind.parsed.as_ref().map_or(0, |p| p.rows.len());
        total.saturating_sub(self.kind.next_row).min(BATCH_RECORDS)
    }

    /// Writes the next internal batch through the write path, the rows whose `locks` entry
    /// is set failing `UNABLE_TO_LOCK_ROW`, and completes the job with its last batch.
    /// Returns how many rows it wrote (an internal batch to count when above zero).
    pub fn write_batch(
        &mut self,
        store: &mut Store,
        ctx: &WriteContext<'_>,
        locks: &[bool],
        now_ms: i64,
    ) -> u64 {
        let Some(parsed) = &self.kind.parsed else {
            self.header.set_state(JobState::JobComplete, now_ms);
            return 0;
        };
        let end = self
            .kind
            .next_row
            .saturating_add(locks.len())
            .min(parsed.rows.len());
        let chunk = self.kind.next_row..end;
        let row_job = RowJob {
            object: &self.header.object,
            operation: self.kind.operation,
            external_id: self.kind.external_id.as_deref(),
            columns: &parsed.columns,
        };
        let outcomes: Vec<(usize, Outcome)> = chunk
            .clone()
            .zip(locks)
            .map(|(at, locked)| {
                let outcome = if *locked {
                    Outcome::Failure {
                        id: None,
                        error: err(
                            "UNABLE_TO_LOCK_ROW",
                            "unable to obtain exclusive access to this record",
                            &[],
                        ),
                    }
                } else {
                    let cells = parsed.rows.get(at).map_or(&[][..], |r| r.cells.as_slice());
                    process_row(store, ctx, &row_job, cells)
                };
                (at, outcome)
            })
            .collect();
        let done = end >= parsed.rows.len();
        let written = count(outcomes.len());
        self.record(chunk, outcomes, now_ms);
        if done {
            self.header.set_state(JobState::JobComplete, now_ms);
        }
        written
    }

    /// Keeps the outcomes of the rows in `chunk`, which from now on need only their raw
    /// text (the result files echo it).
    fn record(
        &mut self,
        chunk: std::ops::Range<usize>,
        outcomes: Vec<(usize, Outcome)>,
        now_ms: i64,
    ) {
        if let Some(parsed) = self.kind.parsed.as_mut() {
            for row in parsed.rows.get_mut(chunk.clone()).unwrap_or_default() {
                row.cells = Vec::new();
            }
        }
        self.kind.failed += count(
            outcomes
                .iter()
                .filter(|(_, o)| matches!(o, Outcome::Failure { .. }))
                .count(),
        );
        self.kind.outcomes.extend(outcomes);
        self.kind.next_row = chunk.end;
        self.header.modstamp_ms = now_ms;
    }

    /// The processed rows in the job's shuffled result order: Salesforce does not keep
    /// input order (get-job-successful-results.html), so neither does the emulator; the
    /// order is seeded by the job, so it is the same on every fetch and every run.
    fn shuffled(&self) -> Vec<&(usize, Outcome)> {
        let mut order: Vec<&(usize, Outcome)> = self.kind.outcomes.iter().collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(self.header.serial));
        order
    }

    fn raw_row(&self, at: usize) -> &str {
        self.kind
            .parsed
            .as_ref()
            .and_then(|p| p.rows.get(at))
            .map_or("", |r| r.raw.as_str())
    }

    /// `successfulResults` (`"sf__Id","sf__Created"`) or `failedResults`
    /// (`"sf__Id","sf__Error"`), each row followed by the row as uploaded.
    pub fn result_file(&self, success: bool) -> String {
        let second = if success { "sf__Created" } else { "sf__Error" };
        let (d, e) = (self.delim(), self.ending());
        let mut out = format!("\"sf__Id\"{d}\"{second}\"");
        if let Some(parsed) = &self.kind.parsed {
            out.push_str(d);
            out.push_str(&parsed.header);
        }
        out.push_str(e);
        for (at, outcome) in self.shuffled() {
            let cells = match (outcome, success) {
                (Outcome::Success { id, created }, true) => {
                    (id.as_str().to_owned(), created.to_string())
                }
                (Outcome::Failure { id, error }, false) => (
                    id.map(|i| i.as_str().to_owned()).unwrap_or_default(),
                    sf_error(error),
                ),
                _ => continue,
            };
            out.push_str(&csv::quote(&cells.0));
            out.push_str(d);
            out.push_str(&csv::quote(&cells.1));
            out.push_str(d);
            out.push_str(self.raw_row(*at));
            out.push_str(e);
        }
        out
    }

    /// Rows never attempted: those after the last processed one of an aborted or failed
    /// job, with only the uploaded columns. A file that could not be read is returned as
    /// uploaded.
    pub fn unprocessed_file(&self) -> String {
        let e = self.ending();
        match (&self.kind.parsed, &self.kind.data) {
            (Some(parsed), _) => {
                let mut out = format!("{}{e}", parsed.header);
                if matches!(self.header.state, JobState::Aborted | JobState::Failed) {
                    for row in parsed.rows.iter().skip(self.kind.next_row) {
                        out.push_str(&row.raw);
                        out.push_str(e);
                    }
                }
                out
            }
            (None, Some(data)) if self.header.state.is_terminal() => data.clone(),
            _ => String::new(),
        }
    }
}
