//! qbr-cadence: an account in the top two ARR tiers with no QBR in the last 90 days.
//!
//! The playbook's 90 days are its own: scoring's `qbr_skipped` flag fires only after 120
//! days (the business reviews category scores 50 between 91 and 120), so the trigger reads
//! the QBRs itself, as scoring does: events of type QBR that are not Vitals' own
//! (`vitals_key` and `playbook` empty), dated by their `ActivityDate` (the start's day when
//! it is empty), on or before today. A QBR exactly 90 days ago is in time; 91 is not. The
//! top two tiers are an ARR of [`PlanningSettings::top_tier_min_arr`] or more; an account
//! without ARR is in no tier.

use chrono::{DateTime, Utc};

use crate::domain::{ActivityType, Event};

use super::TaskSpec;
use crate::playbooks::input::{AccountInput, PlanningSettings};

/// A QBR at most this many days ago is in time.
pub(crate) const WITHIN_DAYS: i64 = 90;

/// The qbr-cadence trigger.
pub(crate) fn trigger(
    input: &AccountInput<'_>,
    settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<TaskSpec> {
    let top_tier = input
        .snapshot
        .account
        .arr
        .is_some_and(|arr| arr >= settings.top_tier_min_arr);
    if !top_tier {
        return Vec::new();
    }
    let today = as_of.date_naive();
    let last = input
        .snapshot
        .events
        .iter()
        .filter(|e| is_customer_qbr(e))
        .filter_map(|e| e.activity_date.or_else(|| e.start.map(|s| s.date_naive())))
        .filter(|day| *day <= today)
        .max();
    let reason = match last {
        Some(day) if (today - day).num_days() <= WITHIN_DAYS => return Vec::new(),
        Some(day) => format!(
            "a top-tier account whose last QBR was {} days ago ({day}), more than {WITHIN_DAYS}",
            (today - day).num_days()
        ),
        None => "a top-tier account with no QBR on record".to_owned(),
    };
    TaskSpec::account(input, as_of, vec![reason])
}

/// A QBR held with the customer, not an activity Vitals created.
fn is_customer_qbr(event: &Event) -> bool {
    event.event_type == Some(ActivityType::Qbr)
        && event.vitals_key.is_none()
        && event.playbook.is_none()
}
