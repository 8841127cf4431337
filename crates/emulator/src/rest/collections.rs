//! sObject Collections: `POST/PATCH/DELETE /composite/sobjects`, upsert
//! `PATCH /composite/sobjects/{obj}/{field}` and `GET /composite/sobjects/{obj}?ids=&fields=`
//! (salesforce-api.md 4.2;
//! https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm).
//!
//! At most 200 records (400 above); results in input order; 200 even when every row fails;
//! `created` only on upsert; `allOrNone:true` really rolls back and marks the rows that
//! would have succeeded `ALL_OR_NONE_OPERATION_ROLLED_BACK`. A body an org cannot
//! deserialize (bad JSON, unknown field, wrong value type, unknown type) fails as a whole.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use crate::id::SfId;

use crate::call::{CallContext, Params, json_object, object_def};
use crate::errors::{ApiError, RecordError};
use crate::respond::{render_record, resolve_fields};
use crate::state::EmulatorState;
use crate::store::Store;
use crate::write::{self, WriteContext, WriteFailure, WriteOp, Written};

/// The most records one Collections call takes.
pub const MAX_RECORDS: usize = 200;

/// Most runs of one type ("chunks") a mixed-type create may have.
pub const MAX_CHUNKS: usize = 10;

fn too_many() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )
}

fn rolled_back() -> RecordError {
    RecordError::new(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
        Vec::new(),
    )
}

/// The row of a record index the request does not have; the loop never asks for one.
fn unexpected() -> Row {
    Row::Failed(
        None,
        RecordError::new(
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred.",
            Vec::new(),
        ),
    )
}

/// The request body `{"allOrNone":bool,"records":[...]}`.
struct Batch {
    all_or_none: bool,
    records: Vec<Map<String, Json>>,
}

fn parse_batch(body: &[u8]) -> Result<Batch, ApiError> {
    let map = json_object(body)?;
    let all_or_none = match map.get("allOrNone") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::json_parser(
                "Cannot deserialize instance of boolean from allOrNone",
            ));
        }
    };
    let records = match map.get("records") {
        Some(Json::Array(list)) => list
            .iter()
            .map(|r| {
                r.as_object().cloned().ok_or_else(|| {
                    ApiError::json_parser(
                        "Cannot deserialize instance of SObject from non-object value",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(ApiError::json_parser(
                "Cannot deserialize the request: records is required",
            ));
        }
    };
    if records.len() > MAX_RECORDS {
        return Err(too_many());
    }
    Ok(Batch {
        all_or_none,
        records,
    })
}

/// The object named in a record's `attributes.type`, or the URL's object for upserts.
fn record_type(record: &Map<String, Json>) -> Option<&str> {
    record.get("attributes")?.get("type")?.as_str()
}

/// Checks every record's shape before anything is written.
fn check_shapes(
    state: &EmulatorState,
    batch: &Batch,
    url_object: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    let mut objects = Vec::new();
    for record in &batch.records {
        let name = match (record_type(record), url_object) {
            (Some(t), _) => t,
            (None, Some(u)) => u,
            (None, None) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_TYPE",
                    "Must send a concrete entity type.",
                ));
            }
        };
        let def = state.schema.object(name).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_TYPE",
                format!("sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."),
            )
        })?;
        if let Err(error) = write::check_shape(&state.schema, &fls, def, record) {
            return Err(error.into_api_error());
        }
        objects.push(def.name.clone());
    }
    Ok(objects)
}

fn success(id: SfId, created: Option<bool>) -> Json {
    let mut map = Map::new();
    map.insert("id".into(), json!(id.as_str()));
    map.insert("success".into(), json!(true));
    map.insert("errors".into(), json!([]));
    if let Some(created) = created {
        map.insert("created".into(), json!(created));
    }
    Json::Object(map)
}

fn failed(id: Option<SfId>, error: &RecordError) -> Json {
    let mut map = Map::new();
    if let Some(id) = id {
        map.insert("id".into(), json!(id.as_str()));
    }
    map.insert("success".into(), json!(false));
    map.insert("errors".into(), json!([error.to_json()]));
    Json::Object(map)
}

/// Outcome of one row before all-or-none is applied.
enum Row {
    Done(Written),
    Failed(Option<SfId>, RecordError),
}

