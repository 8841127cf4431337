//! Evaluates one measure on one account: a score (or no data), the value behind it, the
//! rule that fired in plain words, the evidence record Ids, and the flags raised.
//!
//! Each kind decides what "no data" means for it (listed in the module docs of
//! [`crate::scoring`]); nothing here fails: odd values become no data plus a diagnostic.
//! Records are read only through `view`, so the as-of rules hold everywhere. This module
//! never weighs categories against each other; `engine` does.

use chrono::NaiveDate;

use crate::domain::fields::FieldValue;
use crate::domain::{AccountSnapshot, ObjectKind, SfId};

use super::filter::{matches, window_start};
use super::model::{
    Condition, CountRule, DatedSource, DueSource, FieldRef, FlagOn, Measure, MeasureKind, Scale,
    StepDirection, Steps,
};
use super::view::{self, AsOf, Rec};

mod renewal;

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

/// A signed number for people: `+3.5`, `-20`.
pub(crate) fn signed(x: f64) -> String {
    if (x * 10.0).round() >= 0.0 {
        format!("+{}", num(x))
    } else {
        num(x)
    }
}

fn words(field: &FieldRef) -> String {
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

/// Evaluates a measure on a snapshot as of `at`.
pub(crate) fn evaluate(measure: &Measure, snapshot: &AccountSnapshot, at: &AsOf) -> Outcome {
    let label = measure.label.as_str();
    let unit = measure.unit.as_str();
    let mut out = match &measure.kind {
        MeasureKind::Value { field, scale } => value(snapshot, field, scale, label, unit, at),
        MeasureKind::Ratio {
            numerator,
            denominator,
            scale,
        } => ratio(snapshot, numerator, denominator, scale, label, unit, at),
        MeasureKind::Picklist { field, scores } => picklist(snapshot, field, scores, label, at),
        MeasureKind::Count {
            object,
            start,
            min,
            max,
            rules,
        } => count(snapshot, *object, *start, *min, *max, rules, label, at),
        MeasureKind::Recency {
            sources,
            steps,
            when_none,
        } => recency(snapshot, sources, steps, *when_none, label, at),
        MeasureKind::Mean {
            field,
            filter,
            scale,
        } => mean(snapshot, field, filter, scale, label, unit, at),
        MeasureKind::OnTime {
            sources,
            window_days,
        } => on_time(snapshot, sources, *window_days, label, at),
        MeasureKind::Renewal(params) => renewal::evaluate(snapshot, params, label, at),
        MeasureKind::Average { parts } => average(snapshot, parts, label, at),
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
    let value_unit = match measure.kind {
        MeasureKind::Recency { .. } => " days",
        MeasureKind::Ratio { .. } if unit.is_empty() => "%",
        _ => unit,
    };
    for rule in &measure.flags {
        let (subject, what) = match rule.on {
            FlagOn::Value => (out.value, format!("{label} is")),
            FlagOn::Score => (out.score, format!("{label} scores")),
        };
        if let Some(x) = subject
            && rule.comparison.holds(x, rule.threshold)
        {
            let unit = if rule.on == FlagOn::Value {
                value_unit
            } else {
                ""
            };
            out.flags.push((
                rule.name.clone(),
                format!(
                    "{what} {}{unit} (flagged {} {}{unit})",
                    num(x),
                    rule.comparison.words(),
                    num(rule.threshold)
                ),
            ));
        }
    }
    out
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

fn account_number(snapshot: &AccountSnapshot, field: &FieldRef, at: &AsOf) -> Option<f64> {
    Rec::Account(&snapshot.account)
        .read(field.name, at)
        .as_number()
}

fn value(
    snapshot: &AccountSnapshot,
    field: &FieldRef,
    scale: &Scale,
    label: &str,
    unit: &str,
    at: &AsOf,
) -> Outcome {
    let Some(v) = account_number(snapshot, field, at) else {
        return Outcome::no_data(format!("{label}: not set on the account"));
    };
    let (score, rule) = apply_scale(scale, v, unit);
    Outcome {
        score: Some(score),
        value: Some(v),
        reason: format!("{label} {}{unit} scores {} ({rule})", num(v), num(score)),
        ..Outcome::default()
    }
}

fn ratio(
    snapshot: &AccountSnapshot,
    numerator: &FieldRef,
    denominator: &FieldRef,
    scale: &Scale,
    label: &str,
    unit: &str,
    at: &AsOf,
) -> Outcome {
    let unit = if unit.is_empty() { "%" } else { unit };
    let top = account_number(snapshot, numerator, at);
    let bottom = account_number(snapshot, denominator, at);
    let (top, bottom) = match (top, bottom) {
        (Some(top), Some(bottom)) => (top, bottom),
        (None, _) => {
            return Outcome::no_data(format!("{label}: no {} on the account", words(numerator)));
        }
        (_, None) => {
            return Outcome::no_data(format!("{label}: no {} on the account", words(denominator)));
        }
    };
    if bottom <= 0.0 {
        let mut out = Outcome::no_data(format!(
            "{label}: {} is {}, so the ratio cannot be computed",
            words(denominator),
            num(bottom)
        ));
        out.diagnostics.push(format!(
            "{label}: {} is {}; treated as no data",
            words(denominator),
            num(bottom)
        ));
        return out;
    }
    let pct = 100.0 * top / bottom;
    let (score, rule) = apply_scale(scale, pct, unit);
    Outcome {
        score: Some(score),
        value: Some(pct),
        reason: format!(
            "{label} {}{unit} ({} {} of {} {}) scores {} ({rule})",
            num(pct),
            num(top),
            words(numerator),
            num(bottom),
            words(denominator),
            num(score)
        ),
        ..Outcome::default()
    }
}

fn picklist(
    snapshot: &AccountSnapshot,
    field: &FieldRef,
    scores: &[(String, f64)],
    label: &str,
    at: &AsOf,
) -> Outcome {
    let raw = Rec::Account(&snapshot.account).read(field.name, at);
    let Some(text) = raw.as_text() else {
        return Outcome::no_data(format!("{label}: not set on the account"));
    };
    match scores.iter().find(|(value, _)| value == text) {
        Some((_, score)) => Outcome {
            score: Some(*score),
            reason: format!("{label} is {text} and scores {}", num(*score)),
            ..Outcome::default()
        },
        None => {
            let mut out = Outcome::no_data(format!("{label}: {text:?} has no score in the model"));
            out.diagnostics.push(format!(
                "{label}: value {text:?} is not mapped by the model; treated as no data"
            ));
            out
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the count measure's parameters, passed apart from the enum that holds them"
)]
fn count(
    snapshot: &AccountSnapshot,
    object: ObjectKind,
    start: f64,
    min: f64,
    max: f64,
    rules: &[CountRule],
    label: &str,
    at: &AsOf,
) -> Outcome {
    let mut counts = vec![0usize; rules.len()];
    let mut evidence = Vec::new();
    view::each(snapshot, object, at, |rec| {
        let mut hit = false;
        for (rule, n) in rules.iter().zip(counts.iter_mut()) {
            if matches(&rec, &rule.filter, at) {
                *n += 1;
                hit = true;
            }
        }
        if hit {
            evidence.push(rec.id());
        }
    });
    let mut raw = start;
    let mut parts = Vec::new();
    for (rule, n) in rules.iter().zip(&counts) {
        if *n > 0 {
            // Counts are small (records of one account), so the conversion is exact.
            let delta = rule.points * f64::from(u32::try_from(*n).unwrap_or(u32::MAX));
            raw += delta;
            let what = if *n == 1 { &rule.label } else { &rule.plural };
            parts.push(format!("{n} {what} ({})", signed(delta)));
        }
    }
    let score = raw.clamp(min, max);
    let mut reason = format!("{label}: starts at {}; ", num(start));
    if parts.is_empty() {
        let none: Vec<&str> = rules.iter().map(|r| r.plural.as_str()).collect();
        reason.push_str(&format!("no {}", join_or(&none)));
    } else {
        reason.push_str(&parts.join(", "));
    }
    reason.push_str(&format!(" -> {}", num(score)));
    if raw < min {
        reason.push_str(&format!(" (floor {})", num(min)));
    } else if raw > max {
        reason.push_str(&format!(" (cap {})", num(max)));
    }
    let total: usize = counts.iter().sum();
    Outcome {
        score: Some(score),
        value: Some(f64::from(u32::try_from(total).unwrap_or(u32::MAX))),
        reason,
        evidence,
        ..Outcome::default()
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn as_date(value: &FieldValue<'_>, at: &AsOf) -> Option<NaiveDate> {
    match value {
        FieldValue::Date(d) if *d <= at.date => Some(*d),
        FieldValue::DateTime(t) if *t <= at.instant => Some(t.date_naive()),
        _ => None,
    }
}

fn recency(
    snapshot: &AccountSnapshot,
    sources: &[DatedSource],
    steps: &Steps,
    when_none: Option<f64>,
    label: &str,
    at: &AsOf,
) -> Outcome {
    let mut latest: Option<(NaiveDate, SfId)> = None;
    for source in sources {
        view::each(snapshot, source.date.object, at, |rec| {
            if !matches(&rec, &source.filter, at) {
                return;
            }
            // Dates after the scoring instant are plans, not activity: skipped.
            if let Some(date) = as_date(&rec.read(source.date.name, at), at)
                && latest.is_none_or(|(best, _)| date > best)
            {
                latest = Some((date, rec.id()));
            }
        });
    }
    let Some((date, id)) = latest else {
        return match when_none {
            Some(score) => Outcome {
                score: Some(score),
                reason: format!("{label}: none on record, scores {}", num(score)),
                ..Outcome::default()
            },
            None => Outcome::no_data(format!("{label}: none on record")),
        };
    };
    let days = (at.date - date).num_days();
    // Days between two dates fit an f64 exactly.
    let days_f = f64::from(i32::try_from(days).unwrap_or(i32::MAX));
    let (score, rule) = apply_steps(steps, days_f, " days");
    let ago = match days {
        0 => "today".to_owned(),
        1 => "1 day ago".to_owned(),
        n => format!("{n} days ago"),
    };
    let evidence = if snapshot.account.id == id {
        Vec::new()
    } else {
        vec![id]
    };
    Outcome {
        score: Some(score),
        value: Some(days_f),
        reason: format!("{label} {ago} ({date}): {rule}"),
        evidence,
        ..Outcome::default()
    }
}

fn mean(
    snapshot: &AccountSnapshot,
    field: &FieldRef,
    filter: &[Condition],
    scale: &Scale,
    label: &str,
    unit: &str,
    at: &AsOf,
) -> Outcome {
    let mut sum = 0.0;
    let mut evidence = Vec::new();
    view::each(snapshot, field.object, at, |rec| {
        if matches(&rec, filter, at)
            && let Some(v) = rec.read(field.name, at).as_number()
        {
            sum += v;
            evidence.push(rec.id());
        }
    });
    let n = evidence.len();
    if n == 0 {
        return Outcome::no_data(format!(
            "{label}: no matching {} with {}",
            noun(field.object, 0),
            words(field)
        ));
    }
    let mean = sum / f64::from(u32::try_from(n).unwrap_or(u32::MAX));
    let (score, rule) = apply_scale(scale, mean, unit);
    Outcome {
        score: Some(score),
        value: Some(mean),
        reason: format!(
            "{label}: mean {}{unit} over {n} {} scores {} ({rule})",
            num(mean),
            noun(field.object, n),
            num(score)
        ),
        evidence,
        ..Outcome::default()
    }
}

fn on_time(
    snapshot: &AccountSnapshot,
    sources: &[DueSource],
    window_days: i64,
    label: &str,
    at: &AsOf,
) -> Outcome {
    let start = window_start(window_days, at);
    let (mut on_time, mut late_done, mut overdue, mut due_today) = (0u32, 0u32, 0u32, 0u32);
    let mut evidence = Vec::new();
    for source in sources {
        view::each(snapshot, source.due.object, at, |rec| {
            if !matches(&rec, &source.filter, at) {
                return;
            }
            let Some(due) = rec.read(source.due.name, at).as_date() else {
                return;
            };
            if due < start || due > at.date {
                return;
            }
            match as_date(&rec.read(source.completed.name, at), at) {
                Some(done) if done <= due => on_time += 1,
                Some(_) => late_done += 1,
                // Due today and still open: not late yet, so not counted.
                None if due == at.date => {
                    due_today += 1;
                    return;
                }
                None => overdue += 1,
            }
            evidence.push(rec.id());
        });
    }
    let counted = on_time + late_done + overdue;
    if counted == 0 {
        let mut reason = format!("{label}: none due since {start}");
        if due_today > 0 {
            reason.push_str(&format!(" ({due_today} due today and still open)"));
        }
        return Outcome::no_data(reason);
    }
    let score = 100.0 * f64::from(on_time) / f64::from(counted);
    let mut reason = format!(
        "{on_time} of {counted} {label} due since {start} were completed on time, scores {}",
        num(score)
    );
    let mut extras = Vec::new();
    if late_done > 0 {
        extras.push(format!("{late_done} completed late"));
    }
    if overdue > 0 {
        extras.push(format!("{overdue} open and overdue"));
    }
    if due_today > 0 {
        extras.push(format!("{due_today} due today not counted yet"));
    }
    if !extras.is_empty() {
        reason.push_str(&format!(" ({})", extras.join(", ")));
    }
    Outcome {
        score: Some(score),
        value: Some(score),
        reason,
        evidence,
        ..Outcome::default()
    }
}

fn average(snapshot: &AccountSnapshot, parts: &[Measure], label: &str, at: &AsOf) -> Outcome {
    let mut out = Outcome::default();
    let mut sum = 0.0;
    let mut n = 0u32;
    let mut reasons = Vec::new();
    let mut left_out = Vec::new();
    for part in parts {
        let o = evaluate(part, snapshot, at);
        if let Some(score) = o.score {
            sum += score;
            n += 1;
            reasons.push(o.reason);
        } else {
            left_out.push(o.reason);
        }
        out.evidence.extend(o.evidence);
        out.flags.extend(o.flags);
        out.diagnostics.extend(o.diagnostics);
    }
    out.score = (n > 0).then(|| sum / f64::from(n));
    let mut reason = match n {
        0 => format!("{label}: no data"),
        1 => reasons.join(""),
        n => format!(
            "average of {n}, scores {}: {}",
            num(sum / f64::from(n)),
            reasons.join("; ")
        ),
    };
    if !left_out.is_empty() {
        let joiner = if n == 0 { " (" } else { "; left out: " };
        reason.push_str(joiner);
        reason.push_str(&left_out.join("; "));
        if n == 0 {
            reason.push(')');
        }
    }
    out.reason = reason;
    out
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
        assert_eq!(join_or(&["a", "b", "c"]), "a, b or c");
    }
}
