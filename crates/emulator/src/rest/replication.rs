//! getUpdated / getDeleted: `GET /sobjects/{obj}/updated/?start=&end=` and `.../deleted/`
//! (salesforce-api.md 3.5;
//! https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getupdated.htm).
//!
//! Seconds are ignored (both bounds are truncated to the minute), `start` must precede
//! `end`, getUpdated reaches back 30 days and getDeleted 15, `latestDateCovered` is the end
//! capped at now, and more than 600,000 Ids answer `EXCEEDED_ID_LIMIT`.

use std::collections::HashMap;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::call::{CallContext, Params, object_def};
use crate::clock::{format_datetime, whole_second};
use crate::errors::ApiError;
use crate::state::EmulatorState;
use crate::value::{Value, parse_datetime};

/// Most Ids one call returns.
const MAX_IDS: usize = 600_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

struct Window {
    start: i64,
    end: i64,
}

fn window(params: &HashMap<String, String>, now: i64, max_days: i64) -> Result<Window, ApiError> {
    let bad =
        |message: &str| ApiError::new(StatusCode::BAD_REQUEST, "INVALID_REPLICATION_DATE", message);
    let get = |key: &str| {
        params
            .get(key)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "MISSING_ARGUMENT",
                    format!("{key} must be specified"),
                )
            })
            .and_then(|v| {
                parse_datetime(v).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_REPLICATION_DATE",
                        format!("{key} is not a valid date: {v}"),
                    )
                })
            })
    };
    let start = get("start")?.div_euclid(MINUTE) * MINUTE;
    let end = get("end")?.div_euclid(MINUTE) * MINUTE;
    let end = end.min(now.div_euclid(MINUTE) * MINUTE);
    if start >= end {
        return Err(bad(
            "startDate must chronologically precede endDate by more than one minute",
        ));
    }
    if start < now - max_days * DAY {
        return Err(bad(&format!(
            "startDate cannot be more than {max_days} days ago"
        )));
    }
    Ok(Window { start, end })
}

/// `GET /sobjects/{obj}/updated/`.
pub async fn updated(
    State(state): State<EmulatorState>,
    Extension(_call): Extension<CallContext>,
    Path((_, object)): Path<(String, String)>,
    Params(params): Params,
) -> Response {
    let (index, def) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let window = match window(&params, state.clock.now_ms(), 30) {
        Ok(window) => window,
        Err(error) => return error.into_response(),
    };
    let Some(stamp) = def.field_index("SystemModstamp") else {
        return ApiError::not_found().into_response();
    };
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    let ids: Vec<String> = store
        .table(index)
        .map(|t| {
            t.rows()
                .iter()
                .filter(|r| r.deleted_ms.is_none())
                .filter(|r| matches!(r.get(stamp), Some(Value::DateTime(ms)) if *ms >= window.start && *ms < window.end))
                .map(|r| r.id.as_str().to_owned())
                .collect()
        })
        .unwrap_or_default();
    if ids.len() > MAX_IDS {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "too many ids to return: narrow the time window",
        )
        .into_response();
    }
    axum::Json(json!({"ids": ids, "latestDateCovered": format_datetime(window.end)}))
        .into_response()
}

/// `GET /sobjects/{obj}/deleted/`.
pub async fn deleted(
    State(state): State<EmulatorState>,
    Extension(_call): Extension<CallContext>,
    Path((_, object)): Path<(String, String)>,
    Params(params): Params,
) -> Response {
    let (index, _) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let now = state.clock.now_ms();
    let window = match window(&params, now, 15) {
        Ok(window) => window,
        Err(error) => return error.into_response(),
    };
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    // `earliestDateAvailable` is "the timestamp ... of the last physically deleted object";
    // a client whose start is before it must resync
    // (https://developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-getdeleted-getdeletedresult.html).
    // The emulator purges only when told (`/_emulator/recycle-bin/purge`); until then its
    // delete log reaches back the documented 15 days.
    let window_start = now.div_euclid(MINUTE) * MINUTE - 15 * DAY;
    let purged = store
        .table(index)
        .and_then(|t| t.purged_ms())
        .map(whole_second);
    let earliest = purged.map_or(window_start, |at| at.max(window_start));
    let records: Vec<serde_json::Value> = store
        .table(index)
        .map(|t| {
            t.rows()
                .iter()
                .filter_map(|r| r.deleted_ms.map(|at| (r, at)))
                .filter(|(_, at)| *at >= window.start && *at < window.end)
                .map(|(r, at)| json!({"id": r.id.as_str(), "deletedDate": format_datetime(at)}))
                .collect()
        })
        .unwrap_or_default();
    if records.len() > MAX_IDS {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "too many ids to return: narrow the time window",
        )
        .into_response();
    }
    axum::Json(json!({
        "deletedRecords": records,
        "earliestDateAvailable": format_datetime(earliest),
        "latestDateCovered": format_datetime(window.end),
    }))
    .into_response()
}
