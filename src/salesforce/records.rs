//! Records as they travel: read from REST JSON or Bulk CSV, written as JSON or CSV, and
//! the outcome of each write.
//!
//! A failed record is data here, never an `Err`: every input row of a write gets exactly
//! one [`RecordOutcome`], `Delivered`, `Errored` (transient: try again next cycle) or
//! `Rejected` (Salesforce refused it), as vector's acknowledgements do.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::csv_stream::CsvRow;
use super::error::ApiError;
use super::wire::{ApiRecord, Raw, format_date};
use crate::domain::SfId;

/// A Bulk result page's column index: column name -> position. Every field of every row
/// is looked up here while decoding, so it hashes with FNV-1a, which is several times
/// faster than the default SipHash on short keys (the keys are the page's own header, not
/// input an attacker chooses per lookup).
pub type ColumnIndex = HashMap<String, usize, BuildHasherDefault<Fnv>>;

/// The 64-bit FNV-1a hash, for [`ColumnIndex`].
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A record read from Salesforce.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// From a REST query: the JSON object, `attributes` included.
    Json(Map<String, Value>),
    /// From a Bulk query: one CSV row and the shared column index.
    Csv {
        /// Column name -> position.
        columns: Arc<ColumnIndex>,
        /// The cells.
        values: CsvRow,
    },
}

impl ApiRecord for Record {
    fn raw(&self, api_name: &str) -> Raw<'_> {
        match self {
            Record::Json(map) => map.raw(api_name),
            Record::Csv { columns, values } => {
                match columns.get(api_name).and_then(|i| values.get(*i)) {
                    // Bulk query CSV writes null as an empty cell (salesforce-api.md 6).
                    None => Raw::Null,
                    Some("") => Raw::Null,
                    Some(cell) => Raw::Str(cell),
                }
            }
        }
    }
}

/// A value to write.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum WriteValue {
    /// Clear the field.
    Null,
    /// Text or a picklist value.
    Text(String),
    /// A number.
    Number(f64),
    /// A checkbox.
    Bool(bool),
    /// A date.
    #[serde(serialize_with = "serialize_date")]
    Date(NaiveDate),
    /// An instant.
    #[serde(serialize_with = "serialize_datetime")]
    DateTime(DateTime<Utc>),
}

fn serialize_date<S: serde::Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_date(*date))
}

fn serialize_datetime<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&request_datetime(*t))
}

/// The request form of a dateTime: `2024-01-31T09:30:00.000Z` (salesforce-api.md 2.5).
pub fn request_datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl WriteValue {
    /// The value as a Bulk ingest CSV cell: null is `#N/A`, because an empty cell means
    /// "leave unchanged" (salesforce-api.md 5).
    pub fn to_csv_cell(&self) -> String {
        match self {
            // An empty string clears a field through REST; in CSV an empty cell would leave
            // it unchanged, so both are written as the explicit null.
            WriteValue::Null => "#N/A".to_owned(),
            WriteValue::Text(text) if text.is_empty() => "#N/A".to_owned(),
            WriteValue::Text(text) => text.clone(),
            WriteValue::Number(n) => n.to_string(),
            WriteValue::Bool(b) => b.to_string(),
            WriteValue::Date(d) => format_date(*d),
            WriteValue::DateTime(t) => request_datetime(*t),
        }
    }
}

/// One record to write: API field names and values, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WriteRecord {
    /// The fields to set.
    pub fields: Vec<(String, WriteValue)>,
}

impl WriteRecord {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a field, replacing an earlier value of the same field (API names are
    /// case-insensitive), so JSON and CSV always carry the same single value.
    pub fn set(mut self, api_name: impl Into<String>, value: WriteValue) -> Self {
        let api_name = api_name.into();
        match self
            .fields
            .iter_mut()
            .find(|(name, _)| name.eq_ignore_ascii_case(&api_name))
        {
            Some(slot) => slot.1 = value,
            None => self.fields.push((api_name, value)),
        }
        self
    }

    /// Whether every number in the record is finite (JSON has no NaN; it would go out as
    /// null and clear the field).
    pub fn is_finite(&self) -> bool {
        self.non_finite_fields().is_empty()
    }

    /// The fields holding NaN or an infinity.
    pub fn non_finite_fields(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(_, value)| matches!(value, WriteValue::Number(n) if !n.is_finite()))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// A field's value (API names are case-insensitive).
    pub fn get(&self, api_name: &str) -> Option<&WriteValue> {
        self.fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(api_name))
            .map(|(_, value)| value)
    }

    /// The JSON body of this record for Collections, with `attributes.type`.
    pub fn to_json(&self, object: &str) -> Value {
        let mut map = Map::new();
        map.insert("attributes".into(), serde_json::json!({ "type": object }));
        for (name, value) in &self.fields {
            map.insert(
                name.clone(),
                serde_json::to_value(value).unwrap_or(Value::Null),
            );
        }
        Value::Object(map)
    }
}

/// What kind of write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteKind {
    /// Create new records (not idempotent: prefer upserts).
    Insert,
    /// Update by Id: each record carries `Id`.
    Update,
    /// Create or update by an External ID field: each record carries it.
    Upsert {
        /// The External ID field's API name.
        external_id: String,
    },
}

/// The outcome of one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome")]
pub enum WriteResult {
    /// Written.
    Delivered {
        /// The record's Id.
        id: SfId,
        /// For upserts: whether it was created (true) or updated (false).
        created: Option<bool>,
    },
    /// Not written for a reason that may pass: retry next cycle.
    Errored {
        /// What Salesforce (or the transport) said.
        errors: Vec<ApiError>,
    },
    /// Refused by Salesforce: retrying the same values will fail again.
    Rejected {
        /// What Salesforce said.
        errors: Vec<ApiError>,
    },
}

