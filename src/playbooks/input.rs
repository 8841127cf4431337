//! What the planner is given and what it gives back, in the planner's own words.
//!
//! The planner takes small input types of its own rather than the state store's, so that
//! it depends on `domain` and `scoring` only: the sync converts the store's period result
//! and key ledger into [`PreviousResult`] and [`KeyRecord`]. Nothing here computes a write.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::{AccountSnapshot, HealthStatus, Period, PlannedWrite, Playbook, WriteKind};
use crate::scoring::{AccountScore, Model, Periods};

/// Everything the planner reads about one account.
#[derive(Debug, Clone, Copy)]
pub struct AccountInput<'a> {
    /// The org's records as read: the account with the health values it holds now, its
    /// contracts, cases, opportunities (Vitals' renewals among them), events, tasks
    /// (Vitals' playbook tasks among them) and health history records.
    pub snapshot: &'a AccountSnapshot,
    /// The score just computed from that snapshot.
    pub score: &'a AccountScore,
    /// The stored result of the period before the one scored, when known. A result of any
    /// other period is ignored (see [`PreviousResult`]).
    pub previous: Option<&'a PreviousResult>,
    /// The account's entries in the key ledger: every create key Vitals planned for it.
    pub ledger: &'a [KeyRecord],
}

impl<'a> AccountInput<'a> {
    /// The stored previous result, when it is the result of the period just before the one
    /// containing `as_of` under the configured period rule.
    pub fn previous_result(
        &self,
        settings: &PlanningSettings,
        as_of: DateTime<Utc>,
    ) -> Option<&'a PreviousResult> {
        let periods = Periods::around(as_of.date_naive(), |d| settings.period.start_of(d));
        self.previous.filter(|p| p.period == periods.previous)
    }
}

/// The stored result of one account for one period, as the state store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousResult {
    /// The first day of the period it belongs to. The planner uses the result only when this
    /// is the period just before the one scored, so "two periods running" never spans a
    /// gap.
    pub period: NaiveDate,
    /// The overall score.
    pub score: Option<f64>,
    /// The status.
    pub status: HealthStatus,
    /// The codes of the flags raised that period.
    pub flags: Vec<String>,
}

/// Where a create key stands in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Planned, not confirmed yet.
    Planned,
    /// The org confirmed the record (it may have been closed or deleted since).
    Delivered,
    /// The org refused it; the key may be planned again.
    Rejected,
}

/// One create key Vitals planned for an account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyRecord {
    /// The external key (`Key__c` or `Vitals_Key__c`).
    pub key: String,
    /// What the write creates.
    pub kind: WriteKind,
    /// The playbook, for playbook tasks (its name, as stored).
    pub playbook: Option<String>,
    /// When it was planned (or planned again after a rejection).
    pub planned_at: DateTime<Utc>,
    /// Where it stands.
    pub state: KeyState,
}

impl KeyRecord {
    /// Whether the key still counts as created: planned or delivered, not rejected.
    pub fn counts(&self) -> bool {
        self.state != KeyState::Rejected
    }
}

/// How the planner is configured for a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningSettings {
    /// The playbooks that may create tasks (`[playbooks] enabled`).
    pub enabled: Vec<Playbook>,
    /// Create a renewal this many days before the contract ends (`[renewals]
    /// create_days_before_end`).
    pub create_days_before_end: u32,
    /// The history granularity (`[scoring] period`).
    pub period: Period,
    /// The scoring model's name: `Health_Model__c`, and part of every history key.
    pub model: String,
    /// The model's category keys, in model order: the `health_<key>` and history `<key>`
    /// score fields.
    pub categories: Vec<String>,
    /// The lowest ARR of the top two ARR tiers, for the qbr-cadence playbook. Not a
    /// configuration key (product-spec section 3 has none); see
    /// [`PlanningSettings::TOP_TIER_MIN_ARR`].
    pub top_tier_min_arr: f64,
}

impl PlanningSettings {
    /// The default lowest ARR of the top two tiers: Strategic is 250,000 and more,
    /// Enterprise 100,000 and more, as the demo org's generator defines the tiers.
    pub const TOP_TIER_MIN_ARR: f64 = 100_000.0;

    /// Settings for a model, with the default top-tier threshold.
    pub fn new(
        model: &Model,
        period: Period,
        create_days_before_end: u32,
        enabled: &[Playbook],
    ) -> Self {
        Self {
            enabled: enabled.to_vec(),
            create_days_before_end,
            period,
            model: model.name.clone(),
            categories: model
                .category_keys()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            top_tier_min_arr: Self::TOP_TIER_MIN_ARR,
        }
    }

    /// Whether a playbook may create tasks.
    pub fn is_enabled(&self, playbook: Playbook) -> bool {
        self.enabled.contains(&playbook)
    }
}

/// Which run a history record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryMode {
    /// A live run: the period containing `as_of`, `Backfilled__c` false.
    Live,
    /// `vitals backfill`: scored as of an instant inside a past period (its last day),
    /// `Backfilled__c` true.
    Backfill,
}

/// What the planner decided for one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountPlan {
    /// The writes, in plan order (kind, then target).
    pub writes: Vec<PlannedWrite>,
    /// What was due but is not written, and why, in plan order (playbook, then key).
    pub skipped: Vec<Skipped>,
}

/// A write that a rule called for but the planner left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// What the write would have done.
    pub kind: WriteKind,
    /// The playbook, for a playbook task.
    pub playbook: Option<&'static str>,
    /// The key it would have had.
    pub key: String,
    /// Why it is left out, in plain words.
    pub reason: String,
}
