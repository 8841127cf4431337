//! The REST API resources under `/services/data/vXX.X/` and their routes.
//!
//! Every handler here runs behind the API layer of [`crate::server`], so it can assume a
//! valid session and a counted call. Handlers take what they share from [`crate::call`],
//! [`crate::respond`] and [`crate::execution`], never from the router or from Bulk API
//! ([`crate::bulk`]); they render their own JSON.

pub mod collections;
pub mod composite;
pub mod describe;
pub mod limits;
pub mod query;
pub mod replication;
pub mod sobjects;
pub mod version;

use axum::Router;
use axum::routing::{get, patch, post};

use crate::state::EmulatorState;

/// The REST routes below `/services/data/{version}`, Composite aside: the resources a
/// Composite subrequest may name are all here, so [`composite`] serves its subrequests
/// through this router. It has no fallbacks yet ([`crate::call::with_org_fallbacks`]).
pub fn router() -> Router<EmulatorState> {
    Router::new()
        .route("/", get(version::resources))
        .route("/limits", get(limits::limits))
        .route("/sobjects", get(describe::global))
        .route(
            "/sobjects/{object}",
            get(describe::basic).post(sobjects::create),
        )
        .route("/sobjects/{object}/describe", get(describe::object))
        .route("/sobjects/{object}/updated", get(replication::updated))
        .route("/sobjects/{object}/deleted", get(replication::deleted))
        .route(
            "/sobjects/{object}/{id}",
            get(sobjects::retrieve)
                .patch(sobjects::update)
                .delete(sobjects::delete)
                .post(sobjects::post_override),
        )
        .route(
            "/sobjects/{object}/{field}/{value}",
            get(sobjects::retrieve_by_external_id)
                .patch(sobjects::upsert)
                .post(sobjects::upsert_override),
        )
        .route("/query", get(query::query))
        .route("/queryAll", get(query::query_all))
        .route("/query/{locator}", get(query::more))
        .route("/queryAll/{locator}", get(query::more))
        .route(
            "/composite/sobjects",
            post(collections::create_or_override)
                .patch(collections::update)
                .delete(collections::delete),
        )
        .route(
            "/composite/sobjects/{object}",
            get(collections::retrieve).post(collections::retrieve_post),
        )
        .route(
            "/composite/sobjects/{object}/{field}",
            patch(collections::upsert).post(collections::upsert_override),
        )
}
