//! The plan: the writes Vitals intends to make, and what became of each.
//!
//! A plan is a plain value (style guide 2.2): the planner produces it without I/O, the
//! state store persists it in the outbox, and the applier sends it. Field names here are
//! Vitals' own (`health_score`, `health_<category>`, `stage_name`, `playbook`); only
//! `salesforce::wire` turns them into API names. [`Outcome`] is the domain's view of a
//! write result, independent of the client's types. No I/O, no clock.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::id::SfId;
use super::synced::SyncedObject;

/// The Vitals field name that carries a playbook task's playbook (`Playbook__c`).
pub const PLAYBOOK_FIELD: &str = "playbook";

/// What a planned write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// Account health fields, updated by Id.
    AccountHealth,
    /// One history record per account per period, upserted on its key.
    History,
    /// A renewal opportunity, upserted on its key.
    Renewal,
    /// The renewal-risk flag of an existing renewal, updated by Id.
    RenewalRisk,
    /// A playbook task, upserted on its key.
    PlaybookTask,
}

impl WriteKind {
    /// Every kind, in plan order.
    pub const ALL: [WriteKind; 5] = [
        WriteKind::AccountHealth,
        WriteKind::History,
        WriteKind::Renewal,
        WriteKind::RenewalRisk,
        WriteKind::PlaybookTask,
    ];

    /// The stable lower-case key, persisted by the state store.
    pub fn key(self) -> &'static str {
        match self {
            WriteKind::AccountHealth => "account_health",
            WriteKind::History => "history",
            WriteKind::Renewal => "renewal",
            WriteKind::RenewalRisk => "renewal_risk",
            WriteKind::PlaybookTask => "playbook_task",
        }
    }

    /// Reads a key written by [`WriteKind::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// The object the write goes to.
    pub fn object(self) -> SyncedObject {
        match self {
            WriteKind::AccountHealth => SyncedObject::Account,
            WriteKind::History => SyncedObject::History,
            WriteKind::Renewal | WriteKind::RenewalRisk => SyncedObject::Opportunity,
            WriteKind::PlaybookTask => SyncedObject::Task,
        }
    }

    /// Whether the write may create a record. Such writes are upserts on an external key
    /// ([`Target::Key`]), so a replay cannot duplicate, and every key planned is kept in the
    /// state store's key ledger. The others update an existing record by Id.
    pub fn creates(self) -> bool {
        matches!(
            self,
            WriteKind::History | WriteKind::Renewal | WriteKind::PlaybookTask
        )
    }
}

/// Which record a write addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// An existing record, by Id.
    Id(SfId),
    /// A record created or updated by its external key (`Key__c`, `Vitals_Key__c`).
    Key(String),
}

impl Target {
    /// The Id or the key as text.
    pub fn as_text(&self) -> &str {
        match self {
            Target::Id(id) => id.as_str(),
            Target::Key(key) => key,
        }
    }
}

/// A value to write into a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// Clear the field.
    Null,
    /// Text, a picklist value or an Id.
    Text(String),
    /// A number.
    Number(f64),
    /// A checkbox.
    Bool(bool),
    /// A date.
    Date(NaiveDate),
    /// An instant.
    DateTime(DateTime<Utc>),
}

/// One write Vitals intends to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedWrite {
    /// What the write does.
    pub kind: WriteKind,
    /// The record it addresses.
    pub target: Target,
    /// The account it is about.
    pub account_id: SfId,
    /// The fields to set, in Vitals' names, in a deterministic order.
    pub fields: Vec<(String, Value)>,
    /// Why, in plain words.
    pub reason: String,
}

impl PlannedWrite {
    /// The object the write goes to.
    pub fn object(&self) -> SyncedObject {
        self.kind.object()
    }

    /// The value planned for a field, when the write sets it.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The playbook of a playbook task (its [`PLAYBOOK_FIELD`]), when set as text.
    pub fn playbook(&self) -> Option<&str> {
        match self.field(PLAYBOOK_FIELD) {
            Some(Value::Text(name)) => Some(name),
            _ => None,
        }
    }
}

/// The writes of one run, in a deterministic order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The writes, ordered by account, then kind, then target.
    pub writes: Vec<PlannedWrite>,
}

impl Plan {
    /// A plan of these writes, put in plan order (account Id, kind, target); writes that
    /// tie keep their given order.
    pub fn new(mut writes: Vec<PlannedWrite>) -> Self {
        writes.sort_by(|a, b| {
            (a.account_id, a.kind, &a.target).cmp(&(b.account_id, b.kind, &b.target))
        });
        Self { writes }
    }
}

/// One error Salesforce reported for a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    /// The status code (`REQUIRED_FIELD_MISSING`, `FIELD_CUSTOM_VALIDATION_EXCEPTION`, ...).
    pub code: String,
    /// The message.
    pub message: String,
    /// The fields concerned, in Vitals' names where known.
    pub fields: Vec<String>,
}

/// What became of one planned write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The org confirmed the write.
    Delivered {
        /// The record's Id, when the org returned it.
        id: Option<SfId>,
        /// For upserts: whether the record was created.
        created: Option<bool>,
    },
    /// Not written for a reason that may pass (lock, outage, budget stop): retried.
    Errored {
        /// A short code.
        code: String,
        /// What happened.
        message: String,
    },
    /// Refused by the org for a reason in the data: final until the plan changes.
    Rejected {
        /// Every error the org gave.
        errors: Vec<RecordError>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(account: u64, kind: WriteKind, target: Target) -> PlannedWrite {
        PlannedWrite {
            kind,
            target,
            account_id: SfId::from_parts("001", account),
            fields: vec![(PLAYBOOK_FIELD.into(), Value::Text("escalation".into()))],
            reason: "test".into(),
        }
    }

    #[test]
    fn kinds_know_object_and_whether_they_create() {
        assert_eq!(WriteKind::Renewal.object(), SyncedObject::Opportunity);
        assert_eq!(WriteKind::RenewalRisk.object(), SyncedObject::Opportunity);
        assert!(WriteKind::PlaybookTask.creates());
        assert!(!WriteKind::AccountHealth.creates());
        for kind in WriteKind::ALL {
            assert_eq!(WriteKind::from_key(kind.key()), Some(kind));
        }
    }

    #[test]
    fn a_plan_is_ordered_by_account_kind_and_target() {
        let plan = Plan::new(vec![
            write(2, WriteKind::History, Target::Key("b".into())),
            write(1, WriteKind::PlaybookTask, Target::Key("z".into())),
            write(2, WriteKind::History, Target::Key("a".into())),
            write(
                1,
                WriteKind::AccountHealth,
                Target::Id(SfId::from_parts("001", 1)),
            ),
        ]);
        let order: Vec<_> = plan.writes.iter().map(|w| w.target.as_text()).collect();
        assert_eq!(order, ["001000000000001AAA", "z", "a", "b"]);
        assert_eq!(plan.writes[1].playbook(), Some("escalation"));
    }
}
