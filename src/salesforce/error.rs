//! The Salesforce layer's error type.
//!
//! Every error names the request it belongs to (method and path, never the query string,
//! which may carry record data) and keeps everything Salesforce said: the HTTP status and
//! the whole `[{errorCode, message, fields}]` array, not just the first code. Tokens and
//! secrets never appear here.
//!
//! Salesforce's own texts (an error's `message`, the start of a non-JSON body, an OAuth
//! `error_description`, a Bulk job's `errorMessage`) quote SOQL and record values: "No such
//! column ... SELECT ... WHERE Name = 'Acme'", "data value too large: <the value>". So
//! `Display`, which is what reaches log lines, shows only error codes, field names, objects,
//! paths and Ids; the texts stay in the error and are shown only by the explicit
//! `for_report`, for a report an admin reads (a row's outcome, `vitals check`'s answer).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

/// One entry of a Salesforce error body.
///
/// REST error bodies say `errorCode`; per-record results (Collections, create) say
/// `statusCode`. Both are read into `code`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct ApiError {
    /// `errorCode` or `statusCode`, e.g. `INVALID_FIELD`.
    #[serde(alias = "errorCode", alias = "statusCode", default)]
    pub code: String,
    /// The human-readable message. It can quote SOQL and record values, so it is shown only
    /// by [`ApiError::for_report`], never by `Display`.
    #[serde(default)]
    pub message: String,
    /// The fields involved; absent in many errors.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// The code and the fields, without the message: safe for a log line.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)?;
        if !self.fields.is_empty() {
            write!(f, " (fields: {})", self.fields.join(", "))?;
        }
        Ok(())
    }
}

impl ApiError {
    /// The code, Salesforce's message and the fields, for a report an admin reads; never
    /// for a log line, because the message can quote SOQL and record values.
    pub fn for_report(&self) -> String {
        let mut text = self.code.clone();
        if !self.message.is_empty() {
            text.push_str(": ");
            text.push_str(&self.message);
        }
        if !self.fields.is_empty() {
            text.push_str(&format!(" (fields: {})", self.fields.join(", ")));
        }
        text
    }
}

/// Parses a REST error body leniently: a JSON array of errors, a single error object, or
/// anything else (Salesforce Edge answers some failures with HTML), which becomes an excerpt.
pub(crate) fn parse_error_body(body: &[u8]) -> (Vec<ApiError>, Option<String>) {
    if let Ok(errors) = serde_json::from_slice::<Vec<ApiError>>(body) {
        return (errors, None);
    }
    if let Ok(error) = serde_json::from_slice::<ApiError>(body)
        && !error.code.is_empty()
    {
        return (vec![error], None);
    }
    (Vec::new(), excerpt(body))
}

/// The first 200 characters of a body that is not a JSON error array, for messages. Never
/// called on a successful token response, which carries the access token.
pub(crate) fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let excerpt: String = text.trim().chars().take(200).collect();
    (!excerpt.is_empty()).then_some(excerpt)
}