/// Runs `op` for each record under one store lock, with all-or-none semantics.
fn run(
    state: &EmulatorState,
    call: &CallContext,
    all_or_none: bool,
    count: usize,
    upsert: bool,
    mut op: impl FnMut(&mut Store, &WriteContext<'_>, usize) -> Row,
) -> Response {
    let locks: Vec<bool> = (0..count)
        .map(|_| state.lock_fault(call.lock_all))
        .collect();
    let rows: Vec<Row> = state.write_with(call.user, |store, ctx| {
        if all_or_none {
            store.begin();
        }
        let rows: Vec<Row> = (0..count)
            .map(|i| {
                if locks.get(i).copied().unwrap_or(false) {
                    Row::Failed(
                        None,
                        RecordError::new(
                            "UNABLE_TO_LOCK_ROW",
                            "unable to obtain exclusive access to this record",
                            Vec::new(),
                        ),
                    )
                } else {
                    op(store, ctx, i)
                }
            })
            .collect();
        if all_or_none {
            if rows.iter().any(|r| matches!(r, Row::Failed(..))) {
                store.rollback();
            } else {
                store.commit();
            }
        }
        rows
    });
    let any_failed = rows.iter().any(|r| matches!(r, Row::Failed(..)));
    let results: Vec<Json> = rows
        .into_iter()
        .map(|row| match row {
            Row::Done(written) if all_or_none && any_failed => failed(
                Some(written.id).filter(|_| !written.created),
                &rolled_back(),
            ),
            Row::Done(written) => success(written.id, upsert.then_some(written.created)),
            Row::Failed(id, error) => failed(id, &error),
        })
        .collect();
    axum::Json(Json::Array(results)).into_response()
}

/// Runs `op` on each record of a create or update with the object `check_shapes` found.
fn run_each(
    state: &EmulatorState,
    call: &CallContext,
    batch: &Batch,
    objects: &[String],
    mut op: impl FnMut(&mut Store, &WriteContext<'_>, &str, &Map<String, Json>) -> Row,
) -> Response {
    run(
        state,
        call,
        batch.all_or_none,
        batch.records.len(),
        false,
        |store, ctx, i| {
            let (Some(object), Some(record)) = (objects.get(i), batch.records.get(i)) else {
                return unexpected();
            };
            op(store, ctx, object, record)
        },
    )
}

fn row_of(result: Result<Written, WriteFailure>, id: Option<SfId>) -> Row {
    match result {
        Ok(written) => Row::Done(written),
        Err(WriteFailure::Record(error)) => Row::Failed(id, error),
        Err(WriteFailure::MultipleMatches(_)) => Row::Failed(
            id,
            RecordError::new(
                "DUPLICATE_EXTERNAL_ID",
                "Foreign key external ID matched more than one record",
                Vec::new(),
            ),
        ),
    }
}

/// `POST /composite/sobjects`: create (or PATCH/DELETE via `_HttpMethod`).
pub async fn create_or_override(
    state: State<EmulatorState>,
    call: Extension<CallContext>,
    params: Params,
    body: Bytes,
) -> Response {
    match params.get("_HttpMethod").map(String::as_str) {
        Some("PATCH") => return update(state, call, body).await,
        Some("DELETE") => return delete(state, call, params).await,
        _ => {}
    }
    let (State(state), Extension(call)) = (state, call);
    let batch = match parse_batch(&body) {
        Ok(batch) => batch,
        Err(error) => return error.into_response(),
    };
    let objects = match check_shapes(&state, &batch, None) {
        Ok(objects) => objects,
        Err(error) => return error.into_response(),
    };
    if let Err(error) = check_insert(&objects, &batch) {
        return error.into_response();
    }
    run_each(
        &state,
        &call,
        &batch,
        &objects,
        |store, ctx, object, record| {
            row_of(
                write::write(store, ctx, object, WriteOp::Create, record),
                None,
            )
        },
    )
}

/// What refuses a whole insert: more than ten runs of one type, or a record with an Id.
fn check_insert(objects: &[String], batch: &Batch) -> Result<(), ApiError> {
    // Mixed types are written as runs ("chunks") of one type, at most ten
    // (salesforce-api.md 4.2; resources_composite_sobjects_collections_create.htm). The
    // message is the platform's own for the same limit in Apex DML (quoted in
    // SFDO-Community/declarative-lookup-rollup-summaries#51); code and status are [verify].
    let chunks = objects
        .iter()
        .zip(objects.iter().skip(1))
        .filter(|(a, b)| a != b)
        .count()
        + usize::from(!objects.is_empty());
    if chunks > MAX_CHUNKS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "Cannot have more than 10 chunks in a single operation. Please rearrange the data to reduce chunking.",
        ));
    }
    if batch
        .records
        .iter()
        .any(|r| r.keys().any(|k| k.eq_ignore_ascii_case("id")))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
            "Record ID: cannot specify Id in an insert call",
        ));
    }
    Ok(())
}

