//! `GET /query?q=`, `GET /queryAll?q=` and `nextRecordsUrl` paging, on top of the SOQL
//! engine in [`crate::soql`] (salesforce-api.md 3.1).
//!
//! Execution runs once: the matching row positions are kept in a cursor and later pages
//! only render (`/query/01g...-2000`). Cursors expire after 15 idle minutes on the emulator
//! clock and at most 10 stay open (the oldest is evicted); an unknown or expired locator
//! answers `INVALID_QUERY_LOCATOR`. `Sforce-Query-Options: batchSize=N` picks the page size
//! (200..2000, default 2000). The query runs on [`crate::execution`], as Bulk API query
//! jobs do; this module only pages and renders.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use crate::call::{CallContext, Params};
use crate::errors::ApiError;
use crate::execution::{self, RowView, count, execute};
use crate::id::SfId;
use crate::respond::attributes;
use crate::soql::{BoundQuery, Selected, Subquery};
use crate::state::{Cursor, EmulatorState};
use crate::store::{IndexKey, Record, Store};

/// Default and largest page.
const MAX_BATCH: usize = 2_000;
/// Smallest page a client may ask for.
const MIN_BATCH: usize = 200;
/// Idle cursors expire after this long.
const CURSOR_IDLE_MS: i64 = 15 * 60 * 1000;
/// Open cursors kept; older ones are evicted.
const MAX_CURSORS: usize = 10;

/// One record as query JSON, fields in SELECT order, parents nested (or `null`), child
/// subqueries as nested results (or `null`).
pub fn render_row(
    version: &str,
    view: &RowView<'_>,
    bound: &BoundQuery,
    include_deleted: bool,
) -> Json {
    let mut map = Map::new();
    map.insert(
        "attributes".into(),
        attributes(version, &view.object.name, view.record.id.as_str()),
    );
    for selected in bound.select() {
        match selected {
            Selected::Field(path) => match path.segments() {
                [field] => {
                    let json = view
                        .object
                        .field_index(field)
                        .and_then(|at| {
                            Some((
                                view.record.value(at)?,
                                view.object.fields.get(at)?.field_type,
                            ))
                        })
                        .map_or(Json::Null, |(v, t)| v.to_json(t));
                    map.insert(field.clone(), json);
                }
                [rel, field] => {
                    let entry = map.entry(rel.clone()).or_insert(Json::Null);
                    if let Some((def, record)) = view.parent(rel) {
                        if entry.is_null() {
                            let mut parent = Map::new();
                            parent.insert(
                                "attributes".into(),
                                attributes(version, &def.name, record.id.as_str()),
                            );
                            *entry = Json::Object(parent);
                        }
                        let json = def
                            .field_index(field)
                            .and_then(|at| {
                                Some((record.value(at)?, def.fields.get(at)?.field_type))
                            })
                            .map_or(Json::Null, |(v, t)| v.to_json(t));
                        if let Json::Object(parent) = entry {
                            parent.insert(field.clone(), json);
                        }
                    }
                }
                _ => {}
            },
            Selected::Subquery(sub) => {
                let (name, rendered) = render_children(version, view, sub, include_deleted);
                map.insert(name, rendered);
            }
        }
    }
    Json::Object(map)
}

fn render_children(
    version: &str,
    view: &RowView<'_>,
    subquery: &Subquery,
    include_deleted: bool,
) -> (String, Json) {
    let schema = view.store.schema();
    let sub = &subquery.query;
    let name = subquery.relationship.clone();
    let (Some(child_index), Some(child)) = (
        schema.object_index(sub.object()),
        schema.object(sub.object()),
    ) else {
        return (name, Json::Null);
    };
    let (Some(field), Some(table)) = (
        child.field_index(&subquery.child_field),
        view.store.table(child_index),
    ) else {
        return (name, Json::Null);
    };
    let mut rows: Vec<&Record> = table
        .lookup(field, &IndexKey::Id(view.record.id))
        .iter()
        .filter_map(|at| table.row(*at))
        .filter(|r| include_deleted || r.deleted_ms.is_none())
        .filter(|r| {
            sub.matches(&RowView {
                store: view.store,
                object: child,
                record: r,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        sub.compare(
            &RowView {
                store: view.store,
                object: child,
                record: a,
            },
            &RowView {
                store: view.store,
                object: child,
                record: b,
            },
        )
    });
    let rows: Vec<&Record> = rows
        .into_iter()
        .skip(count(sub.offset(), 0))
        .take(count(sub.limit(), usize::MAX))
        .collect();
    if rows.is_empty() {
        return (name, Json::Null);
    }
    let records: Vec<Json> = rows
        .iter()
        .map(|r| {
            render_row(
                version,
                &RowView {
                    store: view.store,
                    object: child,
                    record: r,
                },
                sub,
                include_deleted,
            )
        })
        .collect();
    (
        name,
        json!({"totalSize": records.len(), "done": true, "records": records}),
    )
}

fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("Sforce-Query-Options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split([',', ';']).find_map(|p| {
                p.trim()
                    .strip_prefix("batchSize=")
                    .and_then(|n| n.trim().parse::<usize>().ok())
            })
        })
        .map_or(MAX_BATCH, |n| n.clamp(MIN_BATCH, MAX_BATCH))
}

