//! Measures made of measures: `average` (the mean of the parts with data) and `first` (the
//! first part with data; the rest are fallbacks). Flags and diagnostics of every part are
//! kept, because what a part saw stays true whichever part scores. They never read records
//! themselves; their parts do.

use crate::domain::AccountSnapshot;

use super::super::model::Measure;
use super::super::view::AsOf;
use super::{Outcome, evaluate, num};

/// The mean of the parts that have data; parts without data are left out.
pub(super) fn average(
    snapshot: &AccountSnapshot,
    parts: &[Measure],
    label: &str,
    at: &AsOf,
) -> Outcome {
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
        out.fields.extend(o.fields);
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

/// The first part that has data scores, with its value, fact and evidence; the parts
/// before it are named as having had no data.
pub(super) fn first(
    snapshot: &AccountSnapshot,
    parts: &[Measure],
    label: &str,
    at: &AsOf,
) -> Outcome {
    let mut flags = Vec::new();
    let mut diagnostics = Vec::new();
    let mut passed_over = Vec::new();
    let mut chosen: Option<Outcome> = None;
    for part in parts {
        let mut o = evaluate(part, snapshot, at);
        flags.append(&mut o.flags);
        diagnostics.append(&mut o.diagnostics);
        if chosen.is_none() {
            if o.score.is_some() {
                chosen = Some(o);
            } else {
                passed_over.push(o.reason);
            }
        }
    }
    let mut out = chosen.unwrap_or_else(|| Outcome {
        reason: format!("{label}: no data"),
        ..Outcome::default()
    });
    if !passed_over.is_empty() {
        let words = if out.score.is_some() {
            "in place of"
        } else {
            "none had data"
        };
        out.reason
            .push_str(&format!(" ({words}: {})", passed_over.join("; ")));
    }
    out.flags = flags;
    out.diagnostics = diagnostics;
    out
}
