//! One row of an ingest job: what the header's columns name, how a row becomes entries
//! for the write path, and how an outcome reads in a result file.
//!
//! It owns the meaning of a CSV cell for a field: an empty cell leaves the field as it is
//! (unset on insert), `#N/A` sets it to null, `Rel.Ext__c` names a parent by external ID
//! (datafiles-prepare-csv.html in the Bulk API 2.0 guide). It never writes a record except
//! through [`crate::write`], never renders HTTP and never reaches for the org's state.

use serde_json::{Map, Value as Json};

use crate::id::SfId;

use crate::errors::{RecordError, err};
use crate::fls::Fls;
use crate::schema::Schema;
use crate::store::Store;
use crate::value::Incoming;
use crate::write::{self, Input, WriteContext, WriteFailure, WriteOp, Written};

/// An ingest operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Create records.
    Insert,
    /// Update records by Id.
    Update,
    /// Update or create by external ID.
    Upsert,
    /// Delete to the recycle bin.
    Delete,
    /// Delete for good (emulated as delete: the emulator keeps a recycle bin only).
    HardDelete,
}

impl Operation {
    /// The operation named by a create request.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "insert" => Operation::Insert,
            "update" => Operation::Update,
            "upsert" => Operation::Upsert,
            "delete" => Operation::Delete,
            "hardDelete" => Operation::HardDelete,
            _ => return None,
        })
    }

    /// The name job info shows.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Upsert => "upsert",
            Operation::Delete => "delete",
            Operation::HardDelete => "hardDelete",
        }
    }
}

/// What a header column names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// A field of the object (canonical API name).
    Field(String),
    /// A parent by external ID: `Account.Legacy_Id__c`.
    Parent {
        /// Relationship name (`Account`).
        relationship: String,
        /// The parent's external-ID field (`Legacy_Id__c`).
        field: String,
        /// The child's reference field (`AccountId`), for `#N/A`.
        reference: String,
    },
}

/// The outcome of one row.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Written: a `successfulResults` row.
    Success {
        /// The record's Id.
        id: SfId,
        /// Whether it was inserted (`sf__Created`).
        created: bool,
    },
    /// Refused: a `failedResults` row.
    Failure {
        /// The record's Id when the row named one (update, delete).
        id: Option<SfId>,
        /// Why, as the write path reports it.
        error: RecordError,
    },
}

/// `sf__Error`: `CODE:message:fields --`, each field followed by a space, so a failure
/// without fields ends in `:--`.
pub fn sf_error(error: &RecordError) -> String {
    let fields: String = error.fields.iter().map(|f| format!("{f} ")).collect();
    format!("{}:{}:{}--", error.status_code, error.message, fields)
}

/// Reads a job header's columns against the object (case-insensitive, FLS applied).
///
/// # Errors
/// The job's `errorMessage` for the first column the object does not have.
pub fn columns(
    schema: &Schema,
    fls: &Fls,
    object: &str,
    header: &[Option<String>],
) -> Result<Vec<Column>, String> {
    let not_found = |name: &str| format!("InvalidBatch : Field name not found : {name}");
    let def = schema.object(object).ok_or_else(|| not_found(object))?;
    let mut out = Vec::with_capacity(header.len());
    for cell in header {
        let name = cell.as_deref().unwrap_or_default();
        if let Some(field) = def
            .field(name)
            .filter(|f| !fls.is_hidden(&def.name, &f.name))
        {
            out.push(Column::Field(field.name.clone()));
            continue;
        }
        let parent = name.split_once('.').and_then(|(rel, ext)| {
            let reference = def.relationship(rel)?;
            let target = schema.object(reference.reference_to.first()?)?;
            let key = target.field(ext)?;
            (key.external_id || key.id_lookup).then(|| Column::Parent {
                relationship: reference.relationship_name.clone().unwrap_or_default(),
                field: key.name.clone(),
                reference: reference.name.clone(),
            })
        });
        out.push(parent.ok_or_else(|| not_found(name))?);
    }
    Ok(out)
}

/// What a job needs to write one row.
pub struct RowJob<'a> {
    /// The object's API name.
    pub object: &'a str,
    /// What to do with each row.
    pub operation: Operation,
    /// The upsert key.
    pub external_id: Option<&'a str>,
    /// The header's columns.
    pub columns: &'a [Column],
}

/// Writes one row through the write path. An empty cell leaves the field as it is (or
/// unset on insert); `#N/A` sets it to null (datafiles-prepare-csv.html).
pub fn process_row(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    job: &RowJob<'_>,
    cells: &[Option<String>],
) -> Outcome {
    let parents = parent_lookups(job, cells);
    let Row { id, key, entries } = Row::read(job, cells, &parents);
    match job.operation {
        Operation::Insert => {
            let result = write::write_entries(store, ctx, job.object, WriteOp::Create, entries);
            written(job, key, result, None)
        }
        Operation::Update => match target_id(store, job, id) {
            Ok(id) => {
                let op = WriteOp::Update(id);
                let result = write::write_entries(store, ctx, job.object, op, entries);
                written(job, key, result, Some(id))
            }
            Err(failure) => failure,
        },
        Operation::Upsert => match upsert_op(job, id, key) {
            Ok(op) => {
                let result = write::write_entries(store, ctx, job.object, op, entries);
                written(job, key, result, None)
            }
            Err(failure) => failure,
        },
        Operation::Delete | Operation::HardDelete => match target_id(store, job, id) {
            Ok(id) => match write::delete(store, ctx, id) {
                Ok(()) => Outcome::Success { id, created: false },
                Err(error) => Outcome::Failure {
                    id: Some(id),
                    error,
                },
            },
            Err(failure) => failure,
        },
    }
}

