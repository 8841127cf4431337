//! [`plan_account`]: every write for one account, from its snapshot, score, previous
//! result and key ledger.

use chrono::{DateTime, Utc};

use crate::domain::Plan;

use super::health::plan_health;
use super::history::plan_history;
use super::input::{AccountInput, AccountPlan, HistoryMode, PlanningSettings};
use super::renewal::{plan_renewal_risk, plan_renewals};
use super::tasks::plan_tasks;

/// Plans one account's writes as of `as_of`: Account health fields that differ from the
/// org's, the period's history record when absent or different, renewals due, renewal-risk
/// updates and playbook tasks. Pure: no I/O, no clock; the same input gives the same plan.
pub fn plan_account(
    input: &AccountInput<'_>,
    settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> AccountPlan {
    let snapshot = input.snapshot;
    let score = input.score;
    let mut writes = Vec::new();
    writes.extend(plan_health(snapshot, score, settings, as_of));
    writes.extend(plan_history(
        snapshot,
        score,
        settings,
        as_of,
        HistoryMode::Live,
    ));
    writes.extend(plan_renewals(input, settings, as_of));
    writes.extend(plan_renewal_risk(snapshot, score));
    let (tasks, mut skipped) = plan_tasks(input, settings, as_of);
    writes.extend(tasks);
    skipped.sort_by(|a, b| (a.playbook, &a.key).cmp(&(b.playbook, &b.key)));
    AccountPlan {
        writes: Plan::new(writes).writes,
        skipped,
    }
}
