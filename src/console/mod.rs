//! The read-only web console: what CSMs and leaders will see in the org, for someone
//! without an org to judge it, and the run reports an admin reads.
//!
//! [`router`] gives an axum `Router` of GET pages over a [`ConsoleState`] (the state store,
//! the scoring model, the period and the org's base URL for record links):
//!
//! | route | page |
//! |---|---|
//! | `/` | every account in the replica with the health values the org holds (score, status, trend, change, coverage, owner, ARR), a count per status and the ARR at risk; sorted, filtered and paged by query parameters |
//! | `/accounts/{id}` | one account: the category breakdown as `vitals explain` computes it, the reasons with links to their evidence records, a score-over-time chart from its history records, its open renewal and open playbook tasks |
//! | `/runs` | recent runs: outcome, trigger, duration, accounts scored, writes per kind, failures, API calls |
//! | `/runs/{id}` | one run's summary and its failed writes (record, Salesforce error code and message) |
//!
//! Anything else is a 404 page; a state-store error is a 500 page with a generic message,
//! logged once by its kind and operation, never with values.
//!
//! **As of the last run.** The breakdown is computed with the same functions the sync
//! uses (`Previous::from_snapshot`, `score_account`, `displayed`) as of the start of the
//! last finished run that scored accounts, read from the store's run records on each
//! request. The console never reads the clock, so it shows what that sync computed, and a
//! page rendered twice from the same store is the same page.
//!
//! **Templates: maud.** Pages are `html!` expressions in Rust: the compiler checks them
//! with the code that feeds them, every interpolated value is HTML-escaped unless it is
//! wrapped in `PreEscaped` (done only for the embedded CSS and plotters' SVG), and there
//! are no template files to ship or find at run time. Askama would add a second language
//! and files beside the code for pages this small. One layout (`layout.rs`) wraps every
//! page; its small stylesheet is embedded in it.
//!
//! **No JavaScript.** Sorting, filtering and paging are query parameters on plain links and
//! a GET form; the chart is an SVG drawn on the server by plotters' SVG backend (no font
//! crates: the browser lays out its text).
//!
//! The console must never write: it serves GET only, and reads the store through
//! `StateStore`'s read methods. It knows no Salesforce API names; record links take the
//! object's API name from `salesforce::wire`. Store calls are synchronous, so every page
//! is built on tokio's blocking pool.

mod account;
mod accounts;
mod chart;
mod layout;
mod runs;

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, middleware};
use maud::Markup;

use crate::domain::{Period, SfId, SyncedObject};
use crate::salesforce::wire::SObject;
use crate::scoring::Model;
use crate::store::{RunRecord, RunTrigger, Store, StoreError};

/// What the console reads: the state store and the settings the sync scores with.
#[derive(Clone)]
pub struct ConsoleState {
    store: Store,
    model: Arc<Model>,
    period: Period,
    org: OrgLinks,
}

impl ConsoleState {
    /// The console over a store, scoring with `model` and `period` as the sync does.
    pub fn new(store: Store, model: Model, period: Period) -> Self {
        Self {
            store,
            model: Arc::new(model),
            period,
            org: OrgLinks(None),
        }
    }

    /// Links record Ids to `{base}/lightning/r/{Object}/{Id}/view` (e.g.
    /// `https://acme.my.salesforce.com`); without it, Ids are shown as text.
    #[must_use]
    pub fn with_org_base(mut self, base: &url::Url) -> Self {
        self.org = OrgLinks(Some(base.as_str().trim_end_matches('/').to_owned()));
        self
    }
}

/// The read-only console's routes, to merge into the operations server at its root (the
/// console brings the 404 fallback).
pub fn router(state: ConsoleState) -> Router {
    Router::new()
        .route("/", get(accounts_page))
        .route("/accounts/{id}", get(account_page))
        .route("/runs", get(runs_page))
        .route("/runs/{id}", get(run_page))
        .fallback(not_found)
        .layer(middleware::map_response(harden))
        .with_state(state)
}

async fn accounts_page(
    State(state): State<ConsoleState>,
    Query(query): Query<accounts::ListQuery>,
) -> Response {
    respond(move || accounts::page(&state, &query)).await
}

async fn account_page(State(state): State<ConsoleState>, Path(id): Path<String>) -> Response {
    respond(move || account::page(&state, &id)).await
}