/// `PATCH /composite/sobjects`: update; each record carries its `id`.
pub async fn update(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    body: Bytes,
) -> Response {
    let batch = match parse_batch(&body) {
        Ok(batch) => batch,
        Err(error) => return error.into_response(),
    };
    let objects = match check_shapes(&state, &batch, None) {
        Ok(objects) => objects,
        Err(error) => return error.into_response(),
    };
    run_each(&state, &call, &batch, &objects, update_row)
}

/// Updates one record of the batch, by the `id` it carries.
fn update_row(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    object: &str,
    record: &Map<String, Json>,
) -> Row {
    let given = record
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("id"))
        .and_then(|(_, v)| v.as_str());
    let Some(text) = given else {
        return Row::Failed(
            None,
            RecordError::new(
                "MISSING_ARGUMENT",
                "Id not specified in an update call",
                Vec::new(),
            ),
        );
    };
    let Ok(id) = SfId::parse(text) else {
        return Row::Failed(
            None,
            RecordError::new(
                "MALFORMED_ID",
                format!("malformed id {text}"),
                vec!["Id".into()],
            ),
        );
    };
    let wrong_type = store
        .schema()
        .object(object)
        .is_none_or(|o| o.key_prefix != id.key_prefix());
    if wrong_type {
        return Row::Failed(
            Some(id),
            RecordError::new(
                "MALFORMED_ID",
                format!("{object} ID: id value of incorrect type: {text}"),
                vec!["Id".into()],
            ),
        );
    }
    row_of(
        write::write(store, ctx, object, WriteOp::Update(id), record),
        Some(id),
    )
}

/// `PATCH /composite/sobjects/{obj}/{field}`: upsert by external ID.
pub async fn upsert(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object, field)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let (name, key) = match upsert_target(&state, &object, &field) {
        Ok(target) => target,
        Err(error) => return error.into_response(),
    };
    let batch = match parse_batch(&body) {
        Ok(batch) => batch,
        Err(error) => return error.into_response(),
    };
    if let Err(error) = check_one_type(&state, &batch, &name) {
        return error.into_response();
    }
    if let Err(error) = check_shapes(&state, &batch, Some(&name)) {
        return error.into_response();
    }
    let upsert = Upsert::new(&name, &key, &batch);
    run(
        &state,
        &call,
        batch.all_or_none,
        batch.records.len(),
        true,
        |store, ctx, i| upsert.row(store, ctx, i),
    )
}

/// The URL's object and upsert field, as named in the schema: an external ID or `Id`.
fn upsert_target(
    state: &EmulatorState,
    object: &str,
    field: &str,
) -> Result<(String, String), ApiError> {
    let (_, def) = object_def(&state.schema, object)?;
    let key = def
        .field(field)
        .filter(|f| f.external_id || f.name == "Id")
        .map(|f| f.name.clone())
        .ok_or_else(ApiError::not_found)?;
    Ok((def.name.clone(), key))
}

/// Upsert takes one type, the URL's (salesforce-api.md 4.2: "one type = URL type"),
/// checked before each record's fields are. [verify] the code and wording.
fn check_one_type(state: &EmulatorState, batch: &Batch, name: &str) -> Result<(), ApiError> {
    match batch
        .records
        .iter()
        .filter_map(|r| record_type(r))
        .find(|t| state.schema.object(t).is_none_or(|o| o.name != name))
    {
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
            format!(
                "Records in an upsert must all be of the type in the URL, {name}; found {other}"
            ),
        )),
        None => Ok(()),
    }
}

/// One upsert request: its records, each one's key value, and how often each value occurs.
struct Upsert<'a> {
    object: &'a str,
    key: &'a str,
    records: &'a [Map<String, Json>],
    values: Vec<Option<String>>,
    seen: HashMap<String, usize>,
}

impl<'a> Upsert<'a> {
    fn new(object: &'a str, key: &'a str, batch: &'a Batch) -> Self {
        let values: Vec<Option<String>> = batch
            .records
            .iter()
            .map(|r| {
                r.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .and_then(|(_, v)| match v {
                        Json::String(s) => Some(s.clone()),
                        Json::Null => None,
                        other => Some(other.to_string()),
                    })
            })
            .collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for value in values.iter().flatten() {
            *seen.entry(value.to_lowercase()).or_insert(0) += 1;
        }
        Self {
            object,
            key,
            records: &batch.records,
            values,
            seen,
        }
    }

