//! Measures of related records: `count`, `recency`, `mean` and `on_time`. Their evidence
//! is the Ids of the records behind the score (a recency source on the account itself
//! names the account field instead). They read records only through `view`, never
//! directly from the snapshot.

use chrono::NaiveDate;

use crate::domain::{AccountSnapshot, ObjectKind, SfId};

use super::super::filter::{matches, window_start};
use super::super::model::{Condition, CountRule, DatedSource, DueSource, FieldRef, Scale, Steps};
use super::super::view::{self, AsOf};
use super::{
    Outcome, apply_scale, apply_steps, as_date, compared, count_f, join_or, noun, num, signed,
    words,
};

/// Starts at a score and adds each rule's points per matching record; `bounds` are
/// `(start, min, max)`.
pub(super) fn count(
    snapshot: &AccountSnapshot,
    object: ObjectKind,
    (start, min, max): (f64, f64, f64),
    rules: &[CountRule],
    label: &str,
    at: &AsOf,
) -> Outcome {
    let mut counts = vec![0usize; rules.len()];
    let mut out = Outcome::default();
    view::each(snapshot, object, at, |rec| {
        let mut hit = false;
        for (rule, n) in rules.iter().zip(counts.iter_mut()) {
            if matches(&rec, &rule.filter, at) {
                *n += 1;
                hit = true;
            }
        }
        if hit {
            out.evidence.push(rec.id());
        }
    });
    let mut raw = start;
    let mut parts = Vec::new();
    for (rule, &n) in rules.iter().zip(&counts) {
        let what = format!("{n} {}", if n == 1 { &rule.label } else { &rule.plural });
        if n > 0 {
            let delta = rule.points * count_f(n);
            raw += delta;
            parts.push(format!("{what} ({})", signed(delta)));
        }
        rule_flags(rule, n, &what, &mut out);
    }
    let score = raw.clamp(min, max);
    out.fact = if parts.is_empty() {
        let none: Vec<&str> = rules.iter().map(|r| r.plural.as_str()).collect();
        format!("no {}", join_or(&none))
    } else {
        parts.join(", ")
    };
    let mut reason = format!(
        "{label}: starts at {}; {} -> {}",
        num(start),
        out.fact,
        num(score)
    );
    if raw < min {
        reason.push_str(&format!(" (floor {})", num(min)));
    } else if raw > max {
        reason.push_str(&format!(" (cap {})", num(max)));
    }
    out.reason = reason;
    out.score = Some(score);
    out.value = Some(count_f(counts.iter().sum()));
    out
}

/// Raises a count rule's flags on the number of records matching it.
fn rule_flags(rule: &CountRule, n: usize, what: &str, out: &mut Outcome) {
    for flag in &rule.flags {
        if flag.comparison.holds(count_f(n), flag.threshold) {
            let message = match &flag.message {
                Some(words) => format!("{words}: {what}"),
                None => compared(what, flag, ""),
            };
            out.flags.push((flag.name.clone(), message));
        }
    }
}

