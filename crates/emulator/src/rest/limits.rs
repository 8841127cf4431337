//! `GET /limits`: the org's allocations and what is left of them, consistent with the
//! `Sforce-Limit-Info` header the API layer sends (salesforce-api.md 2.4). It reads the
//! counts of [`crate::usage`]; it counts nothing itself.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::EmulatorState;
use crate::usage::{DAILY_BATCHES, DAILY_QUERY_JOBS};

/// `GET /limits`: `{Max, Remaining}` per allocation, consistent with `Sforce-Limit-Info`
/// (salesforce-api.md 2.4).
pub async fn limits(State(state): State<EmulatorState>) -> Response {
    let now = state.clock.now_ms();
    let (used, batches, query_jobs) = {
        let mut usage = state.usage.lock().unwrap_or_else(|e| e.into_inner());
        (
            usage.api_calls.total(now),
            usage.bulk_batches.total(now),
            usage.bulk_query_jobs.total(now),
        )
    };
    let max = state
        .settings
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .api_limit;
    let pair = |max: u64, remaining: u64| json!({"Max": max, "Remaining": remaining});
    axum::Json(json!({
        "ConcurrentAsyncGetReportInstances": pair(200, 200),
        "DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(used), "Vitals": pair(0, 0)},
        "DailyAsyncApexExecutions": pair(250_000, 250_000),
        "DailyBulkApiBatches": pair(DAILY_BATCHES, DAILY_BATCHES.saturating_sub(batches)),
        "DailyBulkV2QueryFileStorageMB": pair(976_562, 976_562),
        "DailyBulkV2QueryJobs": pair(DAILY_QUERY_JOBS, DAILY_QUERY_JOBS.saturating_sub(query_jobs)),
        "DataStorageMB": pair(1_024, 1_024),
        "FileStorageMB": pair(1_024, 1_024),
    }))
    .into_response()
}
