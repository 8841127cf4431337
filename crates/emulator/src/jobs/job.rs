//! What ingest and query jobs are made of alike: job states, the progress clock that moves a
//! job forward only as it is polled or as the emulator clock advances, the header every job
//! carries and the bodies it renders into, and the Bulk error bodies.
//!
//! Progress is deterministic so tests drive it without sleeping: after a job is closed
//! (ingest) or created (query), each `GET` of its job info is one step, and so is each whole
//! second of the emulator clock (`POST /_emulator/clock/advance`). [`crate::bulk::lifecycle`] takes
//! the steps; what a step does is up to the job kind. This module never touches records or
//! the org's state.

use axum::http::StatusCode;
use serde_json::{Map, Value as Json, json};

use crate::call::CallContext;
use crate::clock::format_datetime;
use crate::errors::ApiError;
use crate::id::SfId;

use super::csv::{Delimiter, LineEnding};

/// One step of processing per this many milliseconds of the emulator clock.
pub const STEP_MS: i64 = 1_000;

/// A job's state (salesforce-api.md 5: `Open -> UploadComplete -> InProgress -> JobComplete
/// | Failed`, `Aborted` by the client; https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-job-states.html).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Ingest only: created, open for its one upload.
    Open,
    /// Closed (ingest) or created (query), queued.
    UploadComplete,
    /// Being processed.
    InProgress,
    /// Processed.
    JobComplete,
    /// Could not be processed.
    Failed,
    /// Aborted by the client.
    Aborted,
}

impl JobState {
    /// The name job info shows.
    pub fn name(self) -> &'static str {
        match self {
            JobState::Open => "Open",
            JobState::UploadComplete => "UploadComplete",
            JobState::InProgress => "InProgress",
            JobState::JobComplete => "JobComplete",
            JobState::Failed => "Failed",
            JobState::Aborted => "Aborted",
        }
    }

    /// JobComplete, Failed and Aborted: nothing moves any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::JobComplete | JobState::Failed | JobState::Aborted
        )
    }

    /// The upper-case spelling of the query-results error (`IN_PROGRESS`, ...).
    pub fn constant(self) -> &'static str {
        match self {
            JobState::Open => "OPEN",
            JobState::UploadComplete => "UPLOAD_COMPLETE",
            JobState::InProgress => "IN_PROGRESS",
            JobState::JobComplete => "JOB_COMPLETE",
            JobState::Failed => "FAILED",
            JobState::Aborted => "ABORTED",
        }
    }
}

/// Counts polls and measures emulator time from the moment a job starts processing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// When processing became possible (close or create), emulator clock ms.
    pub started_ms: Option<i64>,
    /// Job-info reads since then.
    pub polls: u64,
    /// Steps already taken.
    pub done: u64,
}

impl Progress {
    /// Starts counting at `now_ms`.
    pub fn start(&mut self, now_ms: i64) {
        self.started_ms = Some(now_ms);
        self.polls = 0;
        self.done = 0;
    }

    /// How many steps are due by now: one per poll plus one per whole [`STEP_MS`] elapsed.
    pub fn due(&self, now_ms: i64) -> u64 {
        let Some(started) = self.started_ms else {
            return 0;
        };
        let elapsed = now_ms.saturating_sub(started).max(0) / STEP_MS;
        self.polls
            .saturating_add(u64::try_from(elapsed).unwrap_or(0))
    }
}

/// A Bulk job: the header every job has and what its kind `K` adds ([`super::ingest`],
/// [`super::query`]).
#[derive(Debug, Clone)]
pub struct Job<K> {
    /// Fields every job has.
    pub header: JobHeader,
    /// What the job's kind holds.
    pub kind: K,
}

/// What every job carries, whatever its kind.
#[derive(Debug, Clone)]
pub struct JobHeader {
    /// The job's Id (key prefix 750).
    pub id: SfId,
    /// Its serial (seeds the shuffled result order).
    pub serial: u64,
    /// The operation as job info shows it (`insert`, `queryAll`, ...).
    pub operation: &'static str,
    /// The object's API name.
    pub object: String,
    /// Who created it.
    pub created_by: SfId,
    /// When (emulator clock ms).
    pub created_ms: i64,
    /// Last change (emulator clock ms).
    pub modstamp_ms: i64,
    /// The state.
    pub state: JobState,
    /// The API version it was created with (66 for v66.0).
    pub api_version: u32,
    /// `lineEnding`.
    pub line_ending: LineEnding,
    /// `columnDelimiter`.
    pub delimiter: Delimiter,
    /// Processing progress.
    pub progress: Progress,
    /// `errorMessage` once Failed.
    pub error_message: Option<String>,
}

