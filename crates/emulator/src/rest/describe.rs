//! Describe: `GET /sobjects/` (global), `GET /sobjects/{obj}` (basic info) and
//! `GET /sobjects/{obj}/describe`, filtered by the simulated FLS: hidden fields are absent,
//! read-only ones show `createable/updateable: false` (salesforce-api.md 7;
//! https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
//! `If-Modified-Since` answers 304 when the schema has not changed since (it never changes
//! while the emulator runs, except through FLS, which the emulator treats as a change at
//! the moment it was set).

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value as Json, json};

use crate::call::{CallContext, object_def};
use crate::errors::ApiError;
use crate::fls::Fls;
use crate::schema::{FieldDef, FieldType, ObjectDef};
use crate::state::EmulatorState;

fn urls(version: &str, object: &str) -> Json {
    let base = format!("/services/data/{version}/sobjects/{object}");
    json!({
        "compactLayouts": format!("{base}/describe/compactLayouts"),
        "rowTemplate": format!("{base}/{{ID}}"),
        "describe": format!("{base}/describe"),
        "sobject": base,
    })
}

fn summary(version: &str, object: &ObjectDef) -> Json {
    json!({
        "name": object.name,
        "label": object.label,
        "labelPlural": object.label_plural,
        "custom": object.custom,
        "keyPrefix": object.key_prefix,
        "queryable": true,
        "retrieveable": true,
        "searchable": true,
        "createable": object.createable,
        "updateable": object.updateable,
        "deletable": object.deletable,
        "undeletable": object.deletable,
        "replicateable": true,
        "urls": urls(version, &object.name),
    })
}

/// `GET /sobjects/`.
pub async fn global(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
) -> Response {
    let sobjects: Vec<Json> = state
        .schema
        .objects()
        .iter()
        .map(|o| summary(&call.version, o))
        .collect();
    axum::Json(json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}))
        .into_response()
}

/// `GET /sobjects/{obj}`: basic information and recent items.
pub async fn basic(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object)): Path<(String, String)>,
) -> Response {
    match object_def(&state.schema, &object) {
        Ok((_, def)) => {
            axum::Json(json!({"objectDescribe": summary(&call.version, def), "recentItems": []}))
                .into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// `GET /sobjects/{obj}/describe`.
pub async fn object(
    State(state): State<EmulatorState>,
    Extension(call): Extension<CallContext>,
    Path((_, object)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (_, def) = match object_def(&state.schema, &object) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    if unchanged_since(&state, &headers) {
        return ApiError::empty(StatusCode::NOT_MODIFIED).into_response();
    }
    let fls = state.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
    let fields: Vec<Json> = def
        .fields
        .iter()
        .filter(|f| !fls.is_hidden(&def.name, &f.name))
        .map(|f| describe_field(f, fls.is_read_only(&def.name, &f.name)))
        .collect();
    let children = child_relationships(&state, def, &fls);
    let record_types = record_type_infos(&call.version, def);
    let mut body = summary(&call.version, def);
    if let Some(map) = body.as_object_mut() {
        map.insert("fields".into(), Json::Array(fields));
        map.insert("childRelationships".into(), Json::Array(children));
        map.insert("recordTypeInfos".into(), Json::Array(record_types));
    }
    axum::Json(body).into_response()
}

/// Whether `If-Modified-Since` is at or after the org was built: the schema is fixed when
/// the org is built, so describe has not changed since then.
fn unchanged_since(state: &EmulatorState, headers: &HeaderMap) -> bool {
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| {
            since.with_timezone(&Utc).timestamp_millis() >= state.schema_built_ms()
        })
}

/// One entry of `fields`; a field the user may only read is neither createable nor
/// updateable.
fn describe_field(f: &FieldDef, read_only: bool) -> Json {
    let picklist: Vec<Json> = f
        .picklist_values
        .iter()
        .map(|p| json!({"active": p.active, "defaultValue": p.default, "label": p.label, "validFor": null, "value": p.value}))
        .collect();
    let name_field = f.name == "Name";
    json!({
        "name": f.name,
        "label": f.label,
        "type": f.field_type.api_name(),
        "soapType": f.field_type.soap_type(),
        "length": f.length,
        "byteLength": f.length.saturating_mul(3),
        "precision": f.precision,
        "scale": f.scale,
        "digits": f.digits,
        "nillable": f.nillable,
        "createable": f.createable && !read_only,
        "updateable": f.updateable && !read_only,
        "defaultedOnCreate": f.defaulted_on_create,
        "calculated": f.calculated,
        "externalId": f.external_id,
        "unique": f.unique,
        "idLookup": f.id_lookup,
        "nameField": name_field,
        "custom": f.custom,
        "filterable": f.filterable,
        "sortable": f.field_type != FieldType::TextArea,
        "groupable": f.field_type != FieldType::TextArea,
        "caseSensitive": f.case_sensitive,
        "cascadeDelete": f.cascade_delete,
        "referenceTo": f.reference_to,
        "relationshipName": f.relationship_name,
        "restrictedPicklist": f.restricted_picklist,
        "picklistValues": picklist,
        "defaultValue": f.default_boolean,
        "polymorphicForeignKey": f.reference_to.len() > 1,
    })
}

/// `childRelationships`, without those through a field the user cannot see.
fn child_relationships(state: &EmulatorState, def: &ObjectDef, fls: &Fls) -> Vec<Json> {
    state
        .schema
        .child_relationships(&def.name)
        .into_iter()
        .filter(|c| !fls.is_hidden(&c.child_object, &c.field))
        .map(|c| {
            json!({
                "cascadeDelete": c.cascade_delete,
                "childSObject": c.child_object,
                "deprecatedAndHidden": false,
                "field": c.field,
                "relationshipName": c.relationship_name,
            })
        })
        .collect()
}

/// `recordTypeInfos`: the object's record types, or the Master one when it has none.
fn record_type_infos(version: &str, def: &ObjectDef) -> Vec<Json> {
    let mut record_types: Vec<Json> = def
        .record_types
        .iter()
        .map(|r| json!({
            "active": true,
            "available": true,
            "defaultRecordTypeMapping": r.default,
            "developerName": r.developer_name,
            "master": r.master,
            "name": r.label,
            "recordTypeId": r.id.as_str(),
            "urls": {"layout": format!("/services/data/{}/sobjects/{}/describe/layouts/{}", version, def.name, r.id)},
        }))
        .collect();
    if record_types.is_empty() {
        record_types.push(json!({"active": true, "available": true, "defaultRecordTypeMapping": true, "developerName": "Master", "master": true, "name": "Master", "recordTypeId": "012000000000000AAA", "urls": {}}));
    }
    record_types
}
