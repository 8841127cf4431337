//! The catalogue of fields a scoring model may refer to by name.
//!
//! A scoring model is data, so it names fields as text (`account.active_users`,
//! `case.priority`). This module is the one place that maps those names to the typed
//! records: [`FIELDS`] lists them with their kind, and [`FieldAccess::field`] reads one from
//! a record. A test checks that the two agree.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::records::{Account, Case, Contract, Event, Opportunity, Task};

/// The record types Vitals reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
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
}

impl ObjectKind {
    /// Every kind, in a stable order.
    pub const ALL: [ObjectKind; 6] = [
        ObjectKind::Account,
        ObjectKind::Contract,
        ObjectKind::Case,
        ObjectKind::Opportunity,
        ObjectKind::Event,
        ObjectKind::Task,
    ];

    /// The lower-case name used in model files and `[fields]` keys.
    pub fn key(self) -> &'static str {
        match self {
            ObjectKind::Account => "account",
            ObjectKind::Contract => "contract",
            ObjectKind::Case => "case",
            ObjectKind::Opportunity => "opportunity",
            ObjectKind::Event => "event",
            ObjectKind::Task => "task",
        }
    }

    /// Reads a lower-case object name.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// What kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A record Id.
    Id,
    /// Free text.
    Text,
    /// A picklist value.
    Picklist,
    /// A number (including currency and percentages).
    Number,
    /// A calendar date.
    Date,
    /// An instant.
    DateTime,
    /// A checkbox.
    Bool,
}

/// One field a model may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// The record type.
    pub object: ObjectKind,
    /// The field's name within the record type, e.g. `active_users`.
    pub name: &'static str,
    /// Its kind.
    pub kind: ValueKind,
}

/// A field's value read from a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// The field is empty on this record.
    Null,
    /// A number.
    Number(f64),
    /// Text, a picklist value or an Id.
    Text(&'a str),
    /// A date.
    Date(NaiveDate),
    /// An instant.
    DateTime(DateTime<Utc>),
    /// A checkbox.
    Bool(bool),
}

impl<'a> FieldValue<'a> {
    /// The number, when the value is one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            FieldValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The calendar date of a date or an instant (instants are taken in UTC).
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            FieldValue::Date(d) => Some(*d),
            FieldValue::DateTime(t) => Some(t.date_naive()),
            _ => None,
        }
    }

    /// The text of a text, picklist or Id value.
    pub fn as_text(&self) -> Option<&'a str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The state of a checkbox, when the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            FieldValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether the value is empty.
    pub fn is_null(&self) -> bool {
        matches!(self, FieldValue::Null)
    }
}

macro_rules! defs {
    ($($object:ident . $name:ident : $kind:ident),+ $(,)?) => {
        /// Every field a scoring model may name.
        pub const FIELDS: &[FieldDef] = &[
            $(FieldDef { object: ObjectKind::$object, name: stringify!($name), kind: ValueKind::$kind }),+
        ];
    };
}

defs! {
    Account.id: Id,
    Account.name: Text,
    Account.owner_id: Id,
    Account.account_type: Picklist,
    Account.created_date: DateTime,
    Account.arr: Number,
    Account.license_seats: Number,
    Account.active_users: Number,
    Account.core_feature_adoption: Number,
    Account.last_product_activity: Date,
    Account.kickoff_survey_score: Number,
    Account.uat_survey_score: Number,
    Account.csm_sentiment: Picklist,
    Account.csm_sentiment_comment: Text,
    Account.invoice_overdue_days: Number,
    Contract.id: Id,
    Contract.status: Picklist,
    Contract.start_date: Date,
    Contract.end_date: Date,
    Contract.term_months: Number,
    Contract.contract_number: Text,
    Case.id: Id,
    Case.case_number: Text,
    Case.priority: Picklist,
    Case.status: Picklist,
    Case.is_escalated: Bool,
    Case.is_closed: Bool,
    Case.created_date: DateTime,
    Case.closed_date: DateTime,
    Case.csat_score: Number,
    Case.sla_breached: Bool,
    Opportunity.id: Id,
    Opportunity.name: Text,
    Opportunity.stage_name: Picklist,
    Opportunity.close_date: Date,
    Opportunity.amount: Number,
    Opportunity.opportunity_type: Picklist,
    Opportunity.is_closed: Bool,
    Opportunity.is_won: Bool,
    Opportunity.record_type: Text,
    Opportunity.contract_id: Id,
    Opportunity.created_date: DateTime,
    Opportunity.vitals_key: Text,
    Opportunity.churn_reason: Picklist,
    Opportunity.renewal_risk: Bool,
    Event.id: Id,
    Event.subject: Text,
    Event.event_type: Picklist,
    Event.start: DateTime,
    Event.end: DateTime,
    Event.duration_minutes: Number,
    Event.activity_date: Date,
    Event.is_all_day: Bool,
    Event.milestone_completed_on: Date,
    Event.vitals_key: Text,
    Event.playbook: Picklist,
    Event.with_economic_buyer: Bool,
    Task.id: Id,
    Task.subject: Text,
    Task.task_type: Picklist,
    Task.status: Picklist,
    Task.priority: Picklist,
    Task.is_closed: Bool,
    Task.activity_date: Date,
    Task.created_date: DateTime,
    Task.completed_at: DateTime,
    Task.milestone_completed_on: Date,
    Task.vitals_key: Text,
    Task.playbook: Picklist,
    Task.with_economic_buyer: Bool,
}

