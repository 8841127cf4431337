//! What every API handler takes from its call: the [`CallContext`] the API layer leaves
//! on the request, the query [`Params`], a JSON body, the object a path names, and the
//! org's answer for a URI or method that no resource takes.
//!
//! It sits below every handler and above nothing but the schema and the error bodies: it
//! never touches records, the router or another handler.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json};

use crate::errors::ApiError;
use crate::id::SfId;
use crate::schema::{ObjectDef, Schema};

/// What the API layer learned about a call, for the handlers.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The session's user.
    pub user: SfId,
    /// Every record of the call fails UNABLE_TO_LOCK_ROW.
    pub lock_all: bool,
    /// The version segment, e.g. `v66.0`.
    pub version: String,
}

impl CallContext {
    /// The number of the call's version: 66 for `v66.0`.
    pub fn version_number(&self) -> u32 {
        parse_version(&self.version).unwrap_or(0)
    }
}

/// The number of a version segment: `v66.0` is 66.
pub fn parse_version(segment: &str) -> Option<u32> {
    let number = segment.strip_prefix('v')?.strip_suffix(".0")?;
    number.parse().ok()
}

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

/// Gives `router` the org's answers for what none of its routes takes: 404 `NOT_FOUND` for
/// an unknown URI, 405 `METHOD_NOT_ALLOWED` for a known one with another method. Call it
/// once every route is in: the 405 applies to the routes registered before it.
pub fn with_org_fallbacks<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .fallback(unknown_resource)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Serves `router` with one trailing slash taken off every path, so that
/// `/sobjects/Account/` is `/sobjects/Account`. An org accepts a trailing slash on its REST
/// and Bulk resources (simple-salesforce POSTs creates to `.../sobjects/Account/` and
/// queries `.../query/`, and the Bulk API 2.0 guide writes result URIs as
/// `.../successfulResults/`), so this is done once, before routing, for every route.
/// The request log still shows the path as the client sent it.
pub fn slash_tolerant(router: Router) -> Router {
    use tower::ServiceExt;
    Router::new().fallback_service(router.map_request(without_trailing_slash))
}

/// `request` with one trailing `/` removed from its path (never the root's), query kept.
fn without_trailing_slash(mut request: Request) -> Request {
    let uri = request.uri();
    let path = uri.path();
    if path.len() > 1
        && let Some(trimmed) = path.strip_suffix('/')
    {
        let rebuilt = match uri.query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_owned(),
        };
        // The trimmed path is a prefix of a valid one, so it parses; if it ever did not,
        // the request is routed as sent.
        if let Ok(parsed) = rebuilt.parse::<Uri>() {
            *request.uri_mut() = parsed;
        }
    }
    request
}

/// Any other URI under a version: 404 `NOT_FOUND`, as an org answers.
async fn unknown_resource() -> Response {
    ApiError::not_found().into_response()
}

/// A known resource with a method it does not take: 405 `METHOD_NOT_ALLOWED`.
async fn method_not_allowed(method: Method) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("HTTP Method '{method}' not allowed. Allowed are GET,PATCH,POST,DELETE"),
    )
    .into_response()
}
