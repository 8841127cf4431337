//! The HTTP surface: the router (token endpoint, versions, the REST, Composite and Bulk
//! API 2.0 resources, the admin API), the per-call API layer (version check, request log, faults,
//! session, daily allocation, long-request cap, `Sforce-Limit-Info`), and serving on
//! loopback.
//!
//! It must only ever bind 127.0.0.1. The API layer owns the order an org applies things in:
//! edge faults first, then the session (401), then the allocation (403), then the resource.
//! `Sforce-Limit-Info` is on every `/services/data/vXX.X/...` response; the versions list
//! and the token endpoint do not carry it (salesforce-api.md 2.1, 2.4).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::admin;
use crate::auth;
use crate::bulk::{self, MAX_UPLOAD_BYTES};
use crate::call::{CallContext, parse_version, slash_tolerant, with_org_fallbacks};
use crate::errors::ApiError;
use crate::faults::FaultKind;
use crate::rest::version::{MAX_VERSION, MIN_VERSION, versions};
use crate::rest::{self, composite};
use crate::state::{EmulatorConfig, EmulatorState, LoggedRequest};

/// Longest URI an org accepts (salesforce-api.md 2.2: 414 above 16,384 bytes).
const MAX_URI_BYTES: usize = 16_384;
/// Largest request body accepted (Salesforce's REST limit is far above axum's 2 MB default).
const MAX_BODY_BYTES: usize = 50 * 1024 * 1024;

/// Bodies above this size are logged as `{"bytes": n}` only.
pub const MAX_LOGGED_BODY_BYTES: usize = 1024 * 1024;

/// Whether a request is a Bulk API job-data upload (`PUT .../jobs/ingest/{id}/batches`).
fn is_bulk_upload(method: &Method, path: &str) -> bool {
    *method == Method::PUT && path.trim_end_matches('/').ends_with("/batches")
}

/// The emulator's router: token endpoint, versions list, REST API and admin API.
pub fn app(state: EmulatorState) -> Router {
    // Salesforce takes bodies far above axum's 2 MB default (Collections of 200 records
    // with long text); 50 MB keeps a runaway client from exhausting memory.
    let routes = rest::router()
        .merge(composite::router())
        .merge(bulk::router());
    let api = with_org_fallbacks(routes)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), api_layer));
    let routes = Router::new()
        .route("/services/oauth2/token", post(auth::token))
        .route("/services/data", get(versions))
        .nest("/services/data/{version}", api)
        .nest("/_emulator", admin::router())
        .with_state(state.clone());
    // The log layer sits outside the slash handling, so it records the path as sent.
    slash_tolerant(routes).layer(middleware::from_fn_with_state(state, outer_layer))
}

/// Logs every request under `/services` (method, path, query, status; never headers).
async fn outer_layer(State(state): State<EmulatorState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let too_long = request.uri().to_string().len() > MAX_URI_BYTES;
    let logged = path.starts_with("/services");
    // REST bodies are logged so tests can assert exactly what was written; the token
    // endpoint's body (secrets, assertions) never is.
    let (request, body, body_bytes) = if logged && path.starts_with("/services/data/") {
        match read_body(request, &path).await {
            Ok(read) => read,
            Err(too_large) => return too_large,
        }
    } else {
        (request, None, 0)
    };
    let response = if too_long && logged {
        ApiError::html(
            StatusCode::URI_TOO_LONG,
            "<html><body><h1>414 Request-URI Too Large</h1></body></html>",
        )
        .into_response()
    } else {
        next.run(request).await
    };
    if logged {
        state.log.lock().unwrap_or_else(|e| e.into_inner()).push(
            LoggedRequest {
                method,
                path,
                query,
                body,
                status: response.status().as_u16(),
            },
            body_bytes,
        );
    }
    response
}

