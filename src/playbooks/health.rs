//! The Account health fields: only those whose value differs from what the org holds.
//!
//! Every field Vitals owns on the Account is compared with the org's current value at the
//! field's stored precision ([`compare`](super::compare)); the write carries only the
//! fields that differ, plus `health_scored_at`, which is written only together with another
//! change (otherwise every run would write every account). A CSM's hand edit of one of
//! these fields differs from the wanted value and is put right by the same comparison.
//!
//! **Insufficient Data.** The status is written, the overall score, its change and the
//! renewal's health at creation are empty (the number is a mean over too little data, not
//! a score; `scoring::displayed` shows none), and each category keeps its own score where
//! it had data, so a CSM sees which inputs exist. A category without data is empty.

use chrono::{DateTime, Utc};

use crate::domain::{AccountSnapshot, PlannedWrite, Target, Value, WriteKind};
use crate::scoring::{AccountScore, displayed, health_drivers};

use super::compare::{Stored, Wanted, date, number, text};
use super::input::PlanningSettings;

/// The Account health write, when any field differs from what the org holds.
pub(crate) fn plan_health(
    snapshot: &AccountSnapshot,
    score: &AccountScore,
    settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Option<PlannedWrite> {
    let differing: Vec<Wanted> = wanted(snapshot, score, settings)
        .into_iter()
        .filter(|w| !w.is_held())
        .collect();
    if differing.is_empty() {
        return None;
    }
    let names: Vec<&str> = differing.iter().map(|w| w.name.as_str()).collect();
    let reason = if snapshot.account.health == Default::default() {
        "first score for this account".to_owned()
    } else {
        format!("the org holds other values in {}", names.join(", "))
    };
    let mut fields: Vec<(String, Value)> =
        differing.into_iter().map(|w| (w.name, w.value)).collect();
    fields.push(("health_scored_at".to_owned(), Value::DateTime(as_of)));
    Some(PlannedWrite {
        kind: WriteKind::AccountHealth,
        target: Target::Id(snapshot.account.id),
        account_id: snapshot.account.id,
        fields,
        reason,
    })
}

/// Every health field Vitals owns, with the value wanted and the value held.
fn wanted(
    snapshot: &AccountSnapshot,
    score: &AccountScore,
    settings: &PlanningSettings,
) -> Vec<Wanted> {
    let held = &snapshot.account.health;
    let one = Stored::Decimals(1);
    let mut out = vec![
        Wanted::new(
            "health_score",
            one,
            number(displayed(score).overall),
            number(held.score),
        ),
        Wanted::new(
            "health_status",
            Stored::Exact,
            text(Some(score.status.as_api())),
            text(held.status.as_ref().map(|s| s.as_api())),
        ),
        Wanted::new(
            "health_trend",
            Stored::Exact,
            text(Some(score.trend.as_api())),
            text(held.trend.as_ref().map(|t| t.as_api())),
        ),
        Wanted::new(
            "health_score_change",
            one,
            number(score.change),
            number(held.score_change),
        ),
        Wanted::new(
            "health_previous_score",
            one,
            number(score.previous_score),
            number(held.previous_score),
        ),
        // Health_Coverage__c is a Percent(5,2).
        Wanted::new(
            "health_coverage",
            Stored::Decimals(2),
            number(Some(score.coverage)),
            number(held.coverage),
        ),
        Wanted::new(
            "health_drivers",
            Stored::Exact,
            text(Some(&health_drivers(score))),
            text(held.drivers.as_deref()),
        ),
        Wanted::new(
            "health_status_since",
            Stored::Exact,
            date(Some(score.status_since)),
            date(held.status_since),
        ),
        Wanted::new(
            "health_model",
            Stored::Exact,
            text(Some(&settings.model)),
            text(held.model.as_deref()),
        ),
    ];
    for key in &settings.categories {
        out.push(Wanted::new(
            format!("health_{key}"),
            one,
            number(score.category(key).and_then(|c| c.score)),
            number(held.categories.get(key).copied()),
        ));
    }
    out
}