/// One input row's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordOutcome {
    /// The row's position in the input.
    pub index: usize,
    /// What happened.
    pub result: WriteResult,
}

/// Error codes on a record that mean "try again later", not "fix the data".
pub fn is_transient_record_error(code: &str) -> bool {
    matches!(
        code,
        "UNABLE_TO_LOCK_ROW" | "ALL_OR_NONE_OPERATION_ROLLED_BACK" | "SERVER_UNAVAILABLE"
    )
}

/// The per-row error for a row that failed because its whole request did: the row keeps
/// the request's error code, or `NOT_ATTEMPTED` when the request was never sent.
pub fn request_error_for_rows(error: &super::error::SalesforceError) -> ApiError {
    use super::error::SalesforceError as E;
    let code = match error {
        E::BudgetExhausted { .. } => "NOT_ATTEMPTED",
        E::DailyLimitExceeded { .. } => "REQUEST_LIMIT_EXCEEDED",
        E::Transport { .. } => "TRANSPORT_ERROR",
        E::Api { errors, .. } => errors.first().map_or("HTTP_ERROR", |e| e.code.as_str()),
        E::Auth { .. } | E::AuthRejected { .. } => "AUTHENTICATION_FAILED",
        E::BulkJob { .. } | E::BulkTimeout { .. } => "BULK_JOB_FAILED",
        E::Decode { .. } => "UNEXPECTED_RESPONSE",
        E::VersionUnavailable { .. } | E::Request { .. } => "REQUEST_FAILED",
    };
    // The row's message is read in the run report, so it keeps what Salesforce said.
    ApiError {
        code: code.to_owned(),
        message: error.for_report(),
        fields: vec![],
    }
}

/// Classifies a failed record by its errors.
pub fn failed(errors: Vec<ApiError>) -> WriteResult {
    if !errors.is_empty() && errors.iter().all(|e| is_transient_record_error(&e.code)) {
        WriteResult::Errored { errors }
    } else {
        WriteResult::Rejected { errors }
    }
}

/// Every row's outcome from one write, and why it stopped early, if it did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WriteReport {
    /// One outcome per input row, in input order.
    pub outcomes: Vec<RecordOutcome>,
    /// Set when the write stopped before every row was attempted (the API budget or the
    /// daily limit); the unattempted rows are `Errored` and will be retried next cycle.
    pub stopped: Option<String>,
    /// Whether Bulk API 2.0 was used.
    pub bulk: bool,
}

impl WriteReport {
    /// Rows delivered.
    pub fn delivered(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.result, WriteResult::Delivered { .. }))
            .count()
    }

    /// Rows that did not get delivered.
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.delivered()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn write_values_serialise_for_json_and_csv() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap();
        let record = WriteRecord::new()
            .set("Health_Score__c", WriteValue::Number(72.5))
            .set("Health_Status__c", WriteValue::Text("Monitor".into()))
            .set("Health_Scored_At__c", WriteValue::DateTime(t))
            .set(
                "Health_Status_Since__c",
                WriteValue::Date(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
            )
            .set("Health_Drivers__c", WriteValue::Null);
        assert_eq!(
            record.to_json("Account"),
            serde_json::json!({
                "attributes": {"type": "Account"},
                "Health_Score__c": 72.5,
                "Health_Status__c": "Monitor",
                "Health_Scored_At__c": "2026-11-23T02:00:00.000Z",
                "Health_Status_Since__c": "2026-11-01",
                "Health_Drivers__c": null
            })
        );
        assert_eq!(WriteValue::Null.to_csv_cell(), "#N/A");
        assert_eq!(WriteValue::Bool(true).to_csv_cell(), "true");
    }

    #[test]
    fn setting_a_field_again_replaces_it() {
        let record = WriteRecord::new()
            .set("Status", WriteValue::Text("Not Started".into()))
            .set("status", WriteValue::Text("Completed".into()));
        assert_eq!(record.fields.len(), 1);
        assert_eq!(
            record.get("STATUS"),
            Some(&WriteValue::Text("Completed".into()))
        );
    }

    #[test]
    fn lock_errors_are_transient_and_validation_errors_are_not() {
        let lock = ApiError {
            code: "UNABLE_TO_LOCK_ROW".into(),
            message: "unable to obtain exclusive access to this record".into(),
            fields: vec![],
        };
        let invalid = ApiError {
            code: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into(),
            message: "Score must be set".into(),
            fields: vec![],
        };
        assert!(matches!(
            failed(vec![lock.clone()]),
            WriteResult::Errored { .. }
        ));
        assert!(matches!(
            failed(vec![invalid.clone()]),
            WriteResult::Rejected { .. }
        ));
        assert!(matches!(
            failed(vec![lock, invalid]),
            WriteResult::Rejected { .. }
        ));
        assert!(matches!(failed(vec![]), WriteResult::Rejected { .. }));
    }

    #[test]
    fn csv_records_read_empty_cells_as_null() {
        let columns: ColumnIndex = [("Id".to_owned(), 0), ("Account.Name".to_owned(), 1)]
            .into_iter()
            .collect();
        let record = Record::Csv {
            columns: Arc::new(columns),
            values: CsvRow::new(&["001", ""]),
        };
        assert_eq!(record.raw("Id"), Raw::Str("001"));
        assert_eq!(record.raw("Account.Name"), Raw::Null);
        assert_eq!(record.raw("Missing"), Raw::Null);
    }
}
