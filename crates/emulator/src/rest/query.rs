//! `GET /query?q=`, `GET /queryAll?q=` and `nextRecordsUrl` paging, on top of the SOQL
//! engine in [`crate::soql`] (salesforce-api.md 3.1).
//!
//! Execution runs once: the matching row positions are kept in a cursor and later pages
//! only render (`/query/01g...-2000`). Cursors expire after 15 idle minutes on the emulator
//! clock and at most 10 stay open (the oldest is evicted); an unknown or expired locator
//! answers `INVALID_QUERY_LOCATOR`. `Sforce-Query-Options: batchSize=N` picks the page size
//! (200..2000, default 2000). [`execute`] and [`RowView`] are public so Bulk API query can
//! reuse the same execution.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use crate::id::SfId;

use super::super::clock::from_ms;
use super::super::errors::ApiError;
use super::super::fls::Fls;
use super::super::schema::{FieldType, ObjectDef, Schema};
use super::super::server::CallContext;
use super::super::soql::{self, BoundQuery, Catalog, Row, Selected, SoqlType, SoqlValue, Subquery};
use super::super::state::{Cursor, EmulatorState};
use super::super::store::{IndexKey, Record, Store};
use super::super::value::Value;
use super::attributes;

/// Default and largest page.
const MAX_BATCH: usize = 2_000;
/// Smallest page a client may ask for.
const MIN_BATCH: usize = 200;
/// Idle cursors expire after this long.
const CURSOR_IDLE_MS: i64 = 15 * 60 * 1000;
/// Open cursors kept; older ones are evicted.
const MAX_CURSORS: usize = 10;

/// The schema as the SOQL engine sees it, filtered by FLS.
pub struct SchemaCatalog<'a> {
    /// Schema.
    pub schema: &'a Schema,
    /// FLS.
    pub fls: &'a Fls,
}

fn soql_type(field_type: FieldType) -> SoqlType {
    match field_type {
        FieldType::Id => SoqlType::Id,
        FieldType::Reference => SoqlType::Reference,
        FieldType::Boolean => SoqlType::Boolean,
        FieldType::Int => SoqlType::Integer,
        FieldType::Double | FieldType::Currency | FieldType::Percent => SoqlType::Double,
        FieldType::Date => SoqlType::Date,
        FieldType::DateTime => SoqlType::DateTime,
        _ => SoqlType::String,
    }
}

impl Catalog for SchemaCatalog<'_> {
    fn object(&self, name: &str) -> Option<String> {
        self.schema.object(name).map(|o| o.name.clone())
    }

    fn field(&self, object: &str, field: &str) -> Option<(String, SoqlType)> {
        let def = self.schema.object(object)?.field(field)?;
        if self.fls.is_hidden(object, &def.name) {
            return None;
        }
        Some((def.name.clone(), soql_type(def.field_type)))
    }

    fn parent_relationship(&self, object: &str, rel: &str) -> Option<(String, String)> {
        let def = self.schema.object(object)?.relationship(rel)?;
        if self.fls.is_hidden(object, &def.name) {
            return None;
        }
        let target = def.reference_to.first()?;
        Some((def.relationship_name.clone()?, target.clone()))
    }

    fn child_relationship(&self, object: &str, rel: &str) -> Option<(String, String, String)> {
        self.schema
            .child_relationships(object)
            .into_iter()
            .find(|c| {
                c.relationship_name
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(rel))
            })
            .and_then(|c| Some((c.relationship_name?, c.child_object, c.field)))
    }
}

/// One record as the SOQL engine reads it (one parent level deep).
pub struct RowView<'a> {
    /// Store.
    pub store: &'a Store,
    /// The record's object.
    pub object: &'a ObjectDef,
    /// The record.
    pub record: &'a Record,
}

