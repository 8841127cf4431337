//! Encoding planned writes: a `domain::PlannedWrite` in Vitals' field names becomes the
//! object, the client's write kind and a [`WriteRecord`] in API names and API values.
//!
//! - Updates by Id (`AccountHealth`, `RenewalRisk`) carry `Id` and only fields Vitals owns
//!   (`Access::Write`); a create-only field on an update is refused, so an existing
//!   renewal's stage can never be sent.
//! - Creates are upserts on their external key (`Key__c` on the history,
//!   `Vitals_Key__c` on renewals and tasks). The key goes into the record, because sObject
//!   Collections upsert and Bulk ingest both read it from each record (salesforce-api.md
//!   4.2, 5); a single-record upsert (`PATCH /sobjects/{obj}/{field}/{value}`, 4.1) would
//!   carry it in the path and must leave it out of the body, which the client never does.
//! - `record_type` (a developer name, `Renewal`) becomes `RecordTypeId`, resolved once per
//!   run into the [`WriteContext`].
//! - A history record is created under its account: `Account__c` comes from the write's
//!   account when the plan does not set `account` itself.
//!
//! Every problem is an [`EncodeError`] naming the write and the field, never the value and
//! never a panic. Nothing here does I/O.

use super::{Access, CATEGORY_FIELD_TYPE, DEFAULT_FIELDS, FieldMap, FieldType, SObject};
use crate::domain::{PlannedWrite, SfId, Target, Value, WriteKind as PlanKind};
use crate::salesforce::records::{WriteKind, WriteRecord, WriteValue};
use crate::salesforce::soql::{Condition, Literal, Op, Soql};

/// The developer name of the record type renewals are created with.
pub const RENEWAL_RECORD_TYPE: &str = "Renewal";

/// What encoding needs besides the field map, resolved once per run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteContext {
    /// The Id of the Opportunity record type `Renewal`, when the org has it.
    pub renewal_record_type: Option<SfId>,
    /// The scoring model's category keys (their score fields are `health_<key>` on Account
    /// and `<key>` on the history).
    pub categories: Vec<String>,
}

/// A planned write in API terms.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedWrite {
    /// The object written.
    pub object: SObject,
    /// Update by Id, or upsert on an external key.
    pub kind: WriteKind,
    /// The record, in API names.
    pub record: WriteRecord,
}

/// Why a planned write cannot be encoded. Names the write (kind and target) and the field,
/// never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The field is not one Vitals knows on the write's object.
    #[error("{kind} {target}: {object} has no field {field:?} Vitals writes")]
    UnknownField {
        /// The write kind's key.
        kind: &'static str,
        /// The target Id or key.
        target: String,
        /// The object's API name.
        object: &'static str,
        /// The Vitals field name.
        field: String,
    },
    /// The field exists but this kind of write may not set it.
    #[error("{kind} {target}: field {field:?} ({api}) {why}")]
    NotWritable {
        /// The write kind's key.
        kind: &'static str,
        /// The target Id or key.
        target: String,
        /// The Vitals field name.
        field: String,
        /// Its API name.
        api: String,
        /// Why not.
        why: &'static str,
    },
    /// The value is not of the field's type.
    #[error("{kind} {target}: field {field:?} ({api}) expects {expected}, the plan has {found}")]
    WrongValue {
        /// The write kind's key.
        kind: &'static str,
        /// The target Id or key.
        target: String,
        /// The Vitals field name.
        field: String,
        /// Its API name.
        api: String,
        /// What the field takes.
        expected: &'static str,
        /// What kind of value the plan holds.
        found: &'static str,
    },
    /// The write addresses its record the wrong way (an update needs an Id, a create a key).
    #[error("{kind} {target}: {expected}")]
    WrongTarget {
        /// The write kind's key.
        kind: &'static str,
        /// The target Id or key.
        target: String,
        /// What the kind needs.
        expected: &'static str,
    },
    /// A renewal names a record type the run could not resolve.
    #[error(
        "{kind} {target}: the org has no Opportunity record type {developer_name:?} this user can see; deploy salesforce-metadata/ or check the permission set"
    )]
    UnknownRecordType {
        /// The write kind's key.
        kind: &'static str,
        /// The target key.
        target: String,
        /// The developer name asked for.
        developer_name: String,
    },
}

