//! health-review: the status band changed, or the score dropped 10 points or more.
//!
//! The band change is against the status the org shows now (`Health_Status__c`), so a
//! change is seen once: the run that writes the new status triggers, the next does not.
//! Both statuses must be bands (Healthy, Monitor, At Risk): a first score, or a move to or
//! from Insufficient Data, is not a band change. The drop is against the previous period's
//! score, the one the trend and `Health_Previous_Score__c` show (scoring's
//! `previous_score`), in shown tenths: a drop of 9.9 does not trigger, 10.0 does. Without
//! that score there is no drop, as there is no change on the account: a task must not
//! cite a number the CSM cannot find.

use chrono::{DateTime, Utc};

use crate::domain::HealthStatus;
use crate::scoring::{displayed, from_tenths, tenths};

use super::TaskSpec;
use crate::playbooks::input::{AccountInput, PlanningSettings};

/// A drop of at least this many points triggers a review.
pub(crate) const DROP_POINTS: f64 = 10.0;

/// The health-review trigger.
pub(crate) fn trigger(
    input: &AccountInput<'_>,
    _settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<TaskSpec> {
    let mut reasons = Vec::new();
    let now = &input.score.status;
    if let Some(before) = &input.snapshot.account.health.status
        && is_band(before)
        && is_band(now)
        && before != now
    {
        reasons.push(format!("health status changed from {before} to {now}"));
    }
    if let (Some(before), Some(current)) =
        (input.score.previous_score, displayed(input.score).overall)
    {
        let drop = tenths(before) - tenths(current);
        if drop >= tenths(DROP_POINTS) {
            reasons.push(format!(
                "score dropped {} points since the previous period, from {before:.1} to {current:.1}",
                from_tenths(drop)
            ));
        }
    }
    TaskSpec::account(input, as_of, reasons)
}

/// Whether a status is one of the three bands.
fn is_band(status: &HealthStatus) -> bool {
    matches!(
        status,
        HealthStatus::Healthy | HealthStatus::Monitor | HealthStatus::AtRisk
    )
}
