//! Bulk API 2.0 ingest jobs: create, the one upload, close or abort, job info, the job
//! list, delete, and the three result files (salesforce-api.md 5).
//!
//! It owns an ingest job's life and its files. Rows are written only by
//! [`super::rows::process_row`] through [`super::super::write`], so a row fails exactly as
//! the same record would over REST or Collections, with the injected `lock` and
//! `validation` faults too. It never writes a record any other way and never reads the
//! wall clock.
//!
//! Sources, besides salesforce-api.md 5: create/upload/close/delete/results pages of the
//! Bulk API 2.0 guide (https://developer.salesforce.com/docs/platform/api-asynch/guide/create-job.html,
//! upload-job-data.html, close-job.html, delete-job.html, get-job-successful-results.html);
//! org bodies recorded in a public "Upsert Process" Bulk API 2.0 walkthrough on GitHub
//! (found by text search; create errors
//! `INVALIDJOB` "InvalidJob : Unable to find object: X", "InvalidJob : Field name provided,
//! X does not match an External ID for Y", `API_ERROR` "Invalid value: '' supplied for
//! property: 'operation'", the second upload's `BULK_API_ERROR` and the short body of the
//! close call); the failed job's "InvalidBatch : Field name not found : X" (quoted by
//! several loaders on GitHub, e.g. diagnose-BulkCsv.ps1); and `sf__Error` =
//! `CODE:message:fields --`, `:--` without fields (a data-migration SQL script on GitHub
//! filtering load results by `UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this
//! record:--`).

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value as Json, json};

use crate::id::SfId;

use super::super::errors::ApiError;
use super::super::rest::{Params, json_object};
use super::super::server::CallContext;
use super::super::state::EmulatorState;
use super::BulkState;
use super::csv::{self, CsvRecord, Delimiter, LineEnding};
use super::job::{
    JobHeader, JobState, Progress, bulk_error, cannot_change, invalid_property, invalid_state,
    job_id, no_such_job, version_number,
};
use super::rows::{Column, Operation, Outcome, RowJob, columns, failure, process_row, sf_error};

/// Salesforce splits an ingest job into internal batches of this many records; each counts
/// against `DailyBulkApiBatches` (salesforce-api.md 5: "Salesforce picks the chunking").
pub const BATCH_RECORDS: usize = 10_000;
/// The largest upload: 150 MB after Salesforce's base64 conversion (upload-job-data.html).
pub const MAX_UPLOAD_BASE64_BYTES: usize = 150 * 1024 * 1024;

/// The file after it was read.
#[derive(Debug, Clone)]
struct Parsed {
    header: String,
    columns: Vec<Column>,
    rows: Vec<CsvRecord>,
}

