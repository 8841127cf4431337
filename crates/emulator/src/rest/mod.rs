//! The REST API resources under `/services/data/vXX.X/`, and what they share: resolving an
//! object through field-level security and rendering a record as REST JSON.
//!
//! Every handler here runs behind the API layer of [`super::server`], so it can assume a
//! valid session and a counted call. Handlers render their own JSON; nothing here may use
//! the client's DTOs from `crate::salesforce`.

pub mod collections;
pub mod composite;
pub mod describe;
pub mod query;
pub mod replication;
pub mod sobjects;

use std::collections::HashMap;
use std::convert::Infallible;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::extract::{Extension, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value as Json, json};

use super::bulk::{DAILY_BATCHES, DAILY_QUERY_JOBS};
use super::errors::ApiError;
use super::fls::Fls;
use super::schema::{ObjectDef, Schema};
use super::server::CallContext;
use super::state::{EmulatorState, EmulatorState as S};
use super::store::Record;

/// Query parameters, decoded leniently (`+` as a space, bad escapes kept as text) so that a
/// malformed query string reaches the resource and gets the org's error, never a framework
/// rejection with a non-Salesforce body.
#[derive(Debug, Clone, Default)]
pub struct Params(pub HashMap<String, String>);

impl std::ops::Deref for Params {
    type Target = HashMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Params(
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

/// The routes below `/services/data/{version}`.
pub fn router() -> Router<EmulatorState> {
    Router::new()
        .route("/", get(resources))
        .route("/limits", get(limits))
        .route("/limits/", get(limits))
        .route("/sobjects", get(describe::global))
        .route("/sobjects/", get(describe::global))
        .route(
            "/sobjects/{object}",
            get(describe::basic).post(sobjects::create),
        )
        .route("/sobjects/{object}/describe", get(describe::object))
        .route("/sobjects/{object}/describe/", get(describe::object))
        .route("/sobjects/{object}/updated", get(replication::updated))
        .route("/sobjects/{object}/updated/", get(replication::updated))
        .route("/sobjects/{object}/deleted", get(replication::deleted))
        .route("/sobjects/{object}/deleted/", get(replication::deleted))
        .route(
            "/sobjects/{object}/{id}",
            get(sobjects::retrieve)
                .patch(sobjects::update)
                .delete(sobjects::delete)
                .post(sobjects::post_override),
        )
        .route(
            "/sobjects/{object}/{field}/{value}",
            get(sobjects::retrieve_by_external_id)
                .patch(sobjects::upsert)
                .post(sobjects::upsert_override),
        )
        .route("/query", get(query::query))
        .route("/query/", get(query::query))
        .route("/queryAll", get(query::query_all))
        .route("/queryAll/", get(query::query_all))
        .route("/query/{locator}", get(query::more))
        .route("/queryAll/{locator}", get(query::more))
        .route("/composite", axum::routing::post(composite::composite))
        .route("/composite/", axum::routing::post(composite::composite))
        .route(
            "/composite/sobjects",
            axum::routing::post(collections::create_or_override)
                .patch(collections::update)
                .delete(collections::delete),
        )
        .route(
            "/composite/sobjects/{object}",
            get(collections::retrieve).post(collections::retrieve_post),
        )
        .route(
            "/composite/sobjects/{object}/{field}",
            axum::routing::patch(collections::upsert).post(collections::upsert_override),
        )
        .merge(super::bulk::router())
        .fallback(unknown_resource)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Any other URI under a version: 404 `NOT_FOUND`, as an org answers.
async fn unknown_resource() -> Response {
    ApiError::not_found().into_response()
}

/// A known resource with a method it does not take: 405 `METHOD_NOT_ALLOWED`.
async fn method_not_allowed(method: axum::http::Method) -> Response {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("HTTP Method '{method}' not allowed. Allowed are GET,PATCH,POST,DELETE"),
    )
    .into_response()
}

/// `GET /services/data/vXX.X/`: the resources of a version.
async fn resources(Extension(call): Extension<CallContext>) -> Response {
    let v = &call.version;
    let mut map = Map::new();
    for name in ["limits", "query", "queryAll", "sobjects", "composite"] {
        map.insert(name.into(), json!(format!("/services/data/{v}/{name}")));
    }
    axum::Json(Json::Object(map)).into_response()
}

/// `GET /limits`: `{Max, Remaining}` per allocation, consistent with `Sforce-Limit-Info`
/// (salesforce-api.md 2.4).
async fn limits(State(state): State<S>) -> Response {
    let now = state.clock.now_ms();
    let used = {
        let mut usage = state.usage.lock().unwrap_or_else(|e| e.into_inner());
        super::server::prune(&mut usage, now);
        u64::try_from(usage.len()).unwrap_or(u64::MAX)
    };
    let max = state
        .settings
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .api_limit;
    let bulk = state
        .bulk
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .usage(now);
    let pair = |max: u64, remaining: u64| json!({"Max": max, "Remaining": remaining});
    axum::Json(json!({
        "ConcurrentAsyncGetReportInstances": pair(200, 200),
        "DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(used), "Vitals": pair(0, 0)},
        "DailyAsyncApexExecutions": pair(250_000, 250_000),
        "DailyBulkApiBatches": pair(DAILY_BATCHES, DAILY_BATCHES.saturating_sub(bulk.batches)),
        "DailyBulkV2QueryFileStorageMB": pair(976_562, 976_562),
        "DailyBulkV2QueryJobs": pair(DAILY_QUERY_JOBS, DAILY_QUERY_JOBS.saturating_sub(bulk.query_jobs)),
        "DataStorageMB": pair(1_024, 1_024),
        "FileStorageMB": pair(1_024, 1_024),
    }))
    .into_response()
}

/// The object named in a path, if it exists (objects are never hidden by FLS here).
///
/// # Errors
/// 404 `NOT_FOUND` for an unknown object (salesforce-api.md 7).
pub fn object_def<'s>(schema: &'s Schema, name: &str) -> Result<(usize, &'s ObjectDef), ApiError> {
    let index = schema
        .object_index(name)
        .ok_or_else(ApiError::unknown_object)?;
    let def = schema
        .object_at(index)
        .ok_or_else(ApiError::unknown_object)?;
    Ok((index, def))
}

/// The record URL an org puts in `attributes.url` and `Location`.
pub fn record_url(version: &str, object: &str, id: &str) -> String {
    format!("/services/data/{version}/sobjects/{object}/{id}")
}

/// `{"attributes":{"type","url"}}` for a record.
pub fn attributes(version: &str, object: &str, id: &str) -> Json {
    json!({"type": object, "url": record_url(version, object, id)})
}

/// A record as REST JSON: `attributes` first, then every visible field (or only `fields`)
/// in describe order, nulls included.
pub fn render_record(
    version: &str,
    fls: &Fls,
    object: &ObjectDef,
    record: &Record,
    fields: Option<&[usize]>,
) -> Json {
    let mut map = Map::new();
    map.insert(
        "attributes".into(),
        attributes(version, &object.name, record.id.as_str()),
    );
    let all: Vec<usize> = (0..object.fields.len()).collect();
    for at in fields.unwrap_or(&all) {
        let Some(field) = object.fields.get(*at) else {
            continue;
        };
        if fls.is_hidden(&object.name, &field.name) {
            continue;
        }
        let value = record
            .value(*at)
            .map_or(Json::Null, |v| v.to_json(field.field_type));
        map.insert(field.name.clone(), value);
    }
    Json::Object(map)
}

/// Resolves a comma-separated `fields` list against an object (FLS applied).
///
/// # Errors
/// 400 `INVALID_FIELD` naming the first unknown field, as an org words it for retrieves.
pub fn resolve_fields(fls: &Fls, object: &ObjectDef, list: &str) -> Result<Vec<usize>, ApiError> {
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match object.field_index(name) {
            Some(at) if !fls.is_hidden(&object.name, name) => out.push(at),
            _ => {
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "INVALID_FIELD",
                    format!(
                        "No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                        object.name
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Parses a request body as a JSON object.
///
/// # Errors
/// 400 `JSON_PARSER_ERROR` with the parser's complaint.
pub fn json_object(body: &[u8]) -> Result<Map<String, Json>, ApiError> {
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::json_parser(
            "Cannot deserialize instance of SObject from non-object value",
        )),
        Err(error) => Err(ApiError::json_parser(format!(
            "Unexpected character in request body at [line:{}, column:{}]",
            error.line(),
            error.column()
        ))),
    }
}
