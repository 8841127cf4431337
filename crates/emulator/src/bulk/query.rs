//! Bulk API 2.0 query jobs over HTTP: create, the results pages and the `resultPages`
//! listing, and what a query job's step does in the shared [`super::lifecycle`] (job info,
//! the job list, abort and delete are the lifecycle's).
//!
//! The query runs once, on [`crate::execution`], when the job completes ([`QueryJob::run`]);
//! every page renders from the Ids the job kept, so a page fetched twice with the same
//! locator is the same page. It never re-runs a query per page and never writes records.
//!
//! Sources: query-create-job.html, query-get-job-info.html, query-get-job-results.html
//! and query-get-parallel-job-results.html in the Bulk API 2.0 guide
//! (https://developer.salesforce.com/docs/platform/api-asynch/guide/); the results error
//! before completion is the documented 412 `JOB_NOT_COMPLETE` body
//! (https://developer.salesforce.com/docs/atlas.ja-jp.222.0.api_bulk_v2.meta/api_bulk_v2/query_get_job_results.htm);
//! "Aggregate Relationships not supported in Bulk Query" is the org message that
//! forcedotcom/dataloader's extraction tests expect for aggregates over Bulk.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value as Json, json};

use crate::call::{CallContext, Params, json_object};
use crate::clock::from_ms;
use crate::errors::ApiError;
use crate::execution::{self, RowView, selected_values};
use crate::id::SfId;
use crate::schema::FieldType;
use crate::soql::{self, BoundQuery, Selected};
use crate::state::EmulatorState;
use crate::value::Value;

use crate::jobs::BulkState;
use crate::jobs::csv;
use crate::jobs::job::{
    Body, Job, JobHeader, JobState, NewJob, bulk_error, invalid_property, read_format,
    text_property,
};
use crate::jobs::query::{Query, QueryJob};

use super::lifecycle::{self, Kind};

/// What a results page needs of its job, taken under the Bulk lock without copying the
/// job: its header, SOQL and a shared handle on its Ids.
struct PageSource {
    header: JobHeader,
    soql: String,
    ids: Option<Arc<[SfId]>>,
}

impl PageSource {
    fn of(job: &QueryJob) -> Self {
        Self {
            header: job.header.clone(),
            soql: job.kind.soql.clone(),
            ids: job.ids(),
        }
    }
}

impl Kind for Query {
    const PATH: &'static str = "query";
    const JOB_TYPE: &'static str = "V2Query";
    const CLOSES: bool = false;

    fn jobs(bulk: &mut BulkState) -> &mut BTreeMap<u64, QueryJob> {
        &mut bulk.query
    }

    fn body(job: &QueryJob, body: Body) -> Json {
        job.render(body)
    }

    /// Step 1 starts the job; step 2 runs the query and completes it.
    fn step(job: &mut QueryJob, state: &EmulatorState, _lock_all: bool, now_ms: i64) -> u64 {
        if job.header.state == JobState::UploadComplete {
            job.header.set_state(JobState::InProgress, now_ms);
        } else {
            let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
            let store = state.store.read().unwrap_or_else(|e| e.into_inner());
            job.run(&store, &fls, now_ms);
        }
        0
    }
}

/// What Bulk query refuses that REST query takes: aggregates (`COUNT()` too), GROUP BY,
/// OFFSET, TYPEOF and parent-to-child subqueries (query-bulk-api-2-0.html, "SOQL
/// Considerations"). Scans the text outside string literals so that queries the SOQL engine
/// itself does not implement (GROUP BY, TYPEOF, aggregates) still get the Bulk error.
fn unsupported(soql_text: &str) -> Option<&'static str> {
    const AGGREGATE: &str = "Aggregate Relationships not supported in Bulk Query";
    let mut tokens: Vec<String> = Vec::new();
    let mut chars = soql_text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            while let Some(inner) = chars.next() {
                if inner == '\\' {
                    chars.next();
                } else if inner == '\'' {
                    break;
                }
            }
        } else if c.is_alphanumeric() || c == '_' {
            let mut word = c.to_string();
            while let Some(next) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                word.push(*next);
                chars.next();
            }
            tokens.push(word.to_ascii_uppercase());
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    let mut depth = 0usize;
    let mut in_select = true;
    for (at, token) in tokens.iter().enumerate() {
        let next = tokens.get(at + 1).map(String::as_str);
        match token.as_str() {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "FROM" if depth == 0 => in_select = false,
            "SELECT" if depth > 0 && in_select => return Some(AGGREGATE),
            "COUNT" | "COUNT_DISTINCT" | "SUM" | "AVG" | "MIN" | "MAX"
                if in_select && next == Some("(") =>
            {
                return Some(AGGREGATE);
            }
            "GROUP" if next == Some("BY") => return Some(AGGREGATE),
            // [verify] the wording of these two.
            "OFFSET" if depth == 0 && !in_select => {
                return Some("OFFSET not supported in Bulk Query");
            }
            "TYPEOF" => return Some("TYPEOF not supported in Bulk Query"),
            _ => {}
        }
    }
    None
}