/// Reads a REST request's body up to its cap: the request rebuilt around it, the body as
/// the log keeps it, and the size the log counts. A body over the cap is a 413.
async fn read_body(
    request: Request,
    path: &str,
) -> Result<(Request, Option<serde_json::Value>, usize), Response> {
    let upload = is_bulk_upload(request.method(), path);
    let body_cap = if upload {
        MAX_UPLOAD_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, body_cap).await else {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            "<html><body><h1>413 Request Entity Too Large</h1></body></html>",
        )
            .into_response());
    };
    let logged_body = if bytes.is_empty() {
        None
    } else if upload || bytes.len() > MAX_LOGGED_BODY_BYTES {
        // Bulk job data (up to 150 MB of CSV) and other huge bodies are logged by size
        // only: the log must stay small whatever the traffic.
        Some(json!({"bytes": bytes.len()}))
    } else {
        Some(serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }))
    };
    let size = if upload { 0 } else { bytes.len() };
    Ok((
        Request::from_parts(parts, Body::from(bytes)),
        logged_body,
        size,
    ))
}

/// The per-call API layer: the version in the path, then the call itself, and on every
/// answer the `Sforce-Limit-Info` header.
async fn api_layer(State(state): State<EmulatorState>, request: Request, next: Next) -> Response {
    // Nested routers see the path without its prefix; the version lives in the original.
    let original = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(
            || request.uri().path().to_owned(),
            |u| u.0.path().to_owned(),
        );
    let segment = original
        .strip_prefix("/services/data/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let mut response = match parse_version(&segment) {
        None => ApiError::not_found().into_response(),
        Some(v) if v < MIN_VERSION => ApiError::new(
            StatusCode::GONE,
            "API_VERSION_RETIRED",
            format!("The API version {segment} has been retired."),
        )
        .into_response(),
        Some(v) if v > MAX_VERSION => ApiError::not_found().into_response(),
        Some(_) => serve_call(&state, request, next, segment).await,
    };
    if let Ok(value) = HeaderValue::from_str(&limit_info(&state)) {
        response.headers_mut().insert("Sforce-Limit-Info", value);
    }
    response
}

/// Serves a call to a supported version: injected faults first, then the session, the
/// concurrency cap and any injected latency, then the route.
async fn serve_call(
    state: &EmulatorState,
    mut request: Request,
    next: Next,
    version: String,
) -> Response {
    let cutter = request
        .extensions()
        .get::<axum::extract::ConnectInfo<ConnectionCutter>>()
        .map(|info| info.0.clone());
    let writes = matches!(
        *request.method(),
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    );
    let (decision, latency, expire_after) = {
        let mut faults = state.faults.lock().unwrap_or_else(|e| e.into_inner());
        (
            faults.on_call(writes),
            faults.spec().latency,
            faults.spec().expire_after,
        )
    };
    if let Some(kind) = decision.reject {
        return fault_response(kind);
    }
    let user = match auth::check_session(state, request.headers(), expire_after) {
        Ok(user) => user,
        Err(reason) => {
            if reason == auth::InvalidSession::Fault {
                count_fault(state, "expire-after");
            }
            return ApiError::invalid_session().into_response();
        }
    };
    // `_in_flight` leaves the in-flight table when this call ends, and also when the client
    // goes away first and the server drops this future mid-call (a timeout during
    // `latency=`).
    let _in_flight = match admit(state) {
        Ok(in_flight) => in_flight,
        Err(error) => return error.into_response(),
    };
    if let Some(latency) = latency {
        delay(state, latency).await;
    }
    request.extensions_mut().insert(CallContext {
        user,
        lock_all: decision.lock_all,
        version,
    });
    let response = org_shaped(next.run(request).await);
    if decision.drop {
        drop_connection(cutter.as_ref(), response)
    } else {
        response
    }
}

fn count_fault(state: &EmulatorState, name: &'static str) {
    state
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .count_named(name);
}

/// The injected latency. It runs while the call is in flight, so it can make the call a
/// long-running one for the concurrency cap. It is measured on the emulator clock, as that
/// cap is: a stopped clock holds the call until a test advances it.
async fn delay(state: &EmulatorState, latency: Duration) {
    count_fault(state, "latency");
    let delay = i64::try_from(latency.as_millis()).unwrap_or(i64::MAX);
    let deadline = state.clock.now_ms().saturating_add(delay);
    state.clock.wait_until(deadline).await;
}

