//! What a new score is compared with, derived from an [`AccountSnapshot`] in one place.
//!
//! Two different "previous" values matter, and mixing them up causes real bugs:
//!
//! - **The previous period's result** (score and category scores) gives the trend, the
//!   change and its drivers. Spec 5: trend compares with the previous period's history
//!   record, so it is the record of exactly the period before the one scored (for monthly
//!   periods, June compares with May), never an older one: a change since March is not a
//!   trend of this month. A rerun within a period therefore compares with the period
//!   before, not with itself.
//! - **The status shown last** is what hysteresis holds on to. Within a period, runs every
//!   15 minutes must not flip a status back and forth, so this is the account's current
//!   `Health_Status__c` when it was written before the scoring instant; for backfill (an
//!   instant before that write) it is the status of the latest earlier history record.
//!
//! This module reads the snapshot only; it never scores. It does not know the period rule
//! (daily, weekly, monthly): the caller passes it to [`Periods::around`].

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AccountSnapshot, HealthStatus, HistoryRecord};

/// The first days of the period being scored and of the period before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    /// The first day of the period that contains the scoring date.
    pub current: NaiveDate,
    /// The first day of the period before it.
    pub previous: NaiveDate,
}

impl Periods {
    /// The period containing `day` and the one before it, under a period rule: `start_of`
    /// gives the first day of the period that contains a day (`config::Period::start_of`).
    /// The previous period is the one containing the day before the current one starts.
    pub fn around(day: NaiveDate, start_of: impl Fn(NaiveDate) -> NaiveDate) -> Self {
        let current = start_of(day);
        // Only NaiveDate::MIN has no day before it; then there is no previous period, and
        // `previous == current` matches no record of an earlier period.
        let previous = current.pred_opt().map_or(current, &start_of);
        Self { current, previous }
    }
}

/// What scoring compares with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Previous {
    /// The previous period's overall score.
    pub score: Option<f64>,
    /// The previous period's category scores, by key.
    #[serde(default)]
    pub categories: BTreeMap<String, f64>,
    /// The previous period's start: the period the trend compares with. Set by
    /// [`Previous::from_snapshot`] even when that period has no score.
    pub period: Option<NaiveDate>,
    /// The status shown last (the hysteresis reference).
    pub status: Option<HealthStatus>,
    /// Since when that status has held.
    pub status_since: Option<NaiveDate>,
}

