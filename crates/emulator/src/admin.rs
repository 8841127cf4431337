//! The admin API under `/_emulator/`, outside `/services`, for tests and the demo. It is not
//! part of Salesforce's API: it never counts against the allocation, needs no token, and is
//! reachable only on loopback like everything else.
//!
//! | method + path | does |
//! |---|---|
//! | `GET /_emulator/requests` | `{"counts":{"GET /services/data/v66.0/query":n},"log":[{method,path,query,body,status}],"dropped":n}`: the newest 10,000 requests (`requestLogEntries` changes it) holding at most 64 MiB of bodies; `dropped` counts older ones let go and `counts` covers the kept ones. REST bodies only, never tokens, headers or the token endpoint's body; Bulk job data and bodies over 1 MiB as `{"bytes":n}` |
//! | `DELETE /_emulator/requests` | clears the log |
//! | `POST /_emulator/reset` | rebuilds the org; forgets tokens, usage, log, cursors, faults, FLS |
//! | `GET/POST/DELETE /_emulator/faults` | read / set (`{"spec":"..."}`) / clear faults; GET shows `injected` counts; a SPEC that does not parse (or `next=N` above 1,000,000) is a 400 |
//! | `GET /_emulator/clock`, `POST /_emulator/clock` `{"now":"..."}`, `POST /_emulator/clock/advance` `{"seconds":n}` | the emulator clock (`seconds` out of chrono's range: 400) |
//! | `POST /_emulator/fls` `{"hidden":["Account.ARR__c"],"readOnly":["Account.Name"]}` | field-level security of the integration user |
//! | `POST /_emulator/refresh-token` `{"username":"..."}` | `{"refresh_token":"..."}` |
//! | `POST /_emulator/records` `{"Account":[{...}]}` | loads records through the seeding write path: `{"created":[{"object","id"}],"errors":[...]}` |
//! | `POST /_emulator/settings` `{"apiLimit","tokenLifetimeSeconds","longRequestThresholdMs","longRequestCap","apiUsage","requestLogEntries"}` | run-time limits (`apiUsage` at most 10,000,000; `requestLogEntries` 1..=1,000,000, default 10,000) |
//! | `GET /_emulator/counts` | live records per object |
//! | `GET /_emulator/load-report` | `{"rejected":[...]}` generated records the org refused at load |
//! | `GET /_emulator/in-flight` | `{"count":n}` API calls being served now |

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value as Json, json};

use super::auth;
use super::faults::{FaultSpec, Faults};
use super::fls::Fls;
use super::state::{EmulatorState, load_fixtures};
use super::value::parse_datetime;
use super::write::WriteContext;

/// The admin routes.
pub fn router() -> Router<EmulatorState> {
    Router::new()
        .route("/requests", get(requests).delete(clear_requests))
        .route("/reset", post(reset))
        .route(
            "/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/clock", get(get_clock).post(set_clock))
        .route("/clock/advance", post(advance_clock))
        .route("/fls", post(set_fls))
        .route("/refresh-token", post(refresh_token))
        .route("/records", post(load_records))
        .route("/settings", post(settings))
        .route("/counts", get(counts))
        .route("/in-flight", get(in_flight))
        .route("/load-report", get(load_report))
}

/// The most entries the request log may be set to keep.
pub const MAX_REQUEST_LOG_ENTRIES: u64 = 1_000_000;

/// The most calls `apiUsage` may pretend were made: far above any daily allocation a test
/// needs. Like every admin value it is range-checked, so a typo is refused, not obeyed.
pub const MAX_API_USAGE: u64 = 10_000_000;

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": message.into()})),
    )
        .into_response()
}

fn body_json(body: &[u8]) -> Result<Json, String> {
    serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))
}

async fn requests(State(state): State<EmulatorState>) -> Response {
    let log = state.log.lock().unwrap_or_else(|e| e.into_inner());
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for entry in log.entries() {
        *counts
            .entry(format!("{} {}", entry.method, entry.path))
            .or_insert(0) += 1;
    }
    let entries: Vec<&super::state::LoggedRequest> = log.entries().collect();
    axum::Json(json!({"counts": counts, "log": entries, "dropped": log.dropped()})).into_response()
}

async fn clear_requests(State(state): State<EmulatorState>) -> Response {
    state.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn reset(State(state): State<EmulatorState>) -> Response {
    match state.reset() {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => bad(error.to_string()),
    }
}

async fn get_faults(State(state): State<EmulatorState>) -> Response {
    let faults = state.faults.lock().unwrap_or_else(|e| e.into_inner());
    axum::Json(json!({"spec": faults.spec().text, "injected": faults.injected()})).into_response()
}

async fn set_faults(State(state): State<EmulatorState>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad(message),
    };
    let Some(text) = json.get("spec").and_then(Json::as_str) else {
        return bad("expected {\"spec\": \"...\"}");
    };
    match FaultSpec::parse(text) {
        Ok(spec) => {
            *state.faults.lock().unwrap_or_else(|e| e.into_inner()) = Faults::new(spec);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(message) => bad(message),
    }
}

async fn clear_faults(State(state): State<EmulatorState>) -> Response {
    *state.faults.lock().unwrap_or_else(|e| e.into_inner()) = Faults::default();
    StatusCode::NO_CONTENT.into_response()
}

async fn get_clock(State(state): State<EmulatorState>) -> Response {
    axum::Json(json!({"now": super::clock::format_datetime(state.clock.now_ms())})).into_response()
}

async fn set_clock(State(state): State<EmulatorState>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad(message),
    };
    let Some(at) = json
        .get("now")
        .and_then(Json::as_str)
        .and_then(parse_datetime)
    else {
        return bad("expected {\"now\": \"yyyy-MM-ddTHH:mm:ss.SSSZ\"}");
    };
    state.clock.set(super::clock::from_ms(at));
    StatusCode::NO_CONTENT.into_response()
}