/// The SOQL that finds the Renewal record type's Id: one call per run, cheaper to read than
/// the whole Opportunity describe.
pub fn renewal_record_type_query() -> Soql {
    Soql::select("RecordType", ["Id"])
        .filter(Condition::Compare(
            "SobjectType".into(),
            Op::Eq,
            Literal::Text("Opportunity".into()),
        ))
        .filter(Condition::Compare(
            "DeveloperName".into(),
            Op::Eq,
            Literal::Text(RENEWAL_RECORD_TYPE.into()),
        ))
}

/// The Vitals name of each create kind's upsert key.
fn key_field(kind: PlanKind) -> Option<&'static str> {
    match kind {
        PlanKind::History => Some("key"),
        PlanKind::Renewal | PlanKind::PlaybookTask => Some("vitals_key"),
        PlanKind::AccountHealth | PlanKind::RenewalRisk => None,
    }
}

/// The object and the API name of the external key a create kind upserts on (`Key__c`
/// of the history, `Vitals_Key__c` of renewals and tasks); `None` for updates by Id. The
/// sync queries these to settle creates left in doubt by a process that died mid-write.
pub fn upsert_key(kind: PlanKind, map: &FieldMap) -> Option<(SObject, String)> {
    let object = SObject::from(kind.object());
    key_field(kind).map(|key| (object, map.api(object, key).to_owned()))
}

/// Encodes a planned write for the client.
///
/// # Errors
/// [`EncodeError`] naming the write and the field.
pub fn encode(
    write: &PlannedWrite,
    map: &FieldMap,
    context: &WriteContext,
) -> Result<EncodedWrite, EncodeError> {
    let object = SObject::from(write.kind.object());
    let encoder = Encoder {
        write,
        object,
        map,
        context,
    };
    let (kind, mut record) = encoder.addressing()?;
    for (name, value) in &write.fields {
        let (api, value) = encoder.field(name, value)?;
        record = record.set(api, value);
    }
    if write.kind == PlanKind::History && write.field("account").is_none() {
        record = record.set(
            map.api(object, "account"),
            WriteValue::Text(write.account_id.to_string()),
        );
    }
    Ok(EncodedWrite {
        object,
        kind,
        record,
    })
}

struct Encoder<'a> {
    write: &'a PlannedWrite,
    object: SObject,
    map: &'a FieldMap,
    context: &'a WriteContext,
}