/// What a create request made of a job, whatever its kind.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// The operation as job info shows it (`insert`, `queryAll`, ...).
    pub operation: &'static str,
    /// The object's API name.
    pub object: String,
    /// `lineEnding`.
    pub line_ending: LineEnding,
    /// `columnDelimiter`.
    pub delimiter: Delimiter,
}

impl JobHeader {
    /// The header of a job `call` creates at `now_ms` in `state`: Open for an ingest job
    /// awaiting its upload, UploadComplete for a query job, whose progress starts at once.
    pub fn new(
        (id, serial): (SfId, u64),
        job: NewJob,
        call: &CallContext,
        state: JobState,
        now_ms: i64,
    ) -> Self {
        let mut progress = Progress::default();
        if state != JobState::Open {
            progress.start(now_ms);
        }
        Self {
            id,
            serial,
            operation: job.operation,
            object: job.object,
            created_by: call.user,
            created_ms: now_ms,
            modstamp_ms: now_ms,
            state,
            api_version: call.version_number(),
            line_ending: job.line_ending,
            delimiter: job.delimiter,
            progress,
            error_message: None,
        }
    }
}

/// A text property of a create request.
pub fn text_property<'m>(map: &'m Map<String, Json>, key: &str) -> Option<&'m str> {
    map.get(key).and_then(Json::as_str)
}

/// The file format a create request asks for: `contentType` must be `CSV` (the default),
/// `lineEnding` is `LF` or `CRLF` (default `LF`), `columnDelimiter` one of the six
/// delimiters (default `COMMA`).
///
/// # Errors
/// 400 `API_ERROR` naming the first property with a value the Bulk API does not take.
pub fn read_format(map: &Map<String, Json>) -> Result<(LineEnding, Delimiter), ApiError> {
    let content_type = text_property(map, "contentType").unwrap_or("CSV");
    if content_type != "CSV" {
        return Err(invalid_property("contentType", content_type));
    }
    let ending_text = text_property(map, "lineEnding").unwrap_or("LF");
    let line_ending = LineEnding::parse(ending_text)
        .ok_or_else(|| invalid_property("lineEnding", ending_text))?;
    let delimiter_text = text_property(map, "columnDelimiter").unwrap_or("COMMA");
    let delimiter = Delimiter::parse(delimiter_text)
        .ok_or_else(|| invalid_property("columnDelimiter", delimiter_text))?;
    Ok((line_ending, delimiter))
}

/// The bodies a job renders into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// The answer to a close or abort (`PATCH`).
    StateChange,
    /// The answer to a create.
    Created,
    /// An entry of the job list.
    Listed,
    /// Job info (`GET /jobs/{kind}/{id}`).
    Info,
}

/// What a body holds besides the fields every body has. Each kind decides per [`Body`];
/// [`JobHeader::render`] keeps the order orgs send the fields in.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    /// `jobType` (`V2Ingest`, `V2Query`).
    pub job_type: Option<&'static str>,
    /// `contentUrl`.
    pub content_url: Option<String>,
    /// `lineEnding` and `columnDelimiter`.
    pub format: bool,
    /// The processing counters of job info, followed by `errorMessage` once Failed.
    pub counters: Option<Vec<(&'static str, Json)>>,
}

