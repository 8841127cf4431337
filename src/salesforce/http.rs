//! The one path every Salesforce API request takes.
//!
//! [`Client::execute`] checks the API budget, attaches the session, sends, records the
//! usage header, renews an expired session once (shared with every other waiter), turns
//! error statuses into [`SalesforceError`] with the whole error array, and runs all of it
//! inside the [`Retrier`] loop. It makes no decision about records: callers in `rest` and
//! `bulk` do.
//!
//! Every request has a timeout, the client asks for gzip, and each attempt is a tracing span
//! `sf_request{method, path, status, attempt}`. The path is logged without its query string,
//! because a SOQL query can carry record data; an error answer is logged by its codes and
//! fields only, because Salesforce's messages quote the query and the values; tokens are
//! never logged.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, redirect};
use tracing::Instrument;
use url::Url;

use super::auth::{Credentials, Session, TokenManager};
use super::budget::{ApiBudget, UsageReport};
use super::csv_stream::{CsvStream, CsvTable};
use super::error::{SalesforceError, json_problem, parse_error_body};
use super::response::{read_capped, retry_after};
use super::retrier::{Retrier, RetryStats, Sleeper};
use super::retry::{Idempotency, Jitter, Observed, RetryClass, RetryPolicy, classify};
use crate::config::{Auth, SalesforceConfig};
use crate::domain::SfId;

/// The URI length above which Salesforce answers 414 (salesforce-api.md 2.2).
pub const MAX_URI_BYTES: usize = 16_384;

/// Everything the client needs to know. Built from the `[salesforce]` config section.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Where to log in.
    pub login_url: Url,
    /// How to log in.
    pub credentials: Credentials,
    /// The pinned API version, e.g. `66.0`.
    pub api_version: String,
    /// Timeout for each request.
    pub request_timeout: Duration,
    /// Timeout for establishing a connection.
    pub connect_timeout: Duration,
    /// Retry policy for every call.
    pub retry: RetryPolicy,
    /// Share of the daily API allocation Vitals may use.
    pub max_api_share: f64,
    /// Calls Vitals already made in the current rolling 24 hours (from the state store).
    pub earlier_calls: u64,
    /// Expected rows above which reads use Bulk API 2.0.
    pub bulk_read_threshold: u64,
    /// Records above which writes use Bulk API 2.0 ingest.
    pub bulk_write_threshold: usize,
    /// The longest pause between two Bulk job status polls (each poll goes where the job's
    /// progress says it ends, at most this far; see `bulk::Poller`).
    pub bulk_poll_interval: Duration,
    /// How long to wait for a Bulk job before aborting it.
    pub bulk_timeout: Duration,
    /// `maxRecords` for each page of Bulk query results.
    pub bulk_page_size: u32,
    /// Most rows in one Bulk ingest job; a larger write is split into several jobs (each
    /// also at most 100 MB of CSV).
    pub bulk_job_rows: usize,
    /// `Sforce-Query-Options: batchSize` for REST queries (200..=2000), or Salesforce's default.
    pub query_batch_size: Option<u32>,
}

impl ClientSettings {
    /// Settings from the validated `[salesforce]` section.
    pub fn from_config(config: &SalesforceConfig) -> Self {
        let client_id = config.client_id.clone();
        let credentials = match &config.auth {
            Auth::Jwt {
                username,
                private_key,
                ..
            } => Credentials::JwtBearer {
                client_id,
                username: username.clone(),
                private_key: private_key.clone(),
            },
            Auth::ClientCredentials { client_secret } => Credentials::ClientCredentials {
                client_id,
                client_secret: client_secret.clone(),
            },
            Auth::RefreshToken {
                client_secret,
                refresh_token,
            } => Credentials::RefreshToken {
                client_id,
                client_secret: Some(client_secret.clone()),
                refresh_token: refresh_token.clone(),
            },
        };
        Self {
            api_version: config.api_version.to_string(),
            request_timeout: config.request_timeout,
            connect_timeout: config.connect_timeout,
            retry: RetryPolicy {
                max_attempts: config.retry.max_attempts,
                base_delay: config.retry.base_delay,
                max_delay: config.retry.max_delay,
                jitter: Jitter::Full,
            },
            max_api_share: config.max_api_share,
            bulk_read_threshold: config.bulk.read_threshold,
            bulk_write_threshold: usize::try_from(config.bulk.write_threshold)
                .unwrap_or(usize::MAX),
            bulk_poll_interval: config.bulk.poll_interval,
            bulk_timeout: config.bulk.timeout,
            ..Self::new(config.login_url.clone(), credentials)
        }
    }