async fn runs_page(State(state): State<ConsoleState>) -> Response {
    respond(move || runs::list_page(&state)).await
}

async fn run_page(State(state): State<ConsoleState>, Path(id): Path<String>) -> Response {
    respond(move || runs::run_page(&state, &id)).await
}

async fn not_found() -> Response {
    PageError::NotFound("no page at this address".into()).into_response()
}

/// Builds a page on the blocking pool (the store is synchronous) and answers with it, or
/// with the error page.
async fn respond(build: impl FnOnce() -> Result<Markup, PageError> + Send + 'static) -> Response {
    match tokio::task::spawn_blocking(build).await {
        Ok(Ok(page)) => page.into_response(),
        Ok(Err(error)) => error.into_response(),
        Err(_) => PageError::Broken.into_response(),
    }
}

/// Pages carry org data (names, subjects, error messages): no scripts, frames or
/// outside resources may run with it, and the browser must not guess content types.
async fn harden(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Why a page could not be shown.
#[derive(Debug)]
enum PageError {
    /// No such account, run or page; the text says which (an Id from the address).
    NotFound(String),
    /// A query parameter the page does not know how to read.
    BadRequest(String),
    /// The state store failed.
    Store(StoreError),
    /// Building the page stopped unexpectedly.
    Broken,
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        PageError::Store(error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            PageError::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", what),
            PageError::BadRequest(what) => (StatusCode::BAD_REQUEST, "Bad request", what),
            PageError::Store(error) => {
                let (kind, operation) = store_error_kind(&error);
                // Logged here, where it is handled, by kind and operation only: the
                // message names the state file and may name record Ids.
                tracing::error!(
                    kind,
                    operation,
                    "The console could not read the state store."
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    GENERIC_ERROR.to_owned(),
                )
            }
            PageError::Broken => {
                tracing::error!(
                    kind = "page_task",
                    "A console page stopped while being built."
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    GENERIC_ERROR.to_owned(),
                )
            }
        };
        (status, layout::error_page(status, title, &text)).into_response()
    }
}

const GENERIC_ERROR: &str =
    "The console could not read Vitals' state. The error is in Vitals' log; try again shortly.";

/// A state-store error's kind and operation, for the log line.
fn store_error_kind(error: &StoreError) -> (&'static str, &'static str) {
    match error {
        StoreError::Open { .. } => ("open", "open"),
        StoreError::Corrupt { operation, .. } => ("corrupt", operation),
        StoreError::NewerSchema { .. } => ("newer_schema", "open"),
        StoreError::DiskFull { operation, .. } => ("disk_full", operation),
        StoreError::Busy { operation, .. } => ("busy", operation),
        StoreError::Database { operation, .. } => ("database", operation),
        StoreError::Decode { operation, .. } => ("decode", operation),
        StoreError::Encode { operation, .. } => ("encode", operation),
        StoreError::Fenced { operation, .. } => ("fenced", operation),
        StoreError::InvalidRequest { operation, .. } => ("invalid_request", operation),
    }
}

/// How many recent runs are searched for the last one that scored.
const RUNS_SEARCHED: usize = 50;

/// The last finished run that scored accounts (backfill scores past periods, not now):
/// the instant the console scores as of, so that it shows what that sync computed.
fn last_scoring_run(store: &Store) -> Result<Option<RunRecord>, StoreError> {
    Ok(store.runs(RUNS_SEARCHED)?.into_iter().find(|run| {
        run.trigger != RunTrigger::Backfill
            && run
                .end
                .as_ref()
                .is_some_and(|end| end.summary.accounts_scored > 0)
    }))
}

/// Links to records in the org, when its base URL is known.
#[derive(Debug, Clone)]
struct OrgLinks(Option<String>);

impl OrgLinks {
    /// The record's page in Lightning Experience: the Record Page type's URL format is
    /// `/lightning/r/{objectApiName}/{recordId}/{actionName}` ("pageReference Types",
    /// https://developer.salesforce.com/docs/atlas.en-us.260.0.lightning.meta/lightning/components_navigation_page_definitions.htm).
    fn record_url(&self, object: SyncedObject, id: SfId) -> Option<String> {
        let base = self.0.as_ref()?;
        let api = SObject::from_key(object.key())?.api_name();
        Some(format!("{base}/lightning/r/{api}/{id}/view"))
    }
}
