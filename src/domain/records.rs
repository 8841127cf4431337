//! Typed records: what Vitals knows about an account and its related records.
//!
//! These carry only what scoring, playbooks and the writes need. Everything Salesforce may
//! send as null is an `Option`; checkboxes are plain `bool` because Salesforce never sends
//! a null checkbox. Field names here are Vitals' own; the Salesforce API names live in
//! `salesforce::wire`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::id::SfId;
use super::picklists::{
    ActivityType, CasePriority, ContractStatus, HealthStatus, HealthTrend, Sentiment,
};

/// A customer account, with the inputs other systems fill in and the health values Vitals
/// last wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Record Id.
    pub id: SfId,
    /// Account name.
    pub name: String,
    /// The account owner; playbook tasks and renewal opportunities go to this user.
    pub owner_id: Option<SfId>,
    /// The owner's name, read through the owner lookup at no extra cost, for people (the
    /// console's owner column and filter); never used to decide anything. Always
    /// serialised: the state file's compact record format is positional, so no field may
    /// be skipped.
    #[serde(default)]
    pub owner_name: Option<String>,
    /// Standard `Type` picklist (Customer, Prospect, ...).
    pub account_type: Option<String>,
    /// When the record was created.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub created_date: Option<DateTime<Utc>>,
    /// Annual recurring revenue.
    pub arr: Option<f64>,
    /// Licensed seats.
    pub license_seats: Option<f64>,
    /// Active users in the product.
    pub active_users: Option<f64>,
    /// Share of core features in use, as a percentage 0..=100.
    pub core_feature_adoption: Option<f64>,
    /// Last day with product activity.
    #[serde(default, with = "super::serde_time::opt_day")]
    pub last_product_activity: Option<NaiveDate>,
    /// Kickoff survey score, 1..=5.
    pub kickoff_survey_score: Option<f64>,
    /// User acceptance survey score, 1..=5.
    pub uat_survey_score: Option<f64>,
    /// The CSM's sentiment.
    pub csm_sentiment: Option<Sentiment>,
    /// The CSM's comment on the sentiment.
    pub csm_sentiment_comment: Option<String>,
    /// Days the oldest unpaid invoice is overdue.
    pub invoice_overdue_days: Option<f64>,
    /// The health values currently stored on the record (written by an earlier run).
    pub health: CurrentHealth,
}

/// The health fields as they currently stand on an Account record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CurrentHealth {
    /// `Health_Score__c`.
    pub score: Option<f64>,
    /// `Health_Status__c`.
    pub status: Option<HealthStatus>,
    /// `Health_Trend__c`.
    pub trend: Option<HealthTrend>,
    /// `Health_Score_Change__c`.
    pub score_change: Option<f64>,
    /// `Health_Previous_Score__c`.
    pub previous_score: Option<f64>,
    /// `Health_Coverage__c`, a percentage.
    pub coverage: Option<f64>,
    /// `Health_Drivers__c`.
    pub drivers: Option<String>,
    /// `Health_Scored_At__c`.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub scored_at: Option<DateTime<Utc>>,
    /// `Health_Status_Since__c`.
    #[serde(default, with = "super::serde_time::opt_day")]
    pub status_since: Option<NaiveDate>,
    /// `Health_Model__c`.
    pub model: Option<String>,
    /// Per-category scores, keyed by category key (`adoption`, `case_health`, ...).
    pub categories: BTreeMap<String, f64>,
}

/// A contract; its end date drives renewal readiness and renewal opportunities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    /// Record Id.
    pub id: SfId,
    /// The account under contract.
    pub account_id: SfId,
    /// Contract status.
    pub status: Option<ContractStatus>,
    /// First day of the contract.
    #[serde(default, with = "super::serde_time::opt_day")]
    pub start_date: Option<NaiveDate>,
    /// Last day of the contract (derived by Salesforce from start and term).
    #[serde(default, with = "super::serde_time::opt_day")]
    pub end_date: Option<NaiveDate>,
    /// Term in months.
    pub term_months: Option<i64>,
    /// Contract owner.
    pub owner_id: Option<SfId>,
    /// Contract number, for people.
    pub contract_number: Option<String>,
}

/// A support case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Record Id.
    pub id: SfId,
    /// The customer account.
    pub account_id: Option<SfId>,
    /// Case number, for people.
    pub case_number: Option<String>,
    /// Priority.
    pub priority: Option<CasePriority>,
    /// Status picklist value.
    pub status: Option<String>,
    /// Whether the case is escalated.
    pub is_escalated: bool,
    /// Whether the case is closed (derived by Salesforce from the status).
    pub is_closed: bool,
    /// When the case was opened.
    #[serde(with = "super::serde_time::instant")]
    pub created_date: DateTime<Utc>,
    /// When the case was closed.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub closed_date: Option<DateTime<Utc>>,
    /// Closure survey score, 1..=5.
    pub csat_score: Option<f64>,
    /// Whether the case breached its SLA.
    pub sla_breached: bool,
}

