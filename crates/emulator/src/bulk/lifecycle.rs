//! One life for every Bulk API 2.0 job, ingest or query: finding a job by its Id, the state
//! machine (`Open -> UploadComplete -> InProgress -> JobComplete | Failed`, `Aborted` by the
//! client), the steps a poll or the emulator clock makes due, the purge of jobs that ended a
//! week ago, job info, the job list, abort and delete.
//!
//! What a step does, and which fields a body has, is the job kind's ([`Kind`], implemented
//! by [`super::ingest`] and [`super::query`]); the order of things is this module's, so the
//! two kinds cannot drift apart. It never writes a record itself and never reads the wall
//! clock.
//!
//! Sources: bulk-api-2-job-states.html, get-job-info.html, get-all-jobs.html, close-job.html
//! and delete-job.html in the Bulk API 2.0 guide
//! (https://developer.salesforce.com/docs/platform/api-asynch/guide/).

use std::collections::BTreeMap;
use std::sync::MutexGuard;

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use crate::call::{CallContext, Params, json_object};
use crate::errors::ApiError;
use crate::id::SfId;
use crate::jobs::BulkState;
use crate::jobs::job::{
    Body, Job, JobState, cannot_change, invalid_property, invalid_state, job_id, no_such_job,
};
use crate::state::EmulatorState;

/// Page size of the job lists (get-all-jobs: "up to 1000 result rows per request").
pub const LIST_PAGE: usize = 1_000;

/// What makes a kind of job: where its jobs are kept, what one processing step does, and
/// how it renders. Implemented by what each kind adds to a [`Job`]'s header.
pub trait Kind: Sized {
    /// The kind's path segment: `ingest` or `query`.
    const PATH: &'static str;
    /// The kind's `jobType`, as the job list filters on it.
    const JOB_TYPE: &'static str;
    /// Whether the client closes a job with `{"state":"UploadComplete"}` (ingest); a query
    /// job is processed from its creation.
    const CLOSES: bool;

    /// The org's jobs of this kind, by serial.
    fn jobs(bulk: &mut BulkState) -> &mut BTreeMap<u64, Job<Self>>;
    /// The job as `body`.
    fn body(job: &Job<Self>, body: Body) -> Json;
    /// Takes one processing step at `now_ms`. Returns how many rows it wrote: above zero,
    /// the step was an internal batch, which counts against the daily allocation.
    fn step(job: &mut Job<Self>, state: &EmulatorState, lock_all: bool, now_ms: i64) -> u64;
    /// Gets ready to be aborted at `now_ms`.
    fn before_abort(_job: &mut Job<Self>, _state: &EmulatorState, _now_ms: i64) {}
}

/// The org's Bulk jobs, with jobs that ended more than 7 days ago purged first.
fn lock_jobs(state: &EmulatorState) -> MutexGuard<'_, BulkState> {
    let mut bulk = state.bulk.lock().unwrap_or_else(|e| e.into_inner());
    bulk.purge(state.clock.now_ms());
    bulk
}

/// The job of this kind that `text` names.
///
/// # Errors
/// 404 when there is none.
fn find<'b, K: Kind>(bulk: &'b mut BulkState, text: &str) -> Result<&'b mut Job<K>, ApiError> {
    let id = job_id(text).ok_or_else(no_such_job)?;
    K::jobs(bulk)
        .values_mut()
        .find(|job| job.header.id == id)
        .ok_or_else(no_such_job)
}

/// Takes every step due by `now_ms` (see [`crate::jobs::job::Progress`]), counting each internal
/// batch written.
fn advance<K: Kind>(state: &EmulatorState, job: &mut Job<K>, lock_all: bool, now_ms: i64) {
    while job.header.is_processing() {
        let progress = &mut job.header.progress;
        if progress.done >= progress.due(now_ms) {
            return;
        }
        progress.done += 1;
        let rows = K::step(job, state, lock_all, now_ms);
        if rows > 0 {
            state
                .usage
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .count_batch(now_ms, rows);
        }
    }
}

/// Adds the job `make` builds from a fresh Id and serial; returns its create body.
pub fn create<K: Kind>(state: &EmulatorState, make: impl FnOnce(SfId, u64) -> Job<K>) -> Json {
    let mut bulk = lock_jobs(state);
    let (id, serial) = bulk.allocate();
    let job = make(id, serial);
    let body = K::body(&job, Body::Created);
    K::jobs(&mut bulk).insert(serial, job);
    body
}

