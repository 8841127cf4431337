//! Evaluates one measure on one account: a score (or no data), the value behind it, the
//! rule that fired in plain words, the evidence (record Ids, account fields), and the
//! flags raised.
//!
//! Each kind decides what "no data" means for it (listed in the module docs of
//! [`crate::scoring`]); nothing here fails: odd values become no data plus a diagnostic.
//! Records are read only through `view`, so the as-of rules hold everywhere. This module
//! never weighs categories against each other; `engine` does.
//!
//! | file | kinds |
//! |---|---|
//! | `account.rs` | `value`, `ratio`, `picklist`: fields of the account itself |
//! | `records.rs` | `count`, `recency`, `mean`, `on_time`: related records |
//! | `renewal.rs` | `renewal` |
//! | `combine.rs` | `average`, `first`: measures made of measures |

use chrono::NaiveDate;

use crate::domain::fields::FieldValue;
use crate::domain::{AccountSnapshot, ObjectKind, SfId};

use super::model::{FieldRef, FlagOn, FlagRule, Measure, MeasureKind, Scale, StepDirection, Steps};
use super::view::AsOf;

mod account;
mod combine;
mod records;
mod renewal;

pub(crate) use renewal::FIELDS as RENEWAL_FIELDS;

/// The result of one measure.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Outcome {
    /// 0..=100, or `None` for no data.
    pub score: Option<f64>,
    /// The value the score came from (utilisation %, days since, mean CSAT, ...).
    pub value: Option<f64>,
    /// Plain words: what was measured and the rule that fired.
    pub reason: String,
    /// What was measured, in plain words and without the rule (`last QBR 121 days ago
    /// (2026-03-01)`): what a flag's message says it saw.
    pub fact: String,
    /// Records behind the score.
    pub evidence: Vec<SfId>,
    /// Account fields behind the score (read whether or not they held a value).
    pub fields: Vec<FieldRef>,
    /// Flags raised: `(code, message)`.
    pub flags: Vec<(String, String)>,
    /// Odd input noticed.
    pub diagnostics: Vec<String>,
}

impl Outcome {
    fn no_data(reason: String) -> Self {
        Self {
            reason,
            ..Self::default()
        }
    }

    /// What a flag says it saw: the fact, or the reason when the kind states no fact.
    fn fact_or_reason(&self) -> &str {
        if self.fact.is_empty() {
            &self.reason
        } else {
            &self.fact
        }
    }
}

/// A number for people: whole numbers without decimals, others with one.
pub(crate) fn num(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0".to_owned()
    } else if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// A signed number for people: `+3.5`, `-20`, and `0` without a sign.
pub(crate) fn signed(x: f64) -> String {
    if (x * 10.0).round() > 0.0 {
        format!("+{}", num(x))
    } else {
        num(x)
    }
}

/// A field's name in words (`license_seats` reads `license seats`).
pub(crate) fn words(field: &FieldRef) -> String {
    field.name.replace('_', " ")
}

fn noun(object: ObjectKind, count: usize) -> &'static str {
    match (object, count == 1) {
        (ObjectKind::Account, true) => "account",
        (ObjectKind::Account, false) => "accounts",
        (ObjectKind::Contract, true) => "contract",
        (ObjectKind::Contract, false) => "contracts",
        (ObjectKind::Case, true) => "case",
        (ObjectKind::Case, false) => "cases",
        (ObjectKind::Opportunity, true) => "opportunity",
        (ObjectKind::Opportunity, false) => "opportunities",
        (ObjectKind::Event, true) => "event",
        (ObjectKind::Event, false) => "events",
        (ObjectKind::Task, true) => "task",
        (ObjectKind::Task, false) => "tasks",
    }
}