/// Looks a field up by object and name.
pub fn field_def(object: ObjectKind, name: &str) -> Option<&'static FieldDef> {
    FIELDS
        .iter()
        .find(|def| def.object == object && def.name == name)
}

/// Reading fields by the names in [`FIELDS`].
pub trait FieldAccess {
    /// The record type.
    const OBJECT: ObjectKind;

    /// The record's Id.
    fn record_id(&self) -> &super::id::SfId;

    /// Reads a field by name; `None` when the name is not in [`FIELDS`] for this object.
    fn field(&self, name: &str) -> Option<FieldValue<'_>>;
}

fn num(value: Option<f64>) -> FieldValue<'static> {
    value.map_or(FieldValue::Null, FieldValue::Number)
}

fn int(value: Option<i64>) -> FieldValue<'static> {
    // Counts and durations are far below 2^53, so the conversion is exact.
    value.map_or(FieldValue::Null, |n| FieldValue::Number(n as f64))
}

fn text(value: Option<&str>) -> FieldValue<'_> {
    value.map_or(FieldValue::Null, FieldValue::Text)
}

fn date(value: Option<NaiveDate>) -> FieldValue<'static> {
    value.map_or(FieldValue::Null, FieldValue::Date)
}

fn instant(value: Option<DateTime<Utc>>) -> FieldValue<'static> {
    value.map_or(FieldValue::Null, FieldValue::DateTime)
}

impl FieldAccess for Account {
    const OBJECT: ObjectKind = ObjectKind::Account;

    fn record_id(&self) -> &super::id::SfId {
        &self.id
    }

    fn field(&self, name: &str) -> Option<FieldValue<'_>> {
        Some(match name {
            "id" => FieldValue::Text(self.id.as_str()),
            "name" => FieldValue::Text(&self.name),
            "owner_id" => text(self.owner_id.as_ref().map(|id| id.as_str())),
            "account_type" => text(self.account_type.as_deref()),
            "created_date" => instant(self.created_date),
            "arr" => num(self.arr),
            "license_seats" => num(self.license_seats),
            "active_users" => num(self.active_users),
            "core_feature_adoption" => num(self.core_feature_adoption),
            "last_product_activity" => date(self.last_product_activity),
            "kickoff_survey_score" => num(self.kickoff_survey_score),
            "uat_survey_score" => num(self.uat_survey_score),
            "csm_sentiment" => text(self.csm_sentiment.as_ref().map(|s| s.as_api())),
            "csm_sentiment_comment" => text(self.csm_sentiment_comment.as_deref()),
            "invoice_overdue_days" => num(self.invoice_overdue_days),
            _ => return None,
        })
    }
}

impl FieldAccess for Contract {
    const OBJECT: ObjectKind = ObjectKind::Contract;

    fn record_id(&self) -> &super::id::SfId {
        &self.id
    }

    fn field(&self, name: &str) -> Option<FieldValue<'_>> {
        Some(match name {
            "id" => FieldValue::Text(self.id.as_str()),
            "status" => text(self.status.as_ref().map(|s| s.as_api())),
            "start_date" => date(self.start_date),
            "end_date" => date(self.end_date),
            "term_months" => int(self.term_months),
            "contract_number" => text(self.contract_number.as_deref()),
            _ => return None,
        })
    }
}

impl FieldAccess for Case {
    const OBJECT: ObjectKind = ObjectKind::Case;

    fn record_id(&self) -> &super::id::SfId {
        &self.id
    }

    fn field(&self, name: &str) -> Option<FieldValue<'_>> {
        Some(match name {
            "id" => FieldValue::Text(self.id.as_str()),
            "case_number" => text(self.case_number.as_deref()),
            "priority" => text(self.priority.as_ref().map(|p| p.as_api())),
            "status" => text(self.status.as_deref()),
            "is_escalated" => FieldValue::Bool(self.is_escalated),
            "is_closed" => FieldValue::Bool(self.is_closed),
            "created_date" => FieldValue::DateTime(self.created_date),
            "closed_date" => instant(self.closed_date),
            "csat_score" => num(self.csat_score),
            "sla_breached" => FieldValue::Bool(self.sla_breached),
            _ => return None,
        })
    }
}

impl FieldAccess for Opportunity {
    const OBJECT: ObjectKind = ObjectKind::Opportunity;

    fn record_id(&self) -> &super::id::SfId {
        &self.id
    }