/// One ingest job.
#[derive(Debug, Clone)]
pub struct IngestJob {
    /// Fields every job has.
    pub header: JobHeader,
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

fn csv_response(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    response
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl IngestJob {
    fn processed(&self) -> u64 {
        count(self.outcomes.len())
    }

    /// The body of create and list entries: the fields a job has before it runs.
    fn base(&self, content_url: bool) -> Map<String, Json> {
        let h = &self.header;
        let mut map = h.leading();
        if let Some(field) = &self.external_id {
            map.insert("externalIdFieldName".into(), json!(field));
        }
        map.insert("concurrencyMode".into(), json!("Parallel"));
        map.insert("contentType".into(), json!("CSV"));
        map.insert("apiVersion".into(), h.api_version_json());
        map.insert("jobType".into(), json!("V2Ingest"));
        if content_url {
            map.insert(
                "contentUrl".into(),
                json!(format!(
                    "services/data/v{}.0/jobs/ingest/{}/batches",
                    h.api_version,
                    h.id.as_str()
                )),
            );
        }
        map.insert("lineEnding".into(), json!(h.line_ending.name()));
        map.insert("columnDelimiter".into(), json!(h.delimiter.name()));
        map
    }

    /// Job info (`GET /jobs/ingest/{id}`): `contentUrl` only while Open (the guide: "Only
    /// valid if the job is in Open state"), the counters, `errorMessage` only on Failed.
    fn info(&self) -> Json {
        let mut map = self.base(self.header.state == JobState::Open);
        let processed = self.processed();
        map.insert("numberRecordsProcessed".into(), json!(processed));
        map.insert("numberRecordsFailed".into(), json!(self.failed));
        map.insert("retries".into(), json!(0));
        // Emulated timings: one millisecond per processed record.
        map.insert("totalProcessingTime".into(), json!(processed));
        map.insert("apiActiveProcessingTime".into(), json!(processed));
        map.insert("apexProcessingTime".into(), json!(0));
        if let (JobState::Failed, Some(message)) = (self.header.state, &self.header.error_message) {
            map.insert("errorMessage".into(), json!(message));
        }
        Json::Object(map)
    }

    /// The body of the close/abort call: orgs send the short form without `jobType`,
    /// `contentUrl`, line ending or delimiter (the close response in that walkthrough).
    fn state_change_body(&self) -> Json {
        let h = &self.header;
        let mut map = h.leading();
        if let Some(field) = &self.external_id {
            map.insert("externalIdFieldName".into(), json!(field));
        }
        map.insert("concurrencyMode".into(), json!("Parallel"));
        map.insert("contentType".into(), json!("CSV"));
        map.insert("apiVersion".into(), h.api_version_json());
        Json::Object(map)
    }

    fn ending(&self) -> &'static str {
        self.header.line_ending.as_str()
    }

    fn delim(&self) -> &'static str {
        self.header.delimiter.as_str()
    }