/// A count as a float; counts are records of one account, far below 2^32.
fn count_f(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Evaluates a measure on a snapshot as of `at`.
pub(crate) fn evaluate(measure: &Measure, snapshot: &AccountSnapshot, at: &AsOf) -> Outcome {
    let label = measure.label.as_str();
    let unit = measure.unit.as_str();
    let mut out = match &measure.kind {
        MeasureKind::Value { field, scale } => {
            account::value(snapshot, field, scale, label, unit, at)
        }
        MeasureKind::Ratio {
            numerator,
            denominator,
            scale,
        } => account::ratio(snapshot, [numerator, denominator], scale, label, unit, at),
        MeasureKind::Picklist { field, scores } => {
            account::picklist(snapshot, field, scores, label, at)
        }
        MeasureKind::Count {
            object,
            start,
            min,
            max,
            rules,
        } => records::count(snapshot, *object, (*start, *min, *max), rules, label, at),
        MeasureKind::Recency {
            sources,
            steps,
            when_none,
        } => records::recency(snapshot, sources, steps, *when_none, label, at),
        MeasureKind::Mean {
            field,
            filter,
            scale,
        } => records::mean(snapshot, field, filter, scale, label, unit, at),
        MeasureKind::OnTime {
            sources,
            window_days,
        } => records::on_time(snapshot, sources, *window_days, label, at),
        MeasureKind::Renewal(params) => renewal::evaluate(snapshot, params, label, at),
        MeasureKind::Average { parts } => combine::average(snapshot, parts, label, at),
        MeasureKind::First { parts } => combine::first(snapshot, parts, label, at),
    };
    // Guard the promise that scores stay within 0..=100 whatever a scale produced.
    out.score = match out.score {
        Some(s) if s.is_finite() => Some(s.clamp(0.0, 100.0)),
        Some(_) => {
            out.diagnostics.push(format!(
                "{label}: the score was not a number; treated as no data"
            ));
            None
        }
        None => None,
    };
    raise_flags(measure, &mut out);
    out
}

/// The unit a measure's value is read in: days for recency, percent for a ratio.
fn value_unit(measure: &Measure) -> &str {
    match measure.kind {
        MeasureKind::Recency { .. } => " days",
        MeasureKind::Ratio { .. } if measure.unit.is_empty() => "%",
        _ => &measure.unit,
    }
}

fn raise_flags(measure: &Measure, out: &mut Outcome) {
    for rule in &measure.flags {
        let subject = match rule.on {
            FlagOn::Value => out.value,
            FlagOn::Score => out.score,
        };
        let Some(x) = subject.filter(|x| rule.comparison.holds(*x, rule.threshold)) else {
            continue;
        };
        let message = match (&rule.message, rule.on) {
            (Some(words), _) => format!("{words}: {}", out.fact_or_reason()),
            (None, FlagOn::Value) => {
                let unit = value_unit(measure);
                compared(
                    &format!("{} is {}{unit}", measure.label, num(x)),
                    rule,
                    unit,
                )
            }
            (None, FlagOn::Score) => format!(
                "{} scores {}: {}",
                measure.label,
                num(x),
                out.fact_or_reason()
            ),
        };
        out.flags.push((rule.name.clone(), message));
    }
}

/// `what` followed by the rule's comparison in words: `seat utilisation is 24%, below 25%`.
fn compared(what: &str, rule: &FlagRule, unit: &str) -> String {
    format!(
        "{what}, {} {}{unit}",
        rule.comparison.words(),
        num(rule.threshold)
    )
}

/// Maps a value through a scale: the score and the rule in words.
fn apply_scale(scale: &Scale, v: f64, unit: &str) -> (f64, String) {
    match scale {
        Scale::Linear { zero_at, full_at } => {
            let t = ((v - zero_at) / (full_at - zero_at)).clamp(0.0, 1.0);
            (
                t * 100.0,
                format!(
                    "0 at {}{unit}, 100 at {}{unit}",
                    num(*zero_at),
                    num(*full_at)
                ),
            )
        }
        Scale::Steps(steps) => apply_steps(steps, v, unit),
    }
}

fn apply_steps(steps: &Steps, v: f64, unit: &str) -> (f64, String) {
    for step in &steps.steps {
        let holds = match steps.direction {
            StepDirection::AtMost => v <= step.limit,
            StepDirection::AtLeast => v >= step.limit,
        };
        if holds {
            let cmp = match steps.direction {
                StepDirection::AtMost => "at most",
                StepDirection::AtLeast => "at least",
            };
            return (
                step.score,
                format!("{cmp} {}{unit} scores {}", num(step.limit), num(step.score)),
            );
        }
    }
    let last = steps.steps.last().map_or(0.0, |s| s.limit);
    let cmp = match steps.direction {
        StepDirection::AtMost => "more than",
        StepDirection::AtLeast => "below",
    };
    (
        steps.otherwise,
        format!("{cmp} {}{unit} scores {}", num(last), num(steps.otherwise)),
    )
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The date of a date or dateTime value not after the scoring instant.
fn as_date(value: &FieldValue<'_>, at: &AsOf) -> Option<NaiveDate> {
    match value {
        FieldValue::Date(d) if *d <= at.date => Some(*d),
        FieldValue::DateTime(t) if *t <= at.instant => Some(t.date_naive()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        for (x, text) in [
            (80.0, "80"),
            (62.5, "62.5"),
            (4.3333, "4.3"),
            (-0.04, "0"),
            (99.96, "100"),
        ] {
            assert_eq!(num(x), text, "{x}");
        }
        assert_eq!(signed(-20.0), "-20");
        assert_eq!(signed(3.75), "+3.8");
        assert_eq!(signed(0.04), "0");
        assert_eq!(signed(-0.04), "0");
        assert_eq!(join_or(&["a", "b", "c"]), "a, b or c");
    }
}