/// A stored value as the engine's value, borrowing stored text.
pub fn soql_value(record: &Record, at: Option<usize>) -> SoqlValue<'_> {
    let Some(at) = at else {
        return SoqlValue::Null;
    };
    if at == 0 {
        return SoqlValue::String(Cow::Borrowed(record.id.as_str()));
    }
    if at == 1 {
        return SoqlValue::Boolean(record.deleted_ms.is_some());
    }
    match record.get(at) {
        None => SoqlValue::Null,
        Some(Value::Text(t)) => SoqlValue::String(Cow::Borrowed(t)),
        Some(Value::Id(id)) => SoqlValue::String(Cow::Borrowed(id.as_str())),
        Some(Value::Bool(b)) => SoqlValue::Boolean(*b),
        Some(Value::Number(n)) => SoqlValue::Number(*n),
        Some(Value::Date(d)) => SoqlValue::Date(*d),
        Some(Value::DateTime(ms)) => SoqlValue::DateTime(from_ms(*ms)),
    }
}

impl RowView<'_> {
    /// The parent record behind a relationship name, if set. A live row never sees a
    /// parent in the recycle bin: it reads as no parent (`"Account": null`), as an org
    /// shows it. A row that is itself deleted (queryAll) still shows the parent it was
    /// deleted with `[verify]`.
    pub fn parent(&self, rel: &str) -> Option<(&ObjectDef, &Record)> {
        let field = self.object.relationship(rel)?;
        let at = self.object.field_index(&field.name)?;
        let id = self.record.value(at)?.as_id()?;
        let (index, record) = self.store.get_any(&id)?;
        if record.deleted_ms.is_some() && self.record.deleted_ms.is_none() {
            return None;
        }
        Some((self.store.schema().object_at(index)?, record))
    }
}

impl Row for RowView<'_> {
    fn value(&self, path: &[&str]) -> SoqlValue<'_> {
        match path {
            [field] => soql_value(self.record, self.object.field_index(field)),
            [rel, field] => match self.parent(rel) {
                Some((def, record)) => soql_value(record, def.field_index(field)),
                None => SoqlValue::Null,
            },
            _ => SoqlValue::Null,
        }
    }
}

/// The result of running a query once.
pub struct Execution {
    /// The bound query.
    pub bound: BoundQuery,
    /// The FROM object's index.
    pub object: usize,
    /// Matching row positions in result order (after OFFSET/LIMIT).
    pub rows: Vec<u32>,
}

fn soql_error(error: soql::SoqlError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, error.code, error.message)
}

/// Parses, binds and runs `text` against the store: the rows, in order.
///
/// # Errors
/// 400 with the engine's code (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, ...).
pub fn execute(
    store: &Store,
    fls: &Fls,
    text: &str,
    include_deleted: bool,
    now_ms: i64,
) -> Result<Execution, ApiError> {
    let schema = Arc::clone(store.schema());
    let catalog = SchemaCatalog {
        schema: &schema,
        fls,
    };
    let query = soql::parse(text).map_err(soql_error)?;
    let bound = soql::bind(query, &catalog, from_ms(now_ms)).map_err(soql_error)?;
    let object_index = schema
        .object_index(bound.object())
        .ok_or_else(ApiError::not_found)?;
    let object = schema
        .object_at(object_index)
        .ok_or_else(ApiError::not_found)?;
    let table = store.table(object_index).ok_or_else(ApiError::not_found)?;
    let candidates: Vec<u32> = match candidates_from_hint(&bound, object, table) {
        Some(rows) => rows,
        None => (0..u32::try_from(table.rows().len()).unwrap_or(u32::MAX)).collect(),
    };
    let mut rows: Vec<u32> = candidates
        .into_iter()
        .filter(|at| {
            table.row(*at).is_some_and(|record| {
                (include_deleted || record.deleted_ms.is_none())
                    && bound.matches(&RowView {
                        store,
                        object,
                        record,
                    })
            })
        })
        .collect();
    rows.sort_by(|a, b| match (table.row(*a), table.row(*b)) {
        (Some(ra), Some(rb)) => bound.compare(
            &RowView {
                store,
                object,
                record: ra,
            },
            &RowView {
                store,
                object,
                record: rb,
            },
        ),
        _ => Ordering::Equal,
    });
    let rows: Vec<u32> = rows
        .into_iter()
        .skip(count(bound.offset(), 0))
        .take(count(bound.limit(), usize::MAX))
        .collect();
    Ok(Execution {
        bound,
        object: object_index,
        rows,
    })
}