impl Previous {
    /// Derives what to compare with from a snapshot.
    ///
    /// - `model`: history written by another model is not compared with (its categories
    ///   and scale differ); records without a model name are.
    /// - `periods`: the period being scored and the one before it ([`Periods::around`]).
    /// - `as_of`: the scoring instant; account values written after it are ignored.
    ///
    /// The previous period's score comes from the history record whose period is exactly
    /// `periods.previous`. Without one, it is the account's `Health_Score__c` (with its
    /// category scores) only when `Health_Scored_At__c` falls in the previous period, i.e.
    /// that score is the previous period's last; otherwise there is no previous score and
    /// no trend (an older record or an older account score is not the previous period).
    /// The last status is the account's `Health_Status__c` when `Health_Scored_At__c` is
    /// not after `as_of` (or unknown and no history exists), with
    /// `Health_Status_Since__c`; otherwise the status of the latest history record of an
    /// earlier period, which has held since the earliest record of its unbroken run of the
    /// same status.
    pub fn from_snapshot(
        snapshot: &AccountSnapshot,
        model: &str,
        periods: Periods,
        as_of: DateTime<Utc>,
    ) -> Self {
        let health = &snapshot.account.health;
        let same_model = |m: &Option<String>| m.as_deref().is_none_or(|m| m == model);
        let earlier: Vec<&HistoryRecord> = {
            let mut records: Vec<&HistoryRecord> = snapshot
                .history
                .iter()
                .filter(|h| h.period < periods.current && same_model(&h.model))
                .collect();
            records.sort_by_key(|h| h.period);
            records
        };
        // Should a rerun have left two records for the period, the later calculation wins.
        let of_previous_period = earlier
            .iter()
            .filter(|h| h.period == periods.previous && h.score.is_some())
            .max_by_key(|h| h.calculated_at)
            .copied();
        let scored_at_known_before = health.scored_at.is_some_and(|t| t <= as_of);
        let health_usable =
            health.scored_at.is_none_or(|t| t <= as_of) && same_model(&health.model);

        let mut previous = Previous {
            period: Some(periods.previous),
            ..Previous::default()
        };
        if let Some(record) = of_previous_period {
            previous.score = record.score;
            previous.categories = record.categories.clone();
        } else if health_usable
            && health.score.is_some()
            && health.scored_at.is_some_and(|t| {
                let day = t.date_naive();
                periods.previous <= day && day < periods.current
            })
        {
            previous.score = health.score;
            previous.categories = health.categories.clone();
        }

        let latest_status = earlier.iter().rev().find(|h| h.status.is_some()).copied();
        if health.status.is_some()
            && (scored_at_known_before || (health.scored_at.is_none() && latest_status.is_none()))
        {
            previous.status = health.status.clone();
            previous.status_since = health.status_since;
        } else if let Some(record) = latest_status {
            previous.status = record.status.clone();
            let run_start = earlier
                .iter()
                .rev()
                .filter(|h| h.status.is_some())
                .take_while(|h| h.status == record.status)
                .last()
                .map_or(record.period, |h| h.period);
            previous.status_since = Some(run_start);
        }
        previous
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::config::Period;
    use crate::domain::{SfId, test_records};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn history(period: NaiveDate, score: f64, status: HealthStatus) -> HistoryRecord {
        HistoryRecord {
            id: None,
            account_id: SfId::from_parts("001", 1),
            period,
            score: Some(score),
            status: Some(status),
            previous_score: None,
            score_change: None,
            calculated_at: None,
            coverage: None,
            model: Some("csm-nine".into()),
            drivers: None,
            backfilled: false,
            key: None,
            categories: BTreeMap::from([("adoption".to_owned(), score)]),
        }
    }

    struct Case {
        name: &'static str,
        period: Period,
        history: Vec<HistoryRecord>,
        health: Option<(f64, HealthStatus, Option<DateTime<Utc>>, NaiveDate)>,
        as_of: DateTime<Utc>,
        expect: Previous,
    }

    fn check(case: Case) {
        let mut snapshot = crate::domain::AccountSnapshot::new(test_records::account());
        snapshot.history = case.history;
        if let Some((score, status, scored_at, since)) = case.health {
            let health = &mut snapshot.account.health;
            health.score = Some(score);
            health.previous_score = Some(11.0);
            health.status = Some(status);
            health.scored_at = scored_at;
            health.status_since = Some(since);
            health.model = Some("csm-nine".into());
            health.categories = BTreeMap::from([("adoption".to_owned(), score)]);
        }
        let periods = Periods::around(case.as_of.date_naive(), |d| case.period.start_of(d));
        let got = Previous::from_snapshot(&snapshot, "csm-nine", periods, case.as_of);
        assert_eq!(got, case.expect, "{}", case.name);
    }

    fn scored(score: f64) -> BTreeMap<String, f64> {
        BTreeMap::from([("adoption".to_owned(), score)])
    }

    #[test]
    fn periods_are_the_one_containing_the_day_and_the_one_before() {
        let day = date(2026, 3, 1); // a Sunday
        let monthly = Periods::around(day, |d| Period::Monthly.start_of(d));
        assert_eq!((monthly.current, monthly.previous), (day, date(2026, 2, 1)));
        let weekly = Periods::around(day, |d| Period::Weekly.start_of(d));
        assert_eq!(
            (weekly.current, weekly.previous),
            (date(2026, 2, 23), date(2026, 2, 16))
        );
        let daily = Periods::around(day, |d| Period::Daily.start_of(d));
        assert_eq!((daily.current, daily.previous), (day, date(2026, 2, 28)));
        let first = Periods::around(NaiveDate::MIN, |d| d);
        assert_eq!(first.previous, first.current);
    }

    #[test]
    fn previous_comes_from_the_previous_period_and_the_last_status_shown() {
        let june = Utc.with_ymd_and_hms(2026, 6, 20, 2, 0, 0).unwrap();
        let may = Some(date(2026, 5, 1));
        let runs = vec![
            history(date(2026, 3, 1), 50.0, HealthStatus::Monitor),
            history(date(2026, 4, 1), 75.0, HealthStatus::Healthy),
            history(date(2026, 5, 1), 72.0, HealthStatus::Healthy),
            history(date(2026, 6, 1), 60.0, HealthStatus::Monitor),
        ];
        check(Case {
            name: "history only: May is the previous period, Healthy since April",
            period: Period::Monthly,
            history: runs.clone(),
            health: None,
            as_of: june,
            expect: Previous {
                score: Some(72.0),
                categories: scored(72.0),
                period: may,
                status: Some(HealthStatus::Healthy),
                status_since: Some(date(2026, 4, 1)),
            },
        });
        check(Case {
            name: "the account's status written earlier today wins for hysteresis",
            period: Period::Monthly,
            history: runs.clone(),
            health: Some((
                61.0,
                HealthStatus::Monitor,
                Some(Utc.with_ymd_and_hms(2026, 6, 20, 1, 0, 0).unwrap()),
                date(2026, 6, 3),
            )),
            as_of: june,
            expect: Previous {
                score: Some(72.0),
                categories: scored(72.0),
                period: may,
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 6, 3)),
            },
        });
        check(Case {
            name: "backfill: account values written after as_of are ignored",
            period: Period::Monthly,
            history: runs[..2].to_vec(),
            health: Some((
                61.0,
                HealthStatus::Monitor,
                Some(Utc.with_ymd_and_hms(2026, 6, 20, 1, 0, 0).unwrap()),
                date(2026, 6, 3),
            )),
            as_of: Utc.with_ymd_and_hms(2026, 5, 31, 23, 0, 0).unwrap(),
            expect: Previous {
                score: Some(75.0),
                categories: scored(75.0),
                period: Some(date(2026, 4, 1)),
                status: Some(HealthStatus::Healthy),
                status_since: Some(date(2026, 4, 1)),
            },
        });
        check(Case {
            name: "only older records: no previous score, but the last status still holds",
            period: Period::Monthly,
            history: runs[..2].to_vec(),
            health: None,
            as_of: june,
            expect: Previous {
                score: None,
                categories: BTreeMap::new(),
                period: may,
                status: Some(HealthStatus::Healthy),
                status_since: Some(date(2026, 4, 1)),
            },
        });
        check(Case {
            name: "no history, scored last month: the account's score is the previous one",
            period: Period::Monthly,
            history: vec![],
            health: Some((
                64.0,
                HealthStatus::Monitor,
                Some(Utc.with_ymd_and_hms(2026, 5, 30, 1, 0, 0).unwrap()),
                date(2026, 2, 1),
            )),
            as_of: june,
            expect: Previous {
                score: Some(64.0),
                categories: scored(64.0),
                period: may,
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 2, 1)),
            },
        });
        check(Case {
            name: "no history, scored in April: too old to be the previous period",
            period: Period::Monthly,
            history: vec![],
            health: Some((
                64.0,
                HealthStatus::Monitor,
                Some(Utc.with_ymd_and_hms(2026, 4, 30, 23, 0, 0).unwrap()),
                date(2026, 2, 1),
            )),
            as_of: june,
            expect: Previous {
                score: None,
                categories: BTreeMap::new(),
                period: may,
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 2, 1)),
            },
        });
        check(Case {
            name: "no history, scored this month: no previous period's score is known",
            period: Period::Monthly,
            history: vec![],
            health: Some((
                64.0,
                HealthStatus::Monitor,
                Some(Utc.with_ymd_and_hms(2026, 6, 2, 1, 0, 0).unwrap()),
                date(2026, 2, 1),
            )),
            as_of: june,
            expect: Previous {
                score: None,
                categories: BTreeMap::new(),
                period: may,
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 2, 1)),
            },
        });
        check(Case {
            name: "a previous period's record wins over the account's score of that period",
            period: Period::Monthly,
            history: runs[..3].to_vec(),
            health: Some((
                64.0,
                HealthStatus::Monitor,
                Some(Utc.with_ymd_and_hms(2026, 5, 30, 1, 0, 0).unwrap()),
                date(2026, 5, 30),
            )),
            as_of: june,
            expect: Previous {
                score: Some(72.0),
                categories: scored(72.0),
                period: may,
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 5, 30)),
            },
        });
        check(Case {
            name: "weekly: the record of the Monday before this week's",
            period: Period::Weekly,
            history: vec![
                history(date(2026, 6, 8), 40.0, HealthStatus::Monitor),
                history(date(2026, 6, 15), 45.0, HealthStatus::Monitor),
                history(date(2026, 6, 22), 47.0, HealthStatus::Monitor),
            ],
            health: None,
            as_of: Utc.with_ymd_and_hms(2026, 6, 24, 2, 0, 0).unwrap(), // a Wednesday
            expect: Previous {
                score: Some(45.0),
                categories: scored(45.0),
                period: Some(date(2026, 6, 15)),
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 6, 8)),
            },
        });
        check(Case {
            name: "nothing known",
            period: Period::Monthly,
            history: vec![],
            health: None,
            as_of: june,
            expect: Previous {
                period: may,
                ..Previous::default()
            },
        });
    }
}
