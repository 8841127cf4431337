//! Composite: `POST /composite` runs up to 25 subrequests in order, in one API call, with
//! `@{referenceId.field}` references to earlier responses and `allOrNone` rollback
//! (salesforce-api.md 4.3;
//! https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm).
//!
//! Subrequests are served by the same REST router in-process, so they are validated exactly
//! like direct calls but count once against the allocation. References are case-sensitive.
//! With `allOrNone:true` the first failure rolls every earlier write back and answers the
//! other subrequests 400 `PROCESSING_HALTED`. Composite calls are serialised with each
//! other so one transaction's undo log never holds another's writes. Subrequests run in
//! order: `collateSubrequests` is accepted and ignored. Only the resources Composite supports
//! may be named (sObject resources, query/queryAll, sObject Collections), at most five of
//! them Collections or query operations; anything else refuses the whole request with 400
//! before any subrequest runs.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value as Json, json};
use tower::ServiceExt;

use crate::call::{CallContext, json_object, slash_tolerant, with_org_fallbacks};
use crate::errors::ApiError;
use crate::state::EmulatorState;

/// Most subrequests in one Composite call.
pub const MAX_SUBREQUESTS: usize = 25;

/// Most subrequests in one Composite call that are sObject Collections or query operations
/// (query, queryAll and the query-more locators).
pub const MAX_COLLECTION_OR_QUERY: usize = 5;

/// What a subrequest URL may name. Composite supports every sObject resource, Query and
/// QueryAll (with their query-more locators) and, from v43.0, sObject Collections, and
/// nothing else ("Composite is supported for the following resources",
/// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
/// Refusing the rest also keeps `/composite` from calling itself, which would wait forever
/// on the Composite lock it already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubrequestKind {
    /// `/sobjects/...`.
    SObject,
    /// `/query...`, `/queryAll...`.
    Query,
    /// `/composite/sobjects...`.
    Collections,
}

/// Classifies a subrequest URL (`/services/data/vXX.X/...`, query string ignored), or `None`
/// when Composite does not support the resource.
fn subrequest_kind(url: &str) -> Option<SubrequestKind> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let rest = path.strip_prefix("/services/data/")?;
    let (version, resource) = rest.split_once('/')?;
    let number = version.strip_prefix('v')?.strip_suffix(".0")?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // No dot segments: a URL must not climb out of the resource it names.
    if resource
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return None;
    }
    let first = resource.split('/').next().unwrap_or_default();
    match first {
        "sobjects" => Some(SubrequestKind::SObject),
        "query" | "queryAll" => Some(SubrequestKind::Query),
        "composite" => {
            let second = resource.split('/').nth(1).unwrap_or_default();
            (second == "sobjects").then_some(SubrequestKind::Collections)
        }
        _ => None,
    }
}

/// The whole-request 400 for a subrequest URL Composite does not take. [verify] the code and
/// wording; that only these resources are supported is documented.
fn unsupported_url(url: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_API_INPUT",
        format!(
            "Composite subrequests support only sObject, Query, QueryAll and sObject Collections resources: {url}"
        ),
    )
}

/// Headers a subrequest may not set (the outer request's apply).
const FORBIDDEN_HEADERS: &[&str] = &["accept", "authorization", "content-type"];

fn halted() -> Json {
    json!([{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back since another operation in the same transaction failed."}])
}

/// Looks `path` (`id`, `records[0].Id`, `Account.Name`) up in a response body.
fn lookup<'a>(body: &'a Json, path: &str) -> Option<&'a Json> {
    let mut current = body;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (
                name,
                rest.strip_suffix(']').and_then(|i| i.parse::<usize>().ok()),
            ),
            None => (part, None),
        };
        if !name.is_empty() {
            current = current.get(name)?;
        }
        if let Some(index) = index {
            current = current.get(index)?;
        }
    }
    Some(current)
}

/// Replaces every `@{ref.path}` in `text`. Errors name the reference that has no value.
fn substitute(text: &str, done: &[(String, Json)]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| format!("@{{{after}"))?;
        let reference = &after[..end];
        let (id, path) = reference.split_once('.').unwrap_or((reference, ""));
        let value = done
            .iter()
            .find(|(r, _)| r == id)
            .and_then(|(_, body)| lookup(body, path))
            .filter(|v| !v.is_null())
            .ok_or_else(|| reference.to_owned())?;
        match value {
            Json::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn substitute_json(value: &Json, done: &[(String, Json)]) -> Result<Json, String> {
    Ok(match value {
        Json::String(s) => Json::String(substitute(s, done)?),
        Json::Array(items) => Json::Array(
            items
                .iter()
                .map(|v| substitute_json(v, done))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), substitute_json(v, done)?);
            }
            Json::Object(out)
        }
        other => other.clone(),
    })
}

