//! The admin API under `/_emulator/`, outside `/services`, for tests and the demo: the
//! operations of [`crate::control`] over HTTP. It is not part of Salesforce's API: it never
//! counts against the allocation, needs no token, and is reachable only on loopback like
//! everything else. It maps bodies to operations and results to JSON; it decides nothing.
//!
//! | method + path | does |
//! |---|---|
//! | `GET /_emulator/requests` | `{"counts":{"GET /services/data/v66.0/query":n},"log":[{method,path,query,body,status}],"dropped":n}`: the newest 10,000 requests (`requestLogEntries` changes it) holding at most 64 MiB of bodies; `dropped` counts older ones let go and `counts` covers the kept ones. REST bodies only, never tokens, headers or the token endpoint's body; Bulk job data and bodies over 1 MiB as `{"bytes":n}` |
//! | `DELETE /_emulator/requests` | clears the log |
//! | `POST /_emulator/reset` | rebuilds the org; forgets tokens, usage, log, cursors, faults, FLS |
//! | `GET/POST/DELETE /_emulator/faults` | read / set (`{"spec":"..."}`) / clear faults; GET shows `injected` counts; a SPEC that does not parse (or `next=N` above 1,000,000) is a 400 |
//! | `GET /_emulator/clock`, `POST /_emulator/clock` `{"now":"...","running":false}` (`running`: the clock goes on from there with the system clock), `POST /_emulator/clock/advance` `{"seconds":n}` | the emulator clock (`seconds` out of chrono's range: 400) |
//! | `POST /_emulator/fls` `{"hidden":["Account.ARR__c"],"readOnly":["Account.Name"]}` | field-level security of the integration user |
//! | `POST /_emulator/refresh-token` `{"username":"..."}` | `{"refresh_token":"..."}` |
//! | `POST /_emulator/records` `{"Account":[{...}]}` | loads records through the seeding write path: `{"created":[{"object","id"}],"errors":[...]}` |
//! | `POST /_emulator/settings` `{"apiLimit","tokenLifetimeSeconds","longRequestThresholdMs","longRequestCap","apiUsage","requestLogEntries","bulkResultPageBytes","bulkPollSteps","perAppApiUsage"}` | run-time limits (`bulkPollSteps` false: a Bulk job moves with the clock only, not with each job-info read; `apiUsage` at most 10,000,000; `requestLogEntries` 1..=1,000,000, default 10,000; `bulkResultPageBytes` the size bound of a Bulk query results page; `perAppApiUsage` `{"appName","limit"}` or `null`) |
//! | `GET /_emulator/counts` | live records per object |
//! | `POST /_emulator/recycle-bin/purge` | `{"purged":n}`: empties the recycle bin for good; getDeleted's `earliestDateAvailable` moves to now for the objects that lost records |
//! | `GET /_emulator/load-report` | `{"rejected":[...]}` generated records the org refused at load |
//! | `GET /_emulator/in-flight` | `{"count":n}` API calls being served now |

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value as Json, json};

use crate::auth;
use crate::clock::{format_datetime, from_ms};
use crate::faults::FaultSpec;
use crate::state::{DEFAULT_USERNAME, EmulatorState};
use crate::value::parse_datetime;

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
        .route("/recycle-bin/purge", post(purge_recycle_bin))
        .route("/in-flight", get(in_flight))
        .route("/load-report", get(load_report))
}

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

/// 204 for an operation that went through, 400 with its message otherwise.
fn done(result: Result<(), String>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(message) => bad(message),
    }
}

async fn requests(State(state): State<EmulatorState>) -> Response {
    axum::Json(state.requests()).into_response()
}

async fn clear_requests(State(state): State<EmulatorState>) -> Response {
    state.clear_requests();
    StatusCode::NO_CONTENT.into_response()
}

async fn reset(State(state): State<EmulatorState>) -> Response {
    done(state.reset().map_err(|error| error.to_string()))
}

async fn get_faults(State(state): State<EmulatorState>) -> Response {
    axum::Json(state.faults()).into_response()
}

async fn set_faults(State(state): State<EmulatorState>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad(message),
    };
    let Some(text) = json.get("spec").and_then(Json::as_str) else {
        return bad("expected {\"spec\": \"...\"}");
    };
    done(FaultSpec::parse(text).map(|spec| state.set_faults(spec)))
}

async fn clear_faults(State(state): State<EmulatorState>) -> Response {
    state.set_faults(FaultSpec::default());
    StatusCode::NO_CONTENT.into_response()
}

async fn get_clock(State(state): State<EmulatorState>) -> Response {
    axum::Json(json!({"now": format_datetime(state.clock.now_ms())})).into_response()
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
        return bad("expected {\"now\": \"yyyy-MM-ddTHH:mm:ss.SSSZ\", \"running\": false}");
    };
    match json.get("running") {
        None | Some(Json::Bool(false)) => state.clock.set(from_ms(at)),
        Some(Json::Bool(true)) => state.clock.run_from(from_ms(at)),
        Some(_) => return bad("running: true or false"),
    }
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
    done(state.advance_clock(seconds))
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
    state.set_fls(&list("hidden"), &list("readOnly"));
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
        .unwrap_or(DEFAULT_USERNAME);
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
    match state.load_records(&json) {
        Ok(loaded) => {
            let created: Vec<Json> = loaded
                .created
                .iter()
                .map(|(o, id)| json!({"object": o, "id": id.as_str()}))
                .collect();
            axum::Json(json!({"created": created, "errors": loaded.errors})).into_response()
        }
        Err(message) => bad(message),
    }
}

async fn settings(State(state): State<EmulatorState>, body: Bytes) -> Response {
    done(body_json(&body).and_then(|json| state.apply_settings(&json)))
}

async fn counts(State(state): State<EmulatorState>) -> Response {
    axum::Json(json!(state.counts())).into_response()
}

async fn purge_recycle_bin(State(state): State<EmulatorState>) -> Response {
    match state.purge_recycle_bin().await {
        Ok(purged) => axum::Json(json!({"purged": purged})).into_response(),
        Err(error) => (StatusCode::CONFLICT, axum::Json(json!({"error": error}))).into_response(),
    }
}

async fn in_flight(State(state): State<EmulatorState>) -> Response {
    axum::Json(json!({"count": state.in_flight()})).into_response()
}

async fn load_report(State(state): State<EmulatorState>) -> Response {
    axum::Json(json!({"rejected": state.load_report()})).into_response()
}