impl Encoder<'_> {
    fn kind(&self) -> &'static str {
        self.write.kind.key()
    }

    fn target(&self) -> String {
        self.write.target.as_text().to_owned()
    }

    /// The write kind and the record started with its Id or upsert key.
    fn addressing(&self) -> Result<(WriteKind, WriteRecord), EncodeError> {
        let wrong = |expected| EncodeError::WrongTarget {
            kind: self.kind(),
            target: self.target(),
            expected,
        };
        match (key_field(self.write.kind), &self.write.target) {
            (None, Target::Id(id)) => Ok((
                WriteKind::Update,
                WriteRecord::new().set(
                    self.map.api(self.object, "id"),
                    WriteValue::Text(id.to_string()),
                ),
            )),
            (None, Target::Key(_)) => Err(wrong("an update addresses its record by Id")),
            (Some(key), Target::Key(value)) => {
                let external_id = self.map.api(self.object, key).to_owned();
                let record = WriteRecord::new().set(&external_id, WriteValue::Text(value.clone()));
                Ok((WriteKind::Upsert { external_id }, record))
            }
            (Some(_), Target::Id(_)) => Err(wrong(
                "a create is an upsert on its external key, so a replay cannot duplicate it",
            )),
        }
    }

    /// One field in API terms.
    fn field(&self, name: &str, value: &Value) -> Result<(String, WriteValue), EncodeError> {
        if self.object == SObject::Opportunity && name == "record_type" {
            return self.record_type(value);
        }
        let (api, field_type, access) = self.resolve(name)?;
        let creates = key_field(self.write.kind).is_some();
        let why = match access {
            Access::Read => Some("is read-only for Vitals"),
            Access::Create | Access::UpsertKey if !creates => {
                Some("is set only when Vitals creates the record, never on an update")
            }
            _ => None,
        };
        if let Some(why) = why {
            return Err(EncodeError::NotWritable {
                kind: self.kind(),
                target: self.target(),
                field: name.to_owned(),
                api,
                why,
            });
        }
        let converted = convert(value, field_type).map_err(|expected| EncodeError::WrongValue {
            kind: self.kind(),
            target: self.target(),
            field: name.to_owned(),
            api: api.clone(),
            expected,
            found: kind_of(value),
        })?;
        Ok((api, converted))
    }

    /// A field of the table or a category score field: its API name, type and access.
    fn resolve(&self, name: &str) -> Result<(String, FieldType, Access), EncodeError> {
        if let Some(field) = DEFAULT_FIELDS
            .iter()
            .find(|f| f.object == self.object && f.name == name)
        {
            return Ok((
                self.map.api(self.object, name).to_owned(),
                field.field_type,
                field.access,
            ));
        }
        let category = match self.object {
            SObject::Account => name.strip_prefix("health_"),
            SObject::HealthHistory => Some(name),
            _ => None,
        };
        category
            .filter(|c| self.context.categories.iter().any(|k| k == c))
            .and_then(|c| self.map.category_api(self.object, c))
            .map(|api| (api, CATEGORY_FIELD_TYPE, Access::Write))
            .ok_or_else(|| EncodeError::UnknownField {
                kind: self.kind(),
                target: self.target(),
                object: self.object.api_name(),
                field: name.to_owned(),
            })
    }

    /// `record_type` (a developer name) as `RecordTypeId`.
    fn record_type(&self, value: &Value) -> Result<(String, WriteValue), EncodeError> {
        let api = self.map.api(self.object, "record_type_id").to_owned();
        let Value::Text(developer_name) = value else {
            return Err(EncodeError::WrongValue {
                kind: self.kind(),
                target: self.target(),
                field: "record_type".into(),
                api,
                expected: "a record type's developer name",
                found: kind_of(value),
            });
        };
        match self.context.renewal_record_type {
            Some(id) if developer_name == RENEWAL_RECORD_TYPE => {
                Ok((api, WriteValue::Text(id.to_string())))
            }
            _ => Err(EncodeError::UnknownRecordType {
                kind: self.kind(),
                target: self.target(),
                developer_name: developer_name.clone(),
            }),
        }
    }
}

/// A plan value as the API value of a field of this type, or what the field expects.
fn convert(value: &Value, field_type: FieldType) -> Result<WriteValue, &'static str> {
    use FieldType as T;
    match (field_type, value) {
        (_, Value::Null) => Ok(WriteValue::Null),
        (T::Id | T::Reference, Value::Text(text)) => SfId::parse(text)
            .map(|id| WriteValue::Text(id.to_string()))
            .map_err(|_| "a 15- or 18-character record Id"),
        (T::Id | T::Reference, _) => Err("a record Id"),
        (T::Text(_) | T::LongText(_) | T::Picklist, Value::Text(text)) => {
            Ok(WriteValue::Text(text.clone()))
        }
        (T::Text(_) | T::LongText(_) | T::Picklist, _) => Err("text"),
        (T::Number(_, _) | T::Currency | T::Percent, Value::Number(n)) if n.is_finite() => {
            Ok(WriteValue::Number(*n))
        }
        (T::Integer, Value::Number(n)) if n.is_finite() && n.fract() == 0.0 => {
            Ok(WriteValue::Number(*n))
        }
        (T::Integer, _) => Err("a whole number"),
        (T::Number(_, _) | T::Currency | T::Percent, _) => Err("a finite number"),
        (T::Date, Value::Date(d)) => Ok(WriteValue::Date(*d)),
        (T::Date, _) => Err("a date"),
        (T::DateTime, Value::DateTime(t)) => Ok(WriteValue::DateTime(*t)),
        (T::DateTime, _) => Err("a dateTime"),
        (T::Checkbox, Value::Bool(b)) => Ok(WriteValue::Bool(*b)),
        (T::Checkbox, _) => Err("true or false"),
    }
}