/// `Sforce-Limit-Info`: `api-usage=N/M` for the org's rolling 24 hours, then, when the
/// connected app has its own allocation, `; per-app-api-usage=N/M(appName=NAME)`
/// (salesforce-api.md 2.4; "API Usage Information Header",
/// https://developer.salesforce.com/docs/atlas.en-us.200.0.api_rest.meta/api_rest/headers_api_usage.htm).
fn limit_info(state: &EmulatorState) -> String {
    let now = state.clock.now_ms();
    let (used, app_used) = {
        let mut usage = state.usage.lock().unwrap_or_else(|e| e.into_inner());
        (usage.api_calls.total(now), usage.app_calls.total(now))
    };
    let settings = state.settings.read().unwrap_or_else(|e| e.into_inner());
    let mut info = format!("api-usage={used}/{}", settings.api_limit);
    if let Some(app) = &settings.per_app {
        info.push_str(&format!(
            "; per-app-api-usage={app_used}/{}(appName={})",
            app.limit, app.app_name
        ));
    }
    info
}

/// Replaces a framework rejection (a plain-text 4xx, e.g. a path segment that is not valid
/// percent-encoded UTF-8) with the org's answer for a resource it cannot find.
fn org_shaped(response: Response) -> Response {
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if plain && response.status().is_client_error() {
        ApiError::not_found().into_response()
    } else {
        response
    }
}

/// A call's entry in the in-flight table, removed when the guard drops: when the call
/// returns, and when its future is dropped because the client disconnected. Without it an
/// abandoned call would count as long-running forever and, at the cap, refuse every later
/// call with `ConcurrentPerOrgLongTxn`.
#[derive(Debug)]
pub struct InFlight {
    state: EmulatorState,
    ticket: u64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.ticket);
    }
}

/// Counts the call against the daily allocation and the long-request cap.
fn admit(state: &EmulatorState) -> Result<InFlight, ApiError> {
    let now = state.clock.now_ms();
    let settings = state
        .settings
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    {
        let mut usage = state.usage.lock().unwrap_or_else(|e| e.into_inner());
        if usage.api_calls.total(now) >= settings.api_limit {
            return Err(limit_exceeded("TotalRequests Limit exceeded."));
        }
        usage.api_calls.add(now, 1);
        usage.app_calls.add(now, 1);
    }
    let threshold = i64::try_from(settings.long_request_threshold.as_millis()).unwrap_or(i64::MAX);
    let mut in_flight = state.in_flight.lock().unwrap_or_else(|e| e.into_inner());
    let long = in_flight
        .values()
        .filter(|start| now.saturating_sub(**start) >= threshold)
        .count();
    if long >= settings.long_request_cap {
        return Err(limit_exceeded("ConcurrentPerOrgLongTxn Limit exceeded."));
    }
    let ticket = state.next_request.fetch_add(1, Ordering::Relaxed);
    in_flight.insert(ticket, now);
    Ok(InFlight {
        state: state.clone(),
        ticket,
    })
}

fn limit_exceeded(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", message)
}

/// The response of a call-level fault.
fn fault_response(kind: FaultKind) -> Response {
    match kind {
        FaultKind::Unavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server Unavailable",
        )
        .into_response(),
        FaultKind::UnavailableHtml => ApiError::html(
            StatusCode::SERVICE_UNAVAILABLE,
            "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>",
        )
        .into_response(),
        FaultKind::ServerError => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)",
        )
        .into_response(),
        FaultKind::EdgeNoRoute => ApiError::html(
            StatusCode::from_u16(420).unwrap_or(StatusCode::BAD_REQUEST),
            "<html><body><h1>420</h1><p>Salesforce Edge has no route for this host.</p></body></html>",
        )
        .into_response(),
        FaultKind::SessionExpired => ApiError::invalid_session().into_response(),
        FaultKind::Concurrent => limit_exceeded("ConcurrentPerOrgLongTxn Limit exceeded.").into_response(),
        FaultKind::DailyLimit => limit_exceeded("TotalRequests Limit exceeded.").into_response(),
        FaultKind::Lock | FaultKind::Drop => StatusCode::OK.into_response(),
    }
}

