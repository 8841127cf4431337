//! [`plan_backfill`]: one account's history records for past periods, as if Vitals had
//! written them at each period's end.
//!
//! Periods are planned oldest first. Each is scored as of its last second with the same
//! `score_account` and planned with the same [`plan_history`] as a live run
//! ([`HistoryMode::Backfill`]), and the record it plans joins the account's history before
//! the next period is scored, so the next period's previous score, change, trend and
//! hysteresis come from it, as they would have had the history always existed.
//!
//! What is left alone:
//!
//! - **A period the org already holds a record for** (by key, or by period and model for a
//!   record written without a key), live or backfilled, whatever its values: a CSM may have
//!   corrected it, and a live record was computed from what was known then. It is counted
//!   as held, and it is what the next period compares with.
//! - **A key the ledger holds** (planned or delivered) that the org lacks: someone deleted
//!   the record, or it is still waiting in the outbox; it is never created again.
//! - **A period that ended before the account was created**: the account had no health then.
//!
//! Pure: no I/O, no clock. The caller sets [`AccountSnapshot::read_at`] to when the records
//! were read, so scoring knows which account values are today's (see `scoring::view`).

use serde::Serialize;

use crate::domain::{AccountSnapshot, HistoryRecord, PeriodEnd, PlannedWrite, Value};
use crate::scoring::{Model, Periods, Previous, score_account};

use super::history::plan_history;
use super::input::{HistoryMode, KeyRecord, PlanningSettings};
use super::keys::history_key;

/// What backfill decided for one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackfillPlan {
    /// The history records to create, oldest period first.
    pub writes: Vec<PlannedWrite>,
    /// Periods the org already holds a record for: left alone.
    pub held: u64,
    /// Periods whose key the ledger holds but the org lacks (deleted, or waiting in the
    /// outbox): not created again.
    pub in_ledger: u64,
    /// Periods that ended before the account was created.
    pub before_account: u64,
}

/// Plans the history records of `periods` (oldest first) for one account.
pub fn plan_backfill(
    snapshot: &AccountSnapshot,
    model: &Model,
    settings: &PlanningSettings,
    periods: &[PeriodEnd],
    ledger: &[KeyRecord],
) -> BackfillPlan {
    let mut snapshot = snapshot.clone();
    let mut plan = BackfillPlan::default();
    let account = snapshot.account.id;
    for period in periods {
        if snapshot
            .account
            .created_date
            .is_some_and(|c| c > period.end)
        {
            plan.before_account += 1;
            continue;
        }
        let key = history_key(account, period.start, &settings.model);
        if holds(&snapshot, &key, period, &settings.model) {
            plan.held += 1;
            continue;
        }
        if ledger.iter().any(|e| e.key == key && e.counts()) {
            plan.in_ledger += 1;
            continue;
        }
        let around = Periods::around(period.end.date_naive(), |d| settings.period.start_of(d));
        let compared = Previous::from_snapshot(&snapshot, &model.name, around, period.end);
        let score = score_account(&snapshot, model, period.end, &compared);
        let Some(write) = plan_history(
            &snapshot,
            &score,
            settings,
            period.end,
            HistoryMode::Backfill,
        ) else {
            plan.held += 1;
            continue;
        };
        let record = as_held(&write, &score.status, key, period, settings);
        let at = snapshot
            .history
            .partition_point(|h| h.period <= record.period);
        snapshot.history.insert(at, record);
        plan.writes.push(write);
    }
    plan
}

/// Whether the org holds a record of this period by this model.
fn holds(snapshot: &AccountSnapshot, key: &str, period: &PeriodEnd, model: &str) -> bool {
    snapshot.history.iter().any(|h| {
        h.key.as_deref() == Some(key)
            || (h.key.is_none()
                && h.period == period.start
                && h.model.as_deref().is_none_or(|m| m == model))
    })
}

/// The record as the org will hold it once written: numbers at their stored precision.
fn as_held(
    write: &PlannedWrite,
    status: &crate::domain::HealthStatus,
    key: String,
    period: &PeriodEnd,
    settings: &PlanningSettings,
) -> HistoryRecord {
    let number = |name: &str, decimals: i32| match write.field(name) {
        Some(Value::Number(n)) => {
            let scale = 10f64.powi(decimals);
            Some((n * scale).round() / scale)
        }
        _ => None,
    };
    let text = |name: &str| match write.field(name) {
        Some(Value::Text(t)) => Some(t.clone()),
        _ => None,
    };
    HistoryRecord {
        id: None,
        account_id: write.account_id,
        period: period.start,
        score: number("score", 1),
        status: Some(status.clone()),
        previous_score: number("previous_score", 1),
        score_change: number("score_change", 1),
        calculated_at: Some(period.end),
        coverage: number("coverage", 2),
        model: Some(settings.model.clone()),
        drivers: text("drivers"),
        backfilled: true,
        key: Some(key),
        categories: settings
            .categories
            .iter()
            .filter_map(|k| number(k, 1).map(|n| (k.clone(), n)))
            .collect(),
    }
}
