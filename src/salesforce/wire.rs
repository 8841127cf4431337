//! The Salesforce side of the vocabulary: API names, field types and value formats.
//!
//! This is the only module that knows Salesforce field names. [`DEFAULT_FIELDS`] is the one
//! table from Vitals' field names (`account.arr`) to API names (`ARR__c`); [`FieldMap`] is
//! that table after the `[fields]` overrides of the configuration. Decoding turns an API
//! record, from REST JSON or Bulk CSV, into a `domain` type and names the record and field
//! of any value it cannot read. Nothing here does I/O.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

use crate::domain::{
    Account, ActivityType, Case, CasePriority, Contract, ContractStatus, CurrentHealth, Event,
    HealthStatus, HealthTrend, HistoryRecord, Opportunity, Records, Sentiment, SfId, Task,
};

/// The Salesforce objects Vitals reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SObject {
    /// Account.
    Account,
    /// Contract.
    Contract,
    /// Case.
    Case,
    /// Opportunity.
    Opportunity,
    /// Event.
    Event,
    /// Task.
    Task,
    /// The custom object `Health_Score_History__c`.
    HealthHistory,
}

impl SObject {
    /// Every object, in a stable order.
    pub const ALL: [SObject; 7] = [
        SObject::Account,
        SObject::Contract,
        SObject::Case,
        SObject::Opportunity,
        SObject::Event,
        SObject::Task,
        SObject::HealthHistory,
    ];

    /// The object's API name.
    pub fn api_name(self) -> &'static str {
        match self {
            SObject::Account => "Account",
            SObject::Contract => "Contract",
            SObject::Case => "Case",
            SObject::Opportunity => "Opportunity",
            SObject::Event => "Event",
            SObject::Task => "Task",
            SObject::HealthHistory => "Health_Score_History__c",
        }
    }

    /// The lower-case name used in `[fields]` keys (`history` for the history object).
    pub fn key(self) -> &'static str {
        match self {
            SObject::Account => "account",
            SObject::Contract => "contract",
            SObject::Case => "case",
            SObject::Opportunity => "opportunity",
            SObject::Event => "event",
            SObject::Task => "task",
            SObject::HealthHistory => "history",
        }
    }

    /// Reads an object by its `[fields]` key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.key() == key)
    }

    /// Reads an object by its API name.
    pub fn from_api_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.api_name() == name)
    }
}

/// A field's Salesforce type, as far as Vitals cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// The record's own Id.
    Id,
    /// A lookup or master-detail to another record.
    Reference,
    /// Text with a maximum length.
    Text(u32),
    /// Long text area with a maximum length.
    LongText(u32),
    /// A picklist.
    Picklist,
    /// Number with precision and scale.
    Number(u8, u8),
    /// Currency.
    Currency,
    /// Percent (0..=100).
    Percent,
    /// Whole number (standard integer fields).
    Integer,
    /// Date.
    Date,
    /// Date and time.
    DateTime,
    /// Checkbox.
    Checkbox,
}

impl FieldType {
    /// The `type` values in a describe result that can hold this field.
    pub fn describe_types(self) -> &'static [&'static str] {
        match self {
            FieldType::Id => &["id"],
            FieldType::Reference => &["reference"],
            // Task and Event Subject are comboboxes: text with suggested values.
            FieldType::Text(_) => &["string", "combobox"],
            FieldType::LongText(_) => &["textarea"],
            FieldType::Picklist => &["picklist"],
            FieldType::Number(_, _) => &["double", "int"],
            FieldType::Currency => &["currency"],
            FieldType::Percent => &["percent"],
            FieldType::Integer => &["int", "double"],
            FieldType::Date => &["date"],
            FieldType::DateTime => &["datetime"],
            FieldType::Checkbox => &["boolean"],
        }
    }

    /// The `<type>` values of a custom field's metadata that can hold this field.
    pub fn metadata_types(self) -> &'static [&'static str] {
        match self {
            FieldType::Id => &[],
            FieldType::Reference => &["Lookup", "MasterDetail"],
            FieldType::Text(_) => &["Text"],
            FieldType::LongText(_) => &["LongTextArea", "TextArea"],
            FieldType::Picklist => &["Picklist"],
            FieldType::Number(_, _) | FieldType::Integer => &["Number"],
            FieldType::Currency => &["Currency"],
            FieldType::Percent => &["Percent"],
            FieldType::Date => &["Date"],
            FieldType::DateTime => &["DateTime"],
            FieldType::Checkbox => &["Checkbox"],
        }
    }
}

/// How Vitals uses a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Read,
    /// Read, and written on update (and on create where the object is created).
    Write,
    /// Written when Vitals creates the record; never changed afterwards.
    Create,
    /// The upsert key: an External ID that Vitals writes on create.
    UpsertKey,
}

/// One row of the field table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireField {
    /// The object.
    pub object: SObject,
    /// Vitals' name for the field (`arr`); with the object key it forms `account.arr`.
    pub name: &'static str,
    /// The default API name (`ARR__c`); a dotted path reads a parent relationship field.
    pub api: &'static str,
    /// The field's type.
    pub field_type: FieldType,
    /// How Vitals uses it.
    pub access: Access,
}

impl WireField {
    /// Whether the field is a custom field (and so must be in `salesforce-metadata/`).
    pub fn is_custom(&self) -> bool {
        self.api.ends_with("__c")
    }
}