/// `POST /jobs/query`: creates a job in UploadComplete; the object comes from the SOQL.
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

fn create_job(state: &EmulatorState, call: &CallContext, body: &[u8]) -> Result<Json, ApiError> {
    let map = json_object(body)?;
    let text = |key: &str| text_property(&map, key);
    let operation = text("operation").unwrap_or_default();
    let all = match operation {
        "query" => false,
        "queryAll" => true,
        other => return Err(invalid_property("operation", other)),
    };
    let soql_text = text("query").unwrap_or_default().to_owned();
    if soql_text.trim().is_empty() {
        return Err(invalid_property("query", &soql_text));
    }
    let (line_ending, delimiter) = read_format(&map)?;
    let refuse = |message: &str| bulk_error(StatusCode::BAD_REQUEST, "API_ERROR", message);
    // The statement limit applies to Bulk query as to REST (salesforce-api.md 3.4), and is
    // checked before the text is scanned at all.
    soql::check_length(&soql_text)
        .map_err(|e| bulk_error(StatusCode::BAD_REQUEST, e.code, e.message))?;
    if let Some(message) = unsupported(&soql_text) {
        return Err(refuse(message));
    }
    let now = state.clock.now_ms();
    let bound = bind(state, &soql_text, now)?;
    if bound.is_count()
        || bound
            .select()
            .iter()
            .any(|s| matches!(s, Selected::Subquery(_)))
    {
        return Err(refuse(
            "Aggregate Relationships not supported in Bulk Query",
        ));
    }
    let new = NewJob {
        operation: if all { "queryAll" } else { "query" },
        object: bound.object().to_owned(),
        line_ending,
        delimiter,
    };
    let body = lifecycle::create(state, |id, serial| {
        let header = JobHeader::new((id, serial), new, call, JobState::UploadComplete, now);
        Job {
            header,
            kind: Query::new(soql_text, all),
        }
    });
    state
        .usage
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .bulk_query_jobs
        .add(now, 1);
    Ok(body)
}

/// Binds a query job's SOQL against the schema as the org's FLS shows it.
///
/// # Errors
/// The SOQL engine's code and message in a Bulk error body. [verify] that a bad query is
/// refused at create with the engine's code and message.
fn bind(state: &EmulatorState, text: &str, now_ms: i64) -> Result<BoundQuery, ApiError> {
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    execution::bind(&state.schema, &fls, text, now_ms)
        .map_err(|e| bulk_error(StatusCode::BAD_REQUEST, e.code, e.message))
}

/// 412 `JOB_NOT_COMPLETE` for results asked of a job in `state` (the documented body).
fn not_complete(state: JobState) -> ApiError {
    bulk_error(
        StatusCode::PRECONDITION_FAILED,
        "JOB_NOT_COMPLETE",
        format!(
            "can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: {}",
            state.constant()
        ),
    )
}

/// A locator: the offset of a page, as the base64 text orgs use (`MTAwMDA` is "10000").
fn locator(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(offset.to_string())
}

fn offset_of(locator: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(locator.trim_end_matches('='))
        .ok()?;
    String::from_utf8(bytes).ok()?.parse().ok()
}