impl JobHeader {
    /// A body in the order orgs send it: `id, operation, object, createdById, createdDate,
    /// systemModstamp, state`, the kind's `own` fields (an upsert's
    /// `externalIdFieldName`), `concurrencyMode, contentType, apiVersion`, then the
    /// `sections` asked for.
    pub fn render(&self, own: &[(&'static str, Json)], sections: Sections) -> Json {
        let mut map = Map::new();
        map.insert("id".into(), json!(self.id.as_str()));
        map.insert("operation".into(), json!(self.operation));
        map.insert("object".into(), json!(self.object));
        map.insert("createdById".into(), json!(self.created_by.as_str()));
        map.insert(
            "createdDate".into(),
            json!(format_datetime(self.created_ms)),
        );
        map.insert(
            "systemModstamp".into(),
            json!(format_datetime(self.modstamp_ms)),
        );
        map.insert("state".into(), json!(self.state.name()));
        for (name, value) in own {
            map.insert((*name).into(), value.clone());
        }
        map.insert("concurrencyMode".into(), json!("Parallel"));
        map.insert("contentType".into(), json!("CSV"));
        // `apiVersion` is the JSON number orgs send (`66.0`).
        map.insert("apiVersion".into(), json!(f64::from(self.api_version)));
        if let Some(job_type) = sections.job_type {
            map.insert("jobType".into(), json!(job_type));
        }
        if let Some(url) = sections.content_url {
            map.insert("contentUrl".into(), json!(url));
        }
        if sections.format {
            map.insert("lineEnding".into(), json!(self.line_ending.name()));
            map.insert("columnDelimiter".into(), json!(self.delimiter.name()));
        }
        if let Some(counters) = sections.counters {
            map.extend(
                counters
                    .into_iter()
                    .map(|(name, value)| (name.into(), value)),
            );
            if let (JobState::Failed, Some(message)) = (self.state, &self.error_message) {
                map.insert("errorMessage".into(), json!(message));
            }
        }
        Json::Object(map)
    }

    /// Moves to `state` at `now_ms`.
    pub fn set_state(&mut self, state: JobState, now_ms: i64) {
        self.state = state;
        self.modstamp_ms = now_ms;
    }

    /// Whether the job is being processed: closed or created, and not yet ended. Only then
    /// does a poll count and a step run.
    pub fn is_processing(&self) -> bool {
        self.state != JobState::Open && !self.state.is_terminal()
    }
}

/// A Bulk API error: `[{"errorCode","message"}]`, `errorCode` first as Bulk API 2.0 sends it
/// (the orgs' bodies quoted in salesforce-api.md 6 and
/// https://developer.salesforce.com/docs/atlas.ja-jp.222.0.api_bulk_v2.meta/api_bulk_v2/query_get_job_results.htm).
pub fn bulk_error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::json(
        status,
        json!([{"errorCode": code, "message": message.into()}]),
    )
}

/// 404 for a job Id that names no job.
pub fn no_such_job() -> ApiError {
    ApiError::not_found()
}

/// A job-state conflict: `INVALIDJOBSTATE` is the code the Bulk API 2.0 error list gives
/// for "the job state specified in a job update operation is invalid"
/// (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0_errors.htm);
/// the status (400) and message wording are `[verify]`.
pub fn invalid_state(message: impl Into<String>) -> ApiError {
    bulk_error(StatusCode::BAD_REQUEST, "INVALIDJOBSTATE", message)
}

/// The refusal of a state change the job's state does not allow (ingest and query alike).
pub fn cannot_change(id: &str, current: &str, wanted: &str) -> ApiError {
    invalid_state(format!(
        "Job {id} is {current}: it cannot change to {wanted}"
    ))
}

/// 400 `API_ERROR` "Invalid value: 'X' supplied for property: 'P'", the body orgs send for a
/// bad enum in a create-job request (recorded in a public Bulk API 2.0 "Upsert Process"
/// walkthrough on GitHub, see [`super::ingest`]).
pub fn invalid_property(property: &str, value: &str) -> ApiError {
    bulk_error(
        StatusCode::BAD_REQUEST,
        "API_ERROR",
        format!("Invalid value: '{value}' supplied for property: '{property}'"),
    )
}

/// Reads a job-id path segment as an 18-character Id, if it is a well-formed Bulk job Id.
pub fn job_id(text: &str) -> Option<SfId> {
    SfId::parse(text).ok().filter(|id| id.key_prefix() == "750")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_polls_and_whole_seconds() {
        let mut p = Progress::default();
        assert_eq!(p.due(5_000), 0);
        p.start(1_000);
        assert_eq!(p.due(1_999), 0);
        p.polls = 2;
        assert_eq!(p.due(1_999), 2);
        assert_eq!(p.due(4_000), 5);
        assert_eq!(p.due(0), 2);
    }

    #[test]
    fn bulk_errors_put_the_code_first() {
        use axum::response::IntoResponse;
        let response = invalid_property("operation", "merge").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let job = SfId::from_parts("750", 7);
        assert_eq!(job_id(job.as_str()), Some(job));
        assert_eq!(job_id(job.short()), Some(job));
        assert_eq!(job_id(SfId::from_parts("001", 7).as_str()), None);
        assert_eq!(job_id("nonsense"), None);
    }
}
