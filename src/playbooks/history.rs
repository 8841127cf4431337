//! The history record: one per account per period and model, upserted on `Key__c`.
//!
//! A live run writes the record of the period containing `as_of` when the org has none, or
//! when the org's differs from what Vitals wants (compared at each field's stored
//! precision, `calculated_at` left out, or every run would rewrite it). The write always
//! carries the whole record, so an upsert that finds the record deleted meanwhile creates
//! it whole. `vitals backfill` uses the same function with [`HistoryMode::Backfill`]:
//! `as_of` inside the past period (its last day), `backfilled` true.

use chrono::{DateTime, Utc};

use crate::domain::{AccountSnapshot, HistoryRecord, PlannedWrite, Target, Value, WriteKind};
use crate::scoring::{AccountScore, displayed, health_drivers};

use super::compare::{Stored, Wanted, number, text};
use super::input::{HistoryMode, PlanningSettings};
use super::keys::history_key;

/// The history write of the period containing `as_of`, when the org lacks it or holds
/// other values.
pub fn plan_history(
    snapshot: &AccountSnapshot,
    score: &AccountScore,
    settings: &PlanningSettings,
    as_of: DateTime<Utc>,
    mode: HistoryMode,
) -> Option<PlannedWrite> {
    let account = snapshot.account.id;
    let period = settings.period.start_of(as_of.date_naive());
    let key = history_key(account, period, &settings.model);
    let held = held_record(snapshot, &key, period, &settings.model);
    let wanted = wanted(score, settings, mode, held);
    let reason = match held {
        None => format!("no history record for the period starting {period} in the org"),
        Some(_) => {
            let differing: Vec<&str> = wanted
                .iter()
                .filter(|w| !w.is_held())
                .map(|w| w.name.as_str())
                .collect();
            if differing.is_empty() {
                return None;
            }
            format!(
                "the org's history record for the period starting {period} holds other values in {}",
                differing.join(", ")
            )
        }
    };
    let mut fields = vec![
        (
            "account".to_owned(),
            Value::Text(account.as_str().to_owned()),
        ),
        ("period".to_owned(), Value::Date(period)),
    ];
    fields.extend(wanted.into_iter().map(|w| (w.name, w.value)));
    fields.push(("calculated_at".to_owned(), Value::DateTime(as_of)));
    Some(PlannedWrite {
        kind: WriteKind::History,
        target: Target::Key(key),
        account_id: account,
        fields,
        reason,
    })
}

/// The org's record of this period: by key, or (a record written without one) by period
/// and model.
fn held_record<'a>(
    snapshot: &'a AccountSnapshot,
    key: &str,
    period: chrono::NaiveDate,
    model: &str,
) -> Option<&'a HistoryRecord> {
    snapshot
        .history
        .iter()
        .find(|h| h.key.as_deref() == Some(key))
        .or_else(|| {
            snapshot.history.iter().find(|h| {
                h.key.is_none() && h.period == period && h.model.as_deref() == Some(model)
            })
        })
}

/// The compared fields of the record, with the values the org holds (`Null` without a
/// record).
fn wanted(
    score: &AccountScore,
    settings: &PlanningSettings,
    mode: HistoryMode,
    held: Option<&HistoryRecord>,
) -> Vec<Wanted> {
    let one = Stored::Decimals(1);
    let held_number = |f: fn(&HistoryRecord) -> Option<f64>| number(held.and_then(f));
    let mut out = vec![
        Wanted::new(
            "score",
            one,
            number(displayed(score).overall),
            held_number(|h| h.score),
        ),
        Wanted::new(
            "status",
            Stored::Exact,
            text(Some(score.status.as_api())),
            text(held.and_then(|h| h.status.as_ref()).map(|s| s.as_api())),
        ),
        Wanted::new(
            "previous_score",
            one,
            number(score.previous_score),
            held_number(|h| h.previous_score),
        ),
        Wanted::new(
            "score_change",
            one,
            number(score.change),
            held_number(|h| h.score_change),
        ),
        // Coverage__c is a Percent(5,2).
        Wanted::new(
            "coverage",
            Stored::Decimals(2),
            number(Some(score.coverage)),
            held_number(|h| h.coverage),
        ),
        Wanted::new(
            "model",
            Stored::Exact,
            text(Some(&settings.model)),
            text(held.and_then(|h| h.model.as_deref())),
        ),
        Wanted::new(
            "drivers",
            Stored::Exact,
            text(Some(&health_drivers(score))),
            text(held.and_then(|h| h.drivers.as_deref())),
        ),
        Wanted::new(
            "backfilled",
            Stored::Exact,
            Value::Bool(mode == HistoryMode::Backfill),
            held.map_or(Value::Null, |h| Value::Bool(h.backfilled)),
        ),
    ];
    for key in &settings.categories {
        out.push(Wanted::new(
            key.clone(),
            one,
            number(score.category(key).and_then(|c| c.score)),
            number(held.and_then(|h| h.categories.get(key).copied())),
        ));
    }
    out
}