/// An opportunity: new business, expansion, or a renewal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// Record Id.
    pub id: SfId,
    /// The account.
    pub account_id: Option<SfId>,
    /// Opportunity name.
    pub name: String,
    /// Stage picklist value.
    pub stage_name: String,
    /// Expected or actual close date.
    #[serde(with = "super::serde_time::day")]
    pub close_date: NaiveDate,
    /// Amount.
    pub amount: Option<f64>,
    /// Standard `Type` picklist (New Business, Existing Business, Renewal, ...).
    pub opportunity_type: Option<String>,
    /// Closed (won or lost), derived from the stage.
    pub is_closed: bool,
    /// Won, derived from the stage.
    pub is_won: bool,
    /// Developer name of the record type (`Renewal` for renewals Vitals creates).
    pub record_type: Option<String>,
    /// The contract this opportunity renews, when set.
    pub contract_id: Option<SfId>,
    /// Opportunity owner.
    pub owner_id: Option<SfId>,
    /// When the record was created.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub created_date: Option<DateTime<Utc>>,
    /// `Vitals_Key__c`: set on the renewals Vitals created.
    pub vitals_key: Option<String>,
    /// `Churn_Reason__c`.
    pub churn_reason: Option<String>,
    /// `Renewal_Risk__c`.
    pub renewal_risk: bool,
    /// `Health_At_Creation__c`.
    pub health_at_creation: Option<f64>,
}

/// A calendar event: meetings, QBRs and milestones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Record Id.
    pub id: SfId,
    /// The account (derived by Salesforce from What/Who).
    pub account_id: Option<SfId>,
    /// The related record.
    pub what_id: Option<SfId>,
    /// Event owner.
    pub owner_id: Option<SfId>,
    /// Subject.
    pub subject: Option<String>,
    /// Type picklist value.
    pub event_type: Option<ActivityType>,
    /// Start of a timed event.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub start: Option<DateTime<Utc>>,
    /// End of a timed event.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub end: Option<DateTime<Utc>>,
    /// Duration in minutes.
    pub duration_minutes: Option<i64>,
    /// Date of the event (for milestones: the due date).
    #[serde(default, with = "super::serde_time::opt_day")]
    pub activity_date: Option<NaiveDate>,
    /// Whether the event lasts all day.
    pub is_all_day: bool,
    /// `Milestone_Completed_On__c`.
    #[serde(default, with = "super::serde_time::opt_day")]
    pub milestone_completed_on: Option<NaiveDate>,
    /// `Vitals_Key__c`.
    pub vitals_key: Option<String>,
    /// `Playbook__c`.
    pub playbook: Option<String>,
    /// `With_Economic_Buyer__c`: the customer's economic buyer took part.
    pub with_economic_buyer: bool,
}

/// A task: calls, emails, to-dos and the playbook tasks Vitals creates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Record Id.
    pub id: SfId,
    /// The account (derived by Salesforce from What/Who).
    pub account_id: Option<SfId>,
    /// The related record.
    pub what_id: Option<SfId>,
    /// Assignee.
    pub owner_id: Option<SfId>,
    /// Subject.
    pub subject: Option<String>,
    /// Type picklist value.
    pub task_type: Option<ActivityType>,
    /// Status picklist value.
    pub status: Option<String>,
    /// Priority picklist value.
    pub priority: Option<String>,
    /// Whether the task is closed (derived by Salesforce from the status).
    pub is_closed: bool,
    /// Due date.
    #[serde(default, with = "super::serde_time::opt_day")]
    pub activity_date: Option<NaiveDate>,
    /// When the task was created.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub created_date: Option<DateTime<Utc>>,
    /// When the task was completed.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub completed_at: Option<DateTime<Utc>>,
    /// `Milestone_Completed_On__c`.
    #[serde(default, with = "super::serde_time::opt_day")]
    pub milestone_completed_on: Option<NaiveDate>,
    /// `Vitals_Key__c`.
    pub vitals_key: Option<String>,
    /// `Playbook__c`.
    pub playbook: Option<String>,
    /// `With_Economic_Buyer__c`: the customer's economic buyer took part.
    pub with_economic_buyer: bool,
}

/// A `Health_Score_History__c` record: one account's score for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// Record Id, when the record exists in the org.
    pub id: Option<SfId>,
    /// The account (master-detail).
    pub account_id: SfId,
    /// First day of the period.
    #[serde(with = "super::serde_time::day")]
    pub period: NaiveDate,
    /// Overall score.
    pub score: Option<f64>,
    /// Status.
    pub status: Option<HealthStatus>,
    /// Score of the period before.
    pub previous_score: Option<f64>,
    /// Change against the period before.
    pub score_change: Option<f64>,
    /// When it was calculated.
    #[serde(default, with = "super::serde_time::opt_instant")]
    pub calculated_at: Option<DateTime<Utc>>,
    /// Share of model weight with data, as a percentage.
    pub coverage: Option<f64>,
    /// Model name.
    pub model: Option<String>,
    /// Top reasons in plain words.
    pub drivers: Option<String>,
    /// Whether `vitals backfill` computed it after the fact.
    pub backfilled: bool,
    /// `Key__c`: account + period + model, the upsert key.
    pub key: Option<String>,
    /// Per-category scores, keyed by category key.
    pub categories: BTreeMap<String, f64>,
}
