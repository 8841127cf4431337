//! Single-record resources: `POST /sobjects/{obj}`, `GET/PATCH/DELETE /sobjects/{obj}/{id}`
//! and upsert by external ID `PATCH /sobjects/{obj}/{field}/{value}` (salesforce-api.md 4.1;
//! https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm).
//!
//! Status codes: create 201 + `Location` + `{"id","success","errors"}`; update and delete
//! 204; upsert 201 `created:true` / 200 `created:false` / 300 with the matching URLs / 404
//! `NOT_FOUND` for a field that is not an external ID. POST with `?_HttpMethod=PATCH` is a
//! PATCH. Every write goes through [`crate::write`].

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use crate::id::SfId;

use crate::call::{CallContext, Params, json_object, object_def};
use crate::errors::{ApiError, RecordError};
use crate::respond::{record_url, render_record, resolve_fields};
use crate::state::EmulatorState;
use crate::write::{self, WriteFailure, WriteOp};

fn lock_error() -> ApiError {
    RecordError::new(
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access to this record",
        Vec::new(),
    )
    .into_api_error()
}

fn failure(error: WriteFailure, version: &str, object: &str) -> Response {
    match error {
        WriteFailure::Record(error) => error.into_api_error().into_response(),
        WriteFailure::MultipleMatches(ids) => {
            let urls: Vec<Json> = ids
                .iter()
                .map(|id| json!(record_url(version, object, id.as_str())))
                .collect();
            (StatusCode::MULTIPLE_CHOICES, axum::Json(Json::Array(urls))).into_response()
        }
    }
}

/// `POST /sobjects/{obj}`: create.
pub async fn create(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (_, def) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let name = def.name.clone();
    let body = match json_object(&body) {
        Ok(map) => map,
        Err(error) => return error.into_response(),
    };
    if state.lock_fault(call.lock_all) {
        return lock_error().into_response();
    }
    let result = state.write_with(call.user, |store, ctx| {
        write::write(store, ctx, &name, WriteOp::Create, &body)
    });
    match result {
        Ok(written) => {
            let location = record_url(&call.version, &name, written.id.as_str());
            let mut response = (
                StatusCode::CREATED,
                axum::Json(json!({"id": written.id.as_str(), "success": true, "errors": []})),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Err(error) => failure(error, &call.version, &name),
    }
}

/// Parses the `{id}` path segment. An org reads a segment that is not an Id as an
/// external-ID field name, hence its wording.
fn path_id(object: &str, text: &str) -> Result<SfId, ApiError> {
    let _ = object;
    SfId::parse(text).map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {text}"),
        )
    })
}

/// `GET /sobjects/{obj}/{id}[?fields=]`.
pub async fn retrieve(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object, id)): Path<(String, String, String)>,
    Params(params): Params,
) -> Response {
    let (index, def) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let id = match path_id(&def.name, &id) {
        Ok(id) => id,
        Err(error) => return error.into_response(),
    };
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    let fields = match params.get("fields").map(|f| resolve_fields(&fls, def, f)) {
        Some(Err(error)) => return error.into_response(),
        Some(Ok(fields)) => Some(fields),
        None => None,
    };
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    match store.get(index, &id) {
        None => ApiError::not_found().into_response(),
        Some(record) if record.deleted_ms.is_some() => ApiError::new(
            StatusCode::NOT_FOUND,
            "ENTITY_IS_DELETED",
            "entity is deleted",
        )
        .into_response(),
        Some(record) => axum::Json(render_record(
            &call.version,
            &fls,
            def,
            record,
            fields.as_deref(),
        ))
        .into_response(),
    }
}

/// `PATCH /sobjects/{obj}/{id}`: update, 204.
pub async fn update(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let (index, def) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let name = def.name.clone();
    let id = match path_id(&name, &id) {
        Ok(id) => id,
        Err(error) => return error.into_response(),
    };
    let body = match json_object(&body) {
        Ok(map) => map,
        Err(error) => return error.into_response(),
    };
    let exists = state
        .store
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(index, &id)
        .map(|r| r.deleted_ms.is_some());
    match exists {
        None => return ApiError::not_found().into_response(),
        Some(true) => {
            return ApiError::new(
                StatusCode::NOT_FOUND,
                "ENTITY_IS_DELETED",
                "entity is deleted",
            )
            .into_response();
        }
        Some(false) => {}
    }
    if state.lock_fault(call.lock_all) {
        return lock_error().into_response();
    }
    match state.write_with(call.user, |store, ctx| {
        write::write(store, ctx, &name, WriteOp::Update(id), &body)
    }) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => failure(error, &call.version, &name),
    }
}

