//! Records as REST JSON: `attributes` with the record URL, and the fields a caller may
//! see, in describe order.
//!
//! It renders and resolves field lists only; it never reads the store itself or decides
//! which records a call sees.

use axum::http::StatusCode;
use serde_json::{Map, Value as Json, json};

use crate::errors::ApiError;
use crate::fls::Fls;
use crate::schema::ObjectDef;
use crate::store::Record;

/// The record URL an org puts in `attributes.url` and `Location`.
pub fn record_url(version: &str, object: &str, id: &str) -> String {
    format!("/services/data/{version}/sobjects/{object}/{id}")
}

/// `{"attributes":{"type","url"}}` for a record.
pub fn attributes(version: &str, object: &str, id: &str) -> Json {
    json!({"type": object, "url": record_url(version, object, id)})
}

/// A record as REST JSON: `attributes` first, then every visible field (or only `fields`)
/// in describe order, nulls included.
pub fn render_record(
    version: &str,
    fls: &Fls,
    object: &ObjectDef,
    record: &Record,
    fields: Option<&[usize]>,
) -> Json {
    let mut map = Map::new();
    map.insert(
        "attributes".into(),
        attributes(version, &object.name, record.id.as_str()),
    );
    let all: Vec<usize> = (0..object.fields.len()).collect();
    for at in fields.unwrap_or(&all) {
        let Some(field) = object.fields.get(*at) else {
            continue;
        };
        if fls.is_hidden(&object.name, &field.name) {
            continue;
        }
        let value = record
            .value(*at)
            .map_or(Json::Null, |v| v.to_json(field.field_type));
        map.insert(field.name.clone(), value);
    }
    Json::Object(map)
}

/// Resolves a comma-separated `fields` list against an object (FLS applied).
///
/// # Errors
/// 400 `INVALID_FIELD` naming the first unknown field, as an org words it for retrieves.
pub fn resolve_fields(fls: &Fls, object: &ObjectDef, list: &str) -> Result<Vec<usize>, ApiError> {
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match object.field_index(name) {
            Some(at) if !fls.is_hidden(&object.name, name) => out.push(at),
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_FIELD",
                    format!(
                        "No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                        object.name
                    ),
                ));
            }
        }
    }
    Ok(out)
}