fn valid_reference_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The Composite routes below `/services/data/{version}`.
pub fn router() -> Router<EmulatorState> {
    Router::new().route("/composite", post(composite))
}

/// `POST /composite`.
pub async fn composite(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    body: Bytes,
) -> Response {
    let map = match json_object(&body) {
        Ok(map) => map,
        Err(error) => return error.into_response(),
    };
    let all_or_none = map
        .get("allOrNone")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let Some(subrequests) = map.get("compositeRequest").and_then(Json::as_array) else {
        return ApiError::json_parser("compositeRequest is required").into_response();
    };
    if let Err(error) = check_subrequests(subrequests) {
        return error.into_response();
    }

    let _serial = state.composite.lock().await;
    let router = rest_router(&state);
    if all_or_none {
        state
            .store
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .begin();
    }
    let (mut results, failed_at) = run_all(&router, &call, subrequests, all_or_none).await;
    if all_or_none {
        let mut store = state.store.write().unwrap_or_else(|e| e.into_inner());
        if let Some(failed) = failed_at {
            store.rollback();
            halt_before(&mut results, failed);
        } else {
            store.commit();
        }
    }
    axum::Json(json!({"compositeResponse": results})).into_response()
}

/// Refuses the whole request before any subrequest runs: too many subrequests, too many
/// collections or queries, an unsupported URL, a bad or repeated reference Id, or a
/// header a subrequest may not set.
fn check_subrequests(subrequests: &[Json]) -> Result<(), ApiError> {
    if subrequests.len() > MAX_SUBREQUESTS {
        // [verify] the exact code; the limit itself is documented.
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            format!(
                "Limit exceeded: the composite request has more than {MAX_SUBREQUESTS} subrequests"
            ),
        ));
    }
    let mut seen = Vec::new();
    let mut collection_or_query = 0usize;
    for sub in subrequests {
        let url = sub.get("url").and_then(Json::as_str).unwrap_or_default();
        match subrequest_kind(url) {
            None => return Err(unsupported_url(url)),
            Some(SubrequestKind::SObject) => {}
            Some(SubrequestKind::Query | SubrequestKind::Collections) => {
                collection_or_query += 1;
            }
        }
        if collection_or_query > MAX_COLLECTION_OR_QUERY {
            // [verify] the exact code; the limit of five is documented (same page).
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "LIMIT_EXCEEDED",
                format!(
                    "Limit exceeded: at most {MAX_COLLECTION_OR_QUERY} subrequests of a composite request may be sObject Collections or query operations"
                ),
            ));
        }
        let id = sub
            .get("referenceId")
            .and_then(Json::as_str)
            .unwrap_or_default();
        if !valid_reference_id(id) || seen.contains(&id) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "JSON_PARSER_ERROR",
                format!("Invalid referenceId: {id}"),
            ));
        }
        seen.push(id);
        if let Some(headers) = sub.get("httpHeaders").and_then(Json::as_object)
            && headers
                .keys()
                .any(|k| FORBIDDEN_HEADERS.contains(&k.to_ascii_lowercase().as_str()))
        {
            // [verify] the exact code; the rule is documented.
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_API_INPUT",
                "Subrequests may not set the Accept, Authorization or Content-Type header",
            ));
        }
    }
    Ok(())
}

/// The REST routes subrequests are served by, as a standalone router.
fn rest_router(state: &EmulatorState) -> Router {
    slash_tolerant(
        Router::new()
            .nest(
                "/services/data/{version}",
                with_org_fallbacks(super::router()),
            )
            .with_state(state.clone()),
    )
}

