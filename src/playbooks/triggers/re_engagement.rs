//! re-engagement: no customer activity in the last 45 days.
//!
//! Scoring's `no_recent_engagement` flag, which every preset raises when the last customer
//! contact (an event other than a milestone, or a completed task) is more than 45 days old
//! or there is none. Vitals' own playbook tasks are never customer contact: the presets'
//! engagement sources leave them out, so completing a Vitals task does not silence this.

use chrono::{DateTime, Utc};

use super::{TaskSpec, flag_messages};
use crate::playbooks::input::{AccountInput, PlanningSettings};

/// The flag scoring raises when there was no customer contact in the last 45 days.
pub(crate) const NO_RECENT_ENGAGEMENT: &str = "no_recent_engagement";

/// The re-engagement trigger.
pub(crate) fn trigger(
    input: &AccountInput<'_>,
    _settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<TaskSpec> {
    TaskSpec::account(input, as_of, flag_messages(input, NO_RECENT_ENGAGEMENT))
}
