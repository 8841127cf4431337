//! [`Period`]: how often an account gets a history record, and where each period starts.
//!
//! The configuration names the period (`scoring.period`), scoring compares a score with the
//! previous period's record, and the writes date history records by it, so it belongs to
//! the vocabulary every module shares. It does no I/O and never reads the clock: callers
//! pass the day in.

use chrono::{Datelike, NaiveDate};

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

#[cfg(test)]
mod tests {
    use super::*;

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