    /// The processed rows in the job's shuffled result order: Salesforce does not keep
    /// input order (get-job-successful-results.html), so neither does the emulator; the
    /// order is seeded by the job, so it is the same on every fetch and every run.
    fn shuffled(&self) -> Vec<&(usize, Outcome)> {
        let mut order: Vec<&(usize, Outcome)> = self.outcomes.iter().collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(self.header.serial));
        order
    }

    fn raw_row(&self, at: usize) -> &str {
        self.parsed
            .as_ref()
            .and_then(|p| p.rows.get(at))
            .map_or("", |r| r.raw.as_str())
    }

    fn result_file(&self, second: &str, success: bool) -> String {
        let (d, e) = (self.delim(), self.ending());
        let mut out = format!("\"sf__Id\"{d}\"{second}\"");
        if let Some(parsed) = &self.parsed {
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
    fn unprocessed_file(&self) -> String {
        let e = self.ending();
        match (&self.parsed, &self.data) {
            (Some(parsed), _) => {
                let mut out = format!("{}{e}", parsed.header);
                if matches!(self.header.state, JobState::Aborted | JobState::Failed) {
                    for row in parsed.rows.iter().skip(self.next_row) {
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

/// Reads the uploaded file: the job fails on a bad line ending, bad quoting or an unknown
/// column, and then processes nothing.
fn read_file(state: &EmulatorState, job: &mut IngestJob, now_ms: i64) {
    let data = job.data.take().unwrap_or_default();
    let records = match csv::parse(&data, job.header.delimiter, job.header.line_ending) {
        Ok(records) => records,
        Err(error) => {
            job.data = Some(data);
            job.header.error_message = Some(error.message());
            job.header.set_state(JobState::Failed, now_ms);
            return;
        }
    };
    drop(data);
    let mut records = records.into_iter();
    let Some(first) = records.next() else {
        job.parsed = None;
        job.header.set_state(JobState::InProgress, now_ms);
        return;
    };
    let rows: Vec<CsvRecord> = records.collect();
    match columns(state, &job.header.object, &first.cells) {
        Ok(columns) => {
            job.parsed = Some(Parsed {
                header: first.raw,
                columns,
                rows,
            });
            job.header.set_state(JobState::InProgress, now_ms);
        }
        Err(message) => {
            job.parsed = Some(Parsed {
                header: first.raw,
                columns: Vec::new(),
                rows,
            });
            job.header.error_message = Some(message);
            job.header.set_state(JobState::Failed, now_ms);
        }
    }
}

/// Writes the next internal batch of rows.
fn run_batch(
    state: &EmulatorState,
    bulk: &mut BulkState,
    serial: u64,
    lock_all: bool,
    now_ms: i64,
) {
    let Some(job) = bulk.ingest.get_mut(&serial) else {
        return;
    };
    let Some(parsed) = &job.parsed else {
        job.header.set_state(JobState::JobComplete, now_ms);
        return;
    };
    let end = job
        .next_row
        .saturating_add(BATCH_RECORDS)
        .min(parsed.rows.len());
    let chunk = job.next_row..end;
    let total = parsed.rows.len();
    let locks: Vec<bool> = chunk.clone().map(|_| state.lock_fault(lock_all)).collect();
    let row_job = RowJob {
        object: &job.header.object,
        operation: job.operation,
        external_id: job.external_id.as_deref(),
        columns: &parsed.columns,
    };
    let outcomes: Vec<(usize, Outcome)> = state.write_with(job.header.created_by, |store, ctx| {
        chunk
            .clone()
            .zip(locks.iter())
            .map(|(at, locked)| {
                let outcome = if *locked {
                    Outcome::Failure {
                        id: None,
                        error: failure(
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
            .collect()
    });
    // A processed row needs only its raw text from now on (the result files echo it).
    if let Some(parsed) = job.parsed.as_mut() {
        for row in parsed.rows.get_mut(chunk).unwrap_or_default() {
            row.cells = Vec::new();
        }
    }
    let rows = count(outcomes.len());
    job.failed += count(
        outcomes
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Failure { .. }))
            .count(),
    );
    job.outcomes.extend(outcomes);
    job.next_row = end;
    let done = end >= total;
    job.header.modstamp_ms = now_ms;
    if done {
        job.header.set_state(JobState::JobComplete, now_ms);
    }
    if rows > 0 {
        bulk.count_batch(now_ms, rows);
    }
}

/// Takes every step due by now (see [`super::job::Progress`]).
fn catch_up(state: &EmulatorState, bulk: &mut BulkState, serial: u64, lock_all: bool, now_ms: i64) {
    loop {
        let Some(job) = bulk.ingest.get_mut(&serial) else {
            return;
        };
        let step_state = job.header.state;
        let progress = job.header.progress;
        if matches!(step_state, JobState::Open) || step_state.is_terminal() {
            return;
        }
        if progress.done >= progress.due(now_ms) {
            return;
        }
        job.header.progress.done += 1;
        match step_state {
            JobState::UploadComplete => read_file(state, job, now_ms),
            _ => run_batch(state, bulk, serial, lock_all, now_ms),
        }
    }
}

fn find(bulk: &BulkState, text: &str) -> Option<u64> {
    let id = job_id(text)?;
    bulk.ingest
        .iter()
        .find(|(_, job)| job.header.id == id)
        .map(|(serial, _)| *serial)
}

/// The org's Bulk jobs, with jobs that ended more than 7 days ago purged first.
fn lock_bulk(state: &EmulatorState) -> std::sync::MutexGuard<'_, BulkState> {
    let mut bulk = state.bulk.lock().unwrap_or_else(|e| e.into_inner());
    bulk.purge(state.clock.now_ms());
    bulk
}

/// `POST /jobs/ingest`: creates an Open job.
pub async fn create(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    body: Bytes,
) -> Response {
    match create_job(&state, &call, &body) {
        Ok(json) => axum::Json(json).into_response(),
        Err(error) => error.into_response(),
    }
}

fn text_property<'m>(map: &'m Map<String, Json>, key: &str) -> Option<&'m str> {
    map.get(key).and_then(Json::as_str)
}

fn create_job(state: &EmulatorState, call: &CallContext, body: &[u8]) -> Result<Json, ApiError> {
    let map = json_object(body)?;
    let operation_text = text_property(&map, "operation").unwrap_or_default();
    let operation = Operation::parse(operation_text)
        .ok_or_else(|| invalid_property("operation", operation_text))?;
    let object_text = text_property(&map, "object").unwrap_or_default();
    let def = state.schema.object(object_text).ok_or_else(|| {
        bulk_error(
            StatusCode::BAD_REQUEST,
            "INVALIDJOB",
            format!("InvalidJob : Unable to find object: {object_text}"),
        )
    })?;
    let external_id = if operation == Operation::Upsert {
        let name = text_property(&map, "externalIdFieldName").unwrap_or_default();
        let field = def
            .field(name)
            .filter(|f| f.external_id || f.name == "Id")
            .ok_or_else(|| {
                bulk_error(
                    StatusCode::BAD_REQUEST,
                    "INVALIDJOB",
                    format!(
                        "InvalidJob : Field name provided, {name} does not match an External ID for {}",
                        def.name
                    ),
                )
            })?;
        Some(field.name.clone())
    } else {
        None
    };
    let content_type = text_property(&map, "contentType").unwrap_or("CSV");
    if content_type != "CSV" {
        return Err(invalid_property("contentType", content_type));
    }
    let ending_text = text_property(&map, "lineEnding").unwrap_or("LF");
    let line_ending = LineEnding::parse(ending_text)
        .ok_or_else(|| invalid_property("lineEnding", ending_text))?;
    let delimiter_text = text_property(&map, "columnDelimiter").unwrap_or("COMMA");
    let delimiter = Delimiter::parse(delimiter_text)
        .ok_or_else(|| invalid_property("columnDelimiter", delimiter_text))?;
    let now = state.clock.now_ms();
    let mut bulk = lock_bulk(state);
    let (id, serial) = bulk.allocate();
    let job = IngestJob {
        header: JobHeader {
            id,
            serial,
            operation: operation.name(),
            object: def.name.clone(),
            created_by: call.user,
            created_ms: now,
            modstamp_ms: now,
            state: JobState::Open,
            api_version: version_number(&call.version),
            line_ending,
            delimiter,
            progress: Progress::default(),
            error_message: None,
        },
        operation,
        external_id,
        uploaded: false,
        data: None,
        parsed: None,
        next_row: 0,
        outcomes: Vec::new(),
        failed: 0,
    };
    let body = Json::Object(job.base(true));
    bulk.ingest.insert(serial, job);
    Ok(body)
}

/// `PUT /jobs/ingest/{id}/batches`: the job's one upload (201, no body).
pub async fn upload(
    State(state): State<EmulatorState>,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut bulk = lock_bulk(&state);
    let Some(job) = find(&bulk, &id).and_then(|s| bulk.ingest.get_mut(&s)) else {
        return no_such_job().into_response();
    };
    if !content_type.to_ascii_lowercase().starts_with("text/csv") {
        // [verify] code and wording: the guide names text/csv as the only format.
        return bulk_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("Content-Type '{content_type}' is not supported; upload job data as text/csv"),
        )
        .into_response();
    }
    if job.uploaded {
        // One upload per job: a second one is refused with the org's own (misspelt) text,
        // naming the 15-character job Id (body recorded in the walkthrough above; a loader
        // on GitHub saw the second PUT refused outright, while
        // https://salesforce.stackexchange.com/questions/231917 saw the same 400 on the
        // close after several PUTs: the emulator refuses at the second PUT).
        return bulk_error(
            StatusCode::BAD_REQUEST,
            "BULK_API_ERROR",
            format!(
                "Found multipe contents for job: <{}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.",
                job.header.id.short()
            ),
        )
        .into_response();
    }
    if job.header.state != JobState::Open {
        return invalid_state(format!(
            "Job {} is {}: data can only be uploaded while a job is Open",
            job.header.id.as_str(),
            job.header.state.name()
        ))
        .into_response();
    }
    if over_upload_limit(body.len()) {
        // [verify] code and wording.
        return bulk_error(
            StatusCode::BAD_REQUEST,
            "BULK_API_ERROR",
            "Job data exceeds the 150 MB limit after base64 encoding (upload at most 100 MB of CSV)",
        )
        .into_response();
    }
    job.data = Some(String::from_utf8_lossy(&body).into_owned());
    job.uploaded = true;
    job.header.modstamp_ms = state.clock.now_ms();
    StatusCode::CREATED.into_response()
}

/// Whether `len` bytes of CSV exceed 150 MB once Salesforce converts them to base64.
fn over_upload_limit(len: usize) -> bool {
    len.div_ceil(3).saturating_mul(4) > MAX_UPLOAD_BASE64_BYTES
}

/// `PATCH /jobs/ingest/{id}` `{"state":"UploadComplete"}` or `{"state":"Aborted"}`.
pub async fn change_state(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let map = match json_object(&body) {
        Ok(map) => map,
        Err(error) => return error.into_response(),
    };
    let wanted = text_property(&map, "state").unwrap_or_default().to_owned();
    let now = state.clock.now_ms();
    let mut bulk = lock_bulk(&state);
    let Some(serial) = find(&bulk, &id) else {
        return no_such_job().into_response();
    };
    catch_up(&state, &mut bulk, serial, call.lock_all, now);
    let Some(job) = bulk.ingest.get_mut(&serial) else {
        return no_such_job().into_response();
    };
    let current = job.header.state;
    match wanted.as_str() {
        "UploadComplete" if current == JobState::Open => {
            job.header.set_state(JobState::UploadComplete, now);
            job.header.progress.start(now);
        }
        "Aborted" if !current.is_terminal() => {
            if job.parsed.is_none() && job.data.is_some() && current != JobState::Open {
                // Read the file so unprocessedrecords can list the rows never attempted.
                read_file(&state, job, now);
            }
            job.header.error_message = None;
            job.header.set_state(JobState::Aborted, now);
        }
        "UploadComplete" | "Aborted" | "Open" | "InProgress" | "JobComplete" | "Failed" => {
            return cannot_change(job.header.id.as_str(), current.name(), &wanted).into_response();
        }
        other => return invalid_property("state", other).into_response(),
    }
    axum::Json(job.state_change_body()).into_response()
}

/// `GET /jobs/ingest/{id}`: job info. Each call is one poll, so it moves the job on.
pub async fn info(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let now = state.clock.now_ms();
    let mut bulk = lock_bulk(&state);
    let Some(serial) = find(&bulk, &id) else {
        return no_such_job().into_response();
    };
    if let Some(job) = bulk.ingest.get_mut(&serial)
        && !job.header.state.is_terminal()
        && job.header.state != JobState::Open
    {
        job.header.progress.polls += 1;
    }
    catch_up(&state, &mut bulk, serial, call.lock_all, now);
    match bulk.ingest.get(&serial) {
        Some(job) => axum::Json(job.info()).into_response(),
        None => no_such_job().into_response(),
    }
}

/// Page size of the job lists (get-all-jobs: "up to 1000 result rows per request").
pub const LIST_PAGE: usize = 1_000;

/// A job list page: `{"done","records","nextRecordsUrl"}` with `queryLocator` paging.
pub fn list_page(records: Vec<Json>, params: &Params, path: &str) -> Json {
    let start = params
        .get("queryLocator")
        .and_then(|l| l.rsplit_once('-'))
        .and_then(|(_, n)| n.parse::<usize>().ok())
        .unwrap_or(0);
    let total = records.len();
    let end = start.saturating_add(LIST_PAGE).min(total);
    let page: Vec<Json> = records
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    let next = (end < total).then(|| {
        format!(
            "{path}?queryLocator={}-{end}",
            SfId::from_parts("01g", 1).as_str()
        )
    });
    json!({"done": next.is_none(), "records": page, "nextRecordsUrl": next})
}

/// `GET /jobs/ingest`: every ingest job (`jobType`, `queryLocator` honoured).
pub async fn list(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    params: Params,
) -> Response {
    let now = state.clock.now_ms();
    let mut bulk = lock_bulk(&state);
    let serials: Vec<u64> = bulk.ingest.keys().copied().collect();
    for serial in serials {
        catch_up(&state, &mut bulk, serial, call.lock_all, now);
    }
    let wanted = params.get("jobType").map(String::as_str);
    let records: Vec<Json> = if wanted.is_some_and(|t| t != "V2Ingest") {
        Vec::new()
    } else {
        bulk.ingest
            .values()
            .map(|job| Json::Object(job.base(false)))
            .collect()
    };
    let path = format!("/services/data/{}/jobs/ingest", call.version);
    axum::Json(list_page(records, &params, &path)).into_response()
}

/// `DELETE /jobs/ingest/{id}`: 204; only in UploadComplete, JobComplete, Aborted or Failed
/// (delete-job.html).
pub async fn delete(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let now = state.clock.now_ms();
    let mut bulk = lock_bulk(&state);
    let Some(serial) = find(&bulk, &id) else {
        return no_such_job().into_response();
    };
    catch_up(&state, &mut bulk, serial, call.lock_all, now);
    let Some(job) = bulk.ingest.get(&serial) else {
        return no_such_job().into_response();
    };
    let current = job.header.state;
    if matches!(current, JobState::Open | JobState::InProgress) {
        return invalid_state(format!(
            "Job {} is {}: to be deleted, a job must have a state of UploadComplete, JobComplete, Aborted, or Failed",
            job.header.id.as_str(),
            current.name()
        ))
        .into_response();
    }
    bulk.ingest.remove(&serial);
    StatusCode::NO_CONTENT.into_response()
}

/// Which result file.
#[derive(Debug, Clone, Copy)]
enum Results {
    Successful,
    Failed,
    Unprocessed,
}

fn results(state: &EmulatorState, call: &CallContext, id: &str, which: Results) -> Response {
    let now = state.clock.now_ms();
    let mut bulk = lock_bulk(state);
    let Some(serial) = find(&bulk, id) else {
        return no_such_job().into_response();
    };
    catch_up(state, &mut bulk, serial, call.lock_all, now);
    let Some(job) = bulk.ingest.get(&serial) else {
        return no_such_job().into_response();
    };
    csv_response(match which {
        Results::Successful => job.result_file("sf__Created", true),
        Results::Failed => job.result_file("sf__Error", false),
        Results::Unprocessed => job.unprocessed_file(),
    })
}

/// `GET /jobs/ingest/{id}/successfulResults/`: `"sf__Id","sf__Created"` + the row as
/// uploaded, in shuffled order.
pub async fn successful(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    results(&state, &call, &id, Results::Successful)
}

/// `GET /jobs/ingest/{id}/failedResults/`: `"sf__Id","sf__Error"` + the row as uploaded.
pub async fn failed(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    results(&state, &call, &id, Results::Failed)
}

/// `GET /jobs/ingest/{id}/unprocessedrecords/`: rows never attempted.
pub async fn unprocessed(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    results(&state, &call, &id, Results::Unprocessed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_limited_after_base64() {
        // 100 MB of CSV (the guide's advice) fits; 113 MB does not.
        assert!(!over_upload_limit(100 * 1024 * 1024));
        assert!(!over_upload_limit(117_964_800));
        assert!(over_upload_limit(117_964_801));
    }
}
