//! The `renewal` measure: days left on the active contract against the stage of its
//! renewal opportunity.
//!
//! Phases: find the active contract (outside the window it scores 100); find its renewal;
//! read the renewal's stage as known at the scoring instant; score it. A closed renewal is
//! closed, whatever its `CloseDate`: won is on track, lost scores 0. A renewal that closed
//! after the scoring instant (backfill) was open then, at a stage Vitals cannot know, and
//! counts as no stage reached (`view` decides when an opportunity closed). This module
//! never decides which records exist; `view` does.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{AccountSnapshot, ObjectKind, SfId};

use super::super::filter::matches;
use super::super::model::Renewal;
use super::super::view::{self, AsOf, Rec};
use super::{Outcome, num};

/// The fields this measure reads besides its `renewal_where` conditions (and besides what
/// `view` reads on every record): the contract's status, end and number, and the
/// renewal's link, dates and stage.
pub(crate) const FIELDS: &[(ObjectKind, &str)] = &[
    (ObjectKind::Contract, "status"),
    (ObjectKind::Contract, "end_date"),
    (ObjectKind::Contract, "contract_number"),
    (ObjectKind::Opportunity, "contract_id"),
    (ObjectKind::Opportunity, "close_date"),
    (ObjectKind::Opportunity, "created_date"),
    (ObjectKind::Opportunity, "stage_name"),
    (ObjectKind::Opportunity, "is_closed"),
    (ObjectKind::Opportunity, "is_won"),
    (ObjectKind::Opportunity, "churn_reason"),
];

/// The active contract: its Id, a name for people, and its end date.
struct Active {
    id: SfId,
    name: String,
    /// The first day of the term, when known: a renewal that closed before it renewed the
    /// previous term.
    start: Option<NaiveDate>,
    end: NaiveDate,
}

/// What the renewal's stage was at the scoring instant.
enum Stage<'a> {
    /// No renewal opportunity.
    NoRenewal,
    /// Closed after the scoring instant: open then, at an unknown stage.
    ClosedLater(NaiveDate),
    /// Closed and won.
    Won(&'a str, NaiveDate),
    /// Closed and lost, with the churn reason when one is given.
    Lost(&'a str, NaiveDate, Option<&'a str>),
    /// Open at a stage that scores 0.
    AtRisk(&'a str),
    /// Open at this schedule position.
    Scheduled(usize, &'a str),
    /// Open at a stage the schedule does not list.
    Unscheduled(&'a str),
}

/// Evaluates renewal readiness.
pub(super) fn evaluate(
    snapshot: &AccountSnapshot,
    params: &Renewal,
    label: &str,
    at: &AsOf,
) -> Outcome {
    let Some(contract) = active_contract(snapshot, params, at) else {
        return Outcome::no_data(format!("{label}: no active contract"));
    };
    let days_left = (contract.end - at.date).num_days();
    let days_f = f64::from(i32::try_from(days_left).unwrap_or(i32::MAX));
    let head = format!(
        "{} ends {}, {days_left} days away",
        contract.name, contract.end
    );
    let mut out = Outcome {
        value: Some(days_f),
        evidence: vec![contract.id],
        ..Outcome::default()
    };
    if days_left > params.window_days {
        out.score = Some(100.0);
        out.reason = format!(
            "{head}: outside the {}-day renewal window, scores 100",
            params.window_days
        );
        out.fact = head;
        return out;
    }
    let renewal = find_renewal(snapshot, params, &contract, at);
    let stage = match renewal {
        None => Stage::NoRenewal,
        Some(rec) => {
            out.evidence.push(rec.id());
            stage_of(rec, params, at)
        }
    };
    let (score, seen, rule) = judge(&stage, params, days_left, at);
    if let Stage::Unscheduled(stage) = stage {
        out.diagnostics.push(format!(
            "{label}: stage {stage:?} is not in the model's renewal schedule; counted as not started"
        ));
    }
    out.score = Some(score);
    out.fact = format!("{head}; {seen}");
    out.reason = format!("{}{rule}", out.fact);
    out
}

/// The contract with a listed status that has started and not ended; the one ending first.
fn active_contract(snapshot: &AccountSnapshot, params: &Renewal, at: &AsOf) -> Option<Active> {
    let mut active: Option<Active> = None;
    view::each(snapshot, ObjectKind::Contract, at, |rec| {
        let Rec::Contract(contract) = rec else {
            return;
        };
        let status_ok = contract
            .status
            .as_ref()
            .is_some_and(|s| params.contract_statuses.iter().any(|p| p == s.as_api()));
        if let Some(end) = contract.end_date
            && status_ok
            && end >= at.date
            && active.as_ref().is_none_or(|best| end < best.end)
        {
            let name = contract.contract_number.as_deref().map_or_else(
                || contract.id.to_string(),
                |number| format!("contract {number}"),
            );
            active = Some(Active {
                id: contract.id,
                name,
                start: contract.start_date,
                end,
            });
        }
    });
    active
}

/// The renewal of a contract: an opportunity matching `renewal_where` that is linked to it,
/// or else one unlinked whose close date lies within the window of its end; the newest. A
/// renewal that closed before the term started renewed the previous term (a contract whose
/// term was extended keeps its Id), so it is not this term's.
fn find_renewal<'a>(
    snapshot: &'a AccountSnapshot,
    params: &Renewal,
    contract: &Active,
    at: &AsOf,
) -> Option<Rec<'a>> {
    type Rank = (bool, Option<DateTime<Utc>>);
    let mut best: Option<(Rank, Rec<'a>)> = None;
    view::each(snapshot, ObjectKind::Opportunity, at, |rec| {
        let Rec::Opportunity(opp) = rec else {
            return;
        };
        if !matches(&rec, &params.renewal_filter, at) {
            return;
        }
        if opp.is_closed && contract.start.is_some_and(|start| opp.close_date < start) {
            return;
        }
        let linked = opp.contract_id == Some(contract.id);
        let near = opp.contract_id.is_none()
            && (opp.close_date - contract.end).num_days().abs() <= params.window_days;
        let rank = (linked, opp.created_date);
        if (linked || near) && best.as_ref().is_none_or(|(b, _)| rank > *b) {
            best = Some((rank, rec));
        }
    });
    best.map(|(_, rec)| rec)
}

/// The renewal's stage as known at the scoring instant, read through the view.
fn stage_of<'a>(rec: Rec<'a>, params: &Renewal, at: &AsOf) -> Stage<'a> {
    let Rec::Opportunity(opp) = rec else {
        return Stage::NoRenewal;
    };
    let Some(stage) = rec.read("stage_name", at).as_text() else {
        // Only a renewal closed after the scoring instant has no stage then.
        return Stage::ClosedLater(opp.close_date);
    };
    if rec.read("is_closed", at).as_bool() == Some(true) {
        return if rec.read("is_won", at).as_bool() == Some(true) {
            Stage::Won(stage, opp.close_date)
        } else {
            Stage::Lost(
                stage,
                opp.close_date,
                rec.read("churn_reason", at).as_text(),
            )
        };
    }
    if params.at_risk_stages.iter().any(|s| s == stage) {
        return Stage::AtRisk(stage);
    }
    match params.schedule.iter().position(|s| s.stage == stage) {
        Some(i) => Stage::Scheduled(i, stage),
        None => Stage::Unscheduled(stage),
    }
}

