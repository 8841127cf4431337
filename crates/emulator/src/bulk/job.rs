//! What ingest and query jobs share: job states, the progress clock that moves a job
//! forward only as it is polled or as the emulator clock advances, the Bulk error body, and
//! the common job-info fields.
//!
//! Progress is deterministic so tests drive it without sleeping: after a job is closed
//! (ingest) or created (query), each `GET` of its job info is one step, and so is each whole
//! second of the emulator clock (`POST /_emulator/clock/advance`). What a step does is up to
//! the job kind ([`super::ingest`], [`super::query`]). This module never touches records.

use axum::http::StatusCode;
use serde_json::{Map, Value as Json, json};

use crate::id::SfId;

use super::super::clock::format_datetime;
use super::super::errors::ApiError;
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

impl JobHeader {
    /// The leading job-info fields, in the order orgs send them: `id, operation, object,
    /// createdById, createdDate, systemModstamp, state`.
    pub fn leading(&self) -> Map<String, Json> {
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
        map
    }

    /// `apiVersion` as the JSON number orgs send (`66.0`).
    pub fn api_version_json(&self) -> Json {
        json!(f64::from(self.api_version))
    }

    /// Moves to `state` at `now_ms`.
    pub fn set_state(&mut self, state: JobState, now_ms: i64) {
        self.state = state;
        self.modstamp_ms = now_ms;
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

/// Parses the `{version}` path segment (`v66.0`) into 66.
pub fn version_number(segment: &str) -> u32 {
    segment
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
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
        assert_eq!(version_number("v61.0"), 61);
        let job = SfId::from_parts("750", 7);
        assert_eq!(job_id(job.as_str()), Some(job));
        assert_eq!(job_id(job.short()), Some(job));
        assert_eq!(job_id(SfId::from_parts("001", 7).as_str()), None);
        assert_eq!(job_id("nonsense"), None);
    }
}
