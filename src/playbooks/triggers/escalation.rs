//! escalation: the account became At Risk, a case is escalated, or a project survey came
//! back at 2 or lower.
//!
//! - *Became At Risk*: the status is At Risk and the org shows another status now. A first
//!   score is not "became" (there was nothing before it); the other two conditions still
//!   apply to it.
//! - *A case escalated*: an open escalated case on the account, read from the cases
//!   themselves, so every model triggers it (four-signal's `escalation_open` flag is raised
//!   by the same cases).
//! - *A survey at 2 or lower*: scoring's `survey_detractor` flag, when it is new: raised now
//!   and not in the previous period's stored result. A survey score is an account field
//!   that stays as it is for months; without "new", every cool-down would bring another
//!   escalation for the same old survey.

use chrono::{DateTime, Utc};

use crate::domain::HealthStatus;

use super::{TaskSpec, flag_messages};
use crate::playbooks::input::{AccountInput, PlanningSettings};

/// The flag scoring raises for a kickoff or UAT survey of 2 or lower.
pub(crate) const SURVEY_DETRACTOR: &str = "survey_detractor";

/// The escalation trigger.
pub(crate) fn trigger(
    input: &AccountInput<'_>,
    settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<TaskSpec> {
    let mut reasons = Vec::new();
    let shown = &input.snapshot.account.health.status;
    if input.score.status == HealthStatus::AtRisk
        && let Some(before) = shown.as_ref().filter(|s| **s != HealthStatus::AtRisk)
    {
        reasons.push(format!("health became At Risk (was {before})"));
    }
    let mut escalated: Vec<_> = input
        .snapshot
        .cases
        .iter()
        .filter(|c| c.is_escalated && !c.is_closed && c.created_date <= as_of)
        .collect();
    escalated.sort_by_key(|c| c.id);
    for case in escalated {
        let name = case.case_number.as_deref().unwrap_or(case.id.as_str());
        reasons.push(format!("case {name} is escalated and open"));
    }
    let flagged_before = input
        .previous_result(settings, as_of)
        .is_some_and(|p| p.flags.iter().any(|f| f == SURVEY_DETRACTOR));
    if !flagged_before {
        reasons.extend(flag_messages(input, SURVEY_DETRACTOR));
    }
    TaskSpec::account(input, as_of, reasons)
}
