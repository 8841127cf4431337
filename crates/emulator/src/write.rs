//! The one per-record write path: create, update, upsert and delete with every check an org
//! makes, the derived fields it maintains, and the system fields it stamps.
//!
//! Single-record REST, sObject Collections, seeding (fixtures and the generator) and Bulk API
//! 2.0 ingest all go through [`write()`] and [`delete`], so a record is accepted or rejected the
//! same way whatever the door (Bulk passes CSV cells as JSON strings, which [`from_json`]
//! accepts for every type). Errors are per-record [`RecordError`]s; the caller decides whether
//! they become a 400 or an entry in a result array. This module never renders responses and
//! never reads the wall clock: `now_ms` comes from the emulator clock.
//!
//! Messages follow the REST API error-code list (salesforce-api.md 2.3) and observed org
//! answers: INVALID_FIELD_FOR_INSERT_UPDATE
//! (https://salesforcedictionary.com/errors/invalid-field-for-insert-update),
//! DUPLICATE_VALUE (https://help.salesforce.com/s/articleView?id=000383480).

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use crate::id::SfId;

use super::checks::{
    check_account_hierarchy, check_event, check_owner_active, check_record_type_stage,
    check_reference, check_required, check_unique, check_value, parse_reference,
};
use super::clock::whole_second;
use super::derive::{account_of, derive, refresh_last_activity};
use super::errors::{RecordError, err};
use super::faults::{LockTarget, ValidationRule};
use super::fls::Fls;
use super::schema::{FieldDef, FieldType, ObjectDef, Schema};
use super::store::{IndexKey, Record, Store};
use super::value::{Incoming, Value, from_json};

/// Who writes, when, and under which rules.
#[derive(Debug, Clone, Copy)]
pub struct WriteContext<'a> {
    /// The emulator clock's now, in milliseconds.
    pub now_ms: i64,
    /// The running user (CreatedById, default OwnerId).
    pub user: SfId,
    /// Field-level security of the running user.
    pub fls: &'a Fls,
    /// Seeding may set audit fields (CreatedDate, ...) and a record's own Id, as data loads
    /// with "Set Audit Fields upon Record Creation" can.
    pub seed: bool,
    /// Validation rules injected as faults.
    pub rules: &'a [ValidationRule],
    /// Records the `lock-ids=` fault keeps locked: writes to them fail UNABLE_TO_LOCK_ROW.
    pub locked: &'a [LockTarget],
}

/// What to do with the record.
#[derive(Debug, Clone, Copy)]
pub enum WriteOp<'a> {
    /// Insert a new record.
    Create,
    /// Update the record with this Id.
    Update(SfId),
    /// Update the record whose external-ID `field` equals `value`, or insert it.
    Upsert {
        /// External-ID field (or `Id`).
        field: &'a str,
        /// Its value.
        value: &'a str,
        /// Fail instead of inserting when nothing matches.
        update_only: bool,
    },
}

/// A successful write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// The record's Id.
    pub id: SfId,
    /// Whether it was inserted (upsert reports this as `created`).
    pub created: bool,
}

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteFailure {
    /// The record was rejected.
    Record(RecordError),
    /// An upsert key matched several records (HTTP 300 on single-record upsert).
    MultipleMatches(Vec<SfId>),
}

impl From<RecordError> for WriteFailure {
    fn from(error: RecordError) -> Self {
        WriteFailure::Record(error)
    }
}

/// Audit fields that seeding may set.
const AUDIT_FIELDS: &[&str] = &[
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "ClosedDate",
    "CompletedDateTime",
];

/// `INVALID_FIELD` for a field the object does not have (or the user cannot see).
pub fn no_such_column(object: &str, field: &str) -> RecordError {
    err(
        "INVALID_FIELD",
        format!("No such column '{field}' on sobject of type {object}"),
        &[field],
    )
}

/// Checks only the JSON shape of a record body (unknown fields and value types), so a
/// Collections request can be refused as a whole before anything is written, as an org
/// refuses a body it cannot deserialize.
///
/// # Errors
/// The first `INVALID_FIELD` or `JSON_PARSER_ERROR`.
pub fn check_shape(
    schema: &Schema,
    fls: &Fls,
    object: &ObjectDef,
    body: &Map<String, Json>,
) -> Result<(), RecordError> {
    for (key, json) in body {
        if key == "attributes" || key.eq_ignore_ascii_case("id") {
            continue;
        }
        match object.field(key) {
            Some(field) if !fls.is_hidden(&object.name, &field.name) => {
                from_json(field, json).map_err(|e| err("JSON_PARSER_ERROR", e.message, &[]))?;
            }
            _ => {
                let parent = object.relationship(key).filter(|_| json.is_object());
                if parent.is_none() {
                    return Err(no_such_column(&object.name, key));
                }
                let _ = schema;
            }
        }
    }
    Ok(())
}