macro_rules! table {
    ($($object:ident . $name:ident = $api:literal : $ty:expr, $access:ident;)+) => {
        /// Every field Vitals reads or writes, under its default API name.
        ///
        /// Category score fields are not listed: they follow the scoring model's categories
        /// (see [`category_field`]).
        pub const DEFAULT_FIELDS: &[WireField] = &[
            $(WireField {
                object: SObject::$object,
                name: stringify!($name),
                api: $api,
                field_type: $ty,
                access: Access::$access,
            },)+
        ];
    };
}

use FieldType::{
    Checkbox, Currency, Date as DateField, DateTime as DateTimeField, Id as IdField, Integer,
    LongText, Number, Percent, Picklist, Reference, Text,
};

table! {
    Account.id = "Id": IdField, Read;
    Account.name = "Name": Text(255), Read;
    Account.owner_id = "OwnerId": Reference, Read;
    Account.account_type = "Type": Picklist, Read;
    Account.created_date = "CreatedDate": DateTimeField, Read;
    Account.arr = "ARR__c": Currency, Read;
    Account.license_seats = "License_Seats__c": Number(18, 0), Read;
    Account.active_users = "Active_Users__c": Number(18, 0), Read;
    Account.core_feature_adoption = "Core_Feature_Adoption__c": Percent, Read;
    Account.last_product_activity = "Last_Product_Activity__c": DateField, Read;
    Account.kickoff_survey_score = "Kickoff_Survey_Score__c": Number(1, 0), Read;
    Account.uat_survey_score = "UAT_Survey_Score__c": Number(1, 0), Read;
    Account.csm_sentiment = "CSM_Sentiment__c": Picklist, Read;
    Account.csm_sentiment_comment = "CSM_Sentiment_Comment__c": LongText(1000), Read;
    Account.invoice_overdue_days = "Invoice_Overdue_Days__c": Number(4, 0), Read;
    Account.health_score = "Health_Score__c": Number(5, 1), Write;
    Account.health_status = "Health_Status__c": Picklist, Write;
    Account.health_trend = "Health_Trend__c": Picklist, Write;
    Account.health_score_change = "Health_Score_Change__c": Number(5, 1), Write;
    Account.health_previous_score = "Health_Previous_Score__c": Number(5, 1), Write;
    Account.health_coverage = "Health_Coverage__c": Percent, Write;
    Account.health_drivers = "Health_Drivers__c": LongText(32768), Write;
    Account.health_scored_at = "Health_Scored_At__c": DateTimeField, Write;
    Account.health_status_since = "Health_Status_Since__c": DateField, Write;
    Account.health_model = "Health_Model__c": Text(80), Write;

    Contract.id = "Id": IdField, Read;
    Contract.account_id = "AccountId": Reference, Read;
    Contract.status = "Status": Picklist, Read;
    Contract.start_date = "StartDate": DateField, Read;
    Contract.end_date = "EndDate": DateField, Read;
    Contract.term_months = "ContractTerm": Integer, Read;
    Contract.owner_id = "OwnerId": Reference, Read;
    Contract.contract_number = "ContractNumber": Text(30), Read;

    Case.id = "Id": IdField, Read;
    Case.account_id = "AccountId": Reference, Read;
    Case.case_number = "CaseNumber": Text(30), Read;
    Case.priority = "Priority": Picklist, Read;
    Case.status = "Status": Picklist, Read;
    Case.is_escalated = "IsEscalated": Checkbox, Read;
    Case.is_closed = "IsClosed": Checkbox, Read;
    Case.created_date = "CreatedDate": DateTimeField, Read;
    Case.closed_date = "ClosedDate": DateTimeField, Read;
    Case.csat_score = "CSAT_Score__c": Number(1, 0), Read;
    Case.sla_breached = "SLA_Breached__c": Checkbox, Read;

    Opportunity.id = "Id": IdField, Read;
    Opportunity.account_id = "AccountId": Reference, Create;
    Opportunity.name = "Name": Text(120), Create;
    Opportunity.stage_name = "StageName": Picklist, Create;
    Opportunity.close_date = "CloseDate": DateField, Create;
    Opportunity.amount = "Amount": Currency, Create;
    Opportunity.opportunity_type = "Type": Picklist, Create;
    Opportunity.is_closed = "IsClosed": Checkbox, Read;
    Opportunity.is_won = "IsWon": Checkbox, Read;
    Opportunity.record_type_id = "RecordTypeId": Reference, Create;
    Opportunity.record_type = "RecordType.DeveloperName": Text(80), Read;
    Opportunity.contract_id = "ContractId": Reference, Create;
    Opportunity.owner_id = "OwnerId": Reference, Create;
    Opportunity.created_date = "CreatedDate": DateTimeField, Read;
    Opportunity.vitals_key = "Vitals_Key__c": Text(80), UpsertKey;
    Opportunity.churn_reason = "Churn_Reason__c": Picklist, Read;
    Opportunity.renewal_risk = "Renewal_Risk__c": Checkbox, Write;
    Opportunity.health_at_creation = "Health_At_Creation__c": Number(5, 1), Create;

    Event.id = "Id": IdField, Read;
    Event.account_id = "AccountId": Reference, Read;
    Event.what_id = "WhatId": Reference, Read;
    Event.owner_id = "OwnerId": Reference, Read;
    Event.subject = "Subject": Text(255), Read;
    Event.event_type = "Type": Picklist, Read;
    Event.start = "StartDateTime": DateTimeField, Read;
    Event.end = "EndDateTime": DateTimeField, Read;
    Event.duration_minutes = "DurationInMinutes": Integer, Read;
    Event.activity_date = "ActivityDate": DateField, Read;
    Event.is_all_day = "IsAllDayEvent": Checkbox, Read;
    Event.milestone_completed_on = "Milestone_Completed_On__c": DateField, Read;
    Event.vitals_key = "Vitals_Key__c": Text(80), Read;
    Event.playbook = "Playbook__c": Picklist, Read;

    Task.id = "Id": IdField, Read;
    Task.account_id = "AccountId": Reference, Read;
    Task.what_id = "WhatId": Reference, Create;
    Task.owner_id = "OwnerId": Reference, Create;
    Task.subject = "Subject": Text(255), Create;
    Task.description = "Description": LongText(32000), Create;
    Task.task_type = "Type": Picklist, Read;
    Task.status = "Status": Picklist, Create;
    Task.priority = "Priority": Picklist, Create;
    Task.is_closed = "IsClosed": Checkbox, Read;
    Task.activity_date = "ActivityDate": DateField, Create;
    Task.created_date = "CreatedDate": DateTimeField, Read;
    Task.completed_at = "CompletedDateTime": DateTimeField, Read;
    Task.milestone_completed_on = "Milestone_Completed_On__c": DateField, Read;
    Task.vitals_key = "Vitals_Key__c": Text(80), UpsertKey;
    Task.playbook = "Playbook__c": Picklist, Create;

    HealthHistory.id = "Id": IdField, Read;
    HealthHistory.account = "Account__c": Reference, Create;
    HealthHistory.score = "Score__c": Number(5, 1), Write;
    HealthHistory.status = "Status__c": Picklist, Write;
    HealthHistory.previous_score = "Previous_Score__c": Number(5, 1), Write;
    HealthHistory.score_change = "Score_Change__c": Number(5, 1), Write;
    HealthHistory.period = "Period__c": DateField, Write;
    HealthHistory.calculated_at = "Calculated_At__c": DateTimeField, Write;
    HealthHistory.coverage = "Coverage__c": Percent, Write;
    HealthHistory.model = "Model__c": Text(80), Write;
    HealthHistory.drivers = "Drivers__c": LongText(32768), Write;
    HealthHistory.backfilled = "Backfilled__c": Checkbox, Write;
    HealthHistory.key = "Key__c": Text(120), UpsertKey;
}