/// Days since the latest matching dated record, through steps.
pub(super) fn recency(
    snapshot: &AccountSnapshot,
    sources: &[DatedSource],
    steps: &Steps,
    when_none: Option<f64>,
    label: &str,
    at: &AsOf,
) -> Outcome {
    let mut out = Outcome::default();
    let mut latest: Option<(NaiveDate, SfId, FieldRef)> = None;
    for source in sources {
        if source.date.object == ObjectKind::Account {
            out.fields.push(source.date);
            // Today's date after a past scoring date hides the date of that day's value.
            let raw = view::Rec::Account(&snapshot.account).read(source.date.name, at);
            if raw.as_date().is_some_and(|d| d > at.date)
                && let Some(reason) = at.unknown_account_value(&format!(
                    "{label}: the account's {}",
                    words(&source.date)
                ))
            {
                out.reason = reason;
                return out;
            }
        }
        view::each(snapshot, source.date.object, at, |rec| {
            if !matches(&rec, &source.filter, at) {
                return;
            }
            // Dates after the scoring instant are plans, not activity: skipped.
            if let Some(date) = as_date(&rec.read(source.date.name, at), at)
                && latest.is_none_or(|(best, _, _)| date > best)
            {
                latest = Some((date, rec.id(), source.date));
            }
        });
    }
    let Some((date, id, field)) = latest else {
        out.fact = "none on record".to_owned();
        out.reason = format!("{label}: none on record");
        if let Some(score) = when_none {
            out.score = Some(score);
            out.reason.push_str(&format!(", scores {}", num(score)));
        }
        return out;
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
    // An account date is named by its field (already listed), a record by its Id.
    if field.object != ObjectKind::Account {
        out.evidence.push(id);
    }
    out.score = Some(score);
    out.value = Some(days_f);
    out.fact = format!("{label} {ago} ({date})");
    out.reason = format!("{}: {rule}", out.fact);
    out
}

/// The mean of a numeric field over matching records, through a scale.
pub(super) fn mean(
    snapshot: &AccountSnapshot,
    field: &FieldRef,
    filter: &[Condition],
    scale: &Scale,
    label: &str,
    unit: &str,
    at: &AsOf,
) -> Outcome {
    let mut sum = 0.0;
    let mut out = Outcome::default();
    view::each(snapshot, field.object, at, |rec| {
        if matches(&rec, filter, at)
            && let Some(v) = rec.read(field.name, at).as_number()
        {
            sum += v;
            out.evidence.push(rec.id());
        }
    });
    let n = out.evidence.len();
    if n == 0 {
        out.reason = format!(
            "{label}: no matching {} with {}",
            noun(field.object, 0),
            words(field)
        );
        return out;
    }
    let mean = sum / count_f(n);
    let (score, rule) = apply_scale(scale, mean, unit);
    out.score = Some(score);
    out.value = Some(mean);
    out.fact = format!(
        "{label}: mean {}{unit} over {n} {}",
        num(mean),
        noun(field.object, n)
    );
    out.reason = format!("{} scores {} ({rule})", out.fact, num(score));
    out
}

/// How items due in the window ended up.
#[derive(Default)]
struct Due {
    on_time: u32,
    late_done: u32,
    overdue: u32,
    due_today: u32,
}

/// The share of items due in the window completed on or before their due date.
pub(super) fn on_time(
    snapshot: &AccountSnapshot,
    sources: &[DueSource],
    window_days: i64,
    label: &str,
    at: &AsOf,
) -> Outcome {
    let start = window_start(window_days, at);
    let mut due = Due::default();
    let mut out = Outcome::default();
    for source in sources {
        view::each(snapshot, source.due.object, at, |rec| {
            if !matches(&rec, &source.filter, at) {
                return;
            }
            let Some(day) = rec.read(source.due.name, at).as_date() else {
                return;
            };
            if day < start || day > at.date {
                return;
            }
            match as_date(&rec.read(source.completed.name, at), at) {
                Some(done) if done <= day => due.on_time += 1,
                Some(_) => due.late_done += 1,
                // Due today and still open: not late yet, so not counted.
                None if day == at.date => {
                    due.due_today += 1;
                    return;
                }
                None => due.overdue += 1,
            }
            out.evidence.push(rec.id());
        });
    }
    let counted = due.on_time + due.late_done + due.overdue;
    if counted == 0 {
        out.reason = format!("{label}: none due since {start}");
        if due.due_today > 0 {
            out.reason
                .push_str(&format!(" ({} due today and still open)", due.due_today));
        }
        return out;
    }
    let score = 100.0 * f64::from(due.on_time) / f64::from(counted);
    out.fact = format!(
        "{} of {counted} {label} due since {start} were completed on time",
        due.on_time
    );
    let mut extras = Vec::new();
    if due.late_done > 0 {
        extras.push(format!("{} completed late", due.late_done));
    }
    if due.overdue > 0 {
        extras.push(format!("{} open and overdue", due.overdue));
    }
    if due.due_today > 0 {
        extras.push(format!("{} due today not counted yet", due.due_today));
    }
    out.reason = format!("{}, scores {}", out.fact, num(score));
    if !extras.is_empty() {
        out.reason.push_str(&format!(" ({})", extras.join(", ")));
    }
    out.score = Some(score);
    out.value = Some(score);
    out
}
