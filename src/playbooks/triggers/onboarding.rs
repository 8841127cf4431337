//! onboarding: a New Business opportunity closed won in the last 30 days.
//!
//! One task per won deal, keyed by the opportunity and its close date. A won deal whose
//! Close Date lies in the future is taken as closed today (it is closed now; the org
//! normally moves the date to the day it was won).

use chrono::{DateTime, Utc};

use super::TaskSpec;
use crate::playbooks::input::{AccountInput, PlanningSettings};

/// The opportunity `Type` of a first sale.
pub(crate) const NEW_BUSINESS: &str = "New Business";

/// A deal won this many days ago or less triggers.
pub(crate) const WITHIN_DAYS: i64 = 30;

/// The onboarding trigger.
pub(crate) fn trigger(
    input: &AccountInput<'_>,
    _settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<TaskSpec> {
    let today = as_of.date_naive();
    input
        .snapshot
        .opportunities
        .iter()
        .filter(|o| o.is_won && o.opportunity_type.as_deref() == Some(NEW_BUSINESS))
        .filter(|o| (today - o.close_date).num_days() <= WITHIN_DAYS)
        .map(|o| TaskSpec {
            record: o.id,
            day: o.close_date,
            reasons: vec![format!(
                "new business deal {} closed won on {}",
                o.id, o.close_date
            )],
            due_by: None,
            detail: Some(format!("deal won {}", o.close_date)),
        })
        .collect()
}