async fn advance_clock(State(state): State<EmulatorState>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad(message),
    };
    let Some(seconds) = json.get("seconds").and_then(Json::as_i64) else {
        return bad("expected {\"seconds\": n}");
    };
    // `Duration::seconds` panics beyond about 292 million years; refuse instead.
    let Some(by) = chrono::Duration::try_seconds(seconds) else {
        return bad(format!(
            "seconds: {seconds} is out of range (at most {} either way)",
            chrono::Duration::MAX.num_seconds()
        ));
    };
    state.clock.advance(by);
    StatusCode::NO_CONTENT.into_response()
}

async fn set_fls(State(state): State<EmulatorState>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad(message),
    };
    let list = |key: &str| -> Vec<String> {
        json.get(key)
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    *state.fls.write().unwrap_or_else(|e| e.into_inner()) =
        Fls::new(&list("hidden"), &list("readOnly"));
    state
        .schema_changed_ms
        .store(state.clock.now_ms(), Ordering::Relaxed);
    StatusCode::NO_CONTENT.into_response()
}

async fn refresh_token(State(state): State<EmulatorState>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad(message),
    };
    let username = json
        .get("username")
        .and_then(Json::as_str)
        .unwrap_or(super::state::DEFAULT_USERNAME);
    match auth::issue_refresh_token(&state, username) {
        Some(token) => axum::Json(json!({"refresh_token": token})).into_response(),
        None => bad(format!("no user {username}")),
    }
}

async fn load_records(State(state): State<EmulatorState>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad(message),
    };
    let fls = Fls::default();
    let ctx = WriteContext {
        now_ms: state.clock.now_ms(),
        user: state.integration_user(),
        fls: &fls,
        seed: true,
        rules: &[],
        locked: &[],
    };
    let mut errors = Vec::new();
    let result = {
        let mut store = state.store.write().unwrap_or_else(|e| e.into_inner());
        let loaded = load_fixtures(&mut store, &ctx, &json, &mut errors);
        super::derive::refresh_all_last_activity(&mut store, ctx.now_ms);
        loaded
    };
    match result {
        Ok(created) => {
            let created: Vec<Json> = created
                .iter()
                .map(|(o, id)| json!({"object": o, "id": id.as_str()}))
                .collect();
            axum::Json(json!({"created": created, "errors": errors})).into_response()
        }
        Err(message) => bad(message),
    }
}

async fn settings(State(state): State<EmulatorState>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad(message),
    };
    {
        let mut settings = state.settings.write().unwrap_or_else(|e| e.into_inner());
        if let Some(limit) = json.get("apiLimit").and_then(Json::as_u64) {
            settings.api_limit = limit;
        }
        if let Some(secs) = json.get("tokenLifetimeSeconds").and_then(Json::as_u64) {
            settings.token_lifetime = Duration::from_secs(secs);
        }
        if let Some(ms) = json.get("longRequestThresholdMs").and_then(Json::as_u64) {
            settings.long_request_threshold = Duration::from_millis(ms);
        }
        if let Some(cap) = json.get("longRequestCap").and_then(Json::as_u64) {
            settings.long_request_cap = usize::try_from(cap).unwrap_or(usize::MAX);
        }
    }
    if let Some(entries) = json.get("requestLogEntries").and_then(Json::as_u64) {
        if entries == 0 || entries > MAX_REQUEST_LOG_ENTRIES {
            return bad(format!(
                "requestLogEntries: {entries} is outside 1..={MAX_REQUEST_LOG_ENTRIES}"
            ));
        }
        state
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .set_capacity(usize::try_from(entries).unwrap_or(1));
    }
    if let Some(used) = json.get("apiUsage").and_then(Json::as_u64) {
        // Pretend `used` calls were made just now (tests of a nearly spent allocation).
        if used > MAX_API_USAGE {
            return bad(format!(
                "apiUsage: {used} is above the emulator's limit of {MAX_API_USAGE}"
            ));
        }
        let now = state.clock.now_ms();
        let mut usage = state.usage.lock().unwrap_or_else(|e| e.into_inner());
        usage.api_calls.clear();
        usage.api_calls.add(now, used);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn counts(State(state): State<EmulatorState>) -> Response {
    let counts: BTreeMap<String, usize> = state
        .store
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .counts()
        .into_iter()
        .collect();
    axum::Json(json!(counts)).into_response()
}

async fn in_flight(State(state): State<EmulatorState>) -> Response {
    let count = state
        .in_flight
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .len();
    axum::Json(json!({"count": count})).into_response()
}

async fn load_report(State(state): State<EmulatorState>) -> Response {
    let rejected = state
        .load_rejections
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    axum::Json(json!({"rejected": rejected})).into_response()
}
