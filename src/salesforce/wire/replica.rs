//! Decoding a record read for the replica: the domain record with its Id and
//! `SystemModstamp`, or the Id of a record the org deleted.
//!
//! [`decode_row`] is the one entry point the sync uses for every object. It reads the
//! system fields first, so a deleted row (`IsDeleted = true` from `queryAll`) is reported
//! as a deletion even when the rest of it would not decode; a live row is decoded by the
//! object's decoder, with the same rules (a bad optional value is dropped with a warning,
//! a bad Id, lookup, checkbox or required field skips the record). Nothing here does I/O.

use chrono::{DateTime, Utc};

use super::decode::system_fields;
use super::select::{IS_DELETED, SYSTEM_MODSTAMP};
use super::{
    ApiRecord, DecodeError, Decoded, FieldMap, SObject, decode_account, decode_case,
    decode_contract, decode_event, decode_history, decode_opportunity, decode_task,
};
use crate::domain::{DomainRecord, SfId, SyncedObject};
use crate::store::ReplicaRow;

/// One record read for the replica.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a row lives only until it is moved into a page's rows or deletions; boxing would cost an allocation per record"
)]
pub enum DecodedRow {
    /// A live record: upsert it into the replica by Id.
    Live(ReplicaRow),
    /// A record the org deleted or merged away (`queryAll` with `IsDeleted = true`): remove
    /// it from the replica.
    Deleted {
        /// The record's Id.
        id: SfId,
        /// Its `SystemModstamp` (when it was deleted).
        modstamp: DateTime<Utc>,
    },
}

impl DecodedRow {
    /// The record's Id.
    pub fn id(&self) -> Option<SfId> {
        match self {
            DecodedRow::Live(row) => row.record.id(),
            DecodedRow::Deleted { id, .. } => Some(*id),
        }
    }

    /// The record's `SystemModstamp`.
    pub fn modstamp(&self) -> DateTime<Utc> {
        match self {
            DecodedRow::Live(row) => row.modstamp,
            DecodedRow::Deleted { modstamp, .. } => *modstamp,
        }
    }
}

/// A record's `SystemModstamp`, when it has a readable one: the watermark still moves past
/// a record that cannot be decoded, which is reported once rather than read every cycle.
pub fn read_modstamp(record: &impl ApiRecord) -> Option<DateTime<Utc>> {
    match record.raw(SYSTEM_MODSTAMP) {
        super::Raw::Str(text) => super::parse_datetime(text),
        _ => None,
    }
}

/// Decodes one record of `object` read with a [`super::SelectList`]: `SystemModstamp` is
/// required, `IsDeleted` is read when selected. `categories` are the model's category keys
/// (score fields of Account and the history).
///
/// # Errors
/// [`DecodeError`] naming the object, record and field when the record cannot be used; the
/// sync reports it and skips the record.
pub fn decode_row(
    object: SyncedObject,
    record: &impl ApiRecord,
    map: &FieldMap,
    categories: &[&str],
) -> Result<Decoded<DecodedRow>, DecodeError> {
    let sobject = SObject::from(object);
    let system = system_fields(record, sobject, map, SYSTEM_MODSTAMP, IS_DELETED)?;
    if system.is_deleted {
        return Ok(Decoded {
            record: DecodedRow::Deleted {
                id: system.id,
                modstamp: system.modstamp,
            },
            warnings: Vec::new(),
        });
    }
    let Decoded { record, warnings } = decode_record(object, record, map, categories)?;
    let record = match record {
        // A history record read from the org always has its Id.
        DomainRecord::History(mut history) => {
            history.id = Some(system.id);
            DomainRecord::History(history)
        }
        other => other,
    };
    Ok(Decoded {
        record: DecodedRow::Live(ReplicaRow {
            modstamp: system.modstamp,
            record,
        }),
        warnings,
    })
}