/// The API field name of a category's score, before `[fields]` overrides:
/// `Health_Case_Health__c` on Account and `Case_Health__c` on the history object for the
/// category key `case_health`. `None` for other objects.
pub fn category_field(object: SObject, category_key: &str) -> Option<String> {
    let title: Vec<String> = category_key
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect();
    let title = title.join("_");
    match object {
        SObject::Account => Some(format!("Health_{title}__c")),
        SObject::HealthHistory => Some(format!("{title}__c")),
        _ => None,
    }
}

/// The type of every category score field.
pub const CATEGORY_FIELD_TYPE: FieldType = FieldType::Number(5, 1);

/// A problem with a `[fields]` override.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldMapError {
    /// The key does not name a field Vitals uses.
    #[error(
        "fields.{key}: Vitals has no field {key:?}; known fields are listed in config/vitals.example.toml"
    )]
    UnknownField {
        /// The key, e.g. `account.acv`.
        key: String,
    },
    /// The value is not a possible API name.
    #[error("fields.{key}: {value:?} is not a Salesforce field API name")]
    BadApiName {
        /// The key.
        key: String,
        /// The value given.
        value: String,
    },
    /// Two Vitals fields of one object would map to the same API name.
    #[error("fields.{key}: {api:?} is already used for {object}.{other}")]
    Clash {
        /// The key.
        key: String,
        /// The API name.
        api: String,
        /// The object key.
        object: &'static str,
        /// The field that already uses it.
        other: String,
    },
}

/// The field table after `[fields]` overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    overrides: BTreeMap<(SObject, String), String>,
}

/// Whether `name` could be a Salesforce field API name, or a dotted relationship path of them.
pub fn is_api_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !part.contains("___")
                && part.len() <= 80
        })
}

