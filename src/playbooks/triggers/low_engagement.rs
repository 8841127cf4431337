//! low-engagement: utilisation below the threshold two periods running.
//!
//! Scoring's `underutilisation` flag (seat utilisation below 25 % in the presets) raised
//! now and in the stored result of the period just before. Without a stored result for
//! that period (a first run, a gap) it does not trigger: one period is not two.

use chrono::{DateTime, Utc};

use super::{TaskSpec, flag_messages};
use crate::playbooks::input::{AccountInput, PlanningSettings};

/// The flag scoring raises for low seat utilisation.
pub(crate) const UNDERUTILISATION: &str = "underutilisation";

/// The low-engagement trigger.
pub(crate) fn trigger(
    input: &AccountInput<'_>,
    settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<TaskSpec> {
    let Some(previous) = input.previous_result(settings, as_of) else {
        return Vec::new();
    };
    if !previous.flags.iter().any(|f| f == UNDERUTILISATION) {
        return Vec::new();
    }
    let mut reasons = flag_messages(input, UNDERUTILISATION);
    if !reasons.is_empty() {
        reasons.push(format!(
            "utilisation was also below the threshold in the period starting {}",
            previous.period
        ));
    }
    TaskSpec::account(input, as_of, reasons)
}