/// A value as a Bulk CSV cell: dateTimes in UTC with `Z`, dates `yyyy-MM-dd`, booleans
/// `true`/`false`, numbers as the REST API writes them.
fn cell(value: &Value, field_type: FieldType) -> String {
    match value {
        Value::DateTime(ms) => from_ms(*ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        other => match other.to_json(field_type) {
            Json::String(text) => text,
            Json::Null => String::new(),
            json => json.to_string(),
        },
    }
}

/// The columns of the results: the SELECT list in order, parents dotted (`Account.Name`).
fn column_names(bound: &BoundQuery) -> Vec<String> {
    bound
        .select()
        .iter()
        .filter_map(|s| match s {
            Selected::Field(path) => Some(path.segments().join(".")),
            Selected::Subquery(_) => None,
        })
        .collect()
}

/// What bounds one page: `maxRecords` when the client gave it, and always the byte budget.
#[derive(Debug, Clone, Copy)]
struct PageBounds {
    rows: Option<usize>,
    bytes: usize,
}

/// One rendered page: its CSV (header row first, as every page of an org has one), how many
/// rows it holds, and where the next page starts (`None` on the last page).
struct Page {
    body: String,
    rows: usize,
    next: Option<usize>,
}

/// Renders the page of `job` that starts at row `start`. A page always ends at a row
/// boundary, so a quoted value with line breaks is never split between pages, and always
/// holds at least one row, so a row larger than the budget still gets its own page.
fn render_page(
    state: &EmulatorState,
    job: &PageSource,
    bound: &BoundQuery,
    start: usize,
    bounds: PageBounds,
) -> Page {
    let ids: &[SfId] = job.ids.as_deref().unwrap_or_default();
    let (d, e) = (
        job.header.delimiter.as_str(),
        job.header.line_ending.as_str(),
    );
    let mut body = column_names(bound)
        .iter()
        .map(|c| csv::quote(c))
        .collect::<Vec<_>>()
        .join(d);
    body.push_str(e);
    let mut rows = 0usize;
    let mut at = start;
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    let schema = Arc::clone(store.schema());
    let object_index = schema.object_index(&job.header.object);
    let object = object_index.and_then(|i| schema.object_at(i));
    let table = object_index.and_then(|i| store.table(i));
    let (Some(object), Some(table)) = (object, table) else {
        return Page {
            body,
            rows,
            next: None,
        };
    };
    while let Some(id) = ids.get(at) {
        if bounds.rows.is_some_and(|max| rows >= max) {
            break;
        }
        let Some(record) = table.position(id).and_then(|p| table.row(p)) else {
            at += 1;
            continue;
        };
        let view = RowView {
            store: &store,
            object,
            record,
        };
        let mut line = selected_values(&view, bound)
            .iter()
            .map(|v| {
                v.as_ref()
                    .map_or(String::new(), |(value, t)| csv::quote(&cell(value, *t)))
            })
            .collect::<Vec<_>>()
            .join(d);
        line.push_str(e);
        if rows > 0 && body.len().saturating_add(line.len()) > bounds.bytes {
            break;
        }
        body.push_str(&line);
        rows += 1;
        at += 1;
    }
    Page {
        body,
        rows,
        next: (at < ids.len()).then_some(at),
    }
}

/// The completed job a results call reads, after the version and state checks.
fn completed_job(
    state: &EmulatorState,
    call: &CallContext,
    id: &str,
) -> Result<PageSource, ApiError> {
    let job = lifecycle::with_job(state, call, id, |job: &mut QueryJob| PageSource::of(job))?;
    if call.version_number() != job.header.api_version {
        // [verify] code and wording; the guide documents only the 409.
        return Err(bulk_error(
            StatusCode::CONFLICT,
            "API_VERSION_MISMATCH",
            format!(
                "Get the results of a query job with the API version it was created with: v{}.0",
                job.header.api_version
            ),
        ));
    }
    if job.header.state != JobState::JobComplete {
        return Err(not_complete(job.header.state));
    }
    Ok(job)
}

/// The page's bounds and first row from `maxRecords` and `locator`.
fn page_request(
    state: &EmulatorState,
    params: &Params,
    total: usize,
) -> Result<(PageBounds, usize), ApiError> {
    let rows = match params.get("maxRecords").map(|m| m.parse::<usize>()) {
        None => None,
        Some(Ok(n)) if n > 0 => Some(n),
        // [verify] code and wording.
        Some(_) => {
            return Err(invalid_property(
                "maxRecords",
                params.get("maxRecords").map_or("", String::as_str),
            ));
        }
    };
    let start = match params.get("locator").filter(|l| !l.is_empty()) {
        None => 0,
        Some(text) => offset_of(text).filter(|o| *o <= total).ok_or_else(|| {
            // [verify] code and wording.
            bulk_error(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY_LOCATOR",
                format!("invalid query locator: {text}"),
            )
        })?,
    };
    let bytes = state
        .settings
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .bulk_result_page_bytes;
    Ok((PageBounds { rows, bytes }, start))
}

/// `GET /jobs/query/{id}/results?maxRecords=N&locator=L`: one CSV page.
pub async fn results(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
    params: Params,
) -> Response {
    match results_page(&state, &call, &id, &params) {
        Ok(page) => csv_response(page),
        Err(error) => error.into_response(),
    }
}

fn results_page(
    state: &EmulatorState,
    call: &CallContext,
    id: &str,
    params: &Params,
) -> Result<Page, ApiError> {
    let job = completed_job(state, call, id)?;
    let total = job.ids.as_ref().map_or(0, |ids| ids.len());
    let (bounds, start) = page_request(state, params, total)?;
    let bound = bind(state, &job.soql, state.clock.now_ms())?;
    Ok(render_page(state, &job, &bound, start, bounds))
}

/// A page as the org sends it: `text/csv`, `Sforce-NumberOfRecords` and `Sforce-Locator`
/// (the string `null` on the last page).
fn csv_response(page: Page) -> Response {
    let next = page.next.map_or_else(|| "null".to_owned(), locator);
    let mut response = (StatusCode::OK, page.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    if let Ok(value) = HeaderValue::from_str(&page.rows.to_string()) {
        headers.insert("Sforce-NumberOfRecords", value);
    }
    if let Ok(value) = HeaderValue::from_str(&next) {
        headers.insert("Sforce-Locator", value);
    }
    response
}

/// `GET /jobs/query/{id}/resultPages` (v58.0+): up to five result URLs per call, then
/// `nextRecordsUrl` (query-get-parallel-job-results.html). The pages are the ones the
/// results call serves without `maxRecords`, so their locators meet exactly.
pub async fn result_pages(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, id)): Path<(String, String)>,
    params: Params,
) -> Response {
    if call.version_number() < 58 {
        return ApiError::not_found().into_response();
    }
    match listed_pages(&state, &call, &id, &params) {
        Ok(json) => axum::Json(json).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Where every page of a completed job starts, by the size bound alone.
fn page_starts(state: &EmulatorState, job: &PageSource) -> Result<Vec<usize>, ApiError> {
    let bound = bind(state, &job.soql, state.clock.now_ms())?;
    let bytes = state
        .settings
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .bulk_result_page_bytes;
    let mut starts = vec![0];
    let mut start = 0;
    while let Some(next) =
        render_page(state, job, &bound, start, PageBounds { rows: None, bytes }).next
    {
        starts.push(next);
        start = next;
    }
    Ok(starts)
}

fn listed_pages(
    state: &EmulatorState,
    call: &CallContext,
    id: &str,
    params: &Params,
) -> Result<Json, ApiError> {
    let job = lifecycle::with_job(state, call, id, |job: &mut QueryJob| PageSource::of(job))?;
    if job.header.state != JobState::JobComplete {
        return Err(not_complete(job.header.state));
    }
    let starts = page_starts(state, &job)?;
    let first_page = params
        .get("locator")
        .and_then(|l| offset_of(l))
        .unwrap_or(0);
    let base = format!(
        "/services/data/{}/jobs/query/{}",
        call.version,
        job.header.id.as_str()
    );
    let listed: Vec<Json> = starts
        .iter()
        .skip(first_page)
        .take(5)
        .map(|offset| {
            let url = if *offset == 0 {
                format!("{base}/results")
            } else {
                format!("{base}/results?locator={}", locator(*offset))
            };
            json!({"resultUrl": url})
        })
        .collect();
    let next_index = first_page.saturating_add(5);
    let done = next_index >= starts.len();
    let next = (!done).then(|| format!("{base}/resultPages?locator={}", locator(next_index)));
    Ok(json!({"resultPages": listed, "nextRecordsUrl": next, "done": done}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_refuses_what_bulk_refuses() {
        let aggregate = Some("Aggregate Relationships not supported in Bulk Query");
        assert_eq!(unsupported("SELECT COUNT() FROM Account"), aggregate);
        assert_eq!(
            unsupported("select max(NumberOfEmployees) from Account"),
            aggregate
        );
        assert_eq!(
            unsupported("SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry"),
            aggregate
        );
        assert_eq!(
            unsupported("SELECT Id, (SELECT Id FROM Contacts) FROM Account"),
            aggregate
        );
        assert_eq!(
            unsupported("SELECT Id FROM Account LIMIT 5 OFFSET 10"),
            Some("OFFSET not supported in Bulk Query")
        );
        assert_eq!(
            unsupported("SELECT TYPEOF What WHEN Account THEN Name END FROM Task"),
            Some("TYPEOF not supported in Bulk Query")
        );
        assert_eq!(
            unsupported("SELECT Id FROM Account WHERE Name = 'COUNT(x) GROUP BY'"),
            None
        );
        assert_eq!(
            unsupported("SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)"),
            None
        );
    }

    #[test]
    fn locators_are_base64_offsets() {
        assert_eq!(locator(10_000), "MTAwMDA");
        assert_eq!(offset_of("MTAwMDA"), Some(10_000));
        assert_eq!(offset_of("MTAwMDA="), Some(10_000));
        assert_eq!(offset_of("%%"), None);
    }

    #[test]
    fn cells_use_bulk_formats() {
        assert_eq!(
            cell(&Value::DateTime(1_772_452_800_000), FieldType::DateTime),
            "2026-03-02T12:00:00.000Z"
        );
        assert_eq!(cell(&Value::Bool(true), FieldType::Boolean), "true");
        assert_eq!(cell(&Value::Number(12.0), FieldType::Int), "12");
    }
}