    /// Settings with the documented defaults for everything but where and how to log in.
    pub fn new(login_url: Url, credentials: Credentials) -> Self {
        Self {
            login_url,
            credentials,
            api_version: "66.0".into(),
            request_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            max_api_share: 0.25,
            earlier_calls: 0,
            bulk_read_threshold: 10_000,
            bulk_write_threshold: 2_000,
            bulk_poll_interval: Duration::from_secs(2),
            bulk_timeout: Duration::from_secs(30 * 60),
            bulk_page_size: 50_000,
            bulk_job_rows: 100_000,
            query_batch_size: None,
        }
    }
}

/// Where a request goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// Relative to `/services/data/vXX.X/`, e.g. `query` or `sobjects/Account/describe`.
    Api(String),
    /// An absolute path Salesforce handed back (`nextRecordsUrl`, `contentUrl`), used as is.
    Absolute(String),
    /// `/services/data/`: the versions list, which needs no session and costs nothing.
    Versions,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// No body.
    Empty,
    /// JSON.
    Json(Vec<u8>),
    /// A Bulk ingest job's CSV, streamed from the rows (a fresh stream for each attempt).
    CsvUpload(super::bulk::upload::CsvUpload),
}

/// How to read a successful response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Read the whole body as bytes (JSON, or nothing).
    Bytes,
    /// Parse the body as CSV while it arrives, with this delimiter.
    Csv(u8),
    /// Leave the body unread: the caller streams it from [`ApiResponse::stream`].
    Stream,
}

/// One API request.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Where it goes.
    pub target: Target,
    /// Query parameters (encoded by reqwest: `+` becomes `%2B`).
    pub query: Vec<(String, String)>,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Body,
    /// Whether it may be sent twice.
    pub idempotency: Idempotency,
    /// How to read the answer.
    pub expect: Expect,
}

impl ApiRequest {
    /// A GET under the versioned API root.
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            target: Target::Api(path.into()),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
            idempotency: Idempotency::Idempotent,
            expect: Expect::Bytes,
        }
    }

    /// A request with a JSON body under the versioned API root.
    pub fn json(
        method: Method,
        path: impl Into<String>,
        body: &impl serde::Serialize,
        idempotency: Idempotency,
    ) -> Result<Self, SalesforceError> {
        let body = serde_json::to_vec(body).map_err(|e| SalesforceError::Request {
            what: "a JSON body".into(),
            message: e.to_string(),
        })?;
        Ok(Self {
            method,
            target: Target::Api(path.into()),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Json(body),
            idempotency,
            expect: Expect::Bytes,
        })
    }

    /// Adds a query parameter.
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// A successful response.
#[derive(Debug)]
pub struct ApiResponse {
    /// HTTP status (2xx, or 304).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as raw bytes (for [`Expect::Bytes`]).
    pub bytes: Vec<u8>,
    /// The body as parsed CSV (for [`Expect::Csv`]).
    pub csv: Option<CsvTable>,
    /// The unread body (for [`Expect::Stream`]).
    pub stream: Option<reqwest::Response>,
}

impl ApiResponse {
    /// Parses the body as JSON.
    ///
    /// # Errors
    /// [`SalesforceError::Decode`] naming `context`.
    pub fn json<T: serde::de::DeserializeOwned>(
        &self,
        context: &str,
    ) -> Result<T, SalesforceError> {
        serde_json::from_slice(&self.bytes).map_err(|e| SalesforceError::Decode {
            context: context.to_owned(),
            message: json_problem(&e),
        })
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The Salesforce client: one HTTP connection pool, one session, one budget, one retry loop.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) auth: TokenManager,
    pub(crate) retrier: Arc<Retrier>,
    pub(crate) budget: ApiBudget,
    pub(crate) settings: ClientSettings,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    /// The Renewal record type's Id, looked up once per client (one run).
    pub(crate) renewal_record_type: tokio::sync::OnceCell<Option<SfId>>,
    /// How fast this client's last Bulk jobs went, to pace the next one's polls.
    pub(crate) paces: super::bulk::poll::Paces,
}