/// One entry of a record body on its way into the write path.
#[derive(Debug, Clone)]
pub enum Input<'a> {
    /// A JSON value from a REST or Collections body (Bulk passes CSV cells as JSON strings).
    Json(&'a Json),
    /// A value that is already typed (seeding from the generator), checked like any other.
    Typed(Incoming),
    /// A Bulk API CSV cell (`#N/A` already turned into [`Input::Typed`] null by the
    /// caller). A cell that does not fit the field's type fails that row with
    /// `INVALID_TYPE_ON_FIELD_IN_RECORD`, the data-load error
    /// (https://help.salesforce.com/s/articleView?id=000390015), where a JSON body fails
    /// the whole request with `JSON_PARSER_ERROR`.
    Cell(&'a str),
}

/// A body entry after its JSON shape was checked.
enum Prepared<'a> {
    /// A field of the object with its converted value.
    Field(usize, Incoming),
    /// A parent given by external ID: `"Account": {"Ext__c": "x"}`.
    Parent(&'a str, &'a Json),
}

/// Creates, updates or upserts one record of `object_name` from its JSON body.
///
/// # Errors
/// [`WriteFailure::Record`] with the org's status code and message, or
/// [`WriteFailure::MultipleMatches`] for an ambiguous upsert.
pub fn write(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    object_name: &str,
    op: WriteOp<'_>,
    body: &Map<String, Json>,
) -> Result<Written, WriteFailure> {
    let entries: Vec<(&str, Input<'_>)> = body
        .iter()
        .filter(|(k, _)| *k != "attributes")
        .map(|(k, v)| (k.as_str(), Input::Json(v)))
        .collect();
    write_entries(store, ctx, object_name, op, entries)
}

/// Creates, updates or upserts one record from (API name, value) entries: the one write path
/// behind [`write()`], seeding and Bulk ingest. It checks in the order an org does: the body's
/// shape, the record it names, the fields' writability, then each value, the derived fields
/// and the record as a whole, and only then stamps and stores it.
///
/// # Errors
/// As [`write()`].
pub fn write_entries(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    object_name: &str,
    op: WriteOp<'_>,
    entries: Vec<(&str, Input<'_>)>,
) -> Result<Written, WriteFailure> {
    let schema = Arc::clone(store.schema());
    let object_index = schema.object_index(object_name).ok_or_else(not_found)?;
    let object = schema.object_at(object_index).ok_or_else(not_found)?;
    let (given_id, prepared) = prepare(ctx, object, entries)?;
    let target = target(store, ctx, object_index, object, op)?;
    let creating = target.is_none();
    let old = target.and_then(|id| store.get(object_index, &id).cloned());
    check_writable(ctx, object, &prepared, creating)?;
    let id = match &old {
        Some(old) => old.id,
        None => new_id(store, ctx, object_index, object, given_id)?,
    };
    let mut record = old.clone().unwrap_or_else(|| Record::new(id));
    let touched = set_values(store, ctx, object, &mut record, prepared)?;
    if creating {
        apply_defaults(object, &mut record, &touched, ctx.user);
    }
    derive(
        store,
        &schema,
        object,
        old.as_ref(),
        &mut record,
        &touched,
        ctx.now_ms,
    )?;
    check_record(store, ctx, object_index, object, old.as_ref(), &record)?;
    stamp(ctx, object, &mut record, &touched, creating);
    save(store, ctx, object_index, object, old.as_ref(), record)?;
    Ok(Written {
        id,
        created: creating,
    })
}

/// `NOT_FOUND` for an object or record that does not exist.
fn not_found() -> RecordError {
    err("NOT_FOUND", "The requested resource does not exist", &[])
}

/// Checks the body's shape first, as an org deserializes it before anything else: unknown
/// (or hidden) fields, then value types. Returns the `Id` entry, if any, and the rest.
fn prepare<'e>(
    ctx: &WriteContext<'_>,
    object: &ObjectDef,
    entries: Vec<(&'e str, Input<'e>)>,
) -> Result<(Option<Input<'e>>, Vec<Prepared<'e>>), RecordError> {
    let mut given_id: Option<Input<'_>> = None;
    let mut prepared: Vec<Prepared<'_>> = Vec::with_capacity(entries.len());
    for (key, input) in entries {
        if key.eq_ignore_ascii_case("id") {
            given_id = Some(input);
            continue;
        }
        let visible = object.field_index(key).and_then(|at| {
            let field = object.fields.get(at)?;
            (!ctx.fls.is_hidden(&object.name, &field.name)).then_some((at, field))
        });
        match (visible, input) {
            (Some((at, field)), Input::Json(json)) => {
                let incoming =
                    from_json(field, json).map_err(|e| err("JSON_PARSER_ERROR", e.message, &[]))?;
                prepared.push(Prepared::Field(at, incoming));
            }
            (Some((at, _)), Input::Typed(incoming)) => prepared.push(Prepared::Field(at, incoming)),
            (Some((at, field)), Input::Cell(text)) => {
                let incoming = from_json(field, &Json::String(text.to_owned())).map_err(|_| {
                    err(
                        "INVALID_TYPE_ON_FIELD_IN_RECORD",
                        format!("{}: value not of required type: {text}", field.label),
                        &[field.name.as_str()],
                    )
                })?;
                prepared.push(Prepared::Field(at, incoming));
            }
            (None, Input::Json(json)) if json.is_object() && object.relationship(key).is_some() => {
                prepared.push(Prepared::Parent(key, json));
            }
            (None, _) => return Err(no_such_column(&object.name, key)),
        }
    }
    Ok((given_id, prepared))
}

/// Which record the write names: none (an insert) or an existing row, and whether the
/// object takes that operation at all.
fn target(
    store: &Store,
    ctx: &WriteContext<'_>,
    object_index: usize,
    object: &ObjectDef,
    op: WriteOp<'_>,
) -> Result<Option<SfId>, WriteFailure> {
    let target: Option<SfId> = match op {
        WriteOp::Create => None,
        WriteOp::Update(id) => Some(existing(store, object_index, id)?),
        WriteOp::Upsert {
            field,
            value,
            update_only,
        } => {
            let matches = upsert_matches(store, object_index, object, field, value)?;
            match matches.as_slice() {
                // An upsert keyed on Id cannot create a record with that Id.
                [] if update_only || field.eq_ignore_ascii_case("id") => {
                    return Err(not_found().into());
                }
                [] => None,
                [one] => Some(*one),
                many => return Err(WriteFailure::MultipleMatches(many.to_vec())),
            }
        }
    };
    let (allowed, verb) = match target {
        None => (object.createable, "inserted"),
        Some(_) => (object.updateable, "updated"),
    };
    if !allowed && !ctx.seed {
        return Err(err(
            "INVALID_TYPE_FOR_OPERATION",
            format!("entity type cannot be {verb}: {}", object.label),
            &[],
        )
        .into());
    }
    Ok(target)
}

/// Writability: an org lists every read-only field of the body in one error. Seeding may
/// set the audit fields.
fn check_writable(
    ctx: &WriteContext<'_>,
    object: &ObjectDef,
    prepared: &[Prepared<'_>],
    creating: bool,
) -> Result<(), RecordError> {
    let mut read_only: Vec<&str> = Vec::new();
    for entry in prepared {
        let Prepared::Field(at, _) = entry else {
            continue;
        };
        let Some(field) = object.fields.get(*at) else {
            continue;
        };
        let allowed = if creating {
            field.createable
        } else {
            field.updateable
        };
        let writable = allowed && !ctx.fls.is_read_only(&object.name, &field.name);
        let seeded_audit = || ctx.seed && AUDIT_FIELDS.contains(&field.name.as_str());
        if !writable && !seeded_audit() {
            read_only.push(field.name.as_str());
        }
    }
    if read_only.is_empty() {
        return Ok(());
    }
    Err(err(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        format!(
            "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
            read_only.join(", ")
        ),
        &read_only,
    ))
}

/// The Id of a record being inserted: a fresh one, or, when seeding, the one the data gives
/// (a data load can keep its Ids). An API insert may not name its Id.
fn new_id(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    object_index: usize,
    object: &ObjectDef,
    given_id: Option<Input<'_>>,
) -> Result<SfId, RecordError> {
    let Some(given) = given_id else {
        return store
            .allocate_id(object_index)
            .ok_or_else(|| err("UNKNOWN_EXCEPTION", "An unexpected error occurred.", &[]));
    };
    if !ctx.seed {
        return Err(err(
            "INVALID_FIELD",
            "Record ID: cannot specify Id in an insert call",
            &["Id"],
        ));
    }
    let text = match &given {
        Input::Json(Json::String(text)) => text.clone(),
        Input::Typed(Incoming::Id(id)) => id.as_str().to_owned(),
        Input::Typed(Incoming::Reference(text)) => text.clone(),
        Input::Cell(text) => (*text).to_owned(),
        Input::Json(other) => other.to_string(),
        Input::Typed(_) => String::new(),
    };
    let id = SfId::parse(&text).map_err(|_| {
        err(
            "MALFORMED_ID",
            format!("Record ID: id value of incorrect type: {text}"),
            &["Id"],
        )
    })?;
    if id.key_prefix() != object.key_prefix || store.get_any(&id).is_some() {
        return Err(err(
            "DUPLICATE_VALUE",
            format!("duplicate value found: Id duplicates value on record with id: {id}"),
            &[],
        ));
    }
    Ok(id)
}

/// Sets each value of the body on `record`, checking it against its field (references,
/// owners, picklists, lengths, ...). Returns the fields the body set.
fn set_values(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    object: &ObjectDef,
    record: &mut Record,
    prepared: Vec<Prepared<'_>>,
) -> Result<Vec<usize>, RecordError> {
    let mut touched: Vec<usize> = Vec::with_capacity(prepared.len());
    for entry in prepared {
        let (at, value) = match entry {
            Prepared::Parent(key, json) => {
                let (at, parent) = parent_by_external_id(store, object, key, json)?;
                (at, Some(Value::Id(parent)))
            }
            Prepared::Field(at, incoming) => {
                let Some(field) = object.fields.get(at) else {
                    continue;
                };
                (at, checked_value(store, ctx, object, field, incoming)?)
            }
        };
        record.set(at, value);
        touched.push(at);
    }
    Ok(touched)
}

/// One incoming value as the field stores it: null (`false` for a checkbox), a checked
/// reference (an active owner outside seeding) or a checked value.
fn checked_value(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    object: &ObjectDef,
    field: &FieldDef,
    incoming: Incoming,
) -> Result<Option<Value>, RecordError> {
    let id = match incoming {
        Incoming::Null if field.field_type == FieldType::Boolean => {
            return Ok(Some(Value::Bool(false)));
        }
        Incoming::Null => return Ok(None),
        Incoming::Value(value) => return Ok(Some(check_value(store, object, field, value)?)),
        Incoming::Reference(text) => parse_reference(field, &text)?,
        Incoming::Id(id) => id,
    };
    let id = check_reference(store, object, field, id)?;
    if !ctx.seed {
        check_owner_active(store, object, field, id)?;
    }
    Ok(Some(Value::Id(id)))
}

/// The checks on the record as a whole, after its derived fields: required fields, the
/// sales process, Event times, unique fields, the account hierarchy, the locked records of
/// the `lock-ids=` fault, the validation rules of the `validation=` fault, then the org's
/// own validation rules from metadata (against `old` for `ISCHANGED`).
fn check_record(
    store: &Store,
    ctx: &WriteContext<'_>,
    object_index: usize,
    object: &ObjectDef,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), RecordError> {
    check_required(object, record)?;
    check_record_type_stage(object, record)?;
    check_event(object, record)?;
    check_unique(store, object_index, object, record)?;
    check_account_hierarchy(store, object_index, object, record)?;
    check_locked(ctx, object, record)?;
    if let Some(rule) = ctx.rules.iter().find(|rule| rule.matches(object, record)) {
        return Err(err(
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            rule.message.clone(),
            &[],
        ));
    }
    // An org reports every rule that fails; the emulator reports the first, in name order.
    match object
        .validation_rules
        .iter()
        .find(|rule| rule.refuses(old, record))
    {
        Some(rule) => {
            let fields: Vec<&str> = rule.display_field.as_deref().into_iter().collect();
            Err(err(
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                rule.message.clone(),
                &fields,
            ))
        }
        None => Ok(()),
    }
}

/// The system fields: who and when created and last modified it, and SystemModstamp.
/// Seeding may give the audit dates (a record created in the past); an API write stamps
/// now.
fn stamp(
    ctx: &WriteContext<'_>,
    object: &ObjectDef,
    record: &mut Record,
    touched: &[usize],
    creating: bool,
) {
    // Audit timestamps are whole seconds, given ones too (an org stores no milliseconds).
    let now = whole_second(ctx.now_ms);
    let set_ms = |record: &mut Record, name: &str, ms: i64| {
        if let Some(at) = object.field_index(name) {
            record.set(at, Some(Value::DateTime(whole_second(ms))));
        }
    };
    let given = |record: &Record, name: &str| -> Option<i64> {
        let at = object.field_index(name)?;
        match record.get(at) {
            Some(Value::DateTime(ms)) if touched.contains(&at) => Some(*ms),
            _ => None,
        }
    };
    if !creating {
        set_ms(record, "LastModifiedDate", now);
        set_ms(record, "SystemModstamp", now);
        if let Some(at) = object.field_index("LastModifiedById") {
            record.set(at, Some(Value::Id(ctx.user)));
        }
        return;
    }
    let created = given(record, "CreatedDate")
        .filter(|_| ctx.seed)
        .unwrap_or(now);
    set_ms(record, "CreatedDate", created);
    let closed = given(record, "ClosedDate").unwrap_or(created);
    let modified = given(record, "LastModifiedDate").unwrap_or(created.max(closed));
    set_ms(record, "LastModifiedDate", modified);
    let stamp = given(record, "SystemModstamp").unwrap_or(modified);
    set_ms(record, "SystemModstamp", stamp);
    for by in ["CreatedById", "LastModifiedById"] {
        if let Some(at) = object.field_index(by)
            && record.get(at).is_none()
        {
            record.set(at, Some(Value::Id(ctx.user)));
        }
    }
}

/// Stores the record (in place of `old`, or as a new row) and refreshes the
/// LastActivityDate of the accounts an activity moved between.
fn save(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    object_index: usize,
    object: &ObjectDef,
    old: Option<&Record>,
    record: Record,
) -> Result<(), RecordError> {
    let old_account = old.and_then(|r| account_of(object, r));
    let new_account = account_of(object, &record);
    match store
        .table(object_index)
        .and_then(|t| t.position(&record.id))
    {
        Some(at) => store.replace(object_index, at, record),
        None => {
            store
                .insert(object_index, record)
                .ok_or_else(|| err("UNKNOWN_EXCEPTION", "An unexpected error occurred.", &[]))?;
        }
    }
    // Seeding computes LastActivityDate once for every account after loading.
    if !ctx.seed {
        refresh_last_activity(store, object, old_account, new_account, ctx.now_ms);
    }
    Ok(())
}

fn existing(store: &Store, object: usize, id: SfId) -> Result<SfId, RecordError> {
    match store.get(object, &id) {
        Some(record) if record.deleted_ms.is_some() => {
            Err(err("ENTITY_IS_DELETED", "entity is deleted", &[]))
        }
        Some(record) => Ok(record.id),
        None => Err(err(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            &[],
        )),
    }
}

/// The live records whose external-ID `field` equals `value` (or whose Id is `value`).
///
/// # Errors
/// `NOT_FOUND` when `field` is not an external-ID (idLookup) field of the object.
pub fn upsert_matches(
    store: &Store,
    object_index: usize,
    object: &ObjectDef,
    field: &str,
    value: &str,
) -> Result<Vec<SfId>, RecordError> {
    let not_found = || err("NOT_FOUND", "The requested resource does not exist", &[]);
    let at = object.field_index(field).ok_or_else(not_found)?;
    let def = object.fields.get(at).ok_or_else(not_found)?;
    if def.field_type == FieldType::Id {
        let Ok(id) = SfId::parse(value) else {
            return Ok(Vec::new());
        };
        return Ok(store
            .get(object_index, &id)
            .filter(|r| r.deleted_ms.is_none())
            .map(|r| vec![r.id])
            .unwrap_or_default());
    }
    if !def.external_id {
        return Err(not_found());
    }
    let key = match def.field_type {
        FieldType::Double | FieldType::Int => value
            .parse::<f64>()
            .ok()
            .map(|n| IndexKey::Number(n.to_bits())),
        _ => Some(IndexKey::Text(value.to_lowercase().into_boxed_str())),
    };
    let Some(key) = key else {
        return Ok(Vec::new());
    };
    let Some(table) = store.table(object_index) else {
        return Ok(Vec::new());
    };
    // Numbers matched by their bits already; text may still differ in case.
    let text = !matches!(def.field_type, FieldType::Double | FieldType::Int);
    Ok(table
        .lookup(at, &key)
        .iter()
        .filter_map(|row| table.row(*row))
        .filter(|r| r.deleted_ms.is_none())
        .filter(|r| !text || same_text(def, r.get(at), value))
        .map(|r| r.id)
        .collect())
}

/// Whether `stored` is the value `given` for matching and uniqueness; the index has
/// already matched them ignoring case.
fn same_text(def: &FieldDef, stored: Option<&Value>, given: &str) -> bool {
    def.ignores_case() || stored.and_then(Value::as_text) == Some(given)
}

fn parent_by_external_id(
    store: &Store,
    object: &ObjectDef,
    key: &str,
    json: &Json,
) -> Result<(usize, SfId), RecordError> {
    let field = object
        .relationship(key)
        .ok_or_else(|| no_such_column(&object.name, key))?;
    let at = object
        .field_index(&field.name)
        .ok_or_else(|| no_such_column(&object.name, key))?;
    let target = field
        .reference_to
        .first()
        .ok_or_else(|| no_such_column(&object.name, key))?;
    let schema = store.schema();
    let parent_index = schema
        .object_index(target)
        .ok_or_else(|| no_such_column(&object.name, key))?;
    let parent = schema
        .object_at(parent_index)
        .ok_or_else(|| no_such_column(&object.name, key))?;
    let Some((ext_field, ext_json)) = json
        .as_object()
        .and_then(|m| m.iter().find(|(k, _)| *k != "attributes"))
    else {
        return Err(no_such_column(&object.name, key));
    };
    let ext_value = match ext_json {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let matches = upsert_matches(store, parent_index, parent, ext_field, &ext_value)
        .map_err(|_| no_such_column(&parent.name, ext_field))?;
    match matches.as_slice() {
        [one] => Ok((at, *one)),
        [] => Err(err(
            "INVALID_FIELD",
            format!(
                "Foreign key external ID: {ext_value} not found for field {ext_field} in entity {}",
                parent.name
            ),
            &[],
        )),
        _ => Err(err(
            "DUPLICATE_EXTERNAL_ID",
            format!(
                "Foreign key external ID: {ext_value} matched more than one record for field {ext_field} in entity {}",
                parent.name
            ),
            &[],
        )),
    }
}

fn apply_defaults(object: &ObjectDef, record: &mut Record, touched: &[usize], user: SfId) {
    for (at, field) in object.fields.iter().enumerate() {
        if touched.contains(&at) || record.get(at).is_some() {
            continue;
        }
        if let Some(default) = field.default_boolean {
            record.set(at, Some(Value::Bool(default)));
        } else if let Some(value) = field.default_picklist_value() {
            record.set(at, Some(Value::Text(Arc::from(value))));
        } else if field.name == "OwnerId" {
            record.set(at, Some(Value::Id(user)));
        }
    }
    if let Some(at) = object.field_index("RecordTypeId")
        && record.get(at).is_none()
        && let Some(rt) = object.record_types.iter().find(|r| r.default)
    {
        record.set(at, Some(Value::Id(rt.id)));
    }
}

/// UNABLE_TO_LOCK_ROW when the `lock-ids=` fault names the record (by Id, or by an
/// external-ID value it has or is being given); salesforce-api.md 10.6: "UNABLE_TO_LOCK_ROW
/// (whole call or chosen rows)". Message as salesforce-api.md 2.3.
fn check_locked(
    ctx: &WriteContext<'_>,
    object: &ObjectDef,
    record: &Record,
) -> Result<(), RecordError> {
    if ctx
        .locked
        .iter()
        .any(|target| target.matches(object, record))
    {
        return Err(err(
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record",
            &[],
        ));
    }
    Ok(())
}

/// What deleting a parent record does to one child relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnParentDelete {
    /// The children go to the recycle bin with the parent.
    Cascade,
    /// The children stay, with the lookup cleared (and SystemModstamp bumped).
    Clear,
    /// Nothing happens (a derived field that follows other lookups).
    Keep,
}

/// The org's rule for `child_object.field` when a record of `parent` is deleted.
///
/// Master-detail children always go. Deleting an account also moves its contacts,
/// opportunities, contracts that are not activated and activities to the recycle bin,
/// and activities go with any record they are attached to (Salesforce Help, "Delete
/// Accounts": "Deleted accounts are moved to the Recycle Bin, along with these associated
/// items: Contacts, Opportunities, Contracts (if they're not activated), Activities, ...",
/// https://help.salesforce.com/s/articleView?id=sf.account_delete.htm, quoted by
/// simplysfdc.com "What Happens when You Delete Accounts in Salesforce"). Any other lookup is
/// cleared, the default of a lookup field ("Clear the value of this field") [verify for
/// each standard lookup].
fn on_parent_delete(
    parent: &str,
    child_object: &str,
    field: &str,
    cascade: bool,
) -> OnParentDelete {
    if cascade {
        return OnParentDelete::Cascade;
    }
    match (parent, child_object, field) {
        (_, "Task" | "Event", "WhatId" | "WhoId") => OnParentDelete::Cascade,
        // Derived from What/Who: those decide.
        (_, "Task" | "Event", "AccountId") => OnParentDelete::Keep,
        ("Account", "Contact" | "Opportunity" | "Contract", "AccountId") => OnParentDelete::Cascade,
        // Audit and ownership fields point at users and record types, which are never
        // deleted through the API.
        (_, _, "OwnerId" | "CreatedById" | "LastModifiedById" | "RecordTypeId") => {
            OnParentDelete::Keep
        }
        _ => OnParentDelete::Clear,
    }
}

/// The live records of `child_index` whose `field` holds `id`.
fn live_children(store: &Store, child_index: usize, field: usize, id: SfId) -> Vec<SfId> {
    store
        .table(child_index)
        .map(|t| {
            t.lookup(field, &IndexKey::Id(id))
                .iter()
                .filter_map(|r| t.row(*r))
                .filter(|r| r.deleted_ms.is_none())
                .map(|r| r.id)
                .collect()
        })
        .unwrap_or_default()
}

/// An account the org refuses to delete: one with cases, or with activated contracts
/// (Help, "Delete Accounts": you can't delete an account that "has associated cases,
/// activated contracts"). `DELETE_FAILED` and the wording "Your attempt to delete X could
/// not be completed because it is associated with the following cases.: 00001026" are
/// `[verify]`.
fn check_account_deletable(
    store: &Store,
    schema: &Schema,
    account: &Record,
    object: &ObjectDef,
) -> Result<(), RecordError> {
    let name = object
        .field_index("Name")
        .and_then(|at| account.get(at))
        .and_then(|v| match v {
            Value::Text(t) => Some(t.to_string()),
            _ => None,
        })
        .unwrap_or_default();
    for (child, number, what) in [
        ("Case", "CaseNumber", "cases"),
        ("Contract", "ContractNumber", "contracts"),
    ] {
        let Some(child_index) = schema.object_index(child) else {
            continue;
        };
        let Some(child_def) = schema.object_at(child_index) else {
            continue;
        };
        let Some(field) = child_def.field_index("AccountId") else {
            continue;
        };
        let blocking: Vec<String> = live_children(store, child_index, field, account.id)
            .iter()
            .filter_map(|id| store.get(child_index, id))
            .filter(|r| {
                child != "Contract"
                    || super::derive::text_of(child_def, r, "StatusCode") == Some("Activated")
            })
            .map(|r| {
                super::derive::text_of(child_def, r, number)
                    .unwrap_or(r.id.as_str())
                    .to_owned()
            })
            .collect();
        if !blocking.is_empty() {
            return Err(err(
                "DELETE_FAILED",
                format!(
                    "Your attempt to delete {name} could not be completed because it is associated with the following {what}.: {}",
                    blocking.join(", ")
                ),
                &[],
            ));
        }
    }
    Ok(())
}

/// Deletes a record (to the recycle bin) and, as an org does, the records that go with it;
/// lookups on other records that pointed at it are cleared (see `on_parent_delete`).
///
/// # Errors
/// `ENTITY_IS_DELETED` when already deleted, `INVALID_CROSS_REFERENCE_KEY` when unknown,
/// `INSUFFICIENT_ACCESS_OR_READONLY` for objects that cannot be deleted, `DELETE_FAILED`
/// for an account with cases or activated contracts.
pub fn delete(store: &mut Store, ctx: &WriteContext<'_>, id: SfId) -> Result<(), RecordError> {
    let unknown = || {
        err(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            &[],
        )
    };
    let (object_index, at) = store.locate(&id).ok_or_else(unknown)?;
    let schema = Arc::clone(store.schema());
    let object = schema.object_at(object_index).ok_or_else(unknown)?;
    let mut record = store
        .table(object_index)
        .and_then(|t| t.row(at))
        .cloned()
        .ok_or_else(unknown)?;
    check_deletable(store, ctx, &schema, object, &record)?;
    let account = account_of(object, &record);
    record.deleted_ms = Some(ctx.now_ms);
    if let Some(stamp) = object.field_index("SystemModstamp") {
        record.set(stamp, Some(Value::DateTime(whole_second(ctx.now_ms))));
    }
    store.replace(object_index, at, record);
    delete_dependents(store, ctx, &schema, object, id)?;
    refresh_last_activity(store, object, account, None, ctx.now_ms);
    Ok(())
}

/// Whether `record` may be deleted: live, of a deletable object, not locked, not refused
/// by an injected rule, and for an account, without what keeps an account.
fn check_deletable(
    store: &Store,
    ctx: &WriteContext<'_>,
    schema: &Schema,
    object: &ObjectDef,
    record: &Record,
) -> Result<(), RecordError> {
    if record.deleted_ms.is_some() {
        return Err(err("ENTITY_IS_DELETED", "entity is deleted", &[]));
    }
    if !object.deletable {
        return Err(err(
            "INSUFFICIENT_ACCESS_OR_READONLY",
            "insufficient access rights on object id",
            &[],
        ));
    }
    check_locked(ctx, object, record)?;
    for rule in ctx.rules {
        if rule.on_delete && rule.matches(object, record) {
            return Err(err(
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                rule.message.clone(),
                &[],
            ));
        }
    }
    if object.name == "Account" {
        check_account_deletable(store, schema, record, object)?;
    }
    Ok(())
}

/// The deleted record's live children: deleted with it, cleared, or kept, per
/// [`on_parent_delete`].
fn delete_dependents(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    schema: &Schema,
    object: &ObjectDef,
    id: SfId,
) -> Result<(), RecordError> {
    for child in schema.child_relationships(&object.name) {
        let Some(child_index) = schema.object_index(&child.child_object) else {
            continue;
        };
        let Some(child_def) = schema.object_at(child_index) else {
            continue;
        };
        let Some(field) = child_def.field_index(&child.field) else {
            continue;
        };
        let rule = on_parent_delete(
            &object.name,
            &child.child_object,
            &child.field,
            child.cascade_delete,
        );
        if rule == OnParentDelete::Keep {
            continue;
        }
        for child_id in live_children(store, child_index, field, id) {
            match rule {
                OnParentDelete::Cascade => match delete(store, ctx, child_id) {
                    // Already gone with another parent of the same cascade.
                    Ok(())
                    | Err(RecordError {
                        status_code: "ENTITY_IS_DELETED",
                        ..
                    }) => {}
                    Err(error) => return Err(error),
                },
                OnParentDelete::Clear => {
                    clear_lookup(store, child_index, child_def, child_id, field, ctx.now_ms)
                }
                OnParentDelete::Keep => {}
            }
        }
    }
    Ok(())
}

/// Clears `field` on a live record whose parent was deleted, as a system change: only
/// SystemModstamp moves (salesforce-api.md 3.3).
fn clear_lookup(
    store: &mut Store,
    object_index: usize,
    object: &ObjectDef,
    id: SfId,
    field: usize,
    now_ms: i64,
) {
    let Some(at) = store.table(object_index).and_then(|t| t.position(&id)) else {
        return;
    };
    let Some(mut record) = store.table(object_index).and_then(|t| t.row(at)).cloned() else {
        return;
    };
    record.set(field, None);
    if let Some(stamp) = object.field_index("SystemModstamp") {
        record.set(stamp, Some(Value::DateTime(whole_second(now_ms))));
    }
    store.replace(object_index, at, record);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::standard_schema;

    fn ctx(fls: &Fls) -> WriteContext<'_> {
        WriteContext {
            now_ms: 1_772_452_800_000,
            user: SfId::from_parts("005", 1),
            fls,
            seed: false,
            rules: &[],
            locked: &[],
        }
    }

    #[test]
    fn csv_cells_fail_rows_with_the_data_load_error() {
        let mut store = Store::new(Arc::new(standard_schema()));
        let fls = Fls::default();
        let ctx = ctx(&fls);
        let written = write_entries(
            &mut store,
            &ctx,
            "Account",
            WriteOp::Create,
            vec![
                ("Name", Input::Cell("Acme")),
                ("NumberOfEmployees", Input::Cell("12")),
            ],
        )
        .unwrap();
        assert!(written.created);
        let error = write_entries(
            &mut store,
            &ctx,
            "Account",
            WriteOp::Create,
            vec![
                ("Name", Input::Cell("B")),
                ("NumberOfEmployees", Input::Cell("many")),
            ],
        )
        .unwrap_err();
        assert_eq!(
            error,
            WriteFailure::Record(RecordError::new(
                "INVALID_TYPE_ON_FIELD_IN_RECORD",
                "Employees: value not of required type: many",
                vec!["NumberOfEmployees".into()],
            ))
        );
    }

    #[test]
    fn typed_inputs_pass_the_same_checks() {
        let mut store = Store::new(Arc::new(standard_schema()));
        let fls = Fls::default();
        let ctx = ctx(&fls);
        let error = write_entries(
            &mut store,
            &ctx,
            "Task",
            WriteOp::Create,
            vec![(
                "Status",
                Input::Typed(Incoming::Value(Value::Text(Arc::from("Bogus")))),
            )],
        )
        .unwrap_err();
        let WriteFailure::Record(error) = error else {
            panic!("expected a record error");
        };
        assert_eq!(error.status_code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        let missing = write_entries(
            &mut store,
            &ctx,
            "Contact",
            WriteOp::Create,
            vec![
                ("LastName", Input::Cell("Lee")),
                (
                    "AccountId",
                    Input::Typed(Incoming::Id(SfId::from_parts("001", 9))),
                ),
            ],
        )
        .unwrap_err();
        assert!(
            matches!(missing, WriteFailure::Record(e) if e.status_code == "INVALID_CROSS_REFERENCE_KEY")
        );
    }
}
