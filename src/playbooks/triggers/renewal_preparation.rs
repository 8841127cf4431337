//! renewal-preparation: an Activated contract ends within 90 days.
//!
//! One task per contract term, keyed by the contract and its end date, due two weeks out
//! but never after the contract's end. Contracts that have ended (end date before today)
//! are past preparing.

use chrono::{DateTime, Utc};

use crate::domain::ContractStatus;

use super::TaskSpec;
use crate::playbooks::input::{AccountInput, PlanningSettings};

/// Preparation starts this many days before the end.
pub(crate) const DAYS_BEFORE_END: i64 = 90;

/// The renewal-preparation trigger.
pub(crate) fn trigger(
    input: &AccountInput<'_>,
    _settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<TaskSpec> {
    let today = as_of.date_naive();
    input
        .snapshot
        .contracts
        .iter()
        .filter(|c| c.status == Some(ContractStatus::Activated))
        .filter_map(|c| {
            let end = c.end_date?;
            let days_left = (end - today).num_days();
            (0..=DAYS_BEFORE_END).contains(&days_left).then(|| {
                let number = c.contract_number.as_deref().unwrap_or(c.id.as_str());
                TaskSpec {
                    record: c.id,
                    day: end,
                    reasons: vec![format!(
                        "contract {number} ends on {end}, in {days_left} days"
                    )],
                    due_by: Some(end),
                    detail: Some(format!("contract {number} ends {end}")),
                }
            })
        })
        .collect()
}