/// Errors of the Salesforce client.
///
/// `Clone`, so that one failed login can be handed to every request that was waiting for it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SalesforceError {
    /// The request never got an HTTP response: connection refused or reset, timeout, TLS.
    #[error("{method} {path}: could not reach Salesforce ({kind}): {source}")]
    Transport {
        /// HTTP method.
        method: String,
        /// Path without the query string.
        path: String,
        /// What kind of transport failure.
        kind: TransportKind,
        /// The underlying error, stripped of its URL (a query string can carry record data).
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// Salesforce answered with an error status.
    #[error("{method} {path}: HTTP {status}: {}", describe(errors, excerpt.as_deref(), Detail::Codes))]
    Api {
        /// HTTP method.
        method: String,
        /// Path without the query string.
        path: String,
        /// HTTP status.
        status: u16,
        /// Every error in the body.
        errors: Vec<ApiError>,
        /// The start of a body that was not a JSON error array (e.g. HTML from the edge);
        /// shown only by [`SalesforceError::for_report`].
        excerpt: Option<String>,
        /// A `Retry-After` the response carried (Salesforce sends none; a proxy might).
        retry_after: Option<Duration>,
    },
    /// The token endpoint refused to issue a token.
    #[error("login to {token_url} with the {grant} flow failed: {error}")]
    Auth {
        /// The grant used.
        grant: &'static str,
        /// The token endpoint.
        token_url: String,
        /// OAuth `error`, e.g. `invalid_grant`.
        error: String,
        /// OAuth `error_description`; shown only by [`SalesforceError::for_report`].
        description: String,
    },
    /// The session was rejected again right after a fresh token was issued.
    #[error(
        "{method} {path}: Salesforce rejected a freshly issued token ({code}); check the integration user's permissions and the connected app's OAuth policies"
    )]
    AuthRejected {
        /// HTTP method.
        method: String,
        /// Path without the query string.
        path: String,
        /// The error code Salesforce gave.
        code: String,
    },
    /// A response that does not have the documented shape.
    #[error("{context}: unexpected response from Salesforce: {message}")]
    Decode {
        /// What was being read.
        context: String,
        /// What was wrong, by position and kind, never quoting the body (see
        /// [`json_problem`]).
        message: String,
    },
    /// Vitals' own share of the daily API allocation is spent.
    #[error(
        "API budget reached: Vitals may use {allowed} of the org's {max} daily API requests (salesforce.max_api_share = {share}) and has used {used}; the run stops here and resumes on the next schedule"
    )]
    BudgetExhausted {
        /// Calls Vitals made in the rolling 24 hours.
        used: u64,
        /// Calls Vitals may make.
        allowed: u64,
        /// The org's daily allocation.
        max: u64,
        /// The configured share.
        share: f64,
    },
    /// The org's whole daily allocation is spent (`REQUEST_LIMIT_EXCEEDED` /
    /// `TotalRequests Limit exceeded.`).
    #[error(
        "{method} {path}: the org's daily API request limit is exhausted (REQUEST_LIMIT_EXCEEDED); the run stops here and resumes on the next schedule"
    )]
    DailyLimitExceeded {
        /// HTTP method.
        method: String,
        /// Path without the query string.
        path: String,
        /// Salesforce's message; shown only by [`SalesforceError::for_report`].
        message: String,
    },
    /// A Bulk API 2.0 job ended in `Failed` or `Aborted`.
    #[error("bulk job {job_id} ({object}) ended {state}")]
    BulkJob {
        /// Job Id.
        job_id: String,
        /// Object of the job.
        object: String,
        /// Final state.
        state: String,
        /// `errorMessage` of the job, which can quote the query; shown only by
        /// [`SalesforceError::for_report`].
        message: String,
    },
    /// A Bulk API 2.0 job did not finish in time and was aborted.
    #[error("bulk job {job_id} ({object}) did not finish within {waited:?}; it was aborted")]
    BulkTimeout {
        /// Job Id.
        job_id: String,
        /// Object of the job.
        object: String,
        /// How long Vitals waited.
        waited: Duration,
    },
    /// The configured API version is not offered by the org.
    #[error(
        "the org does not offer API version {wanted}; it offers {offered} (set salesforce.api_version to one of them)"
    )]
    VersionUnavailable {
        /// The configured version.
        wanted: String,
        /// The versions the org lists, newest last (cut short).
        offered: String,
    },
    /// The request could not be built (bad URL, bad header value).
    #[error("could not build the request for {what}: {message}")]
    Request {
        /// What was being built.
        what: String,
        /// Why it failed.
        message: String,
    },
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The connection could not be made: nothing was sent.
    Connect,
    /// The request or the response timed out.
    Timeout,
    /// Anything else: a reset mid-response, a broken body, a protocol error.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connect",
            TransportKind::Timeout => "timeout",
            TransportKind::Other => "connection",
        })
    }
}

impl SalesforceError {
    /// A transport error for `method path`, without the URL reqwest puts in its message.
    pub(crate) fn transport(method: &str, path: &str, source: reqwest::Error) -> Self {
        SalesforceError::Transport {
            method: method.to_owned(),
            path: path.to_owned(),
            kind: TransportKind::of(&source),
            source: Arc::new(source.without_url()),
        }
    }
}