impl Client {
    /// Builds the client. Nothing is sent until the first request.
    ///
    /// # Errors
    /// [`SalesforceError::Request`] when the HTTP client cannot be built.
    pub fn new(
        settings: ClientSettings,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<Self, SalesforceError> {
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.connect_timeout)
            .gzip(true)
            // OAuth responses must not be followed anywhere (oauth2's own advice).
            .redirect(redirect::Policy::none())
            .user_agent(concat!("vitals/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SalesforceError::Request {
                what: "the HTTP client".into(),
                message: e.to_string(),
            })?;
        let retrier = Arc::new(Retrier::new(
            settings.retry,
            sleeper.clone(),
            rand::random(),
        ));
        let auth = TokenManager::new(
            http.clone(),
            settings.login_url.clone(),
            settings.credentials.clone(),
            retrier.clone(),
        );
        let budget = ApiBudget::new(settings.max_api_share, settings.earlier_calls);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                auth,
                retrier,
                budget,
                settings,
                sleeper,
                renewal_record_type: tokio::sync::OnceCell::new(),
                paces: super::bulk::poll::Paces::default(),
            }),
        })
    }

    /// The settings in use.
    pub fn settings(&self) -> &ClientSettings {
        &self.inner.settings
    }

    /// API usage so far.
    pub fn usage(&self) -> UsageReport {
        self.inner.budget.report()
    }

    /// Starts a new budget window for one sync run of a long-lived client: `earlier_calls`
    /// is what Vitals made in the rolling 24 hours before it (from the state store), and
    /// [`Client::usage`] counts this run's calls from zero.
    pub fn restart_budget(&self, earlier_calls: u64) {
        self.inner.budget.restart(earlier_calls);
    }

    /// What the retry loop did so far.
    pub fn retry_stats(&self) -> RetryStats {
        self.inner.retrier.stats()
    }

    /// How many tokens were granted so far (1 for a run without expiry).
    pub fn token_grants(&self) -> u64 {
        self.inner.auth.grants()
    }

    /// The session, logging in if needed.
    ///
    /// # Errors
    /// As [`TokenManager::session`].
    pub async fn session(&self) -> Result<Arc<Session>, SalesforceError> {
        self.inner.auth.session().await
    }

    /// The versioned API root path, `/services/data/v66.0/`.
    pub fn api_root(&self) -> String {
        format!("/services/data/v{}/", self.inner.settings.api_version)
    }

    /// Sends a request through the one retry path and returns a successful response.
    ///
    /// # Errors
    /// The last attempt's [`SalesforceError`].
    pub async fn execute(&self, request: &ApiRequest) -> Result<ApiResponse, SalesforceError> {
        let renewed = AtomicBool::new(false);
        self.inner
            .retrier
            .run(request.idempotency, |attempt| {
                self.execute_once(request, attempt, &renewed)
            })
            .await
    }

    /// One attempt of a request, with at most one session renewal per `renewed` flag and no
    /// retry. For callers that run their own attempts inside [`Retrier::run`] (Collections
    /// resending only locked rows), so that retries never nest.
    ///
    /// # Errors
    /// The attempt's [`SalesforceError`].
    pub(crate) async fn execute_once(
        &self,
        request: &ApiRequest,
        attempt: u32,
        renewed: &AtomicBool,
    ) -> Result<ApiResponse, SalesforceError> {
        let counted = !matches!(request.target, Target::Versions);
        let mut session = if counted {
            Some(self.inner.auth.session().await?)
        } else {
            None
        };
        loop {
            if counted {
                self.inner.budget.before_call()?;
            }
            let outcome = if counted {
                self.send_once(request, session.as_deref(), attempt, true)
                    .await
            } else {
                // Ask the org's own instance when logged in (salesforce-api.md 1: use
                // instance_url for every call), without sending the token.
                let cached = self.inner.auth.cached().await;
                self.send_once(request, cached.as_deref(), attempt, false)
                    .await
            };
            match outcome {
                Err(error) if error.retry_class() == RetryClass::AuthExpired && counted => {
                    // Renew once per request; a second expiry means the fresh token is
                    // refused too, and looping would only burn logins.
                    if renewed.swap(true, Ordering::SeqCst) {
                        return Err(SalesforceError::AuthRejected {
                            method: request.method.to_string(),
                            path: self.display_path(request),
                            code: error.error_code().unwrap_or("401").to_owned(),
                        });
                    }
                    let stale = session.as_ref().map_or(0, |s| s.generation);
                    session = Some(self.inner.auth.renew(stale).await?);
                }
                other => return other,
            }
        }
    }

    fn display_path(&self, request: &ApiRequest) -> String {
        match &request.target {
            Target::Api(path) => format!("{}{}", self.api_root(), path),
            Target::Absolute(path) => path.split('?').next().unwrap_or_default().to_owned(),
            Target::Versions => "/services/data/".to_owned(),
        }
    }

    fn url(&self, request: &ApiRequest, session: Option<&Session>) -> Result<Url, SalesforceError> {
        let base = match session {
            Some(session) => session.instance_url.clone(),
            // The versions list is public and needs no token; `execute_once` passes the
            // cached session's instance for it when there is one, else the login host.
            None => self.inner.settings.login_url.clone(),
        };
        let path = match &request.target {
            Target::Api(path) => format!("{}{}", self.api_root(), path),
            Target::Absolute(path) if path.starts_with('/') => path.clone(),
            Target::Absolute(path) => format!("/{path}"),
            Target::Versions => "/services/data/".to_owned(),
        };
        let mut url = base.join(&path).map_err(|e| SalesforceError::Request {
            what: format!("the URL for {path}"),
            message: e.to_string(),
        })?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.iter());
        }
        if url.as_str().len() > MAX_URI_BYTES {
            return Err(SalesforceError::Request {
                what: format!("{} {}", request.method, url.path()),
                message: format!(
                    "the URI is {} bytes, above Salesforce's {MAX_URI_BYTES}-byte limit; split the request",
                    url.as_str().len()
                ),
            });
        }
        Ok(url)
    }

    async fn send_once(
        &self,
        request: &ApiRequest,
        session: Option<&Session>,
        attempt: u32,
        authorise: bool,
    ) -> Result<ApiResponse, SalesforceError> {
        let url = self.url(request, session)?;
        let path = url.path().to_owned();
        let method = request.method.to_string();
        let span = tracing::info_span!(
            "sf_request",
            method = %request.method,
            path = %path,
            status = tracing::field::Empty,
            attempt
        );
        async {
            let mut builder = self
                .inner
                .http
                .request(request.method.clone(), url)
                .header(
                    ACCEPT,
                    match request.expect {
                        Expect::Csv(_) | Expect::Stream => "text/csv",
                        Expect::Bytes => "application/json",
                    },
                )
                // Integration users should not churn their recently-viewed lists.
                .header("Sforce-Mru", "updateMru=false");
            if let Some(session) = session.filter(|_| authorise) {
                builder = builder.header(
                    AUTHORIZATION,
                    format!("Bearer {}", session.access_token.expose()),
                );
            }
            for (name, value) in &request.headers {
                builder = builder.header(*name, value);
            }
            builder = match &request.body {
                Body::Empty => builder,
                Body::Json(bytes) => builder
                    .header(CONTENT_TYPE, "application/json")
                    .body(bytes.clone()),
                Body::CsvUpload(upload) => {
                    builder.header(CONTENT_TYPE, "text/csv").body(upload.body())
                }
            };
            let transport =
                |source: reqwest::Error| SalesforceError::transport(&method, &path, source);
            let response = builder.send().await.map_err(transport)?;
            let status = response.status().as_u16();
            tracing::Span::current().record("status", status);
            let headers = response.headers().clone();
            if authorise {
                self.inner.budget.after_call(
                    headers
                        .get("Sforce-Limit-Info")
                        .and_then(|v| v.to_str().ok()),
                );
            }
            if !(200..300).contains(&status) && status != 304 {
                let retry_after = retry_after(&headers);
                let body = read_capped(response).await.map_err(transport)?;
                let error = self.status_error(&method, &path, status, &body, retry_after);
                // The error's Display carries codes and fields, never Salesforce's messages.
                tracing::debug!(status, answer = %error, "Salesforce answered.");
                return Err(error);
            }
            tracing::debug!(status, "Salesforce answered.");
            match request.expect {
                Expect::Bytes => {
                    let bytes = response.bytes().await.map_err(transport)?.to_vec();
                    Ok(ApiResponse {
                        status,
                        headers,
                        bytes,
                        csv: None,
                        stream: None,
                    })
                }
                Expect::Stream => Ok(ApiResponse {
                    status,
                    headers,
                    bytes: Vec::new(),
                    csv: None,
                    stream: Some(response),
                }),
                Expect::Csv(delimiter) => {
                    let mut parser = CsvStream::new(delimiter);
                    let mut stream = response.bytes_stream();
                    while let Some(chunk) = stream.next().await {
                        let chunk = chunk.map_err(transport)?;
                        parser.feed(&chunk).map_err(|e| SalesforceError::Decode {
                            context: format!("CSV from {method} {path}"),
                            message: e.to_string(),
                        })?;
                    }
                    let table = parser.finish().map_err(|e| SalesforceError::Decode {
                        context: format!("CSV from {method} {path}"),
                        message: e.to_string(),
                    })?;
                    Ok(ApiResponse {
                        status,
                        headers,
                        bytes: Vec::new(),
                        csv: Some(table),
                        stream: None,
                    })
                }
            }
        }
        .instrument(span)
        .await
    }

    fn status_error(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> SalesforceError {
        let (errors, excerpt) = parse_error_body(body);
        if classify(&Observed::Status {
            status,
            errors: &errors,
        }) == RetryClass::DailyLimit
        {
            let message = errors
                .iter()
                .find(|e| e.code == "REQUEST_LIMIT_EXCEEDED")
                .map(|e| e.message.clone())
                .unwrap_or_default();
            return SalesforceError::DailyLimitExceeded {
                method: method.to_owned(),
                path: path.to_owned(),
                message,
            };
        }
        SalesforceError::Api {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            errors,
            excerpt,
            retry_after,
        }
    }
}
