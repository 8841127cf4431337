//! Deterministic randomness and calendar arithmetic for the generator.
//!
//! Owns the only random source the generator uses: a ChaCha8 stream seeded per account, with
//! sampling written here from raw `next_u64` words. rand's own distributions may change
//! between releases, and transcendental float functions may differ between platforms, so
//! neither is used: the same spec must give byte-identical output everywhere, forever.
//! This module never reads the clock.

use chrono::{DateTime, Months, NaiveDate, NaiveTime, TimeDelta, Utc};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finaliser: spreads nearby inputs (seed, account index) over all 64 bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded random source with the handful of draws the generator needs.
pub(super) struct Dice(ChaCha8Rng);

impl Dice {
    /// A stream for one purpose (`stream`) and one item (`item`) under a spec's seed; each
    /// account gets its own, so accounts are independent of one another.
    pub(super) fn new(seed: u64, stream: u64, item: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(mix(
            mix(seed ^ mix(stream)) ^ item
        )))
    }

    /// A uniform integer in `0..n` (0 when `n` is 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: the high word of a 64x64 product is < n, so the narrowing is exact.
        let wide = u128::from(self.0.next_u64()) * u128::from(n);
        u64::try_from(wide >> 64).unwrap_or(0)
    }

    /// A uniform integer in `lo..=hi` (`lo` when the range is empty).
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        let offset = i64::try_from(self.below(span)).unwrap_or(0);
        lo.saturating_add(offset)
    }

    /// A uniform integer in `lo..=hi` as `u32`.
    pub(super) fn count(&mut self, lo: u32, hi: u32) -> u32 {
        u32::try_from(self.range(i64::from(lo), i64::from(hi))).unwrap_or(lo)
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub(super) fn unit(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / 9_007_199_254_740_992.0; // 2^-53
        // A 53-bit integer converts to f64 exactly.
        (self.0.next_u64() >> 11) as f64 * SCALE
    }

    /// A uniform float in `[lo, hi)`.
    pub(super) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item of a slice, uniformly (the default value for an empty slice).
    pub(super) fn pick<T: Copy + Default>(&mut self, items: &[T]) -> T {
        let len = u64::try_from(items.len()).unwrap_or(0);
        usize::try_from(self.below(len))
            .ok()
            .and_then(|i| items.get(i).copied())
            .unwrap_or_default()
    }

    /// One item of a weighted slice (the default value when all weights are 0).
    pub(super) fn weighted<T: Copy + Default>(&mut self, items: &[(T, u32)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            let weight = u64::from(*weight);
            if roll < weight {
                return *item;
            }
            roll -= weight;
        }
        T::default()
    }

    /// Shuffles a slice in place (Fisher-Yates).
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let bound = u64::try_from(i + 1).unwrap_or(1);
            if let Ok(j) = usize::try_from(self.below(bound)) {
                items.swap(i, j);
            }
        }
    }
}

/// `x` rounded to the nearest whole number within `0..=u32::MAX`. The generator only turns
/// small counts (seats, meetings, scores) into integers, so nothing is lost; a float-to-int
/// `as` saturates rather than wrapping, and the clamp makes that explicit.
pub(super) fn whole(x: f64) -> u32 {
    x.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// `date` moved by `days` (unchanged in the impossible case of leaving chrono's range,
/// about 262,000 years away).
pub(super) fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_add_signed(TimeDelta::days(days))
        .unwrap_or(date)
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub(super) fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The instant `minutes` after midnight UTC on `date`. Minutes beyond a day wrap, which
/// callers avoid by keeping times within business hours.
pub(super) fn at(date: NaiveDate, minutes: i64) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN + TimeDelta::minutes(minutes))
        .and_utc()
}

/// A time of day in business hours (13:00 to 21:45 UTC, on the quarter hour).
pub(super) fn office_minutes(dice: &mut Dice) -> i64 {
    13 * 60 + 15 * dice.range(0, 35)
}

/// A contract's end date as Salesforce derives it and as the emulator must: the day before
/// `start` plus `term_months` months (month ends clamp, so 31 Jan + 1 month is 28/29 Feb).
/// `None` only outside chrono's date range.
pub fn contract_end(start: NaiveDate, term_months: u32) -> Option<NaiveDate> {
    start
        .checked_add_months(Months::new(term_months))
        .and_then(|d| d.pred_opt())
}

/// The start date that makes a `term_months` contract end on or one day before `end`
/// (the inverse of [`contract_end`], exact except around 29 February).
pub(super) fn contract_start_for_end(end: NaiveDate, term_months: u32) -> NaiveDate {
    shift(end, 1)
        .checked_sub_months(Months::new(term_months))
        .unwrap_or(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_range_and_repeat_for_the_same_seed() {
        let mut a = Dice::new(7, 1, 2);
        let mut b = Dice::new(7, 1, 2);
        for _ in 0..1000 {
            let x = a.range(-3, 5);
            assert!((-3..=5).contains(&x));
            assert_eq!(x, b.range(-3, 5));
            let u = a.unit();
            assert!((0.0..1.0).contains(&u));
            assert_eq!(u, b.unit());
        }
        assert_eq!(a.range(4, 4), 4);
        assert_eq!(a.range(4, 1), 4);
        assert_eq!(a.pick::<u8>(&[]), 0);
        assert_eq!(a.weighted(&[("x", 0), ("y", 3)]), "y");
        let mut other = Dice::new(8, 1, 2);
        let same = (0..32)
            .filter(|_| other.below(1000) == b.below(1000))
            .count();
        assert!(same < 8, "different seeds should give different streams");
    }

    #[test]
    fn contract_end_is_the_day_before_the_anniversary() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(contract_end(d(2026, 1, 1), 12), Some(d(2026, 12, 31)));
        assert_eq!(contract_end(d(2026, 1, 31), 1), Some(d(2026, 2, 27)));
        assert_eq!(contract_start_for_end(d(2026, 12, 31), 12), d(2026, 1, 1));
        assert_eq!(
            contract_end(contract_start_for_end(d(2027, 6, 14), 24), 24),
            Some(d(2027, 6, 14))
        );
    }
}