impl FieldMap {
    /// Applies `[fields]` overrides, keyed `object.field` (`account.arr`) or
    /// `account.health_<category>` / `history.<category>` for category scores.
    ///
    /// `categories` are the category keys of the scoring model in use.
    ///
    /// # Errors
    /// Every bad key, bad API name and clash, all at once.
    pub fn with_overrides<'a>(
        overrides: impl IntoIterator<Item = (&'a str, &'a str)>,
        categories: &[&str],
    ) -> Result<Self, Vec<FieldMapError>> {
        let mut map = Self::default();
        let mut errors = Vec::new();
        for (key, value) in overrides {
            let Some((object_key, name)) = key.split_once('.') else {
                errors.push(FieldMapError::UnknownField { key: key.into() });
                continue;
            };
            let Some(object) = SObject::from_key(object_key) else {
                errors.push(FieldMapError::UnknownField { key: key.into() });
                continue;
            };
            let known = DEFAULT_FIELDS
                .iter()
                .any(|f| f.object == object && f.name == name)
                || categories.iter().any(|c| match object {
                    SObject::Account => name.strip_prefix("health_") == Some(*c),
                    SObject::HealthHistory => name == *c,
                    _ => false,
                });
            if !known {
                errors.push(FieldMapError::UnknownField { key: key.into() });
                continue;
            }
            if !is_api_name(value) {
                errors.push(FieldMapError::BadApiName {
                    key: key.into(),
                    value: value.into(),
                });
                continue;
            }
            map.overrides
                .insert((object, name.to_owned()), value.to_owned());
        }
        // Two fields of one object must not end up on the same API name.
        for object in SObject::ALL {
            let mut seen: BTreeMap<String, String> = BTreeMap::new();
            let names = DEFAULT_FIELDS
                .iter()
                .filter(|f| f.object == object)
                .map(|f| f.name.to_owned())
                .chain(categories.iter().filter_map(|c| match object {
                    SObject::Account => Some(format!("health_{c}")),
                    SObject::HealthHistory => Some((*c).to_owned()),
                    _ => None,
                }));
            for name in names {
                let Some(api) = map.api_name(object, &name, categories) else {
                    continue;
                };
                let lower = api.to_ascii_lowercase();
                if let Some(other) = seen.get(&lower) {
                    // Name the overridden one of the two as the culprit.
                    let (culprit, kept) = if map.overrides.contains_key(&(object, name.clone())) {
                        (name.clone(), other.clone())
                    } else {
                        (other.clone(), name.clone())
                    };
                    errors.push(FieldMapError::Clash {
                        key: format!("{}.{culprit}", object.key()),
                        api,
                        object: object.key(),
                        other: kept,
                    });
                } else {
                    seen.insert(lower, name);
                }
            }
        }
        if errors.is_empty() {
            Ok(map)
        } else {
            Err(errors)
        }
    }

    /// The API name of a field, after overrides. `categories` lets it resolve category
    /// score fields (`account.health_<key>`, `history.<key>`).
    pub fn api_name(&self, object: SObject, name: &str, categories: &[&str]) -> Option<String> {
        if let Some(api) = self.overrides.get(&(object, name.to_owned())) {
            return Some(api.clone());
        }
        if let Some(field) = DEFAULT_FIELDS
            .iter()
            .find(|f| f.object == object && f.name == name)
        {
            return Some(field.api.to_owned());
        }
        let category = match object {
            SObject::Account => name.strip_prefix("health_"),
            SObject::HealthHistory => Some(name),
            _ => None,
        }?;
        categories
            .contains(&category)
            .then(|| category_field(object, category))
            .flatten()
    }

    /// The API name of a field listed in [`DEFAULT_FIELDS`], after overrides.
    pub fn api(&self, object: SObject, name: &str) -> &str {
        if let Some(api) = self.overrides.get(&(object, name.to_owned())) {
            return api;
        }
        DEFAULT_FIELDS
            .iter()
            .find(|f| f.object == object && f.name == name)
            .map_or("", |f| f.api)
    }

    /// The API name of a category's score field on Account or the history object.
    pub fn category_api(&self, object: SObject, category_key: &str) -> Option<String> {
        let name = match object {
            SObject::Account => format!("health_{category_key}"),
            SObject::HealthHistory => category_key.to_owned(),
            _ => return None,
        };
        self.overrides
            .get(&(object, name))
            .cloned()
            .or_else(|| category_field(object, category_key))
    }

    /// The API names to select when reading an object, in table order.
    pub fn read_fields(&self, object: SObject, categories: &[&str]) -> Vec<String> {
        let mut fields: Vec<String> = DEFAULT_FIELDS
            .iter()
            .filter(|f| {
                f.object == object
                    && matches!(f.access, Access::Read | Access::Write | Access::UpsertKey)
            })
            .map(|f| self.api(object, f.name).to_owned())
            .collect();
        fields.extend(
            categories
                .iter()
                .filter_map(|c| self.category_api(object, c)),
        );
        fields
    }
}

// ---------------------------------------------------------------------------------------
// Value formats
// ---------------------------------------------------------------------------------------

/// Parses a Salesforce dateTime: `2021-11-06T17:38:40.000+0000` as the API sends it, and the
/// request forms with `Z` or `+hh:mm`, with or without milliseconds.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Formats an instant the way the REST API emits it: `2021-11-06T17:38:40.000+0000`.
pub fn format_datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// Parses a Salesforce date: `2024-01-31`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Formats a date: `2024-01-31`.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

/// A raw field value, from REST JSON or a Bulk CSV cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    /// Null, absent, or an empty CSV cell.
    Null,
    /// A JSON string or a CSV cell.
    Str(&'a str),
    /// A JSON number.
    Num(f64),
    /// A JSON boolean.
    Bool(bool),
    /// Anything else (an object or array where a value was expected).
    Other,
}

/// A record from the API that fields can be read from by API name.
pub trait ApiRecord {
    /// Reads a field; a dotted name reads through a parent relationship.
    fn raw(&self, api_name: &str) -> Raw<'_>;
}

impl ApiRecord for Map<String, Value> {
    fn raw(&self, api_name: &str) -> Raw<'_> {
        let mut parts = api_name.split('.');
        let Some(first) = parts.next() else {
            return Raw::Null;
        };
        let mut value = self.get(first);
        for part in parts {
            value = match value {
                Some(Value::Object(parent)) => parent.get(part),
                _ => None,
            };
        }
        match value {
            None | Some(Value::Null) => Raw::Null,
            Some(Value::String(s)) => Raw::Str(s),
            Some(Value::Number(n)) => n.as_f64().map_or(Raw::Other, Raw::Num),
            Some(Value::Bool(b)) => Raw::Bool(*b),
            Some(_) => Raw::Other,
        }
    }
}

/// What was wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeProblem {
    /// A required field is empty.
    Missing,
    /// The value is not of the field's type.
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// The value, cut short.
        found: String,
    },
}

/// A record that could not be decoded, naming the record and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object} {record}: field {field}: {problem}")]
pub struct DecodeError {
    /// The object's API name.
    pub object: &'static str,
    /// The record's Id, or `(no Id)`.
    pub record: String,
    /// The field's API name.
    pub field: String,
    /// What was wrong.
    pub problem: DecodeProblem,
}

