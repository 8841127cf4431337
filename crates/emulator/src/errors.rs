//! Salesforce-shaped error responses.
//!
//! Top-level errors are a JSON array `[{"message","errorCode","fields"?}]`; per-record results
//! use `statusCode` instead (salesforce-api.md 2.2, REST API Developer Guide "Status Codes and
//! Error Responses", https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
//! OAuth errors are `{"error","error_description"}` and live in [`super::auth`]. Nothing here
//! may leak internals: every message is one an org would give.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

/// A per-record failure, as Collections and create responses report it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordError {
    /// The `statusCode` (`REQUIRED_FIELD_MISSING`, ...).
    pub status_code: &'static str,
    /// The message an org gives.
    pub message: String,
    /// The fields at fault (may be empty).
    pub fields: Vec<String>,
}

impl RecordError {
    /// A failure with the fields at fault.
    pub fn new(status_code: &'static str, message: impl Into<String>, fields: Vec<String>) -> Self {
        Self {
            status_code,
            message: message.into(),
            fields,
        }
    }

    /// The per-record JSON `{"statusCode","message","fields"}`.
    pub fn to_json(&self) -> Json {
        json!({"statusCode": self.status_code, "message": self.message, "fields": self.fields})
    }

    /// The same failure as a whole-request error (single-record calls). Salesforce answers
    /// 400 for every DML failure except a missing or deleted record (404).
    pub fn into_api_error(self) -> ApiError {
        let status = match self.status_code {
            "ENTITY_IS_DELETED" | "NOT_FOUND" => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        // A body the org could not deserialize is reported without a `fields` list.
        if self.status_code == "JSON_PARSER_ERROR" {
            return ApiError::new(status, self.status_code, self.message);
        }
        ApiError::with_fields(status, self.status_code, self.message, self.fields)
    }
}

/// A per-record failure naming the fields at fault, as the write checks report them.
pub fn err(code: &'static str, message: impl Into<String>, fields: &[&str]) -> RecordError {
    RecordError::new(
        code,
        message,
        fields.iter().map(|f| (*f).to_owned()).collect(),
    )
}

/// A whole-request error response.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    Json(Json),
    Html(String),
    Empty,
}

impl ApiError {
    /// `[{"message","errorCode"}]` without `fields`.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Body::Json(json!([{"message": message.into(), "errorCode": code}])),
        }
    }

    /// `[{"message","errorCode","fields"}]`.
    pub fn with_fields(
        status: StatusCode,
        code: &str,
        message: impl Into<String>,
        fields: Vec<String>,
    ) -> Self {
        Self {
            status,
            body: Body::Json(
                json!([{"message": message.into(), "errorCode": code, "fields": fields}]),
            ),
        }
    }

    /// Any JSON body (OAuth errors, 300 upsert lists).
    pub fn json(status: StatusCode, body: Json) -> Self {
        Self {
            status,
            body: Body::Json(body),
        }
    }

    /// An HTML body, as Salesforce Edge sends for 420/503.
    pub fn html(status: StatusCode, body: impl Into<String>) -> Self {
        Self {
            status,
            body: Body::Html(body.into()),
        }
    }

    /// No body at all.
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: Body::Empty,
        }
    }

    /// 401 `INVALID_SESSION_ID` "Session expired or invalid" (salesforce-api.md 1.4).
    pub fn invalid_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// 404 `NOT_FOUND` "The requested resource does not exist".
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    /// 400 `JSON_PARSER_ERROR` for a body that is not the JSON the resource expects.
    pub fn json_parser(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", message)
    }

    /// 404 for an object that does not exist (or is hidden): `NOT_FOUND`.
    pub fn unknown_object() -> Self {
        Self::not_found()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.body {
            Body::Json(body) => (self.status, axum::Json(body)).into_response(),
            Body::Html(html) => {
                let mut response = (self.status, html).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html;charset=UTF-8"),
                );
                response
            }
            Body::Empty => self.status.into_response(),
        }
    }
}
