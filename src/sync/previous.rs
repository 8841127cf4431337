//! The previous period's result an account is compared with, kept stable across the runs
//! of one period (pure).
//!
//! Scoring compares with the org's history record of the previous period
//! (`scoring::Previous::from_snapshot`). On a fresh install the org has none; scoring then
//! falls back to the account's own health fields when they were scored in the previous
//! period, but the first run of the new period overwrites those fields, so the second run
//! would lose the change and the trend, and the fields would flap from run to run. So the
//! sync keeps the previous period's result in the state store (`PeriodResult`) and, when
//! the org holds no history record for that period, adds it to the snapshot as the
//! previous period's record. That record is never written to the org. On first sight the
//! stored result is made from the account's health fields, when they were scored in the
//! previous period by the same model, before this run overwrites them.
//!
//! The same functions serve `vitals explain` and anything else that must score an account
//! as the sync does.

use chrono::{DateTime, Utc};

use crate::domain::{AccountSnapshot, HistoryRecord, Period};
use crate::playbooks::PreviousResult;
use crate::scoring::{AccountScore, Model, Periods, Previous, score_account};
use crate::store::PeriodResult;

/// Scores one account of the replica as the sync does as of `as_of`: the records count as
/// read at `read_at`, and `stored`, the store's result of the previous period (when it
/// holds one), stands in for a history record the org lacks. For `vitals explain` and the
/// console, which show what the sync computed; the sync itself also keeps the result it
/// makes on first sight.
pub fn score_as_the_sync_does(
    snapshot: &AccountSnapshot,
    stored: Option<PeriodResult>,
    model: &Model,
    period: Period,
    as_of: DateTime<Utc>,
    read_at: DateTime<Utc>,
) -> AccountScore {
    let periods = Periods::around(as_of.date_naive(), |day| period.start_of(day));
    let mut snapshot = snapshot.clone();
    snapshot.read_at = Some(read_at);
    let choice = choose(&snapshot, stored, periods, &model.name);
    add_to_snapshot(&mut snapshot, choice.result.as_ref(), periods, &model.name);
    let compared = Previous::from_snapshot(&snapshot, &model.name, periods, as_of);
    score_account(&snapshot, model, as_of, &compared)
}

/// The first day of the period before the one containing `as_of`: the period whose stored
/// result [`score_as_the_sync_does`] wants.
pub fn previous_period(period: Period, as_of: DateTime<Utc>) -> chrono::NaiveDate {
    Periods::around(as_of.date_naive(), |day| period.start_of(day)).previous
}

/// Whether the org holds a history record of the previous period with a score, by this
/// model (or by no named model).
fn org_has_previous(snapshot: &AccountSnapshot, periods: Periods, model: &str) -> bool {
    snapshot.history.iter().any(|h| {
        h.period == periods.previous
            && h.score.is_some()
            && h.model.as_deref().is_none_or(|m| m == model)
    })
}

/// The previous period's result from the account's health fields, when they were scored
/// in that period by this model: what the org showed at the end of it.
pub fn result_from_health(
    snapshot: &AccountSnapshot,
    periods: Periods,
    model: &str,
) -> Option<PeriodResult> {
    let health = &snapshot.account.health;
    let scored_at = health.scored_at?;
    let day = scored_at.date_naive();
    let in_previous = periods.previous <= day && day < periods.current;
    let same_model = health.model.as_deref().is_none_or(|m| m == model);
    if !in_previous || !same_model || health.score.is_none() {
        return None;
    }
    Some(PeriodResult {
        account_id: snapshot.account.id,
        period: periods.previous,
        model: model.to_owned(),
        score: health.score,
        status: health.status.clone()?,
        flags: Vec::new(),
        categories: health.categories.clone(),
        scored_at,
    })
}

/// What the sync compares an account with this run.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousChoice {
    /// The stored result of the previous period to use, if any.
    pub result: Option<PeriodResult>,
    /// Whether `result` was made just now from the health fields and must be stored
    /// before this run overwrites them.
    pub first_sight: bool,
}

/// Chooses the previous period's stored result: the one the store holds for that period,
/// else, on first sight, one made from the account's health fields.
pub fn choose(
    snapshot: &AccountSnapshot,
    stored: Option<PeriodResult>,
    periods: Periods,
    model: &str,
) -> PreviousChoice {
    let stored = stored.filter(|r| r.period == periods.previous && r.model == model);
    match stored {
        Some(result) => PreviousChoice {
            result: Some(result),
            first_sight: false,
        },
        None => {
            let made = result_from_health(snapshot, periods, model);
            PreviousChoice {
                first_sight: made.is_some(),
                result: made,
            }
        }
    }
}