impl fmt::Display for DecodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeProblem::Missing => f.write_str("is required but empty"),
            DecodeProblem::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
        }
    }
}

/// Reads typed values from one record, naming the record in every error.
struct Reader<'a, R: ApiRecord> {
    record: &'a R,
    object: SObject,
    map: &'a FieldMap,
    record_id: String,
}

impl<'a, R: ApiRecord> Reader<'a, R> {
    fn new(record: &'a R, object: SObject, map: &'a FieldMap) -> Self {
        let id_field = map.api(object, "id");
        let record_id = match record.raw(id_field) {
            Raw::Str(s) => s.to_owned(),
            _ => "(no Id)".to_owned(),
        };
        Self {
            record,
            object,
            map,
            record_id,
        }
    }

    fn error(&self, api: &str, problem: DecodeProblem) -> DecodeError {
        DecodeError {
            object: self.object.api_name(),
            record: self.record_id.clone(),
            field: api.to_owned(),
            problem,
        }
    }

    fn wrong(&self, api: &str, expected: &'static str, raw: Raw<'_>) -> DecodeError {
        let found = match raw {
            Raw::Null => "null".to_owned(),
            Raw::Str(s) => format!("{:?}", s.chars().take(40).collect::<String>()),
            Raw::Num(n) => n.to_string(),
            Raw::Bool(b) => b.to_string(),
            Raw::Other => "an object or array".to_owned(),
        };
        self.error(api, DecodeProblem::WrongType { expected, found })
    }

    fn raw_named(&self, name: &str) -> (String, Raw<'a>) {
        let api = self.map.api(self.object, name).to_owned();
        let raw = self.record.raw(&api);
        (api, raw)
    }

    fn text(&self, name: &str) -> Result<Option<String>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            Raw::Null => Ok(None),
            Raw::Str(s) => Ok(Some(s.to_owned())),
            other => Err(self.wrong(&api, "text", other)),
        }
    }

    fn required_text(&self, name: &str) -> Result<String, DecodeError> {
        let api = self.map.api(self.object, name).to_owned();
        self.text(name)?
            .ok_or_else(|| self.error(&api, DecodeProblem::Missing))
    }

    fn id(&self, name: &str) -> Result<Option<SfId>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            Raw::Null => Ok(None),
            Raw::Str(s) => SfId::parse(s)
                .map(Some)
                .map_err(|_| self.wrong(&api, "a 15- or 18-character record Id", raw)),
            other => Err(self.wrong(&api, "a record Id", other)),
        }
    }

    fn required_id(&self, name: &str) -> Result<SfId, DecodeError> {
        let api = self.map.api(self.object, name).to_owned();
        self.id(name)?
            .ok_or_else(|| self.error(&api, DecodeProblem::Missing))
    }

    fn number_at(&self, api: &str) -> Result<Option<f64>, DecodeError> {
        let raw = self.record.raw(api);
        let value = match raw {
            Raw::Null => return Ok(None),
            Raw::Num(n) => n,
            Raw::Str(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| self.wrong(api, "a number", raw))?,
            other => return Err(self.wrong(api, "a number", other)),
        };
        if value.is_finite() {
            Ok(Some(value))
        } else {
            Err(self.wrong(api, "a finite number", raw))
        }
    }

    fn number(&self, name: &str) -> Result<Option<f64>, DecodeError> {
        let api = self.map.api(self.object, name).to_owned();
        self.number_at(&api)
    }

    fn integer(&self, name: &str) -> Result<Option<i64>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match self.number(name)? {
            None => Ok(None),
            Some(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                // Checked above: whole and well inside i64's exact range.
                Ok(Some(n as i64))
            }
            Some(_) => Err(self.wrong(&api, "a whole number", raw)),
        }
    }

    fn boolean(&self, name: &str) -> Result<bool, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            // Salesforce never sends a null checkbox; an absent one is unchecked.
            Raw::Null => Ok(false),
            Raw::Bool(b) => Ok(b),
            Raw::Str(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Raw::Str(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            other => Err(self.wrong(&api, "true or false", other)),
        }
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            Raw::Null => Ok(None),
            Raw::Str(s) => parse_date(s)
                .map(Some)
                .ok_or_else(|| self.wrong(&api, "a date like 2024-01-31", raw)),
            other => Err(self.wrong(&api, "a date", other)),
        }
    }

    fn required_date(&self, name: &str) -> Result<NaiveDate, DecodeError> {
        let api = self.map.api(self.object, name).to_owned();
        self.date(name)?
            .ok_or_else(|| self.error(&api, DecodeProblem::Missing))
    }

    fn datetime(&self, name: &str) -> Result<Option<DateTime<Utc>>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            Raw::Null => Ok(None),
            Raw::Str(s) => parse_datetime(s).map(Some).ok_or_else(|| {
                self.wrong(&api, "a dateTime like 2024-01-31T09:30:00.000+0000", raw)
            }),
            other => Err(self.wrong(&api, "a dateTime", other)),
        }
    }

    fn required_datetime(&self, name: &str) -> Result<DateTime<Utc>, DecodeError> {
        let api = self.map.api(self.object, name).to_owned();
        self.datetime(name)?
            .ok_or_else(|| self.error(&api, DecodeProblem::Missing))
    }

    fn categories(&self, categories: &[&str]) -> Result<BTreeMap<String, f64>, DecodeError> {
        let mut scores = BTreeMap::new();
        for category in categories {
            if let Some(api) = self.map.category_api(self.object, category)
                && let Some(score) = self.number_at(&api)?
            {
                scores.insert((*category).to_owned(), score);
            }
        }
        Ok(scores)
    }
}

