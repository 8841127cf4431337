//! Bulk API 2.0: ingest jobs (`/jobs/ingest`, salesforce-api.md 5) and query jobs
//! (`/jobs/query`, salesforce-api.md 6) under `/services/data/vXX.X/`.
//!
//! It serves the org's jobs ([`crate::jobs`]) over HTTP with their one shared life
//! ([`lifecycle`]: state machine, steps, purge, job info, list, abort, delete). It must never
//! write a record itself: every row of an ingest job goes through [`crate::write`] (the same
//! validation, derived fields and per-record errors as REST and Collections, and the same
//! injected faults), and every query job runs on [`crate::execution`] and the SOQL engine.
//! It counts its usage in [`crate::usage`] and never imports the REST resources.
//!
//! Processing is asynchronous and deterministic ([`crate::jobs::job::Progress`]): nothing runs before an
//! ingest job is closed; then each poll of the job's info, and each whole second of the
//! emulator clock, is one step. Ingest: step 1 reads the file (the job may fail here),
//! each later step writes one internal batch of [`crate::jobs::ingest::BATCH_RECORDS`] rows, and the
//! job completes with its last batch. Query: step 1 starts it, step 2 runs the query and
//! completes it. Tests poll or advance the clock; nothing sleeps.
//!
//! Sources: Bulk API 2.0 Developer Guide
//! (https://developer.salesforce.com/docs/platform/api-asynch/guide/), jsforce
//! `src/api/bulk2.ts` and simple-salesforce `simple_salesforce/bulk2.py` for what clients
//! send and expect, and org responses recorded in public code (cited where used).
//! Wording that no public source confirmed is marked `[verify]` and listed in the README.

pub mod ingest;
pub mod lifecycle;
pub mod query;

use axum::Router;
use axum::routing::{get, put};

use crate::state::EmulatorState;

use crate::jobs::ingest::Ingest;
use crate::jobs::query::Query;

/// Largest Bulk API job-data upload read: 150 MB, the documented limit after base64 (the
/// upload handler then applies that limit exactly; upload-job-data.html).
pub const MAX_UPLOAD_BYTES: usize = 150 * 1024 * 1024;

/// The upload route takes bodies up to [`MAX_UPLOAD_BYTES`], above the REST limit; the
/// handler then applies Salesforce's base64 limit.
fn upload() -> axum::routing::MethodRouter<EmulatorState> {
    put(ingest::upload).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

/// The Bulk API routes, merged into the REST router under `/services/data/{version}`.
/// The documented result URIs end in a slash (`.../successfulResults/`) while jsforce sends
/// none; the router takes both ([`crate::call::slash_tolerant`]).
pub fn router() -> Router<EmulatorState> {
    Router::new()
        .route(
            "/jobs/ingest",
            get(lifecycle::list::<Ingest>).post(ingest::create),
        )
        .route(
            "/jobs/ingest/{id}",
            get(lifecycle::info::<Ingest>)
                .patch(lifecycle::change_state::<Ingest>)
                .delete(lifecycle::delete::<Ingest>),
        )
        .route("/jobs/ingest/{id}/batches", upload())
        .route(
            "/jobs/ingest/{id}/successfulResults",
            get(ingest::successful),
        )
        .route("/jobs/ingest/{id}/failedResults", get(ingest::failed))
        .route(
            "/jobs/ingest/{id}/unprocessedrecords",
            get(ingest::unprocessed),
        )
        .route(
            "/jobs/query",
            get(lifecycle::list::<Query>).post(query::create),
        )
        .route(
            "/jobs/query/{id}",
            get(lifecycle::info::<Query>)
                .patch(lifecycle::change_state::<Query>)
                .delete(lifecycle::delete::<Query>),
        )
        .route("/jobs/query/{id}/results", get(query::results))
        .route("/jobs/query/{id}/resultPages", get(query::result_pages))
}