/// Runs `f` on the job `id` names once it took every step due.
///
/// # Errors
/// 404 when no job of this kind has that Id.
pub fn with_job<K: Kind, T>(
    state: &EmulatorState,
    call: &CallContext,
    id: &str,
    f: impl FnOnce(&mut Job<K>) -> T,
) -> Result<T, ApiError> {
    visit(state, call, id, false, f)
}

/// [`with_job`], counting the visit as a poll first when `poll` is set.
fn visit<K: Kind, T>(
    state: &EmulatorState,
    call: &CallContext,
    id: &str,
    poll: bool,
    f: impl FnOnce(&mut Job<K>) -> T,
) -> Result<T, ApiError> {
    let now = state.clock.now_ms();
    let poll_steps = state
        .settings
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .bulk_poll_steps;
    let mut bulk = lock_jobs(state);
    let job = find::<K>(&mut bulk, id)?;
    if poll && poll_steps && job.header.is_processing() {
        job.header.progress.polls += 1;
    }
    advance(state, job, call.lock_all, now);
    Ok(f(job))
}

/// `GET /jobs/{kind}/{id}`: job info. Each call is one poll, so it moves the job on
/// (unless the `bulkPollSteps` setting is off: then only the clock does).
pub async fn info<K: Kind>(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    match visit(&state, &call, &id, true, |job: &mut Job<K>| {
        K::body(job, Body::Info)
    }) {
        Ok(body) => axum::Json(body).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `GET /jobs/{kind}`: every job of the kind (`jobType` and `queryLocator` honoured).
pub async fn list<K: Kind>(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    params: Params,
) -> Response {
    let now = state.clock.now_ms();
    let mut bulk = lock_jobs(&state);
    for job in K::jobs(&mut bulk).values_mut() {
        advance(&state, job, call.lock_all, now);
    }
    let wanted = params.get("jobType").map(String::as_str);
    let records: Vec<Json> = if wanted.is_some_and(|t| t != K::JOB_TYPE) {
        Vec::new()
    } else {
        K::jobs(&mut bulk)
            .values()
            .map(|job| K::body(job, Body::Listed))
            .collect()
    };
    let path = format!("/services/data/{}/jobs/{}", call.version, K::PATH);
    axum::Json(list_page(records, &params, &path)).into_response()
}

/// A job list page: `{"done","records","nextRecordsUrl"}` with `queryLocator` paging.
fn list_page(records: Vec<Json>, params: &Params, path: &str) -> Json {
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

/// `PATCH /jobs/{kind}/{id}` `{"state":"UploadComplete"}` (a kind that [`Kind::CLOSES`],
/// while Open) or `{"state":"Aborted"}` (until the job ended).
pub async fn change_state<K: Kind>(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let wanted = match json_object(&body) {
        Ok(map) => map
            .get("state")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned(),
        Err(error) => return error.into_response(),
    };
    let now = state.clock.now_ms();
    let changed = with_job::<K, _>(&state, &call, &id, |job| {
        let current = job.header.state;
        match wanted.as_str() {
            "UploadComplete" if K::CLOSES && current == JobState::Open => {
                job.header.set_state(JobState::UploadComplete, now);
                job.header.progress.start(now);
            }
            "Aborted" if !current.is_terminal() => {
                K::before_abort(job, &state, now);
                job.header.set_state(JobState::Aborted, now);
            }
            "UploadComplete" | "Aborted" | "Open" | "InProgress" | "JobComplete" | "Failed" => {
                return Err(cannot_change(
                    job.header.id.as_str(),
                    current.name(),
                    &wanted,
                ));
            }
            other => return Err(invalid_property("state", other)),
        }
        Ok(K::body(job, Body::StateChange))
    });
    match changed.and_then(|result| result) {
        Ok(body) => axum::Json(body).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `DELETE /jobs/{kind}/{id}`: 204; only in UploadComplete, JobComplete, Aborted or Failed
/// (delete-job.html).
pub async fn delete<K: Kind>(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let now = state.clock.now_ms();
    let mut bulk = lock_jobs(&state);
    let job = match find::<K>(&mut bulk, &id) {
        Ok(job) => job,
        Err(error) => return error.into_response(),
    };
    advance(&state, job, call.lock_all, now);
    let current = job.header.state;
    if matches!(current, JobState::Open | JobState::InProgress) {
        return invalid_state(format!(
            "Job {} is {}: to be deleted, a job must have a state of UploadComplete, JobComplete, Aborted, or Failed",
            job.header.id.as_str(),
            current.name()
        ))
        .into_response();
    }
    let serial = job.header.serial;
    K::jobs(&mut bulk).remove(&serial);
    StatusCode::NO_CONTENT.into_response()
}