/// Decodes an Account; `categories` are the model's category keys, whose score fields are
/// read back into [`CurrentHealth::categories`].
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_account(
    record: &impl ApiRecord,
    map: &FieldMap,
    categories: &[&str],
) -> Result<Account, DecodeError> {
    let r = Reader::new(record, SObject::Account, map);
    Ok(Account {
        id: r.required_id("id")?,
        name: r.text("name")?.unwrap_or_default(),
        owner_id: r.id("owner_id")?,
        account_type: r.text("account_type")?,
        created_date: r.datetime("created_date")?,
        arr: r.number("arr")?,
        license_seats: r.number("license_seats")?,
        active_users: r.number("active_users")?,
        core_feature_adoption: r.number("core_feature_adoption")?,
        last_product_activity: r.date("last_product_activity")?,
        kickoff_survey_score: r.number("kickoff_survey_score")?,
        uat_survey_score: r.number("uat_survey_score")?,
        csm_sentiment: r.text("csm_sentiment")?.map(|s| Sentiment::from_api(&s)),
        csm_sentiment_comment: r.text("csm_sentiment_comment")?,
        invoice_overdue_days: r.number("invoice_overdue_days")?,
        health: CurrentHealth {
            score: r.number("health_score")?,
            status: r.text("health_status")?.map(|s| HealthStatus::from_api(&s)),
            trend: r.text("health_trend")?.map(|s| HealthTrend::from_api(&s)),
            score_change: r.number("health_score_change")?,
            previous_score: r.number("health_previous_score")?,
            coverage: r.number("health_coverage")?,
            drivers: r.text("health_drivers")?,
            scored_at: r.datetime("health_scored_at")?,
            status_since: r.date("health_status_since")?,
            model: r.text("health_model")?,
            categories: r.categories(categories)?,
        },
    })
}

/// Decodes a Contract.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_contract(record: &impl ApiRecord, map: &FieldMap) -> Result<Contract, DecodeError> {
    let r = Reader::new(record, SObject::Contract, map);
    Ok(Contract {
        id: r.required_id("id")?,
        account_id: r.required_id("account_id")?,
        status: r.text("status")?.map(|s| ContractStatus::from_api(&s)),
        start_date: r.date("start_date")?,
        end_date: r.date("end_date")?,
        term_months: r.integer("term_months")?,
        owner_id: r.id("owner_id")?,
        contract_number: r.text("contract_number")?,
    })
}

/// Decodes a Case.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_case(record: &impl ApiRecord, map: &FieldMap) -> Result<Case, DecodeError> {
    let r = Reader::new(record, SObject::Case, map);
    Ok(Case {
        id: r.required_id("id")?,
        account_id: r.id("account_id")?,
        case_number: r.text("case_number")?,
        priority: r.text("priority")?.map(|s| CasePriority::from_api(&s)),
        status: r.text("status")?,
        is_escalated: r.boolean("is_escalated")?,
        is_closed: r.boolean("is_closed")?,
        created_date: r.required_datetime("created_date")?,
        closed_date: r.datetime("closed_date")?,
        csat_score: r.number("csat_score")?,
        sla_breached: r.boolean("sla_breached")?,
    })
}

/// Decodes an Opportunity.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_opportunity(
    record: &impl ApiRecord,
    map: &FieldMap,
) -> Result<Opportunity, DecodeError> {
    let r = Reader::new(record, SObject::Opportunity, map);
    Ok(Opportunity {
        id: r.required_id("id")?,
        account_id: r.id("account_id")?,
        name: r.required_text("name")?,
        stage_name: r.required_text("stage_name")?,
        close_date: r.required_date("close_date")?,
        amount: r.number("amount")?,
        opportunity_type: r.text("opportunity_type")?,
        is_closed: r.boolean("is_closed")?,
        is_won: r.boolean("is_won")?,
        record_type: r.text("record_type")?,
        contract_id: r.id("contract_id")?,
        owner_id: r.id("owner_id")?,
        created_date: r.datetime("created_date")?,
        vitals_key: r.text("vitals_key")?,
        churn_reason: r.text("churn_reason")?,
        renewal_risk: r.boolean("renewal_risk")?,
        health_at_creation: r.number("health_at_creation")?,
    })
}

/// Decodes an Event.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_event(record: &impl ApiRecord, map: &FieldMap) -> Result<Event, DecodeError> {
    let r = Reader::new(record, SObject::Event, map);
    Ok(Event {
        id: r.required_id("id")?,
        account_id: r.id("account_id")?,
        what_id: r.id("what_id")?,
        owner_id: r.id("owner_id")?,
        subject: r.text("subject")?,
        event_type: r.text("event_type")?.map(|s| ActivityType::from_api(&s)),
        start: r.datetime("start")?,
        end: r.datetime("end")?,
        duration_minutes: r.integer("duration_minutes")?,
        activity_date: r.date("activity_date")?,
        is_all_day: r.boolean("is_all_day")?,
        milestone_completed_on: r.date("milestone_completed_on")?,
        vitals_key: r.text("vitals_key")?,
        playbook: r.text("playbook")?,
    })
}

/// Decodes a Task.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_task(record: &impl ApiRecord, map: &FieldMap) -> Result<Task, DecodeError> {
    let r = Reader::new(record, SObject::Task, map);
    Ok(Task {
        id: r.required_id("id")?,
        account_id: r.id("account_id")?,
        what_id: r.id("what_id")?,
        owner_id: r.id("owner_id")?,
        subject: r.text("subject")?,
        task_type: r.text("task_type")?.map(|s| ActivityType::from_api(&s)),
        status: r.text("status")?,
        priority: r.text("priority")?,
        is_closed: r.boolean("is_closed")?,
        activity_date: r.date("activity_date")?,
        created_date: r.datetime("created_date")?,
        completed_at: r.datetime("completed_at")?,
        milestone_completed_on: r.date("milestone_completed_on")?,
        vitals_key: r.text("vitals_key")?,
        playbook: r.text("playbook")?,
    })
}

