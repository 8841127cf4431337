//! What a new score is compared with, derived from an [`AccountSnapshot`] in one place.
//!
//! Two different "previous" values matter, and mixing them up causes real bugs:
//!
//! - **The previous period's result** (score and category scores) gives the trend, the
//!   change and its drivers. It is the latest history record of an *earlier* period (so a
//!   rerun within a period compares with the period before, not with itself).
//! - **The status shown last** is what hysteresis holds on to. Within a period, runs every
//!   15 minutes must not flip a status back and forth, so this is the account's current
//!   `Health_Status__c` when it was written before the scoring instant; for backfill (an
//!   instant before that write) it is the status of the latest earlier history record.
//!
//! This module reads the snapshot only; it never scores.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AccountSnapshot, HealthStatus, HistoryRecord};

/// What scoring compares with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Previous {
    /// The previous period's overall score.
    pub score: Option<f64>,
    /// The previous period's category scores, by key.
    #[serde(default)]
    pub categories: BTreeMap<String, f64>,
    /// The previous period's start, when it came from a history record.
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
    /// - `period_start`: the first day of the period being scored; only history of earlier
    ///   periods counts as "previous".
    /// - `as_of`: the scoring instant; account values written after it are ignored.
    ///
    /// The previous period's score comes from the latest earlier history record; failing
    /// that, from the account's current health fields: its score when it was scored before
    /// this period, else its `Health_Previous_Score__c` (a run earlier in this period
    /// already moved the old score there). The last status is the account's
    /// `Health_Status__c` when `Health_Scored_At__c` is not after `as_of` (or unknown and
    /// no history exists), with `Health_Status_Since__c`; otherwise the status of the
    /// latest earlier history record, which has held since the earliest record of its
    /// unbroken run of the same status.
    pub fn from_snapshot(
        snapshot: &AccountSnapshot,
        model: &str,
        period_start: NaiveDate,
        as_of: DateTime<Utc>,
    ) -> Self {
        let health = &snapshot.account.health;
        let same_model = |m: &Option<String>| m.as_deref().is_none_or(|m| m == model);
        let earlier: Vec<&HistoryRecord> = {
            let mut records: Vec<&HistoryRecord> = snapshot
                .history
                .iter()
                .filter(|h| h.period < period_start && same_model(&h.model))
                .collect();
            records.sort_by_key(|h| h.period);
            records
        };
        let latest = earlier.iter().rev().find(|h| h.score.is_some()).copied();
        let scored_at_known_before = health.scored_at.is_some_and(|t| t <= as_of);
        let health_usable =
            health.scored_at.is_none_or(|t| t <= as_of) && same_model(&health.model);

        let mut previous = Previous::default();
        if let Some(record) = latest {
            previous.score = record.score;
            previous.categories = record.categories.clone();
            previous.period = Some(record.period);
        } else if health_usable && health.score.is_some() {
            let period_start_instant = period_start.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
            let scored_this_period = match (health.scored_at, period_start_instant) {
                (Some(t), Some(start)) => t >= start,
                _ => false,
            };
            if scored_this_period {
                previous.score = health.previous_score;
            } else {
                previous.score = health.score;
                previous.categories = health.categories.clone();
            }
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
        }
        let period_start = case.as_of.date_naive().with_day0(0).unwrap();
        let got = Previous::from_snapshot(&snapshot, "csm-nine", period_start, case.as_of);
        assert_eq!(got, case.expect, "{}", case.name);
    }

    use chrono::Datelike;

    #[test]
    fn previous_comes_from_earlier_history_and_the_last_status_shown() {
        let june = Utc.with_ymd_and_hms(2026, 6, 20, 2, 0, 0).unwrap();
        let runs = vec![
            history(date(2026, 3, 1), 50.0, HealthStatus::Monitor),
            history(date(2026, 4, 1), 75.0, HealthStatus::Healthy),
            history(date(2026, 5, 1), 72.0, HealthStatus::Healthy),
            history(date(2026, 6, 1), 60.0, HealthStatus::Monitor),
        ];
        check(Case {
            name: "history only: May is the previous period, Healthy since April",
            history: runs.clone(),
            health: None,
            as_of: june,
            expect: Previous {
                score: Some(72.0),
                categories: BTreeMap::from([("adoption".to_owned(), 72.0)]),
                period: Some(date(2026, 5, 1)),
                status: Some(HealthStatus::Healthy),
                status_since: Some(date(2026, 4, 1)),
            },
        });
        check(Case {
            name: "the account's status written earlier today wins for hysteresis",
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
                categories: BTreeMap::from([("adoption".to_owned(), 72.0)]),
                period: Some(date(2026, 5, 1)),
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 6, 3)),
            },
        });
        check(Case {
            name: "backfill: account values written after as_of are ignored",
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
                categories: BTreeMap::from([("adoption".to_owned(), 75.0)]),
                period: Some(date(2026, 4, 1)),
                status: Some(HealthStatus::Healthy),
                status_since: Some(date(2026, 4, 1)),
            },
        });
        check(Case {
            name: "no history, scored last month: the account's score is the previous one",
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
                categories: BTreeMap::new(),
                period: None,
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 2, 1)),
            },
        });
        check(Case {
            name: "no history, scored this month: its previous score is the previous one",
            history: vec![],
            health: Some((
                64.0,
                HealthStatus::Monitor,
                Some(Utc.with_ymd_and_hms(2026, 6, 2, 1, 0, 0).unwrap()),
                date(2026, 2, 1),
            )),
            as_of: june,
            expect: Previous {
                score: Some(11.0),
                categories: BTreeMap::new(),
                period: None,
                status: Some(HealthStatus::Monitor),
                status_since: Some(date(2026, 2, 1)),
            },
        });
        check(Case {
            name: "nothing known",
            history: vec![],
            health: None,
            as_of: june,
            expect: Previous::default(),
        });
    }
}