impl TransportKind {
    /// Classifies a reqwest error.
    pub(crate) fn of(error: &reqwest::Error) -> Self {
        if error.is_connect() {
            TransportKind::Connect
        } else if error.is_timeout() {
            TransportKind::Timeout
        } else {
            TransportKind::Other
        }
    }
}

/// How much of what Salesforce said an error text shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Codes and fields only: safe for a log line.
    Codes,
    /// Salesforce's messages and body excerpts too: for a report an admin reads.
    Report,
}

fn describe(errors: &[ApiError], excerpt: Option<&str>, detail: Detail) -> String {
    if errors.is_empty() {
        return match (excerpt, detail) {
            (Some(text), Detail::Report) => format!("non-JSON body: {text}"),
            (Some(_), Detail::Codes) => "a non-JSON body".to_owned(),
            (None, _) => "no error details".to_owned(),
        };
    }
    errors
        .iter()
        .map(|e| match detail {
            Detail::Codes => e.to_string(),
            Detail::Report => e.for_report(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What is wrong with a JSON body, by kind and position only. serde's own messages quote
/// the value they could not read (`invalid type: string "Acme", expected u64`), and a body
/// can be a record, so they are never passed on.
pub(crate) fn json_problem(error: &serde_json::Error) -> String {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "it could not be read",
        serde_json::error::Category::Syntax => "it is not valid JSON",
        serde_json::error::Category::Data => "it does not have the documented shape",
        serde_json::error::Category::Eof => "it ends early",
    };
    format!("{kind} (line {}, column {})", error.line(), error.column())
}

impl SalesforceError {
    /// Whether this error means Salesforce could not be reached or would not let Vitals in
    /// (exit code 3), as opposed to a problem with one request.
    pub fn is_unreachable_or_unauthorised(&self) -> bool {
        match self {
            SalesforceError::Transport { .. }
            | SalesforceError::Auth { .. }
            | SalesforceError::AuthRejected { .. }
            | SalesforceError::VersionUnavailable { .. } => true,
            // A 401 that is not an expiry (e.g. "not valid for use with the REST API") and an
            // org or user without API access both mean Vitals cannot get in.
            SalesforceError::Api { status, errors, .. } => {
                *status == 401
                    || errors.iter().any(|e| {
                        matches!(
                            e.code.as_str(),
                            "API_DISABLED_FOR_ORG" | "API_CURRENTLY_DISABLED"
                        )
                    })
            }
            _ => false,
        }
    }

    /// This error with what Salesforce itself said: the `message` of every error entry,
    /// the start of a non-JSON body, the OAuth `error_description`, a Bulk job's
    /// `errorMessage`. Those texts can quote SOQL and record values, so this is for a
    /// report an admin reads (a row's outcome, `vitals check`'s answer), never for a log
    /// line; `Display` leaves them out.
    pub fn for_report(&self) -> String {
        match self {
            SalesforceError::Api {
                method,
                path,
                status,
                errors,
                excerpt,
                ..
            } => format!(
                "{method} {path}: HTTP {status}: {}",
                describe(errors, excerpt.as_deref(), Detail::Report)
            ),
            SalesforceError::Auth {
                description: said, ..
            }
            | SalesforceError::DailyLimitExceeded { message: said, .. }
            | SalesforceError::BulkJob { message: said, .. }
                if !said.is_empty() =>
            {
                format!("{self} (Salesforce said: {said})")
            }
            _ => self.to_string(),
        }
    }

    /// The first error code in an API error, if any.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            SalesforceError::Api { errors, .. } => errors.first().map(|e| e.code.as_str()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_parse_in_every_shape_salesforce_sends() {
        let (errors, excerpt) = parse_error_body(
            br#"[{"message":"No such column 'Foo__c' on sobject of type Account","errorCode":"INVALID_FIELD","fields":["Foo__c"]},{"message":"second","errorCode":"OTHER"}]"#,
        );
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].code, "INVALID_FIELD");
        assert_eq!(errors[0].fields, vec!["Foo__c"]);
        assert_eq!(errors[1].code, "OTHER");
        assert!(excerpt.is_none());

        let (errors, _) =
            parse_error_body(br#"[{"statusCode":"REQUIRED_FIELD_MISSING","message":"m"}]"#);
        assert_eq!(errors[0].code, "REQUIRED_FIELD_MISSING");

        let (errors, excerpt) = parse_error_body(b"<html><body>Service Unavailable</body></html>");
        assert!(errors.is_empty());
        assert_eq!(
            excerpt.as_deref(),
            Some("<html><body>Service Unavailable</body></html>")
        );
    }

    #[test]
    fn api_errors_display_every_code_and_report_every_message() {
        let error = SalesforceError::Api {
            method: "GET".into(),
            path: "/services/data/v66.0/query".into(),
            status: 400,
            errors: vec![
                ApiError {
                    code: "INVALID_FIELD".into(),
                    message: "\nSELECT Foo__c FROM Account WHERE Name = 'Acme'\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo__c'".into(),
                    fields: vec!["Foo__c".into()],
                },
                ApiError {
                    code: "MALFORMED_QUERY".into(),
                    message: "unexpected token: 'Acme'".into(),
                    fields: vec![],
                },
            ],
            excerpt: None,
            retry_after: None,
        };
        assert_eq!(
            error.to_string(),
            "GET /services/data/v66.0/query: HTTP 400: INVALID_FIELD (fields: Foo__c); MALFORMED_QUERY"
        );
        let report = error.for_report();
        assert!(
            report.starts_with("GET /services/data/v66.0/query: HTTP 400: INVALID_FIELD: \nSELECT Foo__c FROM Account WHERE Name = 'Acme'"),
            "{report}"
        );
        assert!(
            report.ends_with("(fields: Foo__c); MALFORMED_QUERY: unexpected token: 'Acme'"),
            "{report}"
        );
    }

    #[test]
    fn salesforces_own_texts_are_kept_for_the_report_and_out_of_display() {
        let cases = [
            SalesforceError::Api {
                method: "POST".into(),
                path: "/services/data/v66.0/composite/sobjects".into(),
                status: 502,
                errors: vec![],
                excerpt: Some("<html>Bad gateway for Name=Acme</html>".into()),
                retry_after: None,
            },
            SalesforceError::Auth {
                grant: "jwt",
                token_url: "https://login.salesforce.com/services/oauth2/token".into(),
                error: "invalid_grant".into(),
                description: "user hasn't approved this consumer Acme".into(),
            },
            SalesforceError::DailyLimitExceeded {
                method: "GET".into(),
                path: "/services/data/v66.0/query".into(),
                message: "TotalRequests Limit exceeded for Acme".into(),
            },
            SalesforceError::BulkJob {
                job_id: "750D000000000001AAA".into(),
                object: "Account".into(),
                state: "Failed".into(),
                message: "InvalidBatch : SELECT Name FROM Account WHERE Name = 'Acme'".into(),
            },
        ];
        let displayed = [
            "POST /services/data/v66.0/composite/sobjects: HTTP 502: a non-JSON body",
            "login to https://login.salesforce.com/services/oauth2/token with the jwt flow failed: invalid_grant",
            "GET /services/data/v66.0/query: the org's daily API request limit is exhausted (REQUEST_LIMIT_EXCEEDED); the run stops here and resumes on the next schedule",
            "bulk job 750D000000000001AAA (Account) ended Failed",
        ];
        for (error, shown) in cases.iter().zip(displayed) {
            assert_eq!(error.to_string(), shown);
            let report = error.for_report();
            assert!(
                report.starts_with(shown.trim_end_matches("a non-JSON body")),
                "{report}"
            );
            assert!(report.contains("Acme"), "{report}");
        }
    }

    #[test]
    fn json_problems_name_the_position_never_the_value() {
        #[derive(Debug, Deserialize)]
        struct Page {
            #[serde(rename = "totalSize")]
            _total_size: u64,
        }
        let error = serde_json::from_str::<Page>(r#"{"totalSize": "Acme"}"#).unwrap_err();
        assert!(error.to_string().contains("Acme"), "serde quotes the value");
        assert_eq!(
            json_problem(&error),
            "it does not have the documented shape (line 1, column 20)"
        );
        let error = serde_json::from_str::<Page>(r#"{"totalSize": Acme}"#).unwrap_err();
        assert_eq!(
            json_problem(&error),
            "it is not valid JSON (line 1, column 15)"
        );
    }
}