async fn run(
    state: EmulatorState,
    call: CallContext,
    params: HashMap<String, String>,
    headers: HeaderMap,
    all: bool,
) -> Response {
    let Some(text) = params.get("q") else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified",
        )
        .into_response();
    };
    let now = state.clock.now_ms();
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    let execution = match execute(&store, &fls, text, all, now) {
        Ok(execution) => execution,
        Err(error) => return error.into_response(),
    };
    let total = execution.rows.len();
    if execution.bound.is_count() {
        return axum::Json(json!({"totalSize": total, "done": true, "records": []}))
            .into_response();
    }
    let cursor = Cursor {
        object: execution.object,
        soql: text.clone(),
        rows: Arc::new(execution.rows),
        next: 0,
        batch: batch_size(&headers),
        touched_ms: now,
        touched_seq: 0,
        all,
    };
    page(
        &state,
        &store,
        &call.version,
        &execution.bound,
        cursor,
        all,
        None,
    )
}

/// Renders the next page of `cursor`, storing the cursor again when rows remain.
fn page(
    state: &EmulatorState,
    store: &Store,
    version: &str,
    bound: &BoundQuery,
    mut cursor: Cursor,
    all: bool,
    locator: Option<String>,
) -> Response {
    let Some(object) = store.schema().object_at(cursor.object) else {
        return ApiError::not_found().into_response();
    };
    let Some(table) = store.table(cursor.object) else {
        return ApiError::not_found().into_response();
    };
    let total = cursor.rows.len();
    let end = (cursor.next + cursor.batch).min(total);
    let records: Vec<Json> = cursor.rows[cursor.next.min(total)..end]
        .iter()
        .filter_map(|at| table.row(*at))
        .map(|record| {
            render_row(
                version,
                &RowView {
                    store,
                    object,
                    record,
                },
                bound,
                all,
            )
        })
        .collect();
    let mut body = Map::new();
    body.insert("totalSize".into(), json!(total));
    body.insert("done".into(), json!(end >= total));
    if end < total {
        cursor.next = end;
        let mut cursors = state.cursors.lock().unwrap_or_else(|e| e.into_inner());
        let id = match locator {
            Some(id) => id,
            None => {
                let serial = state
                    .next_request
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                SfId::from_parts("01g", serial).as_str().to_owned()
            }
        };
        body.insert(
            "nextRecordsUrl".into(),
            json!(format!("/services/data/{version}/query/{id}-{end}")),
        );
        cursor.touched_seq = state
            .next_request
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        cursors.insert(id, cursor);
        evict(&mut cursors);
    } else if let Some(id) = locator {
        state
            .cursors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
    body.insert("records".into(), Json::Array(records));
    axum::Json(Json::Object(body)).into_response()
}

fn evict(cursors: &mut HashMap<String, Cursor>) {
    while cursors.len() > MAX_CURSORS {
        let Some(oldest) = cursors
            .iter()
            .min_by_key(|(_, c)| (c.touched_ms, c.touched_seq))
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        cursors.remove(&oldest);
    }
}

/// `GET /query?q=`.
pub async fn query(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Params(params): Params,
    headers: HeaderMap,
) -> Response {
    run(state, call, params, headers, false).await
}

/// `GET /queryAll?q=`: deleted rows too.
pub async fn query_all(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Params(params): Params,
    headers: HeaderMap,
) -> Response {
    run(state, call, params, headers, true).await
}

/// `GET /query/{locator}`: the next page.
pub async fn more(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, locator)): Path<(String, String)>,
) -> Response {
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
        .into_response()
    };
    let Some((id, offset)) = locator.rsplit_once('-') else {
        return invalid();
    };
    let Ok(offset) = offset.parse::<usize>() else {
        return invalid();
    };
    let now = state.clock.now_ms();
    let cursor = {
        let mut cursors = state.cursors.lock().unwrap_or_else(|e| e.into_inner());
        cursors.retain(|_, c| now.saturating_sub(c.touched_ms) < CURSOR_IDLE_MS);
        cursors.get(id).cloned()
    };
    let Some(mut cursor) = cursor else {
        return invalid();
    };
    if offset > cursor.rows.len() {
        return invalid();
    }
    cursor.next = offset;
    cursor.touched_ms = now;
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    let Ok(bound) = execution::bind(store.schema(), &fls, &cursor.soql, now) else {
        return invalid();
    };
    let all = cursor.all;
    page(
        &state,
        &store,
        &call.version,
        &bound,
        cursor,
        all,
        Some(id.to_owned()),
    )
}
