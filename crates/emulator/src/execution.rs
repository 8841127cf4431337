//! Running a SOQL query against the store, once: what REST query (`/query`, `/queryAll`)
//! and Bulk API 2.0 query jobs share. It binds the text against the schema as the caller's
//! field-level security shows it, narrows the scan through an index where the WHERE clause
//! allows, and returns the matching row positions in result order.
//!
//! It reads records and never writes them, renders no JSON or CSV (each API does its own),
//! and knows nothing of cursors, jobs or HTTP beyond the error body of a failed query.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;

use axum::http::StatusCode;

use crate::clock::from_ms;
use crate::errors::ApiError;
use crate::fls::Fls;
use crate::id::SfId;
use crate::schema::{FieldType, ObjectDef, Schema};
use crate::soql::{self, BoundQuery, Catalog, Row, Selected, SoqlError, SoqlType, SoqlValue};
use crate::store::{IndexKey, Record, Store, Table};
use crate::value::Value;

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

fn soql_error(error: SoqlError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, error.code, error.message)
}

/// Parses `text` and binds it against the schema as `fls` shows it, with `now_ms` as the
/// instant relative dates (`TODAY`, `LAST_N_DAYS:n`) are read from.
///
/// # Errors
/// The engine's [`SoqlError`] (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, ...); each
/// API words the body its own way.
pub fn bind(schema: &Schema, fls: &Fls, text: &str, now_ms: i64) -> Result<BoundQuery, SoqlError> {
    let catalog = SchemaCatalog { schema, fls };
    soql::bind(soql::parse(text)?, &catalog, from_ms(now_ms))
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
    let bound = bind(&schema, fls, text, now_ms).map_err(soql_error)?;
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

/// An OFFSET or LIMIT as a number of rows, `default` when the query has none.
pub fn count(value: Option<u64>, default: usize) -> usize {
    value.map_or(default, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// Narrows the scan with an indexed equality or IN condition.
fn candidates_from_hint(bound: &BoundQuery, object: &ObjectDef, table: &Table) -> Option<Vec<u32>> {
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