/// Each parent-lookup column's cell as the `{"Field": value}` object the write path
/// resolves, `None` for other columns and for empty or `#N/A` cells.
fn parent_lookups(job: &RowJob<'_>, cells: &[Option<String>]) -> Vec<Option<Json>> {
    job.columns
        .iter()
        .enumerate()
        .map(
            |(at, column)| match (column, cells.get(at).and_then(Option::as_deref)) {
                (Column::Parent { field, .. }, Some(text)) if text != "#N/A" => {
                    let mut map = Map::new();
                    map.insert(field.clone(), Json::String(text.to_owned()));
                    Some(Json::Object(map))
                }
                _ => None,
            },
        )
        .collect()
}

/// A row read against its header: the Id and upsert-key cells, and the entries to write.
struct Row<'a> {
    id: Option<&'a str>,
    key: Option<&'a str>,
    entries: Vec<(&'a str, Input<'a>)>,
}

impl<'a> Row<'a> {
    fn read(job: &'a RowJob<'_>, cells: &'a [Option<String>], parents: &'a [Option<Json>]) -> Self {
        let mut row = Row {
            id: None,
            key: None,
            entries: Vec::with_capacity(job.columns.len()),
        };
        for (at, column) in job.columns.iter().enumerate() {
            let cell = cells.get(at).and_then(Option::as_deref);
            match column {
                Column::Field(name) => {
                    if name == "Id" {
                        row.id = cell;
                        // An insert passes the Id on, so the write path refuses it as the API
                        // does.
                        if job.operation != Operation::Insert {
                            continue;
                        }
                    }
                    if job.external_id == Some(name.as_str()) {
                        row.key = cell;
                    }
                    match cell {
                        None => {}
                        Some("#N/A") => row.entries.push((name, Input::Typed(Incoming::Null))),
                        Some(text) => row.entries.push((name, Input::Cell(text))),
                    }
                }
                Column::Parent {
                    relationship,
                    reference,
                    ..
                } => match (cell, parents.get(at).and_then(Option::as_ref)) {
                    (Some("#N/A"), _) => {
                        row.entries.push((reference, Input::Typed(Incoming::Null)));
                    }
                    (Some(_), Some(json)) => row.entries.push((relationship, Input::Json(json))),
                    _ => {}
                },
            }
        }
        row
    }
}

/// The record an update or delete row names in its Id cell, or the row's failure.
fn target_id(store: &Store, job: &RowJob<'_>, text: Option<&str>) -> Result<SfId, Outcome> {
    let Some(text) = text else {
        let message = match job.operation {
            Operation::Update => "Id not specified in an update call",
            _ => "Id not specified in a delete call",
        };
        return Err(Outcome::Failure {
            id: None,
            error: err("MISSING_ARGUMENT", message, &[]),
        });
    };
    let id = SfId::parse(text).map_err(|_| Outcome::Failure {
        id: None,
        error: err("MALFORMED_ID", format!("malformed id {text}"), &[]),
    })?;
    let wrong_type = store
        .schema()
        .object(job.object)
        .is_none_or(|o| o.key_prefix != id.key_prefix());
    if wrong_type {
        return Err(Outcome::Failure {
            id: Some(id),
            error: err(
                "MALFORMED_ID",
                format!("{} ID: id value of incorrect type: {text}", job.object),
                &["Id"],
            ),
        });
    }
    Ok(id)
}

/// The upsert an upsert row asks for: by the job's external Id field, or by Id.
fn upsert_op<'a>(
    job: &RowJob<'a>,
    id: Option<&'a str>,
    key: Option<&'a str>,
) -> Result<WriteOp<'a>, Outcome> {
    let field = job.external_id.unwrap_or("Id");
    let value = if field == "Id" { id } else { key };
    let Some(value) = value.filter(|v| *v != "#N/A") else {
        return Err(Outcome::Failure {
            id: None,
            error: err(
                "MISSING_ARGUMENT",
                format!("{field} not specified"),
                &[field],
            ),
        });
    };
    Ok(WriteOp::Upsert {
        field,
        value,
        update_only: false,
    })
}

/// A write's result as the row's outcome; `key` is the row's upsert-key cell.
fn written(
    job: &RowJob<'_>,
    key: Option<&str>,
    result: Result<Written, WriteFailure>,
    id: Option<SfId>,
) -> Outcome {
    match result {
        Ok(w) => Outcome::Success {
            id: w.id,
            created: w.created,
        },
        Err(WriteFailure::Record(error)) => Outcome::Failure { id, error },
        Err(WriteFailure::MultipleMatches(_)) => Outcome::Failure {
            id,
            error: err(
                "DUPLICATE_EXTERNAL_ID",
                format!(
                    "{}: more than one record found for external id field: {}",
                    job.external_id.unwrap_or_default(),
                    key.unwrap_or_default()
                ),
                &[job.external_id.unwrap_or_default()],
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sf_error_lists_fields_then_dashes() {
        let with = RecordError::new(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [Status]",
            vec!["Status".into()],
        );
        assert_eq!(
            sf_error(&with),
            "REQUIRED_FIELD_MISSING:Required fields are missing: [Status]:Status --"
        );
        let without = RecordError::new(
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record",
            Vec::new(),
        );
        assert_eq!(
            sf_error(&without),
            "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"
        );
    }

    #[test]
    fn operations_round_trip() {
        for name in ["insert", "update", "upsert", "delete", "hardDelete"] {
            assert_eq!(Operation::parse(name).map(Operation::name), Some(name));
        }
        assert_eq!(Operation::parse("merge"), None);
    }
}
