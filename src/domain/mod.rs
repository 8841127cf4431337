//! Typed records, Ids and picklist values: the vocabulary every other module speaks.
//!
//! This module does no I/O and knows no Salesforce API names; `salesforce::wire` converts
//! API records into these types. Field names that scoring models may use are catalogued in
//! [`fields`]. The words the configuration, scoring and the playbooks share, [`Period`]
//! and [`Playbook`], live here too, so that none of those modules imports another for them;
//! the objects the sync replicates are [`SyncedObject`]; the writes Vitals plans
//! are [`plan`]; the fields a scoring model reads are a [`FieldsUsed`].

pub mod fields;
pub mod id;
pub mod period;
pub mod picklists;
pub mod plan;
pub mod playbook;
pub mod records;
pub mod serde_time;
pub mod snapshot;
pub mod synced;
pub mod used;

pub use fields::{FieldAccess, FieldDef, FieldValue, ObjectKind, ValueKind};
pub use id::{IdError, SfId};
pub use period::{Period, PeriodEnd};
pub use picklists::{
    ActivityType, CasePriority, ContractStatus, HealthStatus, HealthTrend, Sentiment,
};
pub use plan::{Outcome, Plan, PlannedWrite, RecordError, Target, Value, WriteKind};
pub use playbook::Playbook;
pub use records::{
    Account, Case, Contract, CurrentHealth, Event, HistoryRecord, Opportunity, Task,
};
pub use snapshot::{AccountSnapshot, Records, Unattached};
pub use synced::{DomainRecord, SyncedObject};
pub use used::FieldsUsed;

/// Fully populated sample records for unit tests across the crate.
#[cfg(test)]
pub(crate) mod test_records {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub fn account() -> Account {
        Account {
            id: SfId::from_parts("001", 1),
            name: "Acme".into(),
            owner_id: Some(SfId::from_parts("005", 1)),
            owner_name: None,
            account_type: Some("Customer".into()),
            created_date: Some(Utc.with_ymd_and_hms(2024, 1, 5, 9, 0, 0).unwrap()),
            arr: Some(120_000.0),
            license_seats: Some(100.0),
            active_users: Some(80.0),
            core_feature_adoption: Some(60.0),
            last_product_activity: Some(date(2026, 11, 20)),
            kickoff_survey_score: Some(4.0),
            uat_survey_score: Some(5.0),
            csm_sentiment: Some(Sentiment::Green),
            csm_sentiment_comment: Some("Strong sponsor".into()),
            invoice_overdue_days: Some(0.0),
            health: CurrentHealth::default(),
        }
    }

    pub fn contract() -> Contract {
        Contract {
            id: SfId::from_parts("800", 1),
            account_id: SfId::from_parts("001", 1),
            status: Some(ContractStatus::Activated),
            start_date: Some(date(2026, 1, 1)),
            end_date: Some(date(2026, 12, 31)),
            term_months: Some(12),
            owner_id: Some(SfId::from_parts("005", 1)),
            contract_number: Some("00000100".into()),
        }
    }

    pub fn case() -> Case {
        Case {
            id: SfId::from_parts("500", 1),
            account_id: Some(SfId::from_parts("001", 1)),
            case_number: Some("00001001".into()),
            priority: Some(CasePriority::High),
            status: Some("Closed".into()),
            is_escalated: false,
            is_closed: true,
            created_date: Utc.with_ymd_and_hms(2026, 10, 1, 12, 0, 0).unwrap(),
            closed_date: Some(Utc.with_ymd_and_hms(2026, 10, 3, 12, 0, 0).unwrap()),
            csat_score: Some(4.0),
            sla_breached: false,
        }
    }

    pub fn opportunity() -> Opportunity {
        Opportunity {
            id: SfId::from_parts("006", 1),
            account_id: Some(SfId::from_parts("001", 1)),
            name: "Acme Renewal 2026-12-31".into(),
            stage_name: "Early Review".into(),
            close_date: date(2026, 12, 31),
            amount: Some(120_000.0),
            opportunity_type: Some("Renewal".into()),
            is_closed: false,
            is_won: false,
            record_type: Some("Renewal".into()),
            contract_id: Some(SfId::from_parts("800", 1)),
            owner_id: Some(SfId::from_parts("005", 1)),
            created_date: Some(Utc.with_ymd_and_hms(2026, 9, 2, 2, 0, 0).unwrap()),
            vitals_key: Some("800000000000001-2026-12-31".into()),
            churn_reason: None,
            renewal_risk: false,
            health_at_creation: Some(72.5),
        }
    }

    pub fn event() -> Event {
        Event {
            id: SfId::from_parts("00U", 1),
            account_id: Some(SfId::from_parts("001", 1)),
            what_id: Some(SfId::from_parts("001", 1)),
            owner_id: Some(SfId::from_parts("005", 1)),
            subject: Some("Q3 business review".into()),
            event_type: Some(ActivityType::Qbr),
            start: Some(Utc.with_ymd_and_hms(2026, 10, 15, 15, 0, 0).unwrap()),
            end: Some(Utc.with_ymd_and_hms(2026, 10, 15, 16, 0, 0).unwrap()),
            duration_minutes: Some(60),
            activity_date: Some(date(2026, 10, 15)),
            is_all_day: false,
            milestone_completed_on: None,
            vitals_key: None,
            playbook: None,
            with_economic_buyer: false,
        }
    }

    pub fn task() -> Task {
        Task {
            id: SfId::from_parts("00T", 1),
            account_id: Some(SfId::from_parts("001", 1)),
            what_id: Some(SfId::from_parts("001", 1)),
            owner_id: Some(SfId::from_parts("005", 1)),
            subject: Some("Call with sponsor".into()),
            task_type: Some(ActivityType::Call),
            status: Some("Completed".into()),
            priority: Some("Normal".into()),
            is_closed: true,
            activity_date: Some(date(2026, 11, 2)),
            created_date: Some(Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()),
            completed_at: Some(Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap()),
            milestone_completed_on: None,
            vitals_key: None,
            playbook: None,
            with_economic_buyer: false,
        }
    }
}