/// Decodes a record of any replicated object into a [`DomainRecord`].
fn decode_record(
    object: SyncedObject,
    record: &impl ApiRecord,
    map: &FieldMap,
    categories: &[&str],
) -> Result<Decoded<DomainRecord>, DecodeError> {
    fn wrap<T>(decoded: Decoded<T>, f: impl FnOnce(T) -> DomainRecord) -> Decoded<DomainRecord> {
        Decoded {
            record: f(decoded.record),
            warnings: decoded.warnings,
        }
    }
    Ok(match object {
        SyncedObject::Account => wrap(
            decode_account(record, map, categories)?,
            DomainRecord::Account,
        ),
        SyncedObject::Contract => wrap(decode_contract(record, map)?, DomainRecord::Contract),
        SyncedObject::Case => wrap(decode_case(record, map)?, DomainRecord::Case),
        SyncedObject::Opportunity => {
            wrap(decode_opportunity(record, map)?, DomainRecord::Opportunity)
        }
        SyncedObject::Event => wrap(decode_event(record, map)?, DomainRecord::Event),
        SyncedObject::Task => wrap(decode_task(record, map)?, DomainRecord::Task),
        SyncedObject::History => wrap(
            decode_history(record, map, categories)?,
            DomainRecord::History,
        ),
    })
}

#[cfg(test)]
mod tests {
    use crate::salesforce::wire::test_json::object;
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::salesforce::wire::DecodeProblem;

    #[test]
    fn a_live_row_carries_its_record_id_and_modstamp() {
        let record = object(json!({
            "Id": "a00D000000IRFmaIAH",
            "Account__c": "001D000000IRFmaIAH",
            "Period__c": "2026-03-01",
            "Score__c": 61.5,
            "SystemModstamp": "2026-03-02T12:00:01.000+0000",
            "IsDeleted": false
        }));
        let decoded =
            decode_row(SyncedObject::History, &record, &FieldMap::default(), &[]).unwrap();
        let DecodedRow::Live(row) = &decoded.record else {
            panic!("{decoded:?}");
        };
        assert_eq!(
            row.modstamp,
            Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 1).unwrap()
        );
        assert_eq!(
            decoded.record.id().map(|id| id.to_string()),
            Some("a00D000000IRFmaIAH".to_owned())
        );
        match &row.record {
            DomainRecord::History(h) => assert_eq!(h.score, Some(61.5)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_deleted_row_is_a_deletion_even_when_the_rest_would_not_decode() {
        // Required CreatedDate missing: a live case like this would be skipped.
        let record = object(json!({
            "Id": "500D000000IRFmaIAH",
            "SystemModstamp": "2026-03-02T12:00:00.000+0000",
            "IsDeleted": true
        }));
        let decoded = decode_row(SyncedObject::Case, &record, &FieldMap::default(), &[]).unwrap();
        assert!(matches!(decoded.record, DecodedRow::Deleted { .. }));
        let live = object(json!({
            "Id": "500D000000IRFmaIAH",
            "SystemModstamp": "2026-03-02T12:00:00.000+0000"
        }));
        let error = decode_row(SyncedObject::Case, &live, &FieldMap::default(), &[]).unwrap_err();
        assert_eq!(error.field, "CreatedDate");
    }

    #[test]
    fn the_system_fields_are_required_and_named_when_bad() {
        let no_stamp = object(json!({"Id": "001D000000IRFmaIAH", "Name": "Acme"}));
        let error =
            decode_row(SyncedObject::Account, &no_stamp, &FieldMap::default(), &[]).unwrap_err();
        assert_eq!(
            (error.record.as_str(), error.field.as_str(), &error.problem),
            (
                "001D000000IRFmaIAH",
                "SystemModstamp",
                &DecodeProblem::Missing
            )
        );
        let bad_flag = object(json!({
            "Id": "001D000000IRFmaIAH", "Name": "Acme",
            "SystemModstamp": "2026-03-02T12:00:00.000+0000", "IsDeleted": "maybe"
        }));
        let error =
            decode_row(SyncedObject::Account, &bad_flag, &FieldMap::default(), &[]).unwrap_err();
        assert_eq!(error.field, "IsDeleted");
        let no_id = object(json!({"SystemModstamp": "2026-03-02T12:00:00.000+0000"}));
        let error = decode_row(SyncedObject::Task, &no_id, &FieldMap::default(), &[]).unwrap_err();
        assert_eq!(
            (error.field.as_str(), &error.problem),
            ("Id", &DecodeProblem::Missing)
        );
    }
}
