//! expansion: seat utilisation above 90 %, or more active users than seats.
//!
//! Read from the account's seats and active users, so every model triggers it; a model's
//! `expansion_signal` flag (usage-support-engagement-expansion) triggers it too. Exactly
//! 90 % does not trigger. No seats on record and some active users counts as more users
//! than seats.

use chrono::{DateTime, Utc};

use super::{TaskSpec, flag_messages};
use crate::playbooks::input::{AccountInput, PlanningSettings};

/// The flag a model may raise for expansion potential.
pub(crate) const EXPANSION_SIGNAL: &str = "expansion_signal";

/// Utilisation above this share (percent) triggers.
pub(crate) const ABOVE_PERCENT: f64 = 90.0;

/// The expansion trigger.
pub(crate) fn trigger(
    input: &AccountInput<'_>,
    _settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<TaskSpec> {
    let account = &input.snapshot.account;
    let mut reasons = Vec::new();
    if let (Some(seats), Some(users)) = (account.license_seats, account.active_users) {
        if users > seats {
            reasons.push(format!(
                "{users} active users on {seats} licensed seats: more users than seats"
            ));
        } else if seats > 0.0 && users * 100.0 > seats * ABOVE_PERCENT {
            reasons.push(format!(
                "seat utilisation {:.0}% ({users} active users on {seats} seats), above {ABOVE_PERCENT}%",
                100.0 * users / seats
            ));
        }
    }
    if reasons.is_empty() {
        reasons.extend(flag_messages(input, EXPANSION_SIGNAL));
    }
    TaskSpec::account(input, as_of, reasons)
}