    /// Upserts record `i`. The same external ID twice in one request is refused for each
    /// such record.
    fn row(&self, store: &mut Store, ctx: &WriteContext<'_>, i: usize) -> Row {
        let key = self.key;
        let fail = |code: &'static str, message: String| {
            Row::Failed(None, RecordError::new(code, message, vec![key.to_owned()]))
        };
        let (Some(record), Some(value)) = (self.records.get(i), self.values.get(i)) else {
            return unexpected();
        };
        let Some(value) = value else {
            return fail("MISSING_ARGUMENT", format!("{key} not specified"));
        };
        if self.seen.get(&value.to_lowercase()).copied().unwrap_or(0) > 1 {
            return fail(
                "DUPLICATE_EXTERNAL_ID",
                format!("Duplicate external id specified: {value}"),
            );
        }
        let mut body = record.clone();
        if key == "Id" {
            body.retain(|k, _| !k.eq_ignore_ascii_case("id"));
        }
        let op = WriteOp::Upsert {
            field: key,
            value,
            update_only: false,
        };
        match write::write(store, ctx, self.object, op, &body) {
            Err(WriteFailure::MultipleMatches(_)) => fail(
                "DUPLICATE_EXTERNAL_ID",
                format!("{key}: more than one record found for external id field: {value}"),
            ),
            other => row_of(other, None),
        }
    }
}

/// `POST /composite/sobjects/{obj}/{field}?_HttpMethod=PATCH`.
pub async fn upsert_override(
    state: State<EmulatorState>,
    call: Extension<CallContext>,
    path: Path<(String, String, String)>,
    params: Params,
    body: Bytes,
) -> Response {
    if params.get("_HttpMethod").map(String::as_str) == Some("PATCH") {
        upsert(state, call, path, body).await
    } else {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "HTTP Method 'POST' not allowed. Allowed are PATCH",
        )
        .into_response()
    }
}

/// `DELETE /composite/sobjects?ids=a,b&allOrNone=`.
pub async fn delete(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Params(params): Params,
) -> Response {
    let ids: Vec<String> = params
        .get("ids")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "MISSING_ARGUMENT",
            "ids parameter is required",
        )
        .into_response();
    }
    if ids.len() > MAX_RECORDS {
        return too_many().into_response();
    }
    let all_or_none = params.get("allOrNone").is_some_and(|v| v == "true");
    run(
        &state,
        &call,
        all_or_none,
        ids.len(),
        false,
        |store, ctx, i| {
            let Some(text) = ids.get(i) else {
                return unexpected();
            };
            let Ok(id) = SfId::parse(text) else {
                return Row::Failed(
                    None,
                    RecordError::new("MALFORMED_ID", format!("malformed id {text}"), Vec::new()),
                );
            };
            match write::delete(store, ctx, id) {
                Ok(()) => Row::Done(Written { id, created: false }),
                Err(error) => Row::Failed(Some(id), error),
            }
        },
    )
}

/// `GET /composite/sobjects/{obj}?ids=&fields=`: records in the order asked, `null` where
/// a record is missing.
pub async fn retrieve(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object)): Path<(String, String)>,
    Params(params): Params,
) -> Response {
    let ids = params.get("ids").cloned().unwrap_or_default();
    let fields = params.get("fields").cloned().unwrap_or_default();
    retrieve_list(
        &state,
        &call,
        &object,
        ids.split(',').map(str::to_owned).collect(),
        &fields,
    )
}

/// `POST /composite/sobjects/{obj}` with `{"ids":[...],"fields":[...]}` (up to 2,000 ids).
pub async fn retrieve_post(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let map = match json_object(&body) {
        Ok(map) => map,
        Err(error) => return error.into_response(),
    };
    let strings = |key: &str| -> Vec<String> {
        map.get(key)
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    retrieve_list(
        &state,
        &call,
        &object,
        strings("ids"),
        &strings("fields").join(","),
    )
}

fn retrieve_list(
    state: &EmulatorState,
    call: &CallContext,
    object: &str,
    ids: Vec<String>,
    fields: &str,
) -> Response {
    let (index, def) = match object_def(&state.schema, object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let ids: Vec<String> = ids
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() || fields.trim().is_empty() {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "MISSING_ARGUMENT",
            "ids and fields are required",
        )
        .into_response();
    }
    if ids.len() > 2_000 {
        return too_many().into_response();
    }
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    let fields = match resolve_fields(&fls, def, fields) {
        Ok(fields) => fields,
        Err(error) => return error.into_response(),
    };
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    let mut out = Vec::with_capacity(ids.len());
    for text in &ids {
        let Ok(id) = SfId::parse(text) else {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "MALFORMED_ID",
                format!("malformed id {text}"),
            )
            .into_response();
        };
        out.push(
            store
                .get(index, &id)
                .filter(|r| r.deleted_ms.is_none())
                .map_or(Json::Null, |r| {
                    render_record(&call.version, &fls, def, r, Some(&fields))
                }),
        );
    }
    axum::Json(Json::Array(out)).into_response()
}
