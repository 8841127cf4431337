//! Relative date literals (`TODAY`, `LAST_N_DAYS:30`, ...) as concrete day ranges.
//!
//! It owns the calendar arithmetic behind each literal, in UTC (the emulator has no user
//! time zone; salesforce-api.md 3.2 notes that real boundaries follow the running user's
//! zone). It never reads the clock: the binder passes the day in.
//!
//! Ranges follow the SOQL reference page "Date Formats and Date Literals", with one
//! observed correction: `LAST_N_DAYS:n` (and `LAST_90_DAYS`) include today, so they span
//! n + 1 days (salesforce.stackexchange.com/questions/190643, "Does LAST_N_DAYS:1 include
//! today": it returns yesterday and today, contrary to the reference's wording).

use chrono::{Datelike, Days, Months, NaiveDate};

use super::ast::RelativeDate;

/// A range of whole days: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DayRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The days `literal` covers when today is `today`; `None` if the range leaves chrono's
/// calendar (an absurd `n`).
pub(crate) fn resolve(literal: RelativeDate, today: NaiveDate) -> Option<DayRange> {
    let day = |d: NaiveDate| {
        Some(DayRange {
            start: d,
            end: d.checked_add_days(Days::new(1))?,
        })
    };
    let month_start = today.with_day(1)?;
    let quarter_start = NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1)?;
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1)?;
    let months = |from: NaiveDate, offset: i64, length: u32| {
        let start = shift_months(from, offset)?;
        let end = start.checked_add_months(Months::new(length))?;
        Some(DayRange { start, end })
    };
    let tomorrow = today.checked_add_days(Days::new(1))?;
    match literal {
        RelativeDate::Today => day(today),
        RelativeDate::Yesterday => day(today.checked_sub_days(Days::new(1))?),
        RelativeDate::Tomorrow => day(tomorrow),
        RelativeDate::ThisMonth => months(month_start, 0, 1),
        RelativeDate::LastMonth => months(month_start, -1, 1),
        RelativeDate::NextMonth => months(month_start, 1, 1),
        RelativeDate::ThisQuarter => months(quarter_start, 0, 3),
        RelativeDate::LastQuarter => months(quarter_start, -3, 3),
        RelativeDate::NextQuarter => months(quarter_start, 3, 3),
        RelativeDate::ThisYear => months(year_start, 0, 12),
        RelativeDate::LastYear => months(year_start, -12, 12),
        RelativeDate::NextYear => months(year_start, 12, 12),
        RelativeDate::Last90Days => last_n_days(today, 90),
        // The reference says NEXT_90_DAYS starts today in some versions and tomorrow in
        // others; we follow NEXT_N_DAYS:n ("starts 00:00:00 of the next day"). [verify]
        RelativeDate::Next90Days => next_n_days(today, 90),
        RelativeDate::LastNDays(n) => last_n_days(today, n),
        RelativeDate::NextNDays(n) => next_n_days(today, n),
        // "starts 00:00:00 of the first day of the month n months ago and continues through
        // the last day of the previous month": the current month is excluded.
        RelativeDate::LastNMonths(n) => {
            let start = month_start.checked_sub_months(Months::new(n))?;
            Some(DayRange {
                start,
                end: month_start,
            })
        }
        // "starts 00:00:00 of the first day of the next month and continues for n months".
        RelativeDate::NextNMonths(n) => {
            let start = month_start.checked_add_months(Months::new(1))?;
            let end = start.checked_add_months(Months::new(n))?;
            Some(DayRange { start, end })
        }
    }
}

fn last_n_days(today: NaiveDate, n: u32) -> Option<DayRange> {
    Some(DayRange {
        start: today.checked_sub_days(Days::new(u64::from(n)))?,
        end: today.checked_add_days(Days::new(1))?,
    })
}

fn next_n_days(today: NaiveDate, n: u32) -> Option<DayRange> {
    Some(DayRange {
        start: today.checked_add_days(Days::new(1))?,
        end: today.checked_add_days(Days::new(u64::from(n) + 1))?,
    })
}

fn shift_months(from: NaiveDate, offset: i64) -> Option<NaiveDate> {
    let magnitude = Months::new(u32::try_from(offset.unsigned_abs()).ok()?);
    if offset >= 0 {
        from.checked_add_months(magnitude)
    } else {
        from.checked_sub_months(magnitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_literal_against_a_fixed_day() {
        // A leap-year day in the middle of a quarter, so month and quarter edges differ.
        let today = d(2024, 2, 29);
        let cases = [
            (RelativeDate::Today, d(2024, 2, 29), d(2024, 3, 1)),
            (RelativeDate::Yesterday, d(2024, 2, 28), d(2024, 2, 29)),
            (RelativeDate::Tomorrow, d(2024, 3, 1), d(2024, 3, 2)),
            (RelativeDate::ThisMonth, d(2024, 2, 1), d(2024, 3, 1)),
            (RelativeDate::LastMonth, d(2024, 1, 1), d(2024, 2, 1)),
            (RelativeDate::NextMonth, d(2024, 3, 1), d(2024, 4, 1)),
            (RelativeDate::ThisQuarter, d(2024, 1, 1), d(2024, 4, 1)),
            (RelativeDate::LastQuarter, d(2023, 10, 1), d(2024, 1, 1)),
            (RelativeDate::NextQuarter, d(2024, 4, 1), d(2024, 7, 1)),
            (RelativeDate::ThisYear, d(2024, 1, 1), d(2025, 1, 1)),
            (RelativeDate::LastYear, d(2023, 1, 1), d(2024, 1, 1)),
            (RelativeDate::NextYear, d(2025, 1, 1), d(2026, 1, 1)),
            (RelativeDate::Last90Days, d(2023, 12, 1), d(2024, 3, 1)),
            (RelativeDate::Next90Days, d(2024, 3, 1), d(2024, 5, 30)),
            (RelativeDate::LastNDays(1), d(2024, 2, 28), d(2024, 3, 1)),
            (RelativeDate::NextNDays(2), d(2024, 3, 1), d(2024, 3, 3)),
            (RelativeDate::LastNMonths(2), d(2023, 12, 1), d(2024, 2, 1)),
            (RelativeDate::NextNMonths(2), d(2024, 3, 1), d(2024, 5, 1)),
        ];
        for (literal, start, end) in cases {
            assert_eq!(
                resolve(literal, today),
                Some(DayRange { start, end }),
                "{literal}"
            );
        }
    }

    #[test]
    fn absurd_counts_are_none_not_a_panic() {
        assert_eq!(
            resolve(RelativeDate::LastNDays(u32::MAX), d(2024, 1, 1)),
            None
        );
        assert_eq!(
            resolve(RelativeDate::NextNMonths(u32::MAX), d(2024, 1, 1)),
            None
        );
    }
}
