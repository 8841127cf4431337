//! Measures of the account's own fields: `value`, `ratio` and `picklist`. Their evidence is
//! the account and the fields read, whether or not they held a value. They never read
//! related records. Account fields have no history: scored as of a day before the records
//! were read (backfill), they have no data and say the value then is not known.

use crate::domain::AccountSnapshot;

use super::super::model::{FieldRef, Scale};
use super::super::view::{AsOf, Rec};
use super::{Outcome, apply_scale, num, words};

fn account_number(snapshot: &AccountSnapshot, field: &FieldRef, at: &AsOf) -> Option<f64> {
    Rec::Account(&snapshot.account)
        .read(field.name, at)
        .as_number()
}

/// "No data" when the account's values as of `at` are not known (see `view`).
fn unknown_then(label: &str, fields: &[&FieldRef], at: &AsOf) -> Option<Outcome> {
    let names: Vec<String> = fields.iter().map(|f| words(f)).collect();
    let reason =
        at.unknown_account_value(&format!("{label}: the account's {}", names.join(" and ")))?;
    Some(Outcome {
        fields: fields.iter().map(|f| **f).collect(),
        reason,
        ..Outcome::default()
    })
}

/// A numeric account field through a scale.
pub(super) fn value(
    snapshot: &AccountSnapshot,
    field: &FieldRef,
    scale: &Scale,
    label: &str,
    unit: &str,
    at: &AsOf,
) -> Outcome {
    if let Some(unknown) = unknown_then(label, &[field], at) {
        return unknown;
    }
    let mut out = Outcome {
        fields: vec![*field],
        ..Outcome::default()
    };
    let Some(v) = account_number(snapshot, field, at) else {
        out.reason = format!("{label}: no {} on the account", words(field));
        return out;
    };
    let (score, rule) = apply_scale(scale, v, unit);
    out.score = Some(score);
    out.value = Some(v);
    out.fact = format!("{label} {}{unit}", num(v));
    out.reason = format!("{} scores {} ({rule})", out.fact, num(score));
    out
}

/// `100 × numerator / denominator` through a scale.
pub(super) fn ratio(
    snapshot: &AccountSnapshot,
    [numerator, denominator]: [&FieldRef; 2],
    scale: &Scale,
    label: &str,
    unit: &str,
    at: &AsOf,
) -> Outcome {
    let unit = if unit.is_empty() { "%" } else { unit };
    if let Some(unknown) = unknown_then(label, &[numerator, denominator], at) {
        return unknown;
    }
    let mut out = Outcome {
        fields: vec![*numerator, *denominator],
        ..Outcome::default()
    };
    let top = account_number(snapshot, numerator, at);
    let bottom = account_number(snapshot, denominator, at);
    let (top, bottom) = match (top, bottom) {
        (Some(top), Some(bottom)) => (top, bottom),
        (None, _) => {
            out.reason = format!("{label}: no {} on the account", words(numerator));
            return out;
        }
        (_, None) => {
            out.reason = format!("{label}: no {} on the account", words(denominator));
            return out;
        }
    };
    if bottom <= 0.0 {
        let what = format!("{} is {}", words(denominator), num(bottom));
        out.reason = format!("{label}: {what}, so the ratio cannot be computed");
        out.diagnostics
            .push(format!("{label}: {what}; treated as no data"));
        return out;
    }
    let pct = 100.0 * top / bottom;
    let (score, rule) = apply_scale(scale, pct, unit);
    out.score = Some(score);
    out.value = Some(pct);
    out.fact = format!(
        "{label} {}{unit} ({} {} of {} {})",
        num(pct),
        num(top),
        words(numerator),
        num(bottom),
        words(denominator),
    );
    out.reason = format!("{} scores {} ({rule})", out.fact, num(score));
    out
}

/// A picklist (or text) account field, value by value.
pub(super) fn picklist(
    snapshot: &AccountSnapshot,
    field: &FieldRef,
    scores: &[(String, f64)],
    label: &str,
    at: &AsOf,
) -> Outcome {
    if let Some(unknown) = unknown_then(label, &[field], at) {
        return unknown;
    }
    let mut out = Outcome {
        fields: vec![*field],
        ..Outcome::default()
    };
    let raw = Rec::Account(&snapshot.account).read(field.name, at);
    let Some(text) = raw.as_text() else {
        out.reason = format!("{label}: no {} on the account", words(field));
        return out;
    };
    out.fact = format!("{label} is {text}");
    match scores.iter().find(|(value, _)| value == text) {
        Some((_, score)) => {
            out.score = Some(*score);
            out.reason = format!("{} and scores {}", out.fact, num(*score));
        }
        None => {
            out.reason = format!("{label}: {text:?} has no score in the model");
            out.diagnostics.push(format!(
                "{label}: value {text:?} is not mapped by the model; treated as no data"
            ));
        }
    }
    out
}
