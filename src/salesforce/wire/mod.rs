//! The Salesforce side of the vocabulary: API names, field types and value formats.
//!
//! This is the only module that knows Salesforce field names. [`DEFAULT_FIELDS`] is the one
//! table from Vitals' field names (`account.arr`) to API names (`ARR__c`); [`FieldMap`]
//! (in `field_map`) is that table after the `[fields]` overrides of the configuration,
//! which `overrides` checks and turns into a map, naming each bad one by its key. Built on
//! them:
//! - `select`: [`SelectList`], what the sync reads from each object (the model's fields,
//!   [`PLANNING_FIELDS`], `SystemModstamp`) with its fingerprint and its full and
//!   incremental SOQL (REST ordered by `SystemModstamp, Id`, Bulk never ordered);
//! - `decode`: an API record, from REST JSON or Bulk CSV, into a `domain` type, naming the
//!   record and field of any value it cannot read; `replica`: [`decode_row`], a record
//!   with its Id and `SystemModstamp`, or a deletion;
//! - `encode`: [`encode`], a planned write in Vitals' names into the object, write kind and
//!   record in API names, and the Renewal record type query;
//! - `format`: Salesforce's date and dateTime forms.
//!
//! Nothing here does I/O.

mod decode;
mod encode;
mod field_map;
mod format;
mod overrides;
mod replica;
mod select;

pub use decode::{
    ApiRecord, DecodeError, DecodeProblem, Decoded, OrgFile, OrgFileError, Raw, decode_account,
    decode_case, decode_contract, decode_event, decode_history, decode_opportunity,
    decode_org_file, decode_task,
};
pub use encode::{
    EncodeError, EncodedWrite, RENEWAL_RECORD_TYPE, WriteContext, encode,
    renewal_record_type_query, upsert_key,
};
pub use field_map::{FieldMap, FieldMapError, is_api_name};
pub use format::{format_date, format_datetime, parse_date, parse_datetime};
pub use replica::{DecodedRow, decode_row, read_modstamp};
pub use select::{ID, IS_DELETED, PLANNING_FIELDS, SYSTEM_MODSTAMP, SelectList};

/// JSON records for the unit tests of this module.
#[cfg(test)]
pub(crate) mod test_json {
    use serde_json::{Map, Value};

    /// The object inside `value`, which a test writes as a JSON object literal.
    pub fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test data is an object"),
        }
    }
}

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
    Account.owner_name = "Owner.Name": Text(121), Read;
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
    Event.with_economic_buyer = "With_Economic_Buyer__c": Checkbox, Read;

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
    Task.with_economic_buyer = "With_Economic_Buyer__c": Checkbox, Read;

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