/// What kind of value a plan value is, for messages that must not quote it.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Text(_) => "text",
        Value::Number(n) if !n.is_finite() => "a number that is not finite",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Date(_) => "a date",
        Value::DateTime(_) => "a dateTime",
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    fn context() -> WriteContext {
        WriteContext {
            renewal_record_type: Some(SfId::from_parts("012", 7)),
            categories: vec!["adoption".into(), "case_health".into()],
        }
    }

    fn write(kind: PlanKind, target: Target, fields: &[(&str, Value)]) -> PlannedWrite {
        PlannedWrite {
            kind,
            target,
            account_id: SfId::from_parts("001", 1),
            fields: fields
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
            reason: "test".into(),
        }
    }

    fn key(text: &str) -> Target {
        Target::Key(text.into())
    }

    #[test]
    fn account_health_is_an_update_by_id_in_api_names() {
        let scored = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let planned = write(
            PlanKind::AccountHealth,
            Target::Id(SfId::from_parts("001", 1)),
            &[
                ("health_score", Value::Number(72.5)),
                ("health_status", Value::Text("Healthy".into())),
                ("health_adoption", Value::Number(80.0)),
                ("health_scored_at", Value::DateTime(scored)),
                ("health_drivers", Value::Null),
            ],
        );
        let encoded = encode(&planned, &FieldMap::default(), &context()).unwrap();
        assert_eq!(encoded.object, SObject::Account);
        assert_eq!(encoded.kind, WriteKind::Update);
        assert_eq!(
            encoded.record.fields,
            vec![
                (
                    "Id".to_owned(),
                    WriteValue::Text("001000000000001AAA".into())
                ),
                ("Health_Score__c".to_owned(), WriteValue::Number(72.5)),
                (
                    "Health_Status__c".to_owned(),
                    WriteValue::Text("Healthy".into())
                ),
                ("Health_Adoption__c".to_owned(), WriteValue::Number(80.0)),
                (
                    "Health_Scored_At__c".to_owned(),
                    WriteValue::DateTime(scored)
                ),
                ("Health_Drivers__c".to_owned(), WriteValue::Null),
            ]
        );
    }

    #[test]
    fn history_is_an_upsert_on_its_key_under_its_account() {
        let map =
            FieldMap::with_overrides([("history.adoption", "Usage__c")], &["adoption"]).unwrap();
        let planned = write(
            PlanKind::History,
            key("001000000000001AAA-2026-03-01-csm-nine"),
            &[
                (
                    "period",
                    Value::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
                ),
                ("score", Value::Number(61.0)),
                ("adoption", Value::Number(40.0)),
                ("backfilled", Value::Bool(false)),
            ],
        );
        let encoded = encode(&planned, &map, &context()).unwrap();
        assert_eq!(
            encoded.kind,
            WriteKind::Upsert {
                external_id: "Key__c".into()
            }
        );
        let names: Vec<&str> = encoded
            .record
            .fields
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Key__c",
                "Period__c",
                "Score__c",
                "Usage__c",
                "Backfilled__c",
                "Account__c"
            ]
        );
        assert_eq!(
            encoded.record.get("Account__c"),
            Some(&WriteValue::Text("001000000000001AAA".into()))
        );
    }

    #[test]
    fn a_renewal_gets_the_record_type_id_and_its_key() {
        let planned = write(
            PlanKind::Renewal,
            key("800000000000001AAA-2026-06-30"),
            &[
                ("name", Value::Text("Acme Renewal 2026-06-30".into())),
                ("stage_name", Value::Text("Early Review".into())),
                (
                    "close_date",
                    Value::Date(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
                ),
                ("record_type", Value::Text("Renewal".into())),
                ("contract_id", Value::Text("800000000000001".into())),
                (
                    "owner_id",
                    Value::Text(SfId::from_parts("005", 2).to_string()),
                ),
            ],
        );
        let encoded = encode(&planned, &FieldMap::default(), &context()).unwrap();
        assert_eq!(encoded.object, SObject::Opportunity);
        assert_eq!(
            encoded.record.get("RecordTypeId"),
            Some(&WriteValue::Text(SfId::from_parts("012", 7).to_string()))
        );
        assert_eq!(
            encoded.record.get("Vitals_Key__c"),
            Some(&WriteValue::Text("800000000000001AAA-2026-06-30".into()))
        );
        // A 15-character Id goes out in its 18-character form.
        assert_eq!(
            encoded.record.get("ContractId"),
            Some(&WriteValue::Text("800000000000001AAA".into()))
        );
        let unresolved = WriteContext {
            renewal_record_type: None,
            ..context()
        };
        assert!(matches!(
            encode(&planned, &FieldMap::default(), &unresolved),
            Err(EncodeError::UnknownRecordType { .. })
        ));
    }

    #[test]
    fn an_update_never_sends_a_create_only_or_read_only_field() {
        let renewal = Target::Id(SfId::from_parts("006", 1));
        let risk = write(
            PlanKind::RenewalRisk,
            renewal.clone(),
            &[("renewal_risk", Value::Bool(true))],
        );
        let encoded = encode(&risk, &FieldMap::default(), &context()).unwrap();
        assert_eq!(
            encoded.record.get("Renewal_Risk__c"),
            Some(&WriteValue::Bool(true))
        );
        let stage = write(
            PlanKind::RenewalRisk,
            renewal,
            &[("stage_name", Value::Text("At Risk".into()))],
        );
        let error = encode(&stage, &FieldMap::default(), &context()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "renewal_risk 006000000000001AAA: field \"stage_name\" (StageName) is set only when Vitals creates the record, never on an update"
        );
        let task = write(
            PlanKind::PlaybookTask,
            key("escalation:001000000000001AAA:2026-03-02"),
            &[("is_closed", Value::Bool(true))],
        );
        assert!(matches!(
            encode(&task, &FieldMap::default(), &context()),
            Err(EncodeError::NotWritable { .. })
        ));
    }

    #[test]
    fn unknown_fields_wrong_values_and_wrong_targets_are_errors_naming_the_field() {
        let id = Target::Id(SfId::from_parts("001", 1));
        let unknown = write(
            PlanKind::AccountHealth,
            id.clone(),
            &[("health_mood", Value::Number(1.0))],
        );
        let error = encode(&unknown, &FieldMap::default(), &context()).unwrap_err();
        assert!(
            matches!(&error, EncodeError::UnknownField { field, .. } if field == "health_mood")
        );
        // A category of another model is not a field of this one.
        let other = write(
            PlanKind::AccountHealth,
            id.clone(),
            &[("health_usage", Value::Number(1.0))],
        );
        assert!(matches!(
            encode(&other, &FieldMap::default(), &context()),
            Err(EncodeError::UnknownField { .. })
        ));
        let wrong = write(
            PlanKind::AccountHealth,
            id.clone(),
            &[("health_score", Value::Text("Confidential".into()))],
        );
        let error = encode(&wrong, &FieldMap::default(), &context()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "account_health 001000000000001AAA: field \"health_score\" (Health_Score__c) expects a finite number, the plan has text"
        );
        let nan = write(
            PlanKind::AccountHealth,
            id.clone(),
            &[("health_score", Value::Number(f64::NAN))],
        );
        assert!(matches!(
            encode(&nan, &FieldMap::default(), &context()),
            Err(EncodeError::WrongValue {
                found: "a number that is not finite",
                ..
            })
        ));
        let by_key = write(PlanKind::AccountHealth, key("x"), &[]);
        assert!(matches!(
            encode(&by_key, &FieldMap::default(), &context()),
            Err(EncodeError::WrongTarget { .. })
        ));
        let create_by_id = write(PlanKind::PlaybookTask, id, &[]);
        assert!(matches!(
            encode(&create_by_id, &FieldMap::default(), &context()),
            Err(EncodeError::WrongTarget { .. })
        ));
    }

    #[test]
    fn the_record_type_query_asks_for_the_renewal_type_of_opportunities() {
        assert_eq!(
            renewal_record_type_query().to_text(),
            "SELECT Id FROM RecordType WHERE SobjectType = 'Opportunity' AND DeveloperName = 'Renewal'"
        );
    }
}