/// The `drop` fault: the call has already committed; now the client must see its
/// connection reset with no response at all, whatever the status (a 204 has no body to
/// break). Served by [`start_with_state`], the connection itself is cut
/// ([`ConnectionCutter`]): nothing of `response` is ever written. Without a connection to
/// cut (the router driven in-process by `oneshot`), the headers go out and the body stream
/// fails instead.
fn drop_connection(cutter: Option<&ConnectionCutter>, response: Response) -> Response {
    if let Some(cutter) = cutter {
        cutter.cut();
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
        Ok(axum::body::Bytes::from_static(b"[{\"id\":\"")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped by fault injection",
        )),
    ];
    Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)))
}

/// A handle on one accepted connection that the API layer can use to reset it (the `drop`
/// fault). Every request of the connection carries it as `ConnectInfo`.
#[derive(Debug, Clone, Default)]
pub struct ConnectionCutter(Arc<AtomicBool>);

impl ConnectionCutter {
    /// Marks the connection cut: its next read or write fails and it closes with a reset, so
    /// a response being prepared is never sent.
    pub fn cut(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn is_cut(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, CuttableListener>>
    for ConnectionCutter
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, CuttableListener>) -> Self {
        stream.io().cutter.clone()
    }
}

/// The loopback listener, handing out connections the API layer can cut.
#[derive(Debug)]
pub struct CuttableListener(TcpListener);

impl axum::serve::Listener for CuttableListener {
    type Io = CuttableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, address) = axum::serve::Listener::accept(&mut self.0).await;
        (
            CuttableStream {
                inner: stream,
                cutter: ConnectionCutter::default(),
            },
            address,
        )
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A TCP connection that fails every read and write once cut, after setting a zero linger
/// so that closing it sends a reset rather than a clean end of stream.
#[derive(Debug)]
pub struct CuttableStream {
    inner: tokio::net::TcpStream,
    cutter: ConnectionCutter,
}

impl CuttableStream {
    fn check(&self) -> std::io::Result<()> {
        if self.cutter.is_cut() {
            // Best effort: without it the client still sees the connection end with no
            // response, only as an end of stream instead of a reset.
            let _ = self.inner.set_zero_linger();
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection dropped by fault injection",
            ));
        }
        Ok(())
    }
}

impl tokio::io::AsyncRead for CuttableStream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if let Err(error) = this.check() {
            return std::task::Poll::Ready(Err(error));
        }
        std::pin::Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for CuttableStream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if let Err(error) = this.check() {
            return std::task::Poll::Ready(Err(error));
        }
        std::pin::Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if let Err(error) = this.check() {
            return std::task::Poll::Ready(Err(error));
        }
        std::pin::Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if let Err(error) = this.check() {
            return std::task::Poll::Ready(Err(error));
        }
        std::pin::Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if let Err(error) = this.check() {
            return std::task::Poll::Ready(Err(error));
        }
        std::pin::Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// A running emulator: its base URL and a handle to stop it.
#[derive(Debug)]
pub struct RunningEmulator {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The shared state (tests inspect it directly).
    pub state: EmulatorState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningEmulator {
    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The org could not be built.
    #[error(transparent)]
    Build(#[from] super::state::BuildError),
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Builds an org and serves it on 127.0.0.1:`port` (0 picks a free port) in a background
/// task. For tests and the demo.
///
/// # Errors
/// [`StartError`] when the org cannot be built or the port bound.
pub async fn start(config: EmulatorConfig, port: u16) -> Result<RunningEmulator, StartError> {
    let state = EmulatorState::build(config)?;
    start_with_state(state, port).await
}

/// Serves an already built org on 127.0.0.1:`port`.
///
/// # Errors
/// [`StartError::Bind`] when the port cannot be bound.
pub async fn start_with_state(
    state: EmulatorState,
    port: u16,
) -> Result<RunningEmulator, StartError> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .map_err(|source| StartError::Bind { port, source })?;
    let address = listener
        .local_addr()
        .map_err(|source| StartError::Bind { port, source })?;
    let base_url = format!("http://{address}");
    *state.base_url.write().unwrap_or_else(|e| e.into_inner()) = base_url.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let router = app(state.clone());
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = rx.await;
        };
        let service = router.into_make_service_with_connect_info::<ConnectionCutter>();
        if let Err(error) = axum::serve(CuttableListener(listener), service)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%error, "emulator server stopped");
        }
    });
    Ok(RunningEmulator {
        base_url,
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}