/// The score, what was seen of the renewal, and the rule that fired, in words.
fn judge(stage: &Stage<'_>, params: &Renewal, days_left: i64, at: &AsOf) -> (f64, String, String) {
    let on_track = params.behind_scores.first().copied().unwrap_or(100.0);
    let (reached, seen) = match stage {
        Stage::Won(stage, close) => {
            return (
                on_track,
                format!("the renewal was won ({stage}, close date {close})"),
                format!(": on track, scores {}", num(on_track)),
            );
        }
        Stage::Lost(stage, close, reason) => {
            let why = reason.map_or_else(String::new, |r| format!(", churn reason {r}"));
            return (
                0.0,
                format!("the renewal was lost ({stage}, close date {close}{why})"),
                ", scores 0".to_owned(),
            );
        }
        Stage::AtRisk(stage) => {
            return (
                0.0,
                format!("the renewal is at stage {stage}"),
                ", scores 0".to_owned(),
            );
        }
        Stage::NoRenewal => (0, "no renewal opportunity".to_owned()),
        Stage::ClosedLater(close) => (
            0,
            format!(
                "the renewal was still open on {} (it closed {close}), at a stage unknown then, counted as no stage reached",
                at.date
            ),
        ),
        Stage::Scheduled(i, stage) => (i + 1, format!("the renewal is at {stage}")),
        Stage::Unscheduled(stage) => (
            0,
            format!("the renewal is at {stage} (not in the schedule)"),
        ),
    };
    // Ranks count from 1 so that "no stage reached" is rank 0.
    let expected = params
        .schedule
        .iter()
        .rposition(|s| days_left <= s.by_days_left);
    let expected_name = expected
        .and_then(|i| params.schedule.get(i))
        .map_or("no stage yet", |s| s.stage.as_str());
    let behind = expected.map_or(0, |i| i + 1).saturating_sub(reached);
    let score = params
        .behind_scores
        .get(behind)
        .or(params.behind_scores.last())
        .copied()
        .unwrap_or(0.0);
    let verdict = match behind {
        0 => "on track".to_owned(),
        1 => "1 stage behind".to_owned(),
        n => format!("{n} stages behind"),
    };
    (
        score,
        format!("{seen}, expected {expected_name} by now: {verdict}"),
        format!(", scores {}", num(score)),
    )
}