/// `DELETE /sobjects/{obj}/{id}`: 204.
pub async fn delete(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object, id)): Path<(String, String, String)>,
) -> Response {
    let (index, def) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let id = match path_id(&def.name, &id) {
        Ok(id) => id,
        Err(error) => return error.into_response(),
    };
    let exists = state
        .store
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(index, &id)
        .is_some();
    if !exists {
        return ApiError::not_found().into_response();
    }
    if state.lock_fault(call.lock_all) {
        return lock_error().into_response();
    }
    match state.write_with(call.user, |store, ctx| write::delete(store, ctx, id)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error.into_api_error().into_response(),
    }
}

/// `POST /sobjects/{obj}/{id}`: only meaningful as `?_HttpMethod=PATCH` (or DELETE), for
/// clients without PATCH (salesforce-api.md 2); `POST /sobjects/{obj}/Id` is a create.
pub async fn post_override(
    state: State<EmulatorState>,
    call: Extension<CallContext>,
    Path((version, object, id)): Path<(String, String, String)>,
    Params(params): Params,
    body: Bytes,
) -> Response {
    match params.get("_HttpMethod").map(String::as_str) {
        Some("PATCH") => update(state, call, Path((version, object, id)), body).await,
        Some("DELETE") => delete(state, call, Path((version, object, id))).await,
        _ if id == "Id" => create(state, call, Path((version, object)), body).await,
        _ => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "HTTP Method 'POST' not allowed. Allowed are GET,PATCH,DELETE",
        )
        .into_response(),
    }
}

/// `PATCH /sobjects/{obj}/{field}/{value}`: upsert by external ID.
pub async fn upsert(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
    Params(params): Params,
    body: Bytes,
) -> Response {
    let (index, def) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let name = def.name.clone();
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    let field_ok = def
        .field(&field)
        .is_some_and(|f| (f.external_id || f.name == "Id") && !fls.is_hidden(&name, &f.name));
    if !field_ok {
        return ApiError::not_found().into_response();
    }
    let body = match json_object(&body) {
        Ok(map) => map,
        Err(error) => return error.into_response(),
    };
    let update_only = params.get("updateOnly").is_some_and(|v| v == "true");
    if state.lock_fault(call.lock_all) {
        return lock_error().into_response();
    }
    let _ = index;
    let result = state.write_with(call.user, |store, ctx| {
        let mut body = body;
        // The key comes from the URL; a create stores it on the new record.
        if let Some(def) = store.schema().object(&name).and_then(|o| o.field(&field))
            && def.name != "Id"
        {
            body.insert(def.name.clone(), Json::String(value.clone()));
        }
        write::write(
            store,
            ctx,
            &name,
            WriteOp::Upsert {
                field: &field,
                value: &value,
                update_only,
            },
            &body,
        )
    });
    match result {
        Ok(written) => {
            let status = if written.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let mut response = (
                status,
                axum::Json(json!({"id": written.id.as_str(), "success": true, "errors": [], "created": written.created})),
            )
                .into_response();
            if written.created
                && let Ok(location) =
                    HeaderValue::from_str(&record_url(&call.version, &name, written.id.as_str()))
            {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Err(error) => failure(error, &call.version, &name),
    }
}

/// `POST /sobjects/{obj}/{field}/{value}?_HttpMethod=PATCH`.
pub async fn upsert_override(
    state: State<EmulatorState>,
    call: Extension<CallContext>,
    path: Path<(String, String, String, String)>,
    Params(params): Params,
    body: Bytes,
) -> Response {
    if params.get("_HttpMethod").map(String::as_str) == Some("PATCH") {
        upsert(state, call, path, Params(params), body).await
    } else {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "HTTP Method 'POST' not allowed. Allowed are GET,PATCH,DELETE",
        )
        .into_response()
    }
}

/// `GET /sobjects/{obj}/{field}/{value}`: retrieve by external ID.
pub async fn retrieve_by_external_id(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
) -> Response {
    let (index, def) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    let matches = match write::upsert_matches(&store, index, def, &field, &value) {
        Ok(matches) => matches,
        Err(_) => return ApiError::not_found().into_response(),
    };
    match matches.as_slice() {
        [] => ApiError::not_found().into_response(),
        [one] => match store.get(index, one) {
            Some(record) => {
                axum::Json(render_record(&call.version, &fls, def, record, None)).into_response()
            }
            None => ApiError::not_found().into_response(),
        },
        many => failure(
            WriteFailure::MultipleMatches(many.to_vec()),
            &call.version,
            &def.name,
        ),
    }
}
