//! The operations endpoints on `[daemon] listen`, with the read-only console merged in at
//! the root: `/healthz` (the process answers), `/readyz` ([`super::status::readiness`]),
//! `/metrics` (Prometheus text; store figures read on each scrape).

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;

use super::metrics;
use super::status::{Readiness, Status, readiness};
use crate::console::{self, ConsoleState};
use crate::store::Store;
use crate::sync::Clock;

/// How many recent runs a scrape reads to find the replica's age.
const RECENT_RUNS: usize = 20;

/// What the endpoints read.
#[derive(Clone)]
pub(super) struct Ops {
    pub status: Status,
    pub store: Store,
    pub clock: std::sync::Arc<dyn Clock>,
    pub ready_max_age: Duration,
    pub metrics: PrometheusHandle,
}

/// The endpoints and the console on one router.
pub(super) fn router(ops: Ops, console: ConsoleState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(scrape))
        .with_state(ops)
        .merge(console::router(console))
}

async fn healthz() -> Response {
    text(StatusCode::OK, "ok\n".to_owned())
}

async fn readyz(State(ops): State<Ops>) -> Response {
    match readiness(&ops.status.get(), ops.clock.now(), ops.ready_max_age) {
        Readiness::Ready(why) | Readiness::StandingBy(why) => text(StatusCode::OK, why + "\n"),
        Readiness::NotReady(why) => text(StatusCode::SERVICE_UNAVAILABLE, why + "\n"),
    }
}

async fn scrape(State(ops): State<Ops>) -> Response {
    let store = ops.store.clone();
    let read = tokio::task::spawn_blocking(move || {
        // A store that does not answer leaves the last figures; the scrape still works.
        let depth = store.outbox_depth().ok();
        let runs = store.runs(RECENT_RUNS).unwrap_or_default();
        (depth, runs)
    })
    .await;
    if let Ok((depth, runs)) = read {
        metrics::scraped(depth, &runs, ops.clock.now());
    }
    ops.metrics.run_upkeep();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        ops.metrics.render(),
    )
        .into_response()
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}