/// Runs the subrequests in order, each able to reference the earlier ones' results. Gives
/// every result and the index of the first failure; under all-or-none the ones after it
/// are halted without running.
async fn run_all(
    router: &Router,
    call: &CallContext,
    subrequests: &[Json],
    all_or_none: bool,
) -> (Vec<Json>, Option<usize>) {
    let mut done: Vec<(String, Json)> = Vec::new();
    let mut results: Vec<Json> = Vec::new();
    let mut failed_at: Option<usize> = None;
    for (n, sub) in subrequests.iter().enumerate() {
        let reference = sub
            .get("referenceId")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        if failed_at.is_some() && all_or_none {
            results.push(json!({"body": halted(), "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference}));
            continue;
        }
        let (status, headers, body) = match run_one(router, call, sub, &done).await {
            Ok(outcome) => outcome,
            Err(missing) => unresolved_reference(&missing),
        };
        if status >= 400 && failed_at.is_none() {
            failed_at = Some(n);
        }
        done.push((reference.clone(), body.clone()));
        results.push(json!({"body": body, "httpHeaders": headers, "httpStatusCode": status, "referenceId": reference}));
    }
    (results, failed_at)
}

/// The result of a subrequest whose `@{...}` reference names nothing.
fn unresolved_reference(missing: &str) -> (u16, Map<String, Json>, Json) {
    let (id, path) = missing.split_once('.').unwrap_or((missing, ""));
    let message = format!(
        "Invalid reference specified. No value for {missing} found in {id}. Provided referenceId ('{id}') or field selector ('{path}') is invalid."
    );
    (
        400,
        Map::new(),
        json!([{"errorCode": "PROCESSING_HALTED", "message": message}]),
    )
}

/// Under all-or-none, the results before the first failure were rolled back: they report
/// as halted.
fn halt_before(results: &mut [Json], failed: usize) {
    for (n, result) in results.iter_mut().enumerate() {
        if n < failed
            && let Some(map) = result.as_object_mut()
        {
            map.insert("body".into(), halted());
            map.insert("httpHeaders".into(), json!({}));
            map.insert("httpStatusCode".into(), json!(400));
        }
    }
}

/// Serves one subrequest through the REST router.
async fn run_one(
    router: &Router,
    call: &CallContext,
    sub: &Json,
    done: &[(String, Json)],
) -> Result<(u16, Map<String, Json>, Json), String> {
    let Some(mut request) = subrequest(sub, done)? else {
        return Ok((
            400,
            Map::new(),
            json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
        ));
    };
    request.extensions_mut().insert(call.clone());
    let response = match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status().as_u16();
    let mut headers = Map::new();
    if let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v: &HeaderValue| v.to_str().ok())
    {
        headers.insert("Location".into(), json!(location));
    }
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        Json::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Json::Null)
    };
    Ok((status, headers, body))
}

/// The HTTP request a subrequest stands for, with the earlier results it references
/// filled in; `None` when it names no resource the composite serves. A reference to
/// nothing is the `Err`, naming it.
fn subrequest(sub: &Json, done: &[(String, Json)]) -> Result<Option<Request<Body>>, String> {
    let method = sub
        .get("method")
        .and_then(Json::as_str)
        .unwrap_or("GET")
        .to_ascii_uppercase();
    let url = substitute(
        sub.get("url").and_then(Json::as_str).unwrap_or_default(),
        done,
    )?;
    // A reference may not turn a supported URL into another resource.
    if subrequest_kind(&url).is_none() {
        return Ok(None);
    }
    let body = match sub.get("body") {
        Some(body) => Some(substitute_json(body, done)?),
        None => None,
    };
    let mut builder = Request::builder().method(method.as_str()).uri(url);
    if let Some(headers) = sub.get("httpHeaders").and_then(Json::as_object) {
        for (name, value) in headers {
            if let Some(value) = value.as_str() {
                builder = builder.header(name.as_str(), value);
            }
        }
    }
    builder = builder.header(header::CONTENT_TYPE, "application/json");
    let bytes = body.map(|b| b.to_string()).unwrap_or_default();
    Ok(builder.body(Body::from(bytes)).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_supported_resources_are_subrequests() {
        use SubrequestKind::*;
        let v = "/services/data/v66.0";
        assert_eq!(
            subrequest_kind(&format!("{v}/sobjects/Account")),
            Some(SObject)
        );
        assert_eq!(
            subrequest_kind(&format!("{v}/sobjects/Account/Ext__c/A-1")),
            Some(SObject)
        );
        assert_eq!(
            subrequest_kind(&format!("{v}/query/?q=SELECT+Id")),
            Some(Query)
        );
        assert_eq!(subrequest_kind(&format!("{v}/queryAll?q=x")), Some(Query));
        assert_eq!(
            subrequest_kind(&format!("{v}/composite/sobjects")),
            Some(Collections)
        );
        for refused in [
            format!("{v}/composite"),
            format!("{v}/composite/"),
            format!("{v}/jobs/ingest"),
            format!("{v}/limits"),
            format!("{v}/sobjects/../composite"),
            "/_emulator/reset".to_owned(),
            "/services/data/vX.0/sobjects/Account".to_owned(),
        ] {
            assert_eq!(subrequest_kind(&refused), None, "{refused}");
        }
    }

    #[test]
    fn references_resolve_case_sensitively() {
        let done = vec![(
            "acct".to_owned(),
            json!({"id": "001A", "records": [{"Id": "003B"}]}),
        )];
        assert_eq!(substitute("/x/@{acct.id}", &done).unwrap(), "/x/001A");
        assert_eq!(substitute("@{acct.records[0].Id}", &done).unwrap(), "003B");
        assert_eq!(substitute("@{Acct.id}", &done).unwrap_err(), "Acct.id");
        assert_eq!(substitute("@{acct.Id}", &done).unwrap_err(), "acct.Id");
    }
}