    fn field(&self, name: &str) -> Option<FieldValue<'_>> {
        Some(match name {
            "id" => FieldValue::Text(self.id.as_str()),
            "name" => FieldValue::Text(&self.name),
            "stage_name" => FieldValue::Text(&self.stage_name),
            "close_date" => FieldValue::Date(self.close_date),
            "amount" => num(self.amount),
            "opportunity_type" => text(self.opportunity_type.as_deref()),
            "is_closed" => FieldValue::Bool(self.is_closed),
            "is_won" => FieldValue::Bool(self.is_won),
            "record_type" => text(self.record_type.as_deref()),
            "contract_id" => text(self.contract_id.as_ref().map(|id| id.as_str())),
            "created_date" => instant(self.created_date),
            "vitals_key" => text(self.vitals_key.as_deref()),
            "churn_reason" => text(self.churn_reason.as_deref()),
            "renewal_risk" => FieldValue::Bool(self.renewal_risk),
            _ => return None,
        })
    }
}

impl FieldAccess for Event {
    const OBJECT: ObjectKind = ObjectKind::Event;

    fn record_id(&self) -> &super::id::SfId {
        &self.id
    }

    fn field(&self, name: &str) -> Option<FieldValue<'_>> {
        Some(match name {
            "id" => FieldValue::Text(self.id.as_str()),
            "subject" => text(self.subject.as_deref()),
            "event_type" => text(self.event_type.as_ref().map(|t| t.as_api())),
            "start" => instant(self.start),
            "end" => instant(self.end),
            "duration_minutes" => int(self.duration_minutes),
            "activity_date" => date(self.activity_date),
            "is_all_day" => FieldValue::Bool(self.is_all_day),
            "milestone_completed_on" => date(self.milestone_completed_on),
            "vitals_key" => text(self.vitals_key.as_deref()),
            "playbook" => text(self.playbook.as_deref()),
            "with_economic_buyer" => FieldValue::Bool(self.with_economic_buyer),
            _ => return None,
        })
    }
}

impl FieldAccess for Task {
    const OBJECT: ObjectKind = ObjectKind::Task;

    fn record_id(&self) -> &super::id::SfId {
        &self.id
    }

    fn field(&self, name: &str) -> Option<FieldValue<'_>> {
        Some(match name {
            "id" => FieldValue::Text(self.id.as_str()),
            "subject" => text(self.subject.as_deref()),
            "task_type" => text(self.task_type.as_ref().map(|t| t.as_api())),
            "status" => text(self.status.as_deref()),
            "priority" => text(self.priority.as_deref()),
            "is_closed" => FieldValue::Bool(self.is_closed),
            "activity_date" => date(self.activity_date),
            "created_date" => instant(self.created_date),
            "completed_at" => instant(self.completed_at),
            "milestone_completed_on" => date(self.milestone_completed_on),
            "vitals_key" => text(self.vitals_key.as_deref()),
            "playbook" => text(self.playbook.as_deref()),
            "with_economic_buyer" => FieldValue::Bool(self.with_economic_buyer),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_records;

    /// Checks that a value has the kind the catalogue promises (or is null).
    fn kind_matches(value: FieldValue<'_>, kind: ValueKind) -> bool {
        matches!(
            (value, kind),
            (FieldValue::Null, _)
                | (FieldValue::Number(_), ValueKind::Number)
                | (
                    FieldValue::Text(_),
                    ValueKind::Text | ValueKind::Picklist | ValueKind::Id
                )
                | (FieldValue::Date(_), ValueKind::Date)
                | (FieldValue::DateTime(_), ValueKind::DateTime)
                | (FieldValue::Bool(_), ValueKind::Bool)
        )
    }

    fn check_object<R: FieldAccess>(record: &R) {
        for def in FIELDS.iter().filter(|def| def.object == R::OBJECT) {
            let value = record.field(def.name).unwrap_or_else(|| {
                panic!(
                    "{}.{} is in FIELDS but not readable",
                    def.object.key(),
                    def.name
                )
            });
            assert!(
                kind_matches(value, def.kind),
                "{}.{} returned {value:?}, catalogue says {:?}",
                def.object.key(),
                def.name,
                def.kind
            );
        }
        assert!(record.field("no_such_field").is_none());
    }

    #[test]
    fn catalogue_and_accessors_agree() {
        check_object(&test_records::account());
        check_object(&test_records::contract());
        check_object(&test_records::case());
        check_object(&test_records::opportunity());
        check_object(&test_records::event());
        check_object(&test_records::task());
    }

    #[test]
    fn catalogue_names_are_unique_per_object() {
        for (i, a) in FIELDS.iter().enumerate() {
            for b in &FIELDS[i + 1..] {
                assert!(
                    !(a.object == b.object && a.name == b.name),
                    "{}.{} is listed twice",
                    a.object.key(),
                    a.name
                );
            }
        }
        assert_eq!(ObjectKind::from_key("case"), Some(ObjectKind::Case));
        assert!(field_def(ObjectKind::Account, "active_users").is_some());
    }
}