fn count(value: Option<u64>, default: usize) -> usize {
    value.map_or(default, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// Narrows the scan with an indexed equality or IN condition.
fn candidates_from_hint(
    bound: &BoundQuery,
    object: &ObjectDef,
    table: &super::super::store::Table,
) -> Option<Vec<u32>> {
    let (field, values) = bound.lookup_hint()?;
    let at = object.field_index(field)?;
    let mut rows = Vec::new();
    for value in values {
        let SoqlValue::String(text) = value else {
            return None;
        };
        let text: &str = &text;
        if at == 0 {
            if let Some(row) = SfId::parse(text).ok().and_then(|id| table.position(&id)) {
                rows.push(row);
            }
        } else if table.is_indexed(at) {
            let key = match SfId::parse(text) {
                Ok(id)
                    if object
                        .fields
                        .get(at)
                        .is_some_and(|f| f.field_type == FieldType::Reference) =>
                {
                    IndexKey::Id(id)
                }
                _ => IndexKey::Text(text.to_lowercase().into_boxed_str()),
            };
            rows.extend_from_slice(table.lookup(at, &key));
        } else {
            return None;
        }
    }
    rows.sort_unstable();
    rows.dedup();
    Some(rows)
}

/// The values of a row's plain SELECT fields (parents included, subqueries skipped) in
/// SELECT order, with their types: what Bulk API query writes as CSV cells.
pub fn selected_values(view: &RowView<'_>, bound: &BoundQuery) -> Vec<Option<(Value, FieldType)>> {
    bound
        .select()
        .iter()
        .filter_map(|selected| match selected {
            Selected::Field(path) => Some(match path.segments() {
                [field] => view.object.field_index(field).and_then(|at| {
                    Some((
                        view.record.value(at)?,
                        view.object.fields.get(at)?.field_type,
                    ))
                }),
                [rel, field] => view.parent(rel).and_then(|(def, record)| {
                    let at = def.field_index(field)?;
                    Some((record.value(at)?, def.fields.get(at)?.field_type))
                }),
                _ => None,
            }),
            Selected::Subquery(_) => None,
        })
        .collect()
}

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
        &fls,
        &call.version,
        &execution.bound,
        cursor,
        all,
        None,
    )
}

/// Renders the next page of `cursor`, storing the cursor again when rows remain.
#[allow(clippy::too_many_arguments)]
fn page(
    state: &EmulatorState,
    store: &Store,
    fls: &Fls,
    version: &str,
    bound: &BoundQuery,
    mut cursor: Cursor,
    all: bool,
    locator: Option<String>,
) -> Response {
    let _ = fls;
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
    super::Params(params): super::Params,
    headers: HeaderMap,
) -> Response {
    run(state, call, params, headers, false).await
}

/// `GET /queryAll?q=`: deleted rows too.
pub async fn query_all(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    super::Params(params): super::Params,
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
    let schema = Arc::clone(store.schema());
    let catalog = SchemaCatalog {
        schema: &schema,
        fls: &fls,
    };
    let bound = match soql::parse(&cursor.soql).and_then(|q| soql::bind(q, &catalog, from_ms(now)))
    {
        Ok(bound) => bound,
        Err(_) => return invalid(),
    };
    let all = cursor.all;
    page(
        &state,
        &store,
        &fls,
        &call.version,
        &bound,
        cursor,
        all,
        Some(id.to_owned()),
    )
}
