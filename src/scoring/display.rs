//! The numbers a person reads, rounded so that what is shown adds up.
//!
//! A score is computed with full precision; people read one decimal. Rounding each
//! category's points on its own can leave the shown points 0.1 off the shown overall, and
//! the shares off 100 %, and a CSM then stops trusting the breakdown. So the shown numbers
//! are rounded together, by largest remainder: every value is cut down to one decimal, and
//! the tenths still missing to reach the shown total (the overall score as shown, or 100 %)
//! go one each to the values that lost the most. This rounds what is displayed; it never
//! changes what was computed ([`AccountScore`] keeps its own numbers).
//!
//! `vitals explain`, the `Health_Drivers__c` text and any other view use these numbers.
//! This module formats nothing and reads no records.

use crate::domain::HealthStatus;

use super::result::AccountScore;

/// The shown share and points of one category.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown {
    /// Share of the overall score, percent, one decimal; the shares add up to 100.
    pub share: f64,
    /// Points contributed, one decimal; the points add up to the shown overall score.
    pub points: f64,
}

/// The numbers shown for one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Displayed {
    /// The overall score as shown, one decimal; `None` for Insufficient Data, whose
    /// overall number is not a score and is never shown as one.
    pub overall: Option<f64>,
    /// Per category, in model order: `None` when it had no data, was left out by the
    /// profile, or no overall score is shown.
    pub categories: Vec<Option<Shown>>,
}

impl Displayed {
    /// The shown shares added up: 100 % whenever an overall score is shown, 0 otherwise.
    pub fn total_share(&self) -> f64 {
        from_tenths(
            self.categories
                .iter()
                .flatten()
                .map(|n| tenths(n.share))
                .sum(),
        )
    }
}

/// Rounds an account's shares and points for people, so that they add up.
pub fn displayed(score: &AccountScore) -> Displayed {
    let overall = score
        .overall
        .filter(|_| score.status != HealthStatus::InsufficientData);
    let Some(overall) = overall else {
        return Displayed {
            overall: None,
            categories: vec![None; score.categories.len()],
        };
    };
    let data_weight: f64 = score
        .categories
        .iter()
        .filter(|c| c.score.is_some())
        .map(|c| c.weight)
        .sum();
    let with_data: Vec<(usize, f64, f64)> = score
        .categories
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let s = c.score?;
            Some((
                i,
                100.0 * c.weight / data_weight,
                s * c.weight / data_weight,
            ))
        })
        .collect();
    let shares: Vec<f64> = with_data.iter().map(|(_, share, _)| *share).collect();
    let points: Vec<f64> = with_data.iter().map(|(_, _, points)| *points).collect();
    let shares = largest_remainder(&shares, 1000);
    let points = largest_remainder(&points, tenths(overall));
    let mut categories = vec![None; score.categories.len()];
    for ((&(i, _, _), share), points) in with_data.iter().zip(shares).zip(points) {
        if let Some(slot) = categories.get_mut(i) {
            *slot = Some(Shown {
                share: from_tenths(share),
                points: from_tenths(points),
            });
        }
    }
    Displayed {
        overall: Some(from_tenths(tenths(overall))),
        categories,
    }
}

/// A value in whole tenths.
pub(crate) fn tenths(x: f64) -> i64 {
    // Scores and shares lie within 0..=100, so the conversion is exact.
    (x * 10.0).round() as i64
}

/// Whole tenths back to a number with one decimal.
pub(crate) fn from_tenths(t: i64) -> f64 {
    // |t| is at most 1000 here, far inside f64's exact integers.
    t as f64 / 10.0
}

/// Rounds `exact` values to whole tenths that add up to `total` tenths: each is cut down,
/// then the missing tenths go one each to the largest remainders (the earlier value on a
/// tie). Should the cut values already exceed the total (they cannot, when `total` is the
/// rounded sum), the smallest remainders give a tenth back.
pub(crate) fn largest_remainder(exact: &[f64], total: i64) -> Vec<i64> {
    // A tiny nudge keeps 14.999999... (a float for 15) from being cut to 14.9.
    let scaled: Vec<f64> = exact.iter().map(|x| x * 10.0 + 1e-9).collect();
    let mut out: Vec<i64> = scaled.iter().map(|x| x.floor() as i64).collect();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    let remainder = |i: usize| scaled[i] - scaled[i].floor();
    order.sort_by(|&a, &b| remainder(b).total_cmp(&remainder(a)).then(a.cmp(&b)));
    let missing = total - out.iter().sum::<i64>();
    let steps = usize::try_from(missing.unsigned_abs()).unwrap_or(usize::MAX);
    if missing >= 0 {
        for &i in order.iter().cycle().take(steps.min(10 * exact.len())) {
            out[i] += 1;
        }
    } else {
        for &i in order.iter().rev().cycle().take(steps.min(10 * exact.len())) {
            out[i] -= 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(exact values, total in tenths, expected tenths)`.
    fn check(cases: &[(&[f64], i64, &[i64])]) {
        for (exact, total, expected) in cases {
            let got = largest_remainder(exact, *total);
            assert_eq!(&got, expected, "{exact:?} to {total}");
            assert_eq!(got.iter().sum::<i64>(), *total, "{exact:?}");
        }
    }

    #[test]
    fn shown_values_add_up_to_the_shown_total() {
        check(&[
            // Three thirds of 100 %: each rounds to 33.3, which adds up to 99.9.
            (
                &[100.0 / 3.0, 100.0 / 3.0, 100.0 / 3.0],
                1000,
                &[334, 333, 333],
            ),
            // The tenth missing to 75.1 goes to the largest remainder, 20.06.
            (&[20.06, 30.02, 25.04], 751, &[201, 300, 250]),
            // Points 10.06 + 10.06 = 20.12, shown 20.1; rounded alone 10.1 + 10.1 = 20.2.
            (&[10.06, 10.06], 201, &[101, 100]),
            // A float just under a tenth is not cut below it.
            (&[0.1 + 0.2, 14.999_999_999_999_998], 153, &[3, 150]),
            (&[], 0, &[]),
        ]);
    }
}
