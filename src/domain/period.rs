//! [`Period`]: how often an account gets a history record, and where each period starts.
//!
//! The configuration names the period (`scoring.period`), scoring compares a score with the
//! previous period's record, and the writes date history records by it, so it belongs to
//! the vocabulary every module shares. It does no I/O and never reads the clock: callers
//! pass the day in.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::Serialize;

/// The history granularity (`scoring.period`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// One record per day.
    Daily,
    /// One record per ISO week.
    Weekly,
    /// One record per calendar month.
    Monthly,
}

impl Period {
    /// Every period, in the order the docs list them.
    pub const ALL: [Period; 3] = [Period::Daily, Period::Weekly, Period::Monthly];

    /// The configuration value.
    pub fn name(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
        }
    }

    /// Reads a configuration value.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The first day of the period that contains `day`: the day itself, the Monday of its
    /// ISO week, or the first of its month.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Period::Daily => day,
            Period::Weekly => {
                day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
            }
            Period::Monthly => day.with_day(1).unwrap_or(day),
        }
    }
}

/// One past period: its first day and its last instant (its last day at 23:59:59 UTC), the
/// instant `vitals backfill` scores it as of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PeriodEnd {
    /// The period's first day (`Period__c`, part of the history key).
    pub start: NaiveDate,
    /// The period's last second.
    pub end: DateTime<Utc>,
}

impl Period {
    /// The `count` periods that ended before the period containing `today`, oldest first.
    /// The period containing `today` has not ended, so it is never among them.
    pub fn ended_before(self, today: NaiveDate, count: u32) -> Vec<PeriodEnd> {
        let mut ends = Vec::new();
        let mut next = self.start_of(today);
        for _ in 0..count {
            let Some(last_day) = next.pred_opt() else {
                break;
            };
            let start = self.start_of(last_day);
            ends.push(PeriodEnd {
                start,
                end: next.and_time(NaiveTime::MIN).and_utc() - TimeDelta::seconds(1),
            });
            next = start;
        }
        ends.reverse();
        ends
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_periods_ended_before_today_are_listed_oldest_first() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let last_second = |d: NaiveDate| d.and_hms_opt(23, 59, 59).unwrap().and_utc();
        let today = day(2026, 3, 4); // a Wednesday
        let months = Period::Monthly.ended_before(today, 3);
        assert_eq!(
            months,
            [
                PeriodEnd {
                    start: day(2025, 12, 1),
                    end: last_second(day(2025, 12, 31))
                },
                PeriodEnd {
                    start: day(2026, 1, 1),
                    end: last_second(day(2026, 1, 31))
                },
                PeriodEnd {
                    start: day(2026, 2, 1),
                    end: last_second(day(2026, 2, 28))
                },
            ]
        );
        let weeks = Period::Weekly.ended_before(today, 2);
        assert_eq!(
            weeks.iter().map(|p| (p.start, p.end)).collect::<Vec<_>>(),
            [
                (day(2026, 2, 16), last_second(day(2026, 2, 22))),
                (day(2026, 2, 23), last_second(day(2026, 3, 1))),
            ]
        );
        let days = Period::Daily.ended_before(today, 1);
        assert_eq!(days[0].start, day(2026, 3, 3));
        assert!(Period::Monthly.ended_before(today, 0).is_empty());
    }

    #[test]
    fn periods_start_on_the_first_day_of_the_day_week_or_month() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(); // a Thursday
        assert_eq!(Period::Daily.start_of(day), day);
        assert_eq!(
            Period::Weekly.start_of(day),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(
            Period::Monthly.start_of(day),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
    }

    #[test]
    fn every_period_reads_back_from_its_name() {
        for period in Period::ALL {
            assert_eq!(Period::from_name(period.name()), Some(period));
        }
        assert_eq!(Period::from_name("yearly"), None);
    }
}