/// Adds the stored result to the snapshot as the previous period's history record, when
/// the org holds none for that period. The record has no Id and no key: it is the
/// sync's memory, never written.
pub fn add_to_snapshot(
    snapshot: &mut AccountSnapshot,
    result: Option<&PeriodResult>,
    periods: Periods,
    model: &str,
) {
    let Some(result) = result else {
        return;
    };
    if org_has_previous(snapshot, periods, model) || result.score.is_none() {
        return;
    }
    let record = HistoryRecord {
        id: None,
        account_id: snapshot.account.id,
        period: result.period,
        score: result.score,
        status: Some(result.status.clone()),
        previous_score: None,
        score_change: None,
        calculated_at: Some(result.scored_at),
        coverage: None,
        model: Some(result.model.clone()),
        drivers: None,
        backfilled: false,
        key: None,
        categories: result.categories.clone(),
    };
    let at = snapshot
        .history
        .partition_point(|h| h.period <= record.period);
    snapshot.history.insert(at, record);
}

/// The planner's view of a stored result.
pub fn for_planner(result: &PeriodResult) -> PreviousResult {
    PreviousResult {
        period: result.period,
        score: result.score,
        status: result.status.clone(),
        flags: result.flags.clone(),
    }
}

/// This run's result for the current period, stored for the next period's comparison.
pub fn current_result(score: &AccountScore, periods: Periods, at: DateTime<Utc>) -> PeriodResult {
    PeriodResult {
        account_id: score.account_id,
        period: periods.current,
        model: score.model.clone(),
        score: score.overall,
        status: score.status.clone(),
        flags: score.flags.iter().map(|f| f.code.clone()).collect(),
        categories: score.category_scores(),
        scored_at: at,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::domain::{CurrentHealth, HealthStatus, test_records};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn periods() -> Periods {
        Periods {
            current: day(3, 1),
            previous: day(2, 1),
        }
    }

    fn snapshot(scored: Option<DateTime<Utc>>, model: &str) -> AccountSnapshot {
        let mut account = test_records::account();
        account.health = CurrentHealth {
            score: Some(61.5),
            status: Some(HealthStatus::Monitor),
            scored_at: scored,
            model: Some(model.into()),
            categories: BTreeMap::from([("adoption".to_owned(), 40.0)]),
            ..CurrentHealth::default()
        };
        AccountSnapshot::new(account)
    }

    fn feb(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, d, 2, 0, 0).unwrap()
    }

    #[test]
    fn health_scored_last_period_becomes_the_stored_previous_result_on_first_sight() {
        let snap = snapshot(Some(feb(20)), "csm-nine");
        let choice = choose(&snap, None, periods(), "csm-nine");
        assert!(choice.first_sight);
        let result = choice.result.unwrap();
        assert_eq!(
            (result.period, result.score, &result.status),
            (day(2, 1), Some(61.5), &HealthStatus::Monitor)
        );
        // Scored this period, by another model, or never: nothing to remember.
        let this_period = snapshot(
            Some(Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap()),
            "csm-nine",
        );
        assert_eq!(
            choose(&this_period, None, periods(), "csm-nine").result,
            None
        );
        assert_eq!(
            choose(
                &snapshot(Some(feb(20)), "other"),
                None,
                periods(),
                "csm-nine"
            )
            .result,
            None
        );
        assert_eq!(
            choose(&snapshot(None, "csm-nine"), None, periods(), "csm-nine").result,
            None
        );
    }

    #[test]
    fn a_stored_result_wins_over_the_health_fields_and_is_not_stored_again() {
        let snap = snapshot(Some(feb(20)), "csm-nine");
        let stored = PeriodResult {
            score: Some(70.0),
            ..result_from_health(&snap, periods(), "csm-nine").unwrap()
        };
        let choice = choose(&snap, Some(stored.clone()), periods(), "csm-nine");
        assert_eq!(
            choice,
            PreviousChoice {
                result: Some(stored),
                first_sight: false
            }
        );
    }

    #[test]
    fn the_stored_result_stands_in_only_for_a_missing_org_record() {
        let mut snap = snapshot(Some(feb(20)), "csm-nine");
        let result = result_from_health(&snap, periods(), "csm-nine").unwrap();
        add_to_snapshot(&mut snap, Some(&result), periods(), "csm-nine");
        assert_eq!(snap.history.len(), 1);
        assert_eq!(snap.history[0].period, day(2, 1));
        assert_eq!(snap.history[0].score, Some(61.5));
        assert_eq!(snap.history[0].id, None);
        // The org's own record of the period wins: nothing is added.
        let mut with_org = snapshot(Some(feb(20)), "csm-nine");
        with_org.history.push(HistoryRecord {
            score: Some(50.0),
            ..snap.history[0].clone()
        });
        add_to_snapshot(&mut with_org, Some(&result), periods(), "csm-nine");
        assert_eq!(with_org.history.len(), 1);
        assert_eq!(with_org.history[0].score, Some(50.0));
    }
}