/// Decodes a `Health_Score_History__c` record.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_history(
    record: &impl ApiRecord,
    map: &FieldMap,
    categories: &[&str],
) -> Result<HistoryRecord, DecodeError> {
    let r = Reader::new(record, SObject::HealthHistory, map);
    Ok(HistoryRecord {
        id: r.id("id")?,
        account_id: r.required_id("account")?,
        period: r.required_date("period")?,
        score: r.number("score")?,
        status: r.text("status")?.map(|s| HealthStatus::from_api(&s)),
        previous_score: r.number("previous_score")?,
        score_change: r.number("score_change")?,
        calculated_at: r.datetime("calculated_at")?,
        coverage: r.number("coverage")?,
        model: r.text("model")?,
        drivers: r.text("drivers")?,
        backfilled: r.boolean("backfilled")?,
        key: r.text("key")?,
        categories: r.categories(categories)?,
    })
}

/// Problems reading an org file.
#[derive(Debug, thiserror::Error)]
pub enum OrgFileError {
    /// Not JSON.
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not an object of record lists.
    #[error(
        "expected an object whose keys are object API names (Account, Case, ...) and whose values are arrays of records; {0}"
    )]
    Shape(String),
}

/// Decodes an org file: a JSON object whose keys are object API names and whose values are
/// arrays of records as the REST API returns them (`{"Account": [{"Id": "001...", ...}]}`).
///
/// Records that cannot be decoded are returned as errors next to the records that could;
/// one bad record never hides the rest.
///
/// # Errors
/// [`OrgFileError`] when the text is not JSON of that shape.
pub fn decode_org_file(
    text: &str,
    map: &FieldMap,
    categories: &[&str],
) -> Result<(Records, Vec<DecodeError>), OrgFileError> {
    let value: Value = serde_json::from_str(text)?;
    let Value::Object(objects) = value else {
        return Err(OrgFileError::Shape("the top level is not an object".into()));
    };
    let mut records = Records::default();
    let mut errors = Vec::new();
    for (name, list) in &objects {
        let Some(object) = SObject::from_api_name(name) else {
            return Err(OrgFileError::Shape(format!(
                "{name:?} is not an object Vitals reads"
            )));
        };
        let Value::Array(list) = list else {
            return Err(OrgFileError::Shape(format!("{name:?} is not an array")));
        };
        for (index, item) in list.iter().enumerate() {
            let Value::Object(record) = item else {
                return Err(OrgFileError::Shape(format!(
                    "{name}[{index}] is not an object"
                )));
            };
            let outcome = match object {
                SObject::Account => {
                    decode_account(record, map, categories).map(|r| records.accounts.push(r))
                }
                SObject::Contract => {
                    decode_contract(record, map).map(|r| records.contracts.push(r))
                }
                SObject::Case => decode_case(record, map).map(|r| records.cases.push(r)),
                SObject::Opportunity => {
                    decode_opportunity(record, map).map(|r| records.opportunities.push(r))
                }
                SObject::Event => decode_event(record, map).map(|r| records.events.push(r)),
                SObject::Task => decode_task(record, map).map(|r| records.tasks.push(r)),
                SObject::HealthHistory => {
                    decode_history(record, map, categories).map(|r| records.history.push(r))
                }
            };
            if let Err(error) = outcome {
                errors.push(error);
            }
        }
    }
    Ok((records, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test data is an object"),
        }
    }

    #[test]
    fn salesforce_datetimes_parse_in_every_documented_form() {
        let expected = Utc.with_ymd_and_hms(2021, 11, 6, 17, 38, 40).unwrap();
        for text in [
            "2021-11-06T17:38:40.000+0000",
            "2021-11-06T17:38:40.000Z",
            "2021-11-06T17:38:40Z",
            "2021-11-06T17:38:40+00:00",
            "2021-11-06T18:38:40.000+0100",
            "2021-11-06T12:38:40.000-05:00",
        ] {
            assert_eq!(parse_datetime(text), Some(expected), "{text}");
        }
        assert_eq!(format_datetime(expected), "2021-11-06T17:38:40.000+0000");
        assert_eq!(parse_datetime("2021-11-06"), None);
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn an_account_decodes_from_rest_json() {
        let record = object(json!({
            "attributes": {"type": "Account", "url": "/services/data/v66.0/sobjects/Account/001D000000IRFmaIAH"},
            "Id": "001D000000IRFmaIAH",
            "Name": "Acme",
            "OwnerId": "005xx000001SwiUAAS",
            "ARR__c": 120000.0,
            "License_Seats__c": 100,
            "Active_Users__c": 80.0,
            "Last_Product_Activity__c": "2026-11-20",
            "CSM_Sentiment__c": "Purple",
            "Health_Status__c": "At Risk",
            "Health_Scored_At__c": "2026-11-01T02:00:00.000+0000",
            "Health_Case_Health__c": 55.0
        }));
        let account = decode_account(&record, &FieldMap::default(), &["case_health"]).unwrap();
        assert_eq!(account.id.as_str(), "001D000000IRFmaIAH");
        assert_eq!(account.license_seats, Some(100.0));
        assert_eq!(
            account.csm_sentiment,
            Some(Sentiment::Other("Purple".into()))
        );
        assert_eq!(account.health.status, Some(HealthStatus::AtRisk));
        assert_eq!(account.health.categories["case_health"], 55.0);
        assert_eq!(account.core_feature_adoption, None);
    }

    #[test]
    fn a_bad_value_names_the_record_and_field() {
        let record = object(json!({
            "Id": "500D000000IRFmaIAH",
            "AccountId": "001D000000IRFmaIAH",
            "CreatedDate": "2026-10-01T12:00:00.000+0000",
            "CSAT_Score__c": "five"
        }));
        let error = decode_case(&record, &FieldMap::default()).unwrap_err();
        assert_eq!(error.object, "Case");
        assert_eq!(error.record, "500D000000IRFmaIAH");
        assert_eq!(error.field, "CSAT_Score__c");
        assert_eq!(
            error.to_string(),
            "Case 500D000000IRFmaIAH: field CSAT_Score__c: expected a number, found \"five\""
        );
    }

    #[test]
    fn a_missing_required_value_is_an_error() {
        let record = object(json!({"Id": "500D000000IRFmaIAH"}));
        let error = decode_case(&record, &FieldMap::default()).unwrap_err();
        assert_eq!(error.field, "CreatedDate");
        assert_eq!(error.problem, DecodeProblem::Missing);
    }

    #[test]
    fn parent_relationship_fields_read_through_the_parent_object() {
        let record = object(json!({
            "Id": "006D000000IRFmaIAH", "Name": "Acme Renewal", "StageName": "Early Review",
            "CloseDate": "2026-12-31",
            "RecordType": {"attributes": {"type": "RecordType"}, "DeveloperName": "Renewal"}
        }));
        let opp = decode_opportunity(&record, &FieldMap::default()).unwrap();
        assert_eq!(opp.record_type.as_deref(), Some("Renewal"));
        let no_type = object(json!({
            "Id": "006D000000IRFmaIAH", "Name": "X", "StageName": "Prospecting",
            "CloseDate": "2026-12-31", "RecordType": null
        }));
        assert_eq!(
            decode_opportunity(&no_type, &FieldMap::default())
                .unwrap()
                .record_type,
            None
        );
    }

    #[test]
    fn overrides_remap_fields_and_bad_ones_are_all_reported() {
        let map =
            FieldMap::with_overrides([("account.arr", "Annual_Contract_Value__c")], &["adoption"])
                .unwrap();
        assert_eq!(map.api(SObject::Account, "arr"), "Annual_Contract_Value__c");
        let record = object(
            json!({"Id": "001D000000IRFmaIAH", "Annual_Contract_Value__c": 5.0, "ARR__c": 9.0}),
        );
        assert_eq!(decode_account(&record, &map, &[]).unwrap().arr, Some(5.0));

        let errors = FieldMap::with_overrides(
            [
                ("account.acv", "X__c"),
                ("account.arr", "not a name"),
                ("account.license_seats", "Active_Users__c"),
                ("nothing", "Y__c"),
            ],
            &["adoption"],
        )
        .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.to_string().starts_with("fields.account.acv:"))
        );
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, FieldMapError::Clash { .. }))
        );
    }

    #[test]
    fn category_fields_follow_the_category_key() {
        assert_eq!(
            category_field(SObject::Account, "case_health").as_deref(),
            Some("Health_Case_Health__c")
        );
        assert_eq!(
            category_field(SObject::HealthHistory, "adoption").as_deref(),
            Some("Adoption__c")
        );
        let map = FieldMap::with_overrides(
            [("account.health_adoption", "Usage_Score__c")],
            &["adoption"],
        )
        .unwrap();
        assert_eq!(
            map.category_api(SObject::Account, "adoption").as_deref(),
            Some("Usage_Score__c")
        );
    }

    #[test]
    fn csv_cells_decode_like_json_values() {
        struct Row(Vec<(&'static str, &'static str)>);
        impl ApiRecord for Row {
            fn raw(&self, api_name: &str) -> Raw<'_> {
                match self.0.iter().find(|(k, _)| *k == api_name) {
                    Some((_, "")) | None => Raw::Null,
                    Some((_, v)) => Raw::Str(v),
                }
            }
        }
        let row = Row(vec![
            ("Id", "500D000000IRFmaIAH"),
            ("CreatedDate", "2026-10-01T12:00:00.000+0000"),
            ("IsClosed", "true"),
            ("CSAT_Score__c", "4"),
            ("ClosedDate", ""),
        ]);
        let case = decode_case(&row, &FieldMap::default()).unwrap();
        assert!(case.is_closed);
        assert_eq!(case.csat_score, Some(4.0));
        assert_eq!(case.closed_date, None);
    }

    #[test]
    fn org_files_keep_good_records_and_report_bad_ones() {
        let text = r#"{
            "Account": [{"Id": "001D000000IRFmaIAH", "Name": "Acme"}],
            "Case": [
                {"Id": "500D000000IRFmaIAH", "AccountId": "001D000000IRFmaIAH", "CreatedDate": "2026-10-01T12:00:00.000+0000"},
                {"Id": "500D000000IRFmb", "AccountId": "not-an-id", "CreatedDate": "2026-10-01T12:00:00.000+0000"}
            ]
        }"#;
        let (records, errors) = decode_org_file(text, &FieldMap::default(), &[]).unwrap();
        assert_eq!(records.accounts.len(), 1);
        assert_eq!(records.cases.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "AccountId");
        assert!(matches!(
            decode_org_file(r#"{"Lead": []}"#, &FieldMap::default(), &[]),
            Err(OrgFileError::Shape(_))
        ));
    }
}
